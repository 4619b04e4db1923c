"""Predicted monthly salary (`salary_exact_monthly_value_pr`) for postings without usable pay.

The study imputes unclear pay "from similar postings". We learn log monthly pay from postings whose pay
is stated and predict it for every posting, with a prediction interval. Predicted pay lives only in the
`*_pr` / `salary_monthly_pr_*` columns and in the NEW columns of `fill_missing_pay`; no function here
writes a `*_norm` column, so stated pay can never be mistaken for a prediction.

Model (chosen by measurement, see bench/BENCH_salary.md): a gradient-boosted median regression
(HistGradientBoosting, absolute loss) of log monthly pay over the categoricals below and the
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
import pickle
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import scipy.sparse as sp
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.linear_model import SGDRegressor

SALARY_MODEL_VERSION: str = "salary-1.0.1"  # 1.0.1: company size reaches the model (was banded twice)

PREDICTION_COLUMNS: tuple[str, ...] = (
    "salary_exact_monthly_value_pr",
    "salary_monthly_pr_low",
    "salary_monthly_pr_high",
)
FILL_COLUMNS: tuple[str, ...] = (
    "salary_monthly_filled",
    "salary_minimum_monthly_filled",
    "salary_maximum_monthly_filled",
    "salary_monthly_source",
)

# Categorical features, in the order they are encoded; a missing column counts as all-null.
CATEGORICAL_COLUMNS: tuple[str, ...] = (
    "source",
    "job_category_pr",
    "location_province_zh_norm",
    "location_prefecture_zh_norm",
    "education_level",
    "experience_level",
    "company_size_band",
)
CROSSES: tuple[tuple[str, str], ...] = (
    ("source", "location_province_zh_norm"),
    ("job_category_pr", "location_province_zh_norm"),
    ("education_level", "experience_level"),
    ("source", "job_category_pr"),
)
# Company-size bands by the lower bound of the stated head count ("20-99人" -> 20).
COMPANY_SIZE_BANDS: tuple[tuple[int, str], ...] = (
    (0, "<20"),
    (20, "20-99"),
    (100, "100-499"),
    (500, "500-999"),
    (1000, "1000-9999"),
    (10000, "10000+"),
)
# Numeric columns the booster also reads (null = unknown).
BOOSTER_NUMERIC_COLUMNS: tuple[str, ...] = (
    "desired_experience_exact_years_norm",
    "desired_experience_minimum_years_norm",
    "desired_experience_maximum_years_norm",
)
MIN_GROUP_CALIBRATION = 200  # a board's own residual quantiles need this many calibration rows


def company_size_band(text: pl.Expr) -> pl.Expr:
    """'20-99人', '民营 | 少于50人', '10000人以上' -> a COMPANY_SIZE_BANDS name (null: no head count).
    A band name maps to itself, so text banded once keeps its band (banding twice used to empty it)."""
    t = text.cast(pl.String)
    few = t.str.contains(r"(少于|不足)\s*\d+\s*人|\d+\s*人\s*以下")
    lower = t.str.extract(r"(\d+)\s*(?:-\s*\d+\s*)?人", 1).cast(pl.Int64, strict=False)
    lower = pl.when(few).then(pl.lit(0, dtype=pl.Int64)).otherwise(lower)
    expr = pl.lit(None, dtype=pl.String)
    for bound, name in COMPANY_SIZE_BANDS:
        expr = pl.when(lower >= bound).then(pl.lit(name)).otherwise(expr)
    names = [name for _, name in COMPANY_SIZE_BANDS]
    return pl.when(t.is_in(names)).then(t).otherwise(expr)


def _unit_hash(s: str | None) -> float:
    h = hashlib.blake2b((s or "").encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(h, "big") / 2.0**64


def _split_u(df: pl.DataFrame, seed: int) -> np.ndarray:
    # The seed is folded into the key so another seed draws another, equally reproducible split.
    keys = df.get_column("id").cast(pl.String).fill_null("")
    if seed:
        keys = pl.Series([f"{seed}:{k}" for k in keys.to_list()])
    return np.fromiter((_unit_hash(k) for k in keys.to_list()), dtype=np.float64, count=len(keys))


def stated_monthly_pay(df: pl.DataFrame) -> pl.Series:
    """The stated monthly pay: exact, else the midpoint of min/max, else the one bound given; null unless
    salary_status_norm is 'stated' (negotiable, missing, unparsed or implausible pay is not a target)."""
    def col(name: str) -> pl.Expr:
        return pl.col(name).cast(pl.Float64) if name in df.columns else pl.lit(None, dtype=pl.Float64)

    lo, hi = col("salary_minimum_monthly_value_norm"), col("salary_maximum_monthly_value_norm")
    value = pl.coalesce(col("salary_exact_monthly_value_norm"), (lo + hi) / 2, lo, hi)
    stated = pl.col("salary_status_norm") == "stated" if "salary_status_norm" in df.columns else pl.lit(True)
    return df.select(pl.when(stated & (value > 0)).then(value).alias("y")).get_column("y")


def _first_present(df: pl.DataFrame, names: tuple[str, ...]) -> pl.Expr:
    present = [pl.col(n).cast(pl.String) for n in names if n in df.columns]
    return pl.coalesce(present) if present else pl.lit(None, dtype=pl.String)


def _features_frame(df: pl.DataFrame) -> pl.DataFrame:
    """Title and the categorical columns as strings ('' = unknown)."""
    size = (
        company_size_band(pl.col("company_size"))
        if "company_size" in df.columns
        else pl.lit(None, dtype=pl.String)
    )
    out = df.select(
        (pl.col("title_extracted").cast(pl.String) if "title_extracted" in df.columns else pl.lit(""))
        .fill_null("")
        .str.to_lowercase()
        .alias("title"),
        *[
            (pl.col(c).cast(pl.String) if c in df.columns else pl.lit(None, dtype=pl.String)).alias(c)
            for c in CATEGORICAL_COLUMNS[:4]
        ],
        _first_present(df, ("desired_education_exact_level_norm", "desired_education_minimum_level_norm")).alias(
            "education_level"
        ),
        _first_present(
            df,
            (
                "desired_experience_exact_level_norm",
                "desired_experience_minimum_level_norm",
                "desired_experience_maximum_level_norm",
            ),
        ).alias("experience_level"),
        size.alias("company_size_band"),
        *[
            (pl.col(c).cast(pl.Float64, strict=False) if c in df.columns else pl.lit(None, dtype=pl.Float64)).alias(c)
            for c in BOOSTER_NUMERIC_COLUMNS
        ],
    )
    return out.with_columns(pl.col(c).fill_null("") for c in CATEGORICAL_COLUMNS).with_columns(
        pl.concat_str([pl.col(a), pl.col(b)], separator="|").alias(f"{a}|{b}") for a, b in CROSSES
    )


def _categorical_names() -> list[str]:
    return list(CATEGORICAL_COLUMNS) + [f"{a}|{b}" for a, b in CROSSES]


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
    booster_columns: list[int] = field(default_factory=list)  # columns of _booster_matrix it was fit on
    evaluation: dict[str, Any] = field(default_factory=dict)

    # -- features ----------------------------------------------------------------------------------
    def _matrix(self, feats: pl.DataFrame) -> sp.csr_matrix:
        return _design(feats, self.vocab, self.params)

    def _predict_log(self, df: pl.DataFrame) -> tuple[np.ndarray, pl.DataFrame]:
        feats = _features_frame(df)
        x = self._matrix(feats)
        linear = x @ self.coef + self.intercept
        if self.booster is None:
            return linear, feats
        xb = _booster_matrix(linear, feats, self.booster_codes)[:, self.booster_columns]
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
            lo_off, hi_off = _offsets_for(self.offsets, feats.get_column("source").to_list())
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
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as fh:
            pickle.dump(self.__dict__, fh, protocol=pickle.HIGHEST_PROTOCOL)
        meta = {"version": self.version, "params": self.params, "evaluation": self.evaluation}
        path.with_suffix(path.suffix + ".json").write_text(json.dumps(meta, indent=2, ensure_ascii=False))
        return path


def load_salary_model(path: str | Path) -> SalaryModel:
    with Path(path).open("rb") as fh:
        state = pickle.load(fh)
    return SalaryModel(**state)


def _offsets_for(offsets: dict[str, tuple[float, float]], boards: list[str]) -> tuple[np.ndarray, np.ndarray]:
    default = offsets[""]
    pairs = [offsets.get(b, default) for b in boards]
    arr = np.asarray(pairs, dtype=np.float64).reshape(-1, 2)
    return arr[:, 0], arr[:, 1]


def _design(feats: pl.DataFrame, vocab: dict[str, dict[str, int]], params: dict[str, Any]) -> sp.csr_matrix:
    hv = HashingVectorizer(
        analyzer="char",
        ngram_range=tuple(params["ngram_range"]),
        n_features=int(params["n_text_features"]),
        alternate_sign=False,
        norm="l2",
        lowercase=False,
    )
    blocks = [hv.transform(feats.get_column("title").to_list())]
    n = feats.height
    rows = np.arange(n)
    for name in _categorical_names():
        codes = vocab[name]
        # Unseen values map to no column (the intercept stands in), not to an error.
        idx = feats.get_column(name).replace_strict(codes, default=-1, return_dtype=pl.Int64).to_numpy()
        keep = idx >= 0
        blocks.append(
            sp.csr_matrix((np.ones(keep.sum()), (rows[keep], idx[keep])), shape=(n, len(codes)))
        )
    return sp.hstack(blocks, format="csr")


def _booster_codes(feats: pl.DataFrame, max_levels: int) -> dict[str, dict[str, int]]:
    # HistGradientBoosting takes at most 255 levels a feature: keep the most frequent, the rest are missing.
    out = {}
    for name in CATEGORICAL_COLUMNS:
        counts = (
            feats.get_column(name)
            .value_counts()
            .filter(pl.col(name) != "")
            .sort(["count", name], descending=[True, False])
        )
        out[name] = {v: i for i, v in enumerate(counts.get_column(name).head(max_levels).to_list())}
    return out


def _booster_matrix(linear: np.ndarray, feats: pl.DataFrame, codes: dict[str, dict[str, int]]) -> np.ndarray:
    cols = [linear]
    for name in CATEGORICAL_COLUMNS:
        idx = feats.get_column(name).replace_strict(codes[name], default=None, return_dtype=pl.Float64)
        cols.append(idx.fill_null(np.nan).to_numpy())
    cols += [feats.get_column(c).fill_null(np.nan).to_numpy() for c in BOOSTER_NUMERIC_COLUMNS]
    return np.column_stack(cols)


def _build_vocab(feats: pl.DataFrame, min_count: int) -> dict[str, dict[str, int]]:
    vocab = {}
    for name in _categorical_names():
        counts = feats.get_column(name).value_counts()
        values = sorted(counts.filter((pl.col("count") >= min_count) & (pl.col(name) != "")).get_column(name).to_list())
        vocab[name] = {v: i for i, v in enumerate(values)}
    return vocab


def _conformal_quantile(resid: np.ndarray, q: float) -> float:
    # Finite-sample split-conformal level: the ceil((n+1) q)-th order statistic.
    n = resid.size
    k = min(max(int(np.ceil((n + 1) * q)), 1), n)
    return float(np.partition(resid, k - 1)[k - 1])


def _conformal_offsets(resid: np.ndarray, boards: np.ndarray, interval: float) -> dict[str, tuple[float, float]]:
    a = (1.0 - interval) / 2.0
    def pair(r: np.ndarray) -> tuple[float, float]:
        return (-_conformal_quantile(-r, 1.0 - a), _conformal_quantile(r, 1.0 - a))

    out = {"": pair(resid)}
    for b in np.unique(boards):
        mask = boards == b
        if b and mask.sum() >= MIN_GROUP_CALIBRATION:
            out[str(b)] = pair(resid[mask])
    return out


def _by_board(boards: np.ndarray, pred: np.ndarray, y: np.ndarray, covered: np.ndarray) -> dict[str, dict]:
    out = {}
    for b in np.unique(boards):
        m = boards == b
        out[str(b)] = {"n": int(m.sum()), "mdape": _mdape(pred[m], y[m]), "coverage": float(covered[m].mean())}
    return out


def _mdape(pred: np.ndarray, y: np.ndarray) -> float:
    return float(np.median(np.abs(pred - y) / y))


def cell_median_baseline(
    train: pl.DataFrame, test: pl.DataFrame, cell: tuple[str, ...] = ("job_category_pr", "location_province_zh_norm")
) -> np.ndarray:
    """Median stated pay of the test posting's cell in the training rows (null cell values are a value of
    their own); a cell unseen in training falls back to the global median."""
    glob = float(train.get_column("y").median())
    med = train.group_by(list(cell)).agg(pl.col("y").median().alias("_m"))
    return (
        test.select(list(cell)).join(med, on=list(cell), how="left", nulls_equal=True, maintain_order="left")
        .get_column("_m")
        .fill_null(glob)
        .to_numpy()
    )


def _cell_frame(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.select(
        pl.col("y"),
        *[
            (pl.col(c).cast(pl.String) if c in frame.columns else pl.lit(None, dtype=pl.String)).alias(c)
            for c in ("job_category_pr", "location_province_zh_norm")
        ],
    )


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

    feats = _features_frame(labelled)
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
        "min_count": min_count,
        "split": "blake2b(id) -> u in [0,1): test u < test_share, calibration next calibration_share, fit rest",
    }
    vocab = _build_vocab(feats.filter(pl.Series(is_fit)), min_count)
    x = _design(feats, vocab, params)
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
        codes = _booster_codes(feats.filter(pl.Series(is_fit)), 250)
        xb = _booster_matrix(oof, feats[fit_rows], codes)
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
        boosted = booster.predict(_booster_matrix(pred, feats, codes)[:, columns])
        # Keep the booster only where it measures better than the linear model on the calibration slice
        # (it does on the real postings; on purely multiplicative pay the linear model is already right).
        if _mdape(np.exp(boosted[is_cal]), np.exp(y[is_cal])) < _mdape(np.exp(pred[is_cal]), np.exp(y[is_cal])):
            pred = boosted
        else:
            booster, codes, columns = None, {}, []
    boards = feats.get_column("source").to_numpy()
    offsets = _conformal_offsets(y[is_cal] - pred[is_cal], boards[is_cal], interval)

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
        lo_off, hi_off = _offsets_for(offsets, boards[is_test].tolist())
        pt = pred[is_test]
        covered = (y[is_test] >= pt + lo_off) & (y[is_test] <= pt + hi_off)
        train_part = _cell_frame(labelled.filter(pl.Series(~is_test)))
        test_part = _cell_frame(labelled.filter(pl.Series(is_test)))
        cell = cell_median_baseline(train_part, test_part)
        glob = np.full(yt.size, float(train_part.get_column("y").median()))
        model.evaluation = {
            "n_stated": int(labelled.height),
            "n_fit": int(is_fit.sum()),
            "n_calibration": int(is_cal.sum()),
            "n_test": int(is_test.sum()),
            "mdape": _mdape(np.exp(pt), yt),
            "linear_only_mdape": _mdape(np.exp(linear[is_test]), yt),
            "boosted": booster is not None,
            "interval": interval,
            "coverage": float(covered.mean()),
            "median_interval_width_ratio": float(np.median(np.exp(pt + hi_off) - np.exp(pt + lo_off)) / np.median(yt)),
            "baseline_cell_median_mdape": _mdape(cell, yt),
            "baseline_global_median_mdape": _mdape(glob, yt),
            "baseline_cell": "job_category_pr x location_province_zh_norm median over non-test rows",
            "by_board": _by_board(boards[is_test], np.exp(pt), yt, covered),
        }
    return model


def fill_missing_pay(postings: pl.DataFrame, predictions: pl.DataFrame) -> pl.DataFrame:
    """postings (same rows, same order, every input column unchanged, `*_norm` included) plus NEW columns:

    - salary_monthly_filled: stated monthly pay (exact, else midpoint of min/max) where
      salary_status_norm is 'stated', else salary_exact_monthly_value_pr of `predictions` (joined on id);
    - salary_minimum_monthly_filled / salary_maximum_monthly_filled: for Table 3's min/max medians, the
      stated bounds (an exact value is both), else the predicted value for both;
    - salary_monthly_source: 'stated' | 'predicted' | null (no stated pay and no prediction).
    """
    clash = [c for c in FILL_COLUMNS if c in postings.columns]
    if clash:
        raise ValueError(f"postings already has {clash}; refusing to overwrite")
    stated = stated_monthly_pay(postings)
    pred = (
        postings.select("id")
        .join(
            predictions.select("id", "salary_exact_monthly_value_pr").unique("id", keep="first"),
            on="id",
            how="left",
            maintain_order="left",
        )
        .get_column("salary_exact_monthly_value_pr")
    )

    def norm(name: str) -> pl.Expr:
        return pl.col(name).cast(pl.Float64) if name in postings.columns else pl.lit(None, dtype=pl.Float64)

    exact = norm("salary_exact_monthly_value_norm")
    lo, hi = norm("salary_minimum_monthly_value_norm"), norm("salary_maximum_monthly_value_norm")
    is_stated = pl.col("_s").is_not_null()
    added = postings.select(exact.alias("_e"), lo.alias("_lo"), hi.alias("_hi")).with_columns(
        stated.alias("_s"), pred.alias("_p")
    ).select(
        pl.coalesce("_s", "_p").alias(FILL_COLUMNS[0]),
        pl.when(is_stated).then(pl.coalesce("_e", "_lo", "_hi")).otherwise("_p").alias(FILL_COLUMNS[1]),
        pl.when(is_stated).then(pl.coalesce("_e", "_hi", "_lo")).otherwise("_p").alias(FILL_COLUMNS[2]),
        pl.when(is_stated)
        .then(pl.lit("stated"))
        .when(pl.col("_p").is_not_null())
        .then(pl.lit("predicted"))
        .alias(FILL_COLUMNS[3]),
    )
    return postings.hstack(added)
