"""Issue 15: uncertainty sampling for annotation, the board's own labels and title normalisation as
features, and the honest evaluation beside a plain baseline. Small subsets keep each test fast."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from cjd_assets.classify import load_annotations, train_classifier
from cjd_assets.classify.compare import (BASELINE, SECOND_OPINION, baseline_fit_predict, evaluation_report, fast_fitter,
                                         scores)
from cjd_assets.classify.evaluate import confusion_matrix, metrics_from_confusion
from cjd_assets.classify.model import labels_to_index
from cjd_assets.classify.sampling import select_for_annotation, uncertainty
from cjd_assets.classify.text import text_fields
from cjd_assets.schema import CATEGORIES

pytestmark = pytest.mark.shared


@pytest.fixture(scope="module")
def annotated(shared: Path, real_postings) -> pl.DataFrame:
    return load_annotations([shared / "data" / "annotations" / "train.jsonl"], real_postings)


@pytest.fixture(scope="module")
def small_clf(annotated):
    # one fit, no out-of-fold tuning: enough for a model that is sure of some postings and not others
    return train_classifier(annotated.filter(pl.col("split") == "train").head(500), oof_folds=0)


def _as_input(p: pl.DataFrame) -> pl.DataFrame:
    return p.rename({"title": "title_extracted", "company": "company_name_extracted", "body": "body_extracted"})


def test_sample_takes_the_least_sure_by_category_and_board(small_clf, annotated, real_postings):
    pool = real_postings.sample(6000, seed=5)
    proba = small_clf.predict_proba(_as_input(pool))
    labelled = annotated["uid"]
    n = 200
    got = select_for_annotation(pool, proba, n, seed=1, exclude=labelled)
    assert got.height == n and got["uid"].is_unique().all()
    assert not got["uid"].is_in(labelled.implode()).any()
    pred = np.asarray(CATEGORIES)[proba.argmax(axis=1)]
    have = {c: int(((pred == c) & ~pool["uid"].is_in(labelled.implode()).to_numpy()).sum()) for c in CATEGORIES}
    counts = dict(got.group_by("predicted").len().iter_rows())
    # equal quotas; a category with fewer candidates than its quota gives all it has, the rest fill up
    for c in CATEGORIES:
        assert counts.get(c, 0) == have[c] or counts.get(c, 0) >= n // len(CATEGORIES), (c, counts, have)
    assert 0.25 <= (got["picked"] == "random").mean() <= 0.35
    u = uncertainty(proba)
    full = pool.with_columns(pl.Series("u", u), pl.Series("pred", pred))
    for (cat, board), g in got.filter(pl.col("picked") == "uncertain").group_by("predicted", "source_board"):
        # within a category and board, the uncertain picks are that board's least sure rows
        others = full.filter((pl.col("pred") == cat) & (pl.col("source_board") == board)
                             & ~pl.col("uid").is_in(got["uid"].implode()) & ~pl.col("uid").is_in(labelled.implode()))
        if others.height:
            assert g["uncertainty"].min() >= others["u"].max() - 1e-12
    # spread over boards: the biggest category's uncertain picks come from more than one board
    assert got.filter(pl.col("picked") == "uncertain").group_by("predicted").agg(
        pl.col("source_board").n_unique())["source_board"].max() >= 2
    # same seed, same sample; a new seed changes only the random part
    again = select_for_annotation(pool, proba, n, seed=1, exclude=labelled)
    assert again["uid"].to_list() == got["uid"].to_list()
    other = select_for_annotation(pool, proba, n, seed=2, exclude=labelled)
    assert set(other.filter(pl.col("picked") == "uncertain")["uid"]) == set(
        got.filter(pl.col("picked") == "uncertain")["uid"])


def test_sample_rejects_bad_input(real_postings):
    pool = real_postings.head(10)
    with pytest.raises(ValueError, match="proba"):
        select_for_annotation(pool, np.ones((9, 5)) / 5, 3)
    with pytest.raises(ValueError, match="proba must be"):
        uncertainty(np.ones((10, 3)))
    with pytest.raises(ValueError, match="random_share"):
        select_for_annotation(pool, np.ones((10, 5)) / 5, 3, random_share=1.5)
    # margin and entropy agree on the order of a sure and an unsure row
    p = np.array([[0.96, 0.01, 0.01, 0.01, 0.01], [0.3, 0.3, 0.2, 0.1, 0.1]])
    assert (np.argsort(uncertainty(p)) == np.argsort(uncertainty(p, "entropy"))).all()


def test_title_core_strips_place_pay_headcount_and_codes(real_postings):
    titles = ["高级软件测试专家-北京-G00123", "数据分析实习生（企业运营方向） (职位编号：000914)",
              "日语产品开发管理—深圳-7-14K", "高薪急招前端开发工程师", "客户经理+双休+五险一金", "5k起软件测试工程师",
              "网络招聘专员", "C++开发工程师", "北京大学教师"]
    df = pl.DataFrame({"title_extracted": titles, "company_name_extracted": [""] * len(titles),
                       "body_extracted": [""] * len(titles)})
    assert text_fields(df)["title_core"].to_list() == [
        "^高级软件测试专家$", "^数据分析实习生$", "^日语产品开发管理$", "^前端开发工程师$", "^客户经理$",
        "^软件测试工程师$", "^网络招聘专员$", "^c++开发工程师$", "^北京大学教师$"]
    # on the real 51job postings the board's 职能类别 line becomes the board view (it sits past the body cut)
    job51 = _as_input(real_postings.filter(pl.col("body").str.contains("职能类别")).head(500))
    board = text_fields(job51)["board"]
    assert (board != "").mean() > 0.99 and not board.str.contains("微信分享").any()
    # the optional board_occupation column wins where given
    given = job51.head(3).with_columns(pl.lit("产品经理").alias("board_occupation"))
    assert text_fields(given)["board"].to_list() == ["产品经理"] * 3


def test_evaluation_report_beside_baseline_and_learning_curve(annotated):
    small = pl.concat([annotated.filter(pl.col("split") != "test").head(300),
                       annotated.filter(pl.col("split") == "test").head(100)])
    extra = annotated.filter(pl.col("split") != "test").slice(300, 60)
    fitters = {BASELINE: baseline_fit_predict, "fast": fast_fitter(oof_folds=0)}
    rep = evaluation_report(small, fitters, folds=2, curve_shares=(0.5, 1.0), extra_train=extra)
    m = rep["models"]
    assert set(m["model"]) == {BASELINE, "fast"}
    views = ["held-out test", "2-fold CV"]
    assert set(m["evaluation"]) == {f"{v}{part}" for v in views for part in ("", ", gold sure", ", gold unsure")}
    held = m.filter(pl.col("evaluation") == "held-out test")
    # extra rows are trained on, never scored
    assert held["scored_rows"].to_list() == [100, 100] and held["train_rows"].to_list() == [360, 360]
    cv = m.filter(pl.col("evaluation") == "2-fold CV")
    assert cv["scored_rows"].to_list() == [400, 400] and cv["train_rows"].to_list() == [260, 260]
    # each view split by the annotator's confidence: the parts add up to the whole
    for view, whole in (("held-out test", 100), ("2-fold CV", 400)):
        n_sure = int((small.filter(pl.col("split") == "test") if view == "held-out test" else small)
                     ["confidence"].ne("low").sum())
        for model in (BASELINE, "fast"):
            parts = m.filter((pl.col("model") == model) & pl.col("evaluation").str.starts_with(f"{view}, "))
            assert dict(zip(parts["evaluation"], parts["scored_rows"])) == {
                f"{view}, gold sure": n_sure, f"{view}, gold unsure": whole - n_sure}
    # far above chance (0.2) even on 200-400 labels; the postings the annotator was unsure of are harder
    whole_views = m.filter(pl.col("evaluation").is_in(views))
    assert (whole_views["macro_f1"] > 0.4).all() and (m["macro_f1"] <= 1).all()
    sure = m.filter(pl.col("evaluation").str.ends_with("gold sure")).sort("model", "evaluation")
    unsure = m.filter(pl.col("evaluation").str.ends_with("gold unsure")).sort("model", "evaluation")
    assert (sure["accuracy"] > unsure["accuracy"]).all()
    assert rep["per_class"].height == 12 * len(CATEGORIES)
    curve = rep["learning_curve"]
    assert curve["labels"].to_list() == [210, 210, 360, 360]
    # all labels = the held-out fit
    assert curve.filter(pl.col("share_of_labels") == 1.0)["macro_f1"].to_list() == held["macro_f1"].to_list()
    # sklearn's scores agree with the project's confusion-matrix metrics
    test = small.filter(pl.col("split") == "test")
    y = labels_to_index(test["label"])
    pred = baseline_fit_predict(small.filter(pl.col("split") != "test"), test)
    a, b = scores(y, pred), metrics_from_confusion(confusion_matrix(y, pred))
    assert a["macro_f1"] == pytest.approx(b["macro_f1"])
    for c in CATEGORIES:
        for k in ("precision", "recall", "f1", "f0.5"):
            assert a["per_class"][c][k] == pytest.approx(b["per_class"][c][k])


def test_a_second_opinion_is_scored_against_the_labels_like_a_model(annotated):
    small = pl.concat([annotated.filter(pl.col("split") != "test").head(200),
                       annotated.filter(pl.col("split") == "test").head(120)])
    test = small.filter(pl.col("split") == "test")
    # a second reader who agrees on all but 12 of the 100 test postings they read (20 left unread)
    read = test.head(100)
    flipped = read.with_columns(
        pl.when(pl.int_range(pl.len()) < 12).then(
            pl.when(pl.col("label") == "NOT_AI").then(pl.lit("TT1")).otherwise(pl.lit("NOT_AI")))
        .otherwise(pl.col("label")).alias("label")).select("uid", "label")
    rep = evaluation_report(small, {BASELINE: baseline_fit_predict}, folds=0, curve_shares=(), second_opinion=flipped)
    people = rep["models"].filter(pl.col("model") == SECOND_OPINION)
    whole = people.filter(pl.col("evaluation") == "held-out test").row(0, named=True)
    assert whole["scored_rows"] == 100 and whole["accuracy"] == pytest.approx(0.88)
    assert people.filter(pl.col("evaluation").str.contains("gold "))["scored_rows"].sum() == 100
    # the models are still scored on every test row
    assert rep["models"].filter((pl.col("model") == BASELINE) & (pl.col("evaluation") == "held-out test"))[
        "scored_rows"].to_list() == [120]
    # a model already trained on the held-out view's rows is scored as it is, not fitted again
    not_ai = CATEGORIES.index("NOT_AI")
    rep = evaluation_report(small, {BASELINE: baseline_fit_predict}, folds=0, curve_shares=(),
                            trained={BASELINE: lambda rows: np.full(rows.height, not_ai)})
    held = rep["models"].filter(pl.col("evaluation") == "held-out test").row(0, named=True)
    assert held["accuracy"] == pytest.approx(float((test["label"] == "NOT_AI").mean()))


def test_self_training_uses_unlabelled_rows_only_when_asked(annotated, real_postings):
    train = annotated.filter(pl.col("split") == "train").head(300)
    test = annotated.filter(pl.col("split") == "test").head(200)
    pool = (_as_input(real_postings.sample(2000, seed=2)).select("uid", "title_extracted", "company_name_extracted",
                                                                  "body_extracted")
            .join(annotated.select("uid"), on="uid", how="anti").with_columns(pl.lit("unlabelled").alias("split")))
    rows = pl.concat([train.with_columns(pl.lit("train").alias("split")), pool], how="diagonal_relaxed")
    plain = train_classifier(train.with_columns(pl.lit("train").alias("split")), oof_folds=0)
    ignored = train_classifier(rows, oof_folds=0)  # self_train_per_class=0: the unlabelled rows play no part
    assert ignored.version == plain.version and ignored.metrics["rows"]["train"] == 300
    selft = train_classifier(rows, oof_folds=0, self_train_per_class=100)
    assert selft.version != plain.version and selft.metrics["rows"]["train"] == 300
    a, b = plain.predict_proba(test), selft.predict_proba(test)
    assert a.shape == b.shape and not np.allclose(a, b)
    # the pseudo-labelled rows moved the model, not into nonsense: it still agrees with most labels
    y = labels_to_index(test["label"])
    assert (b.argmax(axis=1) == y).mean() > 0.6


def test_pinned_train_split_keeps_new_labels_out_of_the_held_out_splits(shared, annotated, real_postings, tmp_path):
    # a later round's labels marked "split": "train" never reach validation or test, and the shared
    # annotations keep exactly the splits they had without them
    new = (_as_input(real_postings.sample(400, seed=9)).join(annotated.select("uid"), on="uid", how="anti")
           .select("uid", pl.lit("NOT_AI").alias("label"), pl.lit("train").alias("split")))
    new.write_ndjson(tmp_path / "round.jsonl")
    both = load_annotations([shared / "data" / "annotations" / "train.jsonl", tmp_path / "round.jsonl"], real_postings)
    assert both.height == annotated.height + new.height
    assert (both.filter(pl.col("uid").is_in(new["uid"].implode()))["split"] == "train").all()
    assert both["split_pinned"].sum() == new.height
    old = both.filter(~pl.col("uid").is_in(new["uid"].implode())).select("uid", "split").sort("uid")
    assert old.equals(annotated.select("uid", "split").sort("uid"))
    # the fast backend trains on pinned rows but tunes (out of fold) on the others only
    small = pl.concat([both.filter(~pl.col("split_pinned") & (pl.col("split") == "train")).head(250),
                       both.filter(pl.col("split_pinned")).head(100)])
    clf = train_classifier(small)
    assert clf.metrics["rows"]["train"] == 350 and clf.metrics["out_of_fold"]["n"] == 250
    new.with_columns(pl.lit("holdout").alias("split")).write_ndjson(tmp_path / "bad.jsonl")
    with pytest.raises(ValueError, match="split must be one of"):
        load_annotations([tmp_path / "bad.jsonl"], real_postings)
