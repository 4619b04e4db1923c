"""Predicted monthly salary (`salary_exact_monthly_value_pr`, with an interval) for every posting, learned
from postings that state their pay. Plain Python, no Dagster.

features (target, features, encodings) -> intervals (split-conformal offsets), baselines (error measure
and the baselines it is scored against), persistence (pickle + JSON sidecar) -> model (SalaryModel,
train_salary_model, load_salary_model); incremental (update_predictions: only new or changed postings
are predicted again).
"""

from cjd_assets.salary.baselines import cell_median_baseline, mdape
from cjd_assets.salary.features import (
    BOOSTER_NUMERIC_COLUMNS,
    CATEGORICAL_COLUMNS,
    COMPANY_SIZE_BANDS,
    CROSSES,
    company_size_band,
    stated_monthly_pay,
)
from cjd_assets.salary.incremental import update_predictions
from cjd_assets.salary.intervals import MIN_GROUP_CALIBRATION
from cjd_assets.salary.model import (
    PREDICTION_COLUMNS,
    SALARY_MODEL_VERSION,
    SalaryModel,
    load_salary_model,
    train_salary_model,
)

__all__ = [
    "BOOSTER_NUMERIC_COLUMNS",
    "CATEGORICAL_COLUMNS",
    "COMPANY_SIZE_BANDS",
    "CROSSES",
    "MIN_GROUP_CALIBRATION",
    "PREDICTION_COLUMNS",
    "SALARY_MODEL_VERSION",
    "SalaryModel",
    "cell_median_baseline",
    "company_size_band",
    "load_salary_model",
    "mdape",
    "stated_monthly_pay",
    "train_salary_model",
    "update_predictions",
]
