"""The job classifier: training, the precision-favouring decision rule, prediction, saving and loading.

Decision rule: take the most probable category, but a thresholded category (TT1 by default;
`thresholded=("TT1", "TT2")` adds TT2) is only accepted when its probability reaches that category's
threshold; otherwise the posting is NOT_AI (guideline rule 7: a doubtful posting takes the less
technical label, NOT_AI first; on the shared annotations this beat falling back to the next most
probable category, which `fallback=None` selects). Each threshold is the lowest on a grid at which the
category's precision on the tuning rows reaches `precision_target` (default 0.95), which keeps the most
recall that meets the target. Where no threshold reaches it, the threshold maximises the mean over
categories of F0.5 for the thresholded ones and F1 for the others, so the precision lost by the
categories receiving the fallbacks is counted. TT1 is tuned first, then TT2 with TT1's threshold in
place. The tuning rows are the backend's out-of-fold predictions over train + validation where it
provides them (the fast backend, `oof_folds` > 1), else the validation split. The distribution
columns stay the model's probabilities, so `job_category_pr` is not always their argmax.
"""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

import numpy as np
import polars as pl
from sklearn.metrics import precision_recall_fscore_support, precision_score

from cjd_assets.classify.annotations import assign_splits
from cjd_assets.classify.backend import Backend, Progress, labels_to_index
from cjd_assets.classify.evaluate import confusion_matrix, evaluate, metrics_from_confusion
from cjd_assets.classify.registry import backend_class
from cjd_assets.schema import CATEGORIES, CLASSIFIER_TEXT_COLUMNS, DISTRIBUTION_COLUMNS

# Bump when featurisation or training changes in a way that changes models trained on the same data.
CODE_VERSION = "classify-3"
THRESHOLDED: tuple[str, ...] = ("TT1", "TT2")  # the classes a decision rule may threshold
# thresholded by default: TT1 only. Thresholding TT2 as well (target .95) cost ~0.016 cross-validated
# macro-F1 for TT2 precision (.86 -> .95), and the study's precision goal is TT1's
DEFAULT_THRESHOLDED: tuple[str, ...] = ("TT1",)
_THRESHOLD_GRID = np.round(np.arange(0.0, 0.951, 0.025), 3)
__all__ = ["Classifier", "Progress", "apply_decision_rule", "labels_to_index", "load_classifier",
           "model_version", "train_classifier", "tune_thresholds"]


def apply_decision_rule(proba: np.ndarray, thresholds: dict[str, float], fallback: str | None = "NOT_AI"
                        ) -> np.ndarray:
    """Class index per row: the most probable class if it passes its threshold, else `fallback`.

    fallback=None takes the most probable class that passes instead.
    """
    if proba.shape[0] == 0:
        return np.zeros(0, dtype=np.int64)
    t = np.array([thresholds.get(c, 0.0) for c in CATEGORIES])
    passes = proba >= t[None, :]
    passes[:, CATEGORIES.index("NOT_AI")] = True  # always something to fall back to
    if fallback is not None:
        top = proba.argmax(axis=1)
        return np.where(passes[np.arange(len(top)), top], top, CATEGORIES.index(fallback))
    return np.where(passes, proba, -1.0).argmax(axis=1)


def _objective(y: np.ndarray, pred: np.ndarray, beta: float, classes: tuple[str, ...] = THRESHOLDED) -> float:
    # mean per-class F-score over the classes present, with F-beta for the thresholded (technical) teams
    # and F1 for the rest, so precision bought for TT1 by pushing its doubtful postings onto other
    # classes pays for the precision those classes lose
    present = np.unique(y)
    if not len(present):
        return 0.0
    f_beta = precision_recall_fscore_support(y, pred, labels=present, beta=beta, zero_division=0)[2]
    f_1 = precision_recall_fscore_support(y, pred, labels=present, beta=1.0, zero_division=0)[2]
    thresholded = np.isin(present, [CATEGORIES.index(c) for c in classes])
    return float(np.mean(np.where(thresholded, f_beta, f_1)))


def _precision(y: np.ndarray, pred: np.ndarray, k: int) -> float:
    return float(precision_score(y, pred, labels=[k], average=None, zero_division=1.0)[0])


def tune_thresholds(proba: np.ndarray, y: np.ndarray, precision_target: float | None = 0.95,
                    beta: float = 0.5, fallback: str | None = "NOT_AI",
                    classes: tuple[str, ...] = THRESHOLDED) -> dict[str, float]:
    """Thresholds for `classes` (TT1 and TT2 unless told) on held-out rows (see module doc)."""
    thresholds = {c: 0.0 for c in CATEGORIES}
    if len(y) == 0:
        return thresholds
    for c in classes:
        k = CATEGORIES.index(c)
        if not np.any(y == k):
            continue
        trials = [(float(t), apply_decision_rule(proba, dict(thresholds, **{c: float(t)}), fallback))
                  for t in _THRESHOLD_GRID]
        reaching = [t for t, pred in trials if precision_target is not None
                    and np.any(pred == k) and _precision(y, pred, k) >= precision_target]
        if reaching:
            thresholds[c] = min(reaching)  # the most recall that meets the precision target
        else:
            best_t, best = 0.0, -1.0
            for t, pred in trials:
                score = _objective(y, pred, beta, classes)
                if score > best + 1e-9:
                    best_t, best = t, score
            thresholds[c] = best_t
    return thresholds


def _hash_training_data(df: pl.DataFrame) -> str:
    h = hashlib.sha256()
    cols = [c for c in ("uid", *CLASSIFIER_TEXT_COLUMNS, "label", "confidence", "split", "split_pinned",
                        "board_occupation") if c in df.columns]
    for row in df.select(pl.col(cols).cast(pl.Utf8).fill_null("\x00")).iter_rows():
        h.update("\x1f".join(row).encode())
        h.update(b"\x1e")
    return h.hexdigest()


def model_version(backend: str, params: dict, df: pl.DataFrame) -> str:
    """Content hash of code version, backend, parameters and training rows: identical retrains match."""
    h = hashlib.sha256()
    h.update(json.dumps({"code": CODE_VERSION, "backend": backend, "params": params}, sort_keys=True,
                        default=str).encode())
    h.update(_hash_training_data(df).encode())
    return f"{backend}-{h.hexdigest()[:16]}"


class Classifier:
    """A trained job classifier of either backend. Build it with `train_classifier` or `load_classifier`."""

    def __init__(self, backend: str, model: Backend, params: dict, thresholds: dict[str, float], version: str,
                 metrics: dict | None = None, fallback: str | None = "NOT_AI"):
        self.backend = backend
        self.fallback = fallback
        self._model = model
        self.params = params
        self.thresholds = thresholds
        self.version = version
        self.metrics: dict = metrics or {}

    def __repr__(self) -> str:
        return f"Classifier(backend={self.backend!r}, version={self.version!r})"

    def predict_proba(self, df: pl.DataFrame, batch_size: int | None = None,
                      progress: Progress | None = None) -> np.ndarray:
        """(rows, 5) probabilities in CATEGORIES order; each row sums to 1."""
        return self._model.predict_proba(df, batch_size=batch_size, progress=progress)

    def predict(self, df: pl.DataFrame, batch_size: int | None = None,
                progress: Progress | None = None) -> pl.DataFrame:
        """job_category_pr and job_category0..4_distribution_pr, one row per input row, same order."""
        proba = self.predict_proba(df, batch_size=batch_size, progress=progress)
        pred = apply_decision_rule(proba, self.thresholds, self.fallback)
        cats = np.array(CATEGORIES, dtype=object)[pred] if len(pred) else np.array([], dtype=object)
        return pl.DataFrame(
            [pl.Series("job_category_pr", list(cats), dtype=pl.Utf8)]
            + [pl.Series(col, proba[:, i] if len(proba) else [], dtype=pl.Float64)
               for i, col in enumerate(DISTRIBUTION_COLUMNS)]
        )

    def save(self, path: Path) -> Path:
        """Write weights, label_map.json, metrics.json, classifier.json and version into `path`."""
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        self._model.save(path)
        (path / "label_map.json").write_text(json.dumps(
            {"labels": list(CATEGORIES), "index": {c: i for i, c in enumerate(CATEGORIES)},
             "distribution_columns": list(DISTRIBUTION_COLUMNS)}, indent=2))
        (path / "metrics.json").write_text(json.dumps(self.metrics, indent=2, ensure_ascii=False, default=str))
        (path / "classifier.json").write_text(json.dumps(
            {"backend": self.backend, "params": self.params, "thresholds": self.thresholds,
             "fallback": self.fallback,
             "code_version": CODE_VERSION}, indent=2, default=str))
        (path / "version").write_text(self.version + "\n")
        return path


def load_classifier(path: Path) -> Classifier:
    """A classifier saved by `Classifier.save`."""
    path = Path(path)
    meta = json.loads((path / "classifier.json").read_text())
    label_map = json.loads((path / "label_map.json").read_text())
    if tuple(label_map["labels"]) != CATEGORIES:
        raise ValueError(f"{path} was saved with labels {label_map['labels']}, expected {CATEGORIES}")
    backend = meta["backend"]
    try:
        cls = backend_class(backend)
    except ValueError as e:
        raise ValueError(f"{path}: {e}") from None
    model = cls.load(path)
    metrics = json.loads((path / "metrics.json").read_text()) if (path / "metrics.json").exists() else {}
    return Classifier(backend, model, meta["params"], meta["thresholds"], (path / "version").read_text().strip(),
                      metrics, meta.get("fallback", "NOT_AI"))


def train_classifier(df: pl.DataFrame, backend: str = "fast", **params) -> Classifier:
    """Train on rows with split == 'train' and tune the decision rule on held-out predictions.

    The fast backend (default `oof_folds=5`) learns from train + validation and tunes on 5-fold
    out-of-fold predictions of those rows; `metrics['validation']` then scores the validation rows out of
    fold and `metrics['out_of_fold']` all of them. With `oof_folds=0`, and for the bert backend, the
    model learns from train and is calibrated and tuned on 'validation'.

    `df` has title_extracted, company_name_extracted, body_extracted and label (and optionally uid and
    split). Rows whose split is 'unlabelled' are texts without labels for the fast backend's
    self-training (`self_train_per_class`); they are never scored. Without a split column one is assigned (stratified, seeded; `seed`, `val_share`,
    `test_share` params). Test rows are never trained on; when present they are scored into
    `metrics['test']`. Decision-rule params: `precision_target` (0.95; None = objective only),
    `threshold_beta` (0.5), `fallback` ("NOT_AI"; None = next most probable), `thresholded` (("TT1",)). Backend params: see
    FastParams (fast) and BertParams (bert).
    """
    seed = int(params.pop("split_seed", 13))  # only used when df has no split column
    val_share = float(params.pop("val_share", 0.15))
    test_share = float(params.pop("test_share", 0.15))
    beta = float(params.pop("threshold_beta", 0.5))
    target = params.pop("precision_target", 0.95)
    target = None if target is None else float(target)
    fallback = params.pop("fallback", "NOT_AI")
    thresholded = tuple(params.pop("thresholded", DEFAULT_THRESHOLDED))
    if set(thresholded) - set(THRESHOLDED):
        raise ValueError(f"thresholded must be a subset of {THRESHOLDED}")
    if fallback is not None and fallback not in CATEGORIES:
        raise ValueError(f"fallback must be one of {CATEGORIES} or None")
    missing = [c for c in (*CLASSIFIER_TEXT_COLUMNS, "label") if c not in df.columns]
    if missing:
        raise ValueError(f"training frame lacks columns {missing}")
    unlabelled = None
    if "split" in df.columns and (df["split"] == "unlabelled").any():
        # texts without labels, for the fast backend's self-training (never scored)
        unlabelled = df.filter(pl.col("split") == "unlabelled")
        df = df.filter(pl.col("split") != "unlabelled")
    labels_to_index(df["label"])  # validate early
    if "split" not in df.columns:
        key = df["uid"].cast(pl.Utf8) if "uid" in df.columns else pl.Series(
            [f"{i}" for i in range(df.height)])
        df = df.with_columns(assign_splits(df.with_columns(key.alias("_key")), seed, val_share, test_share,
                                           key="_key"))
    train = df.filter(pl.col("split") == "train")
    val = df.filter(pl.col("split") == "validation")
    test = df.filter(pl.col("split") == "test")
    if train.height == 0:
        raise ValueError("no training rows (split == 'train')")

    t0 = time.perf_counter()
    model = backend_class(backend).train(train, val, unlabelled=unlabelled, **params)
    train_seconds = time.perf_counter() - t0
    resolved = model.params_dict()

    thresholds = {c: 0.0 for c in CATEGORIES}
    tuning = getattr(model, "tuning", None)  # out-of-fold probabilities over train + validation, if any
    if tuning is not None:
        thresholds = tune_thresholds(tuning["proba"], tuning["y"], target, beta, fallback, thresholded)
    elif val.height:
        thresholds = tune_thresholds(model.predict_proba(val), labels_to_index(val["label"]), target, beta, fallback,
                                     thresholded)
    version = model_version(backend, {**resolved, "threshold_beta": beta, "precision_target": target,
                                      "fallback": fallback, "thresholded": list(thresholded)},
                            df if unlabelled is None or not resolved.get("self_train_per_class")
                            else pl.concat([df, unlabelled], how="diagonal_relaxed"))
    clf = Classifier(backend, model, resolved, thresholds, version, fallback=fallback)

    metrics: dict = {
        "version": version,
        "backend": backend,
        "rows": {"train": train.height, "validation": val.height, "test": test.height},
        "thresholds": thresholds,
        "fallback": fallback,
        "thresholded": list(thresholded),
        "train_seconds": round(train_seconds, 2),
        "training_log": getattr(model, "training_log", []),
    }
    if tuning is not None:
        # the validation rows were trained on: score them (and all train + validation rows) out of fold
        oof_pred = apply_decision_rule(tuning["proba"], thresholds, fallback)
        v = tuning["is_validation"]
        if v.any():
            metrics["validation"] = {**metrics_from_confusion(confusion_matrix(tuning["y"][v], oof_pred[v])),
                                     "scored": f"out of fold ({tuning['folds']} folds over train + validation)"}
        metrics["out_of_fold"] = metrics_from_confusion(confusion_matrix(tuning["y"], oof_pred))
    elif val.height:
        metrics["validation"] = evaluate(clf, val)
    if test.height:
        metrics["test"] = evaluate(clf, test)
    clf.metrics = metrics
    return clf
