"""The readable report: rendered from the stored summary and cluster tables (nothing recomputed), as HTML
and, where Chromium is installed, a PDF beside it."""

from datetime import datetime, timezone

import dagster as dg

from cjd_assets.assets.clusters import cluster_assets
from cjd_assets.assets.summaries import PAY_BASIS_FILLED, summary_assets
from cjd_assets.report import document as D
from cjd_assets.resources import Lake, ReportSettings, Warehouse

TITLE = "China's AI workforce: demand for AI talent in job postings"


@dg.asset(deps=[*summary_assets, *cluster_assets], group_name="report", kinds={"html", "pdf"})
def summary_report(context: dg.AssetExecutionContext, warehouse: Warehouse, lake: Lake,
                   report_settings: ReportSettings) -> dg.MaterializeResult:
    """The report a policy analyst can cite: key findings in plain sentences, the study's tables and figures
    on our data with the study's values beside them, the 2023 follow-up's regional, defense and surveillance
    clusters, and a data-and-methods section, rendered from the stored summary tables into one self-contained
    HTML file (every posting-derived string escaped) and a PDF printed by headless Chromium."""
    with warehouse.connection() as con:
        # read_inputs(..., failed_checks=[...]) puts a list of failed data checks at the top of the report.
        inputs = D.read_inputs(con, report_settings)
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
