"""Jobs, the executor and the DuckDB pool: every choice about how runs execute is made here.

Harvesting is partitioned (one run per harvest); the analysis downstream is global. Both jobs use Dagster's
default multiprocess executor. DuckDB has one writer at a time: every analysis step that holds a read-write
connection for its whole body sits in the `DUCKDB_POOL` concurrency pool, and the instance limits that pool
to one slot (`cjd_assets/data/dagster_instance.yaml`, written into a new DAGSTER_HOME by the CLI), so two
such steps never run at once, in one run or across runs (the automation sensor's, a backfill's, the UI's).
Harvest steps stay outside the pool: they crawl or parse with no connection open and write in one short
transaction (the resource retries a locked file), so backfills of many harvests still run in parallel.
"""

from __future__ import annotations

import dagster as dg

from cjd_assets.distributed import harvest_executor
from cjd_assets.partitions import harvests

HARVEST_GROUP = "harvest"
DUCKDB_POOL = "duckdb"
DUCKDB_POOL_LIMIT = 1  # DuckDB: one read-write connection to a database file at a time

# A deployment that wants another executor (celery, k8s) swaps it here, for both jobs.
EXECUTOR = dg.multiprocess_executor

harvest_job = dg.define_asset_job(
    "harvest_job",
    selection=dg.AssetSelection.groups(HARVEST_GROUP),
    partitions_def=harvests,
    description="Fetch or ingest one harvest and parse its pages into raw postings.",
    # The distributed deployment runs each harvest in one Celery worker process (cjd_assets.distributed).
    executor_def=harvest_executor() or EXECUTOR,
)

analysis_job = dg.define_asset_job(
    "analysis_job",
    selection=dg.AssetSelection.all() - dg.AssetSelection.groups(HARVEST_GROUP),
    description="Dedup, classify, normalize, keyword subset, summary tables, figures and the report. Its steps "
                "write DuckDB one at a time through the `duckdb` pool.",
    executor_def=EXECUTOR,
)
