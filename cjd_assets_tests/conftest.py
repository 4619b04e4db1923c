from __future__ import annotations

from pathlib import Path

import pytest

from cjd_assets.paths import shared_dir

SHARED = shared_dir()


def is_drawn_png(data: bytes, min_size: tuple[int, int] = (200, 100)) -> bool:
    """`data` decodes as a PNG image at least `min_size` (width, height) pixels large with something drawn on
    it: more than one colour, and no colour covering all but a sliver of it (a blank or single-colour canvas
    fails), not merely a PNG header."""
    import io

    import numpy as np
    from matplotlib import image

    if data[:8] != b"\x89PNG\r\n\x1a\n":
        return False
    pixels = image.imread(io.BytesIO(data), format="png")
    height, width = pixels.shape[:2]
    flat = pixels.reshape(height * width, -1)
    _, counts = np.unique(flat, axis=0, return_counts=True)
    return width >= min_size[0] and height >= min_size[1] and len(counts) > 1 and counts.max() < 0.995 * len(flat)


@pytest.fixture(scope="session")
def shared() -> Path:
    """The real data beside the checkout; tests that need it skip only when it is absent."""
    if not (SHARED / "data").is_dir():
        pytest.skip(f"{SHARED} is absent (real data lives beside the checkout, never in the repo)")
    return SHARED


@pytest.fixture(scope="session")
def real_postings(shared: Path):
    import polars as pl

    return pl.read_parquet(shared / "data" / "real_postings" / "postings.parquet")


@pytest.fixture(scope="session")
def html_samples(shared: Path) -> Path:
    return shared / "data" / "html_samples"


@pytest.fixture(scope="session")
def real_warehouse(shared: Path, tmp_path_factory) -> Path:
    """The shared real postings ingested the README's way (`cjd ingest`, in a subprocess like a user's
    terminal) into a scratch warehouse; acceptance tests read the published tables from it. One ingest per
    test session (about a minute). Returns the DuckDB file; the lake (report, figures) is beside it."""
    import os
    import subprocess
    import sys

    ws = tmp_path_factory.mktemp("real_ingest")
    env = {**os.environ, "CJD_DUCKDB": str(ws / "cjd.duckdb"), "CJD_LAKE_DIR": str(ws / "lake"),
           "CJD_LANDING_DIR": str(ws / "landing"), "DAGSTER_HOME": str(ws / "dagster_home")}
    src = shared / "data" / "real_postings" / "postings.parquet"
    proc = subprocess.run([sys.executable, "-m", "cjd_assets.cli", "ingest", str(src)], env=env, cwd=ws,
                          capture_output=True, text=True, timeout=1800)
    (ws / "ingest.log").write_text(proc.stdout + proc.stderr)
    # The warehouse is what the tests judge; a run that failed a check still leaves it to be read.
    assert (ws / "cjd.duckdb").exists(), f"cjd ingest wrote no warehouse:\n{proc.stderr[-3000:]}"
    return ws / "cjd.duckdb"


# The whole asset graph materialized once per session on a small generated demo (crawl -> report), shared
# read-only by the end-to-end, per-asset and UI tests. A test that writes works on its own copy
# (`demo_copy`), so no test depends on another through the database.
DEMO_POSTINGS = 160
DEMO_HARVEST_KEY = "crawl-20260101T000000"


@pytest.fixture(scope="session")
def demo_pipeline(tmp_path_factory):
    import duckdb
    import dagster as dg
    import polars as pl

    from cjd_assets.definitions import build_definitions
    from cjd_assets.demo.board import DemoBoard
    from cjd_assets.demo.corpus import generate_corpus, write_demo_annotations
    from cjd_assets.partitions import harvests
    from cjd_assets.resources import ClassifierSettings, CrawlerSettings, Lake, ReportSettings, Warehouse

    tmp = tmp_path_factory.mktemp("demo_pipeline")
    corpus = generate_corpus(DEMO_POSTINGS, seed=7)
    ann, texts = write_demo_annotations(corpus, tmp / "demo", seed=7)
    db = tmp / "cjd.duckdb"
    # A persistent instance with the project's instance settings (the DuckDB pool), as `cjd` writes them.
    home = tmp / "dagster_home"
    home.mkdir()
    config = (Path(__file__).parent.parent / "cjd_assets" / "data" / "dagster_instance.yaml").read_text()
    (home / "dagster.yaml").write_text(config + "telemetry:\n  enabled: false\n", encoding="utf-8")
    instance = dg.DagsterInstance.from_config(str(home))

    def snapshot(tables):
        with duckdb.connect(str(db), read_only=True) as con:
            out = {}
            for t in tables:
                columns = [c[0] for c in con.execute(f"DESCRIBE {t}").fetchall()]
                select = "* EXCLUDE (pipeline_date_updated)" if "pipeline_date_updated" in columns else "*"
                out[t] = pl.from_arrow(con.sql(f"SELECT {select} FROM {t}").to_arrow_table()).sort(pl.all())
            return out

    with DemoBoard(corpus) as board:
        resources = {
            "warehouse": Warehouse(database=str(db)),
            "lake": Lake(directory=str(tmp / "lake"), landing_directory=str(tmp / "landing")),
            "crawler": CrawlerSettings(seed_urls=board.seed_urls(), proxy=board.address, per_host_rate=500.0,
                                       per_host_concurrency=8, max_attempts=2, timeout_s=10.0),
            "classifier_settings": ClassifierSettings(annotation_paths=[str(ann)], annotation_texts_path=str(texts),
                                                      bootstrap_samples=50),
            "report_settings": ReportSettings(min_province_n=5),
        }
        defs = build_definitions(resources)
        instance.add_dynamic_partitions(harvests.name, [DEMO_HARVEST_KEY])
        harvest = defs.resolve_job_def("harvest_job")
        assert harvest.execute_in_process(partition_key=DEMO_HARVEST_KEY, instance=instance).success
        first = snapshot(["raw_pages", "raw_postings", "quarantined_pages"])
        # Re-materializing the same partition must replace, never duplicate (test_pipeline_e2e checks it).
        assert harvest.execute_in_process(partition_key=DEMO_HARVEST_KEY, instance=instance).success
        second = snapshot(["raw_pages", "raw_postings", "quarantined_pages"])
        analysis = defs.resolve_job_def("analysis_job").execute_in_process(instance=instance)
        assert analysis.success
        expected = board.expected_postings()
    yield {"db": str(db), "home": home, "corpus": corpus, "annotations": ann, "texts": texts, "first": first,
           "second": second, "instance": instance, "defs": defs, "resources": resources, "lake": tmp / "lake",
           "board_expected": expected, "n_postings": DEMO_POSTINGS}
    instance.dispose()


@pytest.fixture
def demo_copy(demo_pipeline, tmp_path):
    """The demo warehouse copied for one test, with resources pointing at the copy and a lake of its own (the
    trained model stays where job_classifier recorded it), and an ephemeral instance of its own."""
    import shutil

    import dagster as dg

    from cjd_assets.resources import Lake, Warehouse

    db = tmp_path / "cjd.duckdb"
    shutil.copyfile(demo_pipeline["db"], db)
    resources = dict(demo_pipeline["resources"])
    resources["warehouse"] = Warehouse(database=str(db))
    resources["lake"] = Lake(directory=str(tmp_path / "lake"), landing_directory=str(tmp_path / "landing"))
    instance = dg.DagsterInstance.ephemeral()  # in memory: a persistent one costs seconds per test
    yield {"db": str(db), "resources": resources, "instance": instance, "tmp": tmp_path}
    instance.dispose()
