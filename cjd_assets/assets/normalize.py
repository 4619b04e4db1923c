"""Stage 4: normalized fields of every primary posting (education, experience, salary, dates, location)."""

from datetime import datetime, timezone

import dagster as dg
import polars as pl

from cjd_assets import normalize
from cjd_assets import warehouse as wh
from cjd_assets.assets import stamp
from cjd_assets.assets.dedup import deduplicated_postings
from cjd_assets.jobs import DUCKDB_POOL
from cjd_assets.resources import Warehouse
from cjd_assets.schema import NORMALIZE_INPUT_COLUMNS

BATCH_SIZE = 100_000

# Table C1 of the study: the normalized fields whose nulls it reports.
TABLE_C1_FIELDS = (
    "desired_education_exact_level_norm",
    "desired_experience_exact_level_norm",
    "salary_minimum_value_norm",
    "salary_minimum_annual_value_norm",
    "salary_maximum_value_norm",
    "salary_maximum_annual_value_norm",
    "location_province_en_norm",
    "location_province_zh_norm",
)
# A null share above this in any Table C1 field fails the check: something broke upstream.
TABLE_C1_MAX_NULL_SHARE = 0.5


@dg.asset(
    deps=[deduplicated_postings],
    group_name="normalize",
    kinds={"duckdb", "polars"},
    code_version=normalize.NORMALIZE_VERSION,
    pool=DUCKDB_POOL,
    check_specs=[
        dg.AssetCheckSpec("every_primary_normalized_once", asset="normalized_postings", blocking=True,
                          description="normalized_postings has exactly one row per primary posting."),
        dg.AssetCheckSpec("table_c1_null_shares", asset="normalized_postings",
                          description=f"No Table C1 field is null in more than {TABLE_C1_MAX_NULL_SHARE:.0%} of "
                                      "normalized postings; a higher share means a parser broke upstream. A "
                                      "failure names the fields and their null shares."),
    ],
)
def normalized_postings(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    """Appendix A's `*_norm` fields for every primary posting: education and experience levels
    (exact/minimum/maximum), salary (value, monthly, annual, currency, recurrence), release date and
    location from continent down to township with codes and English names, with a status per field and
    `*_inferred` flags where a missing value was filled from the description. Only postings that are new,
    edited, or normalized by an older rule version are recomputed."""
    version = normalize.NORMALIZE_VERSION
    with warehouse.connection() as con:
        # Rows survive for postings whose inputs and rule version are unchanged; the rest is recomputed.
        pending_sql, pending = wh.pending_primaries(
            con, "normalized_postings", NORMALIZE_INPUT_COLUMNS, "normalize_version", version
        )
        context.log.info(f"normalizing {pending:,} new or changed postings (rules {version})")
        now = datetime.now(timezone.utc)
        done = 0
        # batches normalized on threads (CJD_THREADS) while the last result is written; the lazily
        # loaded dictionaries first, so no thread reads one half loaded
        normalize.warm_up()
        for batch, out in wh.map_frames(con, pending_sql, lambda b: normalize.normalize_postings(b.drop("id", "input_hash")),
                                        batch_size=BATCH_SIZE):
            out = out.select([c for c in out.columns if c not in NORMALIZE_INPUT_COLUMNS])
            out = stamp(pl.concat([batch.select("id", "input_hash"), out], how="horizontal").with_columns(
                normalize_version=pl.lit(version)), f"normalize-{version}", now)
            wh.append(con, "normalized_postings", out)
            done += batch.height
            context.log.info(f"normalized {done:,}/{pending:,}")
        total = wh.row_count(con, "normalized_postings")
        distinct = con.execute("SELECT count(DISTINCT id) FROM normalized_postings").fetchall()[0][0]
        primaries = wh.row_count(con, "deduplicated_postings", "is_primary")
        c1 = wh.read_frame(
            con,
            "SELECT " + ", ".join(f"count(*) - count({f}) AS {f}" for f in TABLE_C1_FIELDS)
            + " FROM normalized_postings",
        )
        preview = wh.read_frame(
            con,
            "SELECT desired_education_exact_level_norm, desired_experience_exact_level_norm, "
            "salary_minimum_monthly_value_norm, salary_maximum_monthly_value_norm, salary_recurrence_norm, "
            "location_province_en_norm, location_prefecture_zh_norm, release_date_exact_date_norm "
            "FROM normalized_postings LIMIT 10",
        )
    table_c1 = pl.DataFrame(
        {
            "field": list(TABLE_C1_FIELDS),
            "nulls": [int(c1[f][0]) for f in TABLE_C1_FIELDS],
        }
    ).with_columns(share=(pl.col("nulls") / max(total, 1)).round(4))
    worst = float(table_c1["share"].max()) if total else 0.0
    over = table_c1.filter(pl.col("share") > TABLE_C1_MAX_NULL_SHARE).sort("share", descending=True)
    over_text = ", ".join(f"{r['field']} ({r['share']:.1%})" for r in over.iter_rows(named=True))
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": total,
            "normalized_this_run": done,
            "reused_from_earlier_runs": total - done,
            "table_c1_nulls": dg.MetadataValue.md(wh.markdown_preview(table_c1)),
            "preview": dg.MetadataValue.md(wh.markdown_preview(preview)),
        },
        check_results=[
            dg.AssetCheckResult(
                check_name="every_primary_normalized_once",
                passed=total == distinct == primaries,
                description=None if total == distinct == primaries else (
                    f"{primaries:,} primary postings, {total:,} normalized rows, {distinct:,} distinct ids"),
                metadata={"primary_postings": primaries, "normalized_rows": total, "distinct_ids": distinct},
            ),
            dg.AssetCheckResult(
                check_name="table_c1_null_shares",
                passed=worst <= TABLE_C1_MAX_NULL_SHARE,
                description=None if over.is_empty() else (
                    f"{over.height} Table C1 field(s) null in more than {TABLE_C1_MAX_NULL_SHARE:.0%} of "
                    f"postings: {over_text}"),
                metadata={"worst_null_share": worst, "threshold": TABLE_C1_MAX_NULL_SHARE,
                          "worst_field": str(table_c1.sort("share", descending=True)["field"][0]) if total else "",
                          "fields_over_threshold": {r["field"]: r["share"] for r in over.iter_rows(named=True)}},
            ),
        ],
    )
