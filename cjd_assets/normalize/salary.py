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
A marker in the salary text (年薪, 万/年, /天, /时, 元/月, ·13薪 = monthly pay paid 13 times) overrides
the board's convention. Where the text has none, the board reads it as monthly and that reading is
implausible (`20万-25万` on zhaopin), an annual marker in the posting's title or body (`年薪20w+`) makes
it annual; otherwise it stays flagged 'implausible' with its reason in `salary_status_reason`.
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
# Monthly pay this high is an annual figure read as monthly or a typo far more often than real pay
# (on the real postings: '20万-25万' for a 客服, '150k-200k' for an intern, '144-180万' for a trade clerk);
# such postings are flagged rather than averaged in. A range whose bottom is this high is flagged too.
MAX_PLAUSIBLE_MONTHLY: float = 150_000.0
MAX_PLAUSIBLE_MONTHLY_MINIMUM: float = 100_000.0

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
# An annual figure named in the posting's title or body (where the salary text has no unit).
ANNUAL_HINT = r"年薪|年收入|年入|[\d万wk]\s*/\s*年|[万w]\s*每年"
# A minus sign before a number (not a range dash): '-3000', '5000--3000', '至-2000'.
_NEGATIVE = r"^-\s*\d|-\s*-\s*\d|[至到~]\s*-\s*\d"
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
) + ("salary_currency_norm", "salary_recurrence_norm", "salary_status_norm", "salary_months_norm", "salary_status_reason")


def _mult(unit: pl.Expr) -> pl.Expr:
    return (
        pl.when(unit.is_in(["万", "w"]))
        .then(10_000.0)
        .when(unit.is_in(["千", "k"]))
        .then(1_000.0)
        .otherwise(1.0)
    )


def _to_month(rec: pl.Expr) -> pl.Expr:
    """Factor from one unit of the recurrence to a month."""
    return (
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


def parse_salary(df: pl.DataFrame, text: str = "salary_key", source: str = "source", annual_hint: str | None = None) -> pl.DataFrame:
    """Add the salary columns to a frame of (ideally distinct) salary strings and boards.

    annual_hint: optional Boolean column, true where the posting (title/body) names annual pay
    (ANNUAL_HINT); it decides a unitless figure whose monthly reading is implausible. salary_status_reason
    says why a salary is 'implausible'."""
    # Built in stages over named temporaries: nesting the expressions instead blows up the plan.
    c = pl.col
    s = c("_s")
    hint = c(annual_hint).fill_null(False) if annual_hint else pl.lit(False)
    # NFKC first: full-width letters (１０－１５Ｋ) are not in clean()'s table
    d = df.with_columns(
        clean(c(text).cast(pl.String).str.normalize("NFKC")).alias("_s"),
        c(source).cast(pl.String).fill_null("").alias("_src"),
        hint.alias("_hint"),
    )
    rec = pl.lit(None, dtype=pl.String)
    for name, pat in reversed(_RECURRENCE_PATTERNS):
        rec = pl.when(s.str.contains(pat)).then(pl.lit(name)).otherwise(rec)
    cur = pl.lit("CNY")
    for code, pat in reversed(_CURRENCIES):
        cur = pl.when(s.str.contains(pat)).then(pl.lit(code)).otherwise(cur)
    months_raw = s.str.extract(r"(\d{2})\s*薪", 1).cast(pl.Int64, strict=False)
    d = d.with_columns(
        s.str.extract_groups(_MAIN).alias("_g"),
        rec.alias("_rec0"),
        cur.alias("_cur"),
        pl.when(months_raw.is_between(12, 24)).then(months_raw).otherwise(MONTHS_PER_YEAR).alias("_months"),
        (s == "").alias("_empty"),
        s.str.contains(_NEGOTIABLE).alias("_neg"),
        s.str.contains(_PIECE).alias("_piece"),
        s.str.contains(_NEGATIVE).alias("_negative"),
        s.str.contains("薪").alias("_n_months"),
    )
    g = c("_g")
    d = d.with_columns(
        g.struct.field("lo").cast(pl.Float64, strict=False).alias("_lo"),
        g.struct.field("hi").cast(pl.Float64, strict=False).alias("_hi"),
        g.struct.field("hu").alias("_hu"),
        # 10-15K: the unit on the upper end covers both
        pl.coalesce(g.struct.field("lu"), g.struct.field("hu")).alias("_lu"),
        g.struct.field("q").is_in(["及以上", "以上", "起", "+"]).fill_null(False).alias("_minq"),
        g.struct.field("q").is_in(["及以下", "以下"]).fill_null(False).alias("_maxq"),
    )
    default_rec = pl.when((c("_src") == "liepin") & c("_lu").is_in(["万", "w"])).then(pl.lit("year")).otherwise(pl.lit("month"))
    d = d.with_columns(
        pl.coalesce(c("_rec0"), default_rec).alias("_rec"),
        (c("_lo") * _mult(c("_lu"))).alias("_lo_v"),
        (c("_hi") * _mult(c("_hu").fill_null(c("_lu")))).alias("_hi_v"),
    )
    d = d.with_columns(pl.max_horizontal("_lo_v", "_hi_v").alias("_top"), pl.when(~c("_maxq")).then(c("_lo_v")).alias("_bottom"))

    def too_high(rec: pl.Expr) -> pl.Expr:
        month = _to_month(rec)
        return ((c("_top") * month >= MAX_PLAUSIBLE_MONTHLY) | (c("_bottom") * month >= MAX_PLAUSIBLE_MONTHLY_MINIMUM)).fill_null(False)

    # a unitless figure read as monthly by the board's convention, implausible as such, in a posting that
    # names annual pay: annual (N薪 says monthly, so it never applies there)
    annual = c("_rec0").is_null() & (c("_rec") == "month") & ~c("_n_months") & c("_hint") & too_high(c("_rec")) & ~too_high(pl.lit("year"))
    d = d.with_columns(pl.when(annual).then(pl.lit("year")).otherwise(c("_rec")).alias("_rec"))
    rec = c("_rec")
    d = d.with_columns(_to_month(rec).alias("_to_month"))
    # N薪 only changes the annual figure of a monthly wage; other recurrences annualise over 12 months.
    to_year = (
        pl.when(rec == "year")
        .then(1.0)
        .when(rec == "month")
        .then(c("_months").cast(pl.Float64))
        .otherwise(c("_to_month") * MONTHS_PER_YEAR)
    )
    top, top_month = c("_top"), c("_top") * c("_to_month")
    # first matching reason wins; null = plausible
    reason = (
        pl.when(c("_negative")).then(pl.lit("negative pay"))
        .when(c("_hi").is_not_null() & (c("_hi_v") < c("_lo_v"))).then(pl.lit("range minimum above its maximum"))
        .when((rec == "hour") & (top > MAX_HOURLY)).then(pl.lit(f"hourly pay above {MAX_HOURLY:,.0f} CNY"))
        .when((rec == "day") & (top > MAX_DAILY)).then(pl.lit(f"daily pay above {MAX_DAILY:,.0f} CNY"))
        .when(top_month >= MAX_PLAUSIBLE_MONTHLY).then(
            pl.lit(f"monthly pay of {MAX_PLAUSIBLE_MONTHLY:,.0f} CNY or more (annual pay read as monthly, or a typo)"))
        .when(c("_bottom") * c("_to_month") >= MAX_PLAUSIBLE_MONTHLY_MINIMUM).then(
            pl.lit(f"monthly minimum of {MAX_PLAUSIBLE_MONTHLY_MINIMUM:,.0f} CNY or more (annual pay read as monthly, or a typo)"))
        .when(top_month < MIN_MONTHLY).then(pl.lit(f"monthly pay below {MIN_MONTHLY:,.0f} CNY"))
    )
    lo = c("_lo")
    status = (
        pl.when(c("_empty"))
        .then(pl.lit("missing"))
        .when(lo.is_null() & c("_neg"))
        .then(pl.lit("negotiable"))
        .when(lo.is_null() | c("_piece"))
        .then(pl.lit("unparsed"))
        .when(reason.is_not_null())
        .then(pl.lit("implausible"))
        .otherwise(pl.lit("stated"))
    )
    d = d.with_columns(to_year.alias("_to_year"), status.alias("salary_status_norm"), reason.alias("_reason"))
    ok = c("salary_status_norm") == "stated"
    hi_known, minq, maxq = c("_hi").is_not_null(), c("_minq"), c("_maxq")
    values = {
        "exact": pl.when(c("_hi").is_null() & ~minq & ~maxq).then(c("_lo_v")),
        "minimum": pl.when(hi_known | minq).then(c("_lo_v")),
        "maximum": pl.when(hi_known).then(c("_hi_v")).when(maxq).then(c("_lo_v")),
    }
    cols = {}
    for kind, v in values.items():
        cols[f"_v_{kind}"] = pl.when(ok).then(v).cast(pl.Float64)
    d = d.with_columns(**cols)
    out = {}
    for kind in values:
        v = c(f"_v_{kind}")
        out[f"salary_{kind}_value_norm"] = v
        out[f"salary_{kind}_annual_value_norm"] = v * c("_to_year")
        out[f"salary_{kind}_monthly_value_norm"] = v * c("_to_month")
    out["salary_currency_norm"] = pl.when(ok).then(c("_cur"))
    out["salary_recurrence_norm"] = pl.when(ok).then(rec)
    out["salary_months_norm"] = pl.when(ok & (rec == "month")).then(c("_months").cast(pl.Int8))
    out["salary_status_reason"] = pl.when(c("salary_status_norm") == "implausible").then(c("_reason"))
    d = d.with_columns(**out)
    return d.select(*df.columns, *SALARY_OUTPUT_COLUMNS)
