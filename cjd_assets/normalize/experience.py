"""Desired experience -> exact/minimum/maximum years and the study's levels (schema.EXPERIENCE_LEVELS).

exact_years is the single stated number (null for a range); exact_level is the level of that number, or
the level of a range whose both ends fall in one level (1-3年 -> junior; 5-10年 has none), and
"junior" for an upper bound of at most 5 years (1年以下, as the study lists it), "senior" for a lower
bound above 15 years; other open ranges (3年以上) have none: use the minimum level.
Levels (study): 0 years = "no experience" (在校生/应届生, 无需经验, 无经验); up to 5 years = "junior"
(一年以下, 实习/internship); over 5 up to 15 = "mid"; over 15 = "senior". A level is derived from each
of exact/minimum/maximum years. 经验不限/不限 is "no requirement" (nulls with that status).
Internship cards (实习, BOSS `3天/周`, `3个月`) carry no years: level "junior", years null.
"""

from __future__ import annotations

import polars as pl

from ._common import clean, cn_numerals_to_digits

EXPERIENCE_STATUSES: tuple[str, ...] = ("stated", "no requirement", "missing", "unparsed")

_NUM = r"\d+(?:\.\d+)?"
_RANGE = rf"(?P<lo>{_NUM})\s*(?:年|years?|yrs?)?\s*-\s*(?P<hi>{_NUM})\s*(?:年|years?|yrs?)"
_SINGLE = rf"(?P<n>{_NUM})\s*(?:个)?\s*(?:年|years?|yrs?)(?:的)?\s*(?P<q>及以上|以上|或以上|\+|or more|及以下|以下|以内|内)?"
_PLUS = rf"(?P<n>{_NUM})\s*\+\s*(?:years?|yrs?|年)"
_AT_LEAST = rf"(?:at least|minimum(?: of)?|more than|over)\s*(?P<n>{_NUM})\s*(?:years?|yrs?)"
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
    return (
        pl.when(y <= 0)
        .then(pl.lit("no experience"))
        .when(y <= 5)
        .then(pl.lit("junior"))
        .when(y <= 15)
        .then(pl.lit("mid"))
        .when(y > 15)
        .then(pl.lit("senior"))
    )


def parse_experience(df: pl.DataFrame, text: str = "experience_key") -> pl.DataFrame:
    # staged over named temporaries: nested expressions blow up the plan
    c = pl.col
    d = df.with_columns(cn_numerals_to_digits(clean(c(text))).alias("_s"))
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
    d = d.with_columns(
        pl.when(single & ~qmin & ~qmax)
        .then(n)
        .when(~has_range & n.is_null() & plus.is_null() & c("_no_exp"))
        .then(0.0)
        .alias("desired_experience_exact_years_norm"),
        pl.when(has_range).then(c("_lo")).when(plus.is_not_null()).then(plus).when(single & qmin).then(n)
        .alias("desired_experience_minimum_years_norm"),
        pl.when(has_range).then(c("_hi")).when(single & qmax).then(n).alias("desired_experience_maximum_years_norm"),
    )
    ex, mn, mx = (c(f"desired_experience_{k}_years_norm") for k in ("exact", "minimum", "maximum"))
    any_years = ex.is_not_null() | mn.is_not_null() | mx.is_not_null()
    d = d.with_columns((c("_intern") & ~any_years).alias("_intern_only"), any_years.alias("_any"))
    status = (
        pl.when(s == "")
        .then(pl.lit("missing"))
        .when(c("_any") | c("_intern_only"))
        .then(pl.lit("stated"))
        .when(c("_no_req"))
        .then(pl.lit("no requirement"))
        .otherwise(pl.lit("unparsed"))
    )
    d = d.with_columns(
        # a range inside one level (1-3年) states that level exactly, though not an exact number of years
        pl.when(c("_intern_only"))
        .then(pl.lit("junior"))
        .when(ex.is_not_null())
        .then(years_to_level(ex))
        .when(years_to_level(mn) == years_to_level(mx))
        .then(years_to_level(mn))
        .when(mn.is_null() & (mx > 0) & (mx <= 5))  # 一年以下 is junior (study)
        .then(pl.lit("junior"))
        .when(mx.is_null() & (mn > 15))  # 20年以上 can only be senior
        .then(pl.lit("senior"))
        .alias("desired_experience_exact_level_norm"),
        years_to_level(mn).alias("desired_experience_minimum_level_norm"),
        years_to_level(mx).alias("desired_experience_maximum_level_norm"),
        status.alias("desired_experience_status_norm"),
    )
    return d.select(*df.columns, *EXPERIENCE_OUTPUT_COLUMNS)
