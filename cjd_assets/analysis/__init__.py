"""The analysis library (no Dagster imports): the analysis view every table reads and the one registry of
the stored tables computed on it (the study's summaries and the 2023 follow-up's cluster tables), from
which the assets are generated and which the report renders from.
"""

from cjd_assets.analysis.registry import (
    ANALYSIS_VERSION,
    CLUSTER_TABLES,
    CLUSTER_VIEWS,
    SUMMARIES,
    SUMMARY_BY_NAME,
    TABLES,
    FigureSpec,
    Summary,
    compute_summary,
    load_summaries,
    province_map_bins,
    summary_figures,
    write_summaries,
)
from cjd_assets.analysis.report_inputs import read_report_inputs
from cjd_assets.analysis.view import PAY_BASIS_FILLED, PAY_BASIS_STATED, prepare_analysis_view

__all__ = [
    "ANALYSIS_VERSION", "CLUSTER_TABLES", "CLUSTER_VIEWS", "PAY_BASIS_FILLED", "PAY_BASIS_STATED", "SUMMARIES",
    "SUMMARY_BY_NAME", "TABLES", "FigureSpec", "Summary", "compute_summary", "load_summaries",
    "prepare_analysis_view", "province_map_bins", "read_report_inputs", "summary_figures", "write_summaries",
]
