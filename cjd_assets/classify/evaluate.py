"""Scoring a classifier on labelled rows, and category counts corrected for classifier error."""

from __future__ import annotations

import numpy as np
import polars as pl

from cjd_assets.schema import CATEGORIES


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, k: int = len(CATEGORIES)) -> np.ndarray:
    """Counts with rows = true category, columns = predicted category (CATEGORIES order)."""
    m = np.zeros((k, k), dtype=np.int64)
    np.add.at(m, (y_true, y_pred), 1)
    return m


def metrics_from_confusion(cm: np.ndarray) -> dict:
    """Accuracy, macro-F1 and per-class precision, recall, F1, F0.5, support from a confusion matrix."""
    cm = np.asarray(cm, dtype=np.int64)
    n = int(cm.sum())
    per_class = {}
    f1s = []
    for i, c in enumerate(CATEGORIES):
        tp = int(cm[i, i])
        predicted = int(cm[:, i].sum())
        support = int(cm[i, :].sum())
        p = tp / predicted if predicted else 0.0
        r = tp / support if support else 0.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        f05 = 1.25 * p * r / (0.25 * p + r) if p + r else 0.0
        per_class[c] = {"precision": p, "recall": r, "f1": f1, "f0.5": f05, "support": support,
                        "predicted": predicted}
        if support:
            f1s.append(f1)
    return {
        "n": n,
        "accuracy": float(np.trace(cm) / n) if n else 0.0,
        # macro over classes present in the labels, as sklearn does with labels inferred from y_true
        "macro_f1": float(np.mean(f1s)) if f1s else 0.0,
        "per_class": per_class,
        "labels": list(CATEGORIES),
        "confusion": cm.tolist(),
    }


def evaluate(classifier, df: pl.DataFrame, batch_size: int | None = None) -> dict:
    """Score `classifier` on labelled rows (`label` column): the decision rule's predictions vs labels."""
    from cjd_assets.classify.model import labels_to_index

    y = labels_to_index(df["label"])
    pred = labels_to_index(classifier.predict(df, batch_size=batch_size)["job_category_pr"])
    return metrics_from_confusion(confusion_matrix(y, pred))


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
    lines = header + [
        "",
        f"Accuracy **{m['accuracy']:.3f}**, macro-F1 **{m['macro_f1']:.3f}** on {m['n']} postings.",
        "",
        "| category | precision | recall | F1 | F0.5 | support |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for c in CATEGORIES:
        pc = m["per_class"][c]
        lines.append(f"| {c} | {pc['precision']:.3f} | {pc['recall']:.3f} | {pc['f1']:.3f} | {pc['f0.5']:.3f} "
                     f"| {pc['support']} |")
    lines += ["", "Confusion matrix (rows = true, columns = predicted):", "",
              "| true \\ predicted | " + " | ".join(CATEGORIES) + " |",
              "|---|" + "---:|" * len(CATEGORIES)]
    for c, row in zip(CATEGORIES, m["confusion"]):
        lines.append(f"| {c} | " + " | ".join(str(v) for v in row) + " |")
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
    from cjd_assets.classify.model import labels_to_index

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
