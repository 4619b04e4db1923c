"""Salary predictions kept across runs: only postings that are new, whose features changed, or that another
model version predicted are predicted again (at 6.8 M postings, predicting all of them every run was the
stage's cost once the model itself is reused, see `model_cache`). Dagster-free."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import duckdb
import polars as pl

from cjd_assets import warehouse as wh

TABLE = "salary_predictions"


def update_predictions(con: duckdb.DuckDBPyConnection, model, features_sql: str, params: Mapping | None,
                       now: datetime, batch_size: int = 100_000) -> int:
    """Bring `salary_predictions` up to date with `model` for the rows of the query `features_sql` (with its
    `$name` parameters `params`: an `id` column and the model's inputs); returns how many postings were
    predicted in this call.

    Each row keeps `feature_hash` (md5 of its inputs): a row whose posting left the feature set, whose
    inputs changed, or whose `salary_model_version` is not the model's is dropped and predicted again."""
    params = dict(params or {})
    cur = con.execute(f"SELECT * FROM ({features_sql}) LIMIT 0", params)
    cols = [d[0] for d in cur.description]
    # a plain table, not TEMP: the batches are read on a cursor of their own, which sees no temp tables
    inputs = ", ".join(f"coalesce(CAST({wh.ident(c)} AS VARCHAR), '')" for c in cols if c != "id")
    con.execute(f"CREATE OR REPLACE TABLE _salary_inputs AS SELECT id, md5(concat_ws(chr(31), {inputs})) "
                f"AS feature_hash FROM ({features_sql})", params)
    try:
        have = wh.table_exists(con, TABLE) and "feature_hash" in {
            r[0] for r in con.execute(f"DESCRIBE {TABLE}").fetchall()}
        if have:
            con.execute(f"""DELETE FROM {TABLE} t WHERE salary_model_version IS DISTINCT FROM $version OR NOT EXISTS (
                SELECT 1 FROM _salary_inputs i WHERE i.id = t.id AND i.feature_hash = t.feature_hash)""",
                        {"version": model.version})
        else:  # made by a version that kept no hashes: predicted again in full
            con.execute(f"DROP TABLE IF EXISTS {TABLE}")
        done = f"WHERE i.id NOT IN (SELECT id FROM {TABLE})" if have else ""
        sql = (f"SELECT f.*, i.feature_hash FROM ({features_sql}) f JOIN _salary_inputs i USING (id) {done} "
               "ORDER BY id")
        predicted = 0
        # batches predicted on two threads while the last is written (the booster's own threads are OpenMP)
        for batch, pred in wh.map_frames(con, sql, lambda b: model.predict(b.drop("feature_hash")),
                                         batch_size=batch_size, params=params):
            pred = pred.join(batch.select("id", "feature_hash"), on="id", how="left", maintain_order="left")
            wh.append(con, TABLE, pred.with_columns(salary_model_version=pl.lit(model.version),
                                                    pipeline_version=pl.lit(f"salary-{model.version}"),
                                                    pipeline_date_updated=pl.lit(now)))
            predicted += batch.height
        return predicted
    finally:
        con.execute("DROP TABLE IF EXISTS _salary_inputs")
