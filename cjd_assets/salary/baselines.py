"""What the salary model is scored against: median absolute percentage error, and the two baselines
(category x province cell median, global median) measured on the same held-out postings."""

from __future__ import annotations

import numpy as np
import polars as pl

BASELINE_CELL: tuple[str, ...] = ("job_category_pr", "location_province_zh_norm")


def mdape(pred: np.ndarray, y: np.ndarray) -> float:
    """Median absolute percentage error of `pred` against `y`."""
    return float(np.median(np.abs(pred - y) / y))


def cell_median_baseline(
    train: pl.DataFrame, test: pl.DataFrame, cell: tuple[str, ...] = BASELINE_CELL
) -> np.ndarray:
    """Median stated pay of the test posting's cell in the training rows (null cell values are a value of
    their own); a cell unseen in training falls back to the global median."""
    glob = float(train.get_column("y").median())
    med = train.group_by(list(cell)).agg(pl.col("y").median().alias("_m"))
    return (
        test.select(list(cell)).join(med, on=list(cell), how="left", nulls_equal=True, maintain_order="left")
        .get_column("_m")
        .fill_null(glob)
        .to_numpy()
    )


def cell_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """`y` and the baseline cell's columns (all-null where the frame lacks one)."""
    return frame.select(
        pl.col("y"),
        *[
            (pl.col(c).cast(pl.String) if c in frame.columns else pl.lit(None, dtype=pl.String)).alias(c)
            for c in BASELINE_CELL
        ],
    )


def by_board(boards: np.ndarray, pred: np.ndarray, y: np.ndarray, covered: np.ndarray) -> dict[str, dict]:
    """Held-out size, MdAPE and interval coverage per board."""
    out = {}
    for b in np.unique(boards):
        m = boards == b
        out[str(b)] = {"n": int(m.sum()), "mdape": mdape(pred[m], y[m]), "coverage": float(covered[m].mean())}
    return out
