"""Operating at scale: parallel backfills of harvest partitions, and incremental downstream stages.

Three file harvests run at once under the multiprocess executor (each run its own process, each step a
process of its own, all writing one DuckDB file); then new harvests and rule or model changes re-run only
what they must. Each of those later tests starts from its own copy of the backfilled state (warehouse,
lake and Dagster instance), so none depends on another.
"""

import multiprocessing
import shutil
from concurrent.futures import ProcessPoolExecutor
from datetime import date

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

PARTS = 3  # concurrent runs: enough for several writers at once, without a process per core many times over
PER_PART = 30


def _latest(instance, asset: str) -> dict:
    event = instance.get_latest_materialization_event(dg.AssetKey(asset))
    return {k: v.value for k, v in event.asset_materialization.metadata.items()}


def _environment(root) -> dict[str, str]:
    return {"CJD_DUCKDB": str(root / "cjd.duckdb"), "CJD_LAKE_DIR": str(root / "lake"),
            "CJD_LANDING_DIR": str(root / "landing"), "CJD_ANNOTATIONS": str(root / "demo" / "annotations.jsonl"),
            "CJD_ANNOTATION_TEXTS": str(root / "demo" / "postings.parquet"), "CJD_BOOTSTRAP": "20"}


def _land(root, postings: pl.DataFrame, i: int) -> str:
    name = f"harvest_{i:02d}.parquet"
    postings.slice(i * PER_PART, PER_PART).write_parquet(root / "landing" / name)
    return landed_partition_key(root / "landing" / name)


def _analysis(instance) -> None:
    defs = build_definitions(default_resources())
    assert defs.resolve_job_def("analysis_job").execute_in_process(instance=instance).success


def _refresh(instance, *targets: str) -> None:
    """What automation runs after a harvest, as far as `targets`: the analysis assets upstream of them with
    the classifier as trained (labels unchanged, no retraining)."""
    defs = build_definitions(default_resources())
    selection = (dg.AssetSelection.assets(*targets).upstream() - dg.AssetSelection.groups("harvest")
                 - dg.AssetSelection.assets("annotations", "job_classifier")).required_multi_asset_neighbors()
    assert dg.materialize(defs.assets, selection=selection, instance=instance, resources=default_resources()).success


def _run_partition(instance_ref, key: str):
    """One backfill run, in a process of its own, as the Dagster daemon would launch it."""
    with dg.DagsterInstance.from_ref(instance_ref) as instance:
        job = dg.reconstructable(harvest_job_from_environment)
        with dg.execute_job(job, instance=instance, tags={"dagster/partition": key}) as result:
            return result.success, [e.step_key for e in result.all_events if e.is_step_failure]


@pytest.fixture(scope="module")
def backfilled(tmp_path_factory):
    """PARTS harvests backfilled at once, then the analysis: the state the later tests copy."""
    root = tmp_path_factory.mktemp("backfill")
    corpus = generate_corpus(PARTS * PER_PART + PER_PART, seed=11)
    ann, texts = write_demo_annotations(corpus, root / "demo", seed=11)
    assert (str(ann), str(texts)) == (_environment(root)["CJD_ANNOTATIONS"], _environment(root)["CJD_ANNOTATION_TEXTS"])
    postings = pl.read_parquet(texts)
    (root / "landing").mkdir()
    (root / "dagster_home").mkdir()
    mp = pytest.MonkeyPatch()
    for k, v in _environment(root).items():
        mp.setenv(k, v)
    try:
        with dg.instance_for_test(temp_dir=str(root / "dagster_home")) as instance:
            keys = [_land(root, postings, i) for i in range(PARTS)]
            instance.add_dynamic_partitions(harvests.name, keys)
            # All runs at once, each under the multiprocess executor (every step a process of its own).
            with ProcessPoolExecutor(max_workers=PARTS, mp_context=multiprocessing.get_context("spawn")) as pool:
                outcomes = list(pool.map(_run_partition, [instance.get_ref()] * PARTS, keys))
            _analysis(instance)
    finally:
        mp.undo()
    return {"root": root, "keys": keys, "outcomes": outcomes, "postings": postings}


@pytest.fixture
def state(backfilled, tmp_path, monkeypatch):
    """A copy of the backfilled warehouse, lake and Dagster instance for one test."""
    root = tmp_path / "state"
    shutil.copytree(backfilled["root"], root)
    for k, v in _environment(root).items():
        monkeypatch.setenv(k, v)
    with dg.instance_for_test(temp_dir=str(root / "dagster_home")) as instance:
        yield {"root": root, "instance": instance, "postings": backfilled["postings"]}


def test_parallel_backfill_has_no_failed_step(backfilled):
    outcomes = backfilled["outcomes"]
    assert len(outcomes) == PARTS
    assert all(ok for ok, _ in outcomes), outcomes
    assert all(not failed for _, failed in outcomes)


def test_parallel_backfill_row_counts(state, backfilled):
    keys = backfilled["keys"]
    with duckdb.connect(str(state["root"] / "cjd.duckdb"), read_only=True) as con:
        per_part = dict(con.execute("SELECT harvest_id, count(*) FROM raw_postings GROUP BY 1").fetchall())
        primaries = con.execute("SELECT count(*) FROM deduplicated_postings WHERE is_primary").fetchall()[0][0]
    assert per_part == {k: PER_PART for k in keys}
    assert primaries == PARTS * PER_PART
    assert _latest(state["instance"], "classified_postings")["classified_this_run"] == PARTS * PER_PART


def test_new_partition_classifies_only_new_postings(state):
    instance = state["instance"]
    key = _land(state["root"], state["postings"], PARTS)
    instance.add_dynamic_partitions(harvests.name, [key])
    defs = build_definitions(default_resources())
    assert defs.resolve_job_def("harvest_job").execute_in_process(partition_key=key, instance=instance).success
    _refresh(instance, "classified_postings", "normalized_postings")
    classified = _latest(instance, "classified_postings")
    normalized = _latest(instance, "normalized_postings")
    assert classified["classified_this_run"] == PER_PART
    assert classified["reused_from_earlier_runs"] == PARTS * PER_PART
    assert normalized["normalized_this_run"] == PER_PART


def test_rule_change_renormalizes_without_reclassifying(state, monkeypatch):
    monkeypatch.setattr(normalize, "NORMALIZE_VERSION", normalize.NORMALIZE_VERSION + "-changed")
    _refresh(state["instance"], "classified_postings", "normalized_postings")
    total = _latest(state["instance"], "classified_postings")["dagster/row_count"]
    assert total == PARTS * PER_PART
    assert _latest(state["instance"], "normalized_postings")["normalized_this_run"] == total
    assert _latest(state["instance"], "classified_postings")["classified_this_run"] == 0


def test_two_harvests_a_month_apart_in_the_series_and_the_comparison(state):
    """Demand over time on the demo: harvest A crawled on 10 January 2026 holds postings 0-19; harvest B,
    crawled on 10 February, re-crawls 10-19 and adds 20-34. Neither shows a release date, so the series
    places them by retrieval; the comparison sets the two harvests side by side and counts a posting seen
    in both once in each."""
    import json

    instance = state["instance"]
    keys = []
    for name, rows, crawled in (("a.parquet", range(0, 20), "2026-01-10 10:00:00"),
                                ("b.parquet", range(10, 35), "2026-02-10 10:00:00")):
        part = state["postings"][list(rows)].with_columns(
            pl.lit("").alias("release_date_text"), pl.lit(json.dumps({"crawl_time": crawled})).alias("extra"))
        part.write_parquet(state["root"] / "landing" / name)
        keys.append(landed_partition_key(state["root"] / "landing" / name))
    instance.add_dynamic_partitions(harvests.name, keys)
    defs = build_definitions(default_resources())
    for key in keys:
        assert defs.resolve_job_def("harvest_job").execute_in_process(partition_key=key, instance=instance).success
    _refresh(instance, "summary_window_comparison", "summary_ai_share_by_month")
    with duckdb.connect(str(state["root"] / "cjd.duckdb"), read_only=True) as con:
        cmp = con.sql("SELECT * FROM summary_window_comparison WHERE metric = 'postings'").pl()
        series = con.sql("SELECT month, postings, release_month_share FROM summary_ai_share_by_month "
                             "WHERE breakdown = 'all' AND month >= DATE '2026-01-01'").pl().sort("month")
    assert (cmp["window_a"][0], cmp["window_b"][0]) == tuple(f"harvest:{k}" for k in keys)
    assert (cmp["n_a"][0], cmp["n_b"][0]) == (20, 25)  # 10 postings were live in both and count in both
    assert (cmp["value_a"].sum(), cmp["value_b"].sum()) == (20, 25)
    # January: postings 0-9 (their latest version is A's); February: 10-34 (B's versions are the latest).
    assert series.rows() == [(date(2026, 1, 1), 10, 0.0), (date(2026, 2, 1), 25, 0.0)]
