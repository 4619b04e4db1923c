"""What the report shows, read back from the warehouse's stored tables (the report renders, never computes)."""

from __future__ import annotations

import polars as pl

from cjd_assets import clusters as C
from cjd_assets import warehouse as wh
from cjd_assets.analysis.registry import CLUSTER_VIEWS, load_summaries, summary_figures
from cjd_assets.analysis.view import PAY_BASIS_STATED
from cjd_assets.report.document import ReportInputs


def read_report_inputs(con, settings, failed_checks: list[str] | None = None) -> ReportInputs:
    """The summaries, the follow-up's cluster tables and the classifier's evaluation as stored; the figures
    are drawn from those tables. `settings` has the ReportSettings attributes."""
    tables = load_summaries(con)
    clusters = {}
    for name in CLUSTER_VIEWS:
        kinds = [k for k in ("regions", "provinces", "cities") if wh.table_exists(con, f"{name}_{k}")]
        if kinds:
            clusters[name] = {k: wh.read_frame(con, f"SELECT * FROM {name}_{k}") for k in kinds}
    classifier = None
    if wh.table_exists(con, "job_classifier"):
        rows = wh.read_frame(con, "SELECT * EXCLUDE (metrics_json) FROM job_classifier ORDER BY trained_at DESC LIMIT 1")
        classifier = rows.row(0, named=True) if rows.height else None

    def stored(name: str) -> pl.DataFrame | None:
        # without the bookkeeping columns every stage's table carries
        return wh.read_frame(con, f"SELECT * FROM {name}").drop(
            "model_version", "pipeline_version", "pipeline_date_updated", strict=False) if wh.table_exists(con, name) else None

    rules = {k: int(v) for k, v in C.load_employer_rules().group_by("list").len().iter_rows()}
    rules["surveillance_keywords"] = C.load_keyword_rules().height
    pay = {t["pay_basis"][0] for t in tables.values() if "pay_basis" in t.columns and t.height}
    return ReportInputs(
        tables=tables, figures=summary_figures(tables, settings), clusters=clusters,
        cluster_labels={view: label for view, (label, _) in CLUSTER_VIEWS.items()}, classifier=classifier,
        evaluation=stored("classifier_evaluation"), confusion=stored("classifier_confusion"),
        harvested=wh.row_count(con, "deduplicated_postings") if wh.table_exists(con, "deduplicated_postings") else None,
        tag_rules=rules, failed_checks=list(failed_checks or []), ppp_rate=settings.ppp_rate,
        min_province_n=settings.min_province_n, min_month_postings=settings.min_month_postings,
        pay_basis=next((p for p in pay if p != PAY_BASIS_STATED), PAY_BASIS_STATED),
    )
