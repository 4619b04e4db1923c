"""Release date strings -> exact/minimum/maximum date and status ('release' | 'update').

Shapes: 2021-03-15 (optionally with a time), 2021/3/15, 2021年3月15日, 03-15发布 and 3月15日更新 (year taken
from the retrieve date; a date that would fall after the retrieve date belongs to the previous year),
3天前 / 3天前更新, 今日更新 / 今天 / 刚刚 / N小时前 (the retrieve date), 昨天 / 前天, N周前, 3天内
(a range: minimum = retrieve - 3 days, maximum = retrieve), 更新于 <date>, unix seconds.
Relative shapes resolve against the row's own retrieve_date (the crawl time of that posting, never a
file's timestamp); without it they stay null with parse status 'unresolved'.
A date before EARLIEST (no job board posted then) or an offset of more than MAX_DAYS_AGO (999999999天前)
is 'out of range'; a date after the retrieve date (or after today when there is none) is 'after
retrieval'. Both are flagged with null dates: a release cannot follow the crawl that saw it.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from ._common import clean

RELEASE_DATE_PARSE_STATUSES: tuple[str, ...] = (
    "parsed",
    "missing",
    "unparsed",
    "unresolved",
    "out of range",
    "after retrieval",
)

# Chinese online job boards start in the late 1990s (51job 1998, Zhaopin 1997): earlier is not a posting date.
EARLIEST: dt.date = dt.date(1995, 1, 1)
# "N天前" beyond this is a placeholder (999999999天前), not an age; it also keeps date arithmetic in range.
MAX_DAYS_AGO: int = 36_500

RELEASE_DATE_OUTPUT_COLUMNS: tuple[str, ...] = (
    "release_date_exact_date_norm",
    "release_date_minimum_date_norm",
    "release_date_maximum_date_norm",
    "release_date_status_norm",
    "release_date_parse_status_norm",
)

# any number of year digits, so that a year like 186890 is flagged instead of read as a month-day
_FULL = r"(?:^|[^\d])(?P<y>\d{4,})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})"
_PARTIAL = r"(?:^|[^\d])(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})(?:日|号)?"
_DAYS_AGO = r"(?P<n>\d+)\s*(?:天|日)前"
_WEEKS_AGO = r"(?P<n>\d+)\s*(?:周|星期)前"
_DAYS_WITHIN = r"(?P<n>\d+)\s*(?:天|日)(?:内|以内)"
_TODAY = r"今天|今日|刚刚|\d+\s*(?:小时|分钟|秒)前|today|just now|hours? ago|minutes? ago"
_UNIX = r"^(?P<t>1\d{9})(?:\.\d+)?$"


def _mkdate(y: pl.Expr, m: pl.Expr, d: pl.Expr) -> pl.Expr:
    # pl.date raises on 02-30; parsing a formatted string gives null instead
    txt = pl.concat_str(
        [y.cast(pl.String), m.cast(pl.String).str.zfill(2), d.cast(pl.String).str.zfill(2)], separator="-"
    )
    return txt.str.to_date("%Y-%m-%d", strict=False)


def parse_release_date(
    df: pl.DataFrame, text: str = "release_date_key", retrieve: str = "retrieve_key"
) -> pl.DataFrame:
    # staged over named temporaries: nested expressions blow up the plan
    c = pl.col
    d = df.with_columns(clean(c(text)).alias("_s"), c(retrieve).cast(pl.Date, strict=False).alias("_retr"))
    s, retr = c("_s"), c("_retr")
    d = d.with_columns(
        s.str.extract_groups(_FULL).alias("_full"),
        s.str.extract_groups(_PARTIAL).alias("_part"),
        *[
            # digits beyond Int64 count as a huge offset, not as no offset
            pl.when(g.str.len_chars() > 12).then(pl.lit(10**12)).otherwise(g.cast(pl.Int64, strict=False)).alias(name)
            for name, g in (
                ("_days", s.str.extract_groups(_DAYS_AGO).struct.field("n")),
                ("_weeks", s.str.extract_groups(_WEEKS_AGO).struct.field("n")),
                ("_within", s.str.extract_groups(_DAYS_WITHIN).struct.field("n")),
            )
        ],
        s.str.extract_groups(_UNIX).struct.field("t").cast(pl.Int64, strict=False).alias("_unix"),
        s.str.contains(r"前天|day before yesterday").alias("_d2"),
        s.str.contains(r"昨天|昨日|yesterday").alias("_d1"),
        s.str.contains(_TODAY).alias("_d0"),
        s.str.contains(r"更新|刷新|update|refresh").alias("_upd"),
    )
    full, part = c("_full"), c("_part")
    year = full.struct.field("y")
    year_ok = year.str.len_chars().eq(4) & year.is_between(pl.lit("1900"), pl.lit("2099"))
    d = d.with_columns(
        pl.when(year_ok)
        .then(_mkdate(year, full.struct.field("m"), full.struct.field("d")))
        .alias("_full_date"),
        year.is_not_null().alias("_has_year"),
        (year.is_not_null() & ~year_ok).alias("_bad_year"),
        part.struct.field("m").alias("_pm"),
        part.struct.field("d").alias("_pd"),
        (c("_unix") * 1000).cast(pl.Datetime("ms")).dt.date().alias("_unix_date"),
        pl.when(c("_days").is_not_null())
        .then(c("_days"))
        .when(c("_weeks").is_not_null())
        .then(c("_weeks") * 7)
        .when(c("_d2"))
        .then(2)
        .when(c("_d1"))
        .then(1)
        .when(c("_d0"))
        .then(0)
        .alias("_off"),
    )
    # offsets too large for any real posting: flagged, and never fed to date arithmetic (it would overflow)
    d = d.with_columns(
        ((c("_off") > MAX_DAYS_AGO) | (c("_within") > MAX_DAYS_AGO)).fill_null(False).alias("_huge"),
        pl.when(c("_off") <= MAX_DAYS_AGO).then(c("_off")).alias("_off"),
        pl.when(c("_within") <= MAX_DAYS_AGO).then(c("_within")).alias("_within_ok"),
    )
    # the latest year that puts a month-day on or before the retrieval: 12-31发布 seen on 2021-03-20 is
    # 2020-12-31, 02-29发布 seen then is 2020-02-29 (the last leap year)
    back = [_mkdate(retr.dt.year() - k, c("_pm"), c("_pd")) for k in range(5)]
    d = d.with_columns(pl.coalesce([pl.when(b <= retr).then(b) for b in back]).alias("_partial_date"))
    d = d.with_columns(
        pl.when(c("_full_date").is_not_null())
        .then(c("_full_date"))
        .when(c("_unix_date").is_not_null())
        .then(c("_unix_date"))
        .when(c("_off").is_not_null())
        .then(retr - pl.duration(days=c("_off")))
        .when(c("_pm").is_not_null() & c("_within").is_null() & ~c("_huge") & ~c("_has_year"))
        .then(c("_partial_date"))
        .alias("_exact")
    )
    within_ok = c("_within_ok").is_not_null() & c("_exact").is_null()
    d = d.with_columns(
        pl.when(within_ok).then(retr - pl.duration(days=c("_within_ok"))).alias("_min"),
        pl.when(within_ok).then(retr).alias("_max"),
    )
    # the latest a posting can have been released: its retrieval, else today
    latest = pl.coalesce(retr, pl.lit(dt.datetime.now(dt.timezone.utc).date()))
    early = (c("_exact") < pl.lit(EARLIEST)) | (c("_min") < pl.lit(EARLIEST))
    late = (c("_exact") > latest) | (c("_max") > latest)
    d = d.with_columns(
        (c("_huge") | c("_bad_year") | early.fill_null(False)).alias("_out"),
        late.fill_null(False).alias("_late"),
    )
    keep = ~c("_out") & ~c("_late")
    d = d.with_columns(
        pl.when(keep).then(c("_exact")).alias("release_date_exact_date_norm"),
        pl.when(keep).then(c("_min")).alias("release_date_minimum_date_norm"),
        pl.when(keep).then(c("_max")).alias("release_date_maximum_date_norm"),
    )
    got = c("release_date_exact_date_norm").is_not_null() | c("release_date_minimum_date_norm").is_not_null()
    needs_retrieve = (
        ~c("_has_year")
        & c("_unix").is_null()
        & (c("_pm").is_not_null() | c("_off").is_not_null() | c("_within").is_not_null())
    )
    d = d.with_columns(
        pl.when(s == "")
        .then(pl.lit("missing"))
        .when(got)
        .then(pl.lit("parsed"))
        .when(c("_out"))
        .then(pl.lit("out of range"))
        .when(c("_late"))
        .then(pl.lit("after retrieval"))
        .when(needs_retrieve & retr.is_null())
        .then(pl.lit("unresolved"))
        .otherwise(pl.lit("unparsed"))
        .alias("release_date_parse_status_norm"),
        pl.when(got)
        .then(pl.when(c("_upd")).then(pl.lit("update")).otherwise(pl.lit("release")))
        .alias("release_date_status_norm"),
    )
    return d.select(*df.columns, *RELEASE_DATE_OUTPUT_COLUMNS)
