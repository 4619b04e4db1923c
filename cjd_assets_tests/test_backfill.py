"""Operating at scale: parallel backfills of harvest partitions, and incremental downstream stages.

Eight file harvests run at once under the multiprocess executor (each step its own process, all writing
one DuckDB file); then new harvests and rule or model changes re-run only what they must.
"""

import multiprocessing
from datetime import date
from concurrent.futures import ProcessPoolExecutor

import dagster as dg
import duckdb
import polars as pl
import pytest

from cjd_assets import normalize
from cjd_assets.definitions import build_definitions, harvest_job_from_environment
from cjd_assets.demo.corpus import generate_corpus, write_demo_annotations
from cjd_assets.harvest.landing import landed_partition_key
from cjd_assets.partitions import harvests
from cjd_assets.resources import default_resources

pytestmark = pytest.mark.slow

PARTS = 8
PER_PART = 30


def _latest(instance, asset: str) -> dict:
    event = instance.get_latest_materialization_event(dg.AssetKey(asset))
    return {k: v.value for k, v in event.asset_materialization.metadata.items()}


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("backfill")
    corpus = generate_corpus(PARTS * PER_PART + PER_PART, seed=11)
    ann, texts = write_demo_annotations(corpus, tmp / "demo", seed=11)
    postings = pl.read_parquet(texts)
    landing = tmp / "landing"
    landing.mkdir()
    mp = pytest.MonkeyPatch()
    for k, v in {"CJD_DUCKDB": str(tmp / "cjd.duckdb"), "CJD_LAKE_DIR": str(tmp / "lake"),
                 "CJD_LANDING_DIR": str(landing), "CJD_ANNOTATIONS": str(ann),
                 "CJD_ANNOTATION_TEXTS": str(texts), "CJD_BOOTSTRAP": "20"}.items():
        mp.setenv(k, v)
    (tmp / "dagster_home").mkdir()
    with dg.instance_for_test(temp_dir=str(tmp / "dagster_home")) as instance:
        yield {"tmp": tmp, "postings": postings, "landing": landing, "instance": instance}
    mp.undo()


def _land(env, i: int) -> str:
    name = f"harvest_{i:02d}.parquet"
    env["postings"].slice(i * PER_PART, PER_PART).write_parquet(env["landing"] / name)
    return landed_partition_key(env["landing"] / name)


def _analysis(instance) -> None:
    defs = build_definitions(default_resources())
    assert defs.resolve_job_def("analysis_job").execute_in_process(instance=instance).success


def _run_partition(instance_ref, key: str):
    """One backfill run, in a process of its own, as the Dagster daemon would launch it."""
    with dg.DagsterInstance.from_ref(instance_ref) as instance:
        job = dg.reconstructable(harvest_job_from_environment)
        with dg.execute_job(job, instance=instance, tags={"dagster/partition": key}) as result:
            return result.success, [e.step_key for e in result.all_events if e.is_step_failure]


@pytest.fixture(scope="module")
def backfilled(env):
    instance = env["instance"]
    keys = [_land(env, i) for i in range(PARTS)]
    instance.add_dynamic_partitions(harvests.name, keys)
    # All eight runs at once, each under the multiprocess executor (every step a process of its own).
    with ProcessPoolExecutor(max_workers=PARTS, mp_context=multiprocessing.get_context("spawn")) as pool:
        outcomes = list(pool.map(_run_partition, [instance.get_ref()] * PARTS, keys))
    _analysis(instance)
    return keys, outcomes


def test_parallel_backfill_has_no_failed_step(backfilled):
    keys, outcomes = backfilled
    assert all(ok for ok, _ in outcomes), outcomes
    assert all(not failed for _, failed in outcomes)


def test_parallel_backfill_row_counts(env, backfilled):
    keys, _ = backfilled
    with duckdb.connect(str(env["tmp"] / "cjd.duckdb"), read_only=True) as con:
        per_part = dict(con.execute("SELECT harvest_id, count(*) FROM raw_postings GROUP BY 1").fetchall())
        primaries = con.execute("SELECT count(*) FROM deduplicated_postings WHERE is_primary").fetchall()[0][0]
    assert per_part == {k: PER_PART for k in keys}
    assert primaries == PARTS * PER_PART
    assert _latest(env["instance"], "classified_postings")["classified_this_run"] == PARTS * PER_PART


def test_new_partition_classifies_only_new_postings(env, backfilled):
    instance = env["instance"]
    key = _land(env, PARTS)
    instance.add_dynamic_partitions(harvests.name, [key])
    defs = build_definitions(default_resources())
    assert defs.resolve_job_def("harvest_job").execute_in_process(partition_key=key, instance=instance).success
    _analysis(instance)
    classified = _latest(instance, "classified_postings")
    normalized = _latest(instance, "normalized_postings")
    assert classified["classified_this_run"] == PER_PART
    assert classified["reused_from_earlier_runs"] == PARTS * PER_PART
    assert normalized["normalized_this_run"] == PER_PART


def test_rule_change_renormalizes_without_reclassifying(env, backfilled, monkeypatch):
    monkeypatch.setattr(normalize, "NORMALIZE_VERSION", normalize.NORMALIZE_VERSION + "-changed")
    _analysis(env["instance"])
    total = _latest(env["instance"], "classified_postings")["dagster/row_count"]
    assert _latest(env["instance"], "normalized_postings")["normalized_this_run"] == total
    assert _latest(env["instance"], "classified_postings")["classified_this_run"] == 0


def test_two_harvests_a_month_apart_in_the_series_and_the_comparison(env, backfilled):
    """Demand over time on the demo: harvest A crawled on 10 January 2026 holds postings 0-19; harvest B,
    crawled on 10 February, re-crawls 10-19 and adds 20-34. Neither shows a release date, so the series
    places them by retrieval; the comparison sets the two harvests side by side and counts a posting seen
    in both once in each."""
    import json

    instance = env["instance"]
    keys = []
    for name, rows, crawled in (("a.parquet", range(0, 20), "2026-01-10 10:00:00"),
                                ("b.parquet", range(10, 35), "2026-02-10 10:00:00")):
        part = env["postings"][list(rows)].with_columns(
            pl.lit("").alias("release_date_text"), pl.lit(json.dumps({"crawl_time": crawled})).alias("extra"))
        part.write_parquet(env["landing"] / name)
        keys.append(landed_partition_key(env["landing"] / name))
    instance.add_dynamic_partitions(harvests.name, keys)
    defs = build_definitions(default_resources())
    for key in keys:
        assert defs.resolve_job_def("harvest_job").execute_in_process(partition_key=key, instance=instance).success
    _analysis(instance)
    with duckdb.connect(str(env["tmp"] / "cjd.duckdb"), read_only=True) as con:
        cmp = con.sql("SELECT * FROM summary_window_comparison WHERE metric = 'postings'").pl()
        series = con.sql("SELECT month, postings, release_month_share FROM summary_ai_share_by_month "
                             "WHERE breakdown = 'all' AND month >= DATE '2026-01-01'").pl().sort("month")
    assert (cmp["window_a"][0], cmp["window_b"][0]) == tuple(f"harvest:{k}" for k in keys)
    assert (cmp["n_a"][0], cmp["n_b"][0]) == (20, 25)  # 10 postings were live in both and count in both
    assert (cmp["value_a"].sum(), cmp["value_b"].sum()) == (20, 25)
    # January: postings 0-9 (their latest version is A's); February: 10-34 (B's versions are the latest).
    assert series.rows() == [(date(2026, 1, 1), 10, 0.0), (date(2026, 2, 1), 25, 0.0)]
