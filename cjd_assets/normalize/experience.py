"""Desired experience -> exact/minimum/maximum years and the study's levels (schema.EXPERIENCE_LEVELS).

Levels are the study's bands on the requirement: 0 years = "no experience"; up to 5 years "junior"
(一年以下, 实习/internship); above 5 up to 15 "mid"; above 15 "senior". An exact number takes the band it
falls in (5年 -> junior). A range or open bound (X年以上) asks for more than its lower end, so its lower
end opens into the band above a boundary: 5-10年 and 5年以上 are mid, 3-5年 junior, 15年以上 senior.

- exact_years: the single stated number; 0 for "no experience" answers: 无经验/无需经验, 在校生/应届生,
  应届, and 不限/经验不限 (it requires none; status 'no requirement', but 0 years and level "no experience"
  so that Figure 2 counts it, as the study's Table C4 does).
- minimum/maximum years: a range fills both; X年以上 the minimum; an upper bound (1年以下, 1年以内) is the
  range 0-X.
- minimum_level: the band the lower end opens into (above); maximum_level: the band of the upper end.
- exact_level: the band of an exact number, or of a range or open bound that lies inside one band
  (1-3年, 5-10年, 1年以下); X年以上 takes the band of its lower end (the requirement is X years).
  Null only for a range across bands (3-10年) and for what has no answer.
- Internship cards (实习, BOSS `3天/周`, `3个月`) carry no years: level "junior", years null.
- Calendar years are never experience (2024年应届生 is a graduate; 2024届). A range whose minimum
  exceeds its maximum, or more than 50 years, is status 'implausible' with null values.
"""

from __future__ import annotations

import polars as pl

from ._common import clean, cn_numerals_to_digits

EXPERIENCE_STATUSES: tuple[str, ...] = ("stated", "no requirement", "missing", "unparsed", "implausible")

# A working life: more years than this is a typo or not experience at all.
MAX_YEARS: float = 50.0
# Band edges of the study (years of experience): junior <= 5 < mid <= 15 < senior.
JUNIOR_MAX: float = 5.0
MID_MAX: float = 15.0

_NUM = r"\d+(?:\.\d+)?"
_RANGE = rf"(?P<lo>{_NUM})\s*(?:年|years?|yrs?)?\s*-\s*(?P<hi>{_NUM})\s*(?:年|years?|yrs?)"
_SINGLE = rf"(?P<n>{_NUM})\s*(?:个)?\s*(?:年|years?|yrs?)(?:的)?\s*(?P<q>及以上|以上|或以上|\+|or more|及以下|以下|以内|内)?"
_PLUS = rf"(?P<n>{_NUM})\s*\+\s*(?:years?|yrs?|年)"
_AT_LEAST = rf"(?:at least|minimum(?: of)?|more than|over)\s*(?P<n>{_NUM})\s*(?:years?|yrs?)"
# 2024年应届生, 2023届, 2019级: a calendar year (a graduating class), not years of experience
_CALENDAR_YEAR = r"(^|[^\d.])(?:19|20)\d{2}\s*(?:年|届|级)"
_NO_EXP = r"无经验|无需经验|不需要经验|无工作经验|零经验|在校|应届|毕业生|no experience|fresh graduate|new grad|entry[- ]level|graduate"
_INTERN = r"实习|intern|\d\s*天/周|\d+\s*个月"
_NO_REQ = r"不限|no requirement|any experience|unlimited"

EXPERIENCE_OUTPUT_COLUMNS: tuple[str, ...] = (
    "desired_experience_exact_years_norm",
    "desired_experience_minimum_years_norm",
    "desired_experience_maximum_years_norm",
    "desired_experience_exact_level_norm",
    "desired_experience_minimum_level_norm",
    "desired_experience_maximum_level_norm",
    "desired_experience_status_norm",
)


def years_to_level(y: pl.Expr) -> pl.Expr:
    """Band of an exact number of years (5 -> junior)."""
    return (
        pl.when(y <= 0)
        .then(pl.lit("no experience"))
        .when(y <= JUNIOR_MAX)
        .then(pl.lit("junior"))
        .when(y <= MID_MAX)
        .then(pl.lit("mid"))
        .when(y > MID_MAX)
        .then(pl.lit("senior"))
    )


def lower_end_level(y: pl.Expr) -> pl.Expr:
    """Band a range's lower end opens into: more than y years (5-10年 -> mid, 0-1年 -> junior)."""
    return (
        pl.when(y < JUNIOR_MAX)
        .then(pl.lit("junior"))
        .when(y < MID_MAX)
        .then(pl.lit("mid"))
        .when(y >= MID_MAX)
        .then(pl.lit("senior"))
    )


def parse_experience(df: pl.DataFrame, text: str = "experience_key") -> pl.DataFrame:
    # staged over named temporaries: nested expressions blow up the plan
    c = pl.col
    d = df.with_columns(
        cn_numerals_to_digits(clean(c(text))).str.replace_all(_CALENDAR_YEAR, "${1}").alias("_s"),
        (clean(c(text)) == "").alias("_empty"),
    )
    s = c("_s")
    d = d.with_columns(
        s.str.extract_groups(_RANGE).alias("_r"),
        s.str.extract_groups(_SINGLE).alias("_one"),
        pl.coalesce(
            s.str.extract_groups(_PLUS).struct.field("n"), s.str.extract_groups(_AT_LEAST).struct.field("n")
        ).cast(pl.Float64, strict=False).alias("_plus"),
        s.str.contains(_NO_EXP).alias("_no_exp"),
        s.str.contains(_INTERN).alias("_intern"),
        s.str.contains(_NO_REQ).alias("_no_req"),
    )
    d = d.with_columns(
        c("_r").struct.field("lo").cast(pl.Float64, strict=False).alias("_lo"),
        c("_r").struct.field("hi").cast(pl.Float64, strict=False).alias("_hi"),
        c("_one").struct.field("n").cast(pl.Float64, strict=False).alias("_n"),
        c("_one").struct.field("q").is_in(["及以上", "以上", "或以上", "+", "or more"]).fill_null(False).alias("_qmin"),
        c("_one").struct.field("q").is_in(["及以下", "以下", "以内", "内"]).fill_null(False).alias("_qmax"),
    )
    d = d.with_columns((c("_lo").is_not_null() & c("_hi").is_not_null()).alias("_range"))
    has_range, n, plus, qmin, qmax = c("_range"), c("_n"), c("_plus"), c("_qmin"), c("_qmax")
    # "1年经验" but not "3天/周 3个月" (months of an internship are not experience years)
    single = n.is_not_null() & ~has_range & plus.is_null()
    no_years = ~has_range & n.is_null() & plus.is_null()
    d = d.with_columns(
        pl.when(single & ~qmin & ~qmax)
        .then(n)
        .when(no_years & (c("_no_exp") | c("_no_req")))
        .then(0.0)
        .alias("_ex"),
        pl.when(has_range)
        .then(c("_lo"))
        .when(plus.is_not_null())
        .then(plus)
        .when(single & qmin)
        .then(n)
        .when(single & qmax)
        .then(0.0)  # 1年以下: anything from none up to a year
        .alias("_mn"),
        pl.when(has_range).then(c("_hi")).when(single & qmax).then(n).alias("_mx"),
    )
    ex, mn, mx = c("_ex"), c("_mn"), c("_mx")
    any_years = ex.is_not_null() | mn.is_not_null() | mx.is_not_null()
    bad = (mn > mx).fill_null(False) | pl.max_horizontal(ex, mn, mx).gt(MAX_YEARS).fill_null(False)
    d = d.with_columns(
        (c("_intern") & ~any_years).alias("_intern_only"), any_years.alias("_any"), bad.alias("_bad")
    )
    status = (
        pl.when(c("_empty"))
        .then(pl.lit("missing"))
        .when(c("_bad"))
        .then(pl.lit("implausible"))
        .when(no_years & c("_no_req") & ~c("_no_exp"))
        .then(pl.lit("no requirement"))
        .when(c("_any") | c("_intern_only"))
        .then(pl.lit("stated"))
        .otherwise(pl.lit("unparsed"))
    )
    ok = ~c("_bad")
    d = d.with_columns(
        pl.when(ok).then(ex).alias("desired_experience_exact_years_norm"),
        pl.when(ok).then(mn).alias("desired_experience_minimum_years_norm"),
        pl.when(ok).then(mx).alias("desired_experience_maximum_years_norm"),
        # a range of one value (3-3年) is that value
        pl.when(ok & (mx.is_null() | (mn < mx))).then(lower_end_level(mn)).when(ok).then(years_to_level(mn))
        .alias("_mnl"),
        pl.when(ok).then(years_to_level(mx)).alias("_mxl"),
        status.alias("desired_experience_status_norm"),
    )
    d = d.with_columns(
        pl.when(c("_intern_only"))
        .then(pl.lit("junior"))
        .when(ex.is_not_null() & ok)
        .then(years_to_level(ex))
        .when(c("_mxl").is_null())  # X年以上: the band of the requirement's lower end
        .then(c("_mnl"))
        .when(c("_mnl") == c("_mxl"))  # a range inside one band
        .then(c("_mnl"))
        .alias("desired_experience_exact_level_norm"),
        c("_mnl").alias("desired_experience_minimum_level_norm"),
        c("_mxl").alias("desired_experience_maximum_level_norm"),
    )
    return d.select(*df.columns, *EXPERIENCE_OUTPUT_COLUMNS)
