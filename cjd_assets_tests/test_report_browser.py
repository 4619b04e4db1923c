"""The report in a real browser (the system Chromium driven by playwright) and printed to PDF by headless
Chromium: readable at 1,100 px without horizontal overflow, every figure loaded, every caption numbered, no
raw column code in a table header, the caveat, findings and methods sections present, posting text shown
as text. Screenshots of the first screen and of a table with Chinese text are saved under
$CJD_SCREENSHOT_DIR (default /tmp/cjd-screenshots) for a person to look at.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import polars as pl
import pytest

from cjd_assets import warehouse as wh
from cjd_assets.report import document as D
from cjd_assets import analysis as S
from cjd_assets_tests.test_report import SCRIPT_TITLE, SETTINGS, make_con

WIDTH = 1100
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
RAW_HEADER = re.compile(r"_|\b(TT1|TT2|NOT_AI|PRODUCT|COMMERCIAL|TOTAL|n_min|row_kind|p_adjusted|share_of_all)\b")
CAPTION = re.compile(r"^(Table|Figure) (A\d+|C1|\d+)\. \S")


def screenshot_dir() -> Path:
    path = Path(os.environ.get("CJD_SCREENSHOT_DIR") or "/tmp/cjd-screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


def _warehouse():
    """The twelve-posting database of test_report with the stored tables the report reads: every summary,
    the follow-up's AI-related clusters and a two-posting 'defense' subset, and a classifier evaluation."""
    con = make_con()
    S.write_summaries(con, SETTINGS)
    con.execute("CREATE TABLE employer_tags AS SELECT * FROM (VALUES ('p01', 'defense', 'employer'), "
                "('p06', 'defense', 'employer')) AS t(id, tag, rule_kind)")
    S.write_summaries(con, SETTINGS, tuple(s for s in S.CLUSTER_TABLES
                                           if s.name.startswith(("clusters_ai_related", "clusters_defense"))))
    cats = ["TT1", "TT2", "PRODUCT", "COMMERCIAL", "NOT_AI"]
    wh.write_table(con, "classifier_evaluation", pl.DataFrame({
        "model_version": ["m1"] * 5, "category": cats, "precision": [0.9, 0.8, 0.7, 0.6, 0.95],
        "recall": [0.85, 0.8, 0.6, 0.5, 0.97], "f1": [0.87, 0.8, 0.65, 0.55, 0.96],
        "f0.5": [0.89, 0.8, 0.68, 0.58, 0.95], "support": [40.0, 30.0, 10.0, 10.0, 100.0]}))
    wh.write_table(con, "classifier_confusion", pl.DataFrame(
        {"true_category": cats, **{f"predicted_{c}": [int(i == j) * 10 + 1 for i in range(5)] for j, c in enumerate(cats)}}))
    return con


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    chromium = D.find_chromium()
    if chromium is None:
        pytest.skip("no chromium binary (the project's scripts install Debian's chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    tmp = tmp_path_factory.mktemp("report")
    con = _warehouse()
    inputs = S.read_report_inputs(con, SETTINGS, failed_checks=["one_primary_per_posting: 2 duplicate ids <b>x</b>"])
    con.close()
    html_path = tmp / "report.html"
    html_path.write_text(D.build_document(inputs, "China's AI workforce " + SCRIPT_TITLE, "test"), encoding="utf-8")
    pdf = D.print_pdf(html_path, tmp / "report.pdf", chromium=chromium)
    shots = screenshot_dir()
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": WIDTH, "height": 900})
            page.goto(html_path.as_uri())
            page.wait_for_load_state("load")
            page.screenshot(path=str(shots / "report_first_screen.png"))
            examples = page.locator("table.data", has_text="Example technical postings").first
            examples.scroll_into_view_if_needed()
            examples.screenshot(path=str(shots / "report_keyword_examples.png"))
            facts = page.evaluate("""() => {
                const vw = document.documentElement.clientWidth;
                const outside = [...document.querySelectorAll('body *')]
                    .filter(e => !e.closest('.table-wrap') && e.getBoundingClientRect().right > vw + 1)
                    .map(e => e.tagName + ' ' + (e.textContent || '').slice(0, 60));
                const wraps = [...document.querySelectorAll('.table-wrap')]
                    .filter(w => w.getBoundingClientRect().right > vw + 1).length;
                const imgs = [...document.images].map(i => ({ok: i.complete && i.naturalWidth > 100,
                    fits: i.getBoundingClientRect().right <= vw + 1}));
                return {scrollWidth: document.documentElement.scrollWidth, vw, outside, wraps, imgs,
                        captions: [...document.querySelectorAll('table.data caption, figcaption')].map(c => c.textContent.trim()),
                        headers: [...document.querySelectorAll('table.data th')].map(h => h.textContent.trim()),
                        sections: [...document.querySelectorAll('section')].map(s => s.id),
                        scripts: document.querySelectorAll('script').length,
                        title: document.title, text: document.body.innerText};
            }""")
        finally:
            browser.close()
    return {"facts": facts, "pdf": pdf, "shots": shots}


def test_no_horizontal_overflow_at_1100px(rendered):
    f = rendered["facts"]
    assert f["vw"] <= WIDTH
    assert f["scrollWidth"] <= f["vw"], "the page scrolls sideways"
    assert f["outside"] == [] and f["wraps"] == 0  # wide tables scroll inside their own box


def test_every_figure_loaded_and_fits(rendered):
    imgs = rendered["facts"]["imgs"]
    assert len(imgs) >= 10
    assert all(i["ok"] for i in imgs) and all(i["fits"] for i in imgs)


def test_every_caption_numbered_once_with_n(rendered):
    caps = rendered["facts"]["captions"]
    assert caps and [c for c in caps if not CAPTION.match(c)] == []
    numbers = [" ".join(c.split()[:2]) for c in caps]
    assert len(numbers) == len(set(numbers)), numbers
    assert all("n = " in c for c in caps if c.startswith("Figure"))


def test_no_raw_column_code_in_table_headers(rendered):
    assert [h for h in rendered["facts"]["headers"] if RAW_HEADER.search(h)] == []


def test_caveat_findings_methods_and_small_sample_warning(rendered):
    f = rendered["facts"]
    assert {"caveat", "findings", "methods", "failed-checks"} <= set(f["sections"])
    text = f["text"]
    assert "A scraped sample, not a census" in text and "Key findings" in text
    assert "Confusion matrix of the classifier" in text and "Known limits" in text
    # The defense subset has 2 postings: a warning and tables, no map.
    assert "Small sample: only 2 postings" in text
    assert "employers_defense.csv" in text
    assert f["scripts"] == 0 and "<script>" in f["title"]  # posting and title text shown as text, never run
    assert "one_primary_per_posting: 2 duplicate ids <b>x</b>" in text


def test_pdf_printed_beside_the_html(rendered):
    pdf = rendered["pdf"]
    assert pdf is not None and pdf.name == "report.pdf"
    data = pdf.read_bytes()
    assert data[:5] == b"%PDF-" and len(data) > 50_000
    assert len(re.findall(rb"/Type\s*/Page\b", data)) >= 3


def test_screenshots_saved(rendered):
    for name in ("report_first_screen.png", "report_keyword_examples.png"):
        assert (rendered["shots"] / name).stat().st_size > 10_000
