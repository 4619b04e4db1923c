"""The harvest tables on an object store: one Parquet object per table and harvest partition.

Set `CJD_LAKE_URL=s3://bucket/prefix` (with the usual `AWS_ENDPOINT_URL`, `AWS_ACCESS_KEY_ID`,
`AWS_SECRET_ACCESS_KEY`, `AWS_REGION`) and the harvest steps write `raw_pages`, `raw_postings` and
`quarantined_pages` of their partition to `<prefix>/<table>/<harvest key>.parquet` instead of DuckDB, so
any number of workers on any number of machines harvest at once: DuckDB has one writer per file, an object
store has none. The analysis then loads the lake into DuckDB (`sync_warehouse`, called by the dedup stage
and by `python -m cjd_assets.lake rebuild`), loading only partitions whose object changed since the last
load. Without `CJD_LAKE_URL` the harvest tables go straight to DuckDB, as on one machine.

pyarrow reads and writes S3 itself; DuckDB gets Arrow tables (its httpfs extension cannot be downloaded on
every machine, and the pip-packaged extensions lag DuckDB releases). Dagster-free.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from urllib.parse import urlparse

import duckdb
import polars as pl
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from cjd_assets import warehouse as wh

HARVEST_TABLES = ("raw_pages", "raw_postings", "quarantined_pages")
MANIFEST = "lake_manifest"  # which object version of each (table, partition) the warehouse holds
SUFFIX = ".parquet"


class LakeError(RuntimeError):
    """The object store cannot be reached or holds something unreadable: a clear message, not a trace."""


@dataclass(frozen=True)
class ObjectLake:
    """`s3://bucket/prefix` on an S3-compatible endpoint (empty endpoint: AWS itself)."""

    url: str
    endpoint: str = ""
    access_key: str = ""
    secret_key: str = ""
    region: str = "us-east-1"

    @classmethod
    def from_env(cls) -> "ObjectLake | None":
        url = os.environ.get("CJD_LAKE_URL", "").strip()
        if not url:
            return None
        return cls(url=url, endpoint=os.environ.get("AWS_ENDPOINT_URL", ""),
                   access_key=os.environ.get("AWS_ACCESS_KEY_ID", ""),
                   secret_key=os.environ.get("AWS_SECRET_ACCESS_KEY", ""),
                   region=os.environ.get("AWS_REGION", os.environ.get("AWS_DEFAULT_REGION", "us-east-1")))

    def __post_init__(self) -> None:
        u = urlparse(self.url)
        if u.scheme != "s3" or not u.netloc:
            raise LakeError(f"CJD_LAKE_URL must look like s3://bucket/prefix, not {self.url!r}")

    @property
    def root(self) -> str:
        u = urlparse(self.url)
        return f"{u.netloc}/{u.path.strip('/')}".rstrip("/")

    def filesystem(self) -> pafs.S3FileSystem:
        kw = {"region": self.region, "allow_bucket_creation": True}
        if self.endpoint:
            kw["endpoint_override"] = self.endpoint  # http://host:port: pyarrow takes the scheme from it
        if self.access_key:
            kw.update(access_key=self.access_key, secret_key=self.secret_key)
        return pafs.S3FileSystem(**kw)

    def object_path(self, table: str, key: str) -> str:
        wh.ident(table)
        if not key or "/" in key:
            raise LakeError(f"not a usable partition key for an object name: {key!r}")
        return f"{self.root}/{table}/{key}{SUFFIX}"

    def ensure_bucket(self) -> None:
        fs = self.filesystem()
        bucket = self.root.split("/", 1)[0]
        if fs.get_file_info(bucket).type == pafs.FileType.NotFound:
            fs.create_dir(bucket)

    def write_partition(self, table: str, df: pl.DataFrame, key: str) -> int:
        """One PUT of the whole partition: readers see the old object or the new one, never half."""
        path = self.object_path(table, key)
        try:
            with self.filesystem().open_output_stream(path) as out:
                pq.write_table(df.to_arrow(), out, compression="zstd")
        except OSError as err:
            raise LakeError(f"cannot write {table} of {key} to s3://{path}: {err}") from err
        return df.height

    def read_partition(self, table: str, key: str) -> pl.DataFrame | None:
        """The partition's rows, or None when the lake has no object for it."""
        path = self.object_path(table, key)
        fs = self.filesystem()
        try:
            if fs.get_file_info(path).type == pafs.FileType.NotFound:
                return None
            with fs.open_input_file(path) as f:
                return pl.from_arrow(pq.read_table(f))
        except OSError as err:
            raise LakeError(f"cannot read s3://{path}: {err}") from err

    def partitions(self, table: str) -> dict[str, str]:
        """Every partition of `table` in the lake and its object version (size and modification time; S3
        keeps the time to the second, so only a rewrite of the same size within that second goes unseen:
        `rebuild --full` reloads everything)."""
        fs = self.filesystem()
        try:
            infos = fs.get_file_info(pafs.FileSelector(f"{self.root}/{wh.ident(table)}", allow_not_found=True))
        except OSError as err:
            raise LakeError(f"cannot list s3://{self.root}/{table}: {err}") from err
        return {i.base_name[: -len(SUFFIX)]: f"{i.size}:{i.mtime_ns}"
                for i in infos if i.type == pafs.FileType.File and i.base_name.endswith(SUFFIX)}


Connection = Callable[[], AbstractContextManager[duckdb.DuckDBPyConnection]]


def replace_partition(connection: Connection, table: str, df: pl.DataFrame, key: str,
                      lake: ObjectLake | None = None) -> int:
    """Store one harvest partition of a harvest table: in the object lake when one is configured
    (`CJD_LAKE_URL`), else in DuckDB through `connection` (the Warehouse resource's)."""
    lake = lake if lake is not None else ObjectLake.from_env()
    if lake is not None:
        return lake.write_partition(table, df, key)
    with connection() as con:
        return wh.replace_partition(con, table, df, key)


def read_partition(connection: Connection, table: str, key: str, lake: ObjectLake | None = None) -> pl.DataFrame:
    """One harvest partition of a harvest table, from wherever `replace_partition` stored it."""
    lake = lake if lake is not None else ObjectLake.from_env()
    if lake is not None:
        df = lake.read_partition(table, key)
        if df is None:
            raise LakeError(f"the lake {lake.url} has no {table} for harvest {key}: materialize its "
                            f"{table} first")
        return df
    with connection() as con:
        return wh.read_frame(con, f"SELECT * FROM {wh.ident(table)} WHERE harvest_id = ?", [key])


def sync_warehouse(con: duckdb.DuckDBPyConnection, lake: ObjectLake, tables: Iterable[str] = HARVEST_TABLES,
                   full: bool = False) -> dict[str, dict[str, int]]:
    """Load the lake's harvest tables into DuckDB: partitions new or changed since the last load are
    (re)placed, partitions gone from the lake are dropped, unchanged ones are not read again (`full`
    reloads all). The same `replace_partition` as the single-machine path writes the rows, so both give
    the same tables. Returns per table how many partitions were loaded, dropped and left as they were."""
    con.execute(f"CREATE TABLE IF NOT EXISTS {MANIFEST} (table_name VARCHAR, harvest_id VARCHAR, "
                "version VARCHAR, row_count BIGINT, PRIMARY KEY (table_name, harvest_id))")
    stats = {}
    for table in tables:
        in_lake = lake.partitions(table)
        loaded = dict(con.execute(
            f"SELECT harvest_id, version FROM {MANIFEST} WHERE table_name = ?", [table]).fetchall())
        todo = sorted(k for k, v in in_lake.items() if full or loaded.get(k) != v)
        gone = sorted(set(loaded) - set(in_lake))
        for key in todo:
            df = lake.read_partition(table, key)
            if df is None:  # deleted between listing and reading: the next sync drops it
                continue
            wh.replace_partition(con, table, df, key)
            con.execute(f"INSERT OR REPLACE INTO {MANIFEST} VALUES (?, ?, ?, ?)", [table, key, in_lake[key], df.height])
        for key in gone:
            if wh.table_exists(con, table):
                con.execute(f"DELETE FROM {wh.ident(table)} WHERE harvest_id = ?", [key])
            con.execute(f"DELETE FROM {MANIFEST} WHERE table_name = ? AND harvest_id = ?", [table, key])
        stats[table] = {"loaded": len(todo), "dropped": len(gone), "unchanged": len(in_lake) - len(todo)}
    return stats


def sync_if_configured(connection: Connection) -> dict[str, dict[str, int]] | None:
    """`sync_warehouse` into the Warehouse when `CJD_LAKE_URL` is set; None (nothing to do) otherwise."""
    lake = ObjectLake.from_env()
    if lake is None:
        return None
    with connection() as con:
        return sync_warehouse(con, lake)


def main(argv: list[str] | None = None) -> None:
    """`python -m cjd_assets.lake rebuild [--full]`: load the lake into the warehouse (`CJD_DUCKDB`)."""
    import argparse

    from cjd_assets.resources import default_database

    parser = argparse.ArgumentParser(prog="python -m cjd_assets.lake", description=main.__doc__)
    parser.add_argument("command", choices=["rebuild", "ls"])
    parser.add_argument("--full", action="store_true", help="reload every partition, not only changed ones")
    args = parser.parse_args(argv)
    lake = ObjectLake.from_env()
    if lake is None:
        raise SystemExit("CJD_LAKE_URL is not set: there is no object lake to read")
    if args.command == "ls":
        for table in HARVEST_TABLES:
            for key, version in sorted(lake.partitions(table).items()):
                print(f"{table}\t{key}\t{version}")
        return
    with wh.connect(default_database()) as con:
        stats = sync_warehouse(con, lake, full=args.full)
    for table, s in stats.items():
        print(f"[lake] {table}: {s['loaded']} partition(s) loaded, {s['dropped']} dropped, "
              f"{s['unchanged']} unchanged")


if __name__ == "__main__":
    main()
