"""Markdown previews of tables and figures for Dagster's metadata (the HTML report is `document.py`)."""

from __future__ import annotations

import base64
import math
from datetime import date, datetime

import polars as pl

from cjd_assets.md import table


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


def to_markdown(df: pl.DataFrame, max_rows: int = 20) -> str:
    """A Markdown table of the first max_rows rows for Dagster metadata previews."""
    rows = [[format_cell(c, v) for c, v in zip(df.columns, row)] for row in df.head(max_rows).rows()]
    lines = [table(rows, df.columns)]
    if df.height > max_rows:
        lines.append(f"\n_{df.height - max_rows:,} more rows not shown._")
    return "\n".join(lines)


def png_markdown(png: bytes, alt: str = "figure") -> str:
    """Markdown embedding PNG bytes as a data URI: Dagster's UI shows it from `MetadataValue.md`."""
    alt = alt.replace("[", "(").replace("]", ")").replace("\n", " ")
    return f"![{alt}](data:image/png;base64,{base64.b64encode(png).decode('ascii')})"
