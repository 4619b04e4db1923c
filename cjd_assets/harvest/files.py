"""Harvest files: an export (JSONL/CSV/Parquet), a folder of saved HTML pages, or a WARC file, as raw_pages rows."""

from __future__ import annotations

import csv
import hashlib
import html
import io
import json
import re
import zlib
from datetime import datetime, timezone
from pathlib import Path

import polars as pl

from cjd_assets.schema import BOARDS, EXTRACTED_COLUMNS

from .boards import detect_board, sniff_board, url_page_kind
from .export_format import EXTRA_COLUMN, crawl_times, extra_keys, fill_board_occupation, fill_from_extra
from .pages import detect_block
from .raw import CODEC, MALFORMED_RECORD, RAW_PAGES_SCHEMA, compress, compress_many, make_page_id, raw_pages_frame
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
    return fill_board_occupation(out)  # else 51job's 职能类别 from the body
_HTML_EXT = (".html", ".htm", ".shtml")


def read_harvest_file(path: Path, harvest_id: str, mapping: dict[str, str] | None = None) -> pl.DataFrame:
    """raw_pages rows for one harvest file.

    mapping: {file column: extracted field or 'record_key'}; default = the columns of
    shared/data/real_postings/postings.parquet. Raises HarvestFileError on a file that cannot be read or
    is incomplete (a copy cut short). A JSONL line or CSV row that cannot be read is kept as a record
    marked malformed (parse_pages quarantines it with its line number); the rest of the file is read.
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
    bad: list[tuple[int, str, str]] = []
    try:
        if name.endswith(".parquet"):
            df = _read_parquet(path)
        elif name.endswith((".jsonl", ".ndjson")):
            df, bad = _read_jsonl(path)
        elif name.endswith(".json"):
            df = pl.read_json(io.BytesIO(_utf8_bytes(path)), infer_schema_length=None)
        elif name.endswith(".csv"):
            df, bad = _read_csv(path)
        else:
            raise HarvestFileError(f"{path}: unsupported harvest file type (want .parquet, .jsonl/.ndjson, .json, .csv, .warc[.gz], .html or a folder)")
    except HarvestFileError:
        raise
    except Exception as e:  # polars raises ComputeError, SchemaError, ArrowError... on bad input
        raise HarvestFileError(f"{path}: not a readable {path.suffix} export ({type(e).__name__}: {str(e)[:200]})") from e
    if df.height == 0 and bad:
        raise HarvestFileError(f"{path}: no readable rows; {len(bad)} malformed, the first: {bad[0][1]}")
    # no fetch_time: an export row was retrieved when its crawler saw it (its crawl time, where the export
    # carries one), not when the file was written here; the file's timestamp would date every relative
    # release date (今日更新, 03-08发布) to the day of ingest
    pages = records_to_raw_pages(df, harvest_id, source_name=path.name, mapping=mapping)
    if bad:  # lines that are not postings: when the file arrived is all there is to say of them
        pages = pl.concat([pages, _malformed_records(bad, harvest_id, path.name, _mtime(path))])
    return pages


def _malformed_records(bad: list[tuple[int, str, str]], harvest_id: str, source_name: str, fetch_time: datetime) -> pl.DataFrame:
    """raw_pages rows for lines that could not be read: their text as it was, and why."""
    return raw_pages_frame(
        {
            "page_id": make_page_id(harvest_id, source_name, "malformed", str(line)),
            "harvest_id": harvest_id,
            "board": "unknown",
            "page_kind": "record",
            "fetch_time": fetch_time,
            "content_type": "text/plain",
            "encoding": "utf-8",
            "content": compress(text.encode("utf-8")),
            "content_codec": CODEC,
            "crawl_state": "fetched",
            "state_reason": f"{MALFORMED_RECORD}: {source_name} {why}",
        }
        for line, why, text in bad
    )


def _truncated(path: Path, what: str) -> HarvestFileError:
    return HarvestFileError(f"{path}: {what}: the file is incomplete (cut short, or still being copied); drop the complete file again")


def _read_parquet(path: Path) -> pl.DataFrame:
    with path.open("rb") as fh:
        head = fh.read(4)
        fh.seek(max(path.stat().st_size - 4, 0))
        tail = fh.read(4)
    if head == b"PAR1" and tail != b"PAR1":
        raise _truncated(path, "no Parquet footer")
    return pl.read_parquet(path)


def _as_text(v: object) -> str | None:
    """A JSON value as export text: strings as they are, anything else (numbers, lists, objects) as JSON."""
    if v is None or isinstance(v, str):
        return v
    return json.dumps(v, ensure_ascii=False)


def _read_jsonl(path: Path) -> tuple[pl.DataFrame, list[tuple[int, str, str]]]:
    data = _utf8_bytes(path)
    try:
        return pl.read_ndjson(io.BytesIO(data), infer_schema_length=None), []
    except Exception:  # a bad line somewhere: read line by line to say which and keep the others
        pass
    lines = data.split(b"\n")
    records: list[dict] = []
    bad: list[tuple[int, str, str]] = []
    for n, raw in enumerate(lines, 1):
        text = raw.decode("utf-8").strip()
        if not text:
            continue
        try:
            obj = json.loads(text)
        except ValueError as e:
            if n == len(lines):  # the last line, with no newline after it: the copy stopped mid-record
                raise _truncated(path, f"line {n} ends mid-record") from e
            bad.append((n, f"line {n}: not JSON ({e})", text))
            continue
        if not isinstance(obj, dict):
            bad.append((n, f"line {n}: a JSON {type(obj).__name__}, not an object", text))
            continue
        records.append(obj)
    cols = list(dict.fromkeys(k for r in records for k in r))
    df = pl.DataFrame({c: [_as_text(r.get(c)) for r in records] for c in cols}, schema=dict.fromkeys(cols, pl.Utf8))
    return df, bad


def _read_csv(path: Path) -> tuple[pl.DataFrame, list[tuple[int, str, str]]]:
    data = _utf8_bytes(path)
    if data.endswith((b"\n", b"\r")):
        try:
            return pl.read_csv(data, infer_schema_length=0), []
        except Exception:  # a malformed row or an unclosed quote: the careful reader below says which
            pass
    # No final newline (the last row may be cut) or polars refused: read record by record.
    return _csv_by_record(data.decode("utf-8"), path)


def _csv_by_record(text: str, path: Path) -> tuple[pl.DataFrame, list[tuple[int, str, str]]]:
    def records(strict: bool):
        reader = csv.reader(io.StringIO(text, newline=""), strict=strict)
        start = 1
        for row in reader:
            yield start, row
            start = reader.line_num + 1

    try:
        rows = list(records(strict=True))
    except csv.Error as e:
        if "unexpected end of data" in str(e):
            raise _truncated(path, "the last quoted field is never closed") from e
        rows = list(records(strict=False))  # stray quotes inside fields: read them as text
    if not rows:
        raise HarvestFileError(f"{path}: no header row")
    header = rows[0][1]
    names = [h if h not in header[:i] else f"{h}_duplicated_{i}" for i, h in enumerate(header)]
    good: list[list[str]] = []
    bad: list[tuple[int, str, str]] = []
    complete = text.endswith(("\n", "\r"))
    for i, (line, row) in enumerate(rows[1:], 2):
        if not row:
            continue
        if len(row) == len(names):
            good.append(row)
            continue
        if i == len(rows) and not complete and len(row) < len(names):
            raise _truncated(path, f"the last row (line {line}) has {len(row)} of {len(names)} fields")
        out = io.StringIO()
        csv.writer(out).writerow(row)
        bad.append((line, f"line {line}: {len(row)} fields, the header has {len(names)}", out.getvalue().rstrip("\r\n")))
    df = pl.DataFrame({n: [r[j] for r in good] for j, n in enumerate(names)}, schema=dict.fromkeys(names, pl.Utf8))
    return df, bad


_BOMS = ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe\x00\x00", "utf-32-le"), (b"\x00\x00\xfe\xff", "utf-32-be"),
         (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))
# Decode with the superset of what the detector names: GBK/GB2312 text is GB18030, Big5 from Windows is cp950.
_SUPERSET = {"gb2312": "gb18030", "gbk": "gb18030", "big5": "cp950", "big5hkscs": "big5hkscs", "cp950": "cp950"}


def _utf8_bytes(path: Path) -> bytes:
    """A text export's bytes as UTF-8. Exports from Chinese spreadsheets come as GBK/GB18030, Big5 (Taiwan,
    Hong Kong), UTF-16 with a BOM (Excel's "Unicode text") or UTF-8 with a BOM; charset-normalizer tells
    them apart where no BOM does (GB18030 decodes Big5 bytes without error, as garbage)."""
    raw = path.read_bytes()
    for bom, enc in _BOMS:
        if raw.startswith(bom):
            try:
                return raw[len(bom):].decode(enc).encode("utf-8")
            except UnicodeDecodeError as e:
                raise HarvestFileError(f"{path}: starts with a {enc} byte-order mark but is not {enc} ({e})") from e
    try:
        raw.decode("utf-8")
        return raw
    except UnicodeDecodeError as e:
        if e.reason == "unexpected end of data" and e.end == len(raw):
            raise _truncated(path, "the last character is cut in half") from e
    from charset_normalizer import from_bytes

    # The first megabyte (cut at a line end) tells the encoding in milliseconds; the whole file is then
    # decoded strictly, and only if that fails is the whole file examined.
    sample = raw[: raw.rfind(b"\n", 0, 1 << 20) + 1] or raw
    for candidate in (sample, raw) if len(sample) < len(raw) else (raw,):
        best = from_bytes(candidate).best()
        if best is None:
            continue
        enc = _SUPERSET.get(best.encoding.replace("_", ""), best.encoding)
        try:
            return raw.decode(enc).encode("utf-8")
        except UnicodeDecodeError as e:
            err = e
    if best is None:
        raise HarvestFileError(f"{path}: cannot tell the text encoding (not UTF-8, GB18030, Big5 or UTF-16)")
    raise HarvestFileError(f"{path}: not valid {enc}, the encoding it looks like ({err})") from err


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
    # the export's `extra` JSON is decoded once, for the crawl times and the fields it fills
    keys = extra_keys(df[EXTRA_COLUMN]) if EXTRA_COLUMN in df.columns and EXTRA_COLUMN not in mapping else None
    fetched_at = crawl_times(df, keys)
    if fetch_time is not None:
        fetched_at = fetched_at.fill_null(fetch_time)
    df = _text_columns(df, list(present), source_name)

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
        mapped = fill_from_extra(mapped, df[EXTRA_COLUMN], keys)
    mapped = fill_board_occupation(mapped)  # else 51job's 职能类别 from the body
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
    content = compress_many(payload.cast(pl.Binary).to_list())
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


def _text_columns(df: pl.DataFrame, columns: list[str], source_name: str) -> pl.DataFrame:
    """Mapped columns that are not text: lists and structs (a Parquet or JSON export with a list of
    locations or tags) become JSON text, bytes become UTF-8 text."""
    out = []
    for c in columns:
        dtype = df.schema[c]
        if dtype.is_nested() or dtype == pl.Object:
            out.append(pl.Series(c, [_as_text(v) for v in df[c].to_list()], dtype=pl.Utf8))
        elif dtype == pl.Binary:
            try:
                out.append(pl.Series(c, [None if v is None else v.decode("utf-8") for v in df[c].to_list()], dtype=pl.Utf8))
            except UnicodeDecodeError as e:
                raise HarvestFileError(f"{source_name}: column {c!r} holds bytes that are not UTF-8 text ({e})") from e
    return df.with_columns(out) if out else df


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
