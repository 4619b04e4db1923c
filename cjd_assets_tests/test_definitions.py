"""The code location loads, and its asset graph has the shape DESIGN.md draws."""

from __future__ import annotations

import subprocess
import sys

import dagster as dg

from cjd_assets.definitions import build_definitions, defs
from cjd_assets.paths import REPO_ROOT

# DESIGN.md: harvest → raw_pages → raw_postings → deduplicated_postings ─┬─► classified_postings ─► ai_keyword_postings
#            annotations → job_classifier → classified_postings          └─► normalized_postings
DESIGN_EDGES = {
    ("raw_pages", "raw_postings"),
    ("raw_postings", "deduplicated_postings"),
    ("deduplicated_postings", "classified_postings"),
    ("deduplicated_postings", "normalized_postings"),
    ("annotations", "job_classifier"),
    ("job_classifier", "classified_postings"),
    ("classified_postings", "ai_keyword_postings"),
    # tables written beside another one in the same step are declared outputs of that step
    ("raw_pages", "quarantined_pages"),
    ("classified_postings", "classifier_corrected_counts"),
    ("job_classifier", "classifier_confusion"),
}


def _edges() -> set[tuple[str, str]]:
    graph = defs.resolve_asset_graph()
    edges = set()
    for key in graph.get_all_asset_keys():
        for parent in graph.get(key).parent_keys:
            edges.add((parent.to_user_string(), key.to_user_string()))
    return edges


def test_design_edges_present():
    assert DESIGN_EDGES <= _edges()


def test_classification_and_normalization_are_siblings():
    graph = defs.resolve_asset_graph()
    up_classified = {k.to_user_string() for k in graph.get(dg.AssetKey("classified_postings")).parent_keys}
    up_normalized = {k.to_user_string() for k in graph.get(dg.AssetKey("normalized_postings")).parent_keys}
    assert "normalized_postings" not in up_classified
    assert "classified_postings" not in up_normalized
    assert up_normalized == {"deduplicated_postings"}


def test_analysis_view_reads_both_branches():
    edges = _edges()
    parents = {p for p, c in edges if c == "analysis_postings"}
    assert {"deduplicated_postings", "classified_postings", "normalized_postings", "ai_keyword_postings"} <= parents
    assert any(c.startswith("summary_") for p, c in edges if p == "analysis_postings")


def test_harvest_assets_are_partitioned_by_harvests():
    graph = defs.resolve_asset_graph()
    for name in ("raw_pages", "raw_postings"):
        pdef = graph.get(dg.AssetKey(name)).partitions_def
        assert isinstance(pdef, dg.DynamicPartitionsDefinition) and pdef.name == "harvests"
    assert graph.get(dg.AssetKey("deduplicated_postings")).partitions_def is None


def test_every_asset_documented_and_grouped():
    for spec in defs.resolve_all_asset_specs():
        assert spec.description and len(spec.description) > 40, spec.key
        assert spec.group_name and spec.group_name != "default", spec.key


def test_build_definitions_takes_resources(tmp_path, monkeypatch):
    """The resources a caller passes are the ones the code location runs with (the CLI and the tests rely on
    it); without any, they come from the environment, read when the definitions are built."""
    from cjd_assets.resources import Lake, default_resources

    res = {**default_resources(database=str(tmp_path / "x.duckdb")),
           "lake": Lake(directory=str(tmp_path / "lake"), landing_directory=str(tmp_path / "landing"))}
    passed = build_definitions(res).resources
    assert passed["warehouse"].database == str(tmp_path / "x.duckdb")
    assert passed["lake"].directory == str(tmp_path / "lake")
    monkeypatch.setenv("CJD_DUCKDB", str(tmp_path / "env.duckdb"))
    monkeypatch.setenv("CJD_LAKE_DIR", str(tmp_path / "env-lake"))
    from_env = build_definitions().resources
    assert from_env["warehouse"].database == str(tmp_path / "env.duckdb")
    assert from_env["lake"].directory == str(tmp_path / "env-lake")
    assert set(from_env) == {"warehouse", "lake", "crawler", "classifier_settings", "report_settings"}


def test_dagster_definitions_validate():
    out = subprocess.run(
        [sys.executable, "-m", "dagster", "definitions", "validate", "-w", "workspace.yaml"],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=300,
    )
    assert out.returncode == 0, out.stdout + out.stderr


def test_summaries_and_clusters_read_the_analysis_view():
    """The graph reads at a glance: summaries and cluster tables hang off `analysis_postings` (plus predicted
    pay where a summary may fill gaps, plus the employer tags for clusters), not off four upstream assets."""
    graph = build_definitions().resolve_asset_graph()
    for key in graph.get_all_asset_keys():
        name = key.to_user_string()
        if name.startswith(("summary_", "clusters_")) and name != "summary_report":
            parents = {p.to_user_string() for p in graph.get(key).parent_keys}
            assert "analysis_postings" in parents, name
            assert parents <= {"analysis_postings", "salary_predictions", "employer_tags"}, (name, parents)
    report = {p.to_user_string() for p in graph.get(dg.AssetKey("summary_report")).parent_keys}
    # the report renders the stored summary and cluster tables and the classifier's stored test scores
    assert {p for p in report if not p.startswith(("summary_", "clusters_"))} == {"classifier_evaluation",
                                                                                  "classifier_confusion"}
    assert {k.to_user_string() for k in graph.get_all_asset_keys()
            if k.to_user_string().startswith("summary_") and k.to_user_string() != "summary_report"} <= report
