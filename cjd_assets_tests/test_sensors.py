"""The landing-zone sensor: each dropped harvest file becomes one partition and one run, exactly once."""

import shutil

import dagster as dg
import duckdb
import polars as pl
import pytest

from cjd_assets.definitions import build_definitions
from cjd_assets.partitions import file_partition_key, harvests
from cjd_assets.resources import ClassifierSettings, CrawlerSettings, Lake, ReportSettings, Warehouse
from cjd_assets.sensors import harvest_file_sensor


@pytest.fixture()
def setup(tmp_path):
    resources = {
        "warehouse": Warehouse(database=str(tmp_path / "cjd.duckdb")),
        "lake": Lake(directory=str(tmp_path / "lake"), landing_directory=str(tmp_path / "landing")),
        "crawler": CrawlerSettings(),
        "classifier_settings": ClassifierSettings(),
        "report_settings": ReportSettings(),
    }
    (tmp_path / "landing").mkdir()
    with dg.instance_for_test() as instance:
        yield tmp_path, resources, instance, build_definitions(resources)


def _tick(instance, resources, cursor=None):
    ctx = dg.build_sensor_context(instance=instance, cursor=cursor, resources={"lake": resources["lake"]})
    return harvest_file_sensor(ctx)


def test_real_postings_file_becomes_one_partition_with_every_row(setup, shared):
    tmp, resources, instance, defs = setup
    src = shared / "data" / "real_postings" / "postings.parquet"
    shutil.copy(src, tmp / "landing" / "postings.parquet")
    (tmp / "landing" / "upload.parquet.part").write_bytes(b"partial upload, not yet complete")

    result = _tick(instance, resources)
    key = file_partition_key("postings.parquet")
    assert [r.partition_key for r in result.run_requests] == [key]
    assert result.dynamic_partitions_requests[0].partition_keys == [key]

    # The next tick, with the cursor the sensor returned, requests nothing: exactly once.
    again = _tick(instance, resources, cursor=result.cursor)
    assert not again.run_requests

    instance.add_dynamic_partitions(harvests.name, [key])
    assert defs.resolve_job_def("harvest_job").execute_in_process(partition_key=key, instance=instance).success
    with duckdb.connect(str(tmp / "cjd.duckdb"), read_only=True) as con:
        n = con.execute("SELECT count(*) FROM raw_postings WHERE harvest_id = ?", [key]).fetchall()[0][0]
    assert n == pl.scan_parquet(src).select(pl.len()).collect().item() == 111_999
    # Ingested files leave the landing zone, but stay in the lake so the partition can be re-run.
    assert not (tmp / "landing" / "postings.parquet").exists()
    assert (tmp / "lake" / "harvested" / "postings.parquet").exists()


def test_malformed_file_fails_its_own_run_and_is_moved_aside(setup):
    tmp, resources, instance, defs = setup
    (tmp / "landing" / "broken.jsonl").write_text('{"title": "数据分析师"\nnot json at all\n', encoding="utf-8")
    good = pl.DataFrame({"uid": ["a1"], "source_board": ["51job"], "title": ["Java开发工程师"],
                         "company": ["某科技有限公司"], "body": ["负责后端服务开发。"], "salary_text": ["1-1.5万/月"],
                         "location_text": ["上海-浦东新区"], "education_text": ["本科"], "experience_text": ["3-4年经验"],
                         "release_date_text": ["03-15发布"], "url": ["https://jobs.51job.com/shanghai/123456789.html"]})
    good.write_parquet(tmp / "landing" / "good.parquet")
    result = _tick(instance, resources)
    keys = sorted(r.partition_key for r in result.run_requests)
    assert keys == sorted([file_partition_key("broken.jsonl"), file_partition_key("good.parquet")])
    instance.add_dynamic_partitions(harvests.name, keys)
    job = defs.resolve_job_def("harvest_job")

    bad = job.execute_in_process(partition_key=file_partition_key("broken.jsonl"), instance=instance,
                                 raise_on_error=False)
    assert not bad.success
    failure = next(e for e in bad.all_events if e.is_step_failure)
    assert "broken.jsonl" in failure.event_specific_data.error.message
    assert (tmp / "landing" / "rejected" / "broken.jsonl").exists()
    assert (tmp / "landing" / "rejected" / "broken.jsonl.reason.txt").read_text(encoding="utf-8")

    # The other partition is untouched by the failure.
    ok = job.execute_in_process(partition_key=file_partition_key("good.parquet"), instance=instance)
    assert ok.success
    with duckdb.connect(str(tmp / "cjd.duckdb"), read_only=True) as con:
        rows = con.execute("SELECT harvest_id, title_extracted FROM raw_postings").fetchall()
    assert rows == [(file_partition_key("good.parquet"), "Java开发工程师")]
    # A later tick neither re-requests the rejected file nor the ingested one.
    assert not _tick(instance, resources, cursor=result.cursor).run_requests
