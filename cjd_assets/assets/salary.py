"""Predicted monthly pay for every unique posting, kept apart from stated pay (the study's `*_pr` salary)."""

import json
from datetime import datetime, timezone

import dagster as dg
import polars as pl

from cjd_assets import salary_model as S
from cjd_assets import warehouse as wh
from cjd_assets.assets.classify import classified_postings
from cjd_assets.assets.dedup import deduplicated_postings
from cjd_assets.assets.normalize import normalized_postings
from cjd_assets.resources import Lake, Warehouse

FEATURES_SQL = """
SELECT d.id, d.title_extracted, d.source, c.job_category_pr, n.* EXCLUDE (id, input_hash, normalize_version,
       pipeline_version, pipeline_date_updated),
       d.company_information_extracted AS company_size
FROM deduplicated_postings d
JOIN classified_postings c USING (id)
JOIN normalized_postings n USING (id)
WHERE d.is_primary
ORDER BY d.id
"""


@dg.asset(
    deps=[deduplicated_postings, classified_postings, normalized_postings],
    group_name="salary",
    kinds={"duckdb", "scikitlearn"},
    code_version=S.SALARY_MODEL_VERSION,
)
def salary_predictions(context: dg.AssetExecutionContext, warehouse: Warehouse, lake: Lake) -> dg.MaterializeResult:
    """`salary_exact_monthly_value_pr` with an 80 % prediction interval (`salary_monthly_pr_low/high`) for
    every unique posting, from a model trained on postings that state their pay (title text, category,
    province and prefecture, education, experience, board, company size). Held-out error and interval
    coverage sit beside two baselines (category x province median, global median). Predicted pay never
    replaces the stated `*_norm` salary columns; the summaries use it only when asked to."""
    with warehouse.connection() as con:
        frame = wh.read_frame(con, FEATURES_SQL)
    frame = frame.with_columns(S.company_size_band(pl.col("company_size")).alias("company_size"))
    stated = int((frame["salary_status_norm"] == "stated").sum()) if frame.height else 0
    context.log.info(f"training the salary model on {stated:,} postings with stated pay of {frame.height:,}")
    model = S.train_salary_model(frame)
    model.save(lake.path("models", f"salary-{model.version}", "model.pkl"))
    pred = model.predict(frame).with_columns(
        salary_model_version=pl.lit(model.version),
        pipeline_date_updated=pl.lit(datetime.now(timezone.utc)),
    )
    with warehouse.connection() as con:
        wh.write_table(con, "salary_predictions", pred)
    ev = model.evaluation
    scores = pl.DataFrame({
        "predictor": ["salary model", "category x province median", "global median"],
        "median_abs_pct_error": [ev.get("mdape"), ev.get("baseline_cell_median_mdape"),
                                 ev.get("baseline_global_median_mdape")],
    })
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": pred.height,
            "model_version": model.version,
            "postings_with_stated_pay": stated,
            "held_out_postings": int(ev.get("n_test", 0)),
            "interval_coverage_80": float(ev.get("coverage") or 0.0),
            "held_out_error": dg.MetadataValue.md(wh.markdown_preview(scores)),
            "evaluation": dg.MetadataValue.json(json.loads(json.dumps(ev, default=str))),
        },
        data_version=dg.DataVersion(model.version),
    )
