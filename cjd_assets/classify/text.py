"""The classifier's input text: title, company and the start of the body, cleaned the same way for every backend."""

from __future__ import annotations

import polars as pl

from cjd_assets.schema import CLASSIFIER_TEXT_COLUMNS

TITLE, COMPANY, BODY = CLASSIFIER_TEXT_COLUMNS[0], CLASSIFIER_TEXT_COLUMNS[1], CLASSIFIER_TEXT_COLUMNS[2]


def _clean(col: str, max_chars: int | None) -> pl.Expr:
    e = pl.col(col).cast(pl.Utf8).fill_null("")
    if max_chars is not None:
        e = e.str.slice(0, 2 * max_chars + 20)  # cleaning long bodies whole would cost more than the model
    # NFKC folds full-width Latin (Ｊａｖａ) into ASCII so one n-gram covers both spellings
    e = e.str.normalize("NFKC").str.to_lowercase().str.replace_all(r"\s+", " ").str.strip_chars()
    if max_chars is not None:
        e = e.str.slice(0, max_chars)
    return e


def text_fields(df: pl.DataFrame, body_chars: int = 300) -> pl.DataFrame:
    """Cleaned title, company and body start (body cut at `body_chars`), one row per input row."""
    missing = [c for c in CLASSIFIER_TEXT_COLUMNS if c not in df.columns]
    if missing:
        raise ValueError(f"classifier input lacks columns {missing}")
    return df.select(
        _clean(TITLE, 200).alias("title"),
        _clean(COMPANY, 100).alias("company"),
        _clean(BODY, body_chars).alias("body"),
    ).with_columns(_title_core("title"))


def _title_core(col: str) -> pl.Expr:
    """The title without bracketed asides (place, perks, job codes), between ^ and $ markers.

    Chinese job titles end in their head noun (销售经理 vs 销售代表), so n-grams that touch the end
    marker carry most of the category; the markers let the model see where the title starts and ends.
    """
    core = (
        pl.col(col)
        .str.replace_all(r"[（(【\[<《][^）)】\]>》]*[）)】\]>》]?", " ")
        .str.replace_all(r"[0-9a-z]*\d{3,}[0-9a-z]*", " ")
        .str.replace_all(r"\s+", " ")
        .str.strip_chars(" -_/|·,，.。:：")
    )
    return pl.concat_str([pl.lit("^"), core, pl.lit("$")]).alias("title_core")


def joined_text(df: pl.DataFrame, body_chars: int = 500) -> list[str]:
    """One string per row for sequence models: title；company；body start."""
    f = text_fields(df, body_chars)
    return f.select(pl.concat_str(["title", "company", "body"], separator="；")).to_series().to_list()
