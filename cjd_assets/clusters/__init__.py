"""The 2023 follow-up's employer rules: defense-affiliated and surveillance employers and applications. Where
AI-related postings are (regions, provinces, cities) is computed in `cjd_assets.analysis.clusters`."""

from cjd_assets.clusters.names import name_variants, normalize_company_name, normalize_company_names
from cjd_assets.clusters.rules import (
    load_employer_rules,
    load_keyword_rules,
    tag_company_names,
    tag_employers,
    tag_posting_text,
)

__all__ = [
    "load_employer_rules",
    "load_keyword_rules",
    "name_variants",
    "normalize_company_name",
    "normalize_company_names",
    "tag_company_names",
    "tag_employers",
    "tag_posting_text",
]
