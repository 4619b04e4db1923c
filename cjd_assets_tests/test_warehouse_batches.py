"""`warehouse.map_frames`: batches transformed on threads come back whole, in order, with the caller free to
write between them; a failure in one batch reaches the caller."""

import duckdb
import polars as pl
import pytest

from cjd_assets import warehouse as wh


@pytest.fixture
def con(tmp_path):
    with duckdb.connect(str(tmp_path / "w.duckdb")) as c:
        c.execute("CREATE TABLE src AS SELECT range AS id, 'posting ' || range AS title FROM range(10_007)")
        yield c


@pytest.mark.parametrize("threads", [1, 2, 4])
def test_batches_in_order_while_the_caller_writes(con, threads):
    seen = []
    for batch, out in wh.map_frames(con, "SELECT * FROM src WHERE id >= $lo ORDER BY id",
                                    lambda b: b.select("id", pl.col("title").str.len_chars().alias("n")),
                                    batch_size=1000, threads=threads, params={"lo": 7}):
        assert batch["id"].equals(out["id"])
        wh.append(con, "dst", out)  # a write between reads, as the stages do
        seen.append(batch.height)
    assert sum(seen) == 10_000 and seen[:-1] == [1000] * 9
    got = con.execute("SELECT count(*), min(id), max(id), sum(n) FROM dst").fetchall()[0]
    want = con.execute("SELECT count(*), min(id), max(id), sum(length(title)) FROM src WHERE id >= 7").fetchall()[0]
    assert got == want
    assert con.sql("SELECT id FROM dst").pl()["id"].to_list() == list(range(7, 10_007))


def test_a_failing_batch_raises(con):
    def fn(b):
        if b["id"][0] >= 3000:
            raise ValueError("bad batch")
        return b

    with pytest.raises(ValueError, match="bad batch"):
        for _ in wh.map_frames(con, "SELECT * FROM src ORDER BY id", fn, batch_size=1000, threads=2):
            pass


def test_a_failed_step_releases_the_database_file(tmp_path):
    """A step that raises must not keep the file open while its traceback lives (Dagster keeps it in the
    run's result), or the next read-only connection in the same process is refused."""
    from cjd_assets.resources import Warehouse

    database = tmp_path / "cjd.duckdb"
    try:
        with Warehouse(database=str(database)).connection() as con:
            con.execute("CREATE TABLE t AS SELECT 1 AS x")
            raise RuntimeError("the step failed")
    except RuntimeError as failure:
        kept = failure  # the traceback's frames still reference `con`
    with duckdb.connect(str(database), read_only=True) as reader:
        assert reader.execute("SELECT x FROM t").fetchall() == [(1,)]
    assert kept.__traceback__ is not None
