"""Tables as a reader sees them: human column labels with units, category names instead of codes, and
rounded numbers. Used by the HTML report; the stored tables keep the study's column names and codes.

`present(df)` labels every column it knows (LABELS) and turns any other one into words (`humanize`), so a
column added later (e.g. by another summary) still gets a readable header, never a raw code.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime

import polars as pl

from cjd_assets.schema import CATEGORIES, CATEGORY_NAMES

LABELS: dict[str, str] = {
    "category": "Category", "category_name": "Category", "postings": "Postings", "share": "Share",
    "raw_count": "Postings as classified", "raw_share": "Share as classified",
    "corrected_count": "Corrected postings", "corrected_share": "Corrected share",
    "ci_low": "95 % interval, low", "ci_high": "95 % interval, high", "correction_reliable": "Correction reliable",
    "n_min": "Postings stating a minimum", "n_max": "Postings stating a maximum",
    "median_min_annual_cny": "Median minimum (CNY a year)", "median_max_annual_cny": "Median maximum (CNY a year)",
    "median_min_annual_ppp_usd": "Median minimum (PPP USD a year)",
    "median_max_annual_ppp_usd": "Median maximum (PPP USD a year)",
    "missing_share": "Salary not stated", "pay_basis": "Pay basis", "n_salary": "Postings stating a salary",
    "province_zh": "Province (Chinese)", "province_en": "Province", "province": "Province (Chinese)",
    "region": "Region", "region_zh": "Region (Chinese)", "rank": "Rank", "keyword_en": "AI keyword",
    "share_of_category": "Share of the team's postings", "share_of_all": "Share of all postings",
    "education_level": "Education level", "experience_level": "Experience level", "bucket": "Education",
    "postings_group": "Postings", "field": "Normalized field", "nulls": "Missing",
    "family": "Family", "test": "Test", "metric": "Measure", "group_a": "Category", "group_b": "Compared with",
    "n_a": "Postings (category)", "n_b": "Postings (compared)", "estimate_a": "Value (category)",
    "estimate_b": "Value (compared)", "statistic": "Test statistic", "p_value": "p",
    "m": "Tests in the family", "p_adjusted": "p, Bonferroni-adjusted", "significant": "Significant at 5 %",
    "cluster": "Cluster", "members": "Members", "city": "City (Chinese)", "city_zh": "City (Chinese)",
    "city_en": "City", "cumulative_share": "Cumulative share", "source": "Board",
    "first_release_date": "First release date", "last_release_date": "Last release date",
    "title": "Job title", "company": "Employer", "prefecture_zh": "City (Chinese)", "keywords": "AI keywords matched",
    "month": "Month", "month_basis": "Month from", "breakdown": "Breakdown", "group": "Group",
    "ai_postings": "AI-category postings", "ai_share": "AI share",
    "ai_share_board_mix_adjusted": "AI share, adjusted to the board mix",
    "release_month_share": "Dated by release month", "sparse": "Too few postings to read",
    "window_a": "Window A", "window_b": "Window B", "value_a": "Window A value", "value_b": "Window B value",
    "difference": "Difference", "precision": "Precision", "recall": "Recall", "f1": "F1", "f0.5": "F0.5",
    "support": "Test postings", "predicted": "Predicted as the category", "true_category": "Annotated category",
    "model_version": "Model version", "backend": "Backend",
}
# Columns whose values are category codes: shown by the study's names.
CATEGORY_COLUMNS = {"category", "group_a", "group_b", "true_category"}
CODE_WORDS = {**CATEGORY_NAMES, "TOTAL": "Total"}
_TOKENS = {"cny": "(CNY)", "usd": "(USD)", "ppp": "PPP", "zh": "(Chinese)", "en": "", "norm": "", "pr": "(predicted)",
           "ci": "interval", "n": "n", "pct": "%"}
# Proportions shown as percentages; counts and money with thousands separators.
PROPORTION_COLUMNS = {"precision", "recall", "f1", "f0.5", "test_accuracy", "test_macro_f1", "accuracy", "macro_f1"}
COUNT_COLUMNS = {"corrected_count", "support", "predicted"}
CORRECTED_COLUMNS = ("corrected_count", "corrected_share", "ci_low", "ci_high")
TOO_UNCERTAIN = "too uncertain"


def humanize(column: str) -> str:
    """Words for a column name not in LABELS: 'predicted_NOT_AI' -> 'Predicted Not AI',
    'median_min_annual_cny' -> 'Median min annual (CNY)'."""
    text = column
    for code, name in sorted(CODE_WORDS.items(), key=lambda kv: -len(kv[0])):
        text = re.sub(rf"(?<![A-Za-z]){code}(?![A-Za-z])", name.replace(" ", "\0"), text)
    words = [_TOKENS.get(w.lower(), w) if "\0" not in w else w.replace("\0", " ") for w in text.split("_")]
    out = " ".join(w for w in words if w).strip()
    return (out[:1].upper() + out[1:]) or column


def label(column: str) -> str:
    return LABELS.get(column) or humanize(column)


def is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def fmt(column: str, value, kind: str | None = None) -> str:
    """Display text of one value: percentages to one decimal, money and counts rounded with thousands
    separators, p-values to three decimals (or '< 0.001'), category codes as names."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (date, datetime)):
        return value.strftime("%Y-%m") if kind == "month" else value.isoformat()[:10]
    if isinstance(value, str):
        return CODE_WORDS.get(value, value) if column in CATEGORY_COLUMNS else value
    col = column.lower()
    kind = kind or _kind(col, value)
    if kind == "share":
        return f"{value:.1%}"
    if kind == "p":
        return "< 0.001" if value < 0.001 else f"{value:.3f}"
    if kind == "stat":
        return f"{value:.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    if kind == "count":
        return f"{value:,.0f}"  # counts and money: whole numbers (a corrected count of 0.0002 is 0)
    return f"{value:,.0f}" if abs(value) >= 10 or value == int(value) else f"{value:.2f}"


def _kind(col: str, value) -> str | None:
    if col in ("p_value", "p_adjusted") or col.startswith("p_"):
        return "p"
    if col in COUNT_COLUMNS or "cny" in col or "usd" in col or col.startswith("n_"):
        return "count"
    if "share" in col or col in PROPORTION_COLUMNS:
        return "share"
    if col in ("statistic", "difference"):
        return "stat"
    if col.startswith(("estimate_", "value_")) and isinstance(value, float):
        return "share" if abs(value) <= 1 else "count"  # shares and medians share these columns
    return None


VALUE_PREFIXES = ("estimate_", "value_", "difference")


def _metric_kind(metric: str) -> str:
    """Tests and comparisons hold one measure per row: counts and pay as numbers, the rest as shares."""
    m = metric.lower()
    return "count" if m == "postings" or "salary" in m or "pay" in m else "share"


@dataclass
class Shown:
    """A table ready for the page: labelled headers and rows of (text, is_number) cells."""

    headers: list[str]
    rows: list[list[tuple[str, bool]]]


def present(df: pl.DataFrame, kinds: dict[str, str] | None = None, drop: tuple[str, ...] = (),
            labels: dict[str, str] | None = None) -> Shown:
    """Label, round and translate a stored table for the page. `kinds` forces a format per column
    ('share', 'count', 'p', 'stat', 'month'); `labels` overrides headers. When a `correction_reliable`
    column says a row's correction is unreliable, its corrected figures read 'too uncertain'."""
    kinds, labels = kinds or {}, labels or {}
    if "category" in df.columns and "category_name" in df.columns:
        drop = (*drop, "category_name")  # the category column already shows the name
    cols = [c for c in df.columns if c not in drop and c != "correction_reliable"]
    reliable = df["correction_reliable"].to_list() if "correction_reliable" in df.columns else [True] * df.height
    rows = []
    metrics = df["metric"].to_list() if "metric" in df.columns else [None] * df.height
    for ok, metric, row in zip(reliable, metrics, df.select(cols).iter_rows(named=True)):
        cells = []
        for c in cols:
            v = row[c]
            kind = kinds.get(c) or (_metric_kind(metric) if metric and c.startswith(VALUE_PREFIXES) else None)
            if ok is False and c in CORRECTED_COLUMNS:
                cells.append((TOO_UNCERTAIN, False))
            else:
                cells.append((fmt(c, v, kind), is_number(v)))
        rows.append(cells)
    return Shown([labels.get(c) or label(c) for c in cols], rows)


def category_order(values) -> list:
    order = {c: i for i, c in enumerate(CATEGORIES)}
    return sorted(values, key=lambda v: order.get(v, len(order)))
