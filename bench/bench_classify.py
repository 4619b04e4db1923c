"""Classification stage benchmark: quality of the fast backend beside a plain baseline, and speed.

    python bench/bench_classify.py [--folds 5] [--extra-labels a.jsonl,b.jsonl] [--models ...]
                                   [--bert-rows 256] [--speed-rows 50000]

Quality (`cjd_assets.classify.compare.evaluation_report`, the same code the classifier_evaluation
asset runs): every model trains on the same rows in the same run; held-out = train + validation of
the shared annotations (seed 13, 70/15/15 stratified) -> test split; CV = k stratified folds over all
of them, each fold scored by a full `train_classifier` run on the others (the shipped decision rule);
the learning curve trains on stratified shares of train + validation. The baseline is character
1-3-gram TF-IDF over title + company + body start with logistic regression (argmax).
`--extra-labels`: further label files, added to every training set, never scored.
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

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cjd_assets.classify import load_annotations, train_classifier  # noqa: E402
from cjd_assets.classify.compare import (  # noqa: E402
    BASELINE,
    FAST,
    baseline_fit_predict,
    evaluation_report,
    fast_fitter,
    report_markdown,
)
from cjd_assets.paths import shared_dir  # noqa: E402


def without_board_column(fit):
    """A fitter that never sees the board_occupation column (the pipeline before ingest mapped it: the
    board view then reads only 51job's 职能类别 in the body)."""

    def fit_predict(train: pl.DataFrame, test: pl.DataFrame) -> np.ndarray:
        return fit(train.drop("board_occupation", strict=False), test.drop("board_occupation", strict=False))

    return fit_predict


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--extra-labels", default="", help="comma-separated label files added to training only")
    ap.add_argument("--models", default="baseline,classify-3,shipped")
    ap.add_argument("--curve", default="0.25,0.5,0.75,1.0")
    ap.add_argument("--bert-rows", type=int, default=256)
    ap.add_argument("--speed-rows", type=int, default=50_000)
    args = ap.parse_args()

    postings = pl.read_parquet(shared_dir() / "data" / "real_postings" / "postings.parquet")
    df = load_annotations([shared_dir() / "data" / "annotations" / "train.jsonl"], postings)
    extra = None
    if args.extra_labels:
        # new labels train only; the held-out split and the CV folds are the shared annotations' own
        extra = load_annotations([Path(p) for p in args.extra_labels.split(",")], postings)
        extra = extra.join(df.select("uid"), on="uid", how="anti")
        print(f"extra training labels: {extra.height} ({dict(extra.group_by('label').len().iter_rows())})\n")
    # the annotations carry board_occupation the way ingest maps it (load_annotations)
    zoo = {
        "baseline": (BASELINE, baseline_fit_predict),
        "classify-2": ("fast, as before (classify-2: no title normalisation, no board view)",
                       without_board_column(fast_fitter(title_noise=False, board_weight=0.0))),
        "classify-3": ("fast, classify-3 (board view: 职能类别 in the body only)", without_board_column(fast_fitter())),
        "shipped": (FAST, fast_fitter()),
        "words": ("fast + jieba title words", fast_fitter(title_words_weight=0.5)),
        "c05": ("fast, SVM C 0.5", fast_fitter(C=0.5)),
        "stack": ("fast + view stacker (per-class view weights learned out of fold)", fast_fitter(view_stack=True)),
        "company06": ("fast, company weight 0.6", fast_fitter(company_weight=0.6)),
    }
    if "self-train" in args.models:
        # 20,000 unlabelled real postings (no labelled uid, no repeated text) to pseudo-label
        from cjd_assets.harvest.files import export_as_extracted

        pool = (export_as_extracted(postings).rename({"id": "uid"}).join(df.select("uid"), on="uid", how="anti")
                .unique(subset=["title_extracted", "body_extracted"], keep="first", maintain_order=True)
                .sample(20000, seed=3).select("uid", "title_extracted", "company_name_extracted", "body_extracted",
                                             "board_occupation"))
        if extra is not None:
            pool = pool.join(extra.select("uid"), on="uid", how="anti")
        zoo["self-train"] = ("fast + self-training (2000 per class of 20k unlabelled, weight 0.3)",
                             fast_fitter(unlabelled=pool, self_train_per_class=2000))
    fitters = dict(zoo[k] for k in args.models.split(","))
    t0 = time.perf_counter()
    rep = evaluation_report(df, fitters, folds=args.folds, curve_shares=tuple(float(x) for x in args.curve.split(",")
                                                                             if x), extra_train=extra)
    print(f"## Quality: {df.height} shared annotations, held-out test split "
          f"{int((df['split'] == 'test').sum())}, {args.folds}-fold CV over all\n")
    print(report_markdown(rep))
    print(rep["per_class"].filter(pl.col("evaluation") == "held-out test").select(
        "model", "category", pl.col("precision", "recall", "f1", "f0.5").round(3), "support"))
    print(f"\n(quality run {time.perf_counter() - t0:.0f} s)\n", flush=True)
    clf = train_classifier(df, backend="fast")

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
