"""The headline pipeline benchmark on real-shaped postings, ingested the README's way (`cjd ingest`).

    python bench/bench_ingest.py --rows 1000000                 # writes bench/BENCH_ingest.md
    python bench/bench_ingest.py --rows 10100000 --json-out /tmp/b.json

1. `cjd_assets.demo.resample.write_harvest_files` resamples ../shared/data/real_postings/postings.parquet
   (bodies, salaries, locations as found) into Parquet harvest files of 500 k rows in the export format,
   each unique posting made unique, a third of the rows re-crawls (the study: 6.8 M unique of 10.1 M).
2. A fresh process with its own warehouse, lake and DAGSTER_HOME runs `cjd ingest FILE...` (cli.main):
   one harvest_job per file, then analysis_job. A sampler thread reads the process's RSS and CPU time
   (/proc/self, all threads, DuckDB's included) every 0.5 s; each step's wall time comes from its
   STEP_START/STEP_SUCCESS events in the instance's event log, its CPU s and peak RSS from the samples
   inside that window. Harvest steps are summed over the files. Load average is recorded before and after:
   the box is shared.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_pipeline import NOTES_MARKER, Sampler, _gib, step_times  # noqa: E402

REPO = HERE.parent
GOAL_WALL_S = 30 * 60
GOAL_RSS_GIB = 8.0


def _child_ingest(ws: Path, files: list[str], out: Path) -> None:
    os.environ.update({"CJD_DUCKDB": str(ws / "cjd.duckdb"), "CJD_LAKE_DIR": str(ws / "lake"),
                       "CJD_LANDING_DIR": str(ws / "landing"), "DAGSTER_HOME": str(ws / "dagster_home")})
    os.chdir(ws)
    import dagster as dg

    from cjd_assets import cli

    sampler = Sampler(interval=0.5)
    sampler.start()
    t0 = time.time()
    err = None
    try:
        cli.main(["ingest", *files])
    except SystemExit as e:
        err = str(e)
    t1 = time.time()
    sampler.stop()
    instance = dg.DagsterInstance.get()
    steps = []
    for run in instance.get_runs():
        starts, ends, status = step_times(instance, run.run_id)
        for key, s in starts.items():
            e = ends.get(key, t1)
            peak, cpu = sampler.window(s, e)
            steps.append({"job": run.job_name, "step": key, "start": s - t0, "wall_s": e - s, "cpu_s": cpu,
                          "peak_rss": peak, "status": status.get(key, "not finished")})
    import duckdb

    counts = {}
    try:
        with duckdb.connect(str(ws / "cjd.duckdb"), read_only=True) as con:
            for name, sql in (("harvested", "SELECT count(*) FROM raw_postings"),
                              ("unique", "SELECT count(*) FROM deduplicated_postings WHERE is_primary"),
                              ("classified", "SELECT count(*) FROM classified_postings"),
                              ("normalized", "SELECT count(*) FROM normalized_postings"),
                              ("salary_predictions", "SELECT count(*) FROM salary_predictions"),
                              ("keyword_rows", "SELECT count(*) FROM ai_keyword_postings")):
                try:
                    counts[name] = con.execute(sql).fetchall()[0][0]
                except duckdb.Error:
                    counts[name] = None
    except duckdb.Error as e:
        counts["error"] = str(e)[:200]
    db = ws / "cjd.duckdb"
    out.write_text(json.dumps({
        "total_s": t1 - t0, "cpu_s": sampler.samples[-1][2] - sampler.samples[0][2],
        "peak_rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024, "error": err, "steps": steps,
        "counts": counts, "db_bytes": db.stat().st_size if db.exists() else 0,
    }))


def bench(rows: int, rows_per_file: int, keep: bool, tmp_root: str | None) -> dict:
    from cjd_assets.demo.resample import STUDY_UNIQUE_SHARE, write_harvest_files
    from cjd_assets.paths import shared_dir

    ws = Path(tempfile.mkdtemp(prefix=f"cjd-ingest-{rows}-", dir=tmp_root))
    t = time.time()
    files = write_harvest_files(shared_dir() / "data" / "real_postings" / "postings.parquet", ws / "harvests",
                                rows, STUDY_UNIQUE_SHARE, rows_per_file)
    gen_s = time.time() - t
    out: dict = {"rows": rows, "files": len(files), "generate_s": gen_s, "workspace": str(ws),
                 "harvest_bytes": sum(f.stat().st_size for f in files), "loadavg_before": os.getloadavg(),
                 "started_at": f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC"}
    print(f"[bench] {rows:,} rows in {len(files)} files ({gen_s:.0f} s); cjd ingest …", flush=True)
    js = ws / "ingest.json"
    # The load average is sampled in the parent while the child runs: the box is shared.
    proc = subprocess.Popen([sys.executable, __file__, "--child", str(ws), "--json", str(js), *map(str, files)],
                            env={**os.environ, "PYTHONPATH": str(REPO)})
    loads = []
    while proc.poll() is None:
        loads.append(os.getloadavg()[0])
        time.sleep(15)
    out["loadavg_during"] = [min(loads or [0]), sum(loads or [0]) / max(len(loads), 1), max(loads or [0])]
    out["loadavg_after"] = os.getloadavg()
    out["ingest"] = json.loads(js.read_text()) if js.exists() else {"error": f"child exit {proc.returncode}"}
    if not keep:
        import shutil

        shutil.rmtree(ws, ignore_errors=True)
    return out


def stage_rows(r: dict) -> list[dict]:
    """Per step, summed over runs (harvest steps once per file)."""
    agg: dict = defaultdict(lambda: {"wall_s": 0.0, "cpu_s": 0.0, "peak_rss": 0, "n": 0, "status": set()})
    for s in r["ingest"].get("steps", []):
        a = agg[s["step"]]
        a["wall_s"] += s["wall_s"]
        a["cpu_s"] += s["cpu_s"]
        a["peak_rss"] = max(a["peak_rss"], s["peak_rss"])
        a["n"] += 1
        a["status"].add(s["status"])
    return [{"step": k, **v, "status": ",".join(sorted(v["status"]))} for k, v in agg.items()]


def markdown(results: list[dict]) -> str:
    import dagster
    import duckdb
    import polars

    mem = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    lines = [
        "# Pipeline on real-shaped postings (issue 17)",
        "",
        "`python bench/bench_ingest.py --rows N` — real postings resampled into Parquet harvest files "
        "(`cjd_assets/demo/resample.py`: values as found, each unique posting made unique, a third re-crawls), "
        "ingested with `cjd ingest` (harvest_job per file, then analysis_job, fast classifier backend) in a fresh "
        "process. Wall per step from Dagster step events; CPU s = process CPU over the step (all threads); RSS "
        "sampled every 0.5 s.",
        "",
        f"Machine: {os.cpu_count()} cores, {_gib(mem)} GiB RAM, {platform.python_implementation()} "
        f"{platform.python_version()}, dagster {dagster.__version__}, duckdb {duckdb.__version__}, polars "
        f"{polars.__version__}. The box may be shared with other work: the load average (1 min) before / "
        "during (min, mean, max) is in the table; wall time above CPU s / cores means the run waited for cores.",
        "",
        f"Goal: 10.1 M harvested end to end < {GOAL_WALL_S // 60} min, peak RSS < {GOAL_RSS_GIB:g} GiB.",
        "",
        "| harvested | files | unique | classified | total wall s | CPU s | peak RSS GiB | load before / during | "
        "DuckDB GiB | result |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        i = r["ingest"]
        c = i.get("counts", {})
        ld = r.get("loadavg_during", [0, 0, 0])
        lines.append(
            f"| {c.get('harvested') or r['rows']:,} | {r['files']} | {c.get('unique') or 0:,} | "
            f"{c.get('classified') or 0:,} | {i.get('total_s', 0):.0f} | {i.get('cpu_s', 0):.0f} | "
            f"{_gib(i.get('peak_rss', 0))} | {r['loadavg_before'][0]:.1f} / {ld[0]:.1f}, {ld[1]:.1f}, {ld[2]:.1f} | "
            f"{_gib(i.get('db_bytes', 0))} | {i.get('error') or 'ok'} |")
    for r in results:
        rows = sorted(stage_rows(r), key=lambda s: -s["wall_s"])
        lines += ["", f"## {r['rows']:,} harvested: per step (summed over runs)", "",
                  "| step | runs | wall s | CPU s | peak RSS GiB | status |", "|---|---|---|---|---|---|"]
        for s in rows:
            lines.append(f"| `{s['step']}` | {s['n']} | {s['wall_s']:.1f} | {s['cpu_s']:.1f} | "
                         f"{_gib(s['peak_rss'])} | {s['status']} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, nargs="+", default=[1_000_000])
    ap.add_argument("--rows-per-file", type=int, default=500_000)
    ap.add_argument("--out", default=str(HERE / "BENCH_ingest.md"))
    ap.add_argument("--json-out")
    ap.add_argument("--from-json", nargs="+", help="only render the Markdown from --json-out files")
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--tmp", default=os.environ.get("CJD_BENCH_TMP"))
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--json", help=argparse.SUPPRESS)
    ap.add_argument("files", nargs="*", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        _child_ingest(Path(args.child), args.files, Path(args.json))
        return
    if args.from_json:
        results = [r for f in args.from_json for r in json.loads(Path(f).read_text())]
        write(Path(args.out), results)
        return
    results = []
    for rows in args.rows:
        results.append(bench(rows, args.rows_per_file, args.keep, args.tmp))
        i = results[-1]["ingest"]
        print(f"[bench] {rows:,}: {i.get('error') or 'ok'} in {i.get('total_s', 0):.0f} s, "
              f"peak RSS {_gib(i.get('peak_rss', 0))} GiB", flush=True)
        if args.json_out:
            Path(args.json_out).write_text(json.dumps(results, indent=1))
        write(Path(args.out), results)


def write(path: Path, results: list[dict]) -> None:
    """Rewrite the generated tables, keeping the hand-written notes after NOTES_MARKER."""
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    notes = old.split(NOTES_MARKER, 1)[1] if NOTES_MARKER in old else ""
    path.write_text(markdown(results) + "\n" + NOTES_MARKER + notes, encoding="utf-8")


if __name__ == "__main__":
    main()
