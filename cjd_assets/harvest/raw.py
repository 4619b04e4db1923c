"""raw_pages rows (every fetched page or export record, compressed) and their parse into raw_postings.

raw_postings is a pure function of raw_pages: a parser fix re-materializes it without a new crawl.
"""

from __future__ import annotations

import hashlib
import json
import threading
import zlib
from datetime import datetime, timezone
from typing import Any, Iterable

import polars as pl

from cjd_assets.schema import EXTRACTED_COLUMNS

from .pages import PARSER_VERSION, PageParseError, parse_listing, parse_page_flagged

RAW_PAGES_SCHEMA: dict[str, pl.DataType] = {
    "page_id": pl.Utf8,
    "harvest_id": pl.Utf8,
    "url": pl.Utf8,
    "board": pl.Utf8,
    "page_kind": pl.Utf8,  # 'detail' | 'listing' | 'record' (one row of an export file, as JSON)
    "http_status": pl.Int32,
    "fetch_time": pl.Datetime("us", "UTC"),
    "content_type": pl.Utf8,
    "encoding": pl.Utf8,
    "content": pl.Binary,
    "content_codec": pl.Utf8,
    "crawl_state": pl.Utf8,  # 'fetched' | 'blocked' | 'failed'
    "state_reason": pl.Utf8,
    "attempts": pl.Int32,
}
# Crawled pages also say which proxy fetched them (credentials removed; null: direct). File harvests
# have no such column; the warehouse table gains it on the first crawl (warehouse.ensure_table).
CRAWL_PAGES_SCHEMA: dict[str, pl.DataType] = {**RAW_PAGES_SCHEMA, "proxy": pl.Utf8}

# is_partial: a record cut short by the board (BOSS's logged-out preview pane: body cut, salary masked),
# to be fetched again from its detail page (url_extracted).
POSTING_COLUMNS: tuple[str, ...] = ("id", "page_id", "harvest_id", *EXTRACTED_COLUMNS, "retrieve_date", "pipeline_version", "is_partial")
QUARANTINE_COLUMNS: tuple[str, ...] = ("page_id", "harvest_id", "url", "board", "reason", "detail")
# state_reason of an export line that could not be read (bad JSON, wrong field count): kept, then quarantined.
MALFORMED_RECORD = "malformed_record"


def make_page_id(harvest_id: str, *key: str) -> str:
    """Deterministic id of a page: the same harvest and URL (or file and record key) give the same id."""
    return hashlib.sha1("|".join((harvest_id, *key)).encode("utf-8")).hexdigest()


try:  # zstd: ~10x cheaper than zlib per short record, which matters for 100k-row exports
    import zstandard as _zstd
except ImportError:  # pragma: no cover - zlib keeps the stage working without it
    _zstd = None

CODEC = "zstd" if _zstd is not None else "zlib"
_local = threading.local()


def _zstd_pair():
    pair = getattr(_local, "zstd", None)
    if pair is None:
        pair = _local.zstd = (_zstd.ZstdCompressor(level=3), _zstd.ZstdDecompressor())
    return pair


def compress(data: bytes) -> bytes:
    if _zstd is not None:
        return _zstd_pair()[0].compress(data)
    return zlib.compress(data, 1)


def compress_many(items: list[bytes]) -> list[bytes]:
    """`compress` of many short records (export rows, ~1 kB of JSON), each its own frame so `decompress`
    reads any one alone. zstd's fast level -1 and one thread: on 500 k rows 1.8 CPU s against 3.9 at
    level 3 (frames 10 % larger), and zstd's threaded batch call cost more CPU than it saved on 2 cores."""
    if _zstd is None:
        return [compress(b) for b in items]
    fast = getattr(_local, "zstd_fast", None)
    if fast is None:
        fast = _local.zstd_fast = _zstd.ZstdCompressor(level=-1)
    return [fast.compress(b) for b in items]


def decompress(data: bytes | None, codec: str | None) -> bytes:
    if data is None:
        return b""
    if codec in (None, "", "none", "identity"):
        return bytes(data)
    if codec == "zstd":
        if _zstd is None:
            raise ValueError("content is zstd-compressed but the zstandard package is missing")
        return _zstd_pair()[1].decompress(data)
    if codec == "zlib":
        return zlib.decompress(data)
    raise ValueError(f"unknown content codec {codec!r}")


def empty_raw_pages(schema: dict[str, pl.DataType] = RAW_PAGES_SCHEMA) -> pl.DataFrame:
    return pl.DataFrame(schema=schema)


def raw_pages_frame(rows: Iterable[dict[str, Any]], schema: dict[str, pl.DataType] = RAW_PAGES_SCHEMA) -> pl.DataFrame:
    """Build raw_pages rows from dicts (missing keys become null), in `schema` order and dtypes."""
    rows = list(rows)
    if not rows:
        return empty_raw_pages(schema)
    cols = {name: [r.get(name) for r in rows] for name in schema}
    return pl.DataFrame(cols, schema=schema)


def empty_postings() -> pl.DataFrame:
    schema: dict[str, pl.DataType] = {c: pl.Utf8 for c in POSTING_COLUMNS}
    schema["retrieve_date"] = pl.Datetime("us", "UTC")
    schema["is_partial"] = pl.Boolean
    return pl.DataFrame(schema=schema)


def empty_quarantine() -> pl.DataFrame:
    return pl.DataFrame(schema=dict.fromkeys(QUARANTINE_COLUMNS, pl.Utf8))


def _posting_id(page_id: str, i: int | None = None) -> str:
    return hashlib.sha1(f"{page_id}#{i}".encode() if i is not None else page_id.encode()).hexdigest()[:24]


def _record_postings(rec: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Export records: the JSON of mapped fields, decoded column-wise (100k+ rows at once)."""
    # Lines of an export that could not be read were kept with their reason: quarantined, one by one.
    is_malformed = pl.col("state_reason").str.starts_with(MALFORMED_RECORD).fill_null(False)
    quarantined = rec.filter(is_malformed).select(
        "page_id", "harvest_id", "url", "board", pl.lit(MALFORMED_RECORD).alias("reason"),
        pl.col("state_reason").str.strip_prefix(f"{MALFORMED_RECORD}: ").alias("detail"),
    ).cast(dict.fromkeys(QUARANTINE_COLUMNS, pl.Utf8))
    rec = rec.filter(~is_malformed)
    if rec.height == 0:
        return empty_postings(), quarantined
    raw = [decompress(b, c) for b, c in zip(rec["content"], rec["content_codec"])]
    payload = pl.Series("j", raw, dtype=pl.Binary).cast(pl.Utf8)  # Polars checks the UTF-8
    fields = pl.Struct({c: pl.Utf8 for c in EXTRACTED_COLUMNS})
    decoded = payload.str.json_decode(fields).struct.unnest()
    df = pl.concat([rec.select("page_id", "harvest_id", "url", "board", "fetch_time"), decoded], how="horizontal")
    df = df.with_columns(
        pl.coalesce(pl.col("source"), pl.col("board")).alias("source"),
        pl.coalesce(pl.col("url_extracted"), pl.col("url")).alias("url_extracted"),
    )
    bad = pl.col("title_extracted").is_null() & pl.col("body_extracted").is_null()
    quarantine = df.filter(bad).select(
        "page_id", "harvest_id", "url", "board", pl.lit("empty_record").alias("reason"), pl.lit("record has neither title nor body").alias("detail")
    )
    good = df.filter(~bad)
    if quarantined.height:
        quarantine = pl.concat([quarantine, quarantined])
    postings = good.select(
        pl.Series("id", [_posting_id(p) for p in good["page_id"]], dtype=pl.Utf8),
        "page_id",
        "harvest_id",
        *EXTRACTED_COLUMNS,
        pl.col("fetch_time").alias("retrieve_date"),
        pl.lit(PARSER_VERSION).alias("pipeline_version"),
        pl.lit(False).alias("is_partial"),
    )
    return postings, quarantine


def _status_reason(status: int | None) -> str | None:
    if status is None or status < 400:
        return None
    return "not_found" if status in (404, 410) else f"http_{status}"


def parse_pages(pages: pl.DataFrame, listing_postings: bool = False) -> tuple[pl.DataFrame, pl.DataFrame]:
    """raw_pages rows -> (postings, quarantine).

    Each 'fetched' page ends either parsed (>= 1 posting row, or a listing page) or quarantined with a
    reason. Listing pages yield posting rows only with listing_postings=True (saved-HTML harvests
    that have no detail pages).
    """
    fetched = pages.filter(pl.col("crawl_state") == "fetched")
    records = fetched.filter(pl.col("page_kind") == "record")
    post_frames, quar_frames = [], []
    p, q = _record_postings(records)
    post_frames.append(p)
    quar_frames.append(q)

    rows: list[dict] = []
    qrows: list[dict] = []
    html_pages = fetched.filter(pl.col("page_kind") != "record")
    for r in html_pages.iter_rows(named=True):
        page_rows: list[dict] = []
        try:
            _parse_one(r, listing_postings, page_rows, qrows)
            rows.extend(page_rows)
        except Exception as e:  # noqa: BLE001 - one hostile page is quarantined alone, never fails the partition
            qrows.append({"page_id": r["page_id"], "harvest_id": r["harvest_id"], "url": r["url"], "board": r["board"],
                          "reason": "parser_error", "detail": f"{type(e).__name__}: {str(e)[:200]}"})
    if rows:
        schema = empty_postings().schema
        post_frames.append(pl.DataFrame([{c: row.get(c) for c in POSTING_COLUMNS} | {"is_partial": bool(row.get("is_partial"))}
                                         for row in rows], schema=schema))
    if qrows:
        quar_frames.append(pl.DataFrame(qrows, schema=empty_quarantine().schema))
    postings = pl.concat([f for f in post_frames if f.height] or [empty_postings()], how="vertical_relaxed")
    quarantine = pl.concat([f for f in quar_frames if f.height] or [empty_quarantine()], how="vertical_relaxed")
    return postings.select(POSTING_COLUMNS), quarantine.select(QUARANTINE_COLUMNS)


def _parse_one(r: dict, listing_postings: bool, rows: list[dict], qrows: list[dict]) -> None:
    """Parse one fetched HTML page into posting rows or one quarantine row (appended in place)."""
    base = {"page_id": r["page_id"], "harvest_id": r["harvest_id"], "url": r["url"], "board": r["board"]}
    why = _status_reason(r["http_status"])
    if why is not None:
        qrows.append({**base, "reason": why, "detail": f"HTTP {r['http_status']}"})
        return
    try:
        body = decompress(r["content"], r["content_codec"])
    except Exception as e:  # zlib.error, zstd.ZstdError, unknown codec
        qrows.append({**base, "reason": "corrupt_content", "detail": str(e)})
        return
    board = r["board"] if r["board"] not in (None, "unknown") else None
    extra = {"retrieve_date": r["fetch_time"], "page_id": r["page_id"], "harvest_id": r["harvest_id"], "pipeline_version": PARSER_VERSION}
    is_listing = r["page_kind"] == "listing"
    if not is_listing:
        try:
            rec, partial = parse_page_flagged(body, r["url"] or "", board, content_type=r["content_type"])
            rows.append({**rec, **extra, "id": _posting_id(r["page_id"]), "is_partial": partial})
            return
        except PageParseError as e:
            if e.reason != "listing_page":
                qrows.append({**base, "reason": e.reason, "detail": str(e)})
                return
            is_listing = True  # a saved page whose URL did not tell: its markup did
    try:
        listing = parse_listing(body, r["url"] or "", board, content_type=r["content_type"])
    except PageParseError as e:
        if e.reason == "not_a_listing":  # a posting behind a URL that looked like a listing
            try:
                rec, partial = parse_page_flagged(body, r["url"] or "", board, content_type=r["content_type"])
                rows.append({**rec, **extra, "id": _posting_id(r["page_id"]), "is_partial": partial})
                return
            except PageParseError as e2:
                e = e2
        qrows.append({**base, "reason": e.reason, "detail": str(e)})
        return
    if listing_postings:
        for i, rec in enumerate(listing.postings):
            rows.append({**rec, **extra, "id": _posting_id(r["page_id"], i)})


def url_states(pages: pl.DataFrame, quarantine: pl.DataFrame) -> dict[str, int]:
    """Final state counts: every page is exactly one of parsed, quarantined, blocked, failed."""
    quarantined = set(quarantine["page_id"].to_list()) if quarantine.height else set()
    fetched = pages.filter(pl.col("crawl_state") == "fetched")
    n_q = int(fetched["page_id"].is_in(list(quarantined)).sum()) if quarantined else 0
    out = {
        "parsed": fetched.height - n_q,
        "quarantined": n_q,
        "blocked": int((pages["crawl_state"] == "blocked").sum()),
        "failed": int((pages["crawl_state"] == "failed").sum()),
    }
    # Deferred: the board asked for a pause (a long Retry-After); the next crawl run fetches them when due.
    if (deferred := int((pages["crawl_state"] == "deferred").sum())):
        out["deferred"] = deferred
    return out


def record_json(fields: dict[str, Any]) -> bytes:
    return json.dumps({c: fields.get(c) for c in EXTRACTED_COLUMNS}, ensure_ascii=False).encode("utf-8")


def utc_now() -> datetime:
    return datetime.now(timezone.utc)
