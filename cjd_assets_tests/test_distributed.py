"""The distributed deployment, started by `scripts/distributed.sh` as a user would: Dagster on PostgreSQL,
runs on two Celery worker processes (Redis broker), harvest partitions written to an S3 lake (moto's
server). Four harvest files are backfilled across the workers; then the warehouse is rebuilt from the lake
and must equal, table for table and row for row, the warehouse one machine builds from the same files.

The single-machine reference is computed while the services start and the backfill runs (one process
each), so the test stays within its time budget on two cores.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl
import pytest

from cjd_assets.definitions import build_definitions
from cjd_assets.demo.corpus import generate_corpus, write_demo_annotations
from cjd_assets.distributed import run_processes, wait_for_backfill
from cjd_assets.harvest.landing import landed_partition_key
from cjd_assets.lake import HARVEST_TABLES, MANIFEST, ObjectLake
from cjd_assets.partitions import harvests
from cjd_assets.paths import REPO_ROOT
from cjd_assets.resources import default_resources

pytestmark = pytest.mark.distributed

SCRIPT = REPO_ROOT / "scripts" / "distributed.sh"
PARTS, PER_PART = 4, 30
# Columns that record when the pipeline ran (a wall-clock time), not what it computed.
RUN_TIME_COLUMNS = {"pipeline_date_updated", "trained_at"}
# Columns that hold a path under the deployment's own lake folder: compared relative to it.
LAKE_PATH_COLUMNS = {"model_path"}
# The report is files (HTML, PDF, figures), not warehouse tables: left out of both analyses.
NOT_TABLES = {dg.AssetKey("summary_report")}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _services_installable() -> str | None:
    have_pg = shutil.which("initdb") or list(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if shutil.which("redis-server") and have_pg:
        return None
    if os.geteuid() == 0 and shutil.which("apt-get"):
        return None  # the script installs them
    return "redis-server or PostgreSQL missing and not root to install them (scripts/test.sh does, as root)"


def _analysis(resources: dict, instance) -> None:
    job = build_definitions(resources).resolve_job_def("analysis_job")
    keys = [k for k in job.asset_layer.executable_asset_keys if k not in NOT_TABLES]
    assert job.execute_in_process(instance=instance, asset_selection=keys).success


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    reason = _services_installable()
    if reason:
        pytest.skip(reason)
    tmp = tmp_path_factory.mktemp("distributed")
    corpus = generate_corpus(PARTS * PER_PART, seed=17)
    ann, texts = write_demo_annotations(corpus, tmp / "demo", seed=17)
    postings = pl.read_parquet(texts)
    files = []
    (tmp / "files").mkdir()
    for i in range(PARTS):
        files.append(tmp / "files" / f"harvest_{i}.parquet")
        postings.slice(i * PER_PART, PER_PART).write_parquet(files[-1])
    common = {"CJD_ANNOTATIONS": str(ann), "CJD_ANNOTATION_TEXTS": str(texts), "CJD_BOOTSTRAP": "20"}
    single = {**common, "CJD_DUCKDB": str(tmp / "single" / "cjd.duckdb"),
              "CJD_LAKE_DIR": str(tmp / "single" / "lake"), "CJD_LANDING_DIR": str(tmp / "single" / "landing")}
    state = tmp / "state"
    dist = {**common, "CJD_DIST_DIR": str(state), "CJD_PYTHON": sys.executable,
            "CJD_DUCKDB": str(tmp / "dist" / "cjd.duckdb"), "CJD_LAKE_DIR": str(tmp / "dist" / "lake"),
            "CJD_LANDING_DIR": str(tmp / "dist" / "landing"), "CJD_WORKERS": "2",
            "CJD_PG_PORT": str(_free_port()), "CJD_REDIS_PORT": str(_free_port()), "CJD_S3_PORT": str(_free_port()),
            "CJD_CODE_PORT": str(_free_port())}
    script_env = {k: v for k, v in os.environ.items() if not k.startswith(("CJD_", "DAGSTER_", "AWS_"))} | dist

    def script(*args, **kw):
        return subprocess.Popen(["bash", str(SCRIPT), *args], env=script_env, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True, **kw)

    def finish(proc, what):
        out, _ = proc.communicate(timeout=300)
        assert proc.returncode == 0, f"distributed.sh {what} failed:\n{out[-4000:]}"
        return out

    mp = pytest.MonkeyPatch()
    up = script("up")
    try:
        # One machine, meanwhile: each file harvested in process into one DuckDB, then the analysis.
        for k, v in single.items():
            mp.setenv(k, v)
        for k in ("CJD_LAKE_URL", "CJD_HARVEST_EXECUTOR"):
            mp.delenv(k, raising=False)
        (tmp / "single" / "landing").mkdir(parents=True)
        (tmp / "home").mkdir()
        with dg.instance_for_test(temp_dir=str(tmp / "home")) as local:
            resources = default_resources()
            keys = []
            for f in files:
                shutil.copy(f, tmp / "single" / "landing" / f.name)
                keys.append(landed_partition_key(tmp / "single" / "landing" / f.name))
            local.add_dynamic_partitions(harvests.name, keys)
            harvest = build_definitions(resources).resolve_job_def("harvest_job")
            for key in keys:
                assert harvest.execute_in_process(partition_key=key, instance=local).success
            finish(up, "up")
            # The deployment harvests the same files, on its workers, while this process analyses.
            backfill = script("backfill", *map(str, files))
            _analysis(resources, local)
        backfill_out = finish(backfill, "backfill")
        env_sh = (state / "env.sh").read_text()
        deployed = dict(line.removeprefix("export ").split("=", 1) for line in env_sh.splitlines()
                        if line.startswith("export "))
        deployed = {k: v.strip("'") for k, v in deployed.items()}
        yield {"tmp": tmp, "state": state, "keys": keys, "dist": dist, "deployed": deployed, "single": single,
               "single_db": tmp / "single" / "cjd.duckdb", "backfill_out": backfill_out, "mp": mp}
    finally:
        mp.undo()
        if up.poll() is None:
            up.kill()
        subprocess.run(["bash", str(SCRIPT), "down", "--purge"], env=script_env, capture_output=True, timeout=120)


@pytest.fixture(scope="module")
def rebuilt(deployment):
    """The deployment's warehouse rebuilt from the lake: the analysis (its dedup stage loads the lake),
    recorded in the deployment's PostgreSQL instance."""
    mp, d = deployment["mp"], deployment["deployed"]
    assert not Path(d["CJD_DUCKDB"]).exists(), "the harvest wrote DuckDB instead of the lake"
    for k in ("DAGSTER_HOME", "CJD_PG_HOST", "CJD_PG_PORT", "CJD_PG_USER", "CJD_PG_PASSWORD", "CJD_PG_DB",
              "CJD_CELERY_BROKER", "CJD_CELERY_BACKEND",
              "CJD_LAKE_URL", "AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION",
              "CJD_DUCKDB", "CJD_LAKE_DIR", "CJD_LANDING_DIR"):
        mp.setenv(k, d[k])
    with dg.DagsterInstance.get() as instance:
        runs = wait_for_backfill(instance, timeout_s=60)
        _analysis(default_resources(), instance)
        pids = {r.tags["dagster/partition"]: run_processes(instance, r.run_id) for r in runs}
        statuses = {r.tags["dagster/partition"]: r.status for r in runs}
    return {"db": Path(d["CJD_DUCKDB"]), "pids": pids, "statuses": statuses}


def test_backfill_ran_on_two_worker_processes(deployment, rebuilt):
    workers = {int((deployment["state"] / f"worker{i}.pid").read_text()) for i in (1, 2)}
    assert set(rebuilt["statuses"]) == set(deployment["keys"])
    assert all(s == dg.DagsterRunStatus.SUCCESS for s in rebuilt["statuses"].values()), rebuilt["statuses"]
    # Each harvest ran its steps in one process, a Celery worker; together they used both workers.
    assert all(len(p) == 1 for p in rebuilt["pids"].values()), rebuilt["pids"]
    used = set().union(*rebuilt["pids"].values())
    assert used <= workers, (used, workers)
    assert len(used) >= 2, f"every harvest ran in {used}: the backfill did not spread over the workers"


def test_harvest_partitions_are_in_the_lake(deployment, rebuilt):
    lake = ObjectLake(url=deployment["deployed"]["CJD_LAKE_URL"],
                      endpoint=deployment["deployed"]["AWS_ENDPOINT_URL"],
                      access_key=deployment["deployed"]["AWS_ACCESS_KEY_ID"],
                      secret_key=deployment["deployed"]["AWS_SECRET_ACCESS_KEY"])
    for table in HARVEST_TABLES:
        assert set(lake.partitions(table)) == set(deployment["keys"]), table
    postings = lake.read_partition("raw_postings", deployment["keys"][0])
    assert postings.height == PER_PART and set(postings["harvest_id"]) == {deployment["keys"][0]}


def _tables(con, db: str, kind: str = "%") -> set[str]:
    return {r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_catalog = ? AND table_schema = 'main' "
        "AND table_type LIKE ?", [db, kind]).fetchall()}


def test_warehouse_from_the_lake_equals_the_single_machine_one(deployment, rebuilt):
    con = duckdb.connect()
    con.execute(f"ATTACH '{deployment['single_db']}' AS single (READ_ONLY)")
    con.execute(f"ATTACH '{rebuilt['db']}' AS dist (READ_ONLY)")
    single, dist = _tables(con, "single"), _tables(con, "dist")
    lakes = {"single": deployment["single"]["CJD_LAKE_DIR"], "dist": deployment["deployed"]["CJD_LAKE_DIR"]}
    assert dist - {MANIFEST} == single
    assert {"raw_pages", "raw_postings", "deduplicated_postings", "classified_postings",
            "summary_table1_by_category"} <= single
    # Views are queries over these tables: equal tables make equal views.
    for table in sorted(_tables(con, "single", "BASE TABLE")):
        cols = [r[0] for r in con.execute(f"DESCRIBE single.{table}").fetchall()]
        assert sorted(cols) == sorted(r[0] for r in con.execute(f"DESCRIBE dist.{table}").fetchall()), table
        select = {side: ", ".join(
            f"replace(\"{c}\", '{lake}', '<lake>')" if c in LAKE_PATH_COLUMNS else f'"{c}"'
            for c in cols if c not in RUN_TIME_COLUMNS) for side, lake in lakes.items()}
        n = con.execute(f"SELECT count(*) FROM single.{table}").fetchall()[0][0]
        assert con.execute(f"SELECT count(*) FROM dist.{table}").fetchall()[0][0] == n, table
        # Row for row, duplicates included: nothing in one that is not in the other.
        for a, b in (("single", "dist"), ("dist", "single")):
            diff = con.execute(f"SELECT count(*) FROM (SELECT {select[a]} FROM {a}.{table} "
                               f"EXCEPT ALL SELECT {select[b]} FROM {b}.{table})").fetchall()[0][0]
            assert diff == 0, f"{table}: {diff} row(s) of {a} not in {b}"
    assert con.execute("SELECT count(*) FROM dist.raw_postings").fetchall()[0][0] == PARTS * PER_PART


def test_a_second_load_reads_only_changed_partitions(deployment, rebuilt):
    from cjd_assets.lake import sync_warehouse

    d = deployment["deployed"]
    lake = ObjectLake(url=d["CJD_LAKE_URL"], endpoint=d["AWS_ENDPOINT_URL"], access_key=d["AWS_ACCESS_KEY_ID"],
                      secret_key=d["AWS_SECRET_ACCESS_KEY"])
    key = deployment["keys"][0]
    with duckdb.connect(str(rebuilt["db"])) as con:
        assert all(s["loaded"] == 0 and s["unchanged"] == PARTS for s in sync_warehouse(con, lake).values())
        # A re-harvested partition (fewer rows now) is loaded again, and only it.
        lake.write_partition("raw_postings", lake.read_partition("raw_postings", key).head(3), key)
        stats = sync_warehouse(con, lake, tables=["raw_postings"])
        assert stats["raw_postings"] == {"loaded": 1, "dropped": 0, "unchanged": PARTS - 1}
        assert con.execute("SELECT count(*) FROM raw_postings WHERE harvest_id = ?", [key]).fetchall()[0][0] == 3
