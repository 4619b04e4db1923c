from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from cjd_assets.classify import (
    annotator_agreement,
    cohen_kappa,
    export_annotation_sample,
    import_annotations,
    load_annotations,
    load_annotations_with_report,
)
from cjd_assets.schema import CATEGORIES


@pytest.fixture(scope="module")
def label_file(shared: Path) -> Path:
    return shared / "data" / "annotations" / "train.jsonl"


def test_load_real_annotations_stratified_and_reproducible(label_file, real_postings):
    df, report = load_annotations_with_report([label_file], real_postings)
    assert df.columns == ["uid", "label", "confidence", "split", "title_extracted", "company_name_extracted",
                          "body_extracted", "split_pinned", "board_occupation"]
    assert not df["split_pinned"].any()
    assert df.height == 3298 and report["dropped_no_text"] == 0
    assert set(df["label"]) == set(CATEGORIES)
    assert df["uid"].n_unique() == df.height
    # every label is split about 70/15/15
    for lab, grp in df.group_by("label"):
        shares = {s: (grp["split"] == s).mean() for s in ("train", "validation", "test")}
        assert abs(shares["test"] - 0.15) < 0.01 and abs(shares["validation"] - 0.15) < 0.01, (lab, shares)
    # same seed, same split; another seed moves postings
    again = load_annotations([label_file], real_postings)
    assert again["split"].to_list() == df["split"].to_list()
    other = load_annotations([label_file], real_postings, seed=99)
    assert (other["split"] != df["split"]).sum() > 500
    # the text is the posting's own
    row = df.row(0, named=True)
    src = real_postings.filter(pl.col("uid") == row["uid"]).row(0, named=True)
    assert row["title_extracted"] == src["title"] and row["body_extracted"] == src["body"]


def test_split_is_stable_when_labels_are_added(label_file, real_postings, tmp_path):
    full = load_annotations([label_file], real_postings)
    labels = pl.read_ndjson(label_file)
    fewer_path = tmp_path / "fewer.jsonl"
    labels.filter(~((pl.col("label") == "NOT_AI") & pl.col("uid").str.starts_with("a"))).write_ndjson(fewer_path)
    part = load_annotations([fewer_path], real_postings)
    assert part.height < full.height
    # splits are hash-ranked within a label, so the other labels' postings keep their split exactly
    merged = part.join(full.select("uid", pl.col("split").alias("split_full")), on="uid")
    other = merged.filter(pl.col("label") != "NOT_AI")
    assert other.height == 3298 - 894
    assert (other["split"] == other["split_full"]).all()


def test_missing_texts_are_dropped_and_counted(label_file, real_postings):
    labels = pl.read_ndjson(label_file)
    gone = labels["uid"].head(25)
    texts = real_postings.filter(~pl.col("uid").is_in(gone.implode()))
    df, report = load_annotations_with_report([label_file], texts)
    assert report["dropped_no_text"] == 25
    assert df.height == 3298 - 25
    assert not df["uid"].is_in(gone.implode()).any()


def test_duplicates_resolved_by_confidence_then_less_technical(tmp_path, real_postings):
    uids = real_postings["uid"].head(4).to_list()
    a = tmp_path / "a.jsonl"
    a.write_text("\n".join(json.dumps(r) for r in [
        {"uid": uids[0], "label": "TT1", "confidence": "low"},
        {"uid": uids[1], "label": "TT1", "confidence": "high"},
        {"uid": uids[2], "label": "PRODUCT", "confidence": "high"},
        {"uid": "no-such-uid", "label": "TT2", "confidence": "high"},
    ]) + "\n")
    b = tmp_path / "b.csv"
    pl.DataFrame({"uid": uids[:3], "label": ["Commercial", "TT2", "TT1"], "confidence": ["high", "high", "high"]}
                 ).write_csv(b)
    df, report = load_annotations_with_report([a, b], real_postings, val_share=0.0, test_share=0.0)
    got = dict(zip(df["uid"], df["label"]))
    assert got == {uids[0]: "COMMERCIAL",  # high beats low
                   uids[1]: "TT2",  # both high: the less technical label
                   uids[2]: "PRODUCT"}
    assert report["dropped_no_text"] == 1
    assert report["postings_labelled_twice"] == 3 and report["conflicting_labels"] == 3
    assert report["agreement"]["n_items"] == 3 and report["agreement"]["observed_agreement"] == 0.0


def test_cohen_kappa_matches_hand_computation():
    a = ["x"] * 6 + ["y"] * 4
    b = ["x", "x", "x", "x", "x", "y", "y", "y", "y", "x"]
    # agree on 8 of 10; both raters 6 x / 4 y: pe = .36 + .16 = .52, kappa = (.8 - .52) / .48
    assert cohen_kappa(a, b) == pytest.approx((0.8 - 0.52) / 0.48)
    assert cohen_kappa(a, a) == pytest.approx(1.0)
    assert cohen_kappa([], []) is None


def test_annotator_agreement_pairs_by_annotator():
    labels = pl.DataFrame({
        "uid": ["u1", "u1", "u2", "u2", "u3", "u3", "u4"],
        "label": ["TT1", "TT1", "TT2", "NOT_AI", "PRODUCT", "PRODUCT", "TT1"],
        "annotator": ["ann", "bob", "bob", "ann", "ann", "bob", "ann"],
    })
    out = annotator_agreement(labels)
    assert out["n_items"] == 3
    assert out["observed_agreement"] == pytest.approx(2 / 3)
    # pairs in annotator order (ann, bob): (TT1,TT1), (NOT_AI,TT2), (PRODUCT,PRODUCT)
    assert out["disagreements"] == {"NOT_AI/TT2": 1}
    assert out["kappa"] == pytest.approx(cohen_kappa(["TT1", "NOT_AI", "PRODUCT"], ["TT1", "TT2", "PRODUCT"]))


def test_export_then_import_round_trip(tmp_path, real_postings):
    sample = export_annotation_sample(real_postings, n=12, seed=5)
    assert sample.height == 12 and sample["uid"].n_unique() == 12
    assert sample.columns == ["uid", "title", "company", "body", "label", "confidence", "note"]
    assert export_annotation_sample(real_postings, n=12, seed=5)["uid"].to_list() == sample["uid"].to_list()
    assert set(sample["uid"]).isdisjoint(export_annotation_sample(
        real_postings, n=12, seed=5, exclude=sample["uid"])["uid"])
    spellings = ["tt1", "Technical Team 2", "Product", "commercial", "Not AI", "NOT_AI", "", "", "TT1",
                 "tt2", "bogus", "COMMERCIAL"]
    filled = sample.with_columns(pl.Series("label", spellings), pl.lit("high").alias("confidence"))
    path = tmp_path / "batch1.csv"
    filled.write_csv(path)
    got = import_annotations(path)
    # blanks and an unknown label are skipped, spellings normalised
    assert got["label"].to_list() == ["TT1", "TT2", "PRODUCT", "COMMERCIAL", "NOT_AI", "NOT_AI", "TT1", "TT2",
                                      "COMMERCIAL"]
    assert got["annotator"].unique().to_list() == ["batch1"]
    df = load_annotations([path], real_postings, val_share=0.0, test_share=0.0)
    assert df.height == 9 and set(df["split"]) == {"train"}


@pytest.mark.shared
@pytest.mark.parametrize("n, size, kappa", [(1, 2200, 0.896), (2, 1600, 0.890), (3, 800, 0.931), (4, 1600, 0.952), (5, 1600, 0.928), (6, 1600, 0.935), (7, 1600, 0.933), (8, 2000, 0.933), (9, 2000, 0.936)])
def test_project_label_round_is_double_annotated_adjudicated_and_training_only(real_postings, n, size, kappa):
    """roundN: every uid a real posting, not in the shared gold set nor an earlier round, labelled twice; the
    final label is the agreed one or the adjudicator's; agreement as the README states it."""
    import json

    from sklearn.metrics import cohen_kappa_score

    from cjd_assets.paths import shared_dir
    from cjd_assets.resources import ClassifierSettings, project_annotation_files
    from cjd_assets.schema import CATEGORIES

    folder = project_annotation_files()[0].parent
    read = lambda name: pl.read_ndjson(folder / name)  # noqa: E731
    final, a, b, adj = (read(f"round{n}{part}.jsonl") for part in ("", "_annotator_a", "_annotator_b", "_adjudication"))
    assert final.height == final["uid"].n_unique() == size
    assert set(final["label"]) <= set(CATEGORIES) and final["split"].unique().to_list() == ["train"]
    assert final.join(real_postings.select("uid"), on="uid").height == size
    gold = pl.read_ndjson(shared_dir() / "data" / "annotations" / "train.jsonl")
    assert final.join(gold, on="uid").height == 0
    for earlier in range(1, n):
        assert final.join(read(f"round{earlier}.jsonl"), on="uid").height == 0
    both = a.join(b, on="uid", suffix="_b").join(final.select("uid", pl.col("label").alias("final")), on="uid")
    assert both.height == size
    agreed = both.filter(pl.col("label") == pl.col("label_b"))
    assert (agreed["label"] == agreed["final"]).all()
    disputed = both.filter(pl.col("label") != pl.col("label_b")).join(adj.select("uid", pl.col("label").alias("adj")), on="uid")
    assert disputed.height == size - agreed.height == adj.height
    assert (disputed["adj"] == disputed["final"]).all()
    assert round(cohen_kappa_score(both["label"], both["label_b"]), 3) == kappa
    text = (folder / "README.md").read_text(encoding="utf-8")
    assert f"kappa {kappa:.3f}" in text and f"{100 * agreed.height / size:.1f} % raw" in text
    assert str(folder / f"round{n}.jsonl") in ClassifierSettings.from_env().annotation_paths
    assert json.loads((folder / f"round{n}.jsonl").read_text().splitlines()[0])["split"] == "train"


@pytest.mark.shared
def test_the_test_split_reannotation_covers_the_test_split_and_is_never_trained_on(real_postings):
    """test_split_*.jsonl: the shared labels' test postings (seed 13) read again by two annotators and an
    adjudicator; scored beside the models, never part of the training files; agreement as the README says."""
    from sklearn.metrics import cohen_kappa_score

    from cjd_assets.paths import shared_dir
    from cjd_assets.resources import ClassifierSettings, project_annotation_files, project_second_opinion

    folder = project_second_opinion().parent
    read = lambda name: pl.read_ndjson(folder / name)  # noqa: E731
    final, a, b, adj = (read(f"test_split_{part}.jsonl") for part in ("reannotated", "annotator_a", "annotator_b",
                                                                      "adjudication"))
    gold = load_annotations([shared_dir() / "data" / "annotations" / "train.jsonl"], real_postings)
    test = gold.filter(pl.col("split") == "test")
    assert sorted(final["uid"]) == sorted(test["uid"]) == sorted(a["uid"]) == sorted(b["uid"])
    both = a.join(b, on="uid", suffix="_b").join(final.select("uid", pl.col("label").alias("final")), on="uid")
    agreed = both.filter(pl.col("label") == pl.col("label_b"))
    assert (agreed["label"] == agreed["final"]).all()
    disputed = both.filter(pl.col("label") != pl.col("label_b")).join(adj.select("uid", pl.col("label").alias("adj")),
                                                                      on="uid")
    assert disputed.height == both.height - agreed.height == adj.height and (disputed["adj"] == disputed["final"]).all()
    kappa = cohen_kappa_score(both["label"], both["label_b"])
    text = (folder / "README.md").read_text(encoding="utf-8")
    assert f"kappa {kappa:.3f}" in text
    assert project_second_opinion() not in project_annotation_files()
    settings = ClassifierSettings.from_env()
    assert str(project_second_opinion()) not in settings.annotation_paths
    assert settings.second_opinion_path == str(project_second_opinion())
