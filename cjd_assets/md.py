"""Escaping text for the Markdown previews the Dagster UI renders (asset metadata).

Preview cells hold posting-derived text (titles, company names, bodies), so a title such as
`![](http://x/pixel.png)` would make the UI fetch that URL and `[官网](http://…)` would become a link.
One helper escapes every cell, so each preview renders such text literally.
"""

from __future__ import annotations

import re

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
