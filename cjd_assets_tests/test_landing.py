"""The landing zone's library: partition keys from content, files kept in the lake under their digest."""

import dagster as dg
import polars as pl
import pytest

from cjd_assets.harvest import landing as ld

EXPORT_COLUMNS = ["uid", "source_board", "title", "company", "body", "url"]


def test_keys_are_unique_per_content_and_readable():
    d1, d2 = "83c9f70e7f1c" + "0" * 28, "a42bd09d38a3" + "1" * 28
    k1, k2 = ld.file_partition_key("猎聘.csv", d1), ld.file_partition_key("智联.csv", d2)
    assert k1 == "file-猎聘.csv-83c9f70e7f1c" and k2 == "file-智联.csv-a42bd09d38a3"
    assert ld.file_partition_key("a b.csv", d1) != ld.file_partition_key("a_b.csv", d2)
    # Unsafe characters and Dagster's forbidden '...' are slugged away; the digest suffix parses back.
    odd = ld.file_partition_key("../数据 导出 [2026]...csv", d1)
    assert odd == "file-数据_导出_2026_.csv-83c9f70e7f1c"
    assert ld.key_digest(odd) == d1[:12] and ld.key_digest("crawl-20260101T000000") is None
    with dg.instance_for_test() as instance:  # Dagster accepts them as partition keys
        instance.add_dynamic_partitions("harvests", [k1, k2, odd])
        assert set(instance.get_dynamic_partitions("harvests")) == {k1, k2, odd}


@pytest.fixture()
def two_days(real_postings):
    return real_postings.slice(0, 50).select(EXPORT_COLUMNS), real_postings.slice(50, 60).select(EXPORT_COLUMNS)


def test_claim_keeps_every_version_under_its_digest(tmp_path, two_days):
    day1, day2 = two_days
    landing, lake = tmp_path / "landing", tmp_path / "lake"
    landing.mkdir()
    day1.write_csv(landing / "daily.csv")
    first = ld.claim(landing / "daily.csv", lake)
    day2.write_csv(landing / "daily.csv")
    second = ld.claim(landing / "daily.csv", lake)
    assert first.key != second.key and first.path != second.path
    assert not (landing / "daily.csv").exists()
    assert pl.read_csv(first.path)["uid"].to_list() == day1["uid"].to_list()  # day 1 is still there
    assert pl.read_csv(second.path)["uid"].to_list() == day2["uid"].to_list()
    # The same bytes again, under another name: nothing new is kept, the landing copy is not lost.
    day1.write_csv(landing / "daily (1).csv")
    again = ld.claim(landing / "daily (1).csv", lake)
    assert again.duplicate and again.digest == first.digest and again.path == first.path
    assert sorted(ld.claimed_digests(lake)) == sorted([first.digest, second.digest])
    # A copy for `cjd ingest` leaves the source where it is.
    day2.write_csv(tmp_path / "mine.csv")
    copied = ld.claim(tmp_path / "mine.csv", lake, keep_source=True)
    assert (tmp_path / "mine.csv").exists() and copied.digest == second.digest and copied.duplicate


def test_find_reject_and_reclaim(tmp_path, two_days):
    day1, _ = two_days
    landing, lake = tmp_path / "landing", tmp_path / "lake"
    landing.mkdir()
    day1.write_csv(landing / "猎聘.csv")
    key = ld.landed_partition_key(landing / "猎聘.csv")
    # A key added by hand for a file still in the landing zone: found and claimed into the lake.
    kept = ld.find_harvest_file(lake, landing, key)
    assert kept.parent.parent == lake / ld.HARVESTED_DIR and not (landing / "猎聘.csv").exists()
    assert ld.find_harvest_file(lake, landing, key) == kept
    moved = ld.reject(kept, landing, "reader said no")
    assert moved.read_bytes() == day1.write_csv().encode()
    assert moved.with_name("猎聘.csv.reason.txt").read_text(encoding="utf-8") == "reader said no\n"
    assert ld.claimed_digests(lake) == []
    # A re-run after a reader fix finds the rejected file and keeps it in the lake again.
    assert ld.find_harvest_file(lake, landing, key).read_bytes() == day1.write_csv().encode()
    assert not moved.exists() and not moved.with_name("猎聘.csv.reason.txt").exists()
    assert ld.find_harvest_file(lake, landing, "file-nothing-000000000000") is None


def test_partial_and_hidden_entries_are_not_harvests(tmp_path):
    for name in ("x.csv.part", ".x.csv.swp", "~$x.xlsx", "x.csv.crdownload", "rejected"):
        assert not ld.is_landed_entry(tmp_path / name)
    for name in ("EXPORT.CSV", "猎聘.csv", "notes.txt", "pages"):
        assert ld.is_landed_entry(tmp_path / name)


def test_folder_of_saved_pages_is_kept_whole(html_samples, tmp_path):
    from cjd_assets.harvest import read_harvest_file

    kept = ld.claim(html_samples, tmp_path / "lake", keep_source=True)
    assert kept.path.is_dir() and kept.path.name == html_samples.name
    assert ld.harvest_digest(kept.path) == kept.digest  # the same files, the same digest
    assert read_harvest_file(kept.path, "h").height == read_harvest_file(html_samples, "h").height == 17
