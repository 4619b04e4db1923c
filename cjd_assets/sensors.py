"""Sensors and schedules: new harvest files become partitions and runs; a daily schedule crawls the boards.

What follows a harvest (the analysis) is declarative automation, set in `definitions.py`."""

import json
import time
from pathlib import Path

import dagster as dg

from cjd_assets.harvest import landing as ld
from cjd_assets.jobs import harvest_job
from cjd_assets.partitions import HARVEST_ASSET, crawl_partition_key, file_keys_by_digest, file_partition_key, harvests
from cjd_assets.resources import CrawlerSettings, Lake

# A harvest whose run failed for a reason other than its content (a DuckDB lock, a crash) is requested
# again, after RETRY_BACKOFF_S seconds, doubling per failure up to RETRY_BACKOFF_MAX_S.
RETRY_BACKOFF_S = 60.0
RETRY_BACKOFF_MAX_S = 6 * 3600.0
_FINISHED = (dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.CANCELED)


def _landed(landing: Path) -> dict[str, list[int]]:
    """Entries meant for harvesting (every file and folder but hidden, partial and rejected ones), by
    name, with their size and modification time."""
    found = {}
    for p in sorted(landing.iterdir()):
        if ld.is_landed_entry(p):
            try:
                found[p.name] = ld.signature(p)
            except OSError:  # gone or unreadable between the listing and the stat
                continue
    return found


def _retry_request(instance: dg.DagsterInstance, key: str, now: float) -> tuple[dg.RunRequest | None, str | None]:
    """A run for a harvest kept in the lake that has not succeeded: none while one is queued or running,
    and failed ones again after a backoff."""
    records = instance.get_run_records(dg.RunsFilter(job_name=harvest_job.name, tags={"dagster/partition": key}), limit=50)
    if not records:  # registered, never run (the tick that claimed it did not get its run submitted)
        return dg.RunRequest(run_key=key, partition_key=key), None
    last = records[0]
    if last.dagster_run.status not in _FINISHED or last.dagster_run.status == dg.DagsterRunStatus.SUCCESS:
        return None, None
    failures = sum(r.dagster_run.status != dg.DagsterRunStatus.SUCCESS for r in records)
    wait = min(RETRY_BACKOFF_S * 2 ** (failures - 1), RETRY_BACKOFF_MAX_S)
    ended = last.end_time or last.update_timestamp.timestamp()
    if now - ended < wait:
        return None, f"{key}: retry {failures} in {wait - (now - ended):.0f}s"
    return dg.RunRequest(run_key=f"{key}:retry{failures}", partition_key=key, tags={"cjd/retry": str(failures)}), None


@dg.sensor(job=harvest_job, minimum_interval_seconds=30, default_status=dg.DefaultSensorStatus.RUNNING)
def harvest_file_sensor(context: dg.SensorEvaluationContext, lake: Lake) -> dg.SensorResult:
    """Each new harvest file (or folder) in the landing directory becomes one `harvests` partition and one
    run, keyed by its content: a file is claimed once it is stable (same size and modification time as on
    the previous tick) and moved into the lake under its digest. Identical bytes dropped again are no new
    harvest; changed bytes under an old name are. A harvest whose run failed for another reason than its
    content is requested again with a backoff. The cursor holds only the entries now in the landing zone."""
    previous = json.loads(context.cursor) if context.cursor else {}
    previous = previous.get("landing", {}) if isinstance(previous, dict) else {}
    landing, lake_dir = lake.landing, Path(lake.directory)
    now_seen = _landed(landing)
    known = file_keys_by_digest(context.instance)
    new_keys: list[str] = []
    requests: list[dg.RunRequest] = []
    waiting = [n for n, sig in now_seen.items() if previous.get(n) != sig]
    for name, sig in now_seen.items():
        if previous.get(name) != sig:
            continue  # new or still changing: look again next tick
        try:
            claimed = ld.claim(landing / name, lake_dir)
        except OSError as e:  # taken by a backfill meanwhile, or unreadable: it stays visible in the log
            context.log.warning(f"{name}: not claimed ({e})")
            continue
        short = claimed.digest[: ld.KEY_DIGEST_LEN]
        if short in known:
            context.log.info(f"{name}: same content as harvest {known[short]}" + (" (kept once)" if claimed.duplicate else ""))
            continue  # a retry below picks it up if that harvest has not succeeded
        key = file_partition_key(name, claimed.digest)
        known[short] = key
        new_keys.append(key)
        requests.append(dg.RunRequest(run_key=key, partition_key=key, tags={"cjd/harvest_file": name}))
    # Kept files whose harvest has not succeeded: never run, failed (a lock, a crash) or re-dropped after a
    # rejection. Rejected files leave the lake, so content errors are not retried.
    done = context.instance.get_materialized_partitions(HARVEST_ASSET)
    now, notes = time.time(), []
    for digest in ld.claimed_digests(lake_dir):
        key = known.get(digest[: ld.KEY_DIGEST_LEN])
        if key is None:  # claimed, but the tick that claimed it was lost before registering it
            kept = ld.kept_file(lake_dir, digest)
            if kept is None:
                continue
            key = known[digest[: ld.KEY_DIGEST_LEN]] = file_partition_key(kept.name, digest)
            new_keys.append(key)
        if key in done or key in {r.partition_key for r in requests}:
            continue
        request, note = _retry_request(context.instance, key, now)
        if request is not None:
            requests.append(request)
        if note:
            notes.append(note)
    cursor = json.dumps({"landing": {n: s for n, s in now_seen.items() if (landing / n).exists()}}, sort_keys=True)
    if not requests:
        why = [f"waiting for {len(waiting)} landed entries to stop changing"] if waiting else []
        return dg.SensorResult(skip_reason="; ".join(why + notes) or f"no new harvest files in {landing}", cursor=cursor,
                               dynamic_partitions_requests=[harvests.build_add_request(new_keys)] if new_keys else [])
    return dg.SensorResult(
        run_requests=requests,
        dynamic_partitions_requests=[harvests.build_add_request(new_keys)] if new_keys else [],
        cursor=cursor,
    )


# 02:00 Beijing time: the boards' overnight quiet. A schedule, not a sensor: ticks keep to the clock.
CRAWL_CRON = "0 2 * * *"
CRAWL_TIMEZONE = "Asia/Shanghai"


@dg.schedule(job=harvest_job, cron_schedule=CRAWL_CRON, execution_timezone=CRAWL_TIMEZONE,
             default_status=dg.DefaultScheduleStatus.STOPPED)
def daily_crawl_schedule(context: dg.ScheduleEvaluationContext, crawler: CrawlerSettings):
    """Every day at 02:00 (Asia/Shanghai), a new crawl partition of the configured boards, keyed by the tick's
    time, so a tick evaluated twice requests one run (turn it on in the UI once seeds are set)."""
    if not crawler.seed_urls:
        return dg.SkipReason("no crawl seeds configured (CJD_CRAWL_SEEDS)")
    key = crawl_partition_key(context.scheduled_execution_time)
    # schedules cannot return partition requests: register the partition here (idempotent)
    if not context.instance.has_dynamic_partition(harvests.name, key):
        context.instance.add_dynamic_partitions(harvests.name, [key])
    return dg.RunRequest(run_key=key, partition_key=key)
