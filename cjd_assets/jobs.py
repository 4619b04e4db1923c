"""Jobs: harvesting is partitioned (one run per harvest), the analysis downstream is global."""

from __future__ import annotations

import dagster as dg

from cjd_assets.distributed import harvest_executor
from cjd_assets.partitions import harvests

HARVEST_GROUP = "harvest"

harvest_job = dg.define_asset_job(
    "harvest_job",
    selection=dg.AssetSelection.groups(HARVEST_GROUP),
    partitions_def=harvests,
    description="Fetch or ingest one harvest and parse its pages into raw postings.",
    # The distributed deployment runs each harvest in one Celery worker process (cjd_assets.distributed).
    executor_def=harvest_executor(),
)

analysis_job = dg.define_asset_job(
    "analysis_job",
    selection=dg.AssetSelection.all() - dg.AssetSelection.groups(HARVEST_GROUP),
    description="Dedup, classify, normalize, keyword subset, summary tables, figures and the report.",
    # DuckDB has one writer at a time: run the global stages one after another.
    executor_def=dg.in_process_executor,
)
