"""scripts/compare_warehouses.py: the table-by-table check a refactor keeps its outputs."""

from __future__ import annotations

import importlib.util

import duckdb

from cjd_assets.paths import REPO_ROOT

_spec = importlib.util.spec_from_file_location("compare_warehouses", REPO_ROOT / "scripts" / "compare_warehouses.py")
cw = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(cw)


def _db(path, rows, extra_table=False, extra_column=False):
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE t (k VARCHAR, x DOUBLE, pipeline_date_updated TIMESTAMP)")
        con.executemany("INSERT INTO t VALUES (?, ?, now())", rows)
        con.execute("CREATE TABLE same AS SELECT range AS i FROM range(3)")
        if extra_table:
            con.execute("CREATE TABLE only_here AS SELECT 1 AS i")
        con.execute("CREATE VIEW v AS SELECT k" + (", x" if extra_column else "") + " FROM t")


def test_reports_rows_columns_and_tables_that_differ(tmp_path):
    a, b = tmp_path / "a.duckdb", tmp_path / "b.duckdb"
    _db(a, [("p", 0.1 + 0.2), ("q", 2.0), ("q", 2.0)])
    # same values (0.3 to the last bit is no difference), one duplicate row fewer, one row changed
    _db(b, [("p", 0.3), ("q", 2.0), ("r", 2.0)], extra_table=True, extra_column=True)
    rows = {r["table"]: r for r in cw.compare(str(a), str(b), set(cw.DEFAULT_IGNORE))}
    assert rows["same"]["status"] == "same"
    assert rows["only_here"]["status"] == "only in B"
    t = rows["t"]
    assert (t["rows_only_a"], t["rows_only_b"], t["ignored"]) == (1, 1, ["pipeline_date_updated"])
    assert t["status"] == "DIFFERENT"
    assert rows["v"]["only_b_cols"] == ["x"] and rows["v"]["status"] == "DIFFERENT"
    assert cw.main([str(a), str(a)]) == 0 and cw.main([str(a), str(b)]) == 1
