"""The salary model's inputs: the stated-pay target, the categorical and numeric features, and their
encodings (hashed title n-grams + one-hot categoricals for the linear part, integer codes for the booster).

Predicted pay lives only in the `*_pr` / `salary_monthly_pr_*` columns: nothing in this package writes a
`*_norm` column, so stated pay can never be mistaken for a prediction.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl
import scipy.sparse as sp
from sklearn.feature_extraction.text import HashingVectorizer

from cjd_assets.classify.fast import char_ngram_counts

# Categorical features, in the order they are encoded; a missing column counts as all-null.
CATEGORICAL_COLUMNS: tuple[str, ...] = (
    "source",
    "job_category_pr",
    "location_province_zh_norm",
    "location_prefecture_zh_norm",
    "education_level",
    "experience_level",
    "company_size_band",
)
CROSSES: tuple[tuple[str, str], ...] = (
    ("source", "location_province_zh_norm"),
    ("job_category_pr", "location_province_zh_norm"),
    ("education_level", "experience_level"),
    ("source", "job_category_pr"),
)
# Company-size bands by the lower bound of the stated head count ("20-99人" -> 20).
COMPANY_SIZE_BANDS: tuple[tuple[int, str], ...] = (
    (0, "<20"),
    (20, "20-99"),
    (100, "100-499"),
    (500, "500-999"),
    (1000, "1000-9999"),
    (10000, "10000+"),
)
# Numeric columns the booster also reads (null = unknown).
BOOSTER_NUMERIC_COLUMNS: tuple[str, ...] = (
    "desired_experience_exact_years_norm",
    "desired_experience_minimum_years_norm",
    "desired_experience_maximum_years_norm",
)


def company_size_band(text: pl.Expr) -> pl.Expr:
    """'20-99人', '民营 | 少于50人', '10000人以上' -> a COMPANY_SIZE_BANDS name (null: no head count).
    A band name maps to itself, so text banded once keeps its band (banding twice used to empty it)."""
    t = text.cast(pl.String)
    few = t.str.contains(r"(少于|不足)\s*\d+\s*人|\d+\s*人\s*以下")
    lower = t.str.extract(r"(\d+)\s*(?:-\s*\d+\s*)?人", 1).cast(pl.Int64, strict=False)
    lower = pl.when(few).then(pl.lit(0, dtype=pl.Int64)).otherwise(lower)
    expr = pl.lit(None, dtype=pl.String)
    for bound, name in COMPANY_SIZE_BANDS:
        expr = pl.when(lower >= bound).then(pl.lit(name)).otherwise(expr)
    names = [name for _, name in COMPANY_SIZE_BANDS]
    return pl.when(t.is_in(names)).then(t).otherwise(expr)


def stated_monthly_pay(df: pl.DataFrame) -> pl.Series:
    """The stated monthly pay: exact, else the midpoint of min/max, else the one bound given; null unless
    salary_status_norm is 'stated' (negotiable, missing, unparsed or implausible pay is not a target)."""
    def col(name: str) -> pl.Expr:
        return pl.col(name).cast(pl.Float64) if name in df.columns else pl.lit(None, dtype=pl.Float64)

    lo, hi = col("salary_minimum_monthly_value_norm"), col("salary_maximum_monthly_value_norm")
    value = pl.coalesce(col("salary_exact_monthly_value_norm"), (lo + hi) / 2, lo, hi)
    stated = pl.col("salary_status_norm") == "stated" if "salary_status_norm" in df.columns else pl.lit(True)
    return df.select(pl.when(stated & (value > 0)).then(value).alias("y")).get_column("y")


def _first_present(df: pl.DataFrame, names: tuple[str, ...]) -> pl.Expr:
    present = [pl.col(n).cast(pl.String) for n in names if n in df.columns]
    return pl.coalesce(present) if present else pl.lit(None, dtype=pl.String)


def features_frame(df: pl.DataFrame) -> pl.DataFrame:
    """Title and the categorical columns as strings ('' = unknown), the crosses, the booster's numbers."""
    size = (
        company_size_band(pl.col("company_size"))
        if "company_size" in df.columns
        else pl.lit(None, dtype=pl.String)
    )
    out = df.select(
        (pl.col("title_extracted").cast(pl.String) if "title_extracted" in df.columns else pl.lit(""))
        .fill_null("")
        .str.to_lowercase()
        .alias("title"),
        *[
            (pl.col(c).cast(pl.String) if c in df.columns else pl.lit(None, dtype=pl.String)).alias(c)
            for c in CATEGORICAL_COLUMNS[:4]
        ],
        _first_present(df, ("desired_education_exact_level_norm", "desired_education_minimum_level_norm")).alias(
            "education_level"
        ),
        _first_present(
            df,
            (
                "desired_experience_exact_level_norm",
                "desired_experience_minimum_level_norm",
                "desired_experience_maximum_level_norm",
            ),
        ).alias("experience_level"),
        size.alias("company_size_band"),
        *[
            (pl.col(c).cast(pl.Float64, strict=False) if c in df.columns else pl.lit(None, dtype=pl.Float64)).alias(c)
            for c in BOOSTER_NUMERIC_COLUMNS
        ],
    )
    return out.with_columns(pl.col(c).fill_null("") for c in CATEGORICAL_COLUMNS).with_columns(
        pl.concat_str([pl.col(a), pl.col(b)], separator="|").alias(f"{a}|{b}") for a, b in CROSSES
    )


def categorical_names() -> list[str]:
    return list(CATEGORICAL_COLUMNS) + [f"{a}|{b}" for a, b in CROSSES]


def build_vocab(feats: pl.DataFrame, min_count: int) -> dict[str, dict[str, int]]:
    """One-hot columns per categorical (and cross): values seen at least `min_count` times, sorted."""
    vocab = {}
    for name in categorical_names():
        counts = feats.get_column(name).value_counts()
        values = sorted(counts.filter((pl.col("count") >= min_count) & (pl.col(name) != "")).get_column(name).to_list())
        vocab[name] = {v: i for i, v in enumerate(values)}
    return vocab


def title_ngrams(titles: list[str], params: dict[str, Any]) -> sp.csr_matrix:
    """L2-normalised hashed character n-gram counts of the titles. Models since salary-1.1 hash with the
    fast classifier's vectorised numpy hashing (`text_hashing`: "cjd"), ~8x cheaper than sklearn's
    per-string analyzer, which earlier models were trained on and still use."""
    ngram_range, n_features = tuple(params["ngram_range"]), int(params["n_text_features"])
    if params.get("text_hashing") != "cjd":
        return HashingVectorizer(analyzer="char", ngram_range=ngram_range, n_features=n_features,
                                 alternate_sign=False, norm="l2", lowercase=False).transform(titles)
    x = char_ngram_counts([t or "" for t in titles], ngram_range, n_features)
    norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sp.csr_matrix(sp.diags(1.0 / norms) @ x)


def design(feats: pl.DataFrame, vocab: dict[str, dict[str, int]], params: dict[str, Any]) -> sp.csr_matrix:
    """The linear part's matrix: hashed title character n-grams beside the one-hot categoricals."""
    blocks = [title_ngrams(feats.get_column("title").to_list(), params)]
    n = feats.height
    rows = np.arange(n)
    for name in categorical_names():
        codes = vocab[name]
        # Unseen values map to no column (the intercept stands in), not to an error.
        idx = feats.get_column(name).replace_strict(codes, default=-1, return_dtype=pl.Int64).to_numpy()
        keep = idx >= 0
        blocks.append(
            sp.csr_matrix((np.ones(keep.sum()), (rows[keep], idx[keep])), shape=(n, len(codes)))
        )
    return sp.hstack(blocks, format="csr")


def booster_codes(feats: pl.DataFrame, max_levels: int) -> dict[str, dict[str, int]]:
    # HistGradientBoosting takes at most 255 levels a feature: keep the most frequent, the rest are missing.
    out = {}
    for name in CATEGORICAL_COLUMNS:
        counts = (
            feats.get_column(name)
            .value_counts()
            .filter(pl.col(name) != "")
            .sort(["count", name], descending=[True, False])
        )
        out[name] = {v: i for i, v in enumerate(counts.get_column(name).head(max_levels).to_list())}
    return out


def booster_matrix(linear: np.ndarray, feats: pl.DataFrame, codes: dict[str, dict[str, int]]) -> np.ndarray:
    """The booster's dense input: the linear prediction, categorical codes (NaN = unknown), numbers."""
    cols = [linear]
    for name in CATEGORICAL_COLUMNS:
        idx = feats.get_column(name).replace_strict(codes[name], default=None, return_dtype=pl.Float64)
        cols.append(idx.fill_null(np.nan).to_numpy())
    cols += [feats.get_column(c).fill_null(np.nan).to_numpy() for c in BOOSTER_NUMERIC_COLUMNS]
    return np.column_stack(cols)
