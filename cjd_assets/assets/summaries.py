"""Stage 6: the analysis view and the study's summary tables, one asset each (the report is in `report.py`).

`analysis_postings` (the view of `sql/analysis_postings.sql`: one row per unique posting with its category
and normalized fields) is the hub every summary and cluster table reads; the summaries are generated from
the one registry `cjd_assets.report.summaries.SUMMARIES`.
"""

import dagster as dg

from cjd_assets import report as R
from cjd_assets import warehouse as wh
from cjd_assets.assets.classify import classified_postings
from cjd_assets.assets.dedup import deduplicated_postings
from cjd_assets.assets.keywords import ai_keyword_postings
from cjd_assets.assets.normalize import normalized_postings
from cjd_assets.assets.salary import salary_predictions
from cjd_assets.report.summaries import (  # noqa: F401  (re-exported for the other asset modules and tests)
    PAY_BASIS_FILLED,
    PAY_BASIS_STATED,
    SUMMARIES,
    Summary,
    compute_summary,
    prepare_analysis_view,
)
from cjd_assets.resources import ReportSettings, Warehouse

ANALYSIS_INPUTS = [deduplicated_postings, classified_postings, normalized_postings, ai_keyword_postings]
ANALYSIS_GROUP = "analysis"


@dg.asset(deps=ANALYSIS_INPUTS, group_name=ANALYSIS_GROUP, kinds={"duckdb", "sql"})
def analysis_postings(warehouse: Warehouse) -> dg.MaterializeResult:
    """The analysis view: one row per unique posting (the primary of its duplicate group) with its predicted
    category and normalized fields, the population every table of the study is computed on; the AI-keyword
    matches (`ai_keyword_postings`) are ready beside it. Stated pay only (the summaries that may fill gaps
    with predicted pay do so in their own connection)."""
    with warehouse.connection() as con:
        prepare_analysis_view(con)
        by_cat = wh.read_frame(con, "SELECT job_category_pr AS category, count(*) AS postings FROM analysis_postings "
                                    "GROUP BY 1 ORDER BY 2 DESC")
    return dg.MaterializeResult(metadata={
        "dagster/row_count": int(by_cat["postings"].sum()),
        "postings_by_category": dg.MetadataValue.md(R.to_markdown(by_cat)),
    })


def _summary_asset(spec: Summary) -> dg.AssetsDefinition:
    @dg.asset(
        name=f"summary_{spec.name}",
        deps=[analysis_postings, salary_predictions] if spec.uses_pay else [analysis_postings],
        group_name="summaries",
        kinds={"duckdb"},
        description=spec.description,
    )
    def _asset(warehouse: Warehouse, report_settings: ReportSettings) -> dg.MaterializeResult:
        with warehouse.connection() as con:
            table, basis = compute_summary(con, spec, report_settings)
            wh.write_table(con, f"summary_{spec.name}", table)
        metadata: dict = {
            "dagster/row_count": table.height,
            "table": dg.MetadataValue.md(R.to_markdown(table, max_rows=30)),
        }
        if basis is not None:
            metadata["pay_basis"] = basis
        for fig in spec.figures:
            metadata[fig.title] = dg.MetadataValue.md(R.png_markdown(fig.make(table, report_settings), alt=fig.title))
        return dg.MaterializeResult(metadata=metadata)

    return _asset


summary_assets = [_summary_asset(s) for s in SUMMARIES]
