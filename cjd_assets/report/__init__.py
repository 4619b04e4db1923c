"""The study's figures and the HTML report (no Dagster imports): what is drawn and rendered from the stored
tables that `cjd_assets.analysis` computes. Figures return PNG bytes; `document.build_document` renders
the report from the stored tables; `geography` holds the provinces, the regions of
`cjd_assets/data/regions.csv` and the map outlines.
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

__all__ = [
    "STUDY_MAP_BINS", "count_bins", "figure_1", "figure_2", "figure_3", "figure_4", "figure_5", "figure_6",
    "figure_7", "figure_8", "figure_demand_over_time", "figure_province_map", "figure_top_cities", "load_regions",
    "png_markdown", "province_en", "region_of", "to_markdown",
]
