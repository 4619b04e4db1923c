"""All summary tables and figures on one connection, and the HTML report that holds them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone

import polars as pl

from cjd_assets.report import figures as F
from cjd_assets.report import tables as T
from cjd_assets.report.geography import CLUSTERS
from cjd_assets.report.html import ReportSection, format_cell, render_report
from cjd_assets.schema import CATEGORIES, CATEGORY_NAMES


# The study's published values (study-reference.md), shown beside ours for the shape, not as targets.
STUDY_TABLE1_SHARE: dict[str, float] = {"TT1": 0.054, "TT2": 0.087, "PRODUCT": 0.066, "COMMERCIAL": 0.102,
                                        "NOT_AI": 0.691, "TOTAL": 1.0}
STUDY_TABLE3_CNY: dict[str, tuple[int, int]] = {"TT1": (120_000, 180_000), "TT2": (96_000, 132_000),
                                                "PRODUCT": (72_000, 120_000), "COMMERCIAL": (84_000, 120_000),
                                                "NOT_AI": (72_000, 96_000)}


UNPUBLISHABLE = "too uncertain to publish"


def table1_display(t1: pl.DataFrame) -> pl.DataFrame:
    """Table 1 beside the study's shares; where a category's error correction is too uncertain
    (`correction_reliable` false) its corrected figures are replaced by UNPUBLISHABLE, not shown."""
    out = t1.with_columns(
        pl.col("category").replace_strict(STUDY_TABLE1_SHARE, default=None, return_dtype=pl.Float64)
        .alias("study share")
    )
    if "correction_reliable" not in out.columns:
        return out
    hidden = out["correction_reliable"].eq(False).fill_null(False).to_list()
    cols = [c for c in ("corrected_count", "corrected_share", "ci_low", "ci_high") if c in out.columns]
    return out.with_columns(
        pl.Series(c, [UNPUBLISHABLE if h else format_cell(c, v) for h, v in zip(hidden, out[c].to_list())])
        for c in cols
    ).drop("correction_reliable")


def table3_display(t3: pl.DataFrame) -> pl.DataFrame:
    lo = {k: float(v[0]) for k, v in STUDY_TABLE3_CNY.items()}
    hi = {k: float(v[1]) for k, v in STUDY_TABLE3_CNY.items()}
    return t3.with_columns(
        pl.col("category").replace_strict(lo, default=None, return_dtype=pl.Float64).alias("study median min (CNY)"),
        pl.col("category").replace_strict(hi, default=None, return_dtype=pl.Float64).alias("study median max (CNY)"),
    )


def compute_tables(
    con, ppp_rate: float = T.DEFAULT_PPP_RATE, min_n: int = 100, top_n: int = 10, n_cities: int = 10
) -> dict[str, pl.DataFrame]:
    """Every summary table, keyed as the summary assets name them."""
    out = {
        "corpus": T.corpus_by_source(con),
        "table1": T.table1_by_category(con),
        "education": T.education_by_category(con),
        "table2": T.table2_education(con),
        "experience": T.experience_by_category(con),
        "table3": T.table3_salary(con, ppp_rate=ppp_rate),
        "province_salary": T.tt1_salary_by_province(con, min_n=min_n, ppp_rate=ppp_rate),
        "province_counts": T.province_counts(con),
        "table4": T.table4_keywords(con, top_n=top_n),
        "keyword_education": T.keyword_education(con),
        "table_c1": T.table_c1_nulls(con),
        "significance": T.significance_tests(con),
        "clusters": T.regional_clusters(con),
        "top_cities": T.top_cities(con, n=n_cities),
        "keyword_examples": T.keyword_examples(con),
    }
    return out


def map_bins_for(counts: pl.DataFrame, category: str, map_bins: Sequence[float] | str) -> tuple[float, ...]:
    """'study' = the study's bins; 'scaled' = them scaled to our corpus size; else the given edges."""
    if map_bins == "study":
        return F.STUDY_MAP_BINS
    if map_bins == "scaled":
        total = int(counts.filter(pl.col("category") == category)["postings"].sum()) if counts.height else 0
        return F.scaled_bins(max(total, 1), category)
    return tuple(float(b) for b in map_bins)


def make_figures(
    tables: dict[str, pl.DataFrame], ppp_rate: float = T.DEFAULT_PPP_RATE, min_n: int = 100,
    map_bins: Sequence[float] | str = "scaled",
) -> dict[str, bytes]:
    """PNG bytes of every figure, keyed figure_1 ... figure_8 and figure_top_cities."""
    counts = tables["province_counts"]
    return {
        "figure_1": F.figure_1(tables["education"]),
        "figure_2": F.figure_2(tables["experience"]),
        "figure_3": F.figure_3(tables["table3"], ppp_rate=ppp_rate),
        "figure_4": F.figure_4(tables["province_salary"], ppp_rate=ppp_rate, min_n=min_n),
        "figure_5": F.figure_5(counts, bins=map_bins_for(counts, "TT1", map_bins)),
        "figure_6": F.figure_6(counts, bins=map_bins_for(counts, "TT2", map_bins)),
        "figure_7": F.figure_7(tables["keyword_education"]),
        "figure_8": F.figure_8(tables["keyword_education"]),
        "figure_top_cities": F.figure_top_cities(tables["top_cities"]),
    }


def _share_pivot(df: pl.DataFrame, index: str) -> pl.DataFrame:
    """Rows = levels, one column per category holding the share (as in the study's tables)."""
    cats = [c for c in CATEGORIES if c in set(df["category"].to_list())]
    wide = df.pivot(on="category", index=index, values="share", sort_columns=False)
    return wide.select(index, *[pl.col(c).alias(f"{CATEGORY_NAMES[c]} share") for c in cats])


def keyword_education_display(ke: pl.DataFrame) -> pl.DataFrame:
    """Rows = education levels; columns '<team> all' and '<team> keyword' holding shares."""
    wide = ke.with_columns(
        (pl.col("category") + pl.when(pl.col("postings_group") == "all postings").then(pl.lit(" all share"))
         .otherwise(pl.lit(" keyword share"))).alias("column")
    ).pivot(on="column", index="education_level", values="share", sort_columns=False)
    return wide


def table4_display(t4: pl.DataFrame) -> pl.DataFrame:
    """The study's side-by-side layout: rank, TT1 keyword, postings, TT2 keyword, postings."""
    def side(cat: str) -> pl.DataFrame:
        part = t4.filter(pl.col("category") == cat)
        kw = part.filter(pl.col("row_kind") == "keyword").select(
            pl.col("rank").cast(pl.String).alias("rank"), pl.col("keyword_en").alias(f"{cat} keyword"),
            pl.col("postings").alias(f"{cat} postings"))
        tot = part.filter(pl.col("row_kind") != "keyword").select(
            pl.lit("").alias("rank"), pl.col("keyword_en").alias(f"{cat} keyword"),
            pl.col("postings").alias(f"{cat} postings"))
        return kw, tot

    (k1, t1), (k2, t2) = side("TT1"), side("TT2")
    n = max(k1.height, k2.height)

    def pad(df: pl.DataFrame, rows: int) -> pl.DataFrame:
        return pl.concat([df, pl.DataFrame({c: [None] * (rows - df.height) for c in df.columns}, schema=df.schema)])

    top = pl.concat([pad(k1, n).drop("rank").with_columns(pl.Series("rank", [str(i) for i in range(1, n + 1)])),
                     pad(k2, n).drop("rank")], how="horizontal")
    m = max(t1.height, t2.height)
    bottom = pl.concat([pad(t1, m).drop("rank").with_columns(pl.Series("rank", [""] * m)), pad(t2, m).drop("rank")],
                       how="horizontal")
    return pl.concat([top, bottom]).select("rank", "TT1 keyword", "TT1 postings", "TT2 keyword", "TT2 postings")


def report_sections(tables: dict[str, pl.DataFrame], figs: dict[str, bytes], ppp_rate: float, min_n: int,
                    top_n: int) -> list[ReportSection]:
    t = tables
    sig = t["significance"].select("family", "test", "metric", "group_a", "group_b", "n_a", "n_b", "estimate_a",
                                   "estimate_b", "statistic", "p_value", "m", "p_adjusted", "significant")
    clusters_text = "Members: " + " | ".join(f"{c.name}: {c.describe()}" for c in CLUSTERS) + "."
    return [
        ReportSection("Corpus", "Primary (deduplicated) postings per board. Study: 6,808,298 unique postings, ~95 % "
                      "from 51job, released Sep 2016 - Jul 2021.", tables=[("Postings by board", t["corpus"])]),
        ReportSection("Table 1. Postings by category",
                      "Primary (deduplicated) postings per predicted category. Study: TT1 5.4 %, TT2 8.7 %, "
                      "Product 6.6 %, Commercial 10.2 %, Not AI 69.1 % of 6,808,298 postings. Corrected counts "
                      "(each predicted posting reassigned by P(true | predicted) from the labelled test split) and "
                      "95 % bootstrap intervals appear when the classifier provides them; a category whose "
                      "correction has a relative standard error above 30 % shows 'too uncertain to publish'.",
                      tables=[("Table 1", table1_display(t["table1"]))]),
        ReportSection("Table 2 and Figure 1. Desired education",
                      "A posting's level is its exact level, else its minimum. 'none' (no requirement) counts as "
                      "less than a bachelor's; only a missing level is 'no data'. Study (TT1 / TT2): less than "
                      "bachelor's 31.2 % / 45.5 %, bachelor's or higher 61.3 % / 47.5 %, no data 7.5 % / 7.0 %.",
                      tables=[("Table 2. Education, three buckets (share of the category's postings)",
                               _share_pivot(t["table2"], "bucket")),
                              ("Education level by category", _share_pivot(t["education"], "education_level"))],
                      figures=[("Figure 1. Desired education by category", figs["figure_1"])]),
        ReportSection("Figure 2. Desired experience",
                      "Exact level, else the minimum: no experience = 0 years, junior 0–5, mid 5–15, senior > 15.",
                      tables=[("Experience level by category", _share_pivot(t["experience"], "experience_level"))],
                      figures=[("Figure 2. Desired experience by category", figs["figure_2"])]),
        ReportSection("Table 3 and Figure 3. Salary",
                      f"Median minimum and maximum annual salary (CNY; a single stated salary is both), and in PPP "
                      f"USD at {ppp_rate:g} CNY per dollar. Study TT1: 120,000–180,000 CNY.",
                      tables=[("Table 3", table3_display(t["table3"]))],
                      figures=[("Figure 3. Median annual salary by category", figs["figure_3"])]),
        ReportSection("Figure 4. Technical Team 1 salary by province",
                      f"Only provinces with at least {min_n} TT1 postings that state a salary.",
                      tables=[("TT1 median salary by province", t["province_salary"])],
                      figures=[("Figure 4", figs["figure_4"])]),
        ReportSection("Figures 5 and 6. Where technical postings are",
                      "Postings per province; the row with no province is the share with no usable location.",
                      tables=[("Postings by province, TT1 and TT2", t["province_counts"])],
                      figures=[("Figure 5. Technical Team 1 by province", figs["figure_5"]),
                               ("Figure 6. Technical Team 2 by province", figs["figure_6"])]),
        ReportSection("Regional clusters and top cities",
                      "AI categories (TT1, TT2, Product, Commercial). " + clusters_text,
                      tables=[("Regional clusters", t["clusters"]), ("Top cities", t["top_cities"])],
                      figures=[("Top cities", figs["figure_top_cities"])]),
        ReportSection("Table 4. AI keywords in technical postings",
                      f"Top {top_n} keywords per team by distinct postings, then the distinct postings matching any "
                      "of them and any keyword at all.",
                      tables=[("Table 4", table4_display(t["table4"])), ("Table 4, with shares", t["table4"]),
                              ("Example keyword postings", t["keyword_examples"])]),
        ReportSection("Figures 7 and 8. Education of keyword postings",
                      tables=[("Education, keyword postings vs all (share of each group)",
                               keyword_education_display(t["keyword_education"]))],
                      figures=[("Figure 7. TT1", figs["figure_7"]), ("Figure 8. TT2", figs["figure_8"])]),
        ReportSection("Significance tests",
                      "Each AI category against Not AI. Shares: two-sample pooled Z-tests; salary: Wilcoxon "
                      "rank-sum; Bonferroni-adjusted within each family (m tests), significant at 0.05.",
                      tables=[("Tests", sig)]),
        ReportSection("Table C1. Nulls per normalized field", tables=[("Table C1", t["table_c1"])]),
    ]


FAILED_CHECK_COLUMNS = ("check", "asset", "severity", "what failed", "check description")


def checks_section(failed_checks: pl.DataFrame, n_checks: int) -> ReportSection:
    """The data checks of the run: the failed ones by name, asset and what failed (the fields they name),
    so a reader sees them before any number that may depend on them."""
    if failed_checks.is_empty():
        return ReportSection("Data checks", f"All {n_checks} data checks of the pipeline passed.")
    n_error = int((failed_checks["severity"] == "ERROR").sum())
    return ReportSection(
        "Data checks: FAILED" if n_error else "Data checks: warnings",
        f"{n_error} ERROR-severity and {failed_checks.height - n_error} warning check(s) of {n_checks} failed on "
        "the data behind this report; numbers that depend on the assets and fields named here may be wrong.",
        tables=[("Failed checks", failed_checks.select(FAILED_CHECK_COLUMNS))],
    )


def build_report(
    con, ppp_rate: float = T.DEFAULT_PPP_RATE, min_n: int = 100, top_n: int = 10, n_cities: int = 10,
    map_bins: Sequence[float] | str = "scaled", title: str = "China's AI workforce: demand for AI talent in job postings",
    generated_at: str | None = None, extra_sections: Sequence[ReportSection] = (),
    failed_checks: pl.DataFrame | None = None, n_checks: int = 0,
) -> tuple[str, dict[str, bytes]]:
    """The HTML report and the figures' PNG bytes (keyed figure_1 ... figure_8, figure_top_cities);
    `extra_sections` (e.g. the 2023 follow-up's clusters) follow the study's sections. `failed_checks`
    (columns FAILED_CHECK_COLUMNS) of `n_checks` checks, when given, open the report (`checks_section`)."""
    tables = compute_tables(con, ppp_rate=ppp_rate, min_n=min_n, top_n=top_n, n_cities=n_cities)
    figs = make_figures(tables, ppp_rate=ppp_rate, min_n=min_n, map_bins=map_bins)
    generated_at = generated_at or datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    sections = [*report_sections(tables, figs, ppp_rate, min_n, top_n), *extra_sections]
    if failed_checks is not None:
        sections.insert(0, checks_section(failed_checks, n_checks))
    html_text = render_report(sections, title, generated_at)
    return html_text, figs
