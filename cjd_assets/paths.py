"""Where things live: the shared real data beside the checkout, and the local data directory."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def shared_dir() -> Path:
    """The `shared/` folder with real postings, html samples and annotations.

    `CJD_SHARED_DIR` overrides; by default it sits beside the checkout (`../shared`).
    """
    return Path(os.environ.get("CJD_SHARED_DIR", REPO_ROOT.parent / "shared")).resolve()


def data_dir() -> Path:
    """Local outputs (the DuckDB file, the lake, the demo board's corpus). `CJD_DATA_DIR` overrides."""
    return Path(os.environ.get("CJD_DATA_DIR", REPO_ROOT / "data")).resolve()
