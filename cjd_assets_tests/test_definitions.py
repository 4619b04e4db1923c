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


def test_build_definitions_takes_resources(tmp_path):
    from cjd_assets.resources import Warehouse, default_resources

    res = default_resources(database=str(tmp_path / "x.duckdb"))
    d = build_definitions(res)
    assert d.resolve_job_def("harvest_job") is not None
    assert isinstance(res["warehouse"], Warehouse)


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
    assert report and all(p.startswith(("summary_", "clusters_")) for p in report)
