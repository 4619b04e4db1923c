from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from cjd_assets.classify import (
    apply_decision_rule,
    corrected_counts,
    evaluate,
    load_annotations,
    load_classifier,
    metrics_from_confusion,
    metrics_markdown,
    train_classifier,
    tune_thresholds,
)
from cjd_assets.classify.fast import char_ngram_counts
from cjd_assets.schema import CATEGORIES, DISTRIBUTION_COLUMNS

OUT_COLUMNS = ["job_category_pr", *DISTRIBUTION_COLUMNS]


@pytest.fixture(scope="module")
def annotated(shared: Path, real_postings) -> pl.DataFrame:
    return load_annotations([shared / "data" / "annotations" / "train.jsonl"], real_postings)


@pytest.fixture(scope="module")
def fast_clf(annotated):
    return train_classifier(annotated, backend="fast")


def _as_input(postings: pl.DataFrame) -> pl.DataFrame:
    return postings.rename({"title": "title_extracted", "company": "company_name_extracted",
                            "body": "body_extracted"})


def test_fast_backend_quality_on_held_out_test(fast_clf):
    test = fast_clf.metrics["test"]
    assert fast_clf.metrics["rows"] == {"train": 2310, "validation": 494, "test": 494}
    assert test["n"] == 494
    # issue 6 goals are macro-F1 >= .85 and TT1 precision >= .93; measured .872 / .927 (see BENCH_classify.md)
    assert test["macro_f1"] >= 0.86
    assert test["per_class"]["TT1"]["precision"] >= 0.915
    assert test["accuracy"] >= 0.88
    # the rule meets its precision target on the out-of-fold rows it was tuned on
    oof = fast_clf.metrics["out_of_fold"]
    assert oof["n"] == 2310 + 494 and fast_clf.metrics["validation"]["n"] == 494
    assert oof["per_class"]["TT1"]["precision"] >= 0.95
    assert 0 < fast_clf.thresholds["TT1"] < 0.95 and fast_clf.thresholds["TT2"] == 0
    assert np.array(test["confusion"]).sum() == 494


def test_rule_raises_tt1_precision_over_argmax(fast_clf, annotated):
    from cjd_assets.classify import Classifier

    test = annotated.filter(pl.col("split") == "test")
    plain = Classifier("fast", fast_clf._model, fast_clf.params, {}, fast_clf.version)
    argmax = evaluate(plain, test)["per_class"]["TT1"]
    ruled = fast_clf.metrics["test"]["per_class"]["TT1"]
    # the tuned class offsets already bring the argmax near the target, so the rule cuts little: on the
    # 494 test postings it may even cost a hair of precision (classify-3: .9263 vs .9267)
    assert ruled["precision"] >= argmax["precision"] - 0.01 and argmax["precision"] >= 0.9
    assert ruled["recall"] <= argmax["recall"]
    # on the out-of-fold rows it was tuned on, the rule does raise TT1 precision to its target
    tuning = fast_clf._model.tuning
    k = CATEGORIES.index("TT1")
    oof_argmax = tuning["proba"].argmax(axis=1)
    oof_rule = apply_decision_rule(tuning["proba"], fast_clf.thresholds, fast_clf.fallback)
    prec = [np.mean(tuning["y"][p == k] == k) for p in (oof_argmax, oof_rule)]
    assert prec[1] >= max(prec[0], 0.95)


def test_predict_contract_order_and_distribution(fast_clf, real_postings):
    x = _as_input(real_postings.slice(1000, 3000))
    calls = []
    out = fast_clf.predict(x, batch_size=700, progress=lambda done, total: calls.append((done, total)))
    assert out.columns == OUT_COLUMNS and out.height == x.height
    assert calls[-1] == (3000, 3000) and len(calls) == 5
    assert set(out["job_category_pr"].unique()) <= set(CATEGORIES)
    dist = out.select(DISTRIBUTION_COLUMNS).to_numpy()
    assert np.allclose(dist.sum(axis=1), 1.0) and (dist >= 0).all()
    # same rows in reverse give the same answers in reverse; batch size does not matter
    rev = fast_clf.predict(x.reverse(), batch_size=4096)
    assert rev.reverse().equals(out)
    # titles the guideline names outright
    probe = pl.DataFrame({
        "title_extracted": ["Java开发工程师", "前端开发工程师", "产品经理", "销售经理", "会计", "数据挖掘工程师"],
        "company_name_extracted": [""] * 6,
        "body_extracted": [""] * 6,
    })
    assert fast_clf.predict(probe)["job_category_pr"].to_list() == [
        "TT1", "TT2", "PRODUCT", "COMMERCIAL", "NOT_AI", "TT1"]


def test_empty_and_null_inputs(fast_clf):
    empty = pl.DataFrame(schema={"title_extracted": pl.Utf8, "company_name_extracted": pl.Utf8,
                                 "body_extracted": pl.Utf8})
    out = fast_clf.predict(empty)
    assert out.columns == OUT_COLUMNS and out.height == 0
    nulls = pl.DataFrame({"title_extracted": [None, ""], "company_name_extracted": [None, None],
                          "body_extracted": [None, "   "]}, schema=empty.schema)
    got = fast_clf.predict(nulls)
    assert got.height == 2 and np.allclose(got.select(DISTRIBUTION_COLUMNS).to_numpy().sum(axis=1), 1.0)


def test_save_load_round_trip(fast_clf, tmp_path, real_postings):
    path = fast_clf.save(tmp_path / "model")
    for name in ("label_map.json", "metrics.json", "version", "classifier.json", "fast_model.npz"):
        assert (path / name).is_file(), name
    assert json.loads((path / "label_map.json").read_text())["labels"] == list(CATEGORIES)
    assert (path / "version").read_text().strip() == fast_clf.version
    loaded = load_classifier(path)
    assert loaded.version == fast_clf.version and loaded.backend == "fast"
    assert loaded.metrics["test"]["macro_f1"] == pytest.approx(fast_clf.metrics["test"]["macro_f1"])
    x = _as_input(real_postings.head(500))
    a, b = fast_clf.predict(x), loaded.predict(x)
    assert a["job_category_pr"].to_list() == b["job_category_pr"].to_list()
    assert np.allclose(a.select(DISTRIBUTION_COLUMNS).to_numpy(), b.select(DISTRIBUTION_COLUMNS).to_numpy())


def test_version_is_a_content_hash(annotated):
    small = annotated.filter(pl.col("split") != "test").head(600)
    a = train_classifier(small, C=0.5)
    b = train_classifier(small, C=0.5)
    assert a.version == b.version and a.version.startswith("fast-")
    assert train_classifier(small, C=1.0).version != a.version
    relabelled = small.with_columns(pl.when(pl.int_range(pl.len()) == 0).then(pl.lit("NOT_AI"))
                                    .otherwise(pl.col("label")).alias("label"))
    assert relabelled["label"][0] != small["label"][0] or small["label"][0] == "NOT_AI"
    if small["label"][0] != "NOT_AI":
        assert train_classifier(relabelled, C=0.5).version != a.version


def test_without_split_column_splits_internally(annotated):
    df = annotated.drop("split", "uid").head(800)
    clf = train_classifier(df)
    assert clf.metrics["rows"]["train"] + clf.metrics["rows"]["validation"] + clf.metrics["rows"]["test"] == 800
    assert clf.metrics["rows"]["test"] > 100


def test_bad_labels_and_params_rejected(annotated):
    bad = annotated.head(50).with_columns(pl.lit("AI").alias("label"))
    with pytest.raises(ValueError, match="labels outside"):
        train_classifier(bad)
    with pytest.raises(TypeError, match="unknown fast-backend"):
        train_classifier(annotated.head(200), epochs=3)
    with pytest.raises(ValueError, match="unknown backend"):
        train_classifier(annotated.head(200), backend="gpt")


def test_char_ngram_counts_counts_within_texts_only():
    m = char_ngram_counts(["abc", "", "ab", "aa"], (1, 2), 2**10)
    # abc: a b c ab bc = 5; "": 0; ab: a b ab = 3; aa: a a aa = 3 (two n-grams share a bucket)
    assert m.sum(axis=1).A1.tolist() == [5, 0, 3, 3]
    assert m[3].nnz == 2 and m[3].max() == 2
    # the same n-gram lands in the same column wherever it occurs
    assert set(m[0].indices) >= set(m[2].indices)
    with pytest.raises(ValueError):
        char_ngram_counts(["x"], (1, 1), 1000)


def test_decision_rule_falls_back_below_threshold():
    proba = np.array([
        [0.50, 0.10, 0.05, 0.05, 0.30],  # TT1 below .6: falls to NOT_AI
        [0.70, 0.10, 0.05, 0.05, 0.10],  # TT1 passes
        [0.05, 0.45, 0.40, 0.05, 0.05],  # TT2 below .5: next best PRODUCT
        [0.40, 0.35, 0.05, 0.10, 0.10],  # TT1, TT2 fail; next best: COMMERCIAL and NOT_AI tie, first wins
    ])
    # default: a rejected technical label becomes NOT_AI (guideline rule 7)
    got = apply_decision_rule(proba, {"TT1": 0.6, "TT2": 0.5})
    assert [CATEGORIES[i] for i in got] == ["NOT_AI", "TT1", "NOT_AI", "NOT_AI"]
    got = apply_decision_rule(proba, {"TT1": 0.6, "TT2": 0.5}, fallback=None)
    assert [CATEGORIES[i] for i in got] == ["NOT_AI", "TT1", "PRODUCT", "COMMERCIAL"]
    assert apply_decision_rule(proba, {}).tolist() == [0, 0, 1, 0]


def test_tune_thresholds_raises_precision_when_it_pays():
    rng = np.random.default_rng(0)
    # TT1 predictions with low probability are mostly wrong (true NOT_AI): a threshold should cut them
    n = 400
    y = np.where(rng.random(n) < 0.5, 0, 4)
    p_tt1 = np.where(y == 0, rng.uniform(0.55, 1.0, n), rng.uniform(0.4, 0.6, n))
    proba = np.zeros((n, 5))
    proba[:, 0] = p_tt1
    proba[:, 4] = 1 - p_tt1
    t = tune_thresholds(proba, y)
    # the lowest threshold with precision >= .95 sits just under the top of the NOT_AI rows' range
    assert 0.55 < t["TT1"] <= 0.6
    # without a target, the F-score objective still cuts into the doubtful band
    assert 0.4 < tune_thresholds(proba, y, precision_target=None)["TT1"] <= 0.6
    pred = apply_decision_rule(proba, t)
    assert ((pred == 0) & (y != 0)).sum() < ((proba.argmax(1) == 0) & (y != 0)).sum()


def test_metrics_match_sklearn():
    from sklearn.metrics import confusion_matrix, f1_score, fbeta_score, precision_recall_fscore_support

    rng = np.random.default_rng(3)
    y = rng.integers(0, 5, 300)
    pred = np.where(rng.random(300) < 0.7, y, rng.integers(0, 5, 300))
    cm = confusion_matrix(y, pred, labels=range(5))
    m = metrics_from_confusion(cm)
    p, r, f, s = precision_recall_fscore_support(y, pred, labels=range(5), zero_division=0)
    f05 = fbeta_score(y, pred, beta=0.5, average=None, labels=range(5))
    for i, c in enumerate(CATEGORIES):
        assert m["per_class"][c]["precision"] == pytest.approx(p[i])
        assert m["per_class"][c]["recall"] == pytest.approx(r[i])
        assert m["per_class"][c]["f1"] == pytest.approx(f[i])
        assert m["per_class"][c]["f0.5"] == pytest.approx(f05[i])
        assert m["per_class"][c]["support"] == s[i]
    assert m["macro_f1"] == pytest.approx(f1_score(y, pred, average="macro"))
    assert m["accuracy"] == pytest.approx((y == pred).mean())
    # the offset search's own macro-F1 (numpy, for speed) is sklearn's, also with a class absent from y
    from cjd_assets.classify.fast import _macro_f1

    assert _macro_f1(y, pred, 5) == pytest.approx(f1_score(y, pred, average="macro"))
    y2 = np.where(y == 2, 0, y)
    assert _macro_f1(y2, pred, 5) == pytest.approx(f1_score(y2, pred, labels=np.unique(y2), average="macro"))


def test_evaluate_and_markdown(fast_clf, annotated):
    test = annotated.filter(pl.col("split") == "test")
    m = evaluate(fast_clf, test)
    assert m["macro_f1"] == pytest.approx(fast_clf.metrics["test"]["macro_f1"])
    md = metrics_markdown(fast_clf.metrics)
    assert re.search(r"^\| TT1 +\|", md, re.M) and "macro-F1" in md and fast_clf.version in md
    assert f"{m['macro_f1']:.3f}" in metrics_markdown(m)


def test_corrected_counts_identity_and_known_mixture():
    pred = pl.Series(["TT1"] * 50 + ["TT2"] * 30 + ["NOT_AI"] * 20)
    perfect = (np.eye(5, dtype=int) * 1000).tolist()
    out = corrected_counts(pred, perfect, n_boot=200)
    assert out["category"].to_list() == list(CATEGORIES)
    assert out["raw_count"].to_list() == [50, 30, 0, 0, 20]
    assert np.allclose(out["corrected_count"].to_numpy(), [50, 30, 0, 0, 20], atol=0.5)
    assert out["corrected_share"].sum() == pytest.approx(1.0)

    # a classifier that labels 20 % of true NOT_AI as TT1 and is otherwise right; truth: 400 TT1, 600 NOT_AI.
    # One Bayes reassignment (not the collapsing maximum-likelihood fixed point) removes most of the
    # 120-posting error, not all of it: P(true | pred) uses the predicted mix as the prior.
    cm = np.eye(5, dtype=int) * 2000
    cm[4] = [400, 0, 0, 0, 1600]
    predicted = pl.Series(["TT1"] * (400 + 120) + ["NOT_AI"] * 480)
    out = corrected_counts(predicted, cm.tolist(), n_boot=300, seed=1)
    row = {r["category"]: r for r in out.iter_rows(named=True)}
    assert row["TT1"]["raw_count"] == 520
    assert 400 <= row["TT1"]["corrected_count"] <= 400 + 120 / 3
    assert 600 - 120 / 3 <= row["NOT_AI"]["corrected_count"] <= 600
    assert row["TT1"]["ci_low"] < row["TT1"]["corrected_count"] < row["TT1"]["ci_high"]
    assert row["TT1"]["ci_high"] < 520  # the raw count lies outside the corrected interval
    assert row["TT1"]["correction_reliable"] and row["NOT_AI"]["correction_reliable"]


# The test-split confusion matrix and predicted counts of the real run (issue 13): the maximum-likelihood
# correction put Commercial at 0.0002 (interval 0-1,513) though 1,560 were predicted and most read right.
REAL_CONFUSION = [[177, 5, 0, 0, 4], [8, 64, 1, 0, 3], [0, 3, 47, 1, 2], [4, 0, 0, 33, 8], [2, 5, 3, 4, 120]]
REAL_PREDICTED = {"TT1": 50236, "TT2": 15628, "PRODUCT": 3333, "COMMERCIAL": 1560, "NOT_AI": 39234}


def test_corrected_counts_do_not_collapse_on_a_small_cell():
    pred = pl.Series([c for c, n in REAL_PREDICTED.items() for _ in range(n)])
    out = corrected_counts(pred, REAL_CONFUSION, n_boot=300)
    for r in out.iter_rows(named=True):
        raw = REAL_PREDICTED[r["category"]]
        assert 0.5 * raw <= r["corrected_count"] <= 2 * raw, r
        assert 0.25 * raw <= r["ci_low"] <= r["corrected_count"] <= r["ci_high"] <= 3 * raw, r
        # Commercial's precision on the test split is 33/38: at least that share of it stays
        assert r["corrected_count"] >= 0.5 * raw * REAL_CONFUSION[CATEGORIES.index(r["category"])][
            CATEGORIES.index(r["category"])] / sum(row[CATEGORIES.index(r["category"])] for row in REAL_CONFUSION)
    assert out["corrected_count"].sum() == pytest.approx(sum(REAL_PREDICTED.values()))


def test_correction_too_uncertain_to_publish_is_flagged():
    # Commercial has 3 test postings, and they are mostly mistaken: its correction cannot be published
    cm = [[100, 0, 0, 0, 0], [0, 100, 0, 0, 0], [0, 0, 100, 0, 0], [0, 0, 0, 1, 2], [0, 0, 0, 30, 100]]
    pred = pl.Series(["TT1"] * 500 + ["TT2"] * 300 + ["PRODUCT"] * 100 + ["COMMERCIAL"] * 100 + ["NOT_AI"] * 1000)
    row = {r["category"]: r for r in corrected_counts(pred, cm, n_boot=300).iter_rows(named=True)}
    assert not row["COMMERCIAL"]["correction_reliable"]
    assert row["TT1"]["correction_reliable"] and row["NOT_AI"]["correction_reliable"]
    # enough test postings, but 8 predicted postings and an error-prone row: flagged by its relative
    # standard error
    cm[3], cm[4] = [0, 0, 0, 4, 8], [0, 0, 0, 8, 12]
    pred = pl.Series(["TT1"] * 500 + ["TT2"] * 300 + ["PRODUCT"] * 100 + ["COMMERCIAL"] * 8 + ["NOT_AI"] * 1000)
    row = {r["category"]: r for r in corrected_counts(pred, cm, n_boot=300).iter_rows(named=True)}
    assert row["COMMERCIAL"]["relative_se"] > 0.3 and not row["COMMERCIAL"]["correction_reliable"]


def test_corrected_counts_on_real_predictions(fast_clf, real_postings):
    pred = fast_clf.predict(_as_input(real_postings.head(5000)))["job_category_pr"]
    out = corrected_counts(pred, fast_clf.metrics["test"]["confusion"], n_boot=200)
    assert out["raw_count"].sum() == 5000
    assert out["corrected_count"].sum() == pytest.approx(5000)
    assert (out["ci_low"] <= out["corrected_count"] + 1e-6).all()
    assert (out["ci_high"] >= out["corrected_count"] - 1e-6).all()


def test_macro_f1_offsets_shift_toward_a_starved_class():
    from cjd_assets.classify.fast import macro_f1_offsets

    rng = np.random.default_rng(0)
    # PRODUCT rows score a little under NOT_AI: argmax never predicts PRODUCT; an offset recovers it
    n = 600
    y = np.where(rng.random(n) < 0.2, 2, 4)
    logp = np.full((n, 5), -5.0)
    logp[:, 4] = -0.5
    logp[:, 2] = np.where(y == 2, -0.8, -1.6) + rng.normal(0, 0.1, n)
    assert (logp.argmax(1) == 2).sum() == 0
    b = macro_f1_offsets(logp, y)
    assert b[4] == 0 and 0.3 < b[2] <= 1.0
    assert ((logp + b).argmax(1) == y).mean() > 0.95
    # nothing to gain: offsets stay 0
    assert not macro_f1_offsets(np.log(np.eye(5)[y] * 0.9 + 0.02), y).any()


def test_out_of_fold_tuning_and_confidence_weights(annotated):
    small = annotated.filter(pl.col("split") != "test").head(700)
    clf = train_classifier(small, thresholded=("TT1", "TT2"))
    # thresholds tuned on out-of-fold predictions of train + validation, which are reported
    assert clf.metrics["out_of_fold"]["n"] == clf.metrics["rows"]["train"] + clf.metrics["rows"]["validation"]
    assert clf.metrics["validation"]["n"] == clf.metrics["rows"]["validation"]
    assert "out of fold" in clf.metrics["validation"]["scored"]
    # the old procedure: train on train, calibrate and tune on validation
    old = train_classifier(small, oof_folds=0, class_offsets=False)
    assert "scored" not in old.metrics["validation"] and "out_of_fold" not in old.metrics
    assert old.version != clf.version
    # confidence takes part in training (low_conf_weight) and so in the version hash
    flipped = small.with_columns(pl.when(pl.col("confidence") == "low").then(pl.lit("high"))
                                 .otherwise(pl.lit("low")).alias("confidence"))
    assert train_classifier(flipped, thresholded=("TT1", "TT2")).version != clf.version
    with pytest.raises(ValueError, match="thresholded"):
        train_classifier(small, thresholded=("NOT_AI",))


def test_model_kinds_and_their_sums_train(annotated):
    small = annotated.filter(pl.col("split") != "test").head(500)
    for model in ("svm", "logreg", "cnb", "nbsvm+logreg+cnb"):
        clf = train_classifier(small, model=model, oof_folds=0)
        assert clf.metrics["validation"]["accuracy"] > 0.5, model
    with pytest.raises(ValueError, match="unknown fast model"):
        train_classifier(small, model="nbsvm+nbsvm")


def test_batches_on_threads_give_the_same_answers(fast_clf, real_postings, monkeypatch):
    """Batches are predicted on threads (PREDICT_THREADS): same rows, same order, same numbers as one thread,
    and progress is still reported in order."""
    from cjd_assets.classify import fast

    x = _as_input(real_postings.slice(0, 5000))
    answers = {}
    for threads in (1, 3):
        monkeypatch.setattr(fast, "PREDICT_THREADS", threads)
        calls = []
        answers[threads] = fast_clf.predict(x, batch_size=600, progress=lambda d, t: calls.append(d))
        assert calls == sorted(calls) and calls[-1] == 5000 and len(calls) == 9
    assert answers[1].equals(answers[3])


def test_view_stacker_weighs_each_view_per_class_and_saves_with_the_model(annotated, tmp_path, real_postings):
    from cjd_assets.classify.fast import FastBackend, FastModel, stack_scores

    dev = annotated.filter(pl.col("split") != "test").head(1200)
    x = _as_input(real_postings.head(300))
    k = len(CATEGORIES)
    stacked = FastBackend.train(dev, dev.head(0), view_stack=True)
    plain = FastBackend.train(dev, dev.head(0))
    model = stacked.model
    n_views = len(model._hashers)
    assert plain.model.stack is None
    assert model.stack["coef"].shape == (k, n_views * k + 1)  # each view's score per class, and body length
    z = model.view_scores(x)
    # the views' parts add up to the linear model's scores; the stacker weighs them (offsets folded in)
    linear = z[:, :-1].reshape(len(z), n_views, k).sum(axis=1) + model.intercept
    plain_copy = FastModel(model.params)
    plain_copy.idf, plain_copy.coef, plain_copy.intercept = model.idf, model.coef, model.intercept
    assert np.allclose(plain_copy.scores_df(x), linear)
    assert np.allclose(model.scores_df(x), stack_scores(model.stack, z))
    assert not np.allclose(np.argsort(model.scores_df(x), axis=1), np.argsort(linear, axis=1))
    # the stacker and the plain model both save and load; a model saved without a stacker stays without
    for be, name in ((stacked, "stacked"), (plain, "plain")):
        be.save(tmp_path / name)
        again = FastBackend.load(tmp_path / name)
        assert (again.model.stack is None) == (be.model.stack is None)
        assert np.allclose(again.predict_proba(x), be.predict_proba(x))
    # the decision rule is tuned on out-of-fold scores of stackers that did not see those rows
    assert stacked.tuning["proba"].shape == (dev.height, k)
