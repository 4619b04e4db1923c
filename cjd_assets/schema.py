"""Column names and category codes shared by every stage.

Names follow the study's Appendix A so that our tables read like its dataset.
"""

from __future__ import annotations

# The five AI-workforce categories, in the order of job_category{0..4}_distribution_pr.
CATEGORIES: tuple[str, ...] = ("TT1", "TT2", "PRODUCT", "COMMERCIAL", "NOT_AI")
CATEGORY_NAMES: dict[str, str] = {
    "TT1": "Technical Team 1",
    "TT2": "Technical Team 2",
    "PRODUCT": "Product Team",
    "COMMERCIAL": "Commercial Team",
    "NOT_AI": "Not AI",
}
DISTRIBUTION_COLUMNS: tuple[str, ...] = tuple(f"job_category{i}_distribution_pr" for i in range(5))

# Boards a page or record can come from (`source`).
BOARDS: tuple[str, ...] = ("51job", "liepin", "cjol", "linkedin", "boss", "zhaopin", "lagou", "unknown")

# Fields the harvest stage extracts from a page or an export row.
EXTRACTED_COLUMNS: tuple[str, ...] = (
    "title_extracted",
    "body_extracted",
    "company_name_extracted",
    "company_information_extracted",
    "release_date_extracted",
    "location_extracted",
    "salary_extracted",
    "desired_experience_extracted",
    "desired_education_extracted",
    "url_extracted",
    "source",
    # The board's own occupation label where it shows one (Zhaopin 职位类别, BOSS category, 51job 职能类别),
    # null elsewhere; not an Appendix A field: the classifier reads it (export_format.OCCUPATION_KEYS).
    "board_occupation",
)

# Input columns of cjd_assets.normalize.normalize_postings.
NORMALIZE_INPUT_COLUMNS: tuple[str, ...] = (
    "title_extracted",
    "body_extracted",
    "salary_extracted",
    "location_extracted",
    "desired_education_extracted",
    "desired_experience_extracted",
    "release_date_extracted",
    "retrieve_date",
    "source",
)

# Text columns the classifier reads.
CLASSIFIER_TEXT_COLUMNS: tuple[str, ...] = ("title_extracted", "company_name_extracted", "body_extracted")
# Everything the classifier reads: the text columns plus the board's occupation label (nullable).
CLASSIFIER_INPUT_COLUMNS: tuple[str, ...] = (*CLASSIFIER_TEXT_COLUMNS, "board_occupation")

# Controlled vocabularies of the normalized fields (the values the report groups by).
# Education: the study collapses junior middle, high and vocational high school to "middle school";
# the finer kind is kept in desired_education_detail_norm. "none" = explicitly no requirement (学历不限),
# which is not the same as a missing value (null).
EDUCATION_LEVELS: tuple[str, ...] = ("none", "middle school", "associate", "bachelor", "master", "doctoral")
EDUCATION_DETAILS: tuple[str, ...] = (
    "junior middle school",
    "high school",
    "vocational high school",
    "associate",
    "bachelor",
    "master",
    "doctoral",
)
# Experience: no experience = 0 years; junior 0-5; mid 5-15; senior > 15.
EXPERIENCE_LEVELS: tuple[str, ...] = ("no experience", "junior", "mid", "senior")
SALARY_RECURRENCES: tuple[str, ...] = ("hour", "day", "week", "month", "year")
