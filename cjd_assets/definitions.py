"""The cjd code location: one Definitions with every stage of the study's pipeline.

Orchestration lives here and in `jobs.py` (executor, DuckDB pool) and `sensors.py` (landing sensor, crawl
schedule): a harvest lands through the file sensor or the schedule; everything downstream follows by
declarative automation (`ANALYSIS_CONDITION`), not by a sensor that counts runs.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import dagster as dg

from cjd_assets.assets import classify, clusters, dedup, harvest, keywords, normalize, report, salary, summaries
from cjd_assets.jobs import EXECUTOR, HARVEST_GROUP, analysis_job, harvest_job
from cjd_assets.resources import default_resources
from cjd_assets.sensors import daily_crawl_schedule, harvest_file_sensor

ASSET_MODULES = [harvest, dedup, classify, normalize, keywords, salary, summaries, clusters, report]

HARVEST_ASSETS = dg.AssetSelection.groups(HARVEST_GROUP)
ANALYSIS_ASSETS = dg.AssetSelection.all() - HARVEST_ASSETS

# A finished harvest (a new or re-run `raw_postings` partition) refreshes the dedup set. Not `eager()`:
# a harvest partition that was registered but never succeeded (a rejected file) counts as a missing
# dependency there and would hold the analysis back for good, and with no harvest yet there is nothing to
# deduplicate.
AFTER_HARVEST = (
    dg.AutomationCondition.any_deps_updated().since_last_handled()
    & ~dg.AutomationCondition.any_deps_in_progress()
    & ~dg.AutomationCondition.in_progress()
).with_label("after_harvest")
# On a new deployment's first tick, what is missing and has its inputs runs: the classifier trains from its
# labels before the first harvest lands (`eager()` alone leaves assets missing when it is first applied).
MISSING_AT_START = (
    dg.AutomationCondition.missing()
    & dg.AutomationCondition.initial_evaluation()
    & ~dg.AutomationCondition.any_deps_missing()
).with_label("missing at start")
# Every other analysis asset follows its inputs as soon as they change, but never past a failed blocking
# check (a run that skipped a step after one must not be undone by the next tick).
ANALYSIS_CONDITION = (
    (dg.AutomationCondition.eager() | MISSING_AT_START) & dg.AutomationCondition.all_deps_blocking_checks_passed()
).with_label("eager, behind blocking checks")

analysis_automation = dg.AutomationConditionSensorDefinition(
    "analysis_automation",
    target=ANALYSIS_ASSETS,
    default_status=dg.DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=30,
    description="Requests the analysis assets whose automation condition is true: on a new instance the "
                "classifier's training; after a harvest, the dedup set and everything downstream, in one run.",
)


def _analysis_sources_digest() -> str:
    """A digest of the analysis code whose assets declare no code version of their own (the generated summary
    and cluster tables): their SQL and the Python that computes and draws them. Coarse, never stale."""
    root = Path(__file__).resolve().parent
    files = sorted([*root.parent.glob("sql/*.sql"), *root.rglob("*.sql"),
                    *(p for d in ("analysis", "report", "clusters") for p in (root / d).rglob("*.py")),
                    root / "assets" / "summaries.py", root / "assets" / "clusters.py"])
    h = hashlib.sha1()
    for p in files:
        if p.is_file():
            h.update(p.relative_to(root.parent).as_posix().encode() + b"\0" + p.read_bytes())
    return "analysis-" + h.hexdigest()[:10]


def _orchestrated(assets: list) -> list:
    """Every analysis asset gets its automation condition, and a code version where its module set none."""
    graph_keys = ANALYSIS_ASSETS.resolve(assets)
    digest = _analysis_sources_digest()

    def apply(spec: dg.AssetSpec) -> dg.AssetSpec:
        if spec.key not in graph_keys:
            return spec
        condition = spec.automation_condition or (
            AFTER_HARVEST if spec.key == dg.AssetKey("deduplicated_postings") else ANALYSIS_CONDITION)
        return spec.replace_attributes(automation_condition=condition, code_version=spec.code_version or digest)

    return dg.map_asset_specs(apply, assets)


def build_definitions(resources: dict | None = None) -> dg.Definitions:
    """The code location; tests and the CLI pass their own resources (a temporary DuckDB, the demo board)."""
    return dg.Definitions(
        assets=_orchestrated(list(dg.load_assets_from_modules(ASSET_MODULES))),
        asset_checks=dg.load_asset_checks_from_modules(ASSET_MODULES),
        jobs=[harvest_job, analysis_job],
        schedules=[daily_crawl_schedule],
        sensors=[harvest_file_sensor, analysis_automation],
        executor=EXECUTOR,
        resources=resources if resources is not None else default_resources(),
    )


defs = build_definitions()


def harvest_job_from_environment() -> dg.JobDefinition:
    """The harvest job rebuilt from environment settings: the target Dagster reconstructs in each process
    of a multiprocess run or backfill (`dg.reconstructable(harvest_job_from_environment)`)."""
    return build_definitions().resolve_job_def("harvest_job")
