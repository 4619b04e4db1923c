"""Which unlabelled postings to annotate next: the ones the current model is least sure of.

Uncertainty sampling (Lewis & Gale 1994; Settles 2009) stratified by the model's predicted category,
so the rarer teams (Product, Commercial) get as many labels as the common ones, and spread over boards
within each category, so one board's quirks do not fill the batch. A share of every category's quota
is drawn at random from that category: labels drawn only where the model is unsure would
over-represent hard cases, and the random part keeps an unbiased view of how the model does.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from cjd_assets.schema import CATEGORIES


def uncertainty(proba: np.ndarray, measure: str = "margin") -> np.ndarray:
    """Per row: higher = less sure. "margin": 1 - (top1 - top2); "entropy": Shannon entropy (nats)."""
    proba = np.asarray(proba, dtype=np.float64)
    if proba.ndim != 2 or proba.shape[1] != len(CATEGORIES):
        raise ValueError(f"proba must be (rows, {len(CATEGORIES)}), got {proba.shape}")
    if measure == "margin":
        top = np.sort(proba, axis=1)
        return 1.0 - (top[:, -1] - top[:, -2])
    if measure == "entropy":
        return -(proba * np.log(np.clip(proba, 1e-12, 1.0))).sum(axis=1)
    raise ValueError(f"unknown uncertainty measure {measure!r} (use 'margin' or 'entropy')")


def select_for_annotation(candidates: pl.DataFrame, proba: np.ndarray, n: int, seed: int = 0,
                          exclude: pl.Series | list[str] | None = None, random_share: float = 0.3,
                          measure: str = "margin", board: str = "source_board") -> pl.DataFrame:
    """`n` rows of `candidates` to label next, with why each was picked.

    `candidates` has `uid` (and `board`, else all rows count as one board); `proba` is the current
    model's (rows, 5) probabilities for those rows in CATEGORIES order. Rows whose uid is in `exclude`
    (already labelled) and repeated uids are skipped. Each predicted category gets an equal quota
    (a category with too few rows passes its remainder on); within it, `random_share` of the quota is
    a seeded random draw and the rest the least sure rows, taken board by board in turn (the least
    sure row of every board, then the second, ...). Returns the chosen rows of `candidates` plus
    `predicted`, `uncertainty` and `picked` ("uncertain" | "random"), least sure first.
    """
    if not 0.0 <= random_share <= 1.0:
        raise ValueError("random_share must be within [0, 1]")
    if "uid" not in candidates.columns:
        raise ValueError("candidates need a uid column")
    if len(proba) != candidates.height:
        raise ValueError(f"proba has {len(proba)} rows for {candidates.height} candidates")
    u = uncertainty(proba, measure) if candidates.height else np.zeros(0)
    pred = np.asarray(CATEGORIES, dtype=object)[np.asarray(proba).argmax(axis=1)] if candidates.height else []
    c = candidates.with_columns(
        pl.Series("predicted", list(pred), dtype=pl.Utf8),
        pl.Series("uncertainty", u, dtype=pl.Float64),
        (pl.col(board).cast(pl.Utf8).fill_null("") if board in candidates.columns else pl.lit("")).alias("_board"),
        pl.int_range(pl.len()).alias("_row"),
    ).unique("uid", keep="first", maintain_order=True)
    if exclude is not None:
        ex = pl.Series(exclude).cast(pl.Utf8)
        c = c.filter(~pl.col("uid").cast(pl.Utf8).is_in(ex.implode()))
    rng = np.random.default_rng(seed)
    # the least sure rows of every board first: rank within (category, board), then interleave boards
    c = c.with_columns(
        pl.col("uncertainty").rank("ordinal", descending=True).over("predicted", "_board").alias("_board_rank"),
        pl.Series("_tie", rng.random(c.height)),
    )
    picked: list[pl.DataFrame] = []
    groups = {cat: c.filter(pl.col("predicted") == cat) for cat in CATEGORIES}
    remaining_n, remaining_cats = n, [cat for cat in CATEGORIES if groups[cat].height]
    # smallest categories first, so what they cannot fill goes to the others
    for i, cat in enumerate(sorted(remaining_cats, key=lambda k: groups[k].height)):
        g = groups[cat]
        quota = min(g.height, remaining_n // (len(remaining_cats) - i))
        n_random = int(round(quota * random_share))
        unsure = g.sort(["_board_rank", "uncertainty", "_tie"], descending=[False, True, False]).head(
            quota - n_random).with_columns(pl.lit("uncertain").alias("picked"))
        rest = g.filter(~pl.col("_row").is_in(unsure["_row"].implode()))
        rnd = rest.sort("_tie").head(quota - unsure.height).with_columns(pl.lit("random").alias("picked"))
        picked += [unsure, rnd]
        remaining_n -= unsure.height + rnd.height
    if not picked:
        return candidates.head(0).with_columns(pl.lit(None, pl.Utf8).alias("predicted"),
                                               pl.lit(None, pl.Float64).alias("uncertainty"),
                                               pl.lit(None, pl.Utf8).alias("picked"))
    out = pl.concat(picked).sort(["uncertainty", "_row"], descending=[True, False])
    return out.drop("_board", "_row", "_board_rank", "_tie")


def annotation_sheet(rows: pl.DataFrame, body_chars: int = 1500) -> pl.DataFrame:
    """The CSV annotators fill: uid, title, company, body start and empty label, confidence, note.

    The model's prediction is left off on purpose: annotators who see it tend to agree with it.
    """
    return rows.select(
        pl.col("uid").cast(pl.Utf8),
        pl.col("title").cast(pl.Utf8),
        pl.col("company").cast(pl.Utf8),
        pl.col("body").cast(pl.Utf8).str.slice(0, body_chars),
        pl.lit("", pl.Utf8).alias("label"),
        pl.lit("", pl.Utf8).alias("confidence"),
        pl.lit("", pl.Utf8).alias("note"),
    )
