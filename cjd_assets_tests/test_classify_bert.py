from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from cjd_assets.classify import build_tiny_bert, load_annotations, load_classifier, train_classifier
from cjd_assets.classify.text import joined_text
from cjd_assets.schema import CATEGORIES, DISTRIBUTION_COLUMNS

pytest.importorskip("torch")
pytest.importorskip("transformers")


@pytest.fixture(scope="module")
def small_annotated(shared: Path, real_postings) -> pl.DataFrame:
    df = load_annotations([shared / "data" / "annotations" / "train.jsonl"], real_postings)
    # a balanced slice keeps the CPU run to seconds
    return pl.concat([df.filter(pl.col("label") == c).head(60) for c in CATEGORIES])


def test_length_buckets_cover_rows_once():
    from cjd_assets.classify.bert import length_buckets

    lengths = [5, 50, 7, 49, 6, 51, 8]
    b = length_buckets(lengths, 3)
    assert sorted(i for batch in b for i in batch) == list(range(7))
    assert b[0] == [5, 1, 3] and max(len(x) for x in b) == 3


def test_tiny_bert_trains_saves_loads_predicts(small_annotated, tmp_path):
    import torch

    torch.set_num_threads(1)  # the machine is shared
    texts = joined_text(small_annotated, 400)
    tiny = build_tiny_bert(tmp_path / "tiny", texts)
    assert (tiny / "vocab.txt").is_file() and (tiny / "config.json").is_file()
    clf = train_classifier(small_annotated, backend="bert", model_name_or_path=str(tiny), epochs=12,
                           batch_size=16, max_length=64, learning_rate=3e-3, patience=2, device="cpu")
    assert clf.backend == "bert" and clf.version.startswith("bert-")
    log = clf.metrics["training_log"]
    f1s = [e["val_macro_f1"] for e in log]
    assert 3 <= len(log) <= 12
    if len(log) < 12:  # stopped early: the last `patience` epochs did not beat the best before them
        assert max(f1s[-2:]) <= max(f1s[:-2])
    assert log[-1]["train_loss"] < 0.8 * log[0]["train_loss"]
    # a 2-layer, 32-wide model from scratch on 210 postings: well above chance (0.2), far from good
    assert clf.metrics["validation"]["accuracy"] > 0.4

    x = small_annotated.sample(fraction=1.0, shuffle=True, seed=1)
    calls = []
    out = clf.predict(x, batch_size=32, progress=lambda d, t: calls.append((d, t)))
    assert out.columns == ["job_category_pr", *DISTRIBUTION_COLUMNS] and out.height == x.height
    assert calls[-1] == (x.height, x.height)
    dist = out.select(DISTRIBUTION_COLUMNS).to_numpy()
    assert np.allclose(dist.sum(axis=1), 1.0, atol=1e-5)
    # bucketing by length must not reorder rows: predicting one row alone gives the same distribution
    for i in (0, 17, 150):
        alone = clf.predict(x.slice(i, 1)).select(DISTRIBUTION_COLUMNS).to_numpy()[0]
        assert np.allclose(alone, dist[i], atol=1e-4)

    path = clf.save(tmp_path / "model")
    for name in ("label_map.json", "metrics.json", "version", "bert/config.json", "bert/tokenizer_config.json"):
        assert (path / name).is_file(), name
    loaded = load_classifier(path)
    assert loaded.version == clf.version and loaded.backend == "bert"
    again = loaded.predict(x, batch_size=7)
    assert again["job_category_pr"].to_list() == out["job_category_pr"].to_list()
    assert np.allclose(again.select(DISTRIBUTION_COLUMNS).to_numpy(), dist, atol=1e-5)
