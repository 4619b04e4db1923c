"""Posting text in the Dagster UI's Markdown previews renders as text: no image fetch, no link, no HTML."""

from __future__ import annotations

import polars as pl
import pytest
from markdown_it import MarkdownIt

from cjd_assets import warehouse as wh
from cjd_assets.md import escape_cell
from cjd_assets.report.html import to_markdown

TITLES = [
    "![](http://x/pixel.png)",
    "[官网](http://www.example.cn/jobs)",
    "<img src=http://x/p.png> <b>急招</b>",
    "*Python* _工程师_ `sh` ~~x~~ # 1",
    "<http://x/auto> www.example.cn https://a.cn/b",
]


@pytest.mark.parametrize("render", [wh.markdown_preview, to_markdown], ids=["markdown_preview", "to_markdown"])
def test_preview_cells_render_as_literal_text(render):
    df = pl.DataFrame({"title_extracted": TITLES, "share": [0.5, 0.25, 0.125, 0.0625, 1.0]})
    html = MarkdownIt("commonmark").enable("table").render(render(df, max_rows=10))
    assert "<img" not in html and "<a " not in html and "<b>" not in html
    assert "<em>" not in html and "<strong>" not in html and "<code>" not in html and "<s>" not in html
    # Every title comes out exactly as written (HTML-escaped by the renderer, nothing dropped).
    for t in TITLES:
        assert t.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") in html


def test_escape_cell_breaks_bare_autolinks():
    # GFM turns bare http://, https:// and www. into links; the escaped text has none of those markers.
    s = escape_cell("see https://a.cn/x and www.b.cn")
    assert "https://" not in s and "www." not in s and "https\\://a.cn/x" in s
    assert escape_cell(None) == "" and escape_cell("a\nb") == "a b" and escape_cell("50.0%") == "50.0%"
