"""The whole analysis pipeline (dedup → classify (fast backend) → normalize → keywords → summaries, clusters,
report) on 100 k and 1 M synthetic raw postings: wall time and CPU time per stage, peak RSS per stage.

The headline figure is `bench/bench_ingest.py`: real-shaped postings (the shared real postings resampled)
ingested with `cjd ingest`, harvest included. This script's synthetic postings (short generated text, no
harvest) stay for comparing the analysis stages alone.

    python bench/bench_pipeline.py                          # 100k then 1M, writes bench/BENCH_pipeline.md
    python bench/bench_pipeline.py --rows 100000 --out /tmp/b.md

Each size runs in fresh subprocesses: one writes `cjd_assets.demo.scale.generate_raw_postings` rows straight
into `raw_postings` of a temporary DuckDB (the HTML parse is benchmarked in bench_parse.py), a second trains
nothing but the pipeline: it executes `analysis_job` in-process on an ephemeral Dagster instance with
explicit resources (as cjd_assets_tests/test_pipeline_e2e.py does; annotations from a 2,000-posting demo
corpus). Per-stage wall time comes from the run's STEP_START / STEP_SUCCESS event timestamps; a sampler
thread reads the process's RSS and CPU time (/proc/self) every 0.2 s, which gives each stage's peak RSS and
CPU seconds (all threads, DuckDB's included). The process's peak RSS is `ru_maxrss`.
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
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
GOAL_WALL_S = 600
GOAL_RSS_GIB = 6.0
_CLK = os.sysconf("SC_CLK_TCK")
_PAGE = os.sysconf("SC_PAGE_SIZE")


def _rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * _PAGE


def _cpu_s() -> float:
    t = os.times()
    return t.user + t.system


class Sampler(threading.Thread):
    """(wall time, RSS, process CPU seconds) every `interval` s until stopped."""

    def __init__(self, interval: float = 0.2):
        super().__init__(daemon=True)
        self.interval = interval
        self.samples: list[tuple[float, int, float]] = []
        self._stop_evt = threading.Event()

    def run(self) -> None:
        while not self._stop_evt.is_set():
            self.samples.append((time.time(), _rss_bytes(), _cpu_s()))
            self._stop_evt.wait(self.interval)

    def stop(self) -> None:
        self._stop_evt.set()
        self.join()
        self.samples.append((time.time(), _rss_bytes(), _cpu_s()))

    def window(self, t0: float, t1: float) -> tuple[int, float]:
        """Peak RSS and CPU seconds between t0 and t1 (nearest samples)."""
        inside = [s for s in self.samples if t0 <= s[0] <= t1]
        before = [s for s in self.samples if s[0] <= t0] or self.samples[:1]
        after = [s for s in self.samples if s[0] >= t1] or self.samples[-1:]
        peak = max([s[1] for s in inside] + [before[-1][1], after[0][1]])
        return peak, after[0][2] - before[-1][2]


def _resources(tmp: Path, db: str):
    from cjd_assets.demo.corpus import generate_corpus, write_demo_annotations
    from cjd_assets.resources import ClassifierSettings, CrawlerSettings, Lake, ReportSettings, Warehouse

    ann, texts = write_demo_annotations(generate_corpus(2000, seed=1), tmp / "demo", seed=1)
    return {
        "warehouse": Warehouse(database=db),
        "lake": Lake(directory=str(tmp / "lake"), landing_directory=str(tmp / "landing")),
        "crawler": CrawlerSettings(),
        "classifier_settings": ClassifierSettings(
            backend="fast", annotation_paths=[str(ann)], annotation_texts_path=str(texts)
        ),
        "report_settings": ReportSettings(),
    }


def generate(rows: int, db: str) -> dict:
    """Write `rows` synthetic raw postings into `raw_postings` of `db` (child process)."""
    from cjd_assets import warehouse as wh
    from cjd_assets.demo.scale import generate_raw_postings

    started = time.time()
    n_harvests = max(1, rows // 250_000)
    with wh.connect(db) as con:
        for batch in generate_raw_postings(rows, seed=0, n_harvests=n_harvests):
            wh.append(con, "raw_postings", batch.drop("label"))
        n = con.execute("SELECT count(*), count(DISTINCT harvest_id) FROM raw_postings").fetchall()[0]
    return {"rows": n[0], "harvests": n[1], "generate_s": time.time() - started,
            "generate_peak_rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
            "db_bytes": os.path.getsize(db)}


def step_times(instance, run_id: str) -> tuple[dict, dict, dict]:
    """Start and end timestamps and outcome ('ok' / 'FAILED') of every step of a run, from its events."""
    starts, ends, status = {}, {}, {}
    for entry in instance.all_logs(run_id):
        ev = entry.dagster_event
        if ev is None or ev.step_key is None:
            continue
        if ev.event_type_value == "STEP_START":
            starts[ev.step_key] = entry.timestamp
        elif ev.event_type_value in ("STEP_SUCCESS", "STEP_FAILURE"):
            ends[ev.step_key] = entry.timestamp
            status[ev.step_key] = "ok" if ev.event_type_value == "STEP_SUCCESS" else "FAILED"
    return starts, ends, status


def run_pipeline(tmp: Path, db: str) -> dict:
    """Execute analysis_job in-process and time every step (child process)."""
    import dagster as dg

    from cjd_assets.definitions import build_definitions

    resources = _resources(tmp, db)
    defs = build_definitions(resources)
    instance = dg.DagsterInstance.ephemeral()
    sampler = Sampler()
    sampler.start()
    rss_start = _rss_bytes()
    t0 = time.time()
    result = defs.resolve_job_def("analysis_job").execute_in_process(
        instance=instance, raise_on_error=False,
        run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}},
    )
    t1 = time.time()
    sampler.stop()
    starts, ends, status = step_times(instance, result.run_id)
    steps = []
    for key in sorted(starts, key=starts.get):
        end = ends.get(key, t1)
        peak, cpu = sampler.window(starts[key], end)
        steps.append({"step": key, "start": starts[key] - t0, "wall_s": end - starts[key], "cpu_s": cpu,
                      "peak_rss": peak, "status": status.get(key, "not finished")})
    failures = [
        f"{e.step_key}: {e.event_specific_data.error.message.strip()[:300]}"
        for e in result.all_events if e.is_step_failure
    ]
    with __import__("duckdb").connect(db, read_only=True) as con:
        counts = dict(con.execute(
            "SELECT 'primaries', count(*) FROM deduplicated_postings WHERE is_primary "
            "UNION ALL SELECT 'classified', count(*) FROM classified_postings "
            "UNION ALL SELECT 'keyword_rows', count(*) FROM ai_keyword_postings"
        ).fetchall()) if result.success else {}
    ru_self = resource.getrusage(resource.RUSAGE_SELF)
    ru_children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "success": result.success, "failures": failures, "total_s": t1 - t0, "cpu_s": sampler.samples[-1][2]
        - sampler.samples[0][2], "rss_start": rss_start, "peak_rss": ru_self.ru_maxrss * 1024,
        "peak_rss_children": ru_children.ru_maxrss * 1024, "steps": steps, "counts": counts,
        "db_bytes_after": os.path.getsize(db),
    }


def _child(args) -> None:
    out = generate(args.rows, args.db) if args.phase == "generate" else run_pipeline(Path(args.tmp), args.db)
    Path(args.json).write_text(json.dumps(out))


def bench_size(rows: int, keep: bool = False) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix=f"cjd-bench-{rows}-", dir=os.environ.get("CJD_BENCH_TMP")))
    db = str(tmp / "cjd.duckdb")
    out: dict = {"rows_requested": rows, "loadavg_before": os.getloadavg(),
                 "started_at": f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC"}
    for phase in ("generate", "pipeline"):
        js = tmp / f"{phase}.json"
        cmd = [sys.executable, __file__, "--child", phase, "--rows", str(rows), "--db", db, "--tmp", str(tmp),
               "--json", str(js)]
        print(f"[bench] {rows:,} rows: {phase} …", flush=True)
        subprocess.run(cmd, check=True)
        out[phase] = json.loads(js.read_text())
    out["loadavg_after"] = os.getloadavg()
    if not keep:
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)
    return out


def _gib(b: float) -> str:
    return f"{b / 2**30:.2f}"


def markdown(results: list[dict]) -> str:
    cores = os.cpu_count()
    mem = os.sysconf("SC_PHYS_PAGES") * _PAGE
    import dagster
    import duckdb
    import polars

    lines = [
        "# Pipeline benchmark (issue 8)",
        "",
        "`python bench/bench_pipeline.py [--rows 100000 1000000]` — `analysis_job` (fast classifier backend) "
        "executed in-process on synthetic raw postings from `cjd_assets.demo.scale.generate_raw_postings` "
        "(30 % re-crawls, written straight into `raw_postings`; the HTML parse is in BENCH_harvest.md). "
        "Each size runs in a fresh process; DuckDB at its defaults (threads = cores). Wall time per stage from "
        "the run's STEP_START/STEP_SUCCESS events; CPU s = process CPU (all threads) over the stage; "
        "RSS sampled every 0.2 s.",
        "",
        f"Machine: {cores} cores, {_gib(mem)} GiB RAM, {platform.python_implementation()} "
        f"{platform.python_version()}, dagster {dagster.__version__}, duckdb {duckdb.__version__}, "
        f"polars {polars.__version__}; run started {results[0]['started_at']}. The box is shared "
        "(load average in the table): wall time above CPU s / cores means waiting for cores.",
        "",
        f"Goal: 1 M postings end to end < {GOAL_WALL_S // 60} min, peak RSS < {GOAL_RSS_GIB:g} GiB on 2 cores.",
        "",
        "## Totals",
        "",
        "| rows | unique (primaries) | classified | keyword rows | pipeline wall s | pipeline CPU s | peak RSS GiB "
        "| generate s (not in total) | DuckDB file GiB | load avg before/after | goal |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        p, g = r["pipeline"], r["generate"]
        c = p.get("counts", {})
        ok = p["success"] and p["total_s"] < GOAL_WALL_S and p["peak_rss"] < GOAL_RSS_GIB * 2**30
        lines.append(
            f"| {g['rows']:,} | {c.get('primaries', 0):,} | {c.get('classified', 0):,} | "
            f"{c.get('keyword_rows', 0):,} | {p['total_s']:.1f} | {p['cpu_s']:.1f} | {_gib(p['peak_rss'])} | "
            f"{g['generate_s']:.1f} | {_gib(p['db_bytes_after'])} | "
            f"{r['loadavg_before'][0]:.1f} / {r['loadavg_after'][0]:.1f} | "
            f"{'met' if ok else ('FAILED run' if not p['success'] else 'missed')} |"
        )
    for r in results:
        p = r["pipeline"]
        lines += [
            "",
            f"## {r['generate']['rows']:,} rows: per stage",
            "",
            "| step | wall s | CPU s | peak RSS GiB | share of wall | status |",
            "|---|---|---|---|---|---|",
        ]
        for s in sorted(p["steps"], key=lambda s: -s["wall_s"]):
            lines.append(
                f"| `{s['step']}` | {s['wall_s']:.1f} | {s['cpu_s']:.1f} | {_gib(s['peak_rss'])} | "
                f"{100 * s['wall_s'] / max(p['total_s'], 1e-9):.0f} % | {s['status']} |"
            )
        summ = [s for s in p["steps"] if s["step"].startswith(("summary_", "clusters_"))]
        if summ:
            lines.append(
                f"| *all {len(summ)} summary/cluster steps* | {sum(s['wall_s'] for s in summ):.1f} | "
                f"{sum(s['cpu_s'] for s in summ):.1f} | {_gib(max(s['peak_rss'] for s in summ))} | "
                f"{100 * sum(s['wall_s'] for s in summ) / max(p['total_s'], 1e-9):.0f} % | |"
            )
        if p["failures"]:
            lines += ["", "Failures:", *[f"- {f}" for f in p["failures"]]]
    return "\n".join(lines) + "\n"


NOTES_MARKER = "<!-- notes below this line are kept when bench_pipeline.py rewrites the file -->"


def write_markdown(path: Path, results: list[dict]) -> None:
    """Rewrite the generated tables, keeping hand-written notes after NOTES_MARKER."""
    notes = ""
    if path.exists():
        old = path.read_text(encoding="utf-8")
        if NOTES_MARKER in old:
            notes = old.split(NOTES_MARKER, 1)[1]
    path.write_text(markdown(results) + "\n" + NOTES_MARKER + notes, encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    ap.add_argument("--out", default=str(HERE / "BENCH_pipeline.md"))
    ap.add_argument("--json-out", help="also write the raw results as JSON here")
    ap.add_argument("--from-json", help="only re-render the Markdown from a --json-out file")
    ap.add_argument("--keep", action="store_true", help="keep the temporary DuckDB")
    ap.add_argument("--child", choices=["generate", "pipeline"], dest="phase", help=argparse.SUPPRESS)
    ap.add_argument("--db", help=argparse.SUPPRESS)
    ap.add_argument("--tmp", help=argparse.SUPPRESS)
    ap.add_argument("--json", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.phase:
        args.rows = args.rows[0]
        _child(args)
        return
    if args.from_json:
        write_markdown(Path(args.out), json.loads(Path(args.from_json).read_text()))
        return
    results = []
    for rows in args.rows:
        results.append(bench_size(rows, keep=args.keep))
        p = results[-1]["pipeline"]
        print(f"[bench] {rows:,}: {'ok' if p['success'] else 'FAILED'} in {p['total_s']:.1f} s, "
              f"peak RSS {_gib(p['peak_rss'])} GiB", flush=True)
        # Write after every size, so a long 1 M run leaves the 100 k table behind if it is killed.
        write_markdown(Path(args.out), results)
        if args.json_out:
            Path(args.json_out).write_text(json.dumps(results, indent=1))
    print(f"[bench] wrote {args.out}")


if __name__ == "__main__":
    main()
