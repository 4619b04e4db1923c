"""Labelled postings: loading, de-duplication, stratified splits, annotator agreement, export/import.

Label files are JSON lines or CSV with at least `uid` and `label`; `confidence`, `note`, `annotator`
and `split` are optional. A non-empty `split` pins the row's split: `"split": "train"` keeps labels
that must never be scored (silver labels from a later round, say) out of the held-out splits, and
leaves the other rows' stratified splits as they were without them. Texts are joined from a postings frame (postings.parquet format) by uid.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import polars as pl

from cjd_assets.schema import CATEGORIES

SPLITS: tuple[str, ...] = ("train", "validation", "test")

# Guideline rule 7: when labels tie, the less technical one wins. Lower rank = preferred.
_TIE_RANK = {"NOT_AI": 0, "COMMERCIAL": 1, "PRODUCT": 2, "TT2": 3, "TT1": 4}

# Spellings annotators use in spreadsheets, mapped to the codes.
_LABEL_ALIASES = {
    "TT1": "TT1",
    "TECHNICAL TEAM 1": "TT1",
    "TT2": "TT2",
    "TECHNICAL TEAM 2": "TT2",
    "PRODUCT": "PRODUCT",
    "PRODUCT TEAM": "PRODUCT",
    "COMMERCIAL": "COMMERCIAL",
    "COMMERCIAL TEAM": "COMMERCIAL",
    "NOT AI": "NOT_AI",
    "NOTAI": "NOT_AI",
}

_TEXT_MAP = {"title": "title_extracted", "company": "company_name_extracted", "body": "body_extracted"}


def normalize_label(value: str | None) -> str | None:
    """The category code for an annotator's spelling, or None when blank or unknown."""
    if value is None:
        return None
    key = " ".join(str(value).upper().replace("_", " ").replace("-", " ").split())
    return _LABEL_ALIASES.get(key)


def import_annotations(path: Path) -> pl.DataFrame:
    """One label file (.jsonl/.json lines or .csv) as uid, label, confidence, note, annotator, split.

    Labels are normalised to the category codes; rows with a blank or unknown label are dropped
    (an exported sample that was only partly annotated imports cleanly).
    """
    path = Path(path)
    if path.suffix.lower() == ".csv":
        raw = pl.read_csv(path, infer_schema=False)
    elif path.suffix.lower() in (".jsonl", ".json", ".ndjson"):
        raw = pl.read_ndjson(path, infer_schema_length=None)
    else:
        raise ValueError(f"unsupported annotation file {path} (use .jsonl or .csv)")
    if "uid" not in raw.columns or "label" not in raw.columns:
        raise ValueError(f"{path} needs columns uid and label, has {raw.columns}")
    out = raw.select(
        pl.col("uid").cast(pl.Utf8).str.strip_chars(),
        pl.col("label").cast(pl.Utf8).map_elements(normalize_label, return_dtype=pl.Utf8),
        (pl.col("confidence").cast(pl.Utf8).str.strip_chars().str.to_lowercase() if "confidence" in raw.columns
         else pl.lit(None, pl.Utf8)).alias("confidence"),
        (pl.col("note").cast(pl.Utf8) if "note" in raw.columns else pl.lit(None, pl.Utf8)).alias("note"),
        (pl.col("annotator").cast(pl.Utf8) if "annotator" in raw.columns else pl.lit(path.stem)).alias("annotator"),
        (pl.col("split").cast(pl.Utf8).str.strip_chars().str.to_lowercase() if "split" in raw.columns
         else pl.lit(None, pl.Utf8)).alias("split"),
    )
    bad = sorted(set(out["split"].drop_nulls().to_list()) - set(SPLITS) - {""})
    if bad:
        raise ValueError(f"{path}: split must be one of {SPLITS}, got {bad}")
    out = out.with_columns(pl.when(pl.col("split") == "").then(None).otherwise(pl.col("split")).alias("split"))
    return out.filter(pl.col("uid").is_not_null() & (pl.col("uid") != "") & pl.col("label").is_not_null())


def _resolve_duplicates(labels: pl.DataFrame) -> pl.DataFrame:
    """One row per uid: high confidence beats low; among equals the less technical label wins."""
    return (
        labels.with_row_index("_order")
        .with_columns(
            pl.when(pl.col("confidence") == "low").then(1).otherwise(0).alias("_conf_rank"),
            pl.col("label").replace_strict(_TIE_RANK, return_dtype=pl.Int32).alias("_tie_rank"),
        )
        .sort(["uid", "_conf_rank", "_tie_rank", "_order"])
        .unique("uid", keep="first", maintain_order=True)
        .sort("_order")
        .drop("_order", "_conf_rank", "_tie_rank")
    )


def _stable_rank_key(uid: str, seed: int) -> str:
    return hashlib.sha1(f"{seed}:{uid}".encode()).hexdigest()


def assign_splits(df: pl.DataFrame, seed: int = 13, val_share: float = 0.15, test_share: float = 0.15,
                  key: str = "uid", label: str = "label") -> pl.Series:
    """A `split` column, stratified by label and reproducible.

    Within each label, rows are ordered by a seeded hash of their key and the first shares go to
    test, then validation. Hashing (not a shuffle) keeps a posting's split when labels are added.
    """
    if not 0 <= val_share < 1 or not 0 <= test_share < 1 or val_share + test_share >= 1:
        raise ValueError("val_share and test_share must be in [0, 1) and sum below 1")
    keys = df[key].cast(pl.Utf8).to_list()
    labs = df[label].to_list()
    split = ["train"] * df.height
    by_label: dict[str, list[int]] = {}
    for i, lab in enumerate(labs):
        by_label.setdefault(lab, []).append(i)
    for idx in by_label.values():
        idx.sort(key=lambda i: _stable_rank_key(keys[i], seed))
        n = len(idx)
        n_test = round(n * test_share)
        n_val = round(n * val_share)
        # a class with few examples still gets one in each held-out split when it can spare them
        if n >= 3:
            n_test, n_val = max(n_test, 1 if test_share > 0 else 0), max(n_val, 1 if val_share > 0 else 0)
        for i in idx[:n_test]:
            split[i] = "test"
        for i in idx[n_test:n_test + n_val]:
            split[i] = "validation"
    return pl.Series("split", split, dtype=pl.Utf8)


def texts_from_postings(texts: pl.DataFrame) -> pl.DataFrame:
    """uid plus the classifier's input columns from a postings.parquet-style or extracted frame:
    the text columns and `board_occupation` (as given, else from the export's `extra` the way ingest
    maps it, else 51job's 职能类别 in the body; null where none)."""
    from cjd_assets.harvest.export_format import EXTRA_COLUMN, extra_fields, fill_board_occupation

    cols = [pl.col("uid").cast(pl.Utf8)]
    for src, dst in _TEXT_MAP.items():
        if dst in texts.columns:
            cols.append(pl.col(dst).cast(pl.Utf8))
        elif src in texts.columns:
            cols.append(pl.col(src).cast(pl.Utf8).alias(dst))
        else:
            cols.append(pl.lit(None, pl.Utf8).alias(dst))
    # texts of several files (concatenated) may carry the column in some rows and `extra` in others
    board = [pl.col("board_occupation").cast(pl.Utf8).str.strip_chars().replace("", None)] \
        if "board_occupation" in texts.columns else []
    if EXTRA_COLUMN in texts.columns:
        board.append(extra_fields(texts[EXTRA_COLUMN])["board_occupation"])
    cols.append((pl.coalesce(board) if board else pl.lit(None, pl.Utf8)).alias("board_occupation"))
    out = texts.select(cols).unique("uid", keep="first", maintain_order=True)
    return fill_board_occupation(out)


def load_annotations_with_report(paths: list[Path], texts: pl.DataFrame, seed: int = 13, val_share: float = 0.15,
                                 test_share: float = 0.15) -> tuple[pl.DataFrame, dict]:
    """`load_annotations` plus a report: label rows read, duplicates, conflicts, rows with no text, kappa."""
    frames = [import_annotations(Path(p)) for p in paths]
    if not frames:
        raise ValueError("no annotation files given")
    labels = pl.concat(frames, how="vertical_relaxed")
    dup_uids = labels.group_by("uid").agg(pl.col("label").n_unique().alias("k"), pl.len().alias("n"))
    report = {
        "label_rows": labels.height,
        "postings_labelled": dup_uids.height,
        "postings_labelled_twice": int((dup_uids["n"] > 1).sum()),
        "conflicting_labels": int((dup_uids["k"] > 1).sum()),
        "agreement": annotator_agreement(labels),
    }
    one = _resolve_duplicates(labels)
    joined = one.join(texts_from_postings(texts), on="uid", how="inner", maintain_order="left").with_row_index("_order")
    report["dropped_no_text"] = one.height - joined.height
    # pinned rows keep their split; the others are split among themselves, as if the pinned were absent
    free = joined.filter(pl.col("split").is_null())
    free = free.with_columns(assign_splits(free, seed, val_share, test_share))
    report["pinned_split"] = joined.height - free.height
    joined = pl.concat([free.with_columns(pl.lit(False).alias("split_pinned")),
                        joined.filter(pl.col("split").is_not_null()).with_columns(pl.lit(True).alias("split_pinned"))],
                       how="vertical_relaxed").sort("_order").drop("_order")
    out = joined.select(
        "uid", "label", "confidence", "split", "title_extracted", "company_name_extracted", "body_extracted",
        "split_pinned", "board_occupation",
    )
    report["rows"] = out.height
    report["by_split"] = {s: int((out["split"] == s).sum()) for s in SPLITS}
    report["by_label"] = {c: int((out["label"] == c).sum()) for c in CATEGORIES}
    return out, report


def load_annotations(paths: list[Path], texts: pl.DataFrame, seed: int = 13, val_share: float = 0.15,
                     test_share: float = 0.15) -> pl.DataFrame:
    """Labelled postings with texts and a stratified split.

    Columns: uid, label, confidence, split ('train'|'validation'|'test'), title_extracted,
    company_name_extracted, body_extracted, split_pinned (the label file gave the split). A posting labelled more than once keeps one label:
    high confidence beats low, and between equals the less technical label wins (guideline rule 7).
    Label rows whose uid has no text in `texts` are dropped; `load_annotations_with_report` counts them.
    """
    return load_annotations_with_report(paths, texts, seed, val_share, test_share)[0]


def cohen_kappa(a: list[str], b: list[str]) -> float | None:
    """Cohen's kappa of two raters over the same items (sklearn); None when undefined (no items).

    Where chance agreement is certain (both raters used one and the same label throughout) sklearn's
    value is 0/0: 1.0 is returned when they agree on everything, else 0.0.
    """
    n = len(a)
    if n == 0 or n != len(b):
        return None
    if len(set(a) | set(b)) == 1:
        return 1.0
    from sklearn.metrics import cohen_kappa_score

    k = float(cohen_kappa_score(list(a), list(b)))
    return 0.0 if np.isnan(k) else k


def annotator_agreement(labels: pl.DataFrame) -> dict:
    """Cohen's kappa over postings that carry two labels (uid, label; optional annotator).

    With an `annotator` column, each posting's first two distinct annotators (alphabetical) are the
    pair; otherwise its first two rows. Returns n_items, observed agreement, kappa (None without pairs)
    and the disagreements as (first, second) label counts.
    """
    df = labels.select("uid", "label", *(["annotator"] if "annotator" in labels.columns else []))
    df = df.with_row_index("_order")
    if "annotator" in df.columns:
        df = df.unique(["uid", "annotator"], keep="first").sort(["uid", "annotator", "_order"])
    else:
        df = df.sort(["uid", "_order"])
    pairs = (
        df.group_by("uid", maintain_order=True)
        .agg(pl.col("label").head(2).alias("labs"))
        .filter(pl.col("labs").list.len() == 2)
    )
    first = [x[0] for x in pairs["labs"].to_list()]
    second = [x[1] for x in pairs["labs"].to_list()]
    n = len(first)
    disagreements: dict[str, int] = {}
    for x, y in zip(first, second):
        if x != y:
            disagreements[f"{x}/{y}"] = disagreements.get(f"{x}/{y}", 0) + 1
    return {
        "n_items": n,
        "observed_agreement": (sum(x == y for x, y in zip(first, second)) / n) if n else None,
        "kappa": cohen_kappa(first, second),
        "disagreements": disagreements,
    }


def export_annotation_sample(postings: pl.DataFrame, n: int, seed: int, exclude: pl.Series | None = None,
                             body_chars: int = 1500) -> pl.DataFrame:
    """A random sample of postings for annotators: uid, title, company, body, and empty label columns.

    Write it with `.write_csv(...)`; annotators fill label (a code or its name), confidence and note,
    and `import_annotations` reads it back. `exclude` is a series of uids already labelled.
    """
    t = texts_from_postings(postings)
    if exclude is not None:
        t = t.filter(~pl.col("uid").is_in(exclude.cast(pl.Utf8).implode()))
    t = t.sort("uid")  # sample from a fixed order so the seed alone decides
    sample = t.sample(n=min(n, t.height), seed=seed, shuffle=True)
    return sample.select(
        "uid",
        pl.col("title_extracted").alias("title"),
        pl.col("company_name_extracted").alias("company"),
        pl.col("body_extracted").str.slice(0, body_chars).alias("body"),
        pl.lit("", pl.Utf8).alias("label"),
        pl.lit("", pl.Utf8).alias("confidence"),
        pl.lit("", pl.Utf8).alias("note"),
    )
