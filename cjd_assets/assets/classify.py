"""Stage 3: labelled postings, the trained classifier, its evaluation, and every primary posting classified."""

import hashlib
import json
from datetime import datetime, timezone
from pathlib import Path

import dagster as dg
import polars as pl

from cjd_assets import classify, model_cache
from cjd_assets import warehouse as wh
from cjd_assets.assets.dedup import deduplicated_postings
from cjd_assets.assets import stamp
from cjd_assets.classify import compare
from cjd_assets.classify.evaluate import predicted_indices
from cjd_assets.classify import model as classifier_model
from cjd_assets.jobs import DUCKDB_POOL
from cjd_assets.resources import ClassifierSettings, Lake, Warehouse
from cjd_assets.schema import CATEGORIES, CLASSIFIER_INPUT_COLUMNS, CLASSIFIER_TEXT_COLUMNS, DISTRIBUTION_COLUMNS

BATCH_SIZE = 50_000


# The classifier library's version: a change of features, training or prediction re-runs this branch.
CODE_VERSION = classifier_model.CODE_VERSION


@dg.asset(group_name="classify", kinds={"duckdb"}, code_version=CODE_VERSION, pool=DUCKDB_POOL)
def annotations(warehouse: Warehouse, classifier_settings: ClassifierSettings) -> dg.MaterializeResult:
    """Labelled postings (uid, label per the annotation guideline, confidence) joined to their texts and
    split into train / validation / test, stratified by label and reproducible from the split seed."""
    paths = [Path(p) for p in classifier_settings.annotation_paths]
    # Several texts files may be given (comma-separated): the shared real postings, and the texts that
    # `cjd export-sample` wrote beside a sample annotators labelled.
    texts_paths = [Path(p) for p in classifier_settings.annotation_texts_path.split(",") if p]
    missing = [str(p) for p in [*paths, *texts_paths] if not p.exists()]
    if missing or not paths or not texts_paths:
        raise dg.Failure(
            description="Annotation files not found: " + (", ".join(missing) or "none configured")
            + ". Set CJD_ANNOTATIONS (label files) and CJD_ANNOTATION_TEXTS (their texts)."
        )
    texts = pl.concat([pl.read_parquet(p) for p in texts_paths], how="diagonal_relaxed")
    df, load_report = classify.load_annotations_with_report(paths, texts, seed=classifier_settings.split_seed)
    with warehouse.connection() as con:
        wh.write_table(con, "annotations", stamp(df, f"annotations-{CODE_VERSION}"))
    counts = df.group_by("split", "label").len().sort("split", "label")
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": df.height,
            "labels_by_split": dg.MetadataValue.md(
                wh.markdown_preview(counts.pivot(on="split", index="label", values="len"), max_rows=10)
            ),
            "dropped_no_text": int(load_report.get("dropped_no_text", 0)),
            "postings_labelled_twice": int(load_report.get("postings_labelled_twice", 0)),
            "conflicting_labels": int(load_report.get("conflicting_labels", 0)),
            # rows whose label file fixed the split (e.g. "split": "train" for silver labels: never scored)
            "pinned_split": int(load_report.get("pinned_split", 0)),
            "annotator_agreement": dg.MetadataValue.json(
                json.loads(json.dumps(load_report.get("agreement") or {}, default=str))
            ),
        }
    )


@dg.asset(deps=[annotations], group_name="classify", kinds={"duckdb", "pytorch"}, code_version=CODE_VERSION,
          pool=DUCKDB_POOL)
def job_classifier(
    context: dg.AssetExecutionContext, warehouse: Warehouse, lake: Lake, classifier_settings: ClassifierSettings
) -> dg.MaterializeResult:
    """The five-class AI-workforce classifier (TT1, TT2, Product, Commercial, Not AI) learned from the
    annotations' train and validation splits (the fast backend tunes its calibration and its Technical
    Team 1 precision threshold out of fold; BERT early-stops on validation) and scored on the held-out
    test split. One row per model version; weights, label map and metrics are saved under the lake."""
    with warehouse.connection() as con:
        labelled = wh.read_frame(con, "SELECT * FROM annotations")
    backend = classifier_settings.backend
    context.log.info(f"training the {backend} classifier on {labelled.height} labelled postings")
    params = classifier_settings.train_params()
    # retrained (the fast backend tunes for 30-50 s) only when the labels, settings or classify/ code changed
    model, reused = model_cache.cached(
        lake.path("models", "cache"), "classifier", labelled, {"backend": backend, **params},
        classify.model.CODE_VERSION, lambda: classify.train_classifier(labelled, backend=backend, **params),
        lambda m, p: m.save(p), classify.load_classifier, code=(classify,))
    context.log.info(f"classifier {model.version}: {'reused, labels and settings unchanged' if reused else 'trained'}")
    model_dir = lake.path("models", model.version)  # the version names its backend already
    model.save(model_dir)
    metrics = model.metrics.get("test")  # scored on the held-out test split while training
    if metrics is None:
        raise dg.Failure(description="The annotations have no test split: the classifier cannot be scored.")
    row = pl.DataFrame(
        {
            "model_version": [model.version],
            "backend": [model.backend],
            "model_path": [str(model_dir)],
            "trained_at": [datetime.now(timezone.utc)],
            "train_rows": [int((labelled["split"] == "train").sum())],
            "test_accuracy": [float(metrics["accuracy"])],
            "test_macro_f1": [float(metrics["macro_f1"])],
            "metrics_json": [json.dumps(metrics, ensure_ascii=False)],
        }
    )
    row = stamp(row, f"classify-{model.backend}-{model.version}")
    with warehouse.connection() as con:
        if wh.table_exists(con, "job_classifier"):
            con.execute("DELETE FROM job_classifier WHERE model_version = ?", [model.version])
        wh.append(con, "job_classifier", row)
    return dg.MaterializeResult(
        metadata={
            "model_version": model.version,
            "backend": model.backend,
            "model_path": dg.MetadataValue.path(str(model_dir)),
            "test_accuracy": float(metrics["accuracy"]),
            "test_macro_f1": float(metrics["macro_f1"]),
            "evaluation": dg.MetadataValue.md(classify.metrics_markdown(metrics)),
        },
        data_version=dg.DataVersion(model.version),
    )


PREVIEW_SQL = wh.sql_text("classified_preview",
                          distribution_columns=", ".join("c." + wh.ident(col) for col in DISTRIBUTION_COLUMNS),
                          categories=str(list(CATEGORIES)))


def _rounded(corrected: pl.DataFrame) -> pl.DataFrame:
    """Corrected counts as whole postings and shares to 0.1 %, for reading in the UI."""
    counts = [c for c in ("raw_count", "corrected_count", "ci_low", "ci_high") if c in corrected.columns]
    shares = [c for c in corrected.columns if c.endswith("_share")]
    return corrected.with_columns(*[pl.col(c).round(0).cast(pl.Int64) for c in counts],
                                  *[pl.col(c).round(3) for c in shares])


def latest_model(con) -> tuple[str, str, dict]:
    rows = con.execute(
        "SELECT model_version, model_path, metrics_json FROM job_classifier ORDER BY trained_at DESC LIMIT 1"
    ).fetchall()
    row = rows[0] if rows else None
    if row is None:
        raise dg.Failure(description="No trained classifier: materialize job_classifier first.")
    return row[0], row[1], json.loads(row[2])


def _evaluation_spec(name: str, description: str) -> dg.AssetSpec:
    return dg.AssetSpec(name, deps=[job_classifier, annotations], group_name="classify", kinds={"duckdb"},
                        code_version=CODE_VERSION, description=description)


@dg.multi_asset(
    specs=[
        _evaluation_spec("classifier_evaluation", "Per-class precision, recall, F1 and F0.5 (precision weighted, "
                         "as the study favours it) of the current classifier on the held-out test split, with "
                         "its model version."),
        _evaluation_spec("classifier_confusion", "The current classifier's confusion matrix on the held-out test "
                         "split: one row per true category, one `predicted_<category>` column per prediction."),
        _evaluation_spec("classifier_model_comparison", "The classifier beside a plain char 1-3-gram TF-IDF + "
                         "logistic-regression baseline trained on the same labels in the same run: held-out "
                         "scores, and cross-validated ones when CJD_EVALUATION_FOLDS >= 2; each also on the "
                         "postings the annotator was sure of and those marked ambiguous, and beside them an "
                         "independent re-annotation of the test postings scored the same way (what people "
                         "agree on: the ceiling)."),
        _evaluation_spec("classifier_learning_curve", "Held-out macro-F1 of the classifier and the baseline "
                         "against the number of training labels (empty unless CJD_EVALUATION_FOLDS >= 2)."),
    ],
    pool=DUCKDB_POOL,
)
def classifier_evaluation(warehouse: Warehouse, lake: Lake, classifier_settings: ClassifierSettings):
    """Scores of the current classifier on the held-out test split: accuracy, per-class precision, recall,
    F1 and F0.5, and the confusion matrix; beside it, a baseline trained on the same labels in the same run,
    cross-validated and held-out (`classifier_model_comparison`), and a learning curve of both
    (`classifier_learning_curve`)."""
    with warehouse.connection() as con:
        version, model_path, metrics = latest_model(con)
        labelled = wh.read_frame(con, "SELECT * FROM annotations")
    per_class = pl.DataFrame(
        [
            {"model_version": version, "category": c, **{k: float(v) for k, v in metrics["per_class"][c].items()}}
            for c in CATEGORIES
        ]
    )
    confusion = pl.DataFrame(
        {"true_category": list(CATEGORIES), **{f"predicted_{c}": [r[i] for r in metrics["confusion"]]
                                               for i, c in enumerate(CATEGORIES)}}
    )
    model = classify.load_classifier(Path(model_path))
    # a backend cheap to train (fast) is retrained per fold; BERT is compared on the held-out split only
    fast = classify.backend_class(model.backend).retrain_per_fold
    fitters = {compare.BASELINE: compare.baseline_fit_predict}
    if fast:
        fitters[compare.FAST] = compare.fast_fitter(**model.params)
    # labels whose file pinned their split (later rounds' silver labels) are trained on, never scored
    pinned = labelled["split_pinned"].fill_null(False) if "split_pinned" in labelled.columns else None
    folds = classifier_settings.evaluation_folds if fast else 0
    second = classifier_settings.second_opinion_path
    second_opinion = classify.import_annotations(Path(second)) if second and Path(second).is_file() else None
    # the baseline and the folds are refitted (about 45 s) only when the labels, model or code changed
    report, _ = model_cache.cached(
        lake.path("models", "cache"), "evaluation", labelled,
        {"model": version, "folds": folds, "second_opinion": None if second_opinion is None
         else hashlib.sha1(second_opinion.select("uid", "label").sort("uid").write_csv().encode()).hexdigest()},
        classify.model.CODE_VERSION, lambda: classify.evaluation_report(
        labelled if pinned is None else labelled.filter(~pinned), fitters,
        folds=folds,
        curve_shares=(0.25, 0.5, 0.75, 1.0) if fast and classifier_settings.evaluation_folds >= 2 else (),
        extra_train=None if pinned is None else labelled.filter(pinned), second_opinion=second_opinion,
        # the shipped model was trained on exactly the held-out view's rows: score it, do not refit it
        trained={compare.FAST: lambda test: predicted_indices(model, test)} if fast else None),
        model_cache.save_pickle, model_cache.load_pickle, code=(classify,))
    version_tag = f"classify-{model.backend}-{version}"
    tables = {
        "classifier_evaluation": per_class,
        "classifier_confusion": confusion.with_columns(model_version=pl.lit(version)),
        "classifier_model_comparison": report["models"].with_columns(model_version=pl.lit(version)),
        "classifier_learning_curve": report["learning_curve"].with_columns(model_version=pl.lit(version)),
    }
    with warehouse.connection() as con:
        for name, frame in tables.items():
            wh.write_table(con, name, stamp(frame, version_tag))
    yield dg.MaterializeResult(
        asset_key="classifier_evaluation",
        metadata={
            "dagster/row_count": per_class.height,
            "model_version": version,
            "accuracy": float(metrics["accuracy"]),
            "macro_f1": float(metrics["macro_f1"]),
            "per_class": dg.MetadataValue.md(wh.markdown_preview(per_class.drop("model_version"))),
            "beside_baseline": dg.MetadataValue.md(classify.report_markdown(report)),
        },
    )
    yield dg.MaterializeResult(
        asset_key="classifier_confusion",
        metadata={"dagster/row_count": confusion.height, "model_version": version,
                  "confusion_matrix": dg.MetadataValue.md(wh.markdown_preview(confusion))},
    )
    for name in ("classifier_model_comparison", "classifier_learning_curve"):
        yield dg.MaterializeResult(
            asset_key=name,
            metadata={"dagster/row_count": tables[name].height, "model_version": version,
                      "preview": dg.MetadataValue.md(wh.markdown_preview(tables[name].drop("model_version")))},
        )


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            "classified_postings", deps=[deduplicated_postings, job_classifier], group_name="classify",
            kinds={"duckdb"}, code_version=CODE_VERSION,
            description="`job_category_pr` and the five-class probability distribution "
                        "`job_category0..4_distribution_pr` (TT1, TT2, Product, Commercial, Not AI) of every primary "
                        "posting, with the model version. Postings whose text and model are unchanged keep their "
                        "earlier result; only new or changed ones are classified."),
        dg.AssetSpec(
            "classifier_corrected_counts", deps=["classified_postings", job_classifier], group_name="classify",
            kinds={"duckdb"}, code_version=CODE_VERSION,
            description="Postings per category corrected for the classifier's errors (the test confusion "
                        "matrix inverted on the predicted counts) with bootstrap intervals and a "
                        "`correction_reliable` flag; Table 1 shows them beside the raw counts."),
    ],
    check_specs=[dg.AssetCheckSpec(
        "every_primary_classified_once", asset="classified_postings", blocking=True,
        description="classified_postings has exactly one row per primary posting of deduplicated_postings.")],
    pool=DUCKDB_POOL,
)
def classified_postings(
    context: dg.AssetExecutionContext, warehouse: Warehouse, lake: Lake, classifier_settings: ClassifierSettings
):
    """Classifies every new or changed primary posting, then counts the categories corrected for error."""
    with warehouse.connection() as con:
        version, model_path, metrics = latest_model(con)
        model = classify.load_classifier(Path(model_path))
        # Results survive for postings whose text and model are unchanged; the rest is (re)classified.
        # board_occupation where the table has it (a warehouse ingested before it existed has not)
        have = set(wh.read_frame(con, "SELECT * FROM deduplicated_postings LIMIT 0").columns)
        inputs = [c for c in CLASSIFIER_INPUT_COLUMNS if c in CLASSIFIER_TEXT_COLUMNS or c in have]
        pending_sql, pending = wh.pending_primaries(con, "classified_postings", inputs, "model_version", version)
        context.log.info(f"classifying {pending:,} new or changed postings with model {version}")
        done = 0
        now = datetime.now(timezone.utc)
        for batch in wh.iter_frames(con, pending_sql, batch_size=BATCH_SIZE):
            pred = model.predict(batch)
            out = pl.concat(
                [batch.select("id", "input_hash"), pred.select("job_category_pr", *DISTRIBUTION_COLUMNS)],
                how="horizontal",
            ).with_columns(model_version=pl.lit(version))
            out = stamp(out, f"classify-{model.backend}-{version}", now)
            wh.append(con, "classified_postings", out)
            done += batch.height
            context.log.info(f"classified {done:,}/{pending:,}")
        if done == 0 and not wh.table_exists(con, "classified_postings"):
            raise dg.Failure(description="No primary postings to classify: materialize the harvest first.")
        counts = wh.read_frame(
            con, "SELECT job_category_pr AS category, count(*) AS n FROM classified_postings GROUP BY 1"
        )
        primaries = wh.row_count(con, "deduplicated_postings", "is_primary")
        classified = wh.row_count(con, "classified_postings")
        distinct = con.execute("SELECT count(DISTINCT id) FROM classified_postings").fetchall()[0][0]
        predicted = wh.read_frame(con, "SELECT job_category_pr FROM classified_postings")["job_category_pr"]
        corrected = classify.corrected_counts(
            predicted, metrics["confusion"], n_boot=classifier_settings.bootstrap_samples
        )
        wh.write_table(con, "classifier_corrected_counts", stamp(
            corrected.with_columns(model_version=pl.lit(version)), f"classify-{model.backend}-{version}"))
        preview = wh.read_frame(con, PREVIEW_SQL)
    by_cat = {r["category"]: r["n"] for r in counts.iter_rows(named=True)}
    ok = classified == primaries == distinct
    yield dg.MaterializeResult(
        asset_key="classified_postings",
        metadata={
            "dagster/row_count": classified,
            "model_version": version,
            "classified_this_run": done,
            "reused_from_earlier_runs": classified - done,
            "by_category": {c: int(by_cat.get(c, 0)) for c in CATEGORIES},
            "preview": dg.MetadataValue.md(wh.markdown_preview(preview, max_rows=20, max_chars=50)),
        },
        check_results=[
            dg.AssetCheckResult(
                asset_key="classified_postings",
                check_name="every_primary_classified_once",
                passed=ok,
                description=None if ok else (
                    f"{primaries:,} primary postings, {classified:,} classified rows, {distinct:,} distinct ids"),
                metadata={"primary_postings": primaries, "classified_rows": classified, "distinct_ids": distinct},
            )
        ],
    )
    yield dg.MaterializeResult(
        asset_key="classifier_corrected_counts",
        metadata={
            "dagster/row_count": corrected.height,
            "model_version": version,
            "bootstrap_samples": classifier_settings.bootstrap_samples,
            "corrected_counts": dg.MetadataValue.md(wh.markdown_preview(_rounded(corrected))),
        },
    )
