"""Orchestration: what follows a harvest (declarative automation), the daily crawl schedule, the DuckDB pool,
and code versions. Evaluated against a Dagster instance with recorded events; nothing is materialized."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import dagster as dg
import pytest

from cjd_assets.definitions import ANALYSIS_ASSETS, build_definitions
from cjd_assets.jobs import DUCKDB_POOL
from cjd_assets.partitions import harvests
from cjd_assets.resources import CrawlerSettings, default_resources
from cjd_assets.sensors import CRAWL_TIMEZONE, daily_crawl_schedule

# Assets whose modules this layer owns; the generated summary and cluster assets get the pool where they
# are generated.
POOLED = ("deduplicated_postings", "annotations", "job_classifier", "classifier_evaluation", "classified_postings",
          "normalized_postings", "ai_keyword_postings", "salary_predictions", "employer_tags", "analysis_postings",
          "summary_table1_by_category", "clusters_ai_related_regions", "summary_report")
CLASSIFIER_BRANCH_ROOTS = {"annotations", "job_classifier", "classifier_evaluation", "classifier_confusion",
                           "classifier_model_comparison", "classifier_learning_curve"}


@pytest.fixture(scope="module")
def defs(tmp_path_factory):
    return build_definitions(default_resources(database=str(tmp_path_factory.mktemp("orch") / "x.duckdb")))


def _materialized(instance, keys, partition=None):
    for key in keys:
        instance.report_runless_asset_event(dg.AssetMaterialization(key, partition=partition))


def _requested(result) -> set[str]:
    return {r.key.to_user_string() for r in result.results if r.true_subset.size}


def _settled(defs, instance):
    """Every asset materialized once and the automation's first tick taken: the state after a first harvest."""
    instance.add_dynamic_partitions(harvests.name, ["file-a.csv-aaaaaaaaaaaa"])
    _materialized(instance, ["raw_pages", "raw_postings", "quarantined_pages"], "file-a.csv-aaaaaaaaaaaa")
    _materialized(instance, sorted(ANALYSIS_ASSETS.resolve(defs.resolve_asset_graph())))
    return dg.evaluate_automation_conditions(defs, instance).cursor


def test_a_new_deployment_trains_the_classifier_and_waits_for_a_harvest(defs):
    with dg.DagsterInstance.ephemeral() as instance:
        first = dg.evaluate_automation_conditions(defs, instance)
        second = dg.evaluate_automation_conditions(defs, instance, cursor=first.cursor)
    assert _requested(first) == CLASSIFIER_BRANCH_ROOTS
    assert second.total_requested == 0  # requested once, not at every tick


def test_a_harvest_refreshes_the_analysis_but_not_the_classifier(defs):
    with dg.DagsterInstance.ephemeral() as instance:
        cursor = _settled(defs, instance)
        # nothing changed since: nothing to run
        result = dg.evaluate_automation_conditions(defs, instance, cursor=cursor)
        assert result.total_requested == 0
        # a second harvest lands; beside it, a rejected file keeps a partition that never materializes, which
        # must not hold the analysis back
        instance.add_dynamic_partitions(harvests.name, ["file-bad.csv-cccccccccccc", "file-b.csv-bbbbbbbbbbbb"])
        _materialized(instance, ["raw_pages", "raw_postings", "quarantined_pages"], "file-b.csv-bbbbbbbbbbbb")
        result = dg.evaluate_automation_conditions(defs, instance, cursor=result.cursor)
    requested = _requested(result)
    assert {"deduplicated_postings", "classified_postings", "classifier_corrected_counts", "normalized_postings",
            "ai_keyword_postings", "salary_predictions", "analysis_postings", "summary_table1_by_category",
            "clusters_ai_related_regions", "summary_report"} <= requested
    # the model depends on the labels, not on the harvests: no retraining per harvest
    assert not requested & CLASSIFIER_BRANCH_ROOTS
    # the harvest assets are the sensor's and the schedule's, never automation's
    assert not requested & {"raw_pages", "raw_postings", "quarantined_pages"}


def test_a_failed_blocking_check_stops_the_automation_downstream(defs):
    with dg.DagsterInstance.ephemeral() as instance:
        cursor = _settled(defs, instance)
        # dedup re-ran after a harvest and its blocking invariant failed
        _materialized(instance, ["deduplicated_postings"])
        instance.report_runless_asset_event(dg.AssetCheckEvaluation(
            asset_key=dg.AssetKey("deduplicated_postings"), check_name="one_primary_per_posting", passed=False,
            severity=dg.AssetCheckSeverity.ERROR, metadata={}, blocking=True))
        result = dg.evaluate_automation_conditions(defs, instance, cursor=cursor)
    requested = _requested(result)
    assert not requested & {"classified_postings", "normalized_postings", "employer_tags"}, requested


def test_the_automation_sensor_targets_the_analysis_and_runs_by_default(defs):
    sensor = defs.get_sensor_def("analysis_automation")
    assert isinstance(sensor, dg.AutomationConditionSensorDefinition)
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING
    graph = defs.resolve_asset_graph()
    targeted = {k.to_user_string() for k in sensor.asset_selection.resolve(graph)}
    assert "deduplicated_postings" in targeted and "summary_report" in targeted
    assert not targeted & {"raw_pages", "raw_postings", "quarantined_pages"}
    # every analysis asset carries a condition; the harvest assets none
    for key in graph.get_all_asset_keys():
        condition = graph.get(key).automation_condition
        assert (condition is not None) == (key.to_user_string() in targeted), key


def test_daily_crawl_is_a_schedule_in_beijing_time(defs, tmp_path):
    schedule = defs.get_schedule_def("daily_crawl_schedule")
    assert (schedule.cron_schedule, schedule.execution_timezone) == ("0 2 * * *", "Asia/Shanghai")
    assert schedule.job_name == "harvest_job"
    tick = datetime(2026, 3, 1, 2, 0, tzinfo=ZoneInfo(CRAWL_TIMEZONE))
    # a schedule's context needs an instance it can refer to; in tmp_path, which outlives the test, because
    # Dagster keeps the last instance's storage as the current one for later definitions loads
    with dg.instance_for_test(temp_dir=str(tmp_path)) as instance:
        crawler = CrawlerSettings(seed_urls=["https://jobs.51job.com/"])
        requests = [daily_crawl_schedule(dg.build_schedule_context(
            instance=instance, scheduled_execution_time=tick, resources={"crawler": crawler})) for _ in range(2)]
        # one partition per tick, keyed by the tick in UTC; the tick evaluated twice asks for the same run
        assert {r.partition_key for r in requests} == {"crawl-20260228T180000"}
        assert {r.run_key for r in requests} == {"crawl-20260228T180000"}
        assert instance.get_dynamic_partitions(harvests.name) == ["crawl-20260228T180000"]
        skipped = daily_crawl_schedule(dg.build_schedule_context(
            instance=instance, scheduled_execution_time=tick, resources={"crawler": CrawlerSettings()}))
        assert isinstance(skipped, dg.SkipReason) and "CJD_CRAWL_SEEDS" in skipped.skip_message


def test_duckdb_writers_share_one_pool_and_harvests_stay_outside(defs):
    graph = defs.resolve_asset_graph()
    for name in POOLED:
        assert defs.get_assets_def(name).op.pool == DUCKDB_POOL, name
    # every generated summary and cluster table writes DuckDB too
    for key in graph.get_all_asset_keys():
        if key.path[0].startswith(("summary_", "clusters_")):
            assert defs.get_assets_def(key).op.pool == DUCKDB_POOL, key
    for name in ("raw_pages", "raw_postings"):
        assert defs.get_assets_def(name).op.pool is None, name
    assert graph.get(dg.AssetKey("deduplicated_postings")).partitions_def is None
    # both jobs use the multiprocess executor: the pool, not the executor, keeps one writer
    for job in ("harvest_job", "analysis_job"):
        assert defs.resolve_job_def(job).executor_def.name == "multiprocess"


def test_cli_instance_limits_the_pool_to_one_writer(tmp_path, monkeypatch):
    from cjd_assets import cli

    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "home"))
    instance = cli._instance()
    try:
        assert instance.get_concurrency_config().pool_config.default_pool_limit == 1
        # a slot left claimed by a run that is over (a killed `cjd`) is freed when the next command starts
        run = instance.create_run_for_job(dg.GraphDefinition("g").to_job())
        instance.event_log_storage.set_concurrency_slots(DUCKDB_POOL, 1)
        claim = instance.event_log_storage.claim_concurrency_slot(DUCKDB_POOL, run.run_id, "step")
        assert claim.is_claimed
        instance.report_run_failed(run)
        assert instance.event_log_storage.get_concurrency_info(DUCKDB_POOL).active_run_ids == {run.run_id}
    finally:
        instance.dispose()
    instance = cli._instance()
    try:
        assert instance.event_log_storage.get_concurrency_info(DUCKDB_POOL).active_run_ids == set()
    finally:
        instance.dispose()
    # an existing instance configuration of the user's is left alone
    (tmp_path / "home" / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    cli._instance().dispose()
    assert (tmp_path / "home" / "dagster.yaml").read_text() == "telemetry:\n  enabled: false\n"


def test_every_asset_has_a_code_version(defs):
    graph = defs.resolve_asset_graph()
    for key in graph.get_all_asset_keys():
        assert graph.get(key).code_version, key
