"""Stage 1: raw pages and the postings parsed from them, one `harvests` partition per crawl or file."""

from datetime import datetime, timezone
from pathlib import Path

import dagster as dg

from cjd_assets import harvest as hv
from cjd_assets import lake as object_lake
from cjd_assets import warehouse as wh
from cjd_assets.assets import stamp
from cjd_assets.harvest import landing
from cjd_assets.partitions import CRAWL_PREFIX, FILE_PREFIX, harvests
from cjd_assets.resources import CrawlerSettings, Lake, Warehouse


def _crawl(context: dg.AssetExecutionContext, lake: Lake, crawler: CrawlerSettings, key: str):
    if not crawler.seed_urls:
        raise dg.Failure(
            description="No crawl seeds configured: set CJD_CRAWL_SEEDS (space-separated listing URLs) "
            "or drop harvest files into the landing directory instead."
        )
    config = hv.CrawlConfig(
        allowed_domains=list(crawler.allowed_domains),
        per_host_concurrency=crawler.per_host_concurrency,
        per_host_rate=crawler.per_host_rate,
        max_attempts=crawler.max_attempts,
        timeout=crawler.timeout_s,
        headers=dict(crawler.headers),
        cookies=dict(crawler.cookies),
        proxy=crawler.proxy,
        proxies=list(crawler.proxies),
    )
    store = lake.path("crawls", f"{key}.sqlite")
    last_logged = [0.0]

    def progress(p) -> None:
        # The crawler calls this often; the Dagster log gets a line every few seconds at most.
        if p.elapsed - last_logged[0] >= 5 or p.done:
            last_logged[0] = p.elapsed
            context.log.info(str(p))

    summary = hv.run_crawl(list(crawler.seed_urls), store, key, config, progress=progress)
    context.log.info(f"crawl finished: {summary}")
    return hv.store_pages(store, key)


@dg.asset(
    partitions_def=harvests,
    group_name="harvest",
    kinds={"duckdb"},
    code_version=hv.PARSER_VERSION,
)
def raw_pages(
    context: dg.AssetExecutionContext, warehouse: Warehouse, lake: Lake, crawler: CrawlerSettings
) -> dg.MaterializeResult:
    """Every page of one harvest, kept as fetched: compressed bytes, URL, board, HTTP status, fetch time,
    encoding and crawl state (fetched, blocked, failed). Export rows are kept as JSON records, so
    `raw_postings` can always be rebuilt from this table alone, without crawling again."""
    key = context.partition_key
    extra = None
    if key.startswith(CRAWL_PREFIX):
        pages = _crawl(context, lake, crawler, key)
    elif key.startswith(FILE_PREFIX):
        # The file is kept in the lake under its digest before and after: a failure below (a DuckDB lock)
        # leaves it there, and the sensor requests the partition again.
        path = landing.find_harvest_file(Path(lake.directory), lake.landing, key)
        if path is None:
            raise dg.Failure(description=f"No harvest file for partition {key} in {lake.landing} or the lake")
        try:
            pages = hv.read_harvest_file(path, key)
            extra = hv.read_export_extra(path)
        except hv.HarvestFileError as err:
            moved = landing.reject(path, lake.landing, str(err))
            raise dg.Failure(description=f"{path.name} is not a readable harvest and was moved to {moved.parent}: {err}")
    else:
        raise dg.Failure(description=f"Unknown harvest partition {key!r}: keys start with crawl- or file-")

    # To DuckDB, or with CJD_LAKE_URL set to the object lake (no DuckDB writer taken: see cjd_assets.lake).
    object_lake.replace_partition(warehouse.connection, "raw_pages", stamp(pages, hv.PARSER_VERSION), key)
    states = pages.group_by("crawl_state").len().sort("crawl_state")
    boards = pages.group_by("board").len().sort("len", descending=True)
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": pages.height,
            "pages_by_state": {r["crawl_state"]: r["len"] for r in states.iter_rows(named=True)},
            "pages_by_board": {str(r["board"]): r["len"] for r in boards.iter_rows(named=True)},
            # which keys of an export's `extra` JSON became extracted fields, and which were left
            **({"export_extra_fields": hv.summarize_extra(extra.to_list())} if extra is not None else {}),
            "preview": dg.MetadataValue.md(
                wh.markdown_preview(pages.drop("content"), max_rows=8)
            ),
        }
    )


def _parsed_spec(name: str, description: str) -> dg.AssetSpec:
    return dg.AssetSpec(name, deps=[raw_pages], partitions_def=harvests, group_name="harvest", kinds={"duckdb"},
                        code_version=hv.PARSER_VERSION, description=description)


# Outside the DuckDB pool (jobs.py): the parse runs with no connection open and the writes are one short
# transaction, so backfills of many harvests run side by side.
@dg.multi_asset(
    specs=[
        _parsed_spec("raw_postings", "The study's extracted fields (Appendix A `*_extracted`, `source`, "
                     "`retrieve_date`) of every posting parsed from one harvest's pages; blocked and failed pages "
                     "keep their state in `raw_pages`."),
        _parsed_spec("quarantined_pages", "The pages of one harvest that are not postings (a challenge page, a "
                     "listing with nothing to parse, a truncated page, a bad export row), each with the reason, "
                     "so a parser fix can be checked against them without crawling again."),
    ],
    partitions_def=harvests,
    check_specs=[dg.AssetCheckSpec(
        "every_page_accounted_for", asset="raw_postings",
        description="Every fetched page of the harvest was either parsed into postings or quarantined with a "
                    "reason: no page is silently lost between raw_pages and raw_postings.")],
)
def raw_postings(context: dg.AssetExecutionContext, warehouse: Warehouse):
    """Parses one harvest's pages into postings and quarantined pages (the partition's rows replaced)."""
    key = context.partition_key
    # Connections stay short (read, then parse with none open, then write): DuckDB has one writer at a
    # time, and parallel backfills of other partitions wait for it.
    pages = object_lake.read_partition(warehouse.connection, "raw_pages", key)
    postings, quarantine = hv.parse_pages(pages, listing_postings=key.startswith(FILE_PREFIX))
    now = datetime.now(timezone.utc)
    object_lake.replace_partition(warehouse.connection, "raw_postings", stamp(postings, hv.PARSER_VERSION, now), key)
    object_lake.replace_partition(warehouse.connection, "quarantined_pages", stamp(quarantine, hv.PARSER_VERSION, now), key)
    states = hv.url_states(pages, quarantine)
    fetched = int((pages["crawl_state"] == "fetched").sum()) if pages.height else 0
    # Listing pages count as parsed (they led to detail pages) though they yield no posting rows.
    accounted = states.get("parsed", 0) + states.get("quarantined", 0) == fetched
    reasons = quarantine.group_by("reason").len() if quarantine.height else None
    yield dg.MaterializeResult(
        asset_key="raw_postings",
        metadata={
            "dagster/row_count": postings.height,
            "url_states": states,
            "preview": dg.MetadataValue.md(
                wh.markdown_preview(
                    postings.select("title_extracted", "company_name_extracted", "salary_extracted",
                                    "location_extracted", "source")
                )
            ),
        },
        check_results=[
            dg.AssetCheckResult(
                asset_key="raw_postings",
                check_name="every_page_accounted_for",
                passed=bool(accounted),
                description=None if accounted else (
                    f"{fetched - states.get('parsed', 0) - states.get('quarantined', 0)} of {fetched} fetched "
                    "pages were neither parsed nor quarantined"),
                metadata={"fetched_pages": fetched, "parsed_pages": states.get("parsed", 0),
                          "quarantined": states.get("quarantined", 0)},
            )
        ],
    )
    yield dg.MaterializeResult(
        asset_key="quarantined_pages",
        metadata={
            "dagster/row_count": quarantine.height,
            "quarantine_reasons": {r["reason"]: r["len"] for r in reasons.iter_rows(named=True)}
            if reasons is not None else {},
        },
    )
