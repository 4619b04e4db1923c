"""Decoding page bytes and turning HTML fragments into plain text."""

from __future__ import annotations

import html as _html
import re

from charset_normalizer import from_bytes

_CT_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_\-:.]+)", re.I)
_META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([A-Za-z0-9_\-:.]+)", re.I)
_COMMENT = re.compile(rb"<!--.*?-->", re.S)

# GBK and GB2312 are strict subsets of GB18030; decoding with the superset avoids false failures
# on the rare characters 51job pages contain outside GBK.
_ALIASES = {"gbk": "gb18030", "gb2312": "gb18030", "x-gbk": "gb18030", "cp936": "gb18030", "utf8": "utf-8"}


class DecodeError(ValueError):
    """The bytes decode under no plausible encoding without loss."""


def _norm_encoding(name: str | None) -> str | None:
    if not name:
        return None
    name = name.strip().strip("\"'").lower()
    name = _ALIASES.get(name, name)
    try:
        import codecs

        return codecs.lookup(name).name
    except LookupError:
        return None


def _try(body: bytes, enc: str | None) -> str | None:
    if not enc:
        return None
    try:
        return body.decode(enc)
    except (UnicodeDecodeError, LookupError):
        return None


def decode_html(body: bytes, content_type: str | None = None) -> tuple[str, str]:
    """Decode a page: the HTTP header's charset, then the BOM, then the meta tag, then detection.

    Each declared charset must decode the bytes strictly; a page that decodes under none of them
    without loss raises DecodeError instead of returning mojibake.
    """
    if body.startswith(b"\xef\xbb\xbf"):
        text = _try(body[3:], "utf-8")
        if text is not None:
            return text, "utf-8"
    candidates: list[str] = []
    if content_type:
        m = _CT_CHARSET.search(content_type)
        if m and (enc := _norm_encoding(m.group(1))):
            candidates.append(enc)
    head = _COMMENT.sub(b"", body[:4096])
    m = _META_CHARSET.search(head)
    if m and (enc := _norm_encoding(m.group(1).decode("ascii", "ignore"))):
        candidates.append(enc)
    if candidates and candidates[0] in _WEAK_LABELS and not body.isascii():
        # ISO-8859-1 is the HTTP default a misconfigured server sends for any page: it decodes every
        # byte string, so it is tried last, after the page's own meta tag and a sniff.
        weak = candidates.pop(0)
        sniffed = _sniff_cjk(body)
        candidates += ([sniffed] if sniffed else []) + [weak]
    for enc in candidates:
        if enc == "gb18030" and not body.isascii():
            # GB18030 decodes almost any byte string, so a page mislabelled GBK that is really UTF-8
            # would come out as mojibake; multi-byte text that is valid UTF-8 is UTF-8.
            text = _try(body, "utf-8")
            if text is not None:
                return text, "utf-8"
        text = _try(body, enc)
        if text is not None:
            return text, enc
    # Undeclared (or wrongly declared): pure ASCII and valid UTF-8 are unambiguous; GB18030 is the
    # only other encoding Chinese boards serve.
    for enc in ("utf-8", "gb18030"):
        text = _try(body, enc)
        if text is not None:
            return text, enc
    return _detect(body)


_WEAK_LABELS = frozenset({"latin-1", "iso8859-1", "cp1252", "ascii"})
_CJK = re.compile(r"[\u4e00-\u9fff\u3000-\u303f\uff00-\uffef]")


def _sniff_cjk(body: bytes) -> str | None:
    """utf-8 or gb18030 when the page's non-ASCII text decodes strictly to mostly Chinese under it."""
    for enc in ("utf-8", "gb18030"):
        text = _try(body, enc)
        if text is None:
            continue
        wide = [c for c in text if ord(c) > 127]
        if wide and sum(1 for c in wide if _CJK.match(c)) >= 0.8 * len(wide):
            return enc
    return None


def _detect(body: bytes) -> tuple[str, str]:
    best = from_bytes(body).best()
    if best is None or best.encoding is None:
        raise DecodeError("no encoding decodes the page without loss")
    return str(best), _norm_encoding(best.encoding) or best.encoding


# [^<>] rather than [^>]: a `<` never closed must not make every later `<` scan to the end (quadratic).
_BREAK = re.compile(r"<br\s*/?>|</?(?:p|div|li|dd|dt|tr|h[1-6]|ul|ol|table|section|dl)\b[^<>]*>", re.I)
_TAG = re.compile(r"<[^<>]+>")
_DROP_OPEN = re.compile(r"<(script|style|template)\b", re.I)


def _drop_blocks(s: str) -> str:
    """Remove script/style/template elements; an unclosed one runs to the end (one scan, no regex rescan)."""
    out, pos, low = [], 0, None
    while (m := _DROP_OPEN.search(s, pos)) is not None:
        out.append(s[pos : m.start()])
        low = low if low is not None else s.lower()
        end = low.find(f"</{m.group(1).lower()}", m.end())
        if end < 0:
            return "".join(out)
        close = s.find(">", end)
        pos = len(s) if close < 0 else close + 1
    out.append(s[pos:])
    return "".join(out)
_SPACES = re.compile(r"[ \t\r\f\v\u3000\xa0]+")


def html_to_text(fragment: str | None) -> str | None:
    """Plain text of an HTML fragment: one line per paragraph, line break or list item."""
    if not fragment:
        return None
    s = _drop_blocks(fragment)
    s = _BREAK.sub("\n", s)
    s = _TAG.sub("", s)
    s = _html.unescape(s)
    lines = (_SPACES.sub(" ", ln).strip() for ln in s.split("\n"))
    out = "\n".join(ln for ln in lines if ln)
    return out or None


def clean(s: str | None) -> str | None:
    """Collapse whitespace (including &nbsp; and ideographic spaces); empty becomes None."""
    if s is None:
        return None
    s = _SPACES.sub(" ", s.replace("\n", " ")).strip()
    return s or None
