"""`cjd`: run the pipeline from a terminal, recording runs in the same Dagster instance the UI shows.

    cjd demo [--postings N]      crawl the embedded demo board and materialize every asset
    cjd ingest FILE [FILE ...]   harvest export files / saved-page folders / WARC files, then the analysis
    cjd analyse                  re-run the analysis stages over all harvests
    cjd export-sample N OUT.csv  unlabelled postings the classifier is least sure of, for annotators
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from pathlib import Path

from cjd_assets.paths import data_dir


def _instance():
    import dagster as dg

    home = Path(os.environ.setdefault("DAGSTER_HOME", str(data_dir() / "dagster_home")))
    home.mkdir(parents=True, exist_ok=True)
    (home / "dagster.yaml").touch()
    return dg.DagsterInstance.get()


def _run(defs, job: str, instance, partition_key: str | None = None) -> None:
    started = time.monotonic()
    result = defs.resolve_job_def(job).execute_in_process(
        instance=instance, partition_key=partition_key, raise_on_error=False,
        # Step-level INFO on the terminal; the full DEBUG log is in the Dagster UI.
        run_config={"loggers": {"console": {"config": {"log_level": "INFO"}}}},
    )
    took = time.monotonic() - started
    if not result.success:
        failed = [e for e in result.all_events if e.is_step_failure]
        for e in failed:
            print(f"  step {e.step_key} failed: {e.event_specific_data.error.message.strip()}", file=sys.stderr)
        raise SystemExit(f"{job} failed (run {result.run_id}); see the Dagster UI for the full log")
    print(f"[cjd] {job}{' ' + partition_key if partition_key else ''}: ok in {took:.1f}s (run {result.run_id[:8]})")


def _print_outputs(resources: dict) -> None:
    import polars as pl

    from cjd_assets import warehouse as wh

    database = resources["warehouse"].database
    with wh.connect(database, read_only=True) as con:
        table1 = wh.read_frame(con, "SELECT * FROM summary_table1_by_category")
        tables = [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables ORDER BY 1").fetchall()]
    print("\nTable 1 — postings by category\n")
    print(wh.markdown_preview(table1.with_columns(pl.col(pl.Float64).round(3)), max_rows=10))
    print(f"\nDuckDB: {database} ({len(tables)} tables: {', '.join(tables)})")
    report = Path(resources["lake"].directory) / "report" / "report.html"
    if report.exists():
        print(f"Report: {report}")
    print(f"Dagster UI on these runs: DAGSTER_HOME={os.environ['DAGSTER_HOME']} dagster dev   (in {Path.cwd()})")


def demo(args: argparse.Namespace) -> None:
    from cjd_assets.definitions import build_definitions
    from cjd_assets.demo.board import DemoBoard
    from cjd_assets.demo.corpus import generate_corpus, write_demo_annotations
    from cjd_assets.partitions import crawl_partition_key, harvests
    from cjd_assets.resources import default_resources

    demo_dir = data_dir() / "demo"
    corpus = generate_corpus(args.postings, seed=args.seed)
    annotations, texts = write_demo_annotations(corpus, demo_dir, seed=args.seed)
    # The demo's own labelled postings train the offline classifier.
    os.environ["CJD_ANNOTATIONS"] = str(annotations)
    os.environ["CJD_ANNOTATION_TEXTS"] = str(texts)
    instance = _instance()
    with DemoBoard(corpus) as board:
        print(f"[cjd] demo board with {len(corpus)} postings on {board.address}")
        os.environ["CJD_CRAWL_SEEDS"] = " ".join(board.seed_urls())
        # The board answers like a proxy, so the crawler fetches the boards' real-looking URLs from it.
        os.environ["CJD_CRAWL_PROXY"] = board.address
        os.environ.setdefault("CJD_CRAWL_RATE", "200")
        os.environ.setdefault("CJD_CRAWL_CONCURRENCY", "8")
        resources = default_resources()
        defs = build_definitions(resources)
        key = crawl_partition_key()
        instance.add_dynamic_partitions(harvests.name, [key])
        _run(defs, "harvest_job", instance, partition_key=key)
    _run(defs, "analysis_job", instance)
    _print_outputs(resources)


def ingest(args: argparse.Namespace) -> None:
    from cjd_assets.definitions import build_definitions
    from cjd_assets.partitions import file_partition_key, harvests
    from cjd_assets.resources import default_resources

    resources = default_resources()
    defs = build_definitions(resources)
    instance = _instance()
    landing = resources["lake"].landing
    for f in args.files:
        src = Path(f)
        if not src.exists():
            raise SystemExit(f"no such harvest file: {src}")
        dest = landing / src.name
        if src.resolve() != dest.resolve():
            (shutil.copytree if src.is_dir() else shutil.copy2)(src, dest)
        key = file_partition_key(src.name)
        instance.add_dynamic_partitions(harvests.name, [key])
        _run(defs, "harvest_job", instance, partition_key=key)
    _run(defs, "analysis_job", instance)
    _print_outputs(resources)


def analyse(args: argparse.Namespace) -> None:
    from cjd_assets.definitions import build_definitions
    from cjd_assets.resources import default_resources

    resources = default_resources()
    _run(build_definitions(resources), "analysis_job", _instance())
    _print_outputs(resources)


def export_sample(args: argparse.Namespace) -> None:
    from cjd_assets import classify
    from cjd_assets import warehouse as wh
    from cjd_assets.resources import default_resources

    database = default_resources()["warehouse"].database
    with wh.connect(database, read_only=True) as con:
        postings = wh.read_frame(
            con, "SELECT id AS uid, source AS source_board, title_extracted AS title, company_name_extracted "
                 "AS company, body_extracted AS body FROM deduplicated_postings WHERE is_primary")
        labelled = (wh.read_frame(con, "SELECT DISTINCT uid FROM annotations")["uid"]
                    if wh.table_exists(con, "annotations") else None)
        model = (con.execute("SELECT model_path FROM job_classifier ORDER BY trained_at DESC LIMIT 1").fetchall()
                 if wh.table_exists(con, "job_classifier") else [])
    out = Path(args.out)
    if args.random or not model:
        # no model yet (or asked for): a plain random sample
        chosen = classify.export_annotation_sample(postings, args.n, seed=args.seed, exclude=labelled)
        sample = chosen
        how = "at random"
    else:
        clf = classify.load_classifier(Path(model[0][0]))
        proba = clf.predict_proba(postings.rename({"title": "title_extracted", "company": "company_name_extracted",
                                                   "body": "body_extracted"}))
        chosen = classify.select_for_annotation(postings, proba, args.n, seed=args.seed, exclude=labelled,
                                                random_share=args.random_share)
        sample = classify.annotation_sheet(chosen)
        how = f"least sure first, by predicted category and board ({args.random_share:.0%} random)"
    sample.write_csv(out)
    # The texts go beside the sample, in the real-postings format, so labels can be joined back by uid;
    # with the model's prediction and uncertainty, which the annotators' sheet leaves off.
    texts = out.with_suffix(".texts.parquet")
    extra = [c for c in ("predicted", "uncertainty", "picked") if c in chosen.columns]
    postings.join(chosen.select("uid", *extra), on="uid").write_parquet(texts)
    print(f"[cjd] {sample.height} postings to label in {out}, {how} "
          "(fill label: TT1, TT2, PRODUCT, COMMERCIAL, NOT_AI)")
    print(f"      then: CJD_ANNOTATIONS=<existing>,{out} CJD_ANNOTATION_TEXTS=<existing>,{texts}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="cjd", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("demo", help="crawl the embedded demo board and materialize every asset")
    p.add_argument("--postings", type=int, default=1200, help="postings in the generated demo corpus")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=demo)
    p = sub.add_parser("ingest", help="harvest files (exports, saved-page folders, WARC), then the analysis")
    p.add_argument("files", nargs="+")
    p.set_defaults(func=ingest)
    p = sub.add_parser("analyse", help="re-run dedup, classification, normalization and the summaries")
    p.set_defaults(func=analyse)
    p = sub.add_parser("export-sample", help="unlabelled postings the classifier is least sure of, for annotators (CSV)")
    p.add_argument("n", type=int)
    p.add_argument("out")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--random-share", type=float, default=0.3, help="share of each category drawn at random")
    p.add_argument("--random", action="store_true", help="a plain random sample instead")
    p.set_defaults(func=export_sample)
    args = parser.parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    main()
