"""The distributed deployment's Dagster side (`scripts/distributed.sh` starts the services).

- Runs go to Celery workers through `dagster_celery`'s CeleryRunLauncher (deploy/dagster.yaml): a backfill
  of N harvests is N Celery tasks, taken by whichever worker process is free, on any machine.
- `harvest_executor()`: `CJD_HARVEST_EXECUTOR=in_process` (set by the deployment) makes a harvest run
  execute its two steps in the worker process that took it, with the code location it loaded at start;
  Dagster's default would spawn a fresh Python per step and import everything again. Unset: the default.
- `python -m cjd_assets.distributed backfill FILE...`: keep harvest files in the lake, register their
  partitions, backfill them with `dagster job backfill` (one run per harvest, on the workers), wait for the
  runs and say which process ran each; exits non-zero when one failed.
"""

from __future__ import annotations

import os
import sys
import time


def harvest_executor():
    """The harvest job's executor in this deployment (None: Dagster's default)."""
    import dagster as dg

    choice = os.environ.get("CJD_HARVEST_EXECUTOR", "").strip().lower()
    if not choice:
        return None
    if choice != "in_process":
        raise ValueError(f"CJD_HARVEST_EXECUTOR={choice!r}: only 'in_process' (or unset, the default) is known")
    return dg.in_process_executor


def run_processes(instance, run_id: str) -> set[int]:
    """The process ids that executed a run's steps (from the step events)."""
    import dagster as dg

    return {rec.dagster_event.pid for rec in instance.all_logs(run_id, of_type=dg.DagsterEventType.STEP_START)
            if rec.dagster_event and rec.dagster_event.pid}


def land(files: list[str]) -> list[str]:
    """Keep each harvest file in the lake under its content digest and register its partition."""
    from pathlib import Path

    import dagster as dg

    from cjd_assets.harvest import landing
    from cjd_assets.partitions import file_key_for, harvests
    from cjd_assets.resources import Lake

    lake = Path(Lake.from_env().directory)
    keys = []
    with dg.DagsterInstance.get() as instance:
        for f in files:
            if not Path(f).exists():
                raise SystemExit(f"no such harvest file: {f}")
            kept = landing.claim(Path(f), lake, keep_source=True)
            keys.append(file_key_for(instance, Path(f).name, kept.digest))
        instance.add_dynamic_partitions(harvests.name, keys)
    return keys


def wait_for_backfill(instance, backfill_id: str | None = None, timeout_s: float = 600) -> list:
    """The runs of a backfill (default: the latest) once all have finished."""
    import dagster as dg

    backfill_id = backfill_id or instance.get_backfills(limit=1)[0].backfill_id
    deadline = time.monotonic() + timeout_s
    while True:
        runs = instance.get_runs(dg.RunsFilter(tags={"dagster/backfill": backfill_id}))
        if runs and all(r.is_finished for r in runs):
            return runs
        if time.monotonic() > deadline:
            raise TimeoutError(f"backfill {backfill_id}: runs still going after {timeout_s:.0f}s: "
                               + ", ".join(f"{r.run_id[:8]} {r.status.value}" for r in runs))
        time.sleep(0.5)


def backfill(files: list[str], workspace: str, timeout_s: float) -> None:
    import subprocess

    import dagster as dg

    keys = land(files)
    # Dagster's own backfill command: a backfill record, one run per partition, each launched onto Celery.
    dagster = os.path.join(os.path.dirname(sys.executable), "dagster")
    subprocess.run([dagster, "job", "backfill", "-w", workspace, "-j", "harvest_job", "--partitions",
                    ",".join(keys), "--noprompt"], check=True)
    with dg.DagsterInstance.get() as instance:
        runs = wait_for_backfill(instance, None, timeout_s)
        for r in runs:
            pids = ", ".join(map(str, sorted(run_processes(instance, r.run_id))))
            print(f"{r.tags.get('dagster/partition')}\t{r.status.value}\tsteps in process {pids}")
    if any(r.status != dg.DagsterRunStatus.SUCCESS for r in runs):
        raise SystemExit("some harvest runs failed: see the Dagster UI or `dagster run list`")


def main(argv: list[str] | None = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m cjd_assets.distributed")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("backfill", help="keep and register harvest files, backfill them on the workers, wait")
    p.add_argument("files", nargs="+")
    p.add_argument("--workspace", required=True, help="the deployment's workspace.yaml")
    p.add_argument("--timeout", type=float, default=3600)
    args = parser.parse_args(argv)
    backfill(args.files, args.workspace, args.timeout)


if __name__ == "__main__":
    main(sys.argv[1:])
