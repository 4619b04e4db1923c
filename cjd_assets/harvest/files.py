"""Harvest files: an export (JSONL/CSV/Parquet), a folder of saved HTML pages, or a WARC file, as raw_pages rows."""

from __future__ import annotations

import hashlib
import html
import re
import zlib
from datetime import datetime, timezone
from pathlib import Path

import polars as pl

from cjd_assets.schema import BOARDS, EXTRACTED_COLUMNS

from .boards import detect_board, sniff_board, url_page_kind
from .export_format import EXTRA_COLUMN, crawl_times, fill_from_extra
from .pages import detect_block
from .raw import CODEC, RAW_PAGES_SCHEMA, compress, make_page_id, raw_pages_frame
from .text import DecodeError, decode_html


class HarvestFileError(ValueError):
    """A harvest file that cannot be read as what its name says it is."""


# Export column -> extracted field; 'record_key' names the column that identifies a record.
DEFAULT_MAPPING: dict[str, str] = {
    "uid": "record_key",
    "source_board": "source",
    "title": "title_extracted",
    "company": "company_name_extracted",
    "body": "body_extracted",
    "salary_text": "salary_extracted",
    "location_text": "location_extracted",
    "education_text": "desired_education_extracted",
    "experience_text": "desired_experience_extracted",
    "release_date_text": "release_date_extracted",
    "url": "url_extracted",
}
_TARGETS = {*EXTRACTED_COLUMNS, "record_key"}


def export_as_extracted(df: pl.DataFrame, mapping: dict[str, str] | None = None) -> pl.DataFrame:
    """An export frame (default: the real-postings format) with its columns renamed to the extracted
    fields, the record key as `id`; columns the mapping does not name are dropped."""
    mapping = DEFAULT_MAPPING if mapping is None else mapping
    out = df.select(
        pl.col(src).cast(pl.Utf8).alias("id" if dst == "record_key" else dst)
        for src, dst in mapping.items() if src in df.columns
    )
    # structured fields of the export's `extra` JSON fill the empty extracted ones (+ retrieve_date)
    if EXTRA_COLUMN in df.columns and EXTRA_COLUMN not in mapping:
        out = fill_from_extra(out, df[EXTRA_COLUMN])
    return out
_HTML_EXT = (".html", ".htm", ".shtml")


def read_harvest_file(path: Path, harvest_id: str, mapping: dict[str, str] | None = None) -> pl.DataFrame:
    """raw_pages rows for one harvest file.

    mapping: {file column: extracted field or 'record_key'}; default = the columns of
    shared/data/real_postings/postings.parquet. Raises HarvestFileError on malformed input.
    """
    path = Path(path)
    if not path.exists():
        raise HarvestFileError(f"{path}: no such file or folder")
    if path.is_dir():
        return _read_html_folder(path, harvest_id)
    name = path.name.lower()
    if name.endswith((".warc", ".warc.gz")):
        return _read_warc(path, harvest_id)
    if name.endswith(_HTML_EXT):
        return _html_pages([path], path.parent, harvest_id)
    if path.stat().st_size == 0:
        raise HarvestFileError(f"{path}: empty file")
    try:
        if name.endswith(".parquet"):
            df = pl.read_parquet(path)
        elif name.endswith((".jsonl", ".ndjson")):
            df = pl.read_ndjson(path, infer_schema_length=None)
        elif name.endswith(".json"):
            df = pl.read_json(path, infer_schema_length=None)
        elif name.endswith(".csv"):
            df = pl.read_csv(_utf8_bytes(path), infer_schema_length=0)
        else:
            raise HarvestFileError(f"{path}: unsupported harvest file type (want .parquet, .jsonl, .json, .csv, .warc[.gz], .html or a folder)")
    except HarvestFileError:
        raise
    except Exception as e:  # polars raises ComputeError, SchemaError, ArrowError... on bad input
        raise HarvestFileError(f"{path}: not a readable {path.suffix} export ({type(e).__name__}: {str(e)[:200]})") from e
    # no fetch_time: an export row was retrieved when its crawler saw it (its crawl time, where the export
    # carries one), not when the file was written here; the file's timestamp would date every relative
    # release date (今日更新, 03-08发布) to the day of ingest
    return records_to_raw_pages(df, harvest_id, source_name=path.name, mapping=mapping)


def _utf8_bytes(path: Path) -> bytes:
    """A CSV's bytes as UTF-8: exports from Chinese spreadsheets are often GBK (or UTF-8 with a BOM)."""
    raw = path.read_bytes()
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        raw.decode("utf-8")
        return raw
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("gb18030").encode("utf-8")
    except UnicodeDecodeError as e:
        raise HarvestFileError(f"{path}: CSV is neither UTF-8 nor GB18030 ({e})") from e


def _mtime(path: Path) -> datetime:
    return datetime.fromtimestamp(path.stat().st_mtime, tz=timezone.utc)


def records_to_raw_pages(df: pl.DataFrame, harvest_id: str, source_name: str, mapping: dict[str, str] | None = None, fetch_time: datetime | None = None) -> pl.DataFrame:
    """One raw_pages 'record' row per export row, its mapped fields stored as compressed JSON.

    fetch_time (which becomes the postings' retrieve_date) is each row's crawl time where the export
    carries one (CRAWL_TIME_FIELDS), else the `fetch_time` given, else null (unknown)."""
    mapping = dict(DEFAULT_MAPPING if mapping is None else mapping)
    bad_targets = set(mapping.values()) - _TARGETS
    if bad_targets:
        raise HarvestFileError(f"{source_name}: mapping targets {sorted(bad_targets)} are not extracted fields")
    present = {src: dst for src, dst in mapping.items() if src in df.columns}
    if not ({"title_extracted", "body_extracted"} & set(present.values())):
        raise HarvestFileError(f"{source_name}: none of the mapped title/body columns {[s for s, d in mapping.items() if d in ('title_extracted', 'body_extracted')]} is in the file (columns: {df.columns[:12]})")
    if df.height == 0:
        raise HarvestFileError(f"{source_name}: no rows")
    fetched_at = crawl_times(df)
    if fetch_time is not None:
        fetched_at = fetched_at.fill_null(fetch_time)

    def text(src: str) -> pl.Expr:
        # Empty strings mean "not available" in exports; they become nulls.
        e = pl.col(src).cast(pl.Utf8).str.strip_chars()
        return pl.when(e == "").then(None).otherwise(e)

    fields = [text(src).alias(dst) for src, dst in present.items() if dst != "record_key"]
    fields += [pl.lit(None, pl.Utf8).alias(c) for c in EXTRACTED_COLUMNS if c not in present.values()]
    key_src = next((s for s, d in present.items() if d == "record_key"), None)
    key = text(key_src) if key_src else pl.lit(None, pl.Utf8)
    mapped = df.select(*fields, key.alias("_key"), pl.int_range(pl.len()).alias("_row"))
    if EXTRA_COLUMN in df.columns and EXTRA_COLUMN not in mapping:  # see export_as_extracted
        mapped = fill_from_extra(mapped, df[EXTRA_COLUMN])
    mapped = mapped.with_columns(
        pl.coalesce(pl.col("_key"), pl.lit("row") + pl.col("_row").cast(pl.Utf8)).alias("_key"),
        pl.when(pl.col("source").is_in(list(BOARDS))).then(pl.col("source")).otherwise(None).alias("source"),
    )
    # Duplicate record keys keep distinct page ids by their occurrence number.
    mapped = mapped.with_columns(
        pl.when(pl.int_range(pl.len()).over("_key") > 0).then(pl.col("_key") + "#" + pl.int_range(pl.len()).over("_key").cast(pl.Utf8)).otherwise(pl.col("_key")).alias("_key")
    )
    boards = [s or detect_board(u or "") or "unknown" for s, u in zip(mapped["source"], mapped["url_extracted"])]
    mapped = mapped.with_columns(pl.Series("source", boards, dtype=pl.Utf8))
    payload = mapped.select(pl.struct(list(EXTRACTED_COLUMNS)).struct.json_encode().alias("j"))["j"]
    content = [compress(s.encode("utf-8")) for s in payload]
    page_ids = [make_page_id(harvest_id, source_name, k) for k in mapped["_key"]]
    n = mapped.height
    out = pl.DataFrame(
        {
            "page_id": page_ids,
            "harvest_id": [harvest_id] * n,
            "url": mapped["url_extracted"],
            "board": mapped["source"],
            "page_kind": ["record"] * n,
            "http_status": pl.Series([None] * n, dtype=pl.Int32),
            "fetch_time": fetched_at.cast(pl.Datetime("us", "UTC")),
            "content_type": ["application/json"] * n,
            "encoding": ["utf-8"] * n,
            "content": pl.Series(content, dtype=pl.Binary),
            "content_codec": [CODEC] * n,
            "crawl_state": ["fetched"] * n,
            "state_reason": pl.Series([None] * n, dtype=pl.Utf8),
            "attempts": pl.Series([None] * n, dtype=pl.Int32),
        },
        schema=RAW_PAGES_SCHEMA,
    )
    return out


_CANON = re.compile(r'<link[^>]+rel=["\']canonical["\'][^>]+href=["\']([^"\']+)["\']', re.I)
def _sidecar_urls(folder: Path) -> dict[str, str]:
    urls: dict[str, str] = {}
    tsv = folder / "urls.tsv"
    if tsv.exists():
        for line in tsv.read_text("utf-8").splitlines():
            name, _, url = line.partition("\t")
            if name and url:
                urls[name.strip()] = url.strip()
    return urls


def _html_pages(files: list[Path], folder: Path, harvest_id: str) -> pl.DataFrame:
    sidecar = _sidecar_urls(folder)
    rows = []
    for f in files:
        body = f.read_bytes()
        side = f.with_name(f.name + ".url")
        url = sidecar.get(f.relative_to(folder).as_posix()) or sidecar.get(f.name) or (side.read_text("utf-8").strip() if side.exists() else None)
        try:
            text, enc = decode_html(body)
        except DecodeError:
            text, enc = "", None
        if not url and (m := _CANON.search(text[:30000])):
            url = m.group(1)
            url = html.unescape("https:" + url if url.startswith("//") else url)
        board = detect_board(url or "") or sniff_board(text) or "unknown"
        kind = url_page_kind(url, board) if url and detect_board(url) else "detail"
        blocked = detect_block(text)
        rows.append(
            {
                "page_id": make_page_id(harvest_id, f.relative_to(folder).as_posix()),
                "harvest_id": harvest_id,
                "url": url or f.resolve().as_uri(),
                "board": board,
                "page_kind": kind,
                "fetch_time": _mtime(f),
                "content_type": None,
                "encoding": enc,
                "content": compress(body),
                "content_codec": CODEC,
                "crawl_state": "blocked" if blocked else "fetched",
                "state_reason": blocked,
            }
        )
    return raw_pages_frame(rows)


def _read_html_folder(folder: Path, harvest_id: str) -> pl.DataFrame:
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.name.lower().endswith(_HTML_EXT))
    if not files:
        raise HarvestFileError(f"{folder}: folder holds no .html pages")
    return _html_pages(files, folder, harvest_id)


def _read_warc(path: Path, harvest_id: str) -> pl.DataFrame:
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    import gzip

    try:
        with (gzip.open(path, "rb") if path.name.lower().endswith(".gz") else path.open("rb")) as fh:
            magic = fh.read(5)
    except (OSError, EOFError) as e:
        raise HarvestFileError(f"{path}: not a valid WARC file ({e})") from e
    if magic != b"WARC/":
        raise HarvestFileError(f"{path}: not a valid WARC file (does not start with a WARC/1.x record)")
    rows = []
    try:
        with path.open("rb") as fh:
            for rec in ArchiveIterator(fh):
                if rec.rec_type not in ("response", "resource"):
                    continue
                url = rec.rec_headers.get_header("WARC-Target-URI") or ""
                status = ctype = None
                if rec.http_headers is not None:
                    try:
                        status = int(rec.http_headers.get_statuscode())
                    except (TypeError, ValueError):
                        status = None
                    ctype = rec.http_headers.get_header("Content-Type")
                else:
                    ctype = rec.rec_headers.get_header("Content-Type")
                body = rec.content_stream().read()
                date = rec.rec_headers.get_header("WARC-Date")
                when = datetime.fromisoformat(date.replace("Z", "+00:00")) if date else _mtime(path)
                try:
                    text, enc = decode_html(body, ctype)
                except DecodeError:
                    text, enc = "", None
                board = detect_board(url) or sniff_board(text[:200000]) or "unknown"
                blocked = detect_block(text) if status is None or status < 400 or status in (403, 429) else None
                rows.append(
                    {
                        "page_id": make_page_id(harvest_id, url, rec.rec_headers.get_header("WARC-Record-ID") or ""),
                        "harvest_id": harvest_id,
                        "url": url,
                        "board": board,
                        "page_kind": url_page_kind(url, board),
                        "http_status": status,
                        "fetch_time": when,
                        "content_type": ctype,
                        "encoding": enc,
                        "content": compress(body),
                        "content_codec": CODEC,
                        "crawl_state": "blocked" if blocked else "fetched",
                        "state_reason": blocked,
                        "attempts": 1,
                    }
                )
    except (ArchiveLoadFailed, zlib.error, OSError, EOFError) as e:
        raise HarvestFileError(f"{path}: not a valid WARC file ({type(e).__name__}: {str(e)[:200]})") from e
    if not rows:
        raise HarvestFileError(f"{path}: WARC file holds no response records")
    return raw_pages_frame(rows)


def file_digest(path: Path) -> str:
    """Content hash of a harvest file (a sensor can name partitions by it)."""
    h = hashlib.sha1()
    with Path(path).open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


__all__ = ["DEFAULT_MAPPING", "HarvestFileError", "RAW_PAGES_SCHEMA", "read_harvest_file", "records_to_raw_pages", "sniff_board"]
