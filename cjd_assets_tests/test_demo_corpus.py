"""The demo's synthetic corpus, its annotation export and the scale generator."""

from __future__ import annotations

import json
import re

import polars as pl
import pytest

from cjd_assets.demo.corpus import (
    CITIES,
    CORPUS_COLUMNS,
    LABEL_SHARES,
    generate_corpus,
    posting_url,
    write_demo_annotations,
)
from cjd_assets.schema import CATEGORIES


@pytest.fixture(scope="module")
def corpus() -> pl.DataFrame:
    return generate_corpus(2000, seed=7)


def test_deterministic_for_a_seed():
    a, b = generate_corpus(300, seed=3), generate_corpus(300, seed=3)
    assert a.equals(b)
    assert not a.equals(generate_corpus(300, seed=4))


def test_columns_and_types(corpus):
    assert tuple(corpus.columns) == CORPUS_COLUMNS
    assert corpus.height == 2000
    assert corpus["url_variants"].dtype == pl.Int64
    assert corpus.select(pl.exclude("url_variants")).dtypes == [pl.String] * (len(CORPUS_COLUMNS) - 1)


def test_unique_ids(corpus):
    assert corpus["posting_uid"].n_unique() == corpus.height
    assert corpus.select("board", "job_id").is_unique().all()
    j51 = corpus.filter(pl.col("board") == "51job")["job_id"]
    jlp = corpus.filter(pl.col("board") == "liepin")["job_id"]
    assert j51.str.contains(r"^[1-9]\d{8}$").all()
    assert jlp.str.contains(r"^[1-9]\d{7}$").all()


def test_label_and_board_shares(corpus):
    shares = corpus["label"].value_counts(normalize=True)
    got = dict(zip(shares["label"], shares["proportion"]))
    assert set(got) == set(CATEGORIES)
    for label, want in LABEL_SHARES.items():
        assert abs(got[label] - want) < 0.03, (label, got[label])
    share51 = (corpus["board"] == "51job").mean()
    assert 0.65 < share51 < 0.75
    multi = (corpus["url_variants"] > 1).mean()
    assert 0.25 < multi < 0.35
    assert corpus["url_variants"].is_between(1, 3).all()


def test_bodies_are_varied_and_sized(corpus):
    lengths = corpus["body"].str.len_chars()
    assert lengths.min() >= 150 and lengths.max() <= 600
    assert corpus["body"].n_unique() > 0.95 * corpus.height
    assert corpus["title"].n_unique() > 150
    assert corpus["body"].str.contains("职责|职位描述|工作内容").mean() > 0.95
    assert corpus["city_slug"].is_in(list(CITIES)).all()
    # Tags that tie duties to titles ('mobile@...') never leak into the text.
    assert not corpus["title"].str.contains("@").any()
    assert not corpus["body"].str.replace_all("hr@company.com", "", literal=True).str.contains("@").any()
    assert not corpus["body"].str.contains("{t}", literal=True).any()


def test_ai_keywords_and_false_friends(corpus):
    ai = corpus["body"].str.contains("人工智能|机器学习|深度学习|计算机视觉|自然语言处理|人脸识别|AI")
    tech = corpus["label"].is_in(["TT1", "TT2"])
    assert ai.filter(tech).mean() > 0.1
    assert corpus.filter(pl.col("title").str.contains("无人机"))["label"].eq("NOT_AI").all()
    assert corpus.filter(pl.col("title").str.contains("无人机")).height > 0
    assert corpus["body"].str.contains("EMAIL").any()


def test_board_specific_shapes(corpus):
    lp = corpus.filter(pl.col("board") == "liepin")
    j51 = corpus.filter(pl.col("board") == "51job")
    assert not lp["salary_text"].str.contains("/月").any()
    assert not lp["salary_text"].str.contains("千").any()
    assert lp["salary_text"].str.contains(r"^\d+-\d+k(·\d+薪)?$").any()
    assert lp["salary_text"].str.contains(r"^\d+-\d+万$").any()
    assert j51["salary_text"].str.contains("/月").any()
    assert j51["salary_text"].str.contains("万/年").any()
    assert not j51["salary_text"].str.contains("k").any()
    # 51job dates are 'MM-DD发布'; liepin dates are ISO or relative.
    assert j51["release_date_text"].str.contains(r"^(\d\d-\d\d发布)?$").all()
    assert not lp["release_date_text"].str.contains("发布").any()
    assert lp["release_date_text"].str.contains(r"^2021-\d\d-\d\d$").any()
    assert lp["release_date_text"].str.contains("天前|昨天|更新于").any()
    assert j51["experience_text"].str.contains("年经验").any()
    assert not lp["experience_text"].str.contains("经验$").any()
    assert corpus["location_text"].str.contains(r"^\S+-\S+区").any()
    names = {name for name, _, _ in CITIES.values()}
    city = corpus["location_text"].str.split("-").list.first()
    assert city.is_in(list(names)).mean() > 0.95


def test_missing_and_awkward_values_exist(corpus):
    assert (corpus["education_text"] == "").any()
    assert (corpus["experience_text"] == "").any()
    assert (corpus["salary_text"] == "").any()
    no_edu = corpus.filter(pl.col("education_text") == "")
    assert no_edu["body"].str.contains("博士|硕士|本科|大专").any()


def test_write_demo_annotations_round_trip(corpus, tmp_path):
    ann_path, post_path = write_demo_annotations(corpus, tmp_path / "ann", share=0.5, seed=1)
    rows = [json.loads(line) for line in ann_path.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 1000
    assert all(set(r) == {"uid", "label", "confidence", "note"} for r in rows)
    assert {r["confidence"] for r in rows} <= {"high", "low"}
    truth = dict(zip(corpus["posting_uid"], corpus["label"]))
    assert all(truth[r["uid"]] == r["label"] for r in rows)
    assert len({r["uid"] for r in rows}) == len(rows)
    posts = pl.read_parquet(post_path)
    assert posts.columns == [
        "uid", "source_board", "title", "company", "body", "salary_text", "location_text",
        "education_text", "experience_text", "release_date_text", "url",
    ]
    assert posts.height == corpus.height
    assert posts["uid"].to_list() == corpus["posting_uid"].to_list()
    assert posts["url"].str.contains(r"^https://(jobs\.51job\.com/\w+/\d{9}\.html|www\.liepin\.com/job/\d{8}\.shtml)$").all()
    again, _ = write_demo_annotations(corpus, tmp_path / "ann2", share=0.5, seed=1)
    assert again.read_text(encoding="utf-8") == ann_path.read_text(encoding="utf-8")


def test_posting_url():
    assert posting_url("51job", "121597465", "jiujiang") == "https://jobs.51job.com/jiujiang/121597465.html"
    assert re.match(r"https://www\.liepin\.com/job/\d+\.shtml", posting_url("liepin", "12345678"))


# ---------------------------------------------------------------- scale generator


@pytest.fixture(scope="module")
def scale_rows() -> pl.DataFrame:
    from cjd_assets.demo.scale import generate_raw_postings

    batches = list(generate_raw_postings(25_000, seed=2, batch_size=7_000, duplicate_share=0.3, n_harvests=3))
    assert [b.height for b in batches] == [7_000, 7_000, 7_000, 4_000]
    return pl.concat(batches)


def test_scale_columns_and_count(scale_rows):
    from cjd_assets.demo.scale import RAW_POSTING_COLUMNS
    from cjd_assets.harvest.raw import POSTING_COLUMNS

    assert tuple(scale_rows.columns) == RAW_POSTING_COLUMNS
    assert set(POSTING_COLUMNS) <= set(scale_rows.columns)
    assert scale_rows.height == 25_000
    assert scale_rows["retrieve_date"].dtype == pl.Datetime("us", "UTC")
    assert sorted(scale_rows["harvest_id"].unique()) == ["scale-000", "scale-001", "scale-002"]
    assert set(scale_rows["label"].unique()) == set(CATEGORIES)
    assert set(scale_rows["source"].unique()) == {"51job", "liepin"}


def test_scale_ids_unique_and_duplicate_share(scale_rows):
    assert scale_rows["id"].n_unique() == scale_rows.height
    assert scale_rows["page_id"].n_unique() == scale_rows.height
    assert scale_rows["url_extracted"].n_unique() == scale_rows.height  # every re-crawl has its own URL
    base = scale_rows["url_extracted"].str.replace(r"\?.*$", "")
    dup_share = 1 - base.n_unique() / scale_rows.height
    assert abs(dup_share - 0.3) < 0.005
    assert base.str.contains(r"^https://(jobs\.51job\.com/\w+/\d{9}\.html|www\.liepin\.com/job/\d{8}\.shtml)$").all()
    # A re-crawl shows the same posting: title and company agree, the body is the original or a prefix.
    df = scale_rows.with_columns(base.alias("base"))
    first = df.unique("base", keep="first", maintain_order=True)
    later = df.filter(pl.col("url_extracted").str.contains(r"\?")).join(first, on="base", suffix="_o")
    assert later.height == scale_rows.height - first.height
    assert (later["title_extracted"] == later["title_extracted_o"]).all()
    assert (later["company_name_extracted"] == later["company_name_extracted_o"]).all()
    assert later.select(pl.col("body_extracted_o").str.starts_with(pl.col("body_extracted"))).to_series().all()
    assert (later["body_extracted"].str.len_chars() < later["body_extracted_o"].str.len_chars()).mean() > 0.3
    # The original always comes first in row order.
    assert (later["id"] > later["id_o"]).all()


def test_scale_deterministic_and_distinct_postings_differ():
    from cjd_assets.demo.scale import generate_raw_postings

    a = pl.concat(list(generate_raw_postings(3_000, seed=5, duplicate_share=0.0)))
    b = pl.concat(list(generate_raw_postings(3_000, seed=5, duplicate_share=0.0)))
    assert a.equals(b)
    assert a["body_extracted"].n_unique() > 0.99 * a.height  # content dedup must not merge distinct postings
