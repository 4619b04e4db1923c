"""Salary prediction: split, model, intervals, persistence, and that predictions never replace stated pay."""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl
import pytest

from cjd_assets import warehouse as wh
from cjd_assets.salary import (
    PREDICTION_COLUMNS,
    company_size_band,
    load_salary_model,
    stated_monthly_pay,
    train_salary_model,
)

SALARY_NORM = (
    "salary_exact_monthly_value_norm",
    "salary_minimum_monthly_value_norm",
    "salary_maximum_monthly_value_norm",
    "salary_status_norm",
)


def _synthetic(n: int = 6000, seed: int = 7) -> pl.DataFrame:
    """Pay = title effect x province effect x board effect x lognormal noise; a tenth have no stated pay."""
    rng = np.random.default_rng(seed)
    titles = {"算法工程师": 25000, "Java开发工程师": 16000, "销售代表": 7000, "行政助理": 5000, "产品经理": 18000}
    provinces = {"北京市": 1.3, "上海市": 1.3, "河南省": 0.75, "四川省": 0.85}
    boards = {"boss": 1.1, "zhaopin": 0.9, "51job": 1.0}
    t = rng.choice(list(titles), n)
    p = rng.choice(list(provinces), n)
    b = rng.choice(list(boards), n)
    pay = np.array([titles[a] * provinces[c] * boards[d] for a, c, d in zip(t, p, b)]) * rng.lognormal(0, 0.25, n)
    status = np.where(rng.random(n) < 0.1, "missing", "stated")
    ranged = rng.random(n) < 0.7
    exact = np.where((status == "stated") & ~ranged, pay, np.nan)
    lo = np.where((status == "stated") & ranged, pay * 0.8, np.nan)
    hi = np.where((status == "stated") & ranged, pay * 1.2, np.nan)
    return pl.DataFrame(
        {
            "id": [f"p{i}" for i in range(n)],
            "title_extracted": t,
            "source": b,
            "job_category_pr": np.where(np.char.find(t.astype(str), "算法") >= 0, "TT1", "NOT_AI"),
            "location_province_zh_norm": p,
            "location_prefecture_zh_norm": [None] * n,
            "desired_education_exact_level_norm": rng.choice(["bachelor", "associate"], n),
            "desired_experience_exact_level_norm": rng.choice(["junior", "mid"], n),
            "company_size": rng.choice(["20-99人", "10000人以上", None], n),
            "salary_exact_monthly_value_norm": exact,
            "salary_minimum_monthly_value_norm": lo,
            "salary_maximum_monthly_value_norm": hi,
            "salary_status_norm": status,
        }
    ).with_columns(pl.col(c).fill_nan(None) for c in SALARY_NORM[:3])


@pytest.fixture(scope="module")
def synthetic() -> pl.DataFrame:
    return _synthetic()


@pytest.fixture(scope="module")
def model(synthetic):
    # boost=False keeps these tests fast; the booster is exercised on the real postings below
    return train_salary_model(synthetic, seed=0, boost=False)


def test_stated_monthly_pay_uses_exact_then_midpoint_then_single_bound():
    df = pl.DataFrame(
        {
            "salary_exact_monthly_value_norm": [9000.0, None, None, None, None],
            "salary_minimum_monthly_value_norm": [None, 10000.0, 8000.0, None, 5000.0],
            "salary_maximum_monthly_value_norm": [None, 20000.0, None, 3000.0, 9000.0],
            "salary_status_norm": ["stated", "stated", "stated", "stated", "negotiable"],
        }
    )
    assert stated_monthly_pay(df).to_list() == [9000.0, 15000.0, 8000.0, 3000.0, None]


def test_company_size_band_reads_board_head_counts():
    s = pl.DataFrame({"s": ["20-99人", "民营  |  少于50人", "10000人以上", "1000-9999人", "计算机软件", None, "150-500人"]})
    assert s.select(company_size_band(pl.col("s"))).to_series().to_list() == [
        "20-99", "<20", "10000+", "1000-9999", None, None, "100-499",
    ]
    # Banded text keeps its band: the salary asset once banded company size before the model banded it
    # again, which emptied the feature in production.
    once = s.select(company_size_band(pl.col("s")).alias("s"))
    assert once.select(company_size_band(pl.col("s"))).to_series().to_list() == once["s"].to_list()


def test_model_beats_both_baselines_and_interval_covers_80_percent(model):
    ev = model.evaluation
    assert ev["n_test"] > 800
    assert ev["mdape"] < ev["baseline_cell_median_mdape"] < ev["baseline_global_median_mdape"]
    # noise alone is lognormal(0, 0.25): the best possible MdAPE is about 0.17
    assert ev["mdape"] < 0.22
    assert 0.75 <= ev["coverage"] <= 0.85


def test_split_depends_only_on_id(synthetic, model):
    shuffled = synthetic.sample(fraction=1.0, shuffle=True, seed=3)
    again = train_salary_model(shuffled, seed=0, boost=False)
    assert again.evaluation["n_test"] == model.evaluation["n_test"]
    assert again.evaluation["n_calibration"] == model.evaluation["n_calibration"]
    assert again.version == model.version
    other = train_salary_model(synthetic, seed=1, boost=False)
    assert other.version != model.version
    assert other.evaluation["n_test"] != model.evaluation["n_test"]


def test_predict_keeps_rows_and_order_and_handles_unseen_values(model, synthetic):
    odd = pl.DataFrame(
        {
            "id": ["x1", "x2"],
            "title_extracted": ["算法工程师", None],
            "source": ["lagou", None],
            "location_province_zh_norm": ["西藏自治区", None],
        }
    )
    rows = pl.concat([synthetic.head(5), odd], how="diagonal_relaxed")
    pred = model.predict(rows)
    assert pred.columns == ["id", *PREDICTION_COLUMNS]
    assert pred.get_column("id").to_list() == rows.get_column("id").to_list()
    v, lo, hi = (pred.get_column(c).to_numpy() for c in PREDICTION_COLUMNS)
    assert np.isfinite(v).all() and (lo < v).all() and (v < hi).all()
    # an algorithm engineer in Beijing out-earns an admin assistant in Henan
    pair = pl.DataFrame(
        {
            "id": ["a", "b"],
            "title_extracted": ["算法工程师", "行政助理"],
            "source": ["51job", "51job"],
            "location_province_zh_norm": ["北京市", "河南省"],
        }
    )
    a, b = model.predict(pair).get_column("salary_exact_monthly_value_pr").to_list()
    assert a > 3 * b


def test_save_and_load_give_the_same_predictions(model, synthetic, tmp_path):
    path = model.save(tmp_path / "salary.pkl")
    loaded = load_salary_model(path)
    assert loaded.version == model.version
    assert loaded.evaluation == model.evaluation
    assert loaded.predict(synthetic.head(50)).equals(model.predict(synthetic.head(50)))
    assert (tmp_path / "salary.pkl.json").read_text().count(model.version) == 1


def test_predictions_are_their_own_columns_for_every_posting(model, synthetic):
    before = synthetic.clone()
    pred = model.predict(synthetic)
    assert pred.columns == ["id", *PREDICTION_COLUMNS] and synthetic.equals(before)
    gaps = pred.filter(synthetic.get_column("salary_status_norm") != "stated")
    assert gaps.height > 300 and gaps.get_column("salary_exact_monthly_value_pr").min() > 0


def test_missing_pay_is_filled_only_by_the_analysis_view(model, synthetic):
    """The one fill rule (sql/analysis_postings_filled.sql): stated annual pay stays, a posting without it
    takes its predicted monthly pay x 12 as both minimum and maximum, and nothing else changes."""
    import duckdb

    pred = model.predict(synthetic)
    stated = synthetic.select(
        "id", "job_category_pr", "salary_status_norm",
        *[(pl.col(f"salary_{k}_monthly_value_norm") * 12).alias(f"salary_{k}_annual_value_norm")
          for k in ("exact", "minimum", "maximum")])
    con = duckdb.connect()
    con.register("analysis_postings_stated", stated)
    con.register("salary_predictions", pl.concat([pred, pred.head(3)]))  # a duplicate must not add rows
    wh.run_sql(con, "analysis_postings_filled")
    filled = con.sql("SELECT * FROM analysis_postings ORDER BY id").pl()
    expect = stated.sort("id")
    assert filled.height == expect.height
    assert filled.select("id", "job_category_pr", "salary_exact_annual_value_norm").equals(
        expect.select("id", "job_category_pr", "salary_exact_annual_value_norm"))
    has = expect.get_column("salary_status_norm") == "stated"
    for k in ("minimum", "maximum"):
        col = f"salary_{k}_annual_value_norm"
        got, own = filled.get_column(col), expect.get_column(col)
        exact = expect.get_column("salary_exact_annual_value_norm")
        assert got.filter(has).equals(own.fill_null(exact).filter(has))
        want = pred.sort("id").get_column("salary_exact_monthly_value_pr").filter(~has) * 12
        assert np.allclose(got.filter(~has).to_numpy(), want.to_numpy())


def test_real_postings_model_beats_cell_median_with_calibrated_interval(real_postings, tmp_path):
    from cjd_assets.harvest import export_as_extracted
    from cjd_assets.normalize import normalize_postings

    raw = real_postings.sample(n=20_000, seed=11)
    norm = normalize_postings(
        export_as_extracted(raw).with_columns(
            pl.lit(date(2024, 1, 1)).alias("retrieve_date"),
            raw["extra"].str.json_path_match("$.company_size").alias("company_size"),
        )
    )
    norm_before = norm.select(c for c in norm.columns if c.endswith("_norm"))
    m = train_salary_model(norm, seed=0)
    ev = m.evaluation
    assert ev["n_test"] > 2000
    assert ev["mdape"] < ev["baseline_cell_median_mdape"] < ev["baseline_global_median_mdape"]
    assert 0.75 <= ev["coverage"] <= 0.85
    pred = m.predict(norm)
    assert ev["boosted"] and ev["mdape"] < ev["linear_only_mdape"]
    again = load_salary_model(m.save(tmp_path / "real.pkl")).predict(norm.head(500))
    assert again.equals(pred.head(500))
    assert norm.select(norm_before.columns).equals(norm_before)  # stated pay untouched
    missing = pred.filter(norm.get_column("salary_status_norm") != "stated")
    assert missing.height > 500  # ~4 % of real postings state no usable pay once the export's extra is read
    assert missing.get_column("salary_exact_monthly_value_pr").null_count() == 0


def test_title_ngrams_new_hashing_and_models_saved_before_it():
    """Models since salary-1.1 hash title n-grams with numpy (rows L2-normalised, same title same row);
    a model saved before (no `text_hashing` in its params) keeps sklearn's HashingVectorizer features."""
    from sklearn.feature_extraction.text import HashingVectorizer

    from cjd_assets.salary.features import title_ngrams

    titles = ["Java开发工程师", "销售经理", "Java开发工程师", ""]
    params = {"ngram_range": [1, 3], "n_text_features": 2**12}
    old = title_ngrams(titles, params)
    expected = HashingVectorizer(analyzer="char", ngram_range=(1, 3), n_features=2**12, alternate_sign=False,
                                 norm="l2", lowercase=False).transform(titles)
    assert (old != expected).nnz == 0
    new = title_ngrams(titles, {**params, "text_hashing": "cjd"}).toarray()
    assert np.allclose(np.linalg.norm(new[:3], axis=1), 1.0) and not new[3].any()
    assert np.array_equal(new[0], new[2]) and not np.array_equal(new[0], new[1])
    # 'Java开发工程师': 8 distinct characters ('a' twice), 8 bigrams, 7 trigrams: 23 n-grams, a few of which
    # 4,096 buckets may merge
    assert 20 <= (new[0] > 0).sum() <= 23
