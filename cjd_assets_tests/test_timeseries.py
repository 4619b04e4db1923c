"""Demand over time and the economists' export, on a five-posting warehouse worked out by hand.

Two harvests a month apart: h1 (retrieved January 2023) and h2 (retrieved March 2023).
  a1 TT1      51job   released 2023-01-15  Shanghai (Yangtze River Delta)  h1, and two more versions in h2
  a2 NOT_AI   51job   released 2023-01-20  Guangzhou (Pearl River Delta)   h1
  a3 TT2      liepin  no release date      Beijing (Beijing-Tianjin-Hebei) h2, retrieved 2023-03-02
  a4 NOT_AI   liepin  released 2023-03-05  Chengdu (rest of China)         h2
  a5 PRODUCT  51job   released 2023-03-10  no location                     h2
"""

from __future__ import annotations

import json
import math
from datetime import date, datetime, timezone

import duckdb
import pandas as pd
import polars as pl
import pytest

from cjd_assets import warehouse as wh
from cjd_assets.analysis import prepare_analysis_view
from cjd_assets.export import export_frame, export_postings, stata_names
from cjd_assets.analysis import timeseries as TS
from cjd_assets.report.document import change_over_time_text
from cjd_assets.report.figures import figure_demand_over_time

UTC = timezone.utc
# id, source, posting_key, harvest, retrieved, primary, category, release, province, prefecture, edu, exp, pay min
VERSIONS = [
    ("a1", "51job", "k1", "h1", datetime(2023, 1, 16, tzinfo=UTC), True, "TT1", date(2023, 1, 15), "上海市", "上海市", "bachelor", "junior", 120000.0),
    ("a1b", "51job", "k1", "h2", datetime(2023, 3, 1, tzinfo=UTC), False, None, None, None, None, None, None, None),
    ("a1c", "51job", "k1", "h2", datetime(2023, 3, 3, tzinfo=UTC), False, None, None, None, None, None, None, None),
    ("a2", "51job", "k2", "h1", datetime(2023, 1, 21, tzinfo=UTC), True, "NOT_AI", date(2023, 1, 20), "广东省", "广州市", "none", "no experience", 60000.0),
    ("a3", "liepin", "k3", "h2", datetime(2023, 3, 2, tzinfo=UTC), True, "TT2", None, "北京市", "北京市", "master", "mid", 200000.0),
    ("a4", "liepin", "k4", "h2", datetime(2023, 3, 6, tzinfo=UTC), True, "NOT_AI", date(2023, 3, 5), "四川省", "成都市", None, None, None),
    ("a5", "51job", "k5", "h2", datetime(2023, 3, 11, tzinfo=UTC), True, "PRODUCT", date(2023, 3, 10), None, None, "bachelor", "junior", 150000.0),
]


@pytest.fixture()
def con():
    con = duckdb.connect()
    rows = [dict(zip(("id", "source", "posting_key", "harvest_id", "retrieve_date", "is_primary", "category",
                      "release", "province", "prefecture", "edu", "exp", "pay"), v)) for v in VERSIONS]
    dedup = pl.DataFrame({
        "id": [r["id"] for r in rows], "source": [r["source"] for r in rows],
        "posting_key": [r["posting_key"] for r in rows], "harvest_id": [r["harvest_id"] for r in rows],
        "retrieve_date": [r["retrieve_date"] for r in rows], "is_primary": [r["is_primary"] for r in rows],
        "duplicate_group_size": [3 if r["posting_key"] == "k1" else 1 for r in rows],
        "title_extracted": [f"职位 {r['id']}" for r in rows], "body_extracted": ["长" * 2500] * len(rows),
        "company_name_extracted": ["某公司"] * len(rows), "company_information_extracted": [None] * len(rows),
        "release_date_extracted": [None] * len(rows), "location_extracted": [None] * len(rows),
        "salary_extracted": [None] * len(rows), "desired_experience_extracted": [None] * len(rows),
        "desired_education_extracted": [None] * len(rows), "url_extracted": [None] * len(rows),
        "pipeline_version": ["harvest-1"] * len(rows),
    }, schema_overrides={"company_information_extracted": pl.String, "release_date_extracted": pl.String,
                         "location_extracted": pl.String, "salary_extracted": pl.String,
                         "desired_experience_extracted": pl.String, "desired_education_extracted": pl.String,
                         "url_extracted": pl.String})
    prim = [r for r in rows if r["is_primary"]]
    meta = {"input_hash": ["x"] * len(prim), "pipeline_date_updated": [datetime(2026, 1, 1, tzinfo=UTC)] * len(prim)}
    classified = pl.DataFrame({"id": [r["id"] for r in prim], "job_category_pr": [r["category"] for r in prim],
                               **{f"job_category{i}_distribution_pr": [0.2] * len(prim) for i in range(5)},
                               "pipeline_version": ["classify-1"] * len(prim), **meta})
    normalized = pl.DataFrame({
        "id": [r["id"] for r in prim], "release_date_exact_date_norm": [r["release"] for r in prim],
        "location_province_zh_norm": [r["province"] for r in prim],
        "location_prefecture_zh_norm": [r["prefecture"] for r in prim],
        "desired_education_exact_level_norm": [r["edu"] for r in prim],
        "desired_education_minimum_level_norm": [None] * len(prim),
        "desired_education_maximum_level_norm": [None] * len(prim),
        "desired_experience_status_norm": ["stated" if r["exp"] else "missing" for r in prim],
        "desired_experience_exact_level_norm": [r["exp"] for r in prim],
        "desired_experience_minimum_level_norm": [None] * len(prim),
        "desired_experience_minimum_years_norm": [1.0] * len(prim),
        "salary_minimum_annual_value_norm": [r["pay"] for r in prim],
        "salary_maximum_annual_value_norm": [None if r["pay"] is None else r["pay"] * 1.5 for r in prim],
        "salary_exact_annual_value_norm": [None] * len(prim),
        "salary_inferred": [False, True, False, None, False],
        "pipeline_version": ["normalize-1"] * len(prim), **meta,
    }, schema_overrides={"desired_education_minimum_level_norm": pl.String,
                         "desired_education_maximum_level_norm": pl.String,
                         "desired_experience_minimum_level_norm": pl.String, "salary_exact_annual_value_norm": pl.Float64})
    for name, frame in (("deduplicated_postings", dedup), ("classified_postings", classified),
                        ("normalized_postings", normalized)):
        wh.write_table(con, name, frame)
    prepare_analysis_view(con)
    return con


def _wilson(x: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    p = x / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def test_postings_by_month_places_each_posting_once_by_release_else_retrieval(con):
    by_month = TS.postings_by_month(con)
    assert by_month["postings"].sum() == 5  # one row per unique posting, never per version
    got = {(r["month"], r["month_basis"], r["category"], r["region"], r["source"]): r["postings"]
           for r in by_month.iter_rows(named=True)}
    assert got == {
        (date(2023, 1, 1), "release", "TT1", "Yangtze River Delta", "51job"): 1,
        (date(2023, 1, 1), "release", "NOT_AI", "Pearl River Delta", "51job"): 1,
        (date(2023, 3, 1), "retrieval", "TT2", "Beijing-Tianjin-Hebei", "liepin"): 1,
        (date(2023, 3, 1), "release", "NOT_AI", TS.OUTSIDE, "liepin"): 1,
        (date(2023, 3, 1), "release", "PRODUCT", TS.LOCATION_MISSING, "51job"): 1,
    }


def test_ai_share_by_month_fills_empty_months_flags_sparse_ones_and_adjusts_for_board_mix(con):
    share = TS.ai_share_by_month(TS.postings_by_month(con), min_postings=2)
    overall = share.filter(pl.col("breakdown") == "all").sort("month")
    assert overall["month"].to_list() == [date(2023, 1, 1), date(2023, 2, 1), date(2023, 3, 1)]
    assert overall["postings"].to_list() == [2, 0, 3]
    assert overall["ai_postings"].to_list() == [1, 0, 2]
    assert overall["sparse"].to_list() == [False, True, False]  # an empty February is shown as empty, not a drop
    jan, feb, mar = overall.rows(named=True)
    assert jan["ai_share"] == pytest.approx(0.5) and mar["ai_share"] == pytest.approx(2 / 3)
    assert feb["ai_share"] is None and feb["ci_low"] is None
    assert (jan["ci_low"], jan["ci_high"]) == pytest.approx(_wilson(1, 2))
    assert (mar["ci_low"], mar["ci_high"]) == pytest.approx(_wilson(2, 3))
    assert mar["release_month_share"] == pytest.approx(2 / 3)  # a3 is placed by its retrieval month
    # Board weights over the period: 51job 3/5, liepin 2/5. March: 51job 1/1 AI, liepin 1/2 AI.
    assert mar["ai_share_board_mix_adjusted"] == pytest.approx(0.6 * 1.0 + 0.4 * 0.5)
    assert jan["ai_share_board_mix_adjusted"] == pytest.approx(0.5)  # only 51job posted in January
    boards = share.filter(pl.col("breakdown") == "board")
    assert set(boards["group"]) == {"51job", "liepin"}
    assert boards.filter((pl.col("group") == "liepin") & (pl.col("month") == date(2023, 3, 1)))["ai_share"][0] == 0.5
    regions = share.filter((pl.col("breakdown") == "region") & (pl.col("postings") > 0))
    assert sorted(regions["group"]) == sorted(["Yangtze River Delta", "Pearl River Delta", "Beijing-Tianjin-Hebei",
                                               TS.OUTSIDE, TS.LOCATION_MISSING])


def test_two_harvests_compared_count_a_posting_once_per_window_it_was_live_in(con):
    versions = TS.window_versions(con)
    windows = TS.default_windows(versions)
    assert [w.harvest_id for w in windows] == ["h1", "h2"]  # ordered by when they were retrieved
    cmp = TS.compare_windows(versions, windows)
    counts = cmp.filter(pl.col("metric") == "postings")
    got = dict(zip(counts["category"], zip(counts["value_a"], counts["value_b"])))
    # a1 is in both harvests (three versions in all, two of them in h2): once in each window.
    assert got == {"TT1": (1, 1), "TT2": (0, 1), "PRODUCT": (0, 1), "COMMERCIAL": (0, 0), "NOT_AI": (1, 1)}
    tt1 = cmp.filter((pl.col("metric") == "share of postings") & (pl.col("category") == "TT1")).row(0, named=True)
    assert (tt1["n_a"], tt1["n_b"], tt1["value_a"], tt1["value_b"]) == (2, 4, 0.5, 0.25)
    pooled = 2 / 6
    z = (0.5 - 0.25) / math.sqrt(pooled * (1 - pooled) * (1 / 2 + 1 / 4))
    assert tt1["statistic"] == pytest.approx(z)
    shares = cmp.filter(pl.col("metric") == "share of postings")
    assert shares["m"].unique().to_list() == [5]
    assert all(p_adj == pytest.approx(min(1.0, p * 5)) for p, p_adj in zip(shares["p_value"], shares["p_adjusted"]))


def test_period_windows_place_postings_by_their_live_month(con):
    windows = TS.parse_windows("2023-01..2023-01, 2023-03")
    assert windows[0].end == date(2023, 1, 31) and windows[1].start == date(2023, 3, 1)
    cmp = TS.compare_windows(TS.window_versions(con), windows)
    counts = cmp.filter(pl.col("metric") == "postings")
    got = dict(zip(counts["category"], zip(counts["value_a"], counts["value_b"])))
    # a1's later versions were retrieved in March, but it was released in January: it counts there only.
    assert got == {"TT1": (1, 0), "TT2": (0, 1), "PRODUCT": (0, 1), "COMMERCIAL": (0, 0), "NOT_AI": (1, 1)}
    for bad in ("2023-01..2023-02", "2023-13..2024-01,2024-01", "2023-05..2023-01,2024-01"):
        with pytest.raises(ValueError):
            TS.parse_windows(bad)


def test_year_over_year_default_on_one_harvest():
    versions = pl.DataFrame({"id": ["x", "y", "z"], "harvest_id": ["h"] * 3, "retrieved": [date(2024, 7, 1)] * 3,
                             "live_date": [date(2022, 3, 9), date(2023, 6, 30), date(2024, 6, 2)]})
    a, b = TS.default_windows(versions)
    assert (a.label, b.label) == ("2022-07..2023-06", "2023-07..2024-06")
    assert versions.filter(a.mask())["id"].to_list() == ["y"] and versions.filter(b.mask())["id"].to_list() == ["z"]


def test_change_over_time_text_and_figure_come_from_the_numbers(con):
    share = TS.ai_share_by_month(TS.postings_by_month(con), min_postings=2)
    cmp = TS.compare_windows(TS.window_versions(con))
    text = change_over_time_text(share, cmp, min_postings=2)
    assert "January 2023" in text and "March 2023" in text and "50.0%" in text and "66.7%" in text
    assert "80.0%" in text  # the board-mix-adjusted March share
    assert "1 of 3 months" in text
    png = figure_demand_over_time(share)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000


def test_export_round_trips_is_byte_identical_and_has_a_codebook(con, tmp_path):
    paths = export_postings(con, tmp_path / "one")
    again = export_postings(con, tmp_path / "two")
    for kind in ("parquet", "csv", "dta", "codebook", "versions"):
        assert paths[kind].read_bytes() == again[kind].read_bytes(), kind
    expected = export_frame(con)
    assert expected["id"].to_list() == ["a1", "a2", "a3", "a4", "a5"]  # unique postings only, ordered by id
    back = pl.read_parquet(paths["parquet"])
    assert back.equals(expected)
    assert "pipeline_date_updated" not in back.columns and "job_category_pr" in back.columns
    csv = pl.read_csv(paths["csv"], infer_schema=False)
    assert csv["id"].to_list() == expected["id"].to_list()
    assert csv["job_category_pr"].to_list() == expected["job_category_pr"].to_list()
    stata = pd.read_stata(paths["dta"])
    names = stata_names(expected.columns)
    assert len(stata) == 5 and all(len(n) <= 32 for n in stata.columns)
    assert stata[names["body_extracted"]].tolist() == ["长" * 2500] * 5  # long text survives as strL
    assert stata[names["desired_experience_minimum_years_norm"]].tolist() == [1.0] * 5
    assert stata[names["salary_inferred"]].tolist()[:3] == [0, 1, 0] and math.isnan(stata[names["salary_inferred"]][3])
    book = pl.read_csv(paths["codebook_csv"])
    assert book["column"].to_list() == expected.columns
    row = book.filter(pl.col("column") == "salary_minimum_annual_value_norm").row(0, named=True)
    assert row["null_share"] == pytest.approx(0.2) and "CNY a year" in row["meaning"]
    assert json.loads(paths["versions"].read_text())["normalized_postings"] == ["normalize-1"]
