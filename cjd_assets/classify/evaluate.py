"""Scoring a classifier on labelled rows, and category counts corrected for classifier error."""

from __future__ import annotations

import numpy as np
import polars as pl

from cjd_assets.classify.backend import labels_to_index
from cjd_assets.md import table
from cjd_assets.schema import CATEGORIES


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, k: int = len(CATEGORIES)) -> np.ndarray:
    """Counts with rows = true category, columns = predicted category (CATEGORIES order)."""
    from sklearn.metrics import confusion_matrix as sk_confusion

    return sk_confusion(y_true, y_pred, labels=list(range(k))).astype(np.int64)


def scores(y_true: np.ndarray, y_pred: np.ndarray) -> dict:
    """Accuracy, macro-F1 (over classes present in y_true) and per-class P/R/F1/F0.5/support/predicted,
    all from sklearn.metrics (class indices in CATEGORIES order)."""
    from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support

    y_true, y_pred = np.asarray(y_true, dtype=np.int64), np.asarray(y_pred, dtype=np.int64)
    labels = list(range(len(CATEGORIES)))
    predicted = np.bincount(y_pred, minlength=len(labels))
    if len(y_true) == 0:  # sklearn refuses empty input; nothing scored is all zeros
        p = r = f1 = f05 = support = np.zeros(len(labels))
    else:
        p, r, f1, support = precision_recall_fscore_support(y_true, y_pred, labels=labels, zero_division=0)
        _, _, f05, _ = precision_recall_fscore_support(y_true, y_pred, labels=labels, beta=0.5, zero_division=0)
    present = sorted(set(y_true.tolist()))
    return {
        "n": int(len(y_true)),
        "accuracy": float(accuracy_score(y_true, y_pred)) if present else 0.0,
        # macro over classes present in the labels, as sklearn does with labels inferred from y_true
        "macro_f1": float(f1_score(y_true, y_pred, labels=present, average="macro", zero_division=0))
        if present else 0.0,
        "per_class": {c: {"precision": float(p[i]), "recall": float(r[i]), "f1": float(f1[i]),
                          "f0.5": float(f05[i]), "support": int(support[i]), "predicted": int(predicted[i])}
                      for i, c in enumerate(CATEGORIES)},
    }


def metrics_from_confusion(cm: np.ndarray) -> dict:
    """`scores` of the (true, predicted) pairs a confusion matrix counts, plus the matrix and labels."""
    cm = np.asarray(cm, dtype=np.int64)
    k = len(CATEGORIES)
    true_idx, pred_idx = np.divmod(np.repeat(np.arange(k * k), cm.ravel()), k)
    return {**scores(true_idx, pred_idx), "labels": list(CATEGORIES), "confusion": cm.tolist()}


def predicted_indices(classifier, df: pl.DataFrame, batch_size: int | None = None) -> np.ndarray:
    """The decision rule's category per row, as indices into CATEGORIES."""
    return labels_to_index(classifier.predict(df, batch_size=batch_size)["job_category_pr"])


def evaluate(classifier, df: pl.DataFrame, batch_size: int | None = None) -> dict:
    """Score `classifier` on labelled rows (`label` column): the decision rule's predictions vs labels."""
    return metrics_from_confusion(confusion_matrix(labels_to_index(df["label"]),
                                                   predicted_indices(classifier, df, batch_size)))


def metrics_markdown(metrics: dict) -> str:
    """A Markdown summary (headline numbers, per-class table, confusion matrix) for the Dagster UI.

    Accepts either one `evaluate` result or a classifier's metrics dict (uses its 'test', else
    'validation' section).
    """
    header = []
    m = metrics
    if "per_class" not in metrics:
        for section in ("test", "validation"):
            if section in metrics:
                m = metrics[section]
                header.append(f"Model `{metrics.get('version', '?')}`, scored on the **{section}** split.")
                break
        else:
            return "_no evaluation available_"
    per_class = table(
        [[c, *(f"{m['per_class'][c][k]:.3f}" for k in ("precision", "recall", "f1", "f0.5")),
          m["per_class"][c]["support"]] for c in CATEGORIES],
        ["category", "precision", "recall", "F1", "F0.5", "support"], ["left"] + ["right"] * 5)
    confusion = table([[c, *row] for c, row in zip(CATEGORIES, m["confusion"])],
                      ["true \\ predicted", *CATEGORIES], ["left"] + ["right"] * len(CATEGORIES))
    lines = header + [
        "",
        f"Accuracy **{m['accuracy']:.3f}**, macro-F1 **{m['macro_f1']:.3f}** on {m['n']} postings.",
        "",
        per_class,
        "", "Confusion matrix (rows = true, columns = predicted):", "",
        confusion,
    ]
    return "\n".join(lines).strip() + "\n"


# A category's correction is published only when its bootstrap relative standard error is at most this
# (NCHS presentation standard: estimates with RSE above 30 % are flagged unreliable) and the test split
# holds at least MIN_TEST_SUPPORT postings of that true category to estimate its error rates from.
MAX_PUBLISHABLE_RSE = 0.30
MIN_TEST_SUPPORT = 10


def _misclassification(confusion: np.ndarray, prior: float = 0.5) -> np.ndarray:
    """P(pred j | true i) from confusion counts (..., K, K), under a Dirichlet(prior) on every row.

    The prior keeps a class with no test examples (or a zero cell) from forcing impossible shares.
    """
    c = confusion.astype(np.float64) + prior
    return c / c.sum(axis=-1, keepdims=True)


def _reassigned_counts(counts: np.ndarray, mis: np.ndarray) -> np.ndarray:
    """Expected true-category counts when every predicted posting is reassigned by Bayes' rule.

    Vectorised over a leading batch axis: counts (B, K) predicted, mis (B, K, K) P(pred | true) ->
    (B, K). P(true i | pred j) ∝ P(pred j | true i) · q_i with q the corpus's predicted mix: the
    labelled split over-represents the rarer categories, so its own P(true | pred) would move postings
    towards them, while P(pred | true) carries over between mixes. One reassignment, not iterated to
    the maximum-likelihood fixed point: that fixed point chases noise in small confusion cells and
    sends a category to zero when its predictions can be explained by the other rows' leakage (on the
    real postings it put Commercial at 0.0002 while 12 of 15 predicted Commercial postings read right).
    Every category keeps at least its predicted count times its reassigned precision, so it cannot
    collapse.
    """
    total = counts.sum(axis=1, keepdims=True)
    q = counts / np.where(total == 0, 1.0, total)
    joint = mis * q[:, :, None]  # (B, true, pred) ∝ P(true, pred)
    denom = joint.sum(axis=1, keepdims=True)
    post = joint / np.where(denom == 0, 1.0, denom)  # P(true | pred)
    return (post * counts[:, None, :]).sum(axis=2)


def corrected_counts(predicted: pl.Series, confusion: list[list[int]], n_boot: int = 1000,
                     seed: int = 0) -> pl.DataFrame:
    """Raw category counts beside counts corrected for classifier error, with 95 % bootstrap intervals.

    `predicted`: the classifier's category per posting. `confusion`: test-split counts, rows = true,
    columns = predicted, CATEGORIES order (as `evaluate` returns). Each predicted posting is spread over
    the true categories by P(true | pred), from the test split's P(pred | true) (Dirichlet(½) prior on
    each row) and the corpus's predicted mix (see `_reassigned_counts`). The interval (ci_low, ci_high,
    on corrected_count) resamples both sources of error: the predicted counts (multinomial) and the
    labelled test split (its postings drawn with replacement), and re-estimates.
    `correction_reliable` is False where the correction is too uncertain to publish: a bootstrap
    relative standard error above MAX_PUBLISHABLE_RSE, or fewer than MIN_TEST_SUPPORT test postings of
    that true category.
    """
    k = len(CATEGORIES)
    cm = np.asarray(confusion, dtype=np.int64)
    if cm.shape != (k, k):
        raise ValueError(f"confusion must be {k}x{k}, got {cm.shape}")
    if (cm < 0).any():
        raise ValueError("confusion counts must be non-negative")
    y = labels_to_index(predicted.drop_nulls())
    n = len(y)
    raw = np.bincount(y, minlength=k).astype(np.int64)
    corrected = _reassigned_counts(raw[None, :].astype(np.float64), _misclassification(cm)[None])[0]
    rng = np.random.default_rng(seed)
    n_test = int(cm.sum())
    if n_boot > 0 and n > 0 and n_test > 0:
        boot_counts = rng.multinomial(n, raw / n, size=n_boot).astype(np.float64)
        # the labelled test split drawn again with replacement: one multinomial over its k*k cells
        boot_cm = rng.multinomial(n_test, cm.ravel() / n_test, size=n_boot).reshape(n_boot, k, k)
        boot = _reassigned_counts(boot_counts, _misclassification(boot_cm))
        lo, hi = np.percentile(boot, [2.5, 97.5], axis=0)
        se = boot.std(axis=0, ddof=1)
    else:
        lo = hi = corrected
        se = np.full(k, np.nan)
    rse = np.divide(se, corrected, out=np.full(k, np.inf), where=corrected > 0)
    reliable = (cm.sum(axis=1) >= MIN_TEST_SUPPORT) & (rse <= MAX_PUBLISHABLE_RSE)
    return pl.DataFrame({
        "category": list(CATEGORIES),
        "raw_count": raw.tolist(),
        "raw_share": (raw / n if n else np.zeros(k)).tolist(),
        "corrected_count": corrected.tolist(),
        "corrected_share": (corrected / n if n else np.zeros(k)).tolist(),
        "ci_low": np.asarray(lo, dtype=np.float64).tolist(),
        "ci_high": np.asarray(hi, dtype=np.float64).tolist(),
        "relative_se": [float(v) if np.isfinite(v) else None for v in rse],
        "correction_reliable": reliable.tolist(),
    }, schema={"category": pl.Utf8, "raw_count": pl.Int64, "raw_share": pl.Float64, "corrected_count": pl.Float64,
               "corrected_share": pl.Float64, "ci_low": pl.Float64, "ci_high": pl.Float64,
               "relative_se": pl.Float64, "correction_reliable": pl.Boolean})
