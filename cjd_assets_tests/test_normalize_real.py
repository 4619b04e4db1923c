"""Coverage of the normalizer on every distinct non-empty string of the real postings, and fuzzing.

A value counts as parsed when it has a non-null normalized value or a status that is a real answer
(面议 -> 'negotiable', 学历不限/经验不限 -> 'no requirement', 全国 -> 'nationwide', ...). Strings whose every
row carries a misalignment flag of PROVENANCE.md (a cell from another column: 招1人, 03-07发布, 3个月 in
the education column) are left out of the denominator; the test prints how many.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cjd_assets import schema
from cjd_assets.normalize import normalize_postings

MISALIGNED = {
    "education": ("education_text_not_education_like",),
    "experience": ("experience_text_not_experience_like",),
}

# raw column, extracted column, status column, statuses that are answers, a value column
FIELDS = {
    "salary": ("salary_text", "salary_extracted", "salary_status_norm", ("stated", "negotiable")),
    "education": (
        "education_text",
        "desired_education_extracted",
        "desired_education_status_norm",
        ("stated", "no requirement"),
    ),
    "experience": (
        "experience_text",
        "desired_experience_extracted",
        "desired_experience_status_norm",
        ("stated", "no requirement"),
    ),
    "location": (
        "location_text",
        "location_extracted",
        "location_status_norm",
        ("resolved", "multiple", "nationwide", "unspecified", "remote", "foreign"),
    ),
    "release_date": ("release_date_text", "release_date_extracted", "release_date_parse_status_norm", ("parsed",)),
}


def _distinct(real: pl.DataFrame, field: str) -> pl.DataFrame:
    raw = FIELDS[field][0]
    flags = MISALIGNED.get(field, ())
    flagged = pl.lit(False)
    for f in flags:
        flagged = flagged | pl.col("quality_flags").fill_null("").str.contains(f, literal=True)
    return (
        real.filter(pl.col(raw).fill_null("").str.strip_chars() != "")
        .group_by(raw, "source_board")
        .agg(flagged.all().alias("misaligned"))
    )


def _normalize_distinct(d: pl.DataFrame, field: str) -> pl.DataFrame:
    raw, col = FIELDS[field][0], FIELDS[field][1]
    inp = pl.DataFrame(
        {c: pl.Series(c, [None] * d.height, dtype=pl.String) for c in schema.NORMALIZE_INPUT_COLUMNS}
    ).with_columns(
        d[raw].alias(col),
        d["source_board"].alias("source"),
        # after every crawl of the real postings (the latest, liepin, is 2026-05-16): a release date after
        # its retrieval is flagged, so an earlier date here would flag the 2023-2024 postings
        pl.lit(dt.date(2026, 6, 1)).alias("retrieve_date"),
    )
    return normalize_postings(inp).with_columns(d["misaligned"])


# About 1 % of the distinct location strings are street addresses or buildings that name no city,
# district, county or zone (天山西路567号, 科兴科学园): they stay unresolved rather than guessed.
MIN_SHARE = {"location": 0.985}


@pytest.mark.parametrize("field", list(FIELDS))
def test_share_parsed_on_real_strings(real_postings, field):
    d = _distinct(real_postings, field)
    out = _normalize_distinct(d, field)
    status_col, ok = FIELDS[field][2], FIELDS[field][3]
    counted = out.filter(~pl.col("misaligned"))
    parsed = counted.filter(pl.col(status_col).is_in(list(ok))).height
    share = parsed / counted.height
    print(
        f"{field}: {parsed}/{counted.height} distinct (string, board) parsed = {share:.2%}; "
        f"{out.height - counted.height} misaligned strings excluded"
    )
    assert counted.height > 40
    assert share >= MIN_SHARE.get(field, 0.99)


def _shapes(values: pl.Series) -> set[str]:
    return set(values.drop_nulls().str.strip_chars().str.replace_all(r"\d+(?:\.\d+)?", "N").to_list())


@pytest.mark.parametrize(
    "raw,cases,flag",
    [
        ("salary_text", "SALARY_CASES", None),
        ("education_text", "EDUCATION_CASES", "education_text_not_education_like"),
        ("experience_text", "EXPERIENCE_CASES", "experience_text_not_experience_like"),
        ("release_date_text", "DATE_CASES", None),
    ],
)
def test_hand_checked_tables_cover_every_real_shape(real_postings, raw, cases, flag):
    """Every shape (digits -> N) met in the real strings has a hand-checked row in test_normalize.py."""
    from cjd_assets_tests import test_normalize as hand

    d = real_postings.filter(pl.col(raw).fill_null("").str.strip_chars() != "")
    if flag:
        d = d.filter(~pl.col("quality_flags").fill_null("").str.contains(flag, literal=True))
    real = _shapes(d[raw])
    checked = _shapes(pl.Series([c[0] for c in getattr(hand, cases)], dtype=pl.String))
    assert real - checked == set()
    assert len(real) >= 5


def test_real_values_land_in_vocabularies(real_postings):
    d = _distinct(real_postings, "education")
    out = _normalize_distinct(d, "education")
    levels = pl.concat([out[f"desired_education_{k}_level_norm"] for k in ("exact", "minimum", "maximum")])
    assert set(levels.drop_nulls()) == set(schema.EDUCATION_LEVELS)
    assert set(out["desired_education_detail_norm"].drop_nulls()) == set(schema.EDUCATION_DETAILS)
    d = _distinct(real_postings, "salary")
    out = _normalize_distinct(d, "salary")
    assert set(out["salary_recurrence_norm"].drop_nulls()) == {"hour", "day", "week", "month", "year"}
    # liepin's unit-less 万 is annual, 51job's is monthly
    liepin = out.filter((pl.col("source") == "liepin") & (pl.col("salary_extracted") == "30-54万"))
    assert liepin["salary_recurrence_norm"].to_list() == ["year"]


_SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
_text = st.one_of(
    st.none(),
    st.text(max_size=40),
    st.text(alphabet="0123456789.-~万千kK元/天月年时周薪以上下及面议本科硕博士经验应届不限省市区县·", max_size=20),
)


@_SETTINGS
@given(
    sal=_text,
    edu=_text,
    exp=_text,
    loc=_text,
    date=_text,
    body=_text,
    src=st.sampled_from(list(schema.BOARDS) + [None]),
)
def test_arbitrary_strings_never_raise(sal, edu, exp, loc, date, body, src):
    df = pl.DataFrame(
        {
            "title_extracted": [None],
            "body_extracted": [body],
            "salary_extracted": [sal],
            "location_extracted": [loc],
            "desired_education_extracted": [edu],
            "desired_experience_extracted": [exp],
            "release_date_extracted": [date],
            "retrieve_date": [dt.date(2021, 3, 20)],
            "source": [src],
        },
        schema={**{c: pl.String for c in schema.NORMALIZE_INPUT_COLUMNS}, "retrieve_date": pl.Date},
    )
    r = normalize_postings(df).row(0, named=True)
    # every field says why it is null
    for status in (
        "salary_status_norm",
        "desired_education_status_norm",
        "desired_experience_status_norm",
        "location_status_norm",
        "release_date_parse_status_norm",
    ):
        assert r[status] is not None
    if r["salary_status_norm"] != "stated":
        assert r["salary_minimum_value_norm"] is None and r["salary_exact_value_norm"] is None
    assert r["desired_education_exact_level_norm"] in (None, *schema.EDUCATION_LEVELS)
    assert r["desired_experience_exact_level_norm"] in (None, *schema.EXPERIENCE_LEVELS)


@_SETTINGS
@given(junk=st.text(alphabet="abcxyz!@#%&*()_=+[]{}<>?αβγ", min_size=1, max_size=30))
def test_garbage_yields_nulls_with_status(junk):
    cols = [c for c in schema.NORMALIZE_INPUT_COLUMNS if c not in ("retrieve_date", "source", "body_extracted")]
    df = pl.DataFrame({c: [junk] for c in cols}).with_columns(
        pl.lit(None, dtype=pl.Date).alias("retrieve_date"),
        pl.lit("51job").alias("source"),
        pl.lit(None, dtype=pl.String).alias("body_extracted"),
    )
    r = normalize_postings(df).row(0, named=True)
    assert r["salary_status_norm"] == "unparsed" and r["salary_minimum_value_norm"] is None
    assert r["desired_education_status_norm"] == "unparsed" and r["desired_education_exact_level_norm"] is None
    assert r["desired_experience_status_norm"] == "unparsed" and r["desired_experience_exact_years_norm"] is None
    assert r["location_status_norm"] == "unparsed" and r["location_province_zh_norm"] is None
    assert r["release_date_parse_status_norm"] == "unparsed" and r["release_date_exact_date_norm"] is None


@_SETTINGS
@given(
    date=st.text(alphabet="0123456789-/.年月日天周前内今发布更新 :", max_size=30),
    retrieve=st.one_of(st.none(), st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2030, 12, 31))),
)
def test_release_dates_stay_between_the_first_boards_and_retrieval(date, retrieve):
    from cjd_assets.normalize.release_date import EARLIEST

    df = pl.DataFrame(
        {"release_date_extracted": [date], "retrieve_date": [retrieve]},
        schema={"release_date_extracted": pl.String, "retrieve_date": pl.Date},
    )
    r = normalize_postings(df).row(0, named=True)  # never raises, even on 999999999天前
    latest = retrieve or dt.date.today()
    for k in ("exact", "minimum", "maximum"):
        v = r[f"release_date_{k}_date_norm"]
        assert v is None or EARLIEST <= v <= latest
    assert r["release_date_parse_status_norm"] is not None
