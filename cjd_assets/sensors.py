"""Sensors: new harvest files become partitions and runs; finished harvests refresh the analysis."""

import json
from pathlib import Path

import dagster as dg

from cjd_assets.assets.harvest import REJECTED_DIR
from cjd_assets.jobs import analysis_job, harvest_job
from cjd_assets.partitions import crawl_partition_key, file_partition_key, harvests
from cjd_assets.resources import CrawlerSettings, Lake

HARVEST_SUFFIXES = (".parquet", ".jsonl", ".json", ".csv", ".warc", ".gz")


def _landed(landing: Path) -> list[Path]:
    """Files (and folders of saved pages) that are complete: hidden and partial uploads are skipped."""
    found = []
    for p in sorted(landing.iterdir()):
        if p.name.startswith(".") or p.name == REJECTED_DIR or p.name.endswith((".part", ".tmp")):
            continue
        if p.is_dir() or p.name.endswith(HARVEST_SUFFIXES):
            found.append(p)
    return found


@dg.sensor(job=harvest_job, minimum_interval_seconds=30, default_status=dg.DefaultSensorStatus.RUNNING)
def harvest_file_sensor(context: dg.SensorEvaluationContext, lake: Lake) -> dg.SensorResult:
    """Each new file or folder in the landing directory becomes one `harvests` partition and one run.
    The cursor holds every key already requested, so a file is ingested exactly once across restarts."""
    seen = set(json.loads(context.cursor)) if context.cursor else set()
    new = [(file_partition_key(p.name), p) for p in _landed(lake.landing)]
    new = [(k, p) for k, p in new if k not in seen]
    if not new:
        return dg.SensorResult(skip_reason=f"no new harvest files in {lake.landing}")
    keys = [k for k, _ in new]
    return dg.SensorResult(
        run_requests=[dg.RunRequest(run_key=k, partition_key=k, tags={"cjd/harvest_file": p.name}) for k, p in new],
        dynamic_partitions_requests=[harvests.build_add_request(keys)],
        cursor=json.dumps(sorted(seen | set(keys))),
    )


@dg.sensor(job=harvest_job, minimum_interval_seconds=24 * 3600, default_status=dg.DefaultSensorStatus.STOPPED)
def daily_crawl_sensor(context: dg.SensorEvaluationContext, crawler: CrawlerSettings) -> dg.SensorResult:
    """Once a day, a new crawl partition of the configured boards (turn it on in the UI once seeds are set)."""
    if not crawler.seed_urls:
        return dg.SensorResult(skip_reason="no crawl seeds configured (CJD_CRAWL_SEEDS)")
    key = crawl_partition_key()
    return dg.SensorResult(
        run_requests=[dg.RunRequest(run_key=key, partition_key=key)],
        dynamic_partitions_requests=[harvests.build_add_request([key])],
    )


@dg.run_status_sensor(
    run_status=dg.DagsterRunStatus.SUCCESS,
    monitored_jobs=[harvest_job],
    request_job=analysis_job,
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def analysis_after_harvest(context: dg.RunStatusSensorContext):
    """A finished harvest refreshes the dedup set and everything downstream, unless a refresh is already
    queued (it will see this harvest too: downstream stages read every partition)."""
    queued = context.instance.get_runs_count(
        dg.RunsFilter(
            job_name=analysis_job.name,
            statuses=[dg.DagsterRunStatus.QUEUED, dg.DagsterRunStatus.NOT_STARTED],
        )
    )
    if queued:
        return dg.SkipReason("an analysis run is already queued")
    return dg.RunRequest(run_key=f"after-{context.dagster_run.run_id}")
