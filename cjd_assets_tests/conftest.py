from __future__ import annotations

from pathlib import Path

import pytest

from cjd_assets.paths import shared_dir

SHARED = shared_dir()


@pytest.fixture(scope="session")
def shared() -> Path:
    """The real data beside the checkout; tests that need it skip only when it is absent."""
    if not (SHARED / "data").is_dir():
        pytest.skip(f"{SHARED} is absent (real data lives beside the checkout, never in the repo)")
    return SHARED


@pytest.fixture(scope="session")
def real_postings(shared: Path):
    import polars as pl

    return pl.read_parquet(shared / "data" / "real_postings" / "postings.parquet")


@pytest.fixture(scope="session")
def html_samples(shared: Path) -> Path:
    return shared / "data" / "html_samples"


@pytest.fixture(scope="session")
def real_warehouse(shared: Path, tmp_path_factory) -> Path:
    """The shared real postings ingested the README's way (`cjd ingest`, in a subprocess like a user's
    terminal) into a scratch warehouse; acceptance tests read the published tables from it. One ingest per
    test session (about a minute). Returns the DuckDB file; the lake (report, figures) is beside it."""
    import os
    import subprocess
    import sys

    ws = tmp_path_factory.mktemp("real_ingest")
    env = {**os.environ, "CJD_DUCKDB": str(ws / "cjd.duckdb"), "CJD_LAKE_DIR": str(ws / "lake"),
           "CJD_LANDING_DIR": str(ws / "landing"), "DAGSTER_HOME": str(ws / "dagster_home")}
    src = shared / "data" / "real_postings" / "postings.parquet"
    proc = subprocess.run([sys.executable, "-m", "cjd_assets.cli", "ingest", str(src)], env=env, cwd=ws,
                          capture_output=True, text=True, timeout=1800)
    (ws / "ingest.log").write_text(proc.stdout + proc.stderr)
    # The warehouse is what the tests judge; a run that failed a check still leaves it to be read.
    assert (ws / "cjd.duckdb").exists(), f"cjd ingest wrote no warehouse:\n{proc.stderr[-3000:]}"
    return ws / "cjd.duckdb"
