"""Every asset of the code location, materialized on its own with `dg.materialize` on a copy of the session's
demo warehouse (conftest `demo_pipeline`): its tables are dropped first, so each asset must make them again
from its inputs alone, with the rows the whole-graph run made and the row count its metadata reports.
And a blocking check that fails stops what is downstream of it."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import duckdb
import polars as pl
import pytest

from cjd_assets.definitions import build_definitions
from cjd_assets.harvest.landing import landed_partition_key
from cjd_assets.partitions import harvests
from cjd_assets.resources import default_resources
from cjd_assets_tests.conftest import DEMO_HARVEST_KEY

pytestmark = pytest.mark.slow

DEFS = build_definitions(default_resources(database=":memory:"))
GRAPH = DEFS.resolve_asset_graph()
# One entry per AssetsDefinition (a multi-asset writes several tables in one step).
ASSETS = sorted({id(a): a for a in (DEFS.get_assets_def(k) for k in GRAPH.get_all_asset_keys())}.values(),
                key=lambda a: a.node_def.name)
VIEWS = {"analysis_postings"}
NO_TABLE = {"summary_report"}  # writes the report into the lake
# Tables a stage of this layer writes, which carry the version and time of the stage that wrote them.
STAMPED = {"raw_pages", "raw_postings", "quarantined_pages", "annotations", "job_classifier", "classifier_evaluation",
           "classifier_confusion", "classifier_model_comparison", "classifier_learning_curve", "classified_postings",
           "classifier_corrected_counts", "normalized_postings", "ai_keyword_postings", "salary_predictions"}


def _q(db: str, sql: str):
    with duckdb.connect(db, read_only=True) as con:
        return con.execute(sql).fetchall()


def _columns(db: str, table: str) -> list[str]:
    return [r[0] for r in _q(db, f"DESCRIBE {table}")]


def _tables_of(db: str, name: str) -> list[str]:
    """The relations an asset writes: its own name, or (a cluster view) its regions, provinces and cities."""
    if name in NO_TABLE:
        return []
    relations = {r[0] for r in _q(db, "SELECT table_name FROM information_schema.tables")}
    if name in relations:
        return [name]
    return [t for t in (f"{name}_{kind}" for kind in ("regions", "provinces", "cities")) if t in relations]


@pytest.mark.parametrize("assets_def", ASSETS, ids=lambda a: a.node_def.name)
def test_asset_materializes_alone(assets_def, demo_pipeline, demo_copy):
    db, instance, resources = demo_copy["db"], demo_copy["instance"], demo_copy["resources"]
    names = [k.to_user_string() for k in assets_def.keys]
    partition = None
    if assets_def.partitions_def is not None:
        if "raw_pages" in names:
            # a file harvest (the crawl's board is gone): the demo's own export of its labelled postings
            landing = Path(resources["lake"].landing_directory)
            landing.mkdir(parents=True)
            pl.read_parquet(demo_pipeline["texts"]).head(40).write_parquet(landing / "demo.parquet")
            partition = landed_partition_key(landing / "demo.parquet")
        else:
            partition = DEMO_HARVEST_KEY
        instance.add_dynamic_partitions(harvests.name, [partition])
    tables = {name: _tables_of(demo_pipeline["db"], name) for name in names}
    with duckdb.connect(db) as con:
        for name in names:
            for table in tables[name]:
                con.execute(f"DROP {'VIEW' if name in VIEWS else 'TABLE'} IF EXISTS {table}")

    result = dg.materialize([assets_def], resources=resources, instance=instance, partition_key=partition)
    assert result.success
    events = {e.asset_key.to_user_string(): e for e in result.get_asset_materialization_events()}
    assert set(events) == set(names)
    assert all(c.passed for c in result.get_asset_check_evaluations()), result.get_asset_check_evaluations()
    for name in names:
        metadata = events[name].step_materialization_data.materialization.metadata
        if name in NO_TABLE:
            assert Path(metadata["report"].value).stat().st_size > 10_000
            continue
        where = f" WHERE harvest_id = '{partition}'" if partition else ""
        assert tables[name], name
        for table in tables[name]:
            n = _q(db, f"SELECT count(*) FROM {table}{where}")[0][0]
            if table == name and "dagster/row_count" in metadata:
                assert metadata["dagster/row_count"].value == n, name
            if name == "raw_pages":
                assert n == 40
            else:  # the same inputs make the same table as the whole-graph run did
                assert n == _q(demo_pipeline["db"], f"SELECT count(*) FROM {table}{where}")[0][0], table
                assert set(_columns(db, table)) == set(_columns(demo_pipeline["db"], table)), table
        if name in STAMPED:
            versions = _q(db, f"SELECT DISTINCT pipeline_version FROM {name}{where}")
            assert n == 0 or (len(versions) == 1 and versions[0][0]), (name, versions)
            assert "pipeline_date_updated" in _columns(db, name), name


def test_no_table_is_written_outside_an_asset(demo_pipeline):
    stored = {r[0] for r in _q(demo_pipeline["db"], "SELECT table_name FROM information_schema.tables "
                                                   "WHERE table_type = 'BASE TABLE'")}
    assets = {k.to_user_string() for k in GRAPH.get_all_asset_keys()}
    written = {t for a in assets for t in _tables_of(demo_pipeline["db"], a)}
    assert stored - written == set()
    # and every asset but the report has its relations (analysis_postings is a view)
    assert all(_tables_of(demo_pipeline["db"], a) for a in assets - NO_TABLE)


def test_a_failed_blocking_check_stops_what_is_downstream(demo_copy, monkeypatch):
    """A dedup bug that leaves a posting with two primaries fails one_primary_per_posting; classification and
    normalization, in the same run, do not run on the broken set and keep their tables as they were."""
    from cjd_assets import dedup

    db, instance = demo_copy["db"], demo_copy["instance"]
    real = dedup.deduplicate

    def two_primaries(con, source, target):
        stats = real(con, source, target)
        con.execute(f"""UPDATE {target} SET is_primary = true WHERE (source, posting_key) IN (
                            SELECT source, posting_key FROM {target} WHERE duplicate_group_size > 1 LIMIT 1)""")
        return stats

    monkeypatch.setattr(dedup, "deduplicate", two_primaries)
    before = {t: _q(db, f"SELECT count(*), max(pipeline_date_updated) FROM {t}")
              for t in ("classified_postings", "normalized_postings")}
    selection = [DEFS.get_assets_def(k) for k in ("deduplicated_postings", "classified_postings",
                                                  "normalized_postings")]
    result = dg.materialize(selection, resources=demo_copy["resources"], instance=instance, raise_on_error=False)
    assert not result.success
    checks = {c.check_name: c for c in result.get_asset_check_evaluations()}
    assert checks["one_primary_per_posting"].passed is False
    assert checks["raw_set_intact"].passed is True
    materialized = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert materialized == {"deduplicated_postings"}
    for table, counts in before.items():
        assert _q(db, f"SELECT count(*), max(pipeline_date_updated) FROM {table}") == counts, table
