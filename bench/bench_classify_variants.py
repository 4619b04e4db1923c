"""Model variants of the fast backend, 5-fold CV on train + validation of the shared annotations.

    python bench/bench_classify_variants.py [--silver] [variant ...]

Each variant is FastParams overrides; scored by the argmax of a single FastModel fit per fold (no
out-of-fold tuning: the cheap screen), beside the plain baseline on the same folds. The test split is
not touched. The classifier input carries `board_occupation` the way ingest maps it (export `extra`,
else 51job's 职能类别; `load_annotations`); variants marked `no_board_column` drop that column (the
board view then sees only 职能类别 in the body, as before the mapping). `--silver`: the round-1
silver labels join every training fold (never scored).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cjd_assets.classify import load_annotations  # noqa: E402
from cjd_assets.classify.compare import baseline_fit_predict, scores  # noqa: E402
from cjd_assets.classify.fast import FastModel, FastParams  # noqa: E402
from cjd_assets.classify.model import labels_to_index  # noqa: E402
from cjd_assets.paths import shared_dir  # noqa: E402
from cjd_assets.schema import CATEGORIES  # noqa: E402

SILVER = Path(__file__).resolve().parent.parent / "cjd_assets" / "data" / "annotations" / "round1.jsonl"
OLD = dict(title_noise=False, board_weight=0.0)
NB = dict(board_weight=0.0)  # the screen's first rows ran before the board view was on by default
# "no_board_column": drop the input's board_occupation column (not a FastParams field)
VARIANTS: dict[str, dict] = {
    "fast as shipped before (classify-2)": dict(OLD, no_board_column=True),
    "+ title normalisation": dict(NB, no_board_column=True),
    "+ board view, 职能类别 in the body only (classify-3)": dict(no_board_column=True),
    "+ board view with board_occupation (mapped at ingest)": {},
    "board_occupation, board weight 0.5": dict(board_weight=0.5),
    "board_occupation, board weight 1.5": dict(board_weight=1.5),
    "board_occupation, body weight 0.7": dict(body_weight=0.7),
    "board_occupation, body 500 chars": dict(body_chars=500),
    "board_occupation, title core weight 1.0": dict(title_core_weight=1.0),
    "board_occupation, + svm in the ensemble": dict(model="nbsvm+logreg+svm"),
    "board_occupation, C 0.5": dict(C=0.5),
    "board_occupation, logreg C 30": dict(logreg_C=30.0),
    "board_occupation, C 0.5 + body 500 chars": dict(C=0.5, body_chars=500),
}


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    postings = pl.read_parquet(shared_dir() / "data" / "real_postings" / "postings.parquet")
    df = load_annotations([shared_dir() / "data" / "annotations" / "train.jsonl"], postings)
    dev = df.filter(pl.col("split") != "test")
    silver = None
    if "--silver" in sys.argv:
        silver = load_annotations([SILVER], postings).join(df.select("uid"), on="uid", how="anti")
        silver = silver.select(dev.columns)
    y = labels_to_index(dev["label"])
    from sklearn.model_selection import StratifiedKFold

    folds = list(StratifiedKFold(5, shuffle=True, random_state=1).split(np.zeros(len(y)), y))
    names = ["baseline", *VARIANTS] if not args else args
    print("| variant | CV macro-F1 | TT1 P | PRODUCT F1 | COMMERCIAL F1 | fit s/fold |")
    print("|---|---:|---:|---:|---:|---:|")
    for name in names:
        pred = np.zeros(len(y), np.int64)
        t0 = time.perf_counter()
        kw = dict(VARIANTS.get(name, {}))
        rows = dev.drop("board_occupation") if kw.pop("no_board_column", False) else dev
        for tr, te in folds:
            train = rows[tr] if silver is None else pl.concat([rows[tr], silver.select(rows.columns)])
            if name == "baseline":
                pred[te] = baseline_fit_predict(train, rows[te])
            else:
                m = FastModel(FastParams.from_kwargs(**kw)).fit(train, labels_to_index(train["label"]),
                                                                 len(CATEGORIES))
                pred[te] = m.scores_df(rows[te]).argmax(axis=1)
        s = scores(y, pred)
        pc = s["per_class"]
        print(f"| {name} | {s['macro_f1']:.4f} | {pc['TT1']['precision']:.3f} | {pc['PRODUCT']['f1']:.3f} | "
              f"{pc['COMMERCIAL']['f1']:.3f} | {(time.perf_counter() - t0) / 5:.1f} |", flush=True)


if __name__ == "__main__":
    main()
