"""Salary strings -> value/range, currency, recurrence, monthly and annual values (Polars expressions).

Scaling constants (module level so the report can cite them):
- HOURS_PER_DAY = 8: the statutory working day (Labour Law art. 36).
- WORKING_DAYS_PER_MONTH = 21.75: the statutory pay-days per month (人社部 2008 notice, 月计薪天数),
  so hourly pay x 8 x 21.75 = 174 statutory hours a month.
- WEEKS_PER_MONTH = 52 / 12.
- MONTHS_PER_YEAR = 12, unless the posting states N薪 (e.g. 15-25K·13薪 -> annual = monthly x 13).
The study notes 9-9-6 weeks of 72 hours exist; we scale with the statutory week and say so.

Board conventions (a shape without a unit means different things on different boards):
- liepin `30-54万` without /月 or /年 is annual (Liepin showed yearly pay in 万);
- 51job `2-3万` / `6千-1.2万` without a unit is monthly; zhaopin `8000-16000` is monthly yuan;
- boss `15-25K`, lagou `15k-25k` are monthly thousands.
"""

from __future__ import annotations

import polars as pl

from ._common import clean

HOURS_PER_DAY: float = 8.0
WORKING_DAYS_PER_MONTH: float = 21.75
WEEKS_PER_MONTH: float = 52.0 / 12.0
MONTHS_PER_YEAR: int = 12

# Plausibility bounds (CNY). The study calls 5,000 CNY/hour and 15,000 CNY/day for low-skill work errors;
# we flag anything past these bounds instead of averaging it in.
MAX_HOURLY: float = 1_000.0
MAX_DAILY: float = 10_000.0
MIN_MONTHLY: float = 200.0
MAX_MONTHLY: float = 1_000_000.0

SALARY_STATUSES: tuple[str, ...] = ("stated", "negotiable", "missing", "unparsed", "implausible")

_NUM = r"\d+(?:\.\d+)?"
_UNIT = r"万|千|k|w|元"
_MAIN = rf"(?P<lo>{_NUM})\s*(?P<lu>{_UNIT})?\s*(?:-\s*(?P<hi>{_NUM})\s*(?P<hu>{_UNIT})?)?\s*(?:元)?\s*(?P<q>及以上|以上|及以下|以下|起|\+)?"

_RECURRENCE_PATTERNS: list[tuple[str, str]] = [
    ("hour", r"/\s*(?:小时|时|h|hr|hour)\b|/\s*(?:小时|时)|每小时|时薪|per hour|hourly"),
    ("day", r"/\s*(?:天|日|day)|每天|日薪|per day|daily"),
    ("week", r"/\s*(?:周|星期|week)|每周|周薪|per week|weekly"),
    ("year", r"/\s*(?:年|year|yr)|每年|年薪|per year|per annum|annual|p\.a\."),
    ("month", r"/\s*(?:月|month|mo)|每月|月薪|per month|monthly"),
]
_PIECE = r"/\s*(?:次|件|单|个|篇|条)"
_NEGOTIABLE = r"面议|面谈|面洽|商议|协商|negotiable|\bdoe\b|competitive"

_CURRENCIES: list[tuple[str, str]] = [
    ("HKD", r"hk\$|hkd|港币|港元"),
    ("USD", r"us\$|usd|美元|美金|\$"),
    ("EUR", r"€|eur\b|欧元"),
    ("GBP", r"£|gbp|英镑"),
    ("JPY", r"jpy|日元"),
]

SALARY_OUTPUT_COLUMNS: tuple[str, ...] = tuple(
    f"salary_{kind}_{what}_norm"
    for kind in ("exact", "minimum", "maximum")
    for what in ("value", "annual_value", "monthly_value")
) + ("salary_currency_norm", "salary_recurrence_norm", "salary_status_norm", "salary_months_norm")


def _mult(unit: pl.Expr) -> pl.Expr:
    return (
        pl.when(unit.is_in(["万", "w"]))
        .then(10_000.0)
        .when(unit.is_in(["千", "k"]))
        .then(1_000.0)
        .otherwise(1.0)
    )


def parse_salary(df: pl.DataFrame, text: str = "salary_key", source: str = "source") -> pl.DataFrame:
    """Add the salary columns to a frame of (ideally distinct) salary strings and boards."""
    s = clean(pl.col(text))
    g = s.str.extract_groups(_MAIN)
    lo = g.struct.field("lo").cast(pl.Float64, strict=False)
    hi = g.struct.field("hi").cast(pl.Float64, strict=False)
    hu = g.struct.field("hu")
    lu = pl.coalesce(g.struct.field("lu"), hu)  # 10-15K: the unit on the upper end covers both
    q = g.struct.field("q")

    rec = pl.lit(None, dtype=pl.String)
    for name, pat in reversed(_RECURRENCE_PATTERNS):
        rec = pl.when(s.str.contains(pat)).then(pl.lit(name)).otherwise(rec)
    src = pl.col(source).cast(pl.String).fill_null("")
    default_rec = pl.when((src == "liepin") & lu.is_in(["万", "w"])).then(pl.lit("year")).otherwise(pl.lit("month"))
    rec = pl.coalesce(rec, default_rec)

    months_raw = s.str.extract(r"(\d{2})\s*薪", 1).cast(pl.Int64, strict=False)
    months = pl.when(months_raw.is_between(12, 24)).then(months_raw).otherwise(MONTHS_PER_YEAR)

    lo_v = lo * _mult(lu)
    hi_v = hi * _mult(hu.fill_null(lu))
    is_min_only = q.is_in(["及以上", "以上", "起", "+"]).fill_null(False)
    is_max_only = q.is_in(["及以下", "以下"]).fill_null(False)
    exact = pl.when(hi.is_null() & ~is_min_only & ~is_max_only).then(lo_v)
    minimum = pl.when(hi.is_not_null() | is_min_only).then(lo_v)
    maximum = pl.when(hi.is_not_null()).then(hi_v).when(is_max_only).then(lo_v)

    to_month = (
        pl.when(rec == "hour")
        .then(HOURS_PER_DAY * WORKING_DAYS_PER_MONTH)
        .when(rec == "day")
        .then(WORKING_DAYS_PER_MONTH)
        .when(rec == "week")
        .then(WEEKS_PER_MONTH)
        .when(rec == "year")
        .then(1.0 / MONTHS_PER_YEAR)
        .otherwise(1.0)
    )
    # N薪 only changes the annual figure of a monthly wage; other recurrences annualise over 12 months.
    to_year = pl.when(rec == "year").then(1.0).when(rec == "month").then(months.cast(pl.Float64)).otherwise(
        to_month * MONTHS_PER_YEAR
    )

    top = pl.max_horizontal(lo_v, hi_v)
    top_month = top * to_month
    implausible = (
        ((rec == "hour") & (top > MAX_HOURLY))
        | ((rec == "day") & (top > MAX_DAILY))
        | (top_month > MAX_MONTHLY)
        | (top_month < MIN_MONTHLY)
        | (hi.is_not_null() & (hi_v < lo_v))
    )
    empty = s == ""
    negotiable = s.str.contains(_NEGOTIABLE)
    piece = s.str.contains(_PIECE)
    status = (
        pl.when(empty)
        .then(pl.lit("missing"))
        .when(lo.is_null() & negotiable)
        .then(pl.lit("negotiable"))
        .when(lo.is_null() | piece)
        .then(pl.lit("unparsed"))
        .when(implausible)
        .then(pl.lit("implausible"))
        .otherwise(pl.lit("stated"))
    )
    ok = status == "stated"

    cur = pl.lit("CNY")
    for code, pat in reversed(_CURRENCIES):
        cur = pl.when(s.str.contains(pat)).then(pl.lit(code)).otherwise(cur)

    cols = {}
    for kind, v in (("exact", exact), ("minimum", minimum), ("maximum", maximum)):
        cols[f"salary_{kind}_value_norm"] = pl.when(ok).then(v)
        cols[f"salary_{kind}_annual_value_norm"] = pl.when(ok).then(v * to_year)
        cols[f"salary_{kind}_monthly_value_norm"] = pl.when(ok).then(v * to_month)
    cols["salary_currency_norm"] = pl.when(ok).then(cur)
    cols["salary_recurrence_norm"] = pl.when(ok).then(rec)
    cols["salary_status_norm"] = status
    cols["salary_months_norm"] = pl.when(ok & (rec == "month")).then(months.cast(pl.Int8))
    return df.with_columns(**{k: v.alias(k) for k, v in cols.items()}).with_columns(
        pl.col([c for c in SALARY_OUTPUT_COLUMNS if c.endswith("value_norm")]).cast(pl.Float64)
    )
