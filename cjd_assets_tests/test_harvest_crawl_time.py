"""An export row's retrieve_date is the time its crawler saw it (the export's crawl-time field), never the
file's timestamp: relative release dates (今日更新, 03-08发布) resolve against it."""

from __future__ import annotations

import datetime as dt
import json
import os

import polars as pl
import pytest

from cjd_assets.harvest import parse_pages, read_harvest_file
from cjd_assets.harvest.export_format import crawl_times
from cjd_assets.normalize import normalize_postings


def _export(tmp_path, rows: list[dict]):
    path = tmp_path / "export.parquet"
    pl.DataFrame(rows).write_parquet(path)
    os.utime(path, (dt.datetime(2030, 1, 1).timestamp(),) * 2)  # a file date no crawl had
    return path


def test_crawl_time_from_extra_or_column_else_unknown(tmp_path):
    rows = [
        {"uid": "a", "title": "数据分析师", "release_date_text": "今日更新",
         "extra": json.dumps({"crawl_time": "2026-05-15 19:24:39.560607"})},
        {"uid": "b", "title": "产品经理", "release_date_text": "03-08发布",
         "extra": json.dumps({"record_create_time": "2023/3/28"})},
        {"uid": "c", "title": "会计", "release_date_text": "03-08发布", "extra": json.dumps({"industry": "金融"})},
        {"uid": "d", "title": "出纳", "release_date_text": "90天前更新", "extra": "not json"},
    ]
    postings, _ = parse_pages(read_harvest_file(_export(tmp_path, rows), "h"))
    got = dict(zip(postings["title_extracted"], postings["retrieve_date"]))
    utc = dt.timezone.utc
    # the crawler's China-local wall clock as a UTC instant; a date alone as local noon
    assert got["数据分析师"] == dt.datetime(2026, 5, 15, 11, 24, 39, 560607, tzinfo=utc)
    assert got["产品经理"] == dt.datetime(2023, 3, 28, 4, tzinfo=utc)
    # no crawl time in the export: unknown, not the file's 2030 timestamp
    assert got["会计"] is None and got["出纳"] is None

    norm = normalize_postings(postings).select("title_extracted", "release_date_exact_date_norm",
                                               "release_date_parse_status_norm")
    res = {t: (d, s) for t, d, s in norm.iter_rows()}
    assert res["数据分析师"] == (dt.date(2026, 5, 15), "parsed")
    assert res["产品经理"] == (dt.date(2023, 3, 8), "parsed")  # not 2026-03-08
    assert res["会计"] == (None, "unresolved")
    assert res["出纳"] == (None, "unresolved")


def test_crawl_time_shapes():
    df = pl.DataFrame({
        "crawl_time": ["2021-01-02 03:04:05", None, None, "1516000000", "yesterday", "2021-01-02T03:04:05Z"],
        "extra": [None, '{"crawled_at": "2024-06-15T01:17:14"}', '{"crawl_date": "2025-01-20"}', None, None, None],
    })
    utc = dt.timezone.utc
    assert crawl_times(df).to_list() == [
        dt.datetime(2021, 1, 1, 19, 4, 5, tzinfo=utc),  # 03:04 in Beijing
        dt.datetime(2024, 6, 14, 17, 17, 14, tzinfo=utc),
        dt.datetime(2025, 1, 20, 4, tzinfo=utc),  # noon in Beijing: the date stays 20 January
        dt.datetime(2018, 1, 15, 7, 6, 40, tzinfo=utc),  # unix seconds
        None,
        dt.datetime(2021, 1, 2, 3, 4, 5, tzinfo=utc),  # marked UTC
    ]
    aware = pl.DataFrame({"retrieve_date": [dt.datetime(2021, 1, 1, 20, tzinfo=utc)]})
    assert crawl_times(aware).to_list() == [dt.datetime(2021, 1, 1, 20, tzinfo=utc)]


@pytest.mark.shared
def test_real_export_crawl_times(real_postings):
    # the two sources of the real postings that record when they were crawled (PROVENANCE.md)
    t = real_postings.with_columns(crawl_times(real_postings).alias("t"))
    have = t.filter(pl.col("t").is_not_null()).group_by("source_repo").agg(pl.len(), pl.col("t").min().alias("first"), pl.col("t").max().alias("last"))
    rows = {r[0]: r[1:] for r in have.rows()}
    assert set(rows) == {"lastlast667/liepin-analysis-visualization", "captian-latiao/boss_spider"}
    assert rows["lastlast667/liepin-analysis-visualization"][0] == 488
    assert rows["lastlast667/liepin-analysis-visualization"][1].date() >= dt.date(2026, 5, 15)
    assert rows["captian-latiao/boss_spider"][0] == 1712
    assert rows["captian-latiao/boss_spider"][2].date() <= dt.date(2025, 1, 23)
