"""Stage 6: the analysis view and every table computed on it, one asset each (the report is in `report.py`).

`analysis_postings` (the view of `sql/analysis_postings.sql`: one row per unique posting with its category,
normalized fields and derived levels) is the hub every summary and cluster table reads; those assets are
generated from the one registry `cjd_assets.analysis.TABLES`, each keyed (`code_version`) on its SQL text.
"""

import dagster as dg

from cjd_assets import analysis as A
from cjd_assets import report as R
from cjd_assets import warehouse as wh
from cjd_assets.analysis import (  # noqa: F401  (re-exported for the other asset modules and tests)
    PAY_BASIS_FILLED,
    PAY_BASIS_STATED,
    Summary,
    prepare_analysis_view,
)
from cjd_assets.analysis.view import VIEW_SQL
from cjd_assets.assets.classify import classified_postings
from cjd_assets.assets.dedup import deduplicated_postings
from cjd_assets.assets.keywords import ai_keyword_postings
from cjd_assets.assets.normalize import normalized_postings
from cjd_assets.assets.salary import salary_predictions
from cjd_assets.jobs import DUCKDB_POOL
from cjd_assets.resources import ReportSettings, Warehouse

ANALYSIS_INPUTS = [deduplicated_postings, classified_postings, normalized_postings, ai_keyword_postings]
ANALYSIS_GROUP = "analysis"


@dg.asset(deps=ANALYSIS_INPUTS, group_name=ANALYSIS_GROUP, kinds={"duckdb", "sql"},
          code_version=wh.sql_hash(*VIEW_SQL), pool=DUCKDB_POOL)
def analysis_postings(warehouse: Warehouse) -> dg.MaterializeResult:
    """The analysis view: one row per unique posting (the primary of its duplicate group) with its predicted
    category, normalized fields and the education and experience levels every table counts, the population
    every table of the study is computed on; the AI-keyword matches (`ai_keyword_postings`) are ready beside
    it. Stated pay only (the summaries that may fill gaps with predicted pay do so in their own connection)."""
    with warehouse.connection() as con:
        prepare_analysis_view(con)
        by_cat = wh.query_sql(con, "analysis_postings_by_category")
    return dg.MaterializeResult(metadata={
        "dagster/row_count": int(by_cat["postings"].sum()),
        "postings_by_category": dg.MetadataValue.md(R.to_markdown(by_cat)),
    })


def _table_asset(spec: Summary) -> dg.AssetsDefinition:
    deps = [analysis_postings, *([salary_predictions] if spec.uses_pay else []),
            *(dg.AssetKey(name) for name in spec.reads)]

    @dg.asset(
        name=spec.table_name,
        deps=deps,
        group_name=spec.group,
        kinds={"duckdb"},
        description=spec.description,
        code_version=spec.code_version,
        pool=DUCKDB_POOL,
    )
    def _asset(warehouse: Warehouse, report_settings: ReportSettings) -> dg.MaterializeResult:
        with warehouse.connection() as con:
            table, basis = A.compute_summary(con, spec, report_settings)
            wh.write_table(con, spec.table_name, table)
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


summary_assets = [_table_asset(s) for s in A.SUMMARIES]
cluster_assets = [_table_asset(s) for s in A.CLUSTER_TABLES]
