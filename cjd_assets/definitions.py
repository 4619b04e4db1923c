"""The cjd code location: one Definitions with every stage of the study's pipeline."""

from __future__ import annotations

import dagster as dg

from cjd_assets.assets import classify, clusters, dedup, harvest, keywords, normalize, report, salary, summaries
from cjd_assets.jobs import analysis_job, harvest_job
from cjd_assets.resources import default_resources
from cjd_assets.sensors import analysis_after_harvest, daily_crawl_sensor, harvest_file_sensor

ASSET_MODULES = [harvest, dedup, classify, normalize, keywords, salary, summaries, clusters, report]


def build_definitions(resources: dict | None = None) -> dg.Definitions:
    """The code location; tests and the CLI pass their own resources (a temporary DuckDB, the demo board)."""
    return dg.Definitions(
        assets=dg.load_assets_from_modules(ASSET_MODULES),
        asset_checks=dg.load_asset_checks_from_modules(ASSET_MODULES),
        jobs=[harvest_job, analysis_job],
        sensors=[harvest_file_sensor, daily_crawl_sensor, analysis_after_harvest],
        resources=resources if resources is not None else default_resources(),
    )


defs = build_definitions()


def harvest_job_from_environment() -> dg.JobDefinition:
    """The harvest job rebuilt from environment settings: the target Dagster reconstructs in each process
    of a multiprocess run or backfill (`dg.reconstructable(harvest_job_from_environment)`)."""
    return build_definitions().resolve_job_def("harvest_job")
