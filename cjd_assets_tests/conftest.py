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
