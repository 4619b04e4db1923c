"""Desired education -> exact/minimum/maximum level (schema.EDUCATION_LEVELS) and detail (EDUCATION_DETAILS).

Study rules: 初中 -> junior middle school; 中技/中专 -> vocational high school; 高中 -> high school; the three
collapse to "middle school"; 大专 -> associate; 本科 -> bachelor; 硕士/MBA/EMBA -> master; 博士 -> doctoral.
本科及以上 is a minimum, 大专及以下 a maximum, a bare level is exact. 初中及以下 (and 高中/中专及以下) is
exact "middle school" as well as its maximum: no level lies below middle school, so the requirement is
that level (it is not "no data"). 学历不限/不限/无 is "none" (explicitly no requirement), reported as
exact level "none"; a missing value stays null.
"""

from __future__ import annotations

import polars as pl

from ._common import clean

EDUCATION_STATUSES: tuple[str, ...] = ("stated", "no requirement", "missing", "unparsed")

# (detail, level, pattern) from lowest to highest; patterns run on the lower-cased string.
_DETAILS: list[tuple[str, str, str]] = [
    ("junior middle school", "middle school", r"初中|junior (?:middle|high) school"),
    ("vocational high school", "middle school", r"中专|中技|职高|技校|职业高中|中职|vocational"),
    ("high school", "middle school", r"高中|high school|secondary school"),
    ("associate", "associate", r"大专|专科|高职|associate|junior college|diploma"),
    ("bachelor", "bachelor", r"本科|学士|bachelor|undergraduate|\bbsc\b|\bb\.sc\b"),
    ("master", "master", r"硕士|研究生|mba|emba|master|\bmsc\b|\bm\.sc\b|postgraduate"),
    ("doctoral", "doctoral", r"博士|phd|ph\.d|doctor"),
]
_NONE = r"^(?:学历)?不限$|^无$|学历不限|不限学历|无学历要求|学历无要求|no (?:degree|education) (?:required|requirement)|any degree|^(?:unlimited|any|none)$"
_MIN = r"及以上|以上|或以上|or above|or higher|at least|minimum|\+"
_MAX = r"及以下|以下|或以下|or below|or lower"

EDUCATION_OUTPUT_COLUMNS: tuple[str, ...] = (
    "desired_education_exact_level_norm",
    "desired_education_minimum_level_norm",
    "desired_education_maximum_level_norm",
    "desired_education_detail_norm",
    "desired_education_status_norm",
)


def education_exprs(text: pl.Expr) -> dict[str, pl.Expr]:
    s = clean(text)
    hits = [s.str.contains(p) for _, _, p in _DETAILS]
    lowest_detail = pl.lit(None, dtype=pl.String)
    lowest_level = pl.lit(None, dtype=pl.String)
    highest_level = pl.lit(None, dtype=pl.String)
    # highest first so the last `when` that fires is the lowest level mentioned
    for (detail, level, _), hit in zip(reversed(_DETAILS), reversed(hits)):
        lowest_detail = pl.when(hit).then(pl.lit(detail)).otherwise(lowest_detail)
        lowest_level = pl.when(hit).then(pl.lit(level)).otherwise(lowest_level)
    for (_, level, _), hit in zip(_DETAILS, hits):
        highest_level = pl.when(hit).then(pl.lit(level)).otherwise(highest_level)
    found = lowest_level.is_not_null()
    several = found & (lowest_level != highest_level)  # 本科/硕士: the lower one is the bar
    is_min = s.str.contains(_MIN) | several
    is_max = s.str.contains(_MAX) & ~several
    is_none = s.str.contains(_NONE) & ~found
    status = (
        pl.when(s == "")
        .then(pl.lit("missing"))
        .when(found)
        .then(pl.lit("stated"))
        .when(is_none)
        .then(pl.lit("no requirement"))
        .otherwise(pl.lit("unparsed"))
    )
    # "X及以下" at the lowest level there is (初中及以下) states that level
    lowest = pl.lit(_DETAILS[0][1])
    exact = (
        pl.when(is_none)
        .then(pl.lit("none"))
        .when(found & ~is_min & (~is_max | (lowest_level == lowest)))
        .then(lowest_level)
    )
    return {
        "desired_education_exact_level_norm": exact,
        "desired_education_minimum_level_norm": pl.when(found & is_min).then(lowest_level),
        "desired_education_maximum_level_norm": pl.when(found & is_max).then(lowest_level),
        "desired_education_detail_norm": pl.when(found).then(lowest_detail),
        "desired_education_status_norm": status,
    }


def parse_education(df: pl.DataFrame, text: str = "education_key") -> pl.DataFrame:
    d = df.with_columns(pl.col(text).alias("_edu_in"))
    d = d.with_columns(**{k: v.alias(k) for k, v in education_exprs(pl.col("_edu_in")).items()})
    return d.select(*df.columns, *EDUCATION_OUTPUT_COLUMNS)
