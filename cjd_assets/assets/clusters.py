"""The 2023 follow-up: defense-affiliated and surveillance employers. Where AI-related demand is (the
`clusters_*` tables) is generated with the other analysis tables in `summaries.py`."""

import dagster as dg
import polars as pl

from cjd_assets import clusters as C
from cjd_assets import warehouse as wh
from cjd_assets.assets.dedup import deduplicated_postings
from cjd_assets.jobs import DUCKDB_POOL
from cjd_assets.resources import Warehouse

BATCH_SIZE = 200_000


@dg.asset(deps=[deduplicated_postings], group_name="clusters", kinds={"duckdb", "polars"}, pool=DUCKDB_POOL)
def employer_tags(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    """One row per (unique posting, rule that fired): `tag` defense or surveillance, `rule_kind` employer
    (the company name matched a listed defense conglomerate, its institutes and subsidiaries, or a
    surveillance vendor) or keyword (a surveillance application in the text), and the rule itself. The
    lists live in `cjd_assets/data/*.csv` with a source per entry."""
    employer_rules = C.load_employer_rules()
    keyword_rules = C.load_keyword_rules()
    parts = []
    sql = wh.sql_text("employer_tag_inputs")
    with warehouse.connection() as con:
        for batch in wh.iter_frames(con, sql, batch_size=BATCH_SIZE):
            parts.append(C.tag_employers(batch, employer_rules, keyword_rules))
        # the inputs come unordered; each posting's rows come from one batch, already in rule order
        tags = pl.concat(parts, how="vertical_relaxed").sort("id", maintain_order=True) if parts else C.tag_employers(
            pl.DataFrame(schema={"id": pl.Utf8, "company_name_extracted": pl.Utf8,
                                 "title_extracted": pl.Utf8, "body_extracted": pl.Utf8}),
            employer_rules, keyword_rules)
        wh.write_table(con, "employer_tags", tags)
    by_tag = tags.group_by("tag", "rule_kind").agg(postings=pl.col("id").n_unique()).sort("tag", "rule_kind")
    top_groups = (tags.filter(pl.col("rule_kind") == "employer").group_by("tag", "group")
                  .agg(postings=pl.col("id").n_unique()).sort("postings", descending=True).head(15))
    context.log.info(f"employer tags: {by_tag.to_dicts()}")
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": tags.height,
            "postings_by_tag": dg.MetadataValue.md(wh.markdown_preview(by_tag)),
            "top_employer_groups": dg.MetadataValue.md(wh.markdown_preview(top_groups, max_rows=15)),
            "employer_rules": employer_rules.height,
            "keyword_rules": keyword_rules.height,
        }
    )
