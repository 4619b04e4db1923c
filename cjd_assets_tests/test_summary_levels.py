"""The level columns of the analysis view that every summary reads (Figures 1 and 2, Table 2, the significance tests): the study's
"no experience" is the requirement (不限 requires none), an "or below" education is its level."""

from __future__ import annotations

import datetime as dt

import duckdb
import polars as pl
import pytest

from cjd_assets import schema
from cjd_assets.normalize import normalize_postings
from cjd_assets.analysis import tables as T
from cjd_assets_tests.analysis_fixture import build_analysis_view

# (category, experience string, education string)
POSTINGS = [
    ("NOT_AI", "不限", "初中及以下"),
    ("NOT_AI", "经验不限", "高中"),
    ("NOT_AI", "无需经验", "大专及以下"),
    ("NOT_AI", "在校生/应届生", "学历不限"),
    ("NOT_AI", "1-3年", "本科"),
    ("NOT_AI", None, None),
    ("TT1", "5-10年", "本科"),
    ("TT1", "5年以上", "硕士"),
    ("TT1", "5年", "本科及以上"),
    ("TT1", "3-5年", "本科"),
    ("TT1", "1年以下", "本科"),
    ("TT1", "20年以上", "博士"),
    ("TT1", "2024年应届生", "本科"),
    ("TT1", "10-5年", "本科"),  # impossible: flagged, no data
]


@pytest.fixture()
def con():
    n = len(POSTINGS)
    df = pl.DataFrame(
        {c: [None] * n for c in schema.NORMALIZE_INPUT_COLUMNS}, schema=dict.fromkeys(schema.NORMALIZE_INPUT_COLUMNS, pl.String)
    ).with_columns(
        pl.Series("desired_experience_extracted", [p[1] for p in POSTINGS], dtype=pl.String),
        pl.Series("desired_education_extracted", [p[2] for p in POSTINGS], dtype=pl.String),
        pl.lit(dt.date(2021, 3, 20)).alias("retrieve_date"),
    )
    out = normalize_postings(df).with_columns(
        pl.Series("id", [f"p{i}" for i in range(n)]), pl.Series("job_category_pr", [p[0] for p in POSTINGS])
    )
    c = duckdb.connect()
    build_analysis_view(c, out.drop("retrieve_date"))
    yield c
    c.close()


def _counts(df: pl.DataFrame, col: str, category: str) -> dict[str, int]:
    return {r[col]: r["postings"] for r in df.filter(pl.col("category") == category).iter_rows(named=True) if r["postings"]}


def test_figure2_levels(con):
    exp = T.experience_by_category(con)
    assert _counts(exp, "experience_level", "NOT_AI") == {"no experience": 4, "junior": 1, "no data": 1}
    assert _counts(exp, "experience_level", "TT1") == {"mid": 2, "junior": 3, "senior": 1, "no experience": 1, "no data": 1}


def test_figure1_and_table2_read_or_below(con):
    edu = T.education_by_category(con)
    assert _counts(edu, "education_level", "NOT_AI") == {
        "middle school": 2, "associate": 1, "none": 1, "bachelor": 1, "no data": 1,
    }
    t2 = T.table2_education(con)
    assert _counts(t2, "bucket", "NOT_AI") == {"less than bachelor": 4, "bachelor or higher": 1, "no data": 1}


def test_significance_tests_read_the_same_no_experience(con):
    rows = T.significance_tests(con, groups=("TT1",)).filter(pl.col("metric") == "no experience")
    assert rows["estimate_b"].to_list() == [pytest.approx(4 / 6)]
    assert rows["estimate_a"].to_list() == [pytest.approx(1 / 8)]
