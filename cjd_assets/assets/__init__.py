"""One module per stage of the pipeline; each asset reads DuckDB, calls a library, writes its table."""

from __future__ import annotations

from datetime import datetime, timezone

import polars as pl


def stamp(df: pl.DataFrame, version: str, now: datetime | None = None) -> pl.DataFrame:
    """`df` with `pipeline_version` (the version of the stage that wrote it) and `pipeline_date_updated`,
    the two columns every table carries (DESIGN.md, Storage)."""
    return df.with_columns(pipeline_version=pl.lit(version, pl.Utf8),
                           pipeline_date_updated=pl.lit(now or datetime.now(timezone.utc)))
