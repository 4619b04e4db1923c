#!/usr/bin/env python
"""Compare two warehouses table by table, row for row: did a refactor keep the outputs?

    python scripts/compare_warehouses.py BEFORE.duckdb AFTER.duckdb [--show 5] [--ignore col,col] [--digits 9]

Per table (and view) of either file: rows in each, columns only in one, and the rows of the common columns
found in one and not the other (multiset difference, so a duplicated row counts). Floating-point values are
compared rounded to --digits significant digits; columns that record when or how fast a run went
(--ignore, by default the timestamps the pipeline stamps) are left out. Exit status 1 when any table differs.
"""

from __future__ import annotations

import argparse
import sys

import duckdb

DEFAULT_IGNORE = ("pipeline_date_updated", "trained_at", "evaluated_at", "computed_at", "created_at",
                  "harvested_at", "crawled_at", "landed_at", "model_path")
FLOAT_TYPES = ("DOUBLE", "FLOAT", "REAL")


def _columns(con, catalog: str, table: str) -> dict[str, str]:
    rows = con.execute(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_catalog = ? AND table_name = ? "
        "AND table_schema = 'main' ORDER BY ordinal_position", [catalog, table]).fetchall()
    return dict(rows)


def _expr(col: str, dtype: str, digits: int) -> str:
    q = '"' + col.replace('"', '""') + '"'
    if dtype in FLOAT_TYPES or dtype.startswith("DECIMAL"):
        # round to significant digits, so a last-bit difference of the same sum is not a difference
        return (f"CASE WHEN {q} IS NULL OR isnan({q}::DOUBLE) OR {q} = 0 THEN {q}::DOUBLE ELSE "
                f"round({q}::DOUBLE, {digits} - 1 - floor(log10(abs({q}::DOUBLE)))::INT) END AS {q}")
    if dtype.endswith("[]") or dtype.startswith(("STRUCT", "MAP")):
        return f"{q}::VARCHAR AS {q}"
    return q


def compare(path_a: str, path_b: str, ignore: set[str], digits: int = 9, show: int = 0) -> list[dict]:
    con = duckdb.connect()
    con.execute(f"ATTACH '{path_a}' AS a (READ_ONLY)")
    con.execute(f"ATTACH '{path_b}' AS b (READ_ONLY)")
    names = con.execute(
        "SELECT table_name, table_catalog, table_type FROM information_schema.tables "
        "WHERE table_catalog IN ('a', 'b') AND table_schema = 'main'").fetchall()
    tables: dict[str, dict[str, str]] = {}
    for name, catalog, kind in names:
        tables.setdefault(name, {})[catalog] = kind
    out = []
    for name in sorted(tables):
        where = tables[name]
        row: dict = {"table": name, "kind": "view" if "VIEW" in next(iter(where.values())) else "table"}
        if set(where) != {"a", "b"}:
            row["status"] = "only in A" if "a" in where else "only in B"
            side = "a" if "a" in where else "b"
            row["rows_" + side] = con.execute(f'SELECT count(*) FROM {side}."{name}"').fetchall()[0][0]
            out.append(row)
            continue
        ca, cb = _columns(con, "a", name), _columns(con, "b", name)
        row["only_a_cols"] = [c for c in ca if c not in cb]
        row["only_b_cols"] = [c for c in cb if c not in ca]
        common = [c for c in ca if c in cb and c not in ignore]
        row["ignored"] = [c for c in ca if c in cb and c in ignore]
        try:
            row["rows_a"] = con.execute(f'SELECT count(*) FROM a."{name}"').fetchall()[0][0]
            row["rows_b"] = con.execute(f'SELECT count(*) FROM b."{name}"').fetchall()[0][0]
            sel_a = ", ".join(_expr(c, ca[c], digits) for c in common)
            sel_b = ", ".join(_expr(c, cb[c], digits) for c in common)
            diff_ab = f'SELECT {sel_a} FROM a."{name}" EXCEPT ALL SELECT {sel_b} FROM b."{name}"'
            diff_ba = f'SELECT {sel_b} FROM b."{name}" EXCEPT ALL SELECT {sel_a} FROM a."{name}"'
            row["rows_only_a"] = con.execute(f"SELECT count(*) FROM ({diff_ab})").fetchall()[0][0]
            row["rows_only_b"] = con.execute(f"SELECT count(*) FROM ({diff_ba})").fetchall()[0][0]
            if show and (row["rows_only_a"] or row["rows_only_b"]):
                row["examples_a"] = con.execute(f"{diff_ab} LIMIT {int(show)}").fetchall()
                row["examples_b"] = con.execute(f"{diff_ba} LIMIT {int(show)}").fetchall()
                row["columns"] = common
        except duckdb.Error as e:  # a view of one file that does not bind from here
            row["status"] = f"error: {str(e).splitlines()[0][:120]}"
            out.append(row)
            continue
        same = not (row["only_a_cols"] or row["only_b_cols"] or row["rows_only_a"] or row["rows_only_b"]
                    or row["rows_a"] != row["rows_b"])
        row["status"] = "same" if same else "DIFFERENT"
        out.append(row)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("a")
    ap.add_argument("b")
    ap.add_argument("--ignore", default=",".join(DEFAULT_IGNORE), help="columns left out (comma-separated)")
    ap.add_argument("--digits", type=int, default=9, help="significant digits of floating-point values")
    ap.add_argument("--show", type=int, default=0, help="print up to N differing rows per table and side")
    args = ap.parse_args(argv)
    rows = compare(args.a, args.b, {c for c in args.ignore.split(",") if c}, args.digits, args.show)
    print(f"| table | kind | rows A | rows B | rows only in A | rows only in B | columns only in A / B | status |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        cols = " / ".join(", ".join(r.get(k) or []) or "-" for k in ("only_a_cols", "only_b_cols"))
        print(f"| {r['table']} | {r['kind']} | {r.get('rows_a', '')} | {r.get('rows_b', '')} | "
              f"{r.get('rows_only_a', '')} | {r.get('rows_only_b', '')} | {cols} | {r['status']} |")
    ignored = sorted({c for r in rows for c in r.get("ignored", [])})
    print(f"\nleft out (run times and paths): {', '.join(ignored) or 'none'}")
    for r in rows:
        if r.get("examples_a") is not None:
            print(f"\n## {r['table']} ({', '.join(r['columns'])})")
            for side in ("a", "b"):
                for ex in r[f"examples_{side}"]:
                    print(f"  only in {side.upper()}: {ex}")
    return 0 if all(r["status"] == "same" for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
