"""The report renders in headless Chromium: tables, figures, and posting text shown as text."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from cjd_assets.report.build import build_report
from cjd_assets_tests.test_report import SCRIPT_TITLE, make_con

CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]


def _chromium() -> str | None:
    for name in (os.environ.get("CJD_CHROMIUM"), "chromium", "chromium-browser", "google-chrome", "chrome"):
        if name and (path := shutil.which(name)):
            return path
    return None


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> tuple[Path, str]:
    chromium = _chromium()
    if chromium is None:
        pytest.skip("no chromium binary (the project's scripts install Debian's chromium)")
    tmp = tmp_path_factory.mktemp("report")
    con = make_con()
    page, _ = build_report(con, min_n=1, map_bins=(1, 2, 3), generated_at="test")
    con.close()
    report = tmp / "report.html"
    report.write_text(page, encoding="utf-8")
    shot = tmp / "shot.png"
    base = [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={tmp / 'profile'}", "--window-size=1280,4000"]
    # One launch prints the DOM and writes the screenshot; older builds do one thing per launch.
    dom = subprocess.run([*base, f"--screenshot={shot}", "--dump-dom", report.as_uri()],
                         check=True, capture_output=True, timeout=90).stdout
    if not shot.is_file():
        subprocess.run([*base, f"--screenshot={shot}", report.as_uri()], check=True, capture_output=True, timeout=90)
    return shot, dom.decode("utf-8")


def test_screenshot_shows_report_and_figures(rendered):
    import matplotlib.image as mpimg

    shot, _ = rendered
    img = mpimg.imread(shot)[..., :3]
    assert img.shape[:2] == (4000, 1280)
    ink = (img.min(axis=2) < 0.9).mean()
    assert ink > 0.02, "the screenshot is (nearly) blank"
    # Figures are the only strongly coloured areas (text is black or grey, links are thin blue).
    saturated = (img.max(axis=2) - img.min(axis=2)) > 0.3
    assert saturated.sum() > 20_000, "no figure drawn"


def test_dom_has_tables_figures_and_escaped_title(rendered):
    _, dom = rendered
    assert dom.count('<table class="data">') == 16
    for caption in ("Table 1", "Table 2.", "Table 3", "Table 4", "Table C1", "Regional clusters", "Top cities"):
        assert f"<caption>{caption}" in dom
    assert dom.count('<img src="data:image/png;base64,') == 9
    assert "<script" not in dom.lower()  # the title did not become an element ...
    assert "&lt;script&gt;document.title=\"pwned\"&lt;/script&gt;" in dom  # ... it is text
    assert "<title>China's AI workforce" in dom  # and it never ran
    assert SCRIPT_TITLE.split()[-1] in dom  # the CJK rest of the title survives
