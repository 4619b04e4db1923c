"""Stage 5: the AI-keyword subset of Technical Team 1 and 2 postings (the study's Appendix D)."""

import dagster as dg
import polars as pl

from cjd_assets import keywords
from cjd_assets import warehouse as wh
from cjd_assets.assets import stamp
from cjd_assets.assets.dedup import deduplicated_postings
from cjd_assets.jobs import DUCKDB_POOL
from cjd_assets.resources import Warehouse

BATCH_SIZE = 100_000


@dg.asset(
    deps=["classified_postings", deduplicated_postings],
    group_name="keywords",
    kinds={"duckdb", "polars"},
    code_version=keywords.KEYWORDS_VERSION,
    pool=DUCKDB_POOL,
    check_specs=[dg.AssetCheckSpec(
        "only_technical_teams", asset="ai_keyword_postings", blocking=True,
        description="Only Technical Team 1 and 2 postings are searched for keywords (the study's Table 4): "
                    "no row belongs to another category.")],
)
def ai_keyword_postings(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    """One row per (posting, AI keyword) for Technical Team 1 and 2 postings whose title or body contains an
    Appendix D keyword (Chinese or English; `AI` only as a word; false friends such as 无人机 excluded)."""
    sql = wh.sql_text("keyword_inputs")
    parts = []
    with warehouse.connection() as con:
        for batch in wh.iter_frames(con, sql, batch_size=BATCH_SIZE):
            matches = keywords.match_ai_keywords(batch)
            parts.append(matches.join(batch.select("id", "job_category_pr"), on="id", how="left"))
        out = (
            # the inputs come unordered; each posting's rows come from one batch, in keyword order
            pl.concat(parts, how="vertical_relaxed").sort("id", maintain_order=True)
            if parts
            else keywords.match_ai_keywords(
                pl.DataFrame(schema={"id": pl.Utf8, "title_extracted": pl.Utf8, "body_extracted": pl.Utf8})
            ).with_columns(job_category_pr=pl.lit(None, pl.Utf8))
        )
        out = out.select("id", "job_category_pr", *[c for c in out.columns if c not in ("id", "job_category_pr")])
        wh.write_table(con, "ai_keyword_postings", stamp(out, keywords.KEYWORDS_VERSION))
        outside = con.execute(
            "SELECT count(*) FROM ai_keyword_postings WHERE job_category_pr NOT IN ('TT1', 'TT2')"
        ).fetchall()[0][0]
    top = (
        out.group_by("job_category_pr", "keyword_en").agg(postings=pl.col("id").n_unique())
        .sort("postings", descending=True).head(15)
    )
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": out.height,
            "distinct_postings": out["id"].n_unique() if out.height else 0,
            "top_keywords": dg.MetadataValue.md(wh.markdown_preview(top, max_rows=15)),
        },
        check_results=[
            dg.AssetCheckResult(check_name="only_technical_teams", passed=outside == 0,
                                description=None if outside == 0 else f"{outside:,} rows outside TT1/TT2",
                                metadata={"rows_outside_tt1_tt2": int(outside)})
        ],
    )
