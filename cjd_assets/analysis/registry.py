"""The one registry of the analysis' stored tables: the study's summaries (`summary_<name>`, set logic in
`sql/summary_<name>.sql`) and the 2023 follow-up's cluster tables (`clusters_<view>_<kind>`), each a table
computed on `analysis_postings` with the figures drawn from that stored table.

The summary and cluster assets are generated from `TABLES`; the report reads the stored tables back
(`load_summaries`, the cluster tables by name) and draws the figures from them (`summary_figures`):
nothing is computed twice. `settings` is any object with the `ReportSettings` attributes (ppp_rate,
min_province_n, ...). `code_version` keys each table on its SQL text and `ANALYSIS_VERSION`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import polars as pl

from cjd_assets import warehouse as wh
from cjd_assets.analysis import clusters as C
from cjd_assets.analysis import tables as T
from cjd_assets.analysis import timeseries as TS
from cjd_assets.analysis.view import (
    FILLED_VIEW_SQL,
    PAY_BASIS_STATED,
    VIEW_SQL,
    prepare_analysis_view,
)
from cjd_assets.report import figures as F

# Bump when the Python side of a table changes its output (SQL changes are seen by their hash).
ANALYSIS_VERSION = "analysis-1"


@dataclass(frozen=True)
class FigureSpec:
    key: str  # stable id: the PNG's file name under the lake and the report's reference
    title: str  # what the figure shows (the Dagster metadata label; the report numbers it)
    make: Callable  # (stored table, settings) -> PNG bytes


@dataclass(frozen=True)
class Summary:
    name: str  # summary_<name> for the study's summaries; the cluster tables' name is their table's
    description: str
    table: Callable  # (con, settings) -> pl.DataFrame
    figures: tuple[FigureSpec, ...] = field(default_factory=tuple)
    uses_pay: bool = False  # may fill missing pay with predicted pay when the settings ask for it
    sql: tuple[str, ...] = ()  # the named SQL files it runs besides the view (its code version hashes them)
    group: str = "summaries"  # "summaries" or "clusters"
    reads: tuple[str, ...] = ()  # stored tables it reads besides the view (asset keys)

    @property
    def table_name(self) -> str:
        """The stored table, and the asset that makes it."""
        return f"summary_{self.name}" if self.group == "summaries" else self.name

    @property
    def code_version(self) -> str:
        """Changes when the table's SQL (its own files and the view's) or the library version does."""
        files = (*VIEW_SQL, *(FILLED_VIEW_SQL if self.uses_pay else ()), *self.sql)
        return f"{ANALYSIS_VERSION}-{wh.sql_hash(*files)}"


def _windows(s):
    return TS.parse_windows(s.compare_windows) if s.compare_windows.strip() else None


def province_map_bins(table: pl.DataFrame, category: str) -> tuple[float, ...]:
    """Map classes from the category's own province counts (see figures.count_bins)."""
    located = table.filter((pl.col("category") == category) & pl.col("province_zh").is_not_null())["postings"]
    return F.count_bins(located.to_list())


SUMMARIES: tuple[Summary, ...] = (
    Summary("corpus_by_source", "Unique postings per board (the study's corpus was ~95 % 51job).",
            lambda con, s: T.corpus_by_source(con), sql=("summary_corpus",)),
    Summary("table1_by_category",
            "Table 1: unique postings and shares per AI-workforce category, with a total row; when the "
            "classifier provides them, counts corrected for its errors with bootstrap intervals.",
            lambda con, s: T.table1_by_category(con), sql=("summary_table1",)),
    Summary("education_by_category",
            "Figure 1: desired education level (exact, else minimum, else maximum) by category, with the no-data share.",
            lambda con, s: T.education_by_category(con), sql=("summary_education",),
            figures=(FigureSpec("figure_1", "Figure 1. Desired education by category", lambda t, s: F.figure_1(t)),)),
    Summary("table2_education",
            "Table 2: education in the study's three buckets (less than bachelor's, bachelor's or higher, no data).",
            lambda con, s: T.table2_education(con), sql=("summary_table2",)),
    Summary("experience_by_category",
            "Figure 2: desired experience level (no experience, junior 0-5, mid 5-15, senior >15 years) by category.",
            lambda con, s: T.experience_by_category(con), sql=("summary_experience",),
            figures=(FigureSpec("figure_2", "Figure 2. Desired experience by category", lambda t, s: F.figure_2(t)),)),
    Summary("table3_salary",
            "Table 3: median minimum and maximum annual salary by category in CNY and in PPP dollars.",
            lambda con, s: T.table3_salary(con, ppp_rate=s.ppp_rate), sql=("summary_table3",),
            figures=(FigureSpec("figure_3", "Figure 3. Median annual salary by category",
                        lambda t, s: F.figure_3(t, ppp_rate=s.ppp_rate)),),
            uses_pay=True),
    Summary("tt1_salary_by_province",
            "Figure 4: Technical Team 1 median annual salary by province, only provinces with at least the "
            "configured number (default 100) of postings stating a salary.",
            lambda con, s: T.tt1_salary_by_province(con, min_n=s.min_province_n, ppp_rate=s.ppp_rate), sql=("summary_province_salary",),
            figures=(FigureSpec("figure_4", "Figure 4. TT1 median salary by province",
                        lambda t, s: F.figure_4(t, ppp_rate=s.ppp_rate, min_n=s.min_province_n)),),
            uses_pay=True),
    Summary("province_counts",
            "Figures 5 and 6: Technical Team 1 and 2 postings per province, the null-province row being the "
            "share with no usable location.",
            lambda con, s: T.province_counts(con), sql=("locations",),
            figures=(FigureSpec("figure_5", "Figure 5. Technical Team 1 by province",
                        lambda t, s: F.figure_5(t, bins=province_map_bins(t, "TT1"))),
             FigureSpec("figure_6", "Figure 6. Technical Team 2 by province",
                        lambda t, s: F.figure_6(t, bins=province_map_bins(t, "TT2"))))),
    Summary("table4_keywords",
            "Table 4: the top 10 AI keywords per technical team by distinct postings, and distinct-posting "
            "totals for the top 10 and for all keywords.",
            lambda con, s: T.table4_keywords(con), sql=("summary_table4",)),
    Summary("keyword_education",
            "Figures 7 and 8: education of AI-keyword postings against all postings, TT1 and TT2.",
            lambda con, s: T.keyword_education(con), sql=("summary_keyword_education",),
            figures=(FigureSpec("figure_7", "Figure 7. Education of TT1 keyword postings", lambda t, s: F.figure_7(t)),
             FigureSpec("figure_8", "Figure 8. Education of TT2 keyword postings", lambda t, s: F.figure_8(t)))),
    Summary("table_c1_nulls", "Table C1: nulls per normalized field of the unique postings.",
            lambda con, s: T.table_c1_nulls(con), sql=()),
    Summary("significance_tests",
            "Each AI category against Not AI: two-sample Z-tests of shares and Wilcoxon rank-sum tests of "
            "salaries, Bonferroni-adjusted.",
            lambda con, s: T.significance_tests(con), sql=("summary_education", "summary_experience", "summary_salary_values")),
    Summary("regional_clusters",
            "Postings of the AI categories in the Yangtze River Delta, Pearl River Delta and "
            "Beijing-Tianjin-Hebei clusters.",
            lambda con, s: T.regional_clusters(con), sql=("locations",)),
    Summary("top_cities", "The ten cities with the most AI-category postings and their cumulative share.",
            lambda con, s: T.top_cities(con), sql=("locations",),
            figures=(FigureSpec("figure_top_cities", "Top cities", lambda t, s: F.figure_top_cities(t)),)),
    Summary("keyword_examples", "Example technical postings with AI keywords, those matching most keywords first.",
            lambda con, s: T.keyword_examples(con), sql=("summary_keyword_examples",)),
    Summary("postings_by_month",
            "Change over time: unique postings per month, category, region (the three clusters, the rest of "
            "China, location missing) and board. Month = release month where the posting states one, else "
            "retrieval month (`month_basis`).",
            lambda con, s: TS.postings_by_month(con), sql=("summary_monthly_postings",)),
    Summary("ai_share_by_month",
            "Change over time: the monthly share of AI-category postings with its 95 % Wilson interval, for all "
            "boards, per board and per region, every month present; `sparse` months (fewer than the configured "
            "number of postings, default 30) are not findings. The all-boards row also carries the share "
            "adjusted to the overall board mix (direct standardisation).",
            lambda con, s: TS.ai_share_by_month(TS.postings_by_month(con), min_postings=s.min_month_postings), sql=("summary_monthly_postings",),
            figures=(FigureSpec("figure_demand_over_time", "Change over time. AI share of postings by month",
                        lambda t, s: F.figure_demand_over_time(t)),)),
    Summary("window_comparison",
            "Change over time: two harvests (or two periods) compared category by category: postings, shares "
            "(two-sample Z-tests), education and experience mix, median pay (Wilcoxon rank-sum), "
            "Bonferroni-adjusted within each metric. A posting counts once in each window it was live in.",
            lambda con, s: TS.compare_windows(TS.window_versions(con), _windows(s)), sql=("summary_window_postings",),
            uses_pay=True),
)
SUMMARY_BY_NAME: dict[str, Summary] = {s.name: s for s in SUMMARIES}

# The 2023 follow-up's three populations: table prefix -> (label, employer tag or None for all of them).
CLUSTER_VIEWS: dict[str, tuple[str, str | None]] = {
    "clusters_ai_related": ("AI-related postings", None),
    "clusters_defense": ("AI-related postings of defense-affiliated employers", "defense"),
    "clusters_surveillance": ("AI-related postings in the surveillance sector", "surveillance"),
}
_AI_RELATED = ("AI-related = Technical Team 1 or 2 postings with at least one Appendix D keyword; the defense and "
               "surveillance subsets are the AI-related postings with that employer tag.")


def _cluster_tables(view: str, label: str, tag: str | None) -> tuple[Summary, ...]:
    def cluster_figure(key: str, title: str, kind: str) -> FigureSpec:
        def make(t, s):
            from cjd_assets.report import cluster_figures as CF  # matplotlib, on demand

            return (CF.figure_cluster_map if kind == "map" else CF.figure_cluster_cities)(t, title)

        return FigureSpec(key, title, make)

    common = dict(group="clusters", sql=("locations",), reads=("employer_tags",))
    return (
        Summary(f"{view}_regions", f"{label} by region (Yangtze River Delta, Pearl River Delta, "
                "Beijing-Tianjin-Hebei, other provinces, location unknown), as in the 2023 follow-up. " + _AI_RELATED,
                lambda con, s: C.by_region(con, tag=tag), **common),
        Summary(f"{view}_provinces", f"{label} by province, most first, with each whole province's region; the "
                "last row (no province) holds the postings with no known location. " + _AI_RELATED,
                lambda con, s: C.by_province(con, tag=tag),
                figures=(cluster_figure(f"{view}_map", f"{label} by province", "map"),), **common),
        Summary(f"{view}_cities", f"{label}: the top 10 cities and their cumulative share of postings with a "
                "known city (a municipality is one city). " + _AI_RELATED,
                lambda con, s: C.by_city(con, top_n=10, tag=tag),
                figures=(cluster_figure(f"{view}_cities", f"{label}: top cities", "cities"),), **common),
    )


CLUSTER_TABLES: tuple[Summary, ...] = tuple(
    spec for view, (label, tag) in CLUSTER_VIEWS.items() for spec in _cluster_tables(view, label, tag))
# Every stored table of the analysis: one asset each.
TABLES: tuple[Summary, ...] = (*SUMMARIES, *CLUSTER_TABLES)


def compute_summary(con, spec: Summary, settings) -> tuple[pl.DataFrame, str | None]:
    """One table on the analysis view (made by the `analysis_postings` asset), and its pay basis (None for
    tables without pay). Filling pay shadows the view in this connection only, and only for this table."""
    fill = spec.uses_pay and settings.fill_missing_pay
    basis = prepare_analysis_view(con, fill_missing_pay=True) if fill else PAY_BASIS_STATED
    try:
        table = spec.table(con, settings)
    finally:
        if fill:
            con.execute("DROP VIEW IF EXISTS temp.analysis_postings")
    if spec.uses_pay:
        table = table.with_columns(pay_basis=pl.lit(basis))
    return table, (basis if spec.uses_pay else None)


def write_summaries(con, settings, specs: tuple[Summary, ...] = SUMMARIES) -> dict[str, pl.DataFrame]:
    """Compute and store the given tables (what their assets do one by one; for the CLI and tests)."""
    out = {}
    for spec in specs:
        table, _ = compute_summary(con, spec, settings)
        wh.write_table(con, spec.table_name, table)
        out[spec.name] = table
    return out


def load_summaries(con) -> dict[str, pl.DataFrame]:
    """The stored summary tables, keyed by summary name; a summary not yet materialized is absent."""
    return {s.name: wh.read_frame(con, f"SELECT * FROM {s.table_name}")
            for s in SUMMARIES if wh.table_exists(con, s.table_name)}


def summary_figures(tables: dict[str, pl.DataFrame], settings) -> dict[str, tuple[str, bytes]]:
    """`key -> (title, PNG)` of every figure whose summary table is given, drawn from that table (the report
    draws the cluster figures itself, where the sample is large enough)."""
    return {fig.key: (fig.title, fig.make(tables[s.name], settings))
            for s in SUMMARIES if s.name in tables for fig in s.figures}
