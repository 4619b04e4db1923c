"""Stage 2: the dedup set — every raw posting kept, duplicates grouped by the posting id in their URL."""

import dagster as dg

from cjd_assets import dedup
from cjd_assets import lake as object_lake
from cjd_assets import warehouse as wh
from cjd_assets.jobs import DUCKDB_POOL
from cjd_assets.partitions import HARVEST_ASSET
from cjd_assets.resources import Warehouse

# Primaries that look like one posting under different ids on one board (same company, title and body), as
# a share of all primaries, above which the near_duplicates check warns: the board's id scheme has likely
# changed and the dedup key misses it. The real postings hold 0.06 % (64 of 109,991).
MAX_NEAR_DUPLICATE_SHARE = 0.01


@dg.asset(
    deps=[HARVEST_ASSET],
    group_name="dedup",
    kinds={"duckdb"},
    code_version=dedup.DEDUP_VERSION,
    pool=DUCKDB_POOL,
    # The invariants block: the classification and normalization of a broken dedup set never run.
    check_specs=[
        dg.AssetCheckSpec("raw_set_intact", asset="deduplicated_postings", blocking=True,
                          description="deduplicated_postings keeps every raw posting (the study kept its "
                                      "non-deduplicated set): its row count equals raw_postings'."),
        dg.AssetCheckSpec("one_primary_per_posting", asset="deduplicated_postings", blocking=True,
                          description="Every (board, posting_key) group has exactly one primary posting."),
        dg.AssetCheckSpec("near_duplicates", asset="deduplicated_postings", blocking=False,
                          description="Primaries that look like one posting under different ids (same board, "
                                      "company, title and body) are at most "
                                      f"{MAX_NEAR_DUPLICATE_SHARE:.0%} of all primaries (WARN above: the dedup key "
                                      "likely misses a board's id scheme); counts on one board and across boards."),
    ],
)
def deduplicated_postings(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    """All raw postings of every harvest with `url_norm`, `posting_key` (the board's own posting id),
    `duplicate_group_size` and `is_primary`: within one board, the longest version of a posting (then the
    latest retrieved, then the lowest id) is primary. Global across harvests, so a later, longer version
    takes over; rows are never dropped (the study kept its non-deduplicated set too)."""
    # Harvests written to the object lake (CJD_LAKE_URL) are loaded into DuckDB first, changed ones only.
    if (loaded := object_lake.sync_if_configured(warehouse.connection)) is not None:
        context.log.info(f"warehouse loaded from the lake: {loaded}")
    with warehouse.connection() as con:
        stats = dedup.deduplicate(con, "raw_postings", "deduplicated_postings")
        raw = wh.row_count(con, "raw_postings")
        kept = wh.row_count(con, "deduplicated_postings")
        bad_groups = con.execute(
            "SELECT count(*) FROM (SELECT source, posting_key FROM deduplicated_postings "
            "GROUP BY ALL HAVING sum(is_primary::INT) <> 1)"
        ).fetchall()[0][0]
        near = dedup.near_duplicates(con, "deduplicated_postings")
        preview = wh.read_frame(
            con,
            "SELECT source, posting_key, duplicate_group_size, is_primary, title_extracted, url_extracted "
            "FROM deduplicated_postings ORDER BY duplicate_group_size DESC, posting_key LIMIT 10",
        )
    context.log.info(f"dedup: {stats}")
    near_counts = {k: v for k, v in near.items() if isinstance(v, (int, float))}
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": kept,
            "harvested": stats["harvested"],
            "unique": stats["unique"],
            "duplicates": stats["duplicates"],
            "duplicate_share": float(stats["duplicate_share"]),
            "by_board": stats.get("per_board", {}),
            "unknown_url_shapes": stats.get("unknown_url_shapes", 0),
            "preview": dg.MetadataValue.md(wh.markdown_preview(preview)),
        },
        check_results=[
            dg.AssetCheckResult(check_name="raw_set_intact", passed=raw == kept,
                                description=None if raw == kept else f"{raw:,} raw postings but {kept:,} kept",
                                metadata={"raw_postings": raw, "deduplicated_postings": kept}),
            dg.AssetCheckResult(check_name="one_primary_per_posting", passed=bad_groups == 0,
                                description=None if bad_groups == 0
                                else f"{bad_groups:,} posting_key groups without exactly one primary",
                                metadata={"groups_without_exactly_one_primary": int(bad_groups)}),
            dg.AssetCheckResult(check_name="near_duplicates",
                                passed=near["same_board_extra_share"] <= MAX_NEAR_DUPLICATE_SHARE,
                                severity=dg.AssetCheckSeverity.WARN,
                                description=None if near["same_board_extra_share"] <= MAX_NEAR_DUPLICATE_SHARE else (
                                    f"{near['same_board_extra']:,} of {near['primaries']:,} primaries "
                                    f"({near['same_board_extra_share']:.2%}) repeat another posting of their board"),
                                metadata={**near_counts, "threshold": MAX_NEAR_DUPLICATE_SHARE}),
        ],
    )
