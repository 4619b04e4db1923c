"""Throughput of cjd_assets.normalize.normalize_postings on 1M postings vs a pandas .apply baseline.

    python bench/bench_normalize.py [--rows 1000000] [--batch 100000] [--baseline-rows 2000]

Rows are drawn with replacement from the real postings (../shared, read at run time), so the distinct
values per field are those of real boards. The run is timed cold (first call in the process: jionlp
dictionaries, location index and per-string cache are built) and warm (cache filled), in batches of
--batch rows as the asset calls it. The baseline is the per-row approach: pandas DataFrame.apply
with a Python function per posting that calls jionlp.parse_location and Python regexes for salary,
education and experience; it is timed on --baseline-rows rows of the same sample in the same process
and reported as postings/s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import re
import time

import polars as pl

from cjd_assets.harvest import export_as_extracted
from cjd_assets.normalize import normalize_postings
from cjd_assets.paths import shared_dir


def load_sample(rows: int, seed: int = 0) -> pl.DataFrame:
    real = pl.read_parquet(shared_dir() / "data" / "real_postings" / "postings.parquet")
    inp = export_as_extracted(real).with_columns(pl.lit(dt.date(2022, 6, 1)).alias("retrieve_date"))
    return inp.sample(rows, with_replacement=True, seed=seed)


_SAL = re.compile(r"(\d+(?:\.\d+)?)(万|千|k|K)?-(\d+(?:\.\d+)?)(万|千|k|K)?")
_MULT = {"万": 10000, "千": 1000, "k": 1000, "K": 1000, None: 1}
_EDU = [("博士", "doctoral"), ("硕士", "master"), ("本科", "bachelor"), ("大专", "associate"), ("专科", "associate"),
        ("中专", "middle school"), ("中技", "middle school"), ("高中", "middle school"), ("初中", "middle school")]
_EXP = re.compile(r"(\d+)-(\d+)年|(\d+)年")


def baseline_row(row, jio) -> dict:
    """What a per-row normalizer does: Python on every posting, jionlp on every location."""
    out = {}
    m = _SAL.search(row["salary_extracted"] or "")
    if m:
        hi_unit = m.group(4)
        lo_unit = m.group(2) or hi_unit
        out["lo"] = float(m.group(1)) * _MULT[lo_unit]
        out["hi"] = float(m.group(3)) * _MULT[hi_unit]
    edu = row["desired_education_extracted"] or ""
    out["edu"] = next((lvl for k, lvl in _EDU if k in edu), None)
    m = _EXP.search(row["desired_experience_extracted"] or "")
    out["exp"] = m.group(0) if m else None
    loc = row["location_extracted"]
    out["loc"] = jio.parse_location(loc) if loc else None
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--batch", type=int, default=100_000)
    ap.add_argument("--baseline-rows", type=int, default=2_000)
    args = ap.parse_args()

    df = load_sample(args.rows)
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cpus visible, "
          f"POLARS_MAX_THREADS={os.environ.get('POLARS_MAX_THREADS', 'default')}, polars {pl.__version__}")
    print(f"rows: {df.height:,}; distinct salary {df['salary_extracted'].n_unique():,}, "
          f"location {df['location_extracted'].n_unique():,}, date {df['release_date_extracted'].n_unique():,}")

    print(f"load average before: {os.getloadavg()[0]:.1f} (other processes share these cores)")
    results = {}
    for label in ("cold", "warm"):
        t, c = time.perf_counter(), time.process_time()
        n = 0
        for start in range(0, df.height, args.batch):
            n += normalize_postings(df.slice(start, args.batch)).height
        secs, cpu = time.perf_counter() - t, time.process_time() - c
        results[label] = n / secs
        print(
            f"normalize_postings {label}: {n:,} rows in {secs:.1f} s wall = {n / secs:,.0f} postings/s; "
            f"{cpu:.1f} s CPU = {n / cpu:,.0f} postings per CPU-second"
        )

    import jionlp as jio
    import pandas as pd

    sample = df.head(args.baseline_rows).to_pandas()
    jio.parse_location("北京")  # load its dictionaries outside the timing
    t, c = time.perf_counter(), time.process_time()
    sample.apply(lambda r: baseline_row(r, jio), axis=1)
    secs, cpu = time.perf_counter() - t, time.process_time() - c
    base = len(sample) / secs
    print(f"baseline pandas .apply + jionlp per row: {len(sample):,} rows in {secs:.1f} s wall = {base:,.0f} postings/s; "
          f"{cpu:.1f} s CPU (pandas {pd.__version__})")
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    print(f"ratio cold/baseline = {results['cold'] / base:,.0f}x, warm/baseline = {results['warm'] / base:,.0f}x")


if __name__ == "__main__":
    main()
