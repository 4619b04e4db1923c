"""Real-shaped harvest files at benchmark scale: the shared real postings resampled, made unique, re-crawled.

The synthetic generator (`scale.py`) reuses short generated texts; a benchmark of the study's scale needs
the real bodies, salaries and locations as found. Unique posting `j` is real row `j % R` (R real rows),
copy `c = j // R`: copy 0 is the row as found; a later copy keeps every value as found but gets its own
posting identity, so dedup keeps it apart:
- a row with a URL: the copy number joins the board's posting id (the last digit run of the URL path,
  `…/152231413.html?s=…` -> `…/15223141307.html?s=…`), which is what dedup keys such URLs on;
- a row without one (keyed on its content): a `职位编号` line is appended to a non-empty body (as boards
  print a posting number), else `（编号c）` to the title.
A share of the harvested rows (the study: 3.3 M of 10.1 M) are re-crawls of unique postings written in
the same or an earlier file: the same content under a new record key, as a crawler that saw the page again
exports it. Everything is vectorized (Polars), one file at a time, so 10 M rows never sit in memory.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

# The study: 10.1 M harvested pages, 6.8 M unique postings.
STUDY_HARVESTED = 10_100_000
STUDY_UNIQUE_SHARE = 6.8 / 10.1


@dataclass(frozen=True)
class ResamplePlan:
    harvested: int
    unique: int
    files: int

    def unique_range(self, f: int) -> tuple[int, int]:
        """Unique posting numbers first written in file f."""
        return self.unique * f // self.files, self.unique * (f + 1) // self.files

    def recrawls(self, f: int) -> int:
        dups = self.harvested - self.unique
        return dups * (f + 1) // self.files - dups * f // self.files


def plan(harvested: int, unique_share: float = STUDY_UNIQUE_SHARE, rows_per_file: int = 500_000) -> ResamplePlan:
    if harvested <= 0 or not 0 < unique_share <= 1:
        raise ValueError("harvested must be positive and unique_share in (0, 1]")
    unique = max(1, round(harvested * unique_share))
    return ResamplePlan(harvested, unique, max(1, -(-harvested // rows_per_file)))


def unique_postings(real: pl.DataFrame, numbers: np.ndarray) -> pl.DataFrame:
    """Unique postings `numbers` (see module docstring) built from the real export rows `real`."""
    r = real.height
    src = pl.Series("_src", numbers % r, dtype=pl.Int64)
    copy = pl.Series("_copy", numbers // r, dtype=pl.Int64)
    df = real.with_row_index("_i").join(
        pl.DataFrame([src, copy]).with_row_index("_order"), left_on="_i", right_on="_src", how="inner"
    ).sort("_order")
    c = pl.col("_copy").cast(pl.Utf8)
    url = pl.col("url").fill_null("")
    # group 1: up to the last digit of the path; 2: the non-digit rest of the path; 3: query + fragment
    parts = url.str.extract_groups(r"^([^?#]*[0-9])([^0-9?#]*)([?#].*)?$")
    has_id = parts.struct.field("1").is_not_null()
    new_url = parts.struct.field("1") + pl.col("_copy").cast(pl.Utf8).str.zfill(2) + parts.struct.field("2") \
        + parts.struct.field("3").fill_null("")
    body_empty = pl.col("body").fill_null("").str.strip_chars() == ""
    later = pl.col("_copy") > 0
    # a URL without a digit run in its path cannot carry a new id: the content changes instead
    by_content = later & ~(has_id & (url != ""))
    return df.with_columns(
        pl.when(later).then(pl.col("uid") + "-u" + c).otherwise(pl.col("uid")).alias("uid"),
        pl.when(later & has_id & (url != "")).then(new_url).otherwise(pl.col("url")).alias("url"),
        pl.when(by_content & ~body_empty).then(pl.col("body") + "\n职位编号：" + c).otherwise(pl.col("body")).alias("body"),
        pl.when(by_content & body_empty).then(pl.col("title") + "（编号" + c + "）").otherwise(pl.col("title")).alias("title"),
    ).drop("_i", "_copy", "_order")


def harvest_file(real: pl.DataFrame, p: ResamplePlan, f: int, seed: int = 0) -> pl.DataFrame:
    """File f's rows: its share of new unique postings and of re-crawls of postings written so far."""
    lo, hi = p.unique_range(f)
    rng = np.random.default_rng([seed, f])
    recrawled = rng.integers(0, hi, size=p.recrawls(f)) if hi else np.empty(0, dtype=np.int64)
    fresh = unique_postings(real, np.arange(lo, hi, dtype=np.int64))
    again = unique_postings(real, recrawled).with_columns(
        (pl.col("uid") + "-r" + pl.Series(np.arange(len(recrawled)) + f * 10**9).cast(pl.Utf8)).alias("uid"))
    out = pl.concat([fresh, again])
    return out[rng.permutation(out.height)]


def write_harvest_files(real_path: Path, out_dir: Path, harvested: int, unique_share: float = STUDY_UNIQUE_SHARE,
                        rows_per_file: int = 500_000, seed: int = 0) -> list[Path]:
    """Parquet harvest files in the shared export format (the real postings' columns), one per
    `rows_per_file` harvested rows; returns their paths."""
    real = pl.read_parquet(real_path)
    p = plan(harvested, unique_share, rows_per_file)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for f in range(p.files):
        path = out_dir / f"realshaped-{harvested}-{f:03d}.parquet"
        harvest_file(real, p, f, seed).write_parquet(path, row_group_size=50_000)
        paths.append(path)
    return paths
