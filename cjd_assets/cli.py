"""`cjd`: run the pipeline from a terminal, recording runs in the same Dagster instance the UI shows.

    cjd demo [--postings N]      crawl the embedded demo board and materialize every asset
    cjd ingest FILE [FILE ...]   harvest export files / saved-page folders / WARC files, then the analysis
    cjd analyse                  re-run the analysis stages over all harvests
    cjd export-sample N OUT.csv  unlabelled postings the classifier is least sure of, for annotators
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from cjd_assets.paths import data_dir


def _instance():
    import dagster as dg

    home = Path(os.environ.setdefault("DAGSTER_HOME", str(data_dir() / "dagster_home")))
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists() or not config.read_text(encoding="utf-8").strip():
        # the DuckDB pool's limit, so runs the UI launches later on this home write one at a time
        config.write_text((Path(__file__).parent / "data" / "dagster_instance.yaml").read_text(encoding="utf-8"),
                          encoding="utf-8")
    instance = dg.DagsterInstance.get()
    _free_abandoned_pool_slots(instance)
    return instance


def _free_abandoned_pool_slots(instance) -> None:
    """Slots of the DuckDB pool still held by runs that are over (a killed `cjd`, a crashed worker): with no
    daemon to free them, the next run would wait for them for ever."""
    from cjd_assets.jobs import DUCKDB_POOL

    storage = instance.event_log_storage
    if not storage.supports_global_concurrency_limits or DUCKDB_POOL not in storage.get_concurrency_keys():
        return
    for run_id in storage.get_concurrency_info(DUCKDB_POOL).active_run_ids:
        run = instance.get_run_by_id(run_id)
        if run is None or run.is_finished:
            storage.free_concurrency_slots_for_run(run_id)


# ERROR-severity checks that failed in this command's runs; main() exits non-zero when any did.
_FAILED_CHECKS: list[str] = []


def _failed_error_checks(result) -> list[str]:
    """One line per ERROR-severity asset check that failed in `result`: check, asset, what failed."""
    import dagster as dg

    lines = []
    for e in result.get_asset_check_evaluations():
        if e.passed or e.severity != dg.AssetCheckSeverity.ERROR:
            continue
        meta = ", ".join(f"{k}={getattr(v, 'value', v)}" for k, v in (e.metadata or {}).items())
        lines.append(f"{e.check_name} on {e.asset_key.to_user_string()}: {e.description or 'failed'}"
                     + (f" [{meta}]" if meta else ""))
    return lines


def _run(defs, job: str, instance, partition_key: str | None = None) -> None:
    started = time.monotonic()
    result = defs.resolve_job_def(job).execute_in_process(
        instance=instance, partition_key=partition_key, raise_on_error=False,
        # Step-level INFO on the terminal; the full DEBUG log is in the Dagster UI.
        run_config={"loggers": {"console": {"config": {"log_level": "INFO"}}}},
    )
    took = time.monotonic() - started
    failed_checks = _failed_error_checks(result)
    for line in failed_checks:
        print(f"[cjd] FAILED CHECK (ERROR) {line}", file=sys.stderr)
    if not result.success:
        # a failed blocking check fails its step, and the steps downstream do not run
        failed = [e for e in result.all_events if e.is_step_failure]
        for e in failed:
            print(f"  step {e.step_key} failed: {e.event_specific_data.error.message.strip()}", file=sys.stderr)
        raise SystemExit(f"{job} failed (run {result.run_id}); see the Dagster UI for the full log")
    _FAILED_CHECKS.extend(failed_checks)
    status = f"{len(failed_checks)} ERROR check(s) FAILED" if failed_checks else "ok"
    print(f"[cjd] {job}{' ' + partition_key if partition_key else ''}: {status} in {took:.1f}s "
          f"(run {result.run_id[:8]})")


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
        print(f"Report: {report}" + (f" (PDF: {report.with_suffix('.pdf')})" if report.with_suffix(".pdf").exists() else ""))
    print(f"Dagster UI on these runs: DAGSTER_HOME={os.environ['DAGSTER_HOME']} dg dev   (in {Path.cwd()})")


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
    from cjd_assets.harvest import landing
    from cjd_assets.partitions import HARVEST_ASSET, file_key_for, harvests
    from cjd_assets.resources import default_resources

    resources = default_resources()
    defs = build_definitions(resources)
    instance = _instance()
    lake = Path(resources["lake"].directory)
    missing = [f for f in args.files if not Path(f).exists()]
    if missing:
        raise SystemExit(f"no such harvest file: {', '.join(missing)}")
    failed, ran = [], 0
    for f in args.files:
        # A copy kept in the lake under its content digest: two files never share a partition, and the
        # same bytes given again are the same harvest (run again only if it has not succeeded).
        kept = landing.claim(Path(f), lake, keep_source=True)
        key = file_key_for(instance, Path(f).name, kept.digest)
        if key in instance.get_materialized_partitions(HARVEST_ASSET):
            print(f"[cjd] {f}: same content as harvest {key}, already ingested")
            continue
        instance.add_dynamic_partitions(harvests.name, [key])
        ran += 1
        try:
            _run(defs, "harvest_job", instance, partition_key=key)
        except SystemExit as e:  # the other files are still ingested; the exit status says one failed
            print(e, file=sys.stderr)
            failed.append(f)
    if ran > len(failed):
        _run(defs, "analysis_job", instance)
        _print_outputs(resources)
    elif not failed:
        print("[cjd] nothing new to ingest (`cjd analyse` re-runs the analysis)")
    if failed:
        raise SystemExit(f"not ingested: {', '.join(failed)} (run `cjd ingest` on them again once fixed)")


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
        # the board's occupation label too (the classifier reads it), where the warehouse has it
        board = ("board_occupation" in wh.read_frame(con, "SELECT * FROM deduplicated_postings LIMIT 0").columns)
        postings = wh.read_frame(
            con, "SELECT id AS uid, source AS source_board, title_extracted AS title, company_name_extracted "
                 "AS company, body_extracted AS body" + (", board_occupation" if board else "")
                 + " FROM deduplicated_postings WHERE is_primary")
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


def export(args: argparse.Namespace) -> None:
    from cjd_assets import warehouse as wh
    from cjd_assets.export import export_postings
    from cjd_assets.resources import default_resources

    resources = default_resources()
    out = Path(args.out) if args.out else resources["lake"].path("export")
    formats = tuple(f.strip() for f in args.formats.split(",") if f.strip())
    with wh.connect(resources["warehouse"].database, read_only=True) as con:
        paths = export_postings(con, out, formats=formats)
    print(f"[cjd] unique postings exported to {out}:")
    for kind, path in paths.items():
        print(f"      {kind:<13} {path}")


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
    p = sub.add_parser("export", help="the unique postings with every field as Parquet, CSV and Stata, with a codebook")
    p.add_argument("out", nargs="?", help="output folder (default: $CJD_LAKE_DIR/export)")
    p.add_argument("--formats", default="parquet,csv,dta", help="comma-separated: parquet, csv, dta")
    p.set_defaults(func=export)
    args = parser.parse_args(argv)
    _FAILED_CHECKS.clear()
    args.func(args)
    if _FAILED_CHECKS:
        # the outputs were written and printed; the run still did not pass its checks
        raise SystemExit(f"[cjd] {len(_FAILED_CHECKS)} ERROR check(s) failed:\n  " + "\n  ".join(_FAILED_CHECKS))


if __name__ == "__main__":
    main()
