"""The Dagster UI in a real browser: the webserver on a small materialized demo, driven by headless Chromium.

The fixture takes the session's demo (conftest `demo_pipeline`: a generated corpus crawled from the demo
board and analysed in-process into a persistent Dagster instance in a temporary DAGSTER_HOME), then starts
`dagster-webserver` on that home with the CJD_* variables pointing at the same DuckDB and lake, as a user
running `dagster dev` after `cjd demo` would. Playwright drives the system Chromium (no `playwright install`).
Screenshots land in the test's tmp dir.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import duckdb
import pytest

from cjd_assets.paths import REPO_ROOT
from cjd_assets_tests.test_report_browser import screenshot_dir

pytestmark = pytest.mark.slow

SERVER_START_TIMEOUT_S = 120
UI_TIMEOUT_MS = 45_000
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run",
]


def _chromium() -> str | None:
    for name in (os.environ.get("CJD_CHROMIUM"), "chromium", "chromium-browser", "google-chrome", "chrome"):
        if name and (path := shutil.which(name)):
            return path
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _demo_environment(demo: dict) -> dict:
    """The session's demo pipeline (conftest: harvest_job for one crawl partition and analysis_job, recorded in
    a persistent instance) as the variables a user running `dg dev` after `cjd demo` would have set."""
    lake = Path(demo["lake"])
    return {
        "DAGSTER_HOME": str(demo["home"]), "CJD_DUCKDB": demo["db"], "CJD_LAKE_DIR": str(lake),
        "CJD_LANDING_DIR": str(lake.parent / "landing"), "CJD_DATA_DIR": str(lake.parent),
        "CJD_ANNOTATIONS": str(demo["annotations"]), "CJD_ANNOTATION_TEXTS": str(demo["texts"]),
        "CJD_MIN_PROVINCE_N": "5",
    }


def _wait_for_server(proc: subprocess.Popen, base: str, log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"dagster-webserver exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{base}/server_info", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"dagster-webserver did not answer in {SERVER_START_TIMEOUT_S} s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def ui(demo_pipeline, tmp_path_factory):
    chromium = _chromium()
    if chromium is None:
        pytest.skip("no chromium binary (the project's scripts install Debian's chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    tmp = tmp_path_factory.mktemp("ui")
    env_vars = _demo_environment(demo_pipeline)
    with duckdb.connect(env_vars["CJD_DUCKDB"], read_only=True) as con:
        table3_rows = con.execute("SELECT count(*) FROM summary_table3_salary").fetchall()[0][0]
    env = {**os.environ, **env_vars, "DAGSTER_DISABLE_TELEMETRY": "1"}
    env.pop("CJD_CRAWL_SEEDS", None)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp / "webserver.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "dagster_webserver", "-w", str(REPO_ROOT / "workspace.yaml"),
             "-h", "127.0.0.1", "-p", str(port)],
            cwd=REPO_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )
    try:
        _wait_for_server(proc, base, log)
        # A fresh instance greets the first visitor with a "Join the Dagster community" dialog that would cover
        # the pages; mark it seen on the instance, as its Skip button does.
        request = urllib.request.Request(f"{base}/graphql", data=b'{"query": "mutation { setNuxSeen }"}',
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as r:
            assert r.status == 200
        with sync_api.sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
            try:
                page = browser.new_page(viewport={"width": 1600, "height": 1000})
                page.set_default_timeout(UI_TIMEOUT_MS)
                sync_api.expect.set_options(timeout=UI_TIMEOUT_MS)
                yield {"page": page, "expect": sync_api.expect, "base": base, "shots": tmp,
                       "table3_rows": table3_rows}
            finally:
                browser.close()
    finally:
        # The webserver runs in a session of its own with its code server: stop the whole group.
        _signal_group(proc, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            _signal_group(proc, signal.SIGKILL)
            proc.wait(timeout=10)
        _signal_group(proc, signal.SIGKILL)  # a code server left behind by the webserver


def _signal_group(proc: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(proc.pid, sig)
    except ProcessLookupError:
        pass


def _dismiss_community_dialog(page) -> None:
    # The UI greets a fresh instance with a "Join the Dagster community" dialog; it covers the graph.
    skip = page.get_by_role("button", name="Skip")
    if skip.count():
        skip.first.click()


def test_asset_graph_shows_the_pipeline(ui):
    page, base = ui["page"], ui["base"]
    # The global lineage: every group of the pipeline, collapsed at first.
    page.goto(f"{base}/asset-groups")
    for group in ("harvest", "dedup", "classify", "normalize", "keywords", "analysis", "summaries", "clusters",
                  "report"):
        page.get_by_text(group, exact=True).first.wait_for()
    _dismiss_community_dialog(page)
    # Collapsed, the groups read as the pipeline's stages; the screenshot is for a person to judge.
    page.wait_for_timeout(1500)  # let the layout settle before the picture (not an assertion)
    page.screenshot(path=str(screenshot_dir() / "ui_asset_graph_groups.png"))
    page.mouse.click(900, 900, button="right")
    page.get_by_role("menuitem", name="Expand all groups").click()
    page.get_by_text("raw_pages", exact=True).first.wait_for()
    page.screenshot(path=str(screenshot_dir() / "ui_asset_graph_expanded.png"))
    # The summaries' group: every summary hangs off the analysis view, the one node upstream of them.
    page.goto(f"{base}/locations/cjd_assets/asset-groups/summaries")
    page.get_by_text("summary_table1_by_category", exact=True).first.wait_for()
    page.get_by_text("analysis_postings", exact=True).first.wait_for()
    assert page.get_by_text("classified_postings", exact=True).count() == 0
    page.wait_for_timeout(1500)
    page.screenshot(path=str(screenshot_dir() / "ui_summaries_group.png"))
    # A group's graph fits the window: its nodes carry full names and their materialization state.
    # (Node states load after the names: partitioned harvest assets show the filled share of partitions.)
    for group, names, state in (("harvest", ["raw_pages", "raw_postings", "quarantined_pages"], "100% filled"),
                                ("classify", ["annotations", "job_classifier", "classifier_evaluation",
                                              "classifier_confusion", "classifier_model_comparison",
                                              "classifier_learning_curve", "classified_postings",
                                              "classifier_corrected_counts"], "Materialized")):
        page.goto(f"{base}/locations/cjd_assets/asset-groups/{group}")
        for name in names:
            page.get_by_text(name, exact=True).first.wait_for()
        # Every asset of the group shows the state (expect() waits for the count).
        ui["expect"](page.get_by_text(state, exact=True)).to_have_count(len(names))
        assert page.get_by_text("Never materialized").count() == 0
        page.screenshot(path=str(ui["shots"] / f"group_{group}.png"))


def test_classified_postings_preview_shows_titles_with_labels(ui):
    page, base = ui["page"], ui["base"]
    page.goto(f"{base}/assets/classified_postings")
    page.get_by_text("Latest materialization").first.wait_for()
    _dismiss_community_dialog(page)
    page.get_by_text("preview", exact=True).first.wait_for()
    page.screenshot(path=str(screenshot_dir() / "ui_classified_postings.png"), full_page=True)
    # the corrected counts are a table of their own, written in the same step
    page.goto(f"{base}/assets/classifier_corrected_counts")
    page.get_by_text("Latest materialization").first.wait_for()
    page.get_by_text("corrected_counts", exact=True).first.wait_for()


def test_summary_asset_page_shows_row_count_and_figure(ui):
    page, base = ui["page"], ui["base"]
    page.goto(f"{base}/assets/summary_table3_salary")
    # Overview tab: the latest materialization's row count and metadata (the table and the figure).
    page.get_by_text("Latest materialization").first.wait_for()
    page.get_by_text("Row count", exact=True).first.wait_for()
    page.get_by_text("[Show Markdown]").first.wait_for()
    _dismiss_community_dialog(page)
    text = page.inner_text("body")
    m = re.search(r"Row count\s+([\d,]+)", text)
    assert m, text[:2000]
    assert int(m.group(1).replace(",", "")) == ui["table3_rows"] > 0
    assert "Figure 3. Median annual salary by category" in text
    page.screenshot(path=str(ui["shots"] / "table3_overview.png"), full_page=True)
    # The table is Markdown metadata: shown inline when short, else behind its own [Show Markdown].
    if "TT1" not in text:
        page.get_by_text("[Show Markdown]").first.click()
        page.get_by_role("button", name="Close").first.wait_for()
        text = page.inner_text("body")
        page.get_by_role("button", name="Close").first.click()
    assert "TT1" in text and "Technical Team 1" in text
    # The figure is Markdown metadata (an <img> with a data: URI): open it and check the image decoded.
    page.get_by_text("[Show Markdown]").last.click()
    img = page.locator('img[alt="Figure 3. Median annual salary by category"]').first
    img.wait_for()
    src = img.get_attribute("src") or ""
    assert src.startswith("data:image/png;base64,") and len(src) > 5_000
    page.wait_for_function(
        "el => el.complete && el.naturalWidth > 200 && el.naturalHeight > 100", arg=img.element_handle()
    )
    page.get_by_role("button", name="Close").first.wait_for()
    page.wait_for_timeout(800)  # let the dialog's fade-in finish before the screenshot (not an assertion)
    page.screenshot(path=str(ui["shots"] / "table3_figure.png"))


def test_events_tab_shows_latest_materialization_metadata(ui):
    page, base = ui["page"], ui["base"]
    page.goto(f"{base}/assets/summary_table3_salary?view=events")
    page.get_by_text("Materialized in run").first.wait_for()
    page.get_by_text("dagster/row_count", exact=True).first.wait_for()
    text = page.inner_text("body")
    m = re.search(r"dagster/row_count\s+([\d,]+)", text)
    assert m, text[:2000]
    assert int(m.group(1).replace(",", "")) == ui["table3_rows"]
    assert "[Show Markdown]" in text
    page.screenshot(path=str(ui["shots"] / "table3_events.png"))
