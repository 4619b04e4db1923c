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
    bad.write_text('{"title": \n{"body": \n', "utf-8")
    with pytest.raises(HarvestFileError, match="bad.jsonl: no readable rows; 2 malformed, the first: line 1: not JSON"):
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


# Export files as Chinese users hand them over (issue 19): real rows, written the way their tools write them.
EXPORT_COLUMNS = ["uid", "source_board", "title", "company", "body", "salary_text", "location_text",
                  "education_text", "experience_text", "release_date_text", "url"]


def _stored(path, harvest_id="h-x"):
    pages = read_harvest_file(path, harvest_id)
    return pages, *parse_pages(pages)


def test_suffixes_are_case_insensitive_and_ndjson_is_jsonl(real_postings, tmp_path):
    sample = real_postings.slice(500, 25).select(EXPORT_COLUMNS)
    sample.write_csv(tmp_path / "EXPORT.CSV")
    sample.write_parquet(tmp_path / "X.Parquet")
    sample.write_ndjson(tmp_path / "y.ndjson")
    for name in ("EXPORT.CSV", "X.Parquet", "y.ndjson"):
        _, postings, quarantine = _stored(tmp_path / name)
        assert postings["title_extracted"].to_list() == sample["title"].to_list(), name
        assert quarantine.height == 0


def test_list_and_struct_columns_are_kept_as_json_text(real_postings, tmp_path):
    sample = real_postings.slice(600, 30).select(EXPORT_COLUMNS).with_columns(
        pl.col("location_text").str.split("-"),  # ["上海", "浦东新区"]
        pl.struct(pl.col("salary_text").alias("text")).alias("salary_text"),
    )
    sample.write_parquet(tmp_path / "lists.parquet")
    sample.write_ndjson(tmp_path / "lists.jsonl")
    for name in ("lists.parquet", "lists.jsonl"):
        _, postings, quarantine = _stored(tmp_path / name)
        assert postings.height == 30 and quarantine.height == 0
        import json
        assert [json.loads(v) if v else None for v in postings["location_extracted"]] == [
            v or None for v in sample["location_text"].to_list()]
        assert json.loads(postings["salary_extracted"][0]) == sample["salary_text"][0]


def test_chinese_encodings_decode_right(real_postings, tmp_path):
    import jionlp as jio

    sample = real_postings.slice(700, 300).select("uid", "source_board", "title", "company",
                                                  pl.col("body").str.slice(0, 120), "url")
    # Big5 is traditional Chinese (Taiwan, Hong Kong): the same postings converted, kept where Big5 has every
    # character.
    trad = sample.with_columns(pl.col(c).map_elements(jio.sim2tra, return_dtype=pl.Utf8) for c in ("title", "company", "body"))

    def encodes(row, enc):
        try:
            return all((row[c] or "").encode(enc) is not None for c in ("title", "company", "body", "uid", "url"))
        except UnicodeEncodeError:
            return False

    big5 = trad.filter(pl.Series([encodes(r, "big5") for r in trad.iter_rows(named=True)]))
    gbk = sample.filter(pl.Series([encodes(r, "gbk") for r in sample.iter_rows(named=True)]))
    assert big5.height >= 40 and gbk.height >= 100
    cases = {"big5.csv": (big5, big5.write_csv().encode("big5")),
             "gbk.csv": (gbk, gbk.write_csv().encode("gbk")),
             "gb18030.csv": (sample, sample.write_csv().encode("gb18030")),
             "utf16.csv": (sample, sample.write_csv().encode("utf-16")),  # Excel's "Unicode text": BOM + UTF-16LE
             "utf8bom.csv": (sample, b"\xef\xbb\xbf" + sample.write_csv().encode("utf-8")),
             "gb18030.jsonl": (sample, sample.write_ndjson().encode("gb18030"))}
    for name, (rows, data) in cases.items():
        (tmp_path / name).write_bytes(data)
        _, postings, _ = _stored(tmp_path / name)
        assert postings["title_extracted"].to_list() == rows["title"].to_list(), name
        assert postings["company_name_extracted"].to_list() == [c or None for c in rows["company"]], name


def test_one_broken_jsonl_line_is_quarantined_alone(real_postings, tmp_path):
    sample = real_postings.slice(1000, 100).select(EXPORT_COLUMNS)
    lines = sample.write_ndjson().rstrip("\n").split("\n")
    lines[49] = lines[49][:40]  # line 50 cut off in the middle of a string
    lines[70] = "[1, 2]"  # JSON, but not a record
    (tmp_path / "broken.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    pages, postings, quarantine = _stored(tmp_path / "broken.jsonl")
    assert pages.height == 100
    assert postings.height == 98
    assert postings["title_extracted"].to_list() == [t for i, t in enumerate(sample["title"]) if i not in (49, 70)]
    assert quarantine["reason"].to_list() == ["malformed_record", "malformed_record"]
    assert quarantine["detail"][0].startswith("broken.jsonl line 50: not JSON")
    assert quarantine["detail"][1] == "broken.jsonl line 71: a JSON list, not an object"
    assert url_states(pages, quarantine) == {"parsed": 98, "quarantined": 2, "blocked": 0, "failed": 0}
    # The bad line is kept as it was, to be fixed by hand.
    bad = pages.filter(pl.col("page_id") == quarantine["page_id"][0])
    assert decompress(bad["content"][0], bad["content_codec"][0]).decode() == lines[49]


def test_csv_row_with_wrong_field_count_is_quarantined_alone(real_postings, tmp_path):
    sample = real_postings.slice(1200, 40).select(EXPORT_COLUMNS)
    # A row with two extra fields, on a line of its own (the first rows' bodies span several lines).
    header_and_rows = sample.head(5).write_csv() + "x,y," + sample.slice(5, 1).write_csv(include_header=False) + sample.slice(6).write_csv(include_header=False)
    (tmp_path / "ragged.csv").write_text(header_and_rows, encoding="utf-8")
    pages, postings, quarantine = _stored(tmp_path / "ragged.csv")
    assert postings.height == 39 and quarantine.height == 1
    assert postings["title_extracted"].to_list() == sample["title"].to_list()[:5] + sample["title"].to_list()[6:]
    assert "13 fields, the header has 11" in quarantine["detail"][0]


@pytest.mark.parametrize("kind", ["csv_in_quotes", "csv_mid_row", "jsonl", "parquet", "utf8_mid_char"])
def test_files_cut_short_are_rejected_not_half_read(real_postings, tmp_path, kind):
    sample = real_postings.slice(1300, 20).select(EXPORT_COLUMNS)
    text = sample.write_csv()
    if kind == "csv_in_quotes":  # cut 10 characters into a quoted body (one with line breaks) past row 10
        quoted = next(b for b in sample["body"][10:] if '"' + b in text)
        path, data = tmp_path / "cut.csv", text[: text.index('"' + quoted) + 11].encode()
    elif kind == "csv_mid_row":  # cut after the company of the last row, before its body
        last = sample.row(-1, named=True)
        at = text.rindex(last["uid"]) + len(last["uid"]) + 1
        path, data = tmp_path / "cut.csv", text[:at].encode()
    elif kind == "jsonl":
        js = sample.write_ndjson()
        path, data = tmp_path / "cut.jsonl", js[: len(js) // 2].encode()
    elif kind == "parquet":
        buf = io.BytesIO()
        sample.write_parquet(buf)
        path, data = tmp_path / "cut.parquet", buf.getvalue()[: len(buf.getvalue()) // 2]
    else:
        raw = text.encode()
        lead = max(i for i, b in enumerate(raw) if b >= 0xC0)  # the first byte of the last Chinese character
        path, data = tmp_path / "cut.csv", raw[: lead + 1]
    path.write_bytes(data)
    with pytest.raises(HarvestFileError, match="incomplete"):
        read_harvest_file(path, "h")
