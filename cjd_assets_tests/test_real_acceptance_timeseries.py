"""Demand over time and the export on the shared real postings, ingested the README's way."""

from __future__ import annotations

import duckdb
import polars as pl
import pytest

from cjd_assets.export import export_frame, export_postings

pytestmark = pytest.mark.shared


@pytest.fixture(scope="module")
def con(real_warehouse):
    with duckdb.connect(str(real_warehouse), read_only=True) as con:
        yield con


def test_monthly_series_holds_every_unique_posting_once_and_every_month(con, real_postings):
    primaries = con.sql("SELECT count(*) FROM deduplicated_postings WHERE is_primary").fetchall()[0][0]
    share = con.sql("SELECT * FROM summary_ai_share_by_month").pl()
    overall = share.filter(pl.col("breakdown") == "all").sort("month")
    # Every unique posting is counted once: in its month, or as month unknown (no release, no retrieval date).
    assert con.sql("SELECT sum(postings) FROM summary_postings_by_month").fetchall()[0][0] == primaries
    undated = con.sql("SELECT coalesce(sum(postings), 0) FROM summary_postings_by_month WHERE month IS NULL").fetchall()[0][0]
    # Independently of the normalizer: an export row whose extra carries no crawl time and whose release text
    # is empty can have no month at all.
    no_time = real_postings.filter(
        pl.col("release_date_text").fill_null("").str.strip_chars().eq("")
        & ~pl.col("extra").fill_null("").str.contains(r'"(?:crawl_time|record_create_time|created_unix)"')).height
    assert undated >= no_time * 0.9
    assert overall["postings"].sum() == primaries - undated > 0
    for breakdown in ("board", "region"):
        assert share.filter(pl.col("breakdown") == breakdown)["postings"].sum() == primaries - undated
    months = overall["month"].to_list()
    assert all((b.year - a.year) * 12 + b.month - a.month == 1 for a, b in zip(months, months[1:]))
    # The raw export's release dates span 2017-2024 and its crawls reach 2026: the series must too, not
    # collapse into the month of the ingest.
    assert months[0].year <= 2018 and months[-1].year >= 2025
    readable = overall.filter(~pl.col("sparse"))
    assert (readable["ci_low"] <= readable["ai_share"]).all() and (readable["ai_share"] <= readable["ci_high"]).all()
    assert overall.filter(pl.col("sparse"))["postings"].max() < 30


def test_window_comparison_and_report_section_on_real_postings(con, real_warehouse):
    cmp = con.sql("SELECT * FROM summary_window_comparison").pl()
    assert cmp.height and set(cmp["category"]) == {"TT1", "TT2", "PRODUCT", "COMMERCIAL", "NOT_AI"}
    counts = cmp.filter(pl.col("metric") == "postings")
    assert counts["value_a"].sum() == counts["n_a"][0] and counts["value_b"].sum() == counts["n_b"][0]
    report = (real_warehouse.parent / "lake" / "report" / "report.html").read_text(encoding="utf-8")
    assert "Change over time" in report and "board mix" in report


def test_export_of_real_postings_reads_back_equal_to_the_warehouse(con, tmp_path):
    paths = export_postings(con, tmp_path, formats=("parquet",))
    back = pl.read_parquet(paths["parquet"])
    assert back.height == con.sql("SELECT count(*) FROM deduplicated_postings WHERE is_primary").fetchall()[0][0]
    assert back.equals(export_frame(con))
    book = pl.read_csv(paths["codebook_csv"])
    assert book["column"].to_list() == back.columns
    assert book.filter(pl.col("meaning").is_null() | (pl.col("meaning") == "")).height == 0, \
        book.filter(pl.col("meaning").is_null() | (pl.col("meaning") == ""))["column"].to_list()
