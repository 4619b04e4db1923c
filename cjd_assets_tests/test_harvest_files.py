"""Harvest files -> raw_pages -> raw_postings, on the real export and the real saved pages."""

from __future__ import annotations

import io
from datetime import datetime, timezone

import polars as pl
import pytest

from cjd_assets.harvest import RAW_PAGES_SCHEMA, HarvestFileError, parse_pages, read_harvest_file, url_states
from cjd_assets.harvest.raw import decompress
from cjd_assets.schema import EXTRACTED_COLUMNS


@pytest.fixture(scope="module")
def parquet_pages(shared):
    return read_harvest_file(shared / "data" / "real_postings" / "postings.parquet", "h-parquet")


def test_postings_parquet_loads_one_record_per_row(parquet_pages, real_postings):
    pages = parquet_pages
    assert dict(pages.schema) == RAW_PAGES_SCHEMA
    assert pages.height == real_postings.height == 111999
    assert pages["page_id"].n_unique() == pages.height
    assert set(pages["page_kind"]) == {"record"}
    assert pages.group_by("board").len().sort("board").rows() == [
        ("51job", 37889), ("boss", 11631), ("lagou", 9758), ("liepin", 6475), ("unknown", 2101), ("zhaopin", 44145)
    ]
    postings, quarantine = parse_pages(pages)
    assert postings.height == real_postings.height and quarantine.height == 0
    assert postings["id"].n_unique() == postings.height
    assert url_states(pages, quarantine) == {"parsed": 111999, "quarantined": 0, "blocked": 0, "failed": 0}
    # Field-by-field: the record of the first export row comes back unchanged.
    first = real_postings.row(0, named=True)
    row = postings.filter(pl.col("page_id") == pages["page_id"][0]).row(0, named=True)
    assert row["title_extracted"] == first["title"] == "C++服务器-战斗开发"
    assert row["company_name_extracted"] == first["company"]
    assert row["body_extracted"] == first["body"]
    assert row["source"] == "liepin"
    # Empty strings in the export mean "not available": they become nulls, not "".
    n_empty_edu = real_postings.filter(pl.col("education_text") == "").height
    assert n_empty_edu == 1390
    assert postings.filter(pl.col("desired_education_extracted") == "").height == 0


def test_page_ids_differ_across_harvests_and_repeat_within(shared, real_postings, tmp_path):
    part = tmp_path / "part.parquet"
    real_postings.head(50).write_parquet(part)
    a = read_harvest_file(part, "h-a")
    assert a["page_id"].to_list() == read_harvest_file(part, "h-a")["page_id"].to_list()
    assert not set(a["page_id"]) & set(read_harvest_file(part, "h-b")["page_id"])


def test_jsonl_and_csv_with_a_column_mapping(real_postings, tmp_path):
    sample = real_postings.head(40).select(
        pl.col("uid").alias("job_key"), pl.col("title").alias("position"), pl.col("body").alias("description"),
        pl.col("company").alias("employer"), pl.col("url").alias("link"), pl.col("salary_text").alias("pay"),
    )
    mapping = {"job_key": "record_key", "position": "title_extracted", "description": "body_extracted",
               "employer": "company_name_extracted", "link": "url_extracted", "pay": "salary_extracted"}
    sample.write_ndjson(tmp_path / "x.jsonl")
    sample.write_csv(tmp_path / "x.csv")
    for name in ("x.jsonl", "x.csv"):
        pages = read_harvest_file(tmp_path / name, "h-map", mapping)
        postings, quarantine = parse_pages(pages)
        assert postings.height == 40 and quarantine.height == 0
        assert postings["title_extracted"].to_list() == real_postings.head(40)["title"].to_list()
        assert postings["source"][0] == "liepin"  # from the URL, the file has no board column
        assert postings["salary_extracted"].to_list() == [s or None for s in real_postings.head(40)["salary_text"]]


def test_gbk_csv_and_json_array_exports(real_postings, tmp_path):
    sample = real_postings.filter(pl.col("source_board") == "51job").head(20).select("uid", "source_board", "title", "company", "body", "url")
    (tmp_path / "gbk.csv").write_bytes(sample.write_csv().encode("gb18030"))
    sample.write_json(tmp_path / "x.json")
    for name in ("gbk.csv", "x.json"):
        postings, _ = parse_pages(read_harvest_file(tmp_path / name, "h-enc"))
        assert postings["title_extracted"].to_list() == sample["title"].to_list()
        assert postings["company_name_extracted"].to_list() == [c or None for c in sample["company"]]
        assert postings["body_extracted"].to_list() == [b.strip() or None for b in sample["body"]]
        assert set(postings["source"]) == {"51job"}


def test_page_filed_as_listing_that_is_a_posting(html_samples):
    from cjd_assets.harvest import raw_pages_frame
    from cjd_assets.harvest.raw import CODEC, compress

    page = (html_samples / "51job/wzl1368611_51job_flask__detail_122802043.html").read_bytes()
    pages = raw_pages_frame([{"page_id": "p1", "harvest_id": "h", "url": "https://jobs.51job.com/all/co1.html", "board": "51job",
                              "page_kind": "listing", "content": compress(page), "content_codec": CODEC,
                              "crawl_state": "fetched", "fetch_time": datetime(2020, 6, 29, tzinfo=timezone.utc)}])
    postings, quarantine = parse_pages(pages)
    assert postings["title_extracted"].to_list() == ["Python软件研发经理"] and quarantine.height == 0


def test_malformed_files_raise_clear_errors(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"title": "a", "body": "b"}\n{"title": \n', "utf-8")
    with pytest.raises(HarvestFileError, match="bad.jsonl"):
        read_harvest_file(bad, "h")
    (tmp_path / "empty.csv").write_bytes(b"")
    with pytest.raises(HarvestFileError, match="empty file"):
        read_harvest_file(tmp_path / "empty.csv", "h")
    (tmp_path / "cols.csv").write_text("a,b\n1,2\n", "utf-8")
    with pytest.raises(HarvestFileError, match="none of the mapped title/body columns"):
        read_harvest_file(tmp_path / "cols.csv", "h")
    (tmp_path / "notparquet.parquet").write_text("hello", "utf-8")
    with pytest.raises(HarvestFileError, match="not a readable"):
        read_harvest_file(tmp_path / "notparquet.parquet", "h")
    (tmp_path / "x.xlsx").write_text("hello", "utf-8")
    with pytest.raises(HarvestFileError, match="unsupported"):
        read_harvest_file(tmp_path / "x.xlsx", "h")
    (tmp_path / "junk.warc").write_bytes(b"this is not a warc file\r\n\r\n")
    with pytest.raises(HarvestFileError, match="WARC"):
        read_harvest_file(tmp_path / "junk.warc", "h")
    with pytest.raises(HarvestFileError, match="no such file"):
        read_harvest_file(tmp_path / "missing.parquet", "h")


def test_saved_html_folder(html_samples):
    pages = read_harvest_file(html_samples, "h-html")
    assert pages.height == 17  # every .html file in the folder
    # The four GBK 51job pages (two detail, two search pages); UTF-8 for all the rest.
    assert pages.filter(pl.col("encoding") == "gb18030").height == 4
    assert set(pages["encoding"]) == {"gb18030", "utf-8"}
    blocked = pages.filter(pl.col("crawl_state") == "blocked")
    assert blocked["state_reason"].to_list() == ["challenge_page"]
    postings, quarantine = parse_pages(pages)
    assert quarantine.height == 0
    # 8 detail pages (incl. the BOSS search page's detail pane) parse; listings count as parsed.
    assert postings.height == 8
    assert sorted(postings["source"].to_list()) == ["51job", "51job", "boss", "boss", "boss", "boss", "liepin", "liepin"]
    assert url_states(pages, quarantine) == {"parsed": 16, "quarantined": 0, "blocked": 1, "failed": 0}
    with_listings, _ = parse_pages(pages, listing_postings=True)
    # + 50+50+50+30 (51job) + 40 (liepin list) + 15 (lagou) + 60 (zhaopin); the BOSS search page
    # is read as its detail pane, and the Liepin company page only links postings.
    assert with_listings.height == 8 + 295
    assert with_listings["id"].n_unique() == with_listings.height


def test_warc_file(html_samples, tmp_path):
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    page = (html_samples / "51job/wzl1368611_51job_flask__detail_121597465.html").read_bytes()
    path = tmp_path / "crawl.warc.gz"
    with path.open("wb") as fh:
        w = WARCWriter(fh, gzip=True)
        for url, status, body, ctype in [
            ("https://jobs.51job.com/nanjing/121597465.html", "200 OK", page, "text/html; charset=gbk"),
            ("https://jobs.51job.com/nanjing/999.html", "404 Not Found", b"<html><title>404</title></html>", "text/html"),
        ]:
            headers = StatusAndHeaders(status, [("Content-Type", ctype)], protocol="HTTP/1.1")
            w.write_record(w.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=headers))
    pages = read_harvest_file(path, "h-warc")
    assert pages.height == 2
    assert pages["http_status"].to_list() == [200, 404]
    assert pages["encoding"][0] == "gb18030"
    assert decompress(pages["content"][0], pages["content_codec"][0]) == page
    postings, quarantine = parse_pages(pages)
    assert postings["title_extracted"].to_list() == ["Python开发工程师（南京）"]
    assert quarantine["reason"].to_list() == ["not_found"]


def test_raw_postings_rebuild_from_raw_pages_alone(html_samples):
    """A parser fix needs no new crawl: parse_pages reads only the stored columns."""
    pages = read_harvest_file(html_samples / "zhipin", "h-rebuild")
    again = pl.DataFrame(pages.to_dicts(), schema=RAW_PAGES_SCHEMA)  # e.g. read back from DuckDB
    a, _ = parse_pages(pages)
    b, _ = parse_pages(again)
    assert a.equals(b) and a.height == 4
    assert set(a.columns) >= set(EXTRACTED_COLUMNS) | {"id", "page_id", "harvest_id", "retrieve_date", "pipeline_version"}
    assert a["retrieve_date"].dtype == pl.Datetime("us", "UTC")
