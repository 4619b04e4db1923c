"""Predicted monthly pay for every unique posting, kept apart from stated pay (the study's `*_pr` salary)."""

import json
from datetime import datetime, timezone

import dagster as dg
import polars as pl

from cjd_assets import model_cache
from cjd_assets import salary as S
from cjd_assets import warehouse as wh
from cjd_assets.assets.dedup import deduplicated_postings
from cjd_assets.assets.normalize import normalized_postings
from cjd_assets.jobs import DUCKDB_POOL
from cjd_assets.resources import Lake, Warehouse

# training: a fixed, id-hashed sample of the postings with stated pay (see the SQL); prediction: all, in batches
MAX_TRAINING_POSTINGS = 200_000
FEATURES_SQL = wh.sql_text("salary_features")
TRAIN_PARAMS = {"stated_only": True, "limit": MAX_TRAINING_POSTINGS}
PREDICT_PARAMS = {"stated_only": False, "limit": None}
BATCH_SIZE = 100_000


@dg.asset(
    deps=[deduplicated_postings, "classified_postings", normalized_postings],
    group_name="salary",
    kinds={"duckdb", "scikitlearn"},
    code_version=S.SALARY_MODEL_VERSION,
    pool=DUCKDB_POOL,
)
def salary_predictions(context: dg.AssetExecutionContext, warehouse: Warehouse, lake: Lake) -> dg.MaterializeResult:
    """`salary_exact_monthly_value_pr` with an 80 % prediction interval (`salary_monthly_pr_low/high`) for
    every unique posting, from a model trained on postings that state their pay (title text, category,
    province and prefecture, education, experience, board, company size). Held-out error and interval
    coverage sit beside two baselines (category x province median, global median). Predicted pay never
    replaces the stated `*_norm` salary columns; the summaries use it only when asked to."""
    with warehouse.connection() as con:
        training = wh.read_frame(con, FEATURES_SQL, TRAIN_PARAMS)  # raw head-count text: the library bands it
    stated = training.height
    context.log.info(f"training the salary model on {stated:,} postings with stated pay")
    # retrained only when the training rows, MAX_TRAINING_POSTINGS or the model's code changed
    model, reused = model_cache.cached(
        lake.path("models", "cache"), "salary", training, {"max_training": MAX_TRAINING_POSTINGS},
        S.SALARY_MODEL_VERSION, lambda: S.train_salary_model(training), lambda m, p: m.save(p),
        S.load_salary_model, code=(S,))
    context.log.info(f"salary model {model.version}: {'reused, training inputs unchanged' if reused else 'trained'}")
    model.save(lake.path("models", f"salary-{model.version}", "model.pkl"))
    now = datetime.now(timezone.utc)
    with warehouse.connection() as con:
        # only new postings, changed features or another model's rows are predicted (salary/incremental.py)
        predicted = S.update_predictions(con, model, FEATURES_SQL, PREDICT_PARAMS, now, BATCH_SIZE)
        total = wh.row_count(con, "salary_predictions")
    context.log.info(f"predicted {predicted:,} postings, kept {total - predicted:,} from earlier runs")
    ev = model.evaluation
    scores = pl.DataFrame({
        "predictor": ["salary model", "category x province median", "global median"],
        "median_abs_pct_error": [ev.get("mdape"), ev.get("baseline_cell_median_mdape"),
                                 ev.get("baseline_global_median_mdape")],
    })
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": total,
            "model_version": model.version,
            "training_postings_with_stated_pay": stated,
            "held_out_postings": int(ev.get("n_test", 0)),
            "interval_coverage_80": float(ev.get("coverage") or 0.0),
            "held_out_error": dg.MetadataValue.md(wh.markdown_preview(scores)),
            "evaluation": dg.MetadataValue.json(json.loads(json.dumps(ev, default=str))),
        },
        data_version=dg.DataVersion(model.version),
    )
