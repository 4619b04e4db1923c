"""Salary prediction: split, model, intervals, persistence, and that predictions never replace stated pay."""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl
import pytest

from cjd_assets.salary_model import (
    FILL_COLUMNS,
    PREDICTION_COLUMNS,
    company_size_band,
    fill_missing_pay,
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


def test_fill_missing_pay_adds_columns_and_never_touches_norm_columns(model, synthetic):
    pred = model.predict(synthetic)
    filled = fill_missing_pay(synthetic, pred)
    assert filled.select(synthetic.columns).equals(synthetic)
    assert filled.columns == [*synthetic.columns, *FILL_COLUMNS]
    stated = synthetic.get_column("salary_status_norm") == "stated"
    src = filled.get_column("salary_monthly_source")
    assert (src.filter(stated) == "stated").all() and (src.filter(~stated) == "predicted").all()
    assert filled.filter(~stated).get_column("salary_monthly_filled").equals(
        pred.filter(~stated).get_column("salary_exact_monthly_value_pr").alias("salary_monthly_filled")
    )
    # stated rows keep their stated pay, not the model's guess
    first = filled.filter(stated).row(0, named=True)
    expect = first["salary_exact_monthly_value_norm"] or (
        first["salary_minimum_monthly_value_norm"] + first["salary_maximum_monthly_value_norm"]
    ) / 2
    assert first["salary_monthly_filled"] == pytest.approx(expect)
    lo = first["salary_minimum_monthly_value_norm"] or first["salary_exact_monthly_value_norm"]
    assert first["salary_minimum_monthly_filled"] == lo
    gap = filled.filter(~stated).row(0, named=True)
    assert gap["salary_minimum_monthly_filled"] == gap["salary_maximum_monthly_filled"] == gap["salary_monthly_filled"]
    with pytest.raises(ValueError):
        fill_missing_pay(filled, pred)
    # a duplicated prediction row must not duplicate postings
    assert fill_missing_pay(synthetic, pl.concat([pred, pred.head(3)])).height == synthetic.height


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
    filled = fill_missing_pay(norm, pred)
    assert filled.select(norm_before.columns).equals(norm_before)
    missing = filled.filter(pl.col("salary_status_norm") != "stated")
    assert missing.height > 500  # ~4 % of real postings state no usable pay once the export's extra is read
    assert (missing.get_column("salary_monthly_source") == "predicted").all()
    assert missing.get_column("salary_exact_monthly_value_norm").null_count() == missing.height
