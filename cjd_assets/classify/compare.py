"""Honest evaluation: the classifier beside a plain baseline trained on the same labels in the same run.

Scores come from sklearn.metrics. Three views, each a polars frame:
- `models`: cross-validated (k stratified folds over all labelled rows) and held-out (the `test`
  split) macro-F1, accuracy, TT1 precision and per-class F1, for the shipped fast classifier (its
  decision rule), and the baseline: character 1-3-gram TF-IDF over title + company + body start with
  logistic regression (argmax);
- `per_class`: precision, recall, F1, F0.5 and support per model, view and category;
- `learning_curve`: held-out macro-F1 of both models trained on growing stratified subsets of the
  labels, so a user can see whether more labels would still pay.

Two references beside the models, so a score can be read against what people achieve on the same rows:
- where the labels carry the annotator's `confidence`, every view is also scored separately on the rows
  the annotator was sure of and those they marked ambiguous ("…, gold sure" / "…, gold unsure");
- `second_opinion` (uid, label: an independent re-annotation of test rows) is scored against the labels
  like a model: the agreement that people reading the same postings reach, a ceiling for any model.

`extra_train` rows (for instance newly annotated postings) are added to every training set and never
scored, so held-out and cross-validated numbers stay comparable with runs without them.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import polars as pl

from cjd_assets.classify.backend import labels_to_index
from cjd_assets.classify.evaluate import predicted_indices, scores
from cjd_assets.classify.model import train_classifier
from cjd_assets.classify.text import text_fields
from cjd_assets.md import table
from cjd_assets.schema import CATEGORIES

Fitter = Callable[[pl.DataFrame, pl.DataFrame], np.ndarray]  # (train rows, rows to predict) -> class indices
BASELINE = "baseline: char 1-3 TF-IDF + LR"
FAST = "fast classifier (shipped rule)"
SECOND_OPINION = "people: independent re-annotation"


def _concat_text(df: pl.DataFrame) -> list[str]:
    f = text_fields(df, 300)
    return [f"{a} {b} {c}" for a, b, c in zip(f["title"], f["company"], f["body"])]


def baseline_fit_predict(train: pl.DataFrame, test: pl.DataFrame) -> np.ndarray:
    """The plain baseline: char 1-3-gram TF-IDF (sublinear, min_df 2) + logistic regression, argmax."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from threadpoolctl import threadpool_limits

    vec = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True, min_df=2)
    X = vec.fit_transform(_concat_text(train))
    with threadpool_limits(limits=1):  # as in FastModel.fit: BLAS threads only oversubscribe shared cores
        clf = LogisticRegression(C=10, max_iter=3000).fit(X, labels_to_index(train["label"]))
    return clf.predict(vec.transform(_concat_text(test)))


def fast_fitter(unlabelled: pl.DataFrame | None = None, **params) -> Fitter:
    """train_classifier(backend="fast", **params) on the training rows; its decision rule's predictions.

    `unlabelled` (classifier text columns): postings for self-training (params self_train_per_class).
    """

    def fit_predict(train: pl.DataFrame, test: pl.DataFrame) -> np.ndarray:
        rows = train.with_columns(pl.lit("train").alias("split"))
        if unlabelled is not None:
            rows = pl.concat([rows, unlabelled.with_columns(pl.lit("unlabelled").alias("split"))],
                             how="diagonal_relaxed")
        return predicted_indices(train_classifier(rows, backend="fast", **params), test)

    return fit_predict


def _rows(model: str, view: str, s: dict, n_train: int) -> tuple[dict, list[dict]]:
    pc = s["per_class"]
    summary = {"model": model, "evaluation": view, "train_rows": n_train, "scored_rows": s["n"],
               "macro_f1": s["macro_f1"], "accuracy": s["accuracy"], "tt1_precision": pc["TT1"]["precision"],
               **{f"{c.lower()}_f1": pc[c]["f1"] for c in CATEGORIES}}
    per_class = [{"model": model, "evaluation": view, "category": c, **pc[c]} for c in CATEGORIES]
    return summary, per_class


_CURVE_SCHEMA = {"model": pl.Utf8, "labels": pl.Int64, "share_of_labels": pl.Float64, "macro_f1": pl.Float64,
                 "tt1_precision": pl.Float64, "product_f1": pl.Float64, "commercial_f1": pl.Float64}


def _stratified_subset(y: np.ndarray, share: float, seed: int) -> np.ndarray:
    if share >= 1.0:
        return np.arange(len(y))
    from sklearn.model_selection import train_test_split

    idx, _ = train_test_split(np.arange(len(y)), train_size=share, stratify=y, random_state=seed)
    return np.sort(idx)


def evaluation_report(df: pl.DataFrame, fitters: dict[str, Fitter] | None = None, folds: int = 5,
                      seed: int = 1, curve_shares: tuple[float, ...] = (0.25, 0.5, 0.75, 1.0),
                      extra_train: pl.DataFrame | None = None,
                      second_opinion: pl.DataFrame | None = None,
                      trained: dict[str, Callable[[pl.DataFrame], np.ndarray]] | None = None
                      ) -> dict[str, pl.DataFrame]:
    """`models`, `per_class` and `learning_curve` frames (see module doc) for labelled rows `df`.

    `df` has the classifier's text columns, `label` and `split` (and optionally `confidence`); the
    held-out view trains on the rows whose split is not 'test' and scores the 'test' rows. `fitters`
    defaults to the baseline and the shipped fast classifier; folds < 2 skips cross-validation, an empty
    `curve_shares` the curve. `second_opinion` (uid, label) is scored on the test rows it covers.
    `trained`: predictors of models already fitted on exactly the held-out view's training rows (the
    non-test rows and `extra_train`), used for that view instead of fitting them again.
    """
    from sklearn.model_selection import StratifiedKFold

    fitters = fitters or {BASELINE: baseline_fit_predict, FAST: fast_fitter()}
    df = df.with_columns(pl.lit(False).alias("split_pinned"))
    extra = (extra_train.with_columns(pl.lit(True).alias("split_pinned")).select(df.columns)
             if extra_train is not None and extra_train.height else None)

    def with_extra(train: pl.DataFrame) -> pl.DataFrame:
        # extra rows are marked pinned: the fast backend trains on them but tunes on the others
        return pl.concat([train, extra], how="vertical_relaxed") if extra is not None else train

    summaries: list[dict] = []
    per_class: list[dict] = []
    curve: list[dict] = []

    def add(name: str, view: str, rows: pl.DataFrame, y_true: np.ndarray, pred: np.ndarray, n_train: int) -> dict:
        """Record `view`'s scores and return them; where the labels carry the annotator's confidence, also
        the same view on the rows the annotator was sure of, and on the rest."""
        parts = [(view, np.ones(len(y_true), dtype=bool))]
        if "confidence" in rows.columns:
            sure = (rows["confidence"].cast(pl.Utf8).fill_null("") != "low").to_numpy()
            parts += [(f"{view}, gold sure", sure), (f"{view}, gold unsure", ~sure)]
        found = {}
        for label, mask in parts:
            if label == view or mask.any():
                found[label] = scores(y_true[mask], pred[mask])
                summary, pc = _rows(name, label, found[label], n_train)
                summaries.append(summary)
                per_class.extend(pc)
        return found[view]

    dev, test = df.filter(pl.col("split") != "test"), df.filter(pl.col("split") == "test")
    y_test = labels_to_index(test["label"]) if test.height else np.zeros(0, np.int64)
    held_out: dict[str, dict] = {}  # the learning curve's last point (all labels) is this fit
    if test.height and dev.height:
        tr = with_extra(dev)
        for name, fit in fitters.items():
            pred = trained[name](test) if trained and name in trained else fit(tr, test)
            held_out[name] = add(name, "held-out test", test, y_test, pred, tr.height)
    if test.height and second_opinion is not None and second_opinion.height:
        other = test.select("uid", "label", *(["confidence"] if "confidence" in test.columns else [])).join(
            second_opinion.select("uid", pl.col("label").alias("second_label")), on="uid", how="inner")
        if other.height:
            add(SECOND_OPINION, "held-out test", other, labels_to_index(other["label"]),
                labels_to_index(other["second_label"]), 0)
    y = labels_to_index(df["label"])
    if folds >= 2 and df.height >= 10 * folds and np.bincount(y)[np.bincount(y) > 0].min() >= folds:
        preds = {name: np.zeros(len(y), np.int64) for name in fitters}
        for tr_idx, te_idx in StratifiedKFold(folds, shuffle=True, random_state=seed).split(np.zeros(len(y)), y):
            tr = with_extra(df[tr_idx])
            for name, fit in fitters.items():
                preds[name][te_idx] = fit(tr, df[te_idx])
        for name in fitters:
            n_train = df.height * (folds - 1) // folds + (extra.height if extra is not None else 0)
            add(name, f"{folds}-fold CV", df, y, preds[name], n_train)
    if test.height and dev.height:
        y_dev = labels_to_index(dev["label"])
        for share in curve_shares:
            sub = dev[_stratified_subset(y_dev, share, seed)]
            tr = with_extra(sub)
            for name, fit in fitters.items():
                s = held_out[name] if share >= 1.0 else scores(y_test, fit(tr, test))
                curve.append({"model": name, "labels": tr.height, "share_of_labels": share,
                              "macro_f1": s["macro_f1"], "tt1_precision": s["per_class"]["TT1"]["precision"],
                              "product_f1": s["per_class"]["PRODUCT"]["f1"],
                              "commercial_f1": s["per_class"]["COMMERCIAL"]["f1"]})
    return {
        "models": pl.DataFrame(summaries, infer_schema_length=None),
        "per_class": pl.DataFrame(per_class, infer_schema_length=None),
        "learning_curve": pl.DataFrame(curve, schema=_CURVE_SCHEMA),
    }


def report_markdown(report: dict[str, pl.DataFrame]) -> str:
    """The models table and the learning curve as Markdown."""
    out = []
    m = report["models"]
    if m.height:
        cols = ["model", "evaluation", "train_rows", "macro_f1", "tt1_precision", "product_f1", "commercial_f1"]
        out.append(table([[f"{v:.3f}" if isinstance(v, float) else v for v in r] for r in m.select(cols).iter_rows()],
                         cols, ["left", "left"] + ["right"] * (len(cols) - 2)))
    c = report["learning_curve"]
    if c.height:
        sizes = c["labels"].unique(maintain_order=True).to_list()
        rows = [[name, *(f"{v:.3f}" for v in c.filter(pl.col("model") == name)["macro_f1"])]
                for name in c["model"].unique(maintain_order=True)]
        out += ["", "Learning curve (held-out test macro-F1 by number of training labels):", "",
                table(rows, ["model", *sizes], ["left"] + ["right"] * len(sizes))]
    return "\n".join(out) + "\n"
