"""The readable report: rendered from the stored summary and cluster tables (nothing recomputed), as HTML
and, where Chromium is installed, a PDF beside it."""

import json
from datetime import datetime, timezone

import dagster as dg

from cjd_assets import warehouse as wh
from cjd_assets.assets.clusters import CLUSTER_VIEWS, cluster_assets
from cjd_assets.assets.summaries import PAY_BASIS_FILLED, PAY_BASIS_STATED, summary_assets
from cjd_assets.report import document as D
from cjd_assets.report import summaries as S
from cjd_assets.resources import Lake, ReportSettings, Warehouse

TITLE = "China's AI workforce: demand for AI talent in job postings"


def report_inputs(con, settings, failed_checks: list[str] | None = None) -> D.ReportInputs:
    """What the report shows, read from the warehouse's stored tables; figures drawn from those tables."""
    tables = S.load_summaries(con)
    clusters = {}
    for name, _ in CLUSTER_VIEWS:
        if wh.table_exists(con, f"{name}_regions"):
            clusters[name] = {kind: wh.read_frame(con, f"SELECT * FROM {name}_{kind}")
                              for kind in ("regions", "provinces", "cities") if wh.table_exists(con, f"{name}_{kind}")}
    classifier = None
    if wh.table_exists(con, "job_classifier"):
        rows = wh.read_frame(con, "SELECT * EXCLUDE (metrics_json) FROM job_classifier ORDER BY trained_at DESC LIMIT 1")
        classifier = rows.row(0, named=True) if rows.height else None
    harvested = (con.execute("SELECT count(*) FROM deduplicated_postings").fetchall()[0][0]
                 if wh.table_exists(con, "deduplicated_postings") else None)
    from cjd_assets import clusters as C

    employer = C.load_employer_rules()
    rules = {k: int(v) for k, v in employer.group_by("list").len().iter_rows()}
    rules["surveillance_keywords"] = C.load_keyword_rules().height
    pay = {t.get("pay_basis", [None])[0] for t in tables.values() if "pay_basis" in t.columns and t.height}
    return D.ReportInputs(
        tables=tables, figures=S.summary_figures(tables, settings), clusters=clusters, classifier=classifier,
        evaluation=wh.read_frame(con, "SELECT * FROM classifier_evaluation")
        if wh.table_exists(con, "classifier_evaluation") else None,
        confusion=wh.read_frame(con, "SELECT * FROM classifier_confusion")
        if wh.table_exists(con, "classifier_confusion") else None,
        harvested=harvested, tag_rules=rules, failed_checks=list(failed_checks or []),
        ppp_rate=settings.ppp_rate, min_province_n=settings.min_province_n,
        min_month_postings=settings.min_month_postings,
        pay_basis=PAY_BASIS_FILLED if PAY_BASIS_FILLED in pay else PAY_BASIS_STATED,
    )


@dg.asset(deps=[*summary_assets, *cluster_assets], group_name="report", kinds={"html", "pdf"})
def summary_report(context: dg.AssetExecutionContext, warehouse: Warehouse, lake: Lake,
                   report_settings: ReportSettings) -> dg.MaterializeResult:
    """The report a policy analyst can cite: key findings in plain sentences, the study's tables and figures
    on our data with the study's values beside them, the 2023 follow-up's regional, defense and surveillance
    clusters, and a data-and-methods section, rendered from the stored summary tables into one self-contained
    HTML file (every posting-derived string escaped) and a PDF printed by headless Chromium."""
    with warehouse.connection() as con:
        inputs = report_inputs(con, report_settings)
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
        "failed_checks": dg.MetadataValue.json(json.loads(json.dumps(inputs.failed_checks))),
    }
    if pdf is not None:
        metadata["pdf"] = dg.MetadataValue.path(str(pdf))
    return dg.MaterializeResult(metadata=metadata)
