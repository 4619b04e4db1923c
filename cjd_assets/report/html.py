"""A self-contained HTML report (inline CSS, figures as base64 PNG) and Markdown previews.

Every string that reaches the page goes through html.escape: table cells hold posting-derived text
(titles, company and place names, matched terms) that may contain markup.
"""

from __future__ import annotations

import base64
import html
import math
from dataclasses import dataclass, field
from datetime import date, datetime

import polars as pl

from cjd_assets.md import escape_cell


@dataclass
class ReportSection:
    """One section: a heading, an optional paragraph, tables (caption, frame) and figures (caption, PNG)."""

    title: str
    text: str = ""
    tables: list[tuple[str, pl.DataFrame]] = field(default_factory=list)
    figures: list[tuple[str, bytes]] = field(default_factory=list)


def format_cell(column: str, value) -> str:
    """Display text of one cell: shares as percentages, p-values in 3 significant digits, counts and
    money with thousands separators. Unescaped; callers escape."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if math.isnan(value):
            return "—"
        col = column.lower()
        if col.startswith("p_") or col.endswith("p_value"):
            return f"{value:.3g}"
        if "share" in col:
            return f"{value:.1%}"
        if col in ("statistic", "z", "estimate_a", "estimate_b") and abs(value) < 100:
            return f"{value:.3f}"
        if abs(value) >= 100 or value == int(value):
            return f"{value:,.0f}"
        return f"{value:.3f}"
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)


def table_html(df: pl.DataFrame, caption: str = "", max_rows: int | None = None) -> str:
    rows = df.rows() if max_rows is None else df.head(max_rows).rows()
    esc = html.escape
    out = ['<table class="data">']
    if caption:
        out.append(f"<caption>{esc(caption)}</caption>")
    out.append("<thead><tr>" + "".join(f"<th>{esc(str(c))}</th>" for c in df.columns) + "</tr></thead><tbody>")
    for row in rows:
        cells = []
        for col, v in zip(df.columns, row):
            cls = ' class="num"' if isinstance(v, (int, float)) and not isinstance(v, bool) else ""
            cells.append(f"<td{cls}>{esc(format_cell(col, v))}</td>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table>")
    if max_rows is not None and df.height > max_rows:
        out.append(f"<p class=\"note\">{df.height - max_rows:,} more rows not shown.</p>")
    return "\n".join(out)


_CSS = """
body{font-family:-apple-system,Segoe UI,Helvetica,Arial,"Noto Sans CJK SC",sans-serif;margin:2em auto;max-width:1100px;
color:#222;line-height:1.45;padding:0 1em}
h1{font-size:1.6em;margin-bottom:.2em} h2{font-size:1.25em;border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:2em}
.meta{color:#666;font-size:.9em} nav ol{columns:2;font-size:.9em}
table.data{border-collapse:collapse;margin:1em 0;font-size:.85em} table.data caption{text-align:left;font-weight:600;
padding:.3em 0} table.data th,table.data td{border:1px solid #ccc;padding:.25em .6em;vertical-align:top}
table.data th{background:#f3f5f8;text-align:left} td.num{text-align:right;font-variant-numeric:tabular-nums}
figure{margin:1em 0} figure img{max-width:100%;height:auto;border:1px solid #eee} figcaption{font-size:.85em;color:#555}
p.note{font-size:.8em;color:#777}
"""


def render_report(sections: list[ReportSection], title: str, generated_at: str) -> str:
    """The whole report as one HTML document with no external resources and no scripts."""
    esc = html.escape
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        # No scripts, no remote loads: even a missed escape could not run or fetch anything.
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data:; style-src 'unsafe-inline'\">",
        f"<title>{esc(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{esc(title)}</h1>",
        f'<p class="meta">Generated {esc(generated_at)}</p>',
        "<nav><ol>" + "".join(f'<li><a href="#s{i}">{esc(s.title)}</a></li>' for i, s in enumerate(sections, 1)) + "</ol></nav>",
    ]
    for i, s in enumerate(sections, 1):
        parts.append(f'<section id="s{i}"><h2>{esc(s.title)}</h2>')
        if s.text:
            for para in s.text.split("\n\n"):
                parts.append(f"<p>{esc(para)}</p>")
        for caption, df in s.tables:
            parts.append(table_html(df, caption))
        for caption, png in s.figures:
            b64 = base64.b64encode(png).decode("ascii")
            parts.append(
                f'<figure><img src="data:image/png;base64,{b64}" alt="{esc(caption, quote=True)}">'
                f"<figcaption>{esc(caption)}</figcaption></figure>"
            )
        parts.append("</section>")
    parts.append("</body></html>")
    return "\n".join(parts)


def to_markdown(df: pl.DataFrame, max_rows: int = 20) -> str:
    """A Markdown table of the first max_rows rows for Dagster metadata previews."""
    def cell(col: str, v) -> str:
        return escape_cell(format_cell(col, v))

    head = "| " + " | ".join(str(c).replace("|", "\\|") for c in df.columns) + " |"
    sep = "| " + " | ".join("---" for _ in df.columns) + " |"
    body = ["| " + " | ".join(cell(c, v) for c, v in zip(df.columns, row)) + " |" for row in df.head(max_rows).rows()]
    lines = [head, sep, *body]
    if df.height > max_rows:
        lines.append(f"\n_{df.height - max_rows:,} more rows not shown._")
    return "\n".join(lines)


def png_markdown(png: bytes, alt: str = "figure") -> str:
    """Markdown embedding PNG bytes as a data URI: Dagster's UI shows it from `MetadataValue.md`."""
    alt = alt.replace("[", "(").replace("]", ")").replace("\n", " ")
    return f"![{alt}](data:image/png;base64,{base64.b64encode(png).decode('ascii')})"
