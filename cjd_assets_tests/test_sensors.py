"""The landing-zone sensor: each dropped harvest file becomes one partition and one run, keyed by its
content, once it has stopped changing; failed harvests are retried, unreadable files moved aside.

The daemon is played by `Daemon.tick`: it evaluates the sensor with the cursor it returned last, adds the
partitions it asks for and executes each requested run once per run key, as `dagster dev` would.
"""

import hashlib
import json

import dagster as dg
import duckdb
import polars as pl
import pytest

from cjd_assets import sensors
from cjd_assets import warehouse as wh
from cjd_assets.definitions import build_definitions
from cjd_assets.harvest import landing as ld
from cjd_assets.partitions import harvests
from cjd_assets.resources import ClassifierSettings, CrawlerSettings, Lake, ReportSettings, Warehouse
from cjd_assets.sensors import harvest_file_sensor

EXPORT_COLUMNS = ["uid", "source_board", "title", "company", "body", "salary_text", "location_text",
                  "education_text", "experience_text", "release_date_text", "url"]


class Daemon:
    def __init__(self, tmp, instance):
        self.tmp, self.instance = tmp, instance
        self.landing, self.lake = tmp / "landing", tmp / "lake"
        self.landing.mkdir()
        self.resources = {
            "warehouse": Warehouse(database=str(tmp / "cjd.duckdb")),
            "lake": Lake(directory=str(self.lake), landing_directory=str(self.landing)),
            "crawler": CrawlerSettings(),
            "classifier_settings": ClassifierSettings(),
            "report_settings": ReportSettings(),
        }
        self.job = build_definitions(self.resources).resolve_job_def("harvest_job")
        self.cursor, self.run_keys, self.results = None, set(), []

    def tick(self, n: int = 1) -> list[dg.RunRequest]:
        requested = []
        for _ in range(n):
            ctx = dg.build_sensor_context(instance=self.instance, cursor=self.cursor, resources={"lake": self.resources["lake"]})
            result = harvest_file_sensor(ctx)
            self.cursor = result.cursor
            for add in result.dynamic_partitions_requests or []:
                self.instance.add_dynamic_partitions(harvests.name, list(add.partition_keys))
            for r in result.run_requests or []:
                if r.run_key in self.run_keys:
                    continue
                self.run_keys.add(r.run_key)
                requested.append(r)
                self.results.append(self.job.execute_in_process(partition_key=r.partition_key, instance=self.instance,
                                                                tags=dict(r.tags), raise_on_error=False))
        return requested

    def rows(self, sql: str = "SELECT count(*) FROM raw_postings"):
        with duckdb.connect(str(self.tmp / "cjd.duckdb"), read_only=True) as con:
            return con.execute(sql).fetchall()

    def count(self) -> int:
        return self.rows()[0][0]

    def partitions(self) -> list[str]:
        return self.instance.get_dynamic_partitions(harvests.name)


@pytest.fixture()
def daemon(tmp_path):
    with dg.instance_for_test() as instance:
        yield Daemon(tmp_path, instance)


@pytest.fixture(scope="module")
def export(real_postings):
    """Real postings in the export format, handed out in consecutive slices."""
    rows = real_postings.select(EXPORT_COLUMNS)
    offset = [0]

    def take(n: int) -> pl.DataFrame:
        offset[0] += n
        return rows.slice(offset[0] - n, n)

    return take


def test_real_postings_file_becomes_one_partition_with_every_row(daemon, shared):
    src = shared / "data" / "real_postings" / "postings.parquet"
    (daemon.landing / "postings.parquet").write_bytes(src.read_bytes())
    (daemon.landing / "upload.parquet.part").write_bytes(b"partial upload, not yet complete")
    assert daemon.tick() == []  # first seen: wait one tick to know nobody is still writing it
    [request] = daemon.tick()
    key = ld.file_partition_key("postings.parquet", ld.harvest_digest(src))
    assert request.partition_key == key and daemon.partitions() == [key]
    assert daemon.results[-1].success
    assert daemon.rows("SELECT harvest_id, count(*) FROM raw_postings GROUP BY 1") == [(key, 111_999)]
    assert pl.scan_parquet(src).select(pl.len()).collect().item() == 111_999
    # Claimed files leave the landing zone and are kept in the lake under their digest.
    assert sorted(p.name for p in daemon.landing.iterdir()) == ["upload.parquet.part"]
    assert (daemon.lake / "harvested" / ld.harvest_digest(src) / "postings.parquet").exists()
    assert daemon.tick(2) == []  # exactly once


def test_chinese_and_lookalike_names_are_separate_harvests(daemon, export):
    files = {"猎聘.csv": export(150), "智联.csv": export(120), "a_b.csv": export(30), "a b.csv": export(40)}
    for name, df in files.items():
        df.write_csv(daemon.landing / name)
    daemon.tick(2)
    assert len(daemon.partitions()) == 4 and all(r.success for r in daemon.results)
    assert daemon.count() == sum(df.height for df in files.values()) == 340
    # Each file's rows are in its own partition, named after the file and its content.
    expected = {ld.file_partition_key(name, hashlib.sha1(df.write_csv().encode()).hexdigest()): df.height
                for name, df in files.items()}
    assert dict(daemon.rows("SELECT harvest_id, count(*) FROM raw_postings GROUP BY 1")) == expected
    assert sorted(k.rsplit("-", 1)[0] for k in expected) == ["file-a_b.csv", "file-a_b.csv", "file-智联.csv", "file-猎聘.csv"]


def test_redropped_file_is_a_new_harvest_identical_one_a_noop(daemon, export):
    day1, day2 = export(50), export(60)
    day1.write_csv(daemon.landing / "daily.csv")
    daemon.tick(2)
    day2.write_csv(daemon.landing / "daily.csv")  # the next day's export, same name
    daemon.tick(2)
    assert daemon.count() == 110 and len(daemon.partitions()) == 2
    # The same bytes as day 1 again, under another name: no partition, no run, nothing left behind.
    day1.write_csv(daemon.landing / "daily-copy.csv")
    assert daemon.tick(3) == [] and len(daemon.partitions()) == 2
    assert list(daemon.landing.iterdir()) == []
    # A backfill of every partition (a parser change) finds each day's own file.
    for key in daemon.partitions():
        assert daemon.job.execute_in_process(partition_key=key, instance=daemon.instance).success
    assert sorted(n for _, n in daemon.rows("SELECT harvest_id, count(*) FROM raw_postings GROUP BY 1")) == [50, 60]
    assert sorted(p.read_bytes() for p in (daemon.lake / "harvested").rglob("daily*.csv")) == sorted(
        [day1.write_csv().encode(), day2.write_csv().encode()])


def test_unreadable_file_is_moved_aside_and_picked_up_when_fixed(daemon, export):
    good = export(40)
    good.rename({"title": "职位", "body": "描述"}).write_csv(daemon.landing / "export.csv")  # no title or body column
    export(1).write_parquet(daemon.landing / "other.parquet")
    daemon.tick(2)
    failed = [r for r in daemon.results if not r.success]
    assert len(failed) == 1
    message = next(e for e in failed[0].all_events if e.is_step_failure).event_specific_data.error.message
    assert "export.csv" in message and "none of the mapped title/body columns" in message
    [reason] = (daemon.landing / "rejected").rglob("export.csv.reason.txt")
    assert "none of the mapped title/body columns" in reason.read_text(encoding="utf-8")
    assert daemon.count() == 1  # the other file is untouched by the failure
    assert daemon.tick(2) == []  # a content error is not retried
    good.write_csv(daemon.landing / "export.csv")  # fixed and dropped again
    daemon.tick(2)
    assert daemon.results[-1].success and daemon.count() == 41


def test_file_still_being_copied_is_not_ingested_half(daemon, export):
    df = export(20)
    data = df.write_csv().encode()
    cut = data.index(df["uid"][10].encode())  # rows 1-10 written, the copy goes on a while later
    with (daemon.landing / "half.csv").open("wb") as fh:
        fh.write(data[:cut])
        fh.flush()
        assert daemon.tick() == []
        fh.write(data[cut:])
    assert daemon.tick() == []  # it changed since the last tick: still being written
    daemon.tick(2)
    assert len(daemon.partitions()) == 1 and daemon.count() == 20


def test_stalled_copy_cut_inside_a_quoted_body_is_rejected_then_ingested_whole(daemon, export):
    df = export(20)
    text = df.write_csv()
    quoted = next(b for b in df["body"][10:] if '"' + b in text)  # a body with line breaks, so quoted
    at = text.index('"' + quoted) + 11  # cut 10 characters into it
    (daemon.landing / "cut.csv").write_text(text[:at], encoding="utf-8")
    daemon.tick(2)  # stable for a tick, so claimed: the reader sees it is incomplete
    assert not daemon.results[-1].success
    [reason] = (daemon.landing / "rejected").rglob("cut.csv.reason.txt")
    assert "incomplete" in reason.read_text(encoding="utf-8")
    assert not any(r.success for r in daemon.results)  # nothing half-read was stored
    (daemon.landing / "cut.csv").write_text(text, encoding="utf-8")  # the complete file, dropped again
    daemon.tick(2)
    assert daemon.rows("SELECT count(*), min(length(body_extracted)) > 10 FROM raw_postings") == [(20, True)]


def test_upper_case_suffixes_and_ndjson_are_harvested(daemon, export):
    export(25).write_csv(daemon.landing / "EXPORT.CSV")
    export(25).write_parquet(daemon.landing / "X.Parquet")
    export(25).write_ndjson(daemon.landing / "y.ndjson")
    daemon.tick(2)
    assert daemon.count() == 75


def test_list_column_and_broken_jsonl_line_do_not_stop_a_file(daemon, export):
    export(30).with_columns(pl.col("location_text").str.split("-")).write_parquet(daemon.landing / "lists.parquet")
    lines = export(100).write_ndjson().rstrip("\n").split("\n")
    lines[49] = lines[49][:40]
    (daemon.landing / "broken.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    daemon.tick(2)
    assert all(r.success for r in daemon.results) and list(daemon.landing.iterdir()) == []
    assert daemon.count() == 30 + 99
    assert daemon.rows("SELECT reason, detail FROM quarantined_pages")[0][1].startswith("broken.jsonl line 50: not JSON")


def test_harvest_that_fails_after_the_file_was_claimed_is_retried(daemon, export, monkeypatch):
    export(45).write_csv(daemon.landing / "locked.csv")
    real = wh.replace_partition

    def locked(*args, **kwargs):
        raise duckdb.IOException('IO Error: Could not set lock on file "cjd.duckdb": Conflicting lock is held')

    monkeypatch.setattr(wh, "replace_partition", locked)
    daemon.tick(2)
    assert not daemon.results[-1].success
    monkeypatch.setattr(wh, "replace_partition", real)  # the lock is released
    assert daemon.tick() == []  # retries are spaced: not on the very next tick
    monkeypatch.setattr(sensors, "RETRY_BACKOFF_S", 0.0)
    [retry] = daemon.tick()
    assert retry.tags["cjd/retry"] == "1" and daemon.results[-1].success
    assert daemon.count() == 45
    assert daemon.tick(2) == []


def test_claimed_file_whose_tick_was_lost_is_still_harvested(daemon, export):
    export(12).write_csv(daemon.landing / "orphan.csv")
    ld.claim(daemon.landing / "orphan.csv", daemon.lake)  # moved, then the daemon died before registering it
    daemon.tick()
    assert len(daemon.partitions()) == 1 and daemon.count() == 12


def test_cursor_holds_only_what_is_in_the_landing_zone(daemon, export):
    for day in range(12):
        export(3).write_csv(daemon.landing / f"day{day:02d}.csv")
        daemon.tick(2)
    assert daemon.count() == 36 and len(daemon.partitions()) == 12
    assert json.loads(daemon.cursor) == {"landing": {}}
    export(3).write_csv(daemon.landing / "pending.csv")
    daemon.tick()
    assert list(json.loads(daemon.cursor)["landing"]) == ["pending.csv"]
