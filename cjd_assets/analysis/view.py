"""The analysis view: one row per unique posting with its category, normalized fields and the derived
education and experience levels every summary reads (`sql/analysis_postings.sql`)."""

from __future__ import annotations

from cjd_assets import warehouse as wh

PAY_BASIS_STATED = "stated pay"
PAY_BASIS_FILLED = "stated pay; predicted pay fills gaps"
# The SQL files of the view: part of every summary's code version.
VIEW_SQL: tuple[str, ...] = ("analysis_postings",)
FILLED_VIEW_SQL: tuple[str, ...] = ("analysis_postings_filled",)


def prepare_analysis_view(con, fill_missing_pay: bool = False) -> str:
    """Create the `analysis_postings` view; with `fill_missing_pay`, shadow it in this connection only by
    a temporary view whose annual salary columns fall back to predicted pay (monthly x 12). The stored
    `*_norm` columns are never changed. Returns the pay basis the summaries are computed on."""
    wh.run_sql(con, "analysis_postings")
    con.execute("DROP VIEW IF EXISTS temp.analysis_postings")
    if fill_missing_pay and wh.table_exists(con, "salary_predictions"):
        wh.run_sql(con, "analysis_postings_filled")
        return PAY_BASIS_FILLED
    return PAY_BASIS_STATED
