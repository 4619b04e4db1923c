"""The analysis library's registry is the assets: every stored table of the analysis (summaries and the
follow-up's cluster tables) is an asset generated from it, keyed on its SQL text, and materializes its table."""

from __future__ import annotations

import shutil

import dagster as dg
import duckdb

from cjd_assets import analysis as A
from cjd_assets import warehouse as wh
from cjd_assets.assets.summaries import cluster_assets, summary_assets
from cjd_assets.resources import ReportSettings, Warehouse
from cjd_assets_tests.test_report import make_con


def test_every_registered_table_is_an_asset_with_its_code_version():
    assets = {a.key.to_user_string(): a for a in (*summary_assets, *cluster_assets)}
    assert set(assets) == {s.table_name for s in A.TABLES}
    # the nine cluster tables the follow-up's report reads are in the lineage, not written on the side
    assert {s.table_name for s in A.CLUSTER_TABLES} == {
        f"{view}_{kind}" for view in A.CLUSTER_VIEWS for kind in ("regions", "provinces", "cities")}
    for spec in A.TABLES:
        a = assets[spec.table_name]
        assert a.code_versions_by_key[a.key] == spec.code_version
        assert a.descriptions_by_key[a.key] == spec.description


def test_a_changed_sql_file_changes_the_code_version(tmp_path, monkeypatch):
    spec = A.SUMMARY_BY_NAME["table1_by_category"]
    before = spec.code_version
    other = A.SUMMARY_BY_NAME["table4_keywords"].code_version
    shutil.copytree(wh.sql_dir(), tmp_path / "sql")
    with open(tmp_path / "sql" / "summary_table1.sql", "a", encoding="utf-8") as f:
        f.write("\n-- a changed rule\n")
    monkeypatch.setattr(wh, "sql_dir", lambda: tmp_path / "sql")
    assert spec.code_version != before
    assert A.SUMMARY_BY_NAME["table4_keywords"].code_version == other  # its own SQL only
    # the view is every table's input: changing it changes them all
    with open(tmp_path / "sql" / "analysis_postings.sql", "a", encoding="utf-8") as f:
        f.write("\n-- a changed view\n")
    assert A.SUMMARY_BY_NAME["table4_keywords"].code_version != other


def test_summary_and_cluster_assets_materialize_their_tables(tmp_path):
    path = tmp_path / "w.duckdb"
    mem = make_con()
    con = duckdb.connect(str(path))
    for name in ("deduplicated_postings", "classified_postings", "normalized_postings", "ai_keyword_postings"):
        wh.write_table(con, name, wh.read_frame(mem, f"SELECT * FROM {name}"))
    con.execute("CREATE TABLE employer_tags AS SELECT * FROM (VALUES ('p01', 'defense', 'employer')) t(id, tag, rule_kind)")
    A.prepare_analysis_view(con)
    con.close()
    picked = [a for a in (*summary_assets, *cluster_assets)
              if a.key.to_user_string() in ("summary_education_by_category", "clusters_defense_regions")]
    result = dg.materialize(picked, resources={"warehouse": Warehouse(database=str(path)),
                                               "report_settings": ReportSettings(min_province_n=1)})
    assert result.success
    meta = {e.materialization.asset_key.to_user_string(): e.materialization.metadata
            for e in result.get_asset_materialization_events()}
    assert meta["summary_education_by_category"]["dagster/row_count"].value == 35
    assert "Figure 1. Desired education by category" in meta["summary_education_by_category"]
    with duckdb.connect(str(path), read_only=True) as con:
        regions = dict(con.execute("SELECT region, postings FROM clusters_defense_regions").fetchall())
        # p01 (Shenzhen, TT1 with an AI keyword) is the one defense-tagged AI-related posting
        assert regions["Pearl River Delta"] == 1 and sum(regions.values()) == 1
        edu = dict(con.execute("SELECT education_level, postings FROM summary_education_by_category "
                               "WHERE category = 'TT1'").fetchall())
    # TT1 p01-p05: bachelor (p01, p05), master (p02, minimum level), associate (p03), no data (p04)
    assert {k: v for k, v in edu.items() if v} == {"bachelor": 2, "master": 1, "associate": 1, "no data": 1}
