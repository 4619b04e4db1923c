"""Test fixtures get the analysis view the way production does: a flat frame of analysis columns is stored
as the three stage tables the view joins, and the library builds `analysis_postings` from them (so the
derived columns, such as the education and experience levels, come from sql/analysis_postings.sql)."""

from __future__ import annotations

from datetime import datetime, timezone

import polars as pl

from cjd_assets import warehouse as wh
from cjd_assets.analysis import prepare_analysis_view

DEDUP_COLUMNS = ("source", "title_extracted", "company_name_extracted", "retrieve_date", "posting_key",
                 "harvest_id", "is_primary")
# what the view's derived levels read; a fixture without them has none stated
LEVEL_INPUTS = ("desired_education_exact_level_norm", "desired_education_minimum_level_norm",
                "desired_education_maximum_level_norm", "desired_experience_exact_level_norm",
                "desired_experience_minimum_level_norm", "desired_experience_status_norm")
_META = {"input_hash": pl.lit("x"), "pipeline_version": pl.lit("test"),
         "pipeline_date_updated": pl.lit(datetime(2026, 1, 1, tzinfo=timezone.utc))}


def build_analysis_view(con, postings: pl.DataFrame) -> None:
    """`postings`: one row per unique posting with `id`, `job_category_pr` and any of the posting's
    extracted (DEDUP_COLUMNS) and normalized columns. Writes deduplicated_postings (every row its own
    primary in harvest 'crawl-1' unless the frame says otherwise), classified_postings and
    normalized_postings, then the view."""
    postings = postings.with_columns(pl.lit(None, pl.String).alias(c) for c in LEVEL_INPUTS if c not in postings.columns)
    defaults = {"source": pl.lit(None, pl.String), "title_extracted": pl.lit(None, pl.String),
                "company_name_extracted": pl.lit(None, pl.String), "retrieve_date": pl.lit(None, pl.Date),
                "posting_key": pl.col("id"), "harvest_id": pl.lit("crawl-1"), "is_primary": pl.lit(True)}
    dedup = postings.select("id", *[pl.col(c) if c in postings.columns else e.alias(c) for c, e in defaults.items()])
    classified = postings.select("id", *[c for c in postings.columns if c.startswith("job_category")]).with_columns(**_META)
    normalized = postings.select(
        "id", *[c for c in postings.columns if c != "id" and c not in DEDUP_COLUMNS and not c.startswith("job_category")]
    ).with_columns(**_META)
    for name, frame in (("deduplicated_postings", dedup), ("classified_postings", classified),
                        ("normalized_postings", normalized)):
        wh.write_table(con, name, frame)
    prepare_analysis_view(con)
