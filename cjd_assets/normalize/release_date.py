"""Release date strings -> exact/minimum/maximum date and status ('release' | 'update').

Shapes: 2021-03-15 (optionally with a time), 2021/3/15, 2021年3月15日, 03-15发布 and 3月15日更新 (year taken
from the retrieve date; a date that would fall after the retrieve date belongs to the previous year),
3天前 / 3天前更新, 今日更新 / 今天 / 刚刚 / N小时前 (the retrieve date), 昨天 / 前天, N周前, 3天内
(a range: minimum = retrieve - 3 days, maximum = retrieve), 更新于 <date>, unix seconds.
Relative shapes need retrieve_date; without it they stay null with parse status 'unresolved'.
"""

from __future__ import annotations

import polars as pl

from ._common import clean

RELEASE_DATE_PARSE_STATUSES: tuple[str, ...] = ("parsed", "missing", "unparsed", "unresolved")

RELEASE_DATE_OUTPUT_COLUMNS: tuple[str, ...] = (
    "release_date_exact_date_norm",
    "release_date_minimum_date_norm",
    "release_date_maximum_date_norm",
    "release_date_status_norm",
    "release_date_parse_status_norm",
)

_FULL = r"(?P<y>(?:19|20)\d{2})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})"
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


def release_date_exprs(text: pl.Expr, retrieve: pl.Expr) -> dict[str, pl.Expr]:
    s = clean(text)
    full = s.str.extract_groups(_FULL)
    full_date = _mkdate(full.struct.field("y"), full.struct.field("m"), full.struct.field("d"))
    part = s.str.extract_groups(_PARTIAL)
    pm = part.struct.field("m")
    pd_ = part.struct.field("d")
    ry = retrieve.dt.year()
    this_year = _mkdate(ry, pm, pd_)
    # never in the future: 12-31发布 seen on 2021-03-20 is 2020-12-31 (02-29 of a non-leap year stays null)
    partial_date = pl.when(this_year > retrieve).then(_mkdate(ry - 1, pm, pd_)).otherwise(this_year)
    days_ago = s.str.extract_groups(_DAYS_AGO).struct.field("n").cast(pl.Int64, strict=False)
    weeks_ago = s.str.extract_groups(_WEEKS_AGO).struct.field("n").cast(pl.Int64, strict=False)
    within = s.str.extract_groups(_DAYS_WITHIN).struct.field("n").cast(pl.Int64, strict=False)
    unix = s.str.extract_groups(_UNIX).struct.field("t").cast(pl.Int64, strict=False)
    unix_date = (unix * 1000).cast(pl.Datetime("ms")).dt.date()

    rel_offset = (
        pl.when(days_ago.is_not_null())
        .then(days_ago)
        .when(weeks_ago.is_not_null())
        .then(weeks_ago * 7)
        .when(s.str.contains(r"前天|day before yesterday"))
        .then(2)
        .when(s.str.contains(r"昨天|昨日|yesterday"))
        .then(1)
        .when(s.str.contains(_TODAY))
        .then(0)
    )
    rel_date = retrieve - pl.duration(days=rel_offset)
    valid_full = full_date.is_not_null()
    needs_retrieve = full.struct.field("y").is_null() & unix.is_null() & (pm.is_not_null() | rel_offset.is_not_null() | within.is_not_null())

    exact = (
        pl.when(valid_full)
        .then(full_date)
        .when(unix_date.is_not_null())
        .then(unix_date)
        .when(rel_offset.is_not_null())
        .then(rel_date)
        .when(pm.is_not_null() & within.is_null())
        .then(partial_date)
    )
    within_ok = within.is_not_null() & exact.is_null()
    minimum = pl.when(within_ok).then(retrieve - pl.duration(days=within))
    maximum = pl.when(within_ok).then(retrieve)
    got = exact.is_not_null() | minimum.is_not_null()
    parse_status = (
        pl.when(s == "")
        .then(pl.lit("missing"))
        .when(got)
        .then(pl.lit("parsed"))
        .when(needs_retrieve & retrieve.is_null())
        .then(pl.lit("unresolved"))
        .otherwise(pl.lit("unparsed"))
    )
    status = pl.when(got).then(
        pl.when(s.str.contains(r"更新|刷新|update|refresh")).then(pl.lit("update")).otherwise(pl.lit("release"))
    )
    return {
        "release_date_exact_date_norm": exact,
        "release_date_minimum_date_norm": minimum,
        "release_date_maximum_date_norm": maximum,
        "release_date_status_norm": status,
        "release_date_parse_status_norm": parse_status,
    }


def parse_release_date(
    df: pl.DataFrame, text: str = "release_date_key", retrieve: str = "retrieve_key"
) -> pl.DataFrame:
    r = pl.col(retrieve).cast(pl.Date, strict=False)
    return df.with_columns(**{k: v.alias(k) for k, v in release_date_exprs(pl.col(text), r).items()})
