"""Summary tables, figures and the HTML report of the study (no Dagster imports).

Tables read the view `analysis_postings` and the table `ai_keyword_postings` on a DuckDB connection;
set logic is in `sql/summary_<name>.sql`. Figures return PNG bytes. `cjd_assets.analysis` holds the one
registry of the stored tables and their figures; `document.build_document` renders the report from the
stored tables.
"""

from cjd_assets.report.figures import (
    STUDY_MAP_BINS,
    figure_1,
    figure_2,
    figure_3,
    figure_4,
    figure_5,
    figure_6,
    figure_7,
    figure_8,
    figure_demand_over_time,
    figure_province_map,
    figure_top_cities,
    count_bins,
)
from cjd_assets.report.geography import load_regions, province_en, region_of
from cjd_assets.report.html import png_markdown, to_markdown
from cjd_assets.report.stats import bonferroni, ranksum_test, two_proportion_ztest
from cjd_assets.report.tables import (
    DEFAULT_PPP_RATE,
    corpus_by_source,
    education_by_category,
    experience_by_category,
    keyword_education,
    keyword_examples,
    province_counts,
    regional_clusters,
    significance_tests,
    table1_by_category,
    table2_education,
    table3_salary,
    table4_keywords,
    table_c1_nulls,
    top_cities,
    tt1_salary_by_province,
)

__all__ = [
    "DEFAULT_PPP_RATE", "STUDY_MAP_BINS", "bonferroni",
    "corpus_by_source", "load_regions", "region_of", "education_by_category", "experience_by_category", "figure_1", "figure_2",
    "figure_3", "figure_4", "figure_5", "figure_6", "figure_7", "figure_8", "figure_demand_over_time", "figure_province_map",
    "count_bins", "figure_top_cities", "keyword_education", "keyword_examples", "png_markdown", "province_counts",
    "province_en", "ranksum_test", "regional_clusters",
    "significance_tests", "table1_by_category", "table2_education", "table3_salary",
    "table4_keywords", "table_c1_nulls", "to_markdown", "top_cities", "tt1_salary_by_province",
    "two_proportion_ztest",
]
