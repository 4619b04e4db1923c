"""The object-store lake (cjd_assets/lake.py) against moto's S3 server in this process: harvest partitions
round-trip through Parquet on S3 into the same DuckDB rows the single-machine path writes, and a second
load reads only what changed."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime, timezone

import duckdb
import polars as pl
import pytest

from cjd_assets import warehouse as wh
from cjd_assets.harvest import raw_pages_frame
from cjd_assets.lake import LakeError, ObjectLake, read_partition, replace_partition, sync_warehouse

moto_server = pytest.importorskip("moto.server", reason="the 'distributed' extra (moto) is not installed")


@pytest.fixture(scope="module")
def endpoint():
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def lake(endpoint, request):
    lk = ObjectLake(url=f"s3://lake-test/{request.node.name}", endpoint=endpoint, access_key="k", secret_key="s")
    lk.ensure_bucket()
    return lk


def _pages(key: str, n: int) -> pl.DataFrame:
    when = datetime(2026, 1, 10, 10, 0, tzinfo=timezone.utc)
    return raw_pages_frame([{"page_id": f"{key}-{i}", "harvest_id": key, "url": f"https://www.liepin.com/job/{i}.shtml",
                             "board": "liepin", "http_status": 200, "fetch_time": when, "crawl_state": "fetched",
                             "content": bytes([i, 0, 255]), "encoding": None} for i in range(n)])


def test_lake_rows_equal_the_direct_duckdb_rows(lake, tmp_path):
    direct = duckdb.connect(str(tmp_path / "direct.duckdb"))
    loaded = duckdb.connect(str(tmp_path / "loaded.duckdb"))
    for key, n in (("file-a-000000000001", 3), ("file-b-000000000002", 0), ("file-c-000000000003", 5)):
        df = _pages(key, n)
        wh.replace_partition(direct, "raw_pages", df, key)
        lake.write_partition("raw_pages", df, key)
    stats = sync_warehouse(loaded, lake, tables=["raw_pages"])
    assert stats["raw_pages"] == {"loaded": 3, "dropped": 0, "unchanged": 0}
    assert loaded.sql("DESCRIBE raw_pages").fetchall() == direct.sql("DESCRIBE raw_pages").fetchall()
    q = "SELECT * FROM raw_pages ORDER BY page_id"
    assert loaded.sql(q).fetchall() == direct.sql(q).fetchall()
    assert len(loaded.sql(q).fetchall()) == 8


def test_second_load_reads_only_changes_and_drops_removed_partitions(lake, tmp_path):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    for key in ("k1", "k2", "k3"):
        lake.write_partition("raw_pages", _pages(key, 2), key)
    sync_warehouse(con, lake, tables=["raw_pages"])
    assert sync_warehouse(con, lake, tables=["raw_pages"])["raw_pages"] == {"loaded": 0, "dropped": 0, "unchanged": 3}
    lake.write_partition("raw_pages", _pages("k2", 4), "k2")  # re-harvested
    lake.filesystem().delete_file(lake.object_path("raw_pages", "k3"))  # withdrawn
    assert sync_warehouse(con, lake, tables=["raw_pages"])["raw_pages"] == {"loaded": 1, "dropped": 1, "unchanged": 1}
    counts = dict(con.sql("SELECT harvest_id, count(*) FROM raw_pages GROUP BY 1").fetchall())
    assert counts == {"k1": 2, "k2": 4}
    assert sync_warehouse(con, lake, tables=["raw_pages"], full=True)["raw_pages"]["loaded"] == 2


def test_replace_and_read_go_to_duckdb_without_a_lake(tmp_path, monkeypatch):
    monkeypatch.delenv("CJD_LAKE_URL", raising=False)
    path = tmp_path / "w.duckdb"

    @contextmanager
    def connection():
        with duckdb.connect(str(path)) as con:
            yield con

    replace_partition(connection, "raw_pages", _pages("k", 2), "k")
    assert read_partition(connection, "raw_pages", "k").height == 2


def test_clear_errors(lake):
    with pytest.raises(LakeError, match="s3://bucket/prefix"):
        ObjectLake(url="/mnt/lake")
    with pytest.raises(LakeError, match="no raw_postings for harvest nope"):
        read_partition(None, "raw_postings", "nope", lake=lake)
    with pytest.raises(LakeError, match="partition key"):
        lake.object_path("raw_pages", "a/b")
    down = ObjectLake(url="s3://x/y", endpoint="http://127.0.0.1:9", access_key="k", secret_key="s")
    with pytest.raises(LakeError, match="cannot list"):
        down.partitions("raw_pages")
