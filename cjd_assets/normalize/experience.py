"""Desired experience -> exact/minimum/maximum years and the study's levels (schema.EXPERIENCE_LEVELS).

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


def experience_exprs(text: pl.Expr) -> dict[str, pl.Expr]:
    s = cn_numerals_to_digits(clean(text))
    r = s.str.extract_groups(_RANGE)
    lo = r.struct.field("lo").cast(pl.Float64, strict=False)
    hi = r.struct.field("hi").cast(pl.Float64, strict=False)
    one = s.str.extract_groups(_SINGLE)
    n = one.struct.field("n").cast(pl.Float64, strict=False)
    q = one.struct.field("q")
    plus = pl.coalesce(
        s.str.extract_groups(_PLUS).struct.field("n"), s.str.extract_groups(_AT_LEAST).struct.field("n")
    ).cast(pl.Float64, strict=False)

    has_range = lo.is_not_null() & hi.is_not_null()
    q_min = q.is_in(["及以上", "以上", "或以上", "+", "or more"]).fill_null(False)
    q_max = q.is_in(["及以下", "以下", "以内", "内"]).fill_null(False)
    no_exp = s.str.contains(_NO_EXP)
    intern = s.str.contains(_INTERN)
    no_req = s.str.contains(_NO_REQ)
    # "1年经验" but not "3天/周 3个月" (months of an internship are not experience years)
    single = n.is_not_null() & ~has_range & plus.is_null()

    ex_years = pl.when(single & ~q_min & ~q_max).then(n).when(~has_range & n.is_null() & plus.is_null() & no_exp).then(0.0)
    min_years = pl.when(has_range).then(lo).when(plus.is_not_null()).then(plus).when(single & q_min).then(n)
    max_years = pl.when(has_range).then(hi).when(single & q_max).then(n)
    any_years = ex_years.is_not_null() | min_years.is_not_null() | max_years.is_not_null()
    intern_only = intern & ~any_years

    status = (
        pl.when(s == "")
        .then(pl.lit("missing"))
        .when(any_years | intern_only)
        .then(pl.lit("stated"))
        .when(no_req)
        .then(pl.lit("no requirement"))
        .otherwise(pl.lit("unparsed"))
    )
    return {
        "desired_experience_exact_years_norm": ex_years,
        "desired_experience_minimum_years_norm": min_years,
        "desired_experience_maximum_years_norm": max_years,
        "desired_experience_exact_level_norm": pl.when(intern_only).then(pl.lit("junior")).otherwise(years_to_level(ex_years)),
        "desired_experience_minimum_level_norm": years_to_level(min_years),
        "desired_experience_maximum_level_norm": years_to_level(max_years),
        "desired_experience_status_norm": status,
    }


def parse_experience(df: pl.DataFrame, text: str = "experience_key") -> pl.DataFrame:
    return df.with_columns(**{k: v.alias(k) for k, v in experience_exprs(pl.col(text)).items()})
