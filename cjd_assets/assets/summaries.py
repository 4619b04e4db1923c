"""Stage 6: the study's summary tables and figures, one asset each (the report is in `report.py`).

Every summary reads the view `analysis_postings` (one row per unique posting with its category and
normalized fields) and `ai_keyword_postings`; the set logic is in `sql/summary_*.sql`.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

import dagster as dg
import polars as pl

from cjd_assets import report as R
from cjd_assets.report import timeseries as TS
from cjd_assets import warehouse as wh
from cjd_assets.assets.classify import classified_postings
from cjd_assets.assets.dedup import deduplicated_postings
from cjd_assets.assets.keywords import ai_keyword_postings
from cjd_assets.assets.normalize import normalized_postings
from cjd_assets.assets.salary import salary_predictions
from cjd_assets.resources import ReportSettings, Warehouse

ANALYSIS_INPUTS = [deduplicated_postings, classified_postings, normalized_postings, ai_keyword_postings]

PAY_BASIS_STATED = "stated pay"
PAY_BASIS_FILLED = "stated pay; predicted pay fills gaps"


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


@dataclass(frozen=True)
class Summary:
    name: str  # the asset and its table: summary_<name>
    description: str
    table: Callable  # (con, ReportSettings) -> pl.DataFrame
    figures: dict[str, Callable] = field(default_factory=dict)  # title -> (table, ReportSettings) -> PNG bytes
    uses_pay: bool = False  # may fill missing pay with predicted pay when the settings ask for it


def _windows(s: ReportSettings):
    return TS.parse_windows(s.compare_windows) if s.compare_windows.strip() else None


def _map_bins(table: pl.DataFrame, category: str):
    return R.build.map_bins_for(table, category, "scaled")


SUMMARIES: tuple[Summary, ...] = (
    Summary("corpus_by_source", "Unique postings per board (the study's corpus was ~95 % 51job).",
            lambda con, s: R.corpus_by_source(con)),
    Summary("table1_by_category",
            "Table 1: unique postings and shares per AI-workforce category, with a total row; when the "
            "classifier provides them, counts corrected for its errors with bootstrap intervals.",
            lambda con, s: R.table1_by_category(con)),
    Summary("education_by_category",
            "Figure 1: desired education level (exact, else minimum) by category, with the no-data share.",
            lambda con, s: R.education_by_category(con),
            {"Figure 1. Desired education by category": lambda t, s: R.figure_1(t)}),
    Summary("table2_education",
            "Table 2: education in the study's three buckets (less than bachelor's, bachelor's or higher, no data).",
            lambda con, s: R.table2_education(con)),
    Summary("experience_by_category",
            "Figure 2: desired experience level (no experience, junior 0-5, mid 5-15, senior >15 years) by category.",
            lambda con, s: R.experience_by_category(con),
            {"Figure 2. Desired experience by category": lambda t, s: R.figure_2(t)}),
    Summary("table3_salary",
            "Table 3: median minimum and maximum annual salary by category in CNY and in PPP dollars.",
            lambda con, s: R.table3_salary(con, ppp_rate=s.ppp_rate),
            {"Figure 3. Median annual salary by category": lambda t, s: R.figure_3(t, ppp_rate=s.ppp_rate)},
            uses_pay=True),
    Summary("tt1_salary_by_province",
            "Figure 4: Technical Team 1 median annual salary by province, only provinces with at least the "
            "configured number (default 100) of postings stating a salary.",
            lambda con, s: R.tt1_salary_by_province(con, min_n=s.min_province_n, ppp_rate=s.ppp_rate),
            {"Figure 4. TT1 median salary by province":
             lambda t, s: R.figure_4(t, ppp_rate=s.ppp_rate, min_n=s.min_province_n)},
            uses_pay=True),
    Summary("province_counts",
            "Figures 5 and 6: Technical Team 1 and 2 postings per province, the null-province row being the "
            "share with no usable location.",
            lambda con, s: R.province_counts(con),
            {"Figure 5. Technical Team 1 by province": lambda t, s: R.figure_5(t, bins=_map_bins(t, "TT1")),
             "Figure 6. Technical Team 2 by province": lambda t, s: R.figure_6(t, bins=_map_bins(t, "TT2"))}),
    Summary("table4_keywords",
            "Table 4: the top 10 AI keywords per technical team by distinct postings, and distinct-posting "
            "totals for the top 10 and for all keywords.",
            lambda con, s: R.table4_keywords(con)),
    Summary("keyword_education",
            "Figures 7 and 8: education of AI-keyword postings against all postings, TT1 and TT2.",
            lambda con, s: R.keyword_education(con),
            {"Figure 7. Education of TT1 keyword postings": lambda t, s: R.figure_7(t),
             "Figure 8. Education of TT2 keyword postings": lambda t, s: R.figure_8(t)}),
    Summary("table_c1_nulls", "Table C1: nulls per normalized field of the unique postings.",
            lambda con, s: R.table_c1_nulls(con)),
    Summary("significance_tests",
            "Each AI category against Not AI: two-sample Z-tests of shares and Wilcoxon rank-sum tests of "
            "salaries, Bonferroni-adjusted.",
            lambda con, s: R.significance_tests(con)),
    Summary("regional_clusters",
            "Postings of the AI categories in the Yangtze River Delta, Pearl River Delta and "
            "Beijing-Tianjin-Hebei clusters.",
            lambda con, s: R.regional_clusters(con)),
    Summary("top_cities", "The ten cities with the most AI-category postings and their cumulative share.",
            lambda con, s: R.top_cities(con),
            {"Top cities": lambda t, s: R.figure_top_cities(t)}),
    Summary("postings_by_month",
            "Change over time: unique postings per month, category, region (the three clusters, the rest of "
            "China, location missing) and board. Month = release month where the posting states one, else "
            "retrieval month (`month_basis`).",
            lambda con, s: TS.postings_by_month(con)),
    Summary("ai_share_by_month",
            "Change over time: the monthly share of AI-category postings with its 95 % Wilson interval, for all "
            "boards, per board and per region, every month present; `sparse` months (fewer than the configured "
            "number of postings, default 30) are not findings. The all-boards row also carries the share "
            "adjusted to the overall board mix (direct standardisation).",
            lambda con, s: TS.ai_share_by_month(TS.postings_by_month(con), min_postings=s.min_month_postings),
            {"Change over time. AI share of postings by month": lambda t, s: R.figure_demand_over_time(t)}),
    Summary("window_comparison",
            "Change over time: two harvests (or two periods) compared category by category: postings, shares "
            "(two-sample Z-tests), education and experience mix, median pay (Wilcoxon rank-sum), "
            "Bonferroni-adjusted within each metric. A posting counts once in each window it was live in.",
            lambda con, s: TS.compare_windows(TS.window_versions(con), _windows(s)),
            uses_pay=True),
)


def _summary_asset(spec: Summary) -> dg.AssetsDefinition:
    @dg.asset(
        name=f"summary_{spec.name}",
        deps=[*ANALYSIS_INPUTS, salary_predictions] if spec.uses_pay else ANALYSIS_INPUTS,
        group_name="summaries",
        kinds={"duckdb"},
        description=spec.description,
    )
    def _asset(warehouse: Warehouse, report_settings: ReportSettings) -> dg.MaterializeResult:
        with warehouse.connection() as con:
            basis = prepare_analysis_view(con, fill_missing_pay=spec.uses_pay and report_settings.fill_missing_pay)
            table = spec.table(con, report_settings)
            if spec.uses_pay:
                table = table.with_columns(pay_basis=pl.lit(basis))
            wh.write_table(con, f"summary_{spec.name}", table)
        metadata: dict = {
            "dagster/row_count": table.height,
            "table": dg.MetadataValue.md(R.to_markdown(table, max_rows=30)),
        }
        if spec.uses_pay:
            metadata["pay_basis"] = basis
        for title, make in spec.figures.items():
            metadata[title] = dg.MetadataValue.md(R.png_markdown(make(table, report_settings), alt=title))
        return dg.MaterializeResult(metadata=metadata)

    return _asset


summary_assets = [_summary_asset(s) for s in SUMMARIES]
