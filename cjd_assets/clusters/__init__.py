"""The 2023 follow-up's geographic clusters: defense-affiliated and surveillance employers, and where
AI-related postings are (regions, provinces, cities)."""

from cjd_assets.clusters.names import name_variants, normalize_company_name, normalize_company_names
from cjd_assets.clusters.rules import (
    load_employer_rules,
    load_keyword_rules,
    tag_company_names,
    tag_employers,
    tag_posting_text,
)
from cjd_assets.clusters.tables import (
    ai_related_by_city,
    ai_related_by_province,
    ai_related_by_region,
    by_city,
    by_province,
    by_region,
    cluster_summary,
    defense_by_city,
    defense_by_province,
    defense_by_region,
    load_regions,
    region_of,
    surveillance_by_city,
    surveillance_by_province,
    surveillance_by_region,
)

# figures live in cjd_assets.clusters.figures (imported on demand: matplotlib)
__all__ = [
    "ai_related_by_city",
    "ai_related_by_province",
    "ai_related_by_region",
    "by_city",
    "by_province",
    "by_region",
    "cluster_summary",
    "defense_by_city",
    "defense_by_province",
    "defense_by_region",
    "load_regions",
    "region_of",
    "surveillance_by_city",
    "surveillance_by_province",
    "surveillance_by_region",
    "load_employer_rules",
    "load_keyword_rules",
    "name_variants",
    "normalize_company_name",
    "normalize_company_names",
    "tag_company_names",
    "tag_employers",
    "tag_posting_text",
]
