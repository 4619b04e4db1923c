"""Escaping text for the Markdown previews the Dagster UI renders (asset metadata).

Preview cells hold posting-derived text (titles, company names, bodies), so a title such as
`![](http://x/pixel.png)` would make the UI fetch that URL and `[官网](http://…)` would become a link.
One helper escapes every cell, so each preview renders such text literally, and one writer (`table`)
lays out every Markdown table the project makes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

# Characters that open Markdown or HTML constructs: images and links, emphasis, code, raw HTML,
# autolinks and table cells. A backslash before ASCII punctuation is always a literal in CommonMark.
_ACTIVE = re.compile(r"([\\`*_\[\]()<>!|~#])")
# GFM turns bare http://, https:// and www. into links; a backslash inside the marker breaks it.
_AUTOLINK = re.compile(r"(?i)(?<=[a-z])(:)(?=//)|(?<=\bwww)(\.)")


def escape_cell(value: object) -> str:
    """One table cell as literal Markdown text on one line."""
    s = "" if value is None else str(value)
    s = s.replace("\r", " ").replace("\n", " ")
    s = _ACTIVE.sub(r"\\\1", s)
    return _AUTOLINK.sub(lambda m: "\\" + (m.group(1) or m.group(2)), s)


def table(rows: Iterable[Sequence[object]], headers: Sequence[object], align: Sequence[str] | None = None) -> str:
    """A Markdown (GFM pipe) table, the project's one writer of them (tabulate lays it out).

    Every cell and header goes through `escape_cell`, so it renders as literal text on one line.
    Cells are written as given: format numbers before passing them (tabulate's own number parsing
    is off, so '0050' or '1e3' stay as written). `align` per column: 'left' (default), 'right', 'center'.
    """
    from tabulate import tabulate

    head = [escape_cell(h) for h in headers]
    body = [[escape_cell(v) for v in r] for r in rows]
    return tabulate(body, headers=head, tablefmt="pipe", disable_numparse=True,
                    colalign=tuple(align) if align else ("left",) * len(head))
