"""Classification stage benchmark: quality of the fast backend beside a plain baseline, and speed.

    python bench/bench_classify.py [--cv] [--bert-rows 256] [--speed-rows 50000]

Quality: both models train on the train split of the shared annotations (seed 13, 70/15/15
stratified) and are scored on the same held-out test split; both learn from train + validation (the
fast backend tunes on out-of-fold predictions of those rows). The baseline is character 1-3-gram
TF-IDF over title + company + body start with logistic regression (argmax). `--cv` adds 5-fold
cross-validation over all labelled postings, two fold seeds: each fold is the test split of a full
`train_classifier` run on the other four (shipped rule and argmax), beside the baseline on the same
folds: a less noisy comparison than one 494-posting test split.
Speed: postings/s on CPU for the fast backend (batch 8192) and the BERT backend with a randomly
initialised model of bert-base-chinese's shape (same compute as the real weights; none are
downloaded), sequence length 128, batch 32, 2 torch threads. Prints Markdown.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cjd_assets.classify import load_annotations, train_classifier  # noqa: E402
from cjd_assets.classify.evaluate import confusion_matrix, metrics_from_confusion  # noqa: E402
from cjd_assets.classify.model import labels_to_index  # noqa: E402
from cjd_assets.classify.text import text_fields  # noqa: E402
from cjd_assets.paths import shared_dir  # noqa: E402
from cjd_assets.schema import CATEGORIES  # noqa: E402


def baseline_fit_predict(train: pl.DataFrame, test: pl.DataFrame) -> np.ndarray:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    def concat(d):
        f = text_fields(d, 300)
        return [f"{a} {b} {c}" for a, b, c in zip(f["title"], f["company"], f["body"])]

    vec = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True, min_df=2)
    X = vec.fit_transform(concat(train))
    clf = LogisticRegression(C=10, max_iter=3000).fit(X, labels_to_index(train["label"]))
    return clf.predict(vec.transform(concat(test)))


def row(name: str, m: dict) -> str:
    pc = m["per_class"]
    return (f"| {name} | {m['macro_f1']:.3f} | {m['accuracy']:.3f} | "
            + " | ".join(f"{pc[c]['precision']:.3f} / {pc[c]['recall']:.3f}" for c in CATEGORIES) + " |")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cv", action="store_true")
    ap.add_argument("--bert-rows", type=int, default=256)
    ap.add_argument("--speed-rows", type=int, default=50_000)
    args = ap.parse_args()

    postings = pl.read_parquet(shared_dir() / "data" / "real_postings" / "postings.parquet")
    df = load_annotations([shared_dir() / "data" / "annotations" / "train.jsonl"], postings)
    train, test = df.filter(pl.col("split") == "train"), df.filter(pl.col("split") == "test")
    y_test = labels_to_index(test["label"])

    dev = df.filter(pl.col("split") != "test")
    t0 = time.perf_counter()
    base_pred = baseline_fit_predict(dev, test)  # the same rows the fast backend learns from
    base_s = time.perf_counter() - t0
    base = metrics_from_confusion(confusion_matrix(y_test, base_pred))
    t0 = time.perf_counter()
    clf = train_classifier(df, backend="fast")
    fast_s = time.perf_counter() - t0
    argmax = clf.predict_proba(test).argmax(axis=1)
    fast_argmax = metrics_from_confusion(confusion_matrix(y_test, argmax))

    print(f"## Quality on the held-out test split ({test.height} postings; both models learn from train "
          f"{train.height} + validation {clf.metrics['rows']['validation']})\n")
    print("| model | macro-F1 | accuracy | " + " | ".join(f"{c} P / R" for c in CATEGORIES) + " |")
    print("|---|---:|---:|" + "---:|" * len(CATEGORIES))
    print(row("baseline: char 1-3 TF-IDF + logistic regression", base))
    print(row("fast backend, argmax", fast_argmax))
    print(row("fast backend, precision rule (shipped)", clf.metrics["test"]))
    print(f"\nModel `{clf.version}`; thresholds {({k: v for k, v in clf.thresholds.items() if v})}; "
          f"training wall time: baseline {base_s:.1f} s, fast backend {fast_s:.1f} s (incl. calibration, "
          f"tuning, scoring).\n")

    if args.cv:
        from sklearn.model_selection import StratifiedKFold

        # all labelled postings; each fold's held-out part is the 'test' split of a full training run
        # (out-of-fold tuning, offsets and thresholds inside the other four folds only)
        y = labels_to_index(df["label"])
        print("| 5-fold CV, all postings | baseline macro-F1 | fast argmax macro-F1 | fast rule macro-F1 | "
              "baseline TT1 P | fast argmax TT1 P | fast rule TT1 P / R |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for seed in (1, 2):
            pb, pa = np.zeros(len(y), int), np.zeros(len(y), int)
            cm_rule = np.zeros((len(CATEGORIES), len(CATEGORIES)), dtype=np.int64)
            for tr, te in StratifiedKFold(5, shuffle=True, random_state=seed).split(np.zeros(len(y)), y):
                pb[te] = baseline_fit_predict(df[tr], df[te])
                is_test = np.zeros(len(y), bool)
                is_test[te] = True
                fold = df.with_columns(pl.Series("split", np.where(is_test, "test", "train")))
                c = train_classifier(fold, backend="fast")
                pa[te] = c.predict_proba(df[te]).argmax(axis=1)
                cm_rule += np.array(c.metrics["test"]["confusion"])
            mb = metrics_from_confusion(confusion_matrix(y, pb))
            ma = metrics_from_confusion(confusion_matrix(y, pa))
            mr = metrics_from_confusion(cm_rule)
            t1 = mr["per_class"]["TT1"]
            print(f"| fold seed {seed} ({len(y)} postings) | {mb['macro_f1']:.3f} | {ma['macro_f1']:.3f} | "
                  f"{mr['macro_f1']:.3f} | {mb['per_class']['TT1']['precision']:.3f} | "
                  f"{ma['per_class']['TT1']['precision']:.3f} | {t1['precision']:.3f} / {t1['recall']:.3f} |",
                  flush=True)
        print()

    x = postings.head(args.speed_rows).rename(
        {"title": "title_extracted", "company": "company_name_extracted", "body": "body_extracted"})
    clf.predict(x.head(2000))  # warm up
    c0, t0 = time.process_time(), time.perf_counter()
    clf.predict(x, batch_size=8192)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    print("## Speed (CPU)\n")
    print("| backend | rows | batch | seq. length | postings/s (wall) | postings/s (per CPU-second) |")
    print("|---|---:|---:|---:|---:|---:|")
    print(f"| fast | {x.height} | 8192 | title 200 + company 100 + body 300 chars | {x.height / wall:,.0f} | "
          f"{x.height / cpu:,.0f} |")

    if args.bert_rows:
        import torch

        from cjd_assets.classify.bert import BertBackend, BertParams, build_tiny_bert
        from cjd_assets.classify.text import joined_text

        torch.set_num_threads(2)
        xb = x.head(args.bert_rows)
        with tempfile.TemporaryDirectory() as tmp:
            for name, shape in (("bert (bert-base shape, random weights)",
                                 dict(hidden_size=768, layers=12, heads=12, intermediate_size=3072)),
                                ("bert (tiny test model, 2x32)", {})):
                path = build_tiny_bert(Path(tmp) / name[:8], joined_text(x.head(5000), 400), max_position=512,
                                       **shape)
                from transformers import AutoModelForSequenceClassification, AutoTokenizer

                be = BertBackend(AutoModelForSequenceClassification.from_pretrained(path),
                                 AutoTokenizer.from_pretrained(path), BertParams(max_length=128, device="cpu"))
                be.predict_proba(xb.head(32), batch_size=32)
                c0, t0 = time.process_time(), time.perf_counter()
                be.predict_proba(xb, batch_size=32)
                wall, cpu = time.perf_counter() - t0, time.process_time() - c0
                print(f"| {name} | {xb.height} | 32 | 128 tokens | {xb.height / wall:,.1f} | "
                      f"{xb.height / cpu:,.1f} |")
    print(f"\nMachine: {os.cpu_count()} CPUs, shared with other jobs; load average "
          f"{os.getloadavg()[0]:.1f} at the end.")


if __name__ == "__main__":
    main()
