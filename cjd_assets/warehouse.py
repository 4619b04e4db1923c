"""DuckDB helpers the assets share: write a frame as a table or a partition, read in batches, and the one
way to named SQL.

Named SQL: the files of the top-level `sql/` directory, shipped in a wheel as `cjd_assets/sql/` (see
setup.py), loaded by `sql_text` and run by `run_sql` / `query_sql`. One parameter convention: data values
are DuckDB named parameters (`$name` in the file, `params={"name": value}`), bound by DuckDB; `{slot}`s
take only SQL that code makes (a table name checked by `ident`, a generated CASE), never data.

Dagster-free, so the same helpers serve tests, benchmarks and the CLI.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import TypeVar

import duckdb
import polars as pl

from cjd_assets.md import table as md_table

from cjd_assets.paths import REPO_ROOT

T = TypeVar("T")
# threads a stage transforms its batches on (classify, normalize, salary): CJD_THREADS, default the cores,
# at most 4 (polars, numpy and DuckDB release the GIL; past 4 the writes between batches dominate)
BATCH_THREADS = max(1, int(os.environ.get("CJD_THREADS") or min(os.cpu_count() or 1, 4)))

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def ident(name: str) -> str:
    """`name` if it is a plain SQL identifier (table names are interpolated into SQL), else ValueError."""
    if not _IDENT.match(name):
        raise ValueError(f"not a plain SQL identifier: {name!r}")
    return name


@lru_cache(maxsize=1)
def sql_dir() -> Traversable:
    """Where the named SQL files are: `cjd_assets/sql` in an installed wheel, else the checkout's `sql/`
    (a source checkout or an editable install keeps them at the top level)."""
    installed = files("cjd_assets").joinpath("sql")
    return installed if installed.is_dir() else REPO_ROOT / "sql"


def sql_text(name: str, **slots: str) -> str:
    """The text of `sql/<name>.sql`; with slots, its `{slot}`s filled (code-made SQL only, see the module)."""
    path = sql_dir().joinpath(f"{name}.sql")
    if not path.is_file():
        raise FileNotFoundError(f"no SQL file {name}.sql in {sql_dir()}")
    text = path.read_text(encoding="utf-8")
    return text.format(**slots) if slots else text


def sql_hash(*names: str) -> str:
    """A short hash of the named SQL files' text: a code version that changes when any of them does."""
    h = hashlib.sha256()
    for name in names:
        h.update(name.encode() + b"\0" + sql_text(name).encode() + b"\0")
    return h.hexdigest()[:12]


def run_sql(con: duckdb.DuckDBPyConnection, name: str, params: Mapping | None = None, **slots: str) -> None:
    """Execute `sql/<name>.sql` (statements; `$name` parameters from `params`)."""
    text = sql_text(name, **slots)
    con.execute(text, dict(params)) if params else con.execute(text)


def query_sql(con: duckdb.DuckDBPyConnection, name: str, params: Mapping | None = None, **slots: str) -> pl.DataFrame:
    """The rows of the query in `sql/<name>.sql` as a Polars frame (`$name` parameters from `params`)."""
    return read_frame(con, sql_text(name, **slots), params)


def table_exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    """Whether a table or view `table` exists (temporary ones included)."""
    return bool(
        con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = ? AND table_schema = 'main'",
            [table],
        ).fetchall()[0][0]
    )


def row_count(con: duckdb.DuckDBPyConnection, table: str, where: str = "", params: list | None = None) -> int:
    if not table_exists(con, table):
        return 0
    sql = f"SELECT count(*) FROM {ident(table)}" + (f" WHERE {where}" if where else "")
    return int(con.execute(sql, params or []).fetchall()[0][0])


def write_table(con: duckdb.DuckDBPyConnection, table: str, df: pl.DataFrame) -> int:
    """Replace `table` with `df` in one statement, so readers never see a half-written table."""
    arrow = df.to_arrow()  # noqa: F841 - referenced by name in the SQL below
    con.execute(f"CREATE OR REPLACE TABLE {ident(table)} AS SELECT * FROM arrow")
    return df.height


def ensure_table(con: duckdb.DuckDBPyConnection, table: str, df: pl.DataFrame) -> None:
    """Create `table` with `df`'s columns (and no rows) when it does not exist yet; add the columns a
    newer version brought (raw_pages.proxy, salary_status_reason, ...) to a table made by an older one
    (their old rows read null)."""
    arrow = df.head(0).to_arrow()  # noqa: F841
    if not table_exists(con, table):
        con.execute(f"CREATE TABLE {ident(table)} AS SELECT * FROM arrow")
        return
    have = {r[0] for r in con.execute(f"DESCRIBE {ident(table)}").fetchall()}
    for name, dtype, *_ in con.execute("DESCRIBE SELECT * FROM arrow").fetchall():
        if name not in have:
            con.execute(f"ALTER TABLE {ident(table)} ADD COLUMN {ident(name)} {dtype}")


def append(con: duckdb.DuckDBPyConnection, table: str, df: pl.DataFrame) -> int:
    """Append by column name, creating the table from the first batch."""
    ensure_table(con, table, df)
    if df.height:
        arrow = df.to_arrow()  # noqa: F841
        con.execute(f"INSERT INTO {ident(table)} BY NAME SELECT * FROM arrow")
    return df.height


def replace_partition(
    con: duckdb.DuckDBPyConnection, table: str, df: pl.DataFrame, harvest_id: str, key: str = "harvest_id"
) -> int:
    """Replace exactly one harvest partition's rows: re-materializing a partition never duplicates rows."""
    ensure_table(con, table, df)
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(f"DELETE FROM {ident(table)} WHERE {ident(key)} = ?", [harvest_id])
        if df.height:
            arrow = df.to_arrow()  # noqa: F841
            con.execute(f"INSERT INTO {ident(table)} BY NAME SELECT * FROM arrow")
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return df.height


def read_frame(con: duckdb.DuckDBPyConnection, sql: str, params: list | Mapping | None = None) -> pl.DataFrame:
    return pl.from_arrow(con.sql(sql, params=params or None).to_arrow_table())


def iter_frames(
    con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None, batch_size: int = 100_000
) -> Iterator[pl.DataFrame]:
    """Stream a query in bounded batches, on a cursor of its own so the caller may write meanwhile."""
    cur = con.cursor()
    try:
        reader = cur.sql(sql, params=params or None).to_arrow_reader(batch_size)
        for batch in reader:
            if batch.num_rows:
                yield pl.from_arrow(batch)
    finally:
        cur.close()


def map_frames(
    con: duckdb.DuckDBPyConnection, sql: str, fn: Callable[[pl.DataFrame], T], batch_size: int = 100_000,
    threads: int = BATCH_THREADS, params: list | Mapping | None = None,
) -> Iterator[tuple[pl.DataFrame, T]]:
    """(batch, fn(batch)) for each batch of `sql`, in order, with fn computed on `threads` threads while
    the caller writes the previous results: polars, numpy and DuckDB release the GIL, so a stage that
    transforms batches uses both cores of a small machine. About `threads` + 2 batches are in memory at once.
    The first batch runs alone on the calling thread; fn must be safe to run on threads after that."""
    if threads <= 1:
        for batch in iter_frames(con, sql, params, batch_size=batch_size):
            yield batch, fn(batch)
        return
    with ThreadPoolExecutor(max_workers=threads) as pool:
        pending: deque = deque()
        first = True
        for batch in iter_frames(con, sql, params, batch_size=batch_size):
            if first:  # the first batch alone: whatever fn loads lazily is loaded before threads share it
                first = False
                yield batch, fn(batch)
                continue
            pending.append((batch, pool.submit(fn, batch)))
            if len(pending) > threads:
                done, future = pending.popleft()
                yield done, future.result()
        while pending:
            done, future = pending.popleft()
            yield done, future.result()


def markdown_preview(df: pl.DataFrame, max_rows: int = 10, max_chars: int = 60) -> str:
    """A small Markdown table for the Dagster UI; long texts are cut so the preview stays readable."""
    if df.is_empty():
        return "_(no rows)_"
    head = df.head(max_rows)
    cols = head.columns

    def cell(v: object) -> str:
        s = "" if v is None else str(v).replace("\n", " ")
        # cut here, escaped by md_table after: a cut never leaves a dangling backslash
        return s if len(s) <= max_chars else s[: max_chars - 1] + "…"

    lines = [md_table([[cell(v) for v in row] for row in head.iter_rows()], cols)]
    if df.height > max_rows:
        lines.append(f"\n_{df.height - max_rows:,} more rows_")
    return "\n".join(lines)


def null_rates(df: pl.DataFrame, columns: list[str] | tuple[str, ...]) -> Mapping[str, float]:
    if df.is_empty():
        return {c: 0.0 for c in columns}
    return {c: round(df[c].null_count() / df.height, 4) for c in columns if c in df.columns}


# DuckDB's default memory limit is 80 % of RAM: on a shared 24 GiB box its buffer pool alone grew the
# process past 6 GiB at 1 M postings. A fixed limit keeps the process bounded at any corpus size; joins and
# sorts past it spill to `<database>.tmp` beside the warehouse (DuckDB's default temp directory).
DEFAULT_MEMORY_LIMIT = "3GB"


def configure(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """Apply CJD_DUCKDB_MEMORY_LIMIT (default 3GB) and CJD_DUCKDB_THREADS (default: DuckDB's, the cores)."""
    import os

    con.execute(f"SET memory_limit = '{os.environ.get('CJD_DUCKDB_MEMORY_LIMIT', DEFAULT_MEMORY_LIMIT)}'")
    if os.environ.get("CJD_DUCKDB_THREADS"):
        con.execute(f"SET threads = {int(os.environ['CJD_DUCKDB_THREADS'])}")
    return con


def connect(path: str | Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    return configure(duckdb.connect(str(path), read_only=read_only))


def input_hash_sql(columns: tuple[str, ...] | list[str]) -> str:
    """SQL for a hash of the columns a stage reads: when it changes, the stage redoes that posting."""
    cols = ", ".join(f"coalesce(CAST({ident(c)} AS VARCHAR), '')" for c in columns)
    return f"md5(concat_ws(chr(31), {cols}))"


def pending_primaries(
    con: duckdb.DuckDBPyConnection, target: str, columns: tuple[str, ...] | list[str], version_column: str,
    version: str,
) -> tuple[str, int]:
    """Make an incremental stage's `target` current, and say what is left to compute.

    Rows of `target` are dropped when their posting is no longer primary, its input columns changed
    (`input_hash`), or another version made them. Returns the SQL selecting the primary postings still
    to process (`id`, the columns, `input_hash`) and how many there are.
    """
    h = input_hash_sql(columns)
    done = ""
    if table_exists(con, target):
        con.execute(
            f"""DELETE FROM {ident(target)} t WHERE {ident(version_column)} <> ? OR NOT EXISTS (
                  SELECT 1 FROM deduplicated_postings d
                  WHERE d.id = t.id AND d.is_primary AND {h} = t.input_hash)""",
            [version],
        )
        done = f"AND id NOT IN (SELECT id FROM {ident(target)})"
    sql = (f"SELECT id, {', '.join(ident(c) for c in columns)}, {h} AS input_hash "
           f"FROM deduplicated_postings WHERE is_primary {done} ORDER BY id")
    return sql, int(con.execute(f"SELECT count(*) FROM ({sql})").fetchall()[0][0])
