"""The readable report: rendered from the stored summary and cluster tables (nothing recomputed), as HTML
and, where Chromium is installed, a PDF beside it."""

from datetime import datetime, timezone

import dagster as dg

from cjd_assets import analysis as A
from cjd_assets.assets.summaries import PAY_BASIS_FILLED, cluster_assets, summary_assets
from cjd_assets.jobs import DUCKDB_POOL
from cjd_assets.report import document as D
from cjd_assets.resources import Lake, ReportSettings, Warehouse

TITLE = "China's AI workforce: demand for AI talent in job postings"


def _failed_checks(context: dg.AssetExecutionContext) -> list[str]:
    """The latest evaluation of every asset check of the code location that failed, from the Dagster
    instance, as 'check on asset (severity): what failed. what the check measures'."""
    # every module's checks, not only this job's (raw_postings' are checked in the harvest job); imported
    # here because the definitions import this module
    from cjd_assets.definitions import ASSET_MODULES

    specs = {spec.key: spec for a in dg.load_assets_from_modules(ASSET_MODULES)
             for spec in getattr(a, "check_specs", ())}
    keys = sorted(specs, key=lambda k: (k.asset_key.to_user_string(), k.name))
    records = context.instance.event_log_storage.get_latest_asset_check_execution_by_key(keys)
    out = []
    for key in keys:
        record = records.get(key)
        evaluation = record.event.dagster_event.event_specific_data if record and record.event else None
        if not isinstance(evaluation, dg.AssetCheckEvaluation) or evaluation.passed:
            continue
        details = ", ".join(f"{k}={getattr(v, 'value', v)}" for k, v in (evaluation.metadata or {}).items())
        what = " ".join(filter(None, [evaluation.description, details and f"[{details}]"]))
        out.append(f"{key.name} on {key.asset_key.to_user_string()} ({evaluation.severity.value}): {what}. "
                   f"{specs[key].description or ''}".strip())
    return out


# Beside the summaries it renders the classifier's stored test scores and confusion matrix.
@dg.asset(deps=[*summary_assets, *cluster_assets, "classifier_evaluation", "classifier_confusion"],
          group_name="report", kinds={"html", "pdf"}, pool=DUCKDB_POOL)
def summary_report(context: dg.AssetExecutionContext, warehouse: Warehouse, lake: Lake,
                   report_settings: ReportSettings) -> dg.MaterializeResult:
    """The report a policy analyst can cite: key findings in plain sentences, the study's tables and figures
    on our data with the study's values beside them, the 2023 follow-up's regional, defense and surveillance
    clusters, and a data-and-methods section, rendered from the stored summary tables into one self-contained
    HTML file (every posting-derived string escaped) and a PDF printed by headless Chromium."""
    with warehouse.connection() as con:
        inputs = A.read_report_inputs(con, report_settings, failed_checks=_failed_checks(context))
    title = TITLE + (" (salaries: predicted pay fills gaps in stated pay)" if inputs.pay_basis == PAY_BASIS_FILLED else "")
    html_text = D.build_document(inputs, title, datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"))
    path = lake.path("report", "report.html")
    path.write_text(html_text, encoding="utf-8")
    for key, (_, png) in inputs.figures.items():
        lake.path("report", f"{key}.png").write_bytes(png)
    pdf = D.print_pdf(path, path.with_suffix(".pdf"))
    if pdf is None:
        context.log.warning("report.pdf not written (no working chromium); the HTML report is complete")
    metadata = {
        "report": dg.MetadataValue.path(str(path)),
        "figures": len(inputs.figures),
        "pay_basis": inputs.pay_basis,
        "size_kb": round(len(html_text.encode()) / 1024, 1),
        "key_findings": dg.MetadataValue.md("\n".join(f"{i}. {f}" for i, f in enumerate(D.key_findings(inputs), 1))),
    }
    if pdf is not None:
        metadata["pdf"] = dg.MetadataValue.path(str(pdf))
    return dg.MaterializeResult(metadata=metadata)
