"""The readable report: the study's tables and figures and the 2023 follow-up's clusters in one file."""

from datetime import datetime, timezone

import dagster as dg
import polars as pl

from cjd_assets import report as R
from cjd_assets import warehouse as wh
from cjd_assets.assets.clusters import CLUSTER_VIEWS, cluster_assets
from cjd_assets.assets.salary import salary_predictions
from cjd_assets.assets.summaries import PAY_BASIS_FILLED, prepare_analysis_view, summary_assets
from cjd_assets.report.build import FAILED_CHECK_COLUMNS
from cjd_assets.resources import Lake, ReportSettings, Warehouse

TITLE = "China's AI workforce: demand for AI talent in job postings"


def _cluster_sections(con) -> list[R.ReportSection]:
    from cjd_assets.clusters import figures as CF

    sections = []
    for name, label in CLUSTER_VIEWS:
        if not wh.table_exists(con, f"{name}_regions"):
            continue
        regions, provinces, cities = (wh.read_frame(con, f"SELECT * FROM {name}_{kind}")
                                      for kind in ("regions", "provinces", "cities"))
        sections.append(R.ReportSection(
            f"2023 follow-up: {label}",
            "AI-related = Technical Team 1 or 2 postings with at least one Appendix D keyword. Region and "
            "province shares are of postings with a known province; city shares of postings with a known city.",
            tables=[("By region", regions), ("Top cities", cities)],
            figures=[(f"{label} by province", CF.figure_cluster_map(provinces, f"{label} by province")),
                     (f"{label}: top cities", CF.figure_cluster_cities(cities, f"{label}: top cities"))],
        ))
    return sections


def _change_over_time_section(con, settings: ReportSettings) -> list[R.ReportSection]:
    """Rendered from the stored summary tables (the series and the window comparison)."""
    from cjd_assets.report import timeseries as TS

    if not wh.table_exists(con, "summary_ai_share_by_month"):
        return []
    ai_share = wh.read_frame(con, "SELECT * FROM summary_ai_share_by_month ORDER BY breakdown, \"group\", month")
    comparison = (wh.read_frame(con, "SELECT * FROM summary_window_comparison")
                  if wh.table_exists(con, "summary_window_comparison") else pl.DataFrame())
    overall = ai_share.filter(pl.col("breakdown") == "all").select(
        "month", "postings", "ai_postings", "ai_share", "ci_low", "ci_high", "ai_share_board_mix_adjusted",
        "release_month_share", "sparse")
    return [R.ReportSection(
        "Change over time",
        TS.change_over_time_text(ai_share, comparison, settings.min_month_postings),
        tables=[("AI share of unique postings by month, all boards", overall),
                ("Two windows compared", comparison.drop("pay_basis", strict=False))],
        figures=[("Change over time. AI share of postings by month", R.figure_demand_over_time(ai_share))],
    )]


def _failed_checks(context: dg.AssetExecutionContext) -> tuple[pl.DataFrame, int]:
    """The latest evaluation of every asset check of the code location, from the Dagster instance: the
    failed ones (check, asset, severity, what failed, check description) and how many checks there are."""
    # every module's checks, not only this job's (raw_postings' are checked in the harvest job); imported
    # here because the definitions import this module
    from cjd_assets.definitions import ASSET_MODULES

    specs = {spec.key: spec for a in dg.load_assets_from_modules(ASSET_MODULES)
             for spec in getattr(a, "check_specs", ())}
    keys = sorted(specs, key=lambda k: (k.asset_key.to_user_string(), k.name))
    records = context.instance.event_log_storage.get_latest_asset_check_execution_by_key(keys)
    rows = []
    for key in keys:
        record = records.get(key)
        evaluation = record.event.dagster_event.event_specific_data if record and record.event else None
        if not isinstance(evaluation, dg.AssetCheckEvaluation) or evaluation.passed:
            continue
        spec = specs[key]
        details = ", ".join(f"{k}={getattr(v, 'value', v)}" for k, v in (evaluation.metadata or {}).items())
        rows.append({"check": key.name, "asset": key.asset_key.to_user_string(),
                     "severity": evaluation.severity.value,
                     "what failed": " ".join(filter(None, [evaluation.description, details and f"[{details}]"])),
                     "check description": spec.description or ""})
    schema = {c: pl.String for c in FAILED_CHECK_COLUMNS}
    return pl.DataFrame(rows, schema=schema), len(keys)


@dg.asset(
    deps=[*summary_assets, *cluster_assets, salary_predictions],
    group_name="summaries",
    kinds={"duckdb", "html"},
)
def summary_report(
    context: dg.AssetExecutionContext, warehouse: Warehouse, lake: Lake, report_settings: ReportSettings
) -> dg.MaterializeResult:
    """The readable report: every table and figure of the study on our data, then the 2023 follow-up's
    regional, defense and surveillance clusters, in one self-contained HTML file (figures embedded;
    every posting-derived string escaped), written under the lake. It opens with the pipeline's data
    checks: any that failed are named, with their asset and what failed."""
    failed_checks, n_checks = _failed_checks(context)
    with warehouse.connection() as con:
        basis = prepare_analysis_view(con, fill_missing_pay=report_settings.fill_missing_pay)
        title = TITLE + (" (salaries: predicted pay fills gaps in stated pay)" if basis == PAY_BASIS_FILLED else "")
        html_text, figures = R.build_report(
            con, ppp_rate=report_settings.ppp_rate, min_n=report_settings.min_province_n, title=title,
            generated_at=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            extra_sections=[*_change_over_time_section(con, report_settings), *_cluster_sections(con)],
            failed_checks=failed_checks, n_checks=n_checks,
        )
        table1 = wh.read_frame(con, "SELECT * FROM summary_table1_by_category")
    path = lake.path("report", "report.html")
    path.write_text(html_text, encoding="utf-8")
    for name, png in figures.items():
        lake.path("report", f"{name}.png").write_bytes(png)
    return dg.MaterializeResult(
        metadata={
            "report": dg.MetadataValue.path(str(path)),
            "figures": len(figures),
            "pay_basis": basis,
            "failed_checks": failed_checks.height,
            "size_kb": round(len(html_text.encode()) / 1024, 1),
            "Table 1": dg.MetadataValue.md(R.to_markdown(table1.with_columns(pl.col(pl.Float64).round(3)))),
        }
    )
