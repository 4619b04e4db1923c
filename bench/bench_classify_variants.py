"""Model variants of the fast backend, 5-fold CV on train + validation of the shared annotations.

    python bench/bench_classify_variants.py [variant ...]

Each variant is FastParams overrides; scored by the argmax of a single FastModel fit per fold (no
out-of-fold tuning: the cheap screen), beside the plain baseline on the same folds. The test split is
not touched. `--board-extra` fills the optional board_occupation column from the export's `extra`
(what an export mapping would have to carry); without it the board view sees only 51job's 职能类别.
"""

from __future__ import annotations

import json
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

OLD = dict(title_noise=False, board_weight=0.0)
NB = dict(board_weight=0.0)  # the screen's first rows ran before the board view was on by default
VARIANTS: dict[str, dict] = {
    "fast as shipped before (classify-2)": OLD,
    "+ title normalisation": NB,
    "+ jieba title words": dict(NB, title_words_weight=0.5),
    "+ board label (职能类别 only)": dict(board_weight=0.5),
    "+ board label weight 1.0 (shipped classify-3)": {},
    "+ words + board": dict(title_words_weight=0.5, board_weight=0.5),
    "+ words + board + cnb": dict(title_words_weight=0.5, board_weight=0.5, model="nbsvm+logreg+cnb"),
    "+ words + board, logreg only": dict(title_words_weight=0.5, board_weight=0.5, model="logreg"),
}


def board_from_extra(postings: pl.DataFrame) -> pl.DataFrame:
    """uid, board_occupation from the boards' own occupation fields in `extra` (JSON)."""
    keys = ("job_type_l3", "subJobTypeLevelName", "sub_category", "job_category", "main_category")

    def pick(e: str | None) -> str | None:
        if not e:
            return None
        try:
            d = json.loads(e)
        except ValueError:
            return None
        if not isinstance(d, dict):
            return None
        for k in keys:
            v = d.get(k)
            if isinstance(v, str) and v.strip():
                return v.split("#")[-1].strip()
        return None

    return postings.select("uid", pl.col("extra").map_elements(pick, return_dtype=pl.Utf8).alias("board_occupation"))


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    postings = pl.read_parquet(shared_dir() / "data" / "real_postings" / "postings.parquet")
    df = load_annotations([shared_dir() / "data" / "annotations" / "train.jsonl"], postings)
    if "--board-extra" in sys.argv:
        df = df.join(board_from_extra(postings), on="uid", how="left")
    dev = df.filter(pl.col("split") != "test")
    y = labels_to_index(dev["label"])
    from sklearn.model_selection import StratifiedKFold

    folds = list(StratifiedKFold(5, shuffle=True, random_state=1).split(np.zeros(len(y)), y))
    names = ["baseline", *VARIANTS] if not args else args
    print("| variant | CV macro-F1 | TT1 P | PRODUCT F1 | COMMERCIAL F1 | fit s/fold |")
    print("|---|---:|---:|---:|---:|---:|")
    for name in names:
        pred = np.zeros(len(y), np.int64)
        t0 = time.perf_counter()
        for tr, te in folds:
            if name == "baseline":
                pred[te] = baseline_fit_predict(dev[tr], dev[te])
            else:
                p = FastParams.from_kwargs(**VARIANTS[name])
                m = FastModel(p).fit(dev[tr], y[tr], len(CATEGORIES))
                pred[te] = m.scores_df(dev[te]).argmax(axis=1)
        s = scores(y, pred)
        pc = s["per_class"]
        print(f"| {name} | {s['macro_f1']:.4f} | {pc['TT1']['precision']:.3f} | {pc['PRODUCT']['f1']:.3f} | "
              f"{pc['COMMERCIAL']['f1']:.3f} | {(time.perf_counter() - t0) / 5:.1f} |", flush=True)


if __name__ == "__main__":
    main()
