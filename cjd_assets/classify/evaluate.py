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


def _em_prevalence(counts: np.ndarray, mis: np.ndarray, iters: int = 500, tol: float = 1e-10) -> np.ndarray:
    """Maximum-likelihood true shares given predicted counts and P(pred j | true i).

    Vectorised over a leading batch axis: counts (B, K), mis (B, K, K) -> shares (B, K). EM keeps the
    estimate on the simplex, where plain adjusted classify-and-count (solving the linear system)
    can go negative when the matrix is ill-conditioned.
    """
    b, k = counts.shape
    p = np.full((b, k), 1.0 / k)
    total = counts.sum(axis=1, keepdims=True)
    total[total == 0] = 1.0
    for _ in range(iters):
        joint = p[:, :, None] * mis  # (B, true, pred)
        denom = joint.sum(axis=1, keepdims=True)
        denom[denom == 0] = 1.0
        resp = joint / denom
        new = (resp * counts[:, None, :]).sum(axis=2) / total
        if np.max(np.abs(new - p)) < tol:
            p = new
            break
        p = new
    return p


def _misclassification(confusion: np.ndarray, prior: float = 0.5) -> np.ndarray:
    """P(pred j | true i) from confusion counts (..., K, K), with a small additive prior on every cell.

    The prior keeps a class with no test examples (or a zero cell) from forcing impossible shares.
    """
    c = confusion.astype(np.float64) + prior
    return c / c.sum(axis=-1, keepdims=True)


def corrected_counts(predicted: pl.Series, confusion: list[list[int]], n_boot: int = 1000,
                     seed: int = 0) -> pl.DataFrame:
    """Raw category counts beside counts corrected for classifier error, with 95 % bootstrap intervals.

    `predicted`: the classifier's category per posting. `confusion`: test-split counts, rows = true,
    columns = predicted, CATEGORIES order (as `evaluate` returns). The corrected shares are the
    maximum-likelihood true shares under P(pred | true) estimated from the confusion matrix (EM; the
    constrained form of adjusted classify-and-count). The interval (ci_low, ci_high, on
    corrected_count) resamples both sources of error: the predicted counts (multinomial) and each
    true-class row of the confusion matrix (multinomial), and re-estimates.
    """
    from cjd_assets.classify.model import labels_to_index

    k = len(CATEGORIES)
    cm = np.asarray(confusion, dtype=np.int64)
    if cm.shape != (k, k):
        raise ValueError(f"confusion must be {k}x{k}, got {cm.shape}")
    y = labels_to_index(predicted.drop_nulls())
    n = len(y)
    raw = np.bincount(y, minlength=k).astype(np.int64)
    shares = _em_prevalence(raw[None, :].astype(np.float64), _misclassification(cm)[None])[0]
    rng = np.random.default_rng(seed)
    if n_boot > 0 and n > 0:
        boot_counts = rng.multinomial(n, raw / n, size=n_boot).astype(np.float64)
        row_n = cm.sum(axis=1)
        row_p = np.where(row_n[:, None] > 0, cm / np.maximum(row_n, 1)[:, None], 1.0 / k)
        boot_cm = np.stack([rng.multinomial(row_n[i], row_p[i], size=n_boot) for i in range(k)], axis=1)
        boot_shares = _em_prevalence(boot_counts, _misclassification(boot_cm))
        lo, hi = np.percentile(boot_shares * n, [2.5, 97.5], axis=0)
    else:
        lo = hi = shares * n
    return pl.DataFrame({
        "category": list(CATEGORIES),
        "raw_count": raw.tolist(),
        "raw_share": (raw / n if n else np.zeros(k)).tolist(),
        "corrected_count": (shares * n).tolist(),
        "corrected_share": shares.tolist(),
        "ci_low": np.asarray(lo, dtype=np.float64).tolist(),
        "ci_high": np.asarray(hi, dtype=np.float64).tolist(),
    }, schema={"category": pl.Utf8, "raw_count": pl.Int64, "raw_share": pl.Float64, "corrected_count": pl.Float64,
               "corrected_share": pl.Float64, "ci_low": pl.Float64, "ci_high": pl.Float64})
