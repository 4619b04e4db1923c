"""The salary model: fitting, the id-hashed split, prediction with intervals, evaluation.

The study imputes unclear pay "from similar postings". We learn log monthly pay from postings whose pay
is stated and predict it for every posting, with a prediction interval. Predicted pay lives only in the
`*_pr` / `salary_monthly_pr_*` columns; no function here writes a `*_norm` column, so stated pay can
never be mistaken for a prediction. (Filling missing pay with predicted pay is the analysis view's
job: sql/analysis_postings_filled.sql.)

Model (chosen by measurement, see bench/BENCH_salary.md): a gradient-boosted median regression
(HistGradientBoosting, absolute loss) of log monthly pay over the categoricals of features.py and the
out-of-fold prediction of a linear median regression (absolute loss, averaged SGD) over
hashed character 1-3-grams of the title plus one-hot categoricals (board, category, province,
prefecture, education, experience level, company size band) and a few crosses (board x province,
category x province, education x experience), since pay scales multiplicatively with each of them;
the booster adds the interactions the linear terms miss (about 7 % lower held-out error).
Interval: split-conformal quantiles of the log residuals on a calibration slice, per board where the
board has enough calibration rows (boards differ in era and noise), else over all rows.

Split: each posting's id is hashed (blake2b) to u in [0, 1); u < test_share is held out for evaluation,
the next `calibration_share` of u is the conformal calibration slice, the rest trains. The split depends
only on the id, so it is the same on every run and machine and a posting never changes side when the
corpus grows.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import scipy.sparse as sp
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.linear_model import SGDRegressor

from cjd_assets.salary.baselines import by_board, cell_frame, cell_median_baseline, mdape
from cjd_assets.salary.features import (
    CATEGORICAL_COLUMNS,
    booster_codes,
    booster_matrix,
    build_vocab,
    design,
    features_frame,
    stated_monthly_pay,
)
from cjd_assets.salary.intervals import conformal_offsets, offsets_for
from cjd_assets.salary.persistence import read_state, write_state

SALARY_MODEL_VERSION: str = "salary-1.1.0"  # 1.1.0: title n-grams hashed by numpy (8x cheaper); 1.0.1: company size reaches the model

PREDICTION_COLUMNS: tuple[str, ...] = (
    "salary_exact_monthly_value_pr",
    "salary_monthly_pr_low",
    "salary_monthly_pr_high",
)


def _unit_hash(s: str | None) -> float:
    h = hashlib.blake2b((s or "").encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(h, "big") / 2.0**64


def _split_u(df: pl.DataFrame, seed: int) -> np.ndarray:
    # The seed is folded into the key so another seed draws another, equally reproducible split.
    keys = df.get_column("id").cast(pl.String).fill_null("")
    if seed:
        keys = pl.Series([f"{seed}:{k}" for k in keys.to_list()])
    return np.fromiter((_unit_hash(k) for k in keys.to_list()), dtype=np.float64, count=len(keys))


@dataclass
class SalaryModel:
    """A fitted salary model (build it with train_salary_model): a linear log-pay median regression, an
    optional booster stacked on it, and per-board conformal interval offsets in log space."""

    version: str
    params: dict[str, Any]
    vocab: dict[str, dict[str, int]]
    coef: np.ndarray
    intercept: float
    offsets: dict[str, tuple[float, float]]  # board -> (low, high) log offsets; "" = all boards
    booster: Any = None  # HistGradientBoostingRegressor over [linear prediction, categorical codes]
    booster_codes: dict[str, dict[str, int]] = field(default_factory=dict)
    booster_columns: list[int] = field(default_factory=list)  # columns of booster_matrix it was fit on
    evaluation: dict[str, Any] = field(default_factory=dict)

    # -- features ----------------------------------------------------------------------------------
    def _matrix(self, feats: pl.DataFrame) -> sp.csr_matrix:
        return design(feats, self.vocab, self.params)

    def _predict_log(self, df: pl.DataFrame) -> tuple[np.ndarray, pl.DataFrame]:
        feats = features_frame(df)
        x = self._matrix(feats)
        linear = x @ self.coef + self.intercept
        if self.booster is None:
            return linear, feats
        xb = booster_matrix(linear, feats, self.booster_codes)[:, self.booster_columns]
        return self.booster.predict(xb), feats

    def predict(self, df: pl.DataFrame) -> pl.DataFrame:
        """Same rows, same order: id, salary_exact_monthly_value_pr (CNY a month) and the interval bounds
        salary_monthly_pr_low / _high (the model's `interval` coverage, e.g. 80 %)."""
        parts = []
        step = int(self.params.get("batch_size", 200_000))
        for start in range(0, max(df.height, 1), step):
            chunk = df.slice(start, step)
            if chunk.height == 0:
                continue
            pred, feats = self._predict_log(chunk)
            lo_off, hi_off = offsets_for(self.offsets, feats.get_column("source").to_list())
            parts.append(
                pl.DataFrame(
                    {
                        "id": chunk.get_column("id") if "id" in chunk.columns else [None] * chunk.height,
                        "salary_exact_monthly_value_pr": np.exp(pred),
                        "salary_monthly_pr_low": np.exp(pred + lo_off),
                        "salary_monthly_pr_high": np.exp(pred + hi_off),
                    }
                )
            )
        if not parts:
            return pl.DataFrame(
                schema={"id": df.schema.get("id", pl.String), **{c: pl.Float64 for c in PREDICTION_COLUMNS}}
            )
        return pl.concat(parts)

    def save(self, path: str | Path) -> Path:
        """A pickle of the fitted state plus a JSON sidecar (version, params, evaluation) for people."""
        return write_state(self.__dict__, path)


def load_salary_model(path: str | Path) -> SalaryModel:
    return SalaryModel(**read_state(path))



def train_salary_model(
    df: pl.DataFrame,
    seed: int = 0,
    test_share: float = 0.2,
    interval: float = 0.8,
    *,
    calibration_share: float = 0.15,
    alpha: float = 1e-6,
    epochs: int = 20,
    ngram_range: tuple[int, int] = (1, 3),
    n_text_features: int = 2**18,
    min_count: int = 5,
    boost: bool = True,
    boost_folds: int = 3,
    boost_max_rows: int = 400_000,
) -> SalaryModel:
    """Fit on postings whose pay is stated (see stated_monthly_pay), evaluate on the held-out share.

    df: one row per posting with `id`, `title_extracted`, `source`, `job_category_pr`,
    `location_province_zh_norm`, `location_prefecture_zh_norm`, education/experience `*_level_norm`,
    optional `company_size` (raw head-count text), and the salary `*_monthly_value_norm` +
    `salary_status_norm` columns. Rows without stated pay are ignored here and predicted later.
    """
    if not 0.0 < interval < 1.0:
        raise ValueError("interval must be in (0, 1)")
    y_all = stated_monthly_pay(df)
    labelled = df.with_columns(y_all.alias("y")).filter(pl.col("y").is_not_null())
    if labelled.height < 50:
        raise ValueError(f"only {labelled.height} postings with stated pay; need at least 50 to fit")
    u = _split_u(labelled, seed)
    is_test = u < test_share
    is_cal = (u >= test_share) & (u < test_share + calibration_share)
    is_fit = ~(is_test | is_cal)

    feats = features_frame(labelled)
    y = np.log(labelled.get_column("y").to_numpy())
    params = {
        "seed": seed,
        "test_share": test_share,
        "calibration_share": calibration_share,
        "interval": interval,
        "alpha": alpha,
        "epochs": epochs,
        "model": "SGDRegressor(absolute loss on log pay, averaged)",
        "boost_folds": boost_folds,
        "boost_max_rows": boost_max_rows,
        "ngram_range": list(ngram_range),
        "n_text_features": n_text_features,
        "text_hashing": "cjd",
        "min_count": min_count,
        "split": "blake2b(id) -> u in [0,1): test u < test_share, calibration next calibration_share, fit rest",
    }
    vocab = build_vocab(feats.filter(pl.Series(is_fit)), min_count)
    x = design(feats, vocab, params)
    # Absolute loss in log space = median regression, the right target for a median percentage error and
    # robust to the odd mis-scaled pay; averaged SGD makes it a few passes over the rows (1M rows fit).
    center = float(np.median(y[is_fit]))

    def linear_fit(rows: np.ndarray) -> tuple[np.ndarray, float]:
        reg = SGDRegressor(
            loss="epsilon_insensitive",
            epsilon=0.0,
            alpha=alpha,
            learning_rate="adaptive",
            eta0=0.05,
            max_iter=epochs,
            tol=None,
            average=True,
            random_state=seed,
        )
        reg.fit(x[rows], y[rows] - center)
        return reg.coef_.astype(np.float64), float(reg.intercept_[0]) + center

    fit_rows = np.flatnonzero(is_fit)
    coef, intercept = linear_fit(fit_rows)
    pred = linear = x @ coef + intercept
    booster, codes, columns = None, {}, []
    if boost:
        # Stacking: the booster learns from out-of-fold linear predictions (in-fold ones are overfit),
        # plus the categoricals, so it can model interactions the linear terms miss.
        oof = np.empty(fit_rows.size)
        fold = (u[fit_rows] * 1_000_003).astype(np.int64) % boost_folds
        for k in range(boost_folds):
            c_k, i_k = linear_fit(fit_rows[fold != k])
            oof[fold == k] = x[fit_rows[fold == k]] @ c_k + i_k
        codes = booster_codes(feats.filter(pl.Series(is_fit)), 250)
        xb = booster_matrix(oof, feats[fit_rows], codes)
        keep = np.argsort(u[fit_rows], kind="stable")[:boost_max_rows]  # hash-chosen subsample caps time
        # A feature that is never known (e.g. no prefectures at all) cannot be binned; leave it out.
        columns = [0] + [j for j in range(1, xb.shape[1]) if not np.isnan(xb[keep, j]).all()]
        n_cat = len(CATEGORICAL_COLUMNS)
        booster = HistGradientBoostingRegressor(
            loss="absolute_error",
            learning_rate=0.1,
            max_iter=300,
            early_stopping=True,  # on a seeded internal 10 % slice of the fit rows
            validation_fraction=0.1,
            n_iter_no_change=10,
            categorical_features=[i for i, j in enumerate(columns) if 1 <= j <= n_cat] or None,
            random_state=seed,
        )
        booster.fit(xb[keep][:, columns], y[fit_rows][keep])
        boosted = booster.predict(booster_matrix(pred, feats, codes)[:, columns])
        # Keep the booster only where it measures better than the linear model on the calibration slice
        # (it does on the real postings; on purely multiplicative pay the linear model is already right).
        if mdape(np.exp(boosted[is_cal]), np.exp(y[is_cal])) < mdape(np.exp(pred[is_cal]), np.exp(y[is_cal])):
            pred = boosted
        else:
            booster, codes, columns = None, {}, []
    boards = feats.get_column("source").to_numpy()
    offsets = conformal_offsets(y[is_cal] - pred[is_cal], boards[is_cal], interval)

    ids_digest = hashlib.blake2b(
        "\n".join(sorted(labelled.get_column("id").cast(pl.String).fill_null("").to_list())).encode(), digest_size=6
    ).hexdigest()
    pdigest = hashlib.blake2b(json.dumps(params, sort_keys=True).encode(), digest_size=4).hexdigest()
    if booster is not None:
        params["model"] += " stacked under HistGradientBoostingRegressor(absolute loss)"
    model = SalaryModel(
        version=f"{SALARY_MODEL_VERSION}+{pdigest}.{ids_digest}",
        params=params,
        vocab=vocab,
        coef=coef,
        intercept=intercept,
        offsets=offsets,
        booster=booster,
        booster_codes=codes,
        booster_columns=columns if booster is not None else [],
    )

    # Held-out evaluation beside the two baselines, all from the same split.
    yt = np.exp(y[is_test])
    if yt.size:
        lo_off, hi_off = offsets_for(offsets, boards[is_test].tolist())
        pt = pred[is_test]
        covered = (y[is_test] >= pt + lo_off) & (y[is_test] <= pt + hi_off)
        train_part = cell_frame(labelled.filter(pl.Series(~is_test)))
        test_part = cell_frame(labelled.filter(pl.Series(is_test)))
        cell = cell_median_baseline(train_part, test_part)
        glob = np.full(yt.size, float(train_part.get_column("y").median()))
        model.evaluation = {
            "n_stated": int(labelled.height),
            "n_fit": int(is_fit.sum()),
            "n_calibration": int(is_cal.sum()),
            "n_test": int(is_test.sum()),
            "mdape": mdape(np.exp(pt), yt),
            "linear_only_mdape": mdape(np.exp(linear[is_test]), yt),
            "boosted": booster is not None,
            "interval": interval,
            "coverage": float(covered.mean()),
            "median_interval_width_ratio": float(np.median(np.exp(pt + hi_off) - np.exp(pt + lo_off)) / np.median(yt)),
            "baseline_cell_median_mdape": mdape(cell, yt),
            "baseline_global_median_mdape": mdape(glob, yt),
            "baseline_cell": "job_category_pr x location_province_zh_norm median over non-test rows",
            "by_board": by_board(boards[is_test], np.exp(pt), yt, covered),
        }
    return model
