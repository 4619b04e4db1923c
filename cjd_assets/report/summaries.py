"""The one registry of the study's summaries: each is a table computed on `analysis_postings` (set logic in
`sql/summary_<name>.sql`) stored as `summary_<name>`, with the figures drawn from that stored table.

The summary assets are generated from `SUMMARIES`; the report reads the stored tables back
(`load_summaries`) and draws the figures from them (`summary_figures`): nothing is computed twice.
`settings` is any object with the `ReportSettings` attributes (ppp_rate, min_province_n, ...).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import polars as pl

from cjd_assets import warehouse as wh
from cjd_assets.report import figures as F
from cjd_assets.report import tables as T
from cjd_assets.report import timeseries as TS

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
class FigureSpec:
    key: str  # stable id: the PNG's file name under the lake and the report's reference
    title: str  # what the figure shows (the Dagster metadata label; the report numbers it)
    make: Callable  # (stored table, settings) -> PNG bytes


@dataclass(frozen=True)
class Summary:
    name: str  # the asset and its table: summary_<name>
    description: str
    table: Callable  # (con, settings) -> pl.DataFrame
    figures: tuple[FigureSpec, ...] = field(default_factory=tuple)
    uses_pay: bool = False  # may fill missing pay with predicted pay when the settings ask for it


def _windows(s):
    return TS.parse_windows(s.compare_windows) if s.compare_windows.strip() else None


def province_map_bins(table: pl.DataFrame, category: str) -> tuple[float, ...]:
    """Map classes from the category's own province counts (see figures.count_bins)."""
    located = table.filter((pl.col("category") == category) & pl.col("province_zh").is_not_null())["postings"]
    return F.count_bins(located.to_list())


SUMMARIES: tuple[Summary, ...] = (
    Summary("corpus_by_source", "Unique postings per board (the study's corpus was ~95 % 51job).",
            lambda con, s: T.corpus_by_source(con)),
    Summary("table1_by_category",
            "Table 1: unique postings and shares per AI-workforce category, with a total row; when the "
            "classifier provides them, counts corrected for its errors with bootstrap intervals.",
            lambda con, s: T.table1_by_category(con)),
    Summary("education_by_category",
            "Figure 1: desired education level (exact, else minimum) by category, with the no-data share.",
            lambda con, s: T.education_by_category(con),
            (FigureSpec("figure_1", "Figure 1. Desired education by category", lambda t, s: F.figure_1(t)),)),
    Summary("table2_education",
            "Table 2: education in the study's three buckets (less than bachelor's, bachelor's or higher, no data).",
            lambda con, s: T.table2_education(con)),
    Summary("experience_by_category",
            "Figure 2: desired experience level (no experience, junior 0-5, mid 5-15, senior >15 years) by category.",
            lambda con, s: T.experience_by_category(con),
            (FigureSpec("figure_2", "Figure 2. Desired experience by category", lambda t, s: F.figure_2(t)),)),
    Summary("table3_salary",
            "Table 3: median minimum and maximum annual salary by category in CNY and in PPP dollars.",
            lambda con, s: T.table3_salary(con, ppp_rate=s.ppp_rate),
            (FigureSpec("figure_3", "Figure 3. Median annual salary by category",
                        lambda t, s: F.figure_3(t, ppp_rate=s.ppp_rate)),),
            uses_pay=True),
    Summary("tt1_salary_by_province",
            "Figure 4: Technical Team 1 median annual salary by province, only provinces with at least the "
            "configured number (default 100) of postings stating a salary.",
            lambda con, s: T.tt1_salary_by_province(con, min_n=s.min_province_n, ppp_rate=s.ppp_rate),
            (FigureSpec("figure_4", "Figure 4. TT1 median salary by province",
                        lambda t, s: F.figure_4(t, ppp_rate=s.ppp_rate, min_n=s.min_province_n)),),
            uses_pay=True),
    Summary("province_counts",
            "Figures 5 and 6: Technical Team 1 and 2 postings per province, the null-province row being the "
            "share with no usable location.",
            lambda con, s: T.province_counts(con),
            (FigureSpec("figure_5", "Figure 5. Technical Team 1 by province",
                        lambda t, s: F.figure_5(t, bins=province_map_bins(t, "TT1"))),
             FigureSpec("figure_6", "Figure 6. Technical Team 2 by province",
                        lambda t, s: F.figure_6(t, bins=province_map_bins(t, "TT2"))))),
    Summary("table4_keywords",
            "Table 4: the top 10 AI keywords per technical team by distinct postings, and distinct-posting "
            "totals for the top 10 and for all keywords.",
            lambda con, s: T.table4_keywords(con)),
    Summary("keyword_education",
            "Figures 7 and 8: education of AI-keyword postings against all postings, TT1 and TT2.",
            lambda con, s: T.keyword_education(con),
            (FigureSpec("figure_7", "Figure 7. Education of TT1 keyword postings", lambda t, s: F.figure_7(t)),
             FigureSpec("figure_8", "Figure 8. Education of TT2 keyword postings", lambda t, s: F.figure_8(t)))),
    Summary("table_c1_nulls", "Table C1: nulls per normalized field of the unique postings.",
            lambda con, s: T.table_c1_nulls(con)),
    Summary("significance_tests",
            "Each AI category against Not AI: two-sample Z-tests of shares and Wilcoxon rank-sum tests of "
            "salaries, Bonferroni-adjusted.",
            lambda con, s: T.significance_tests(con)),
    Summary("regional_clusters",
            "Postings of the AI categories in the Yangtze River Delta, Pearl River Delta and "
            "Beijing-Tianjin-Hebei clusters.",
            lambda con, s: T.regional_clusters(con)),
    Summary("top_cities", "The ten cities with the most AI-category postings and their cumulative share.",
            lambda con, s: T.top_cities(con),
            (FigureSpec("figure_top_cities", "Top cities", lambda t, s: F.figure_top_cities(t)),)),
    Summary("keyword_examples", "Example technical postings with AI keywords, those matching most keywords first.",
            lambda con, s: T.keyword_examples(con)),
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
            (FigureSpec("figure_demand_over_time", "Change over time. AI share of postings by month",
                        lambda t, s: F.figure_demand_over_time(t)),)),
    Summary("window_comparison",
            "Change over time: two harvests (or two periods) compared category by category: postings, shares "
            "(two-sample Z-tests), education and experience mix, median pay (Wilcoxon rank-sum), "
            "Bonferroni-adjusted within each metric. A posting counts once in each window it was live in.",
            lambda con, s: TS.compare_windows(TS.window_versions(con), _windows(s)),
            uses_pay=True),
)
SUMMARY_BY_NAME: dict[str, Summary] = {s.name: s for s in SUMMARIES}


def compute_summary(con, spec: Summary, settings) -> tuple[pl.DataFrame, str | None]:
    """One summary table on the analysis view (made by the `analysis_postings` asset), and its pay basis
    (None for tables without pay). Filling pay shadows the view in this connection only."""
    fill = spec.uses_pay and settings.fill_missing_pay
    basis = prepare_analysis_view(con, fill_missing_pay=True) if fill else PAY_BASIS_STATED
    table = spec.table(con, settings)
    if spec.uses_pay:
        table = table.with_columns(pay_basis=pl.lit(basis))
    return table, (basis if spec.uses_pay else None)


def write_summaries(con, settings) -> dict[str, pl.DataFrame]:
    """Compute and store every summary (what the summary assets do one by one; for the CLI and tests)."""
    out = {}
    for spec in SUMMARIES:
        table, _ = compute_summary(con, spec, settings)
        wh.write_table(con, f"summary_{spec.name}", table)
        out[spec.name] = table
    return out


def load_summaries(con) -> dict[str, pl.DataFrame]:
    """The stored summary tables, keyed by summary name; a summary not yet materialized is absent."""
    return {s.name: wh.read_frame(con, f"SELECT * FROM summary_{s.name}")
            for s in SUMMARIES if wh.table_exists(con, f"summary_{s.name}")}


def summary_figures(tables: dict[str, pl.DataFrame], settings) -> dict[str, tuple[str, bytes]]:
    """`key -> (title, PNG)` of every figure whose summary table is given, drawn from that table."""
    return {fig.key: (fig.title, fig.make(tables[s.name], settings))
            for s in SUMMARIES if s.name in tables for fig in s.figures}
