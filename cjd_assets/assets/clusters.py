"""The 2023 follow-up: defense-affiliated and surveillance employers, and where AI-related demand is."""

import dagster as dg
import polars as pl

from cjd_assets import clusters as C
from cjd_assets import warehouse as wh
from cjd_assets.assets.dedup import deduplicated_postings
from cjd_assets.assets.summaries import analysis_postings, prepare_analysis_view
from cjd_assets.resources import Warehouse

BATCH_SIZE = 200_000


@dg.asset(deps=[deduplicated_postings], group_name="clusters", kinds={"duckdb", "polars"})
def employer_tags(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    """One row per (unique posting, rule that fired): `tag` defense or surveillance, `rule_kind` employer
    (the company name matched a listed defense conglomerate, its institutes and subsidiaries, or a
    surveillance vendor) or keyword (a surveillance application in the text), and the rule itself. The
    lists live in `cjd_assets/data/*.csv` with a source per entry."""
    employer_rules = C.load_employer_rules()
    keyword_rules = C.load_keyword_rules()
    parts = []
    sql = """SELECT id, company_name_extracted, title_extracted, body_extracted
             FROM deduplicated_postings WHERE is_primary ORDER BY id"""
    with warehouse.connection() as con:
        for batch in wh.iter_frames(con, sql, batch_size=BATCH_SIZE):
            parts.append(C.tag_employers(batch, employer_rules, keyword_rules))
        tags = pl.concat(parts, how="vertical_relaxed") if parts else C.tag_employers(
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


def _cluster_asset(population: str, tag: str | None, label: str) -> dg.AssetsDefinition:
    name = f"clusters_{tag or population}"

    @dg.asset(
        name=name,
        deps=[analysis_postings, employer_tags],
        group_name="clusters",
        kinds={"duckdb"},
        description=(
            f"{label} by region (Pearl River Delta, Beijing-Tianjin-Hebei, Yangtze River Delta, other), "
            "by province and in the top 10 cities with their cumulative share, as in the 2023 follow-up. "
            "AI-related = Technical Team 1 or 2 postings with at least one Appendix D keyword."
        ),
    )
    def _asset(warehouse: Warehouse) -> dg.MaterializeResult:
        from cjd_assets.clusters import figures as CF

        with warehouse.connection() as con:
            prepare_analysis_view(con)
            regions = C.by_region(con, population=population, tag=tag)
            provinces = C.by_province(con, population=population, tag=tag)
            cities = C.by_city(con, top_n=10, population=population, tag=tag)
            for kind, frame in (("regions", regions), ("provinces", provinces), ("cities", cities)):
                wh.write_table(con, f"{name}_{kind}", frame)
        return dg.MaterializeResult(
            metadata={
                "dagster/row_count": provinces.height,
                "regions": dg.MetadataValue.md(wh.markdown_preview(regions)),
                "top_cities": dg.MetadataValue.md(wh.markdown_preview(cities)),
                "map": dg.MetadataValue.md(
                    _png_md(CF.figure_cluster_map(provinces, f"{label} by province"), f"{label} map")),
                "cities_figure": dg.MetadataValue.md(
                    _png_md(CF.figure_cluster_cities(cities, f"{label}: top cities"), f"{label} cities")),
            }
        )

    return _asset


def _png_md(png: bytes, alt: str) -> str:
    from cjd_assets.report import png_markdown

    return png_markdown(png, alt=alt)


# (asset / table prefix, label) of each view of the follow-up, as the report shows them.
CLUSTER_VIEWS = (
    ("clusters_ai_related", "AI-related postings"),
    ("clusters_defense", "AI-related postings of defense-affiliated employers"),
    ("clusters_surveillance", "AI-related postings in the surveillance sector"),
)
cluster_assets = [
    _cluster_asset("ai_related", tag, label)
    for (_, label), tag in zip(CLUSTER_VIEWS, (None, "defense", "surveillance"))
]
