"""parse_page / parse_listing: bytes of one page to extracted fields, or a reason why not."""

from __future__ import annotations

import json
import re

from selectolax.lexbor import LexborHTMLParser

from . import boards
from .boards import Listing, detect_board
from .text import DecodeError, decode_html

PARSER_VERSION = "harvest-1.0"


class PageParseError(Exception):
    """A page that is not a parseable posting; `.reason` is a short code for the quarantine table."""

    def __init__(self, reason: str, detail: str = "") -> None:
        self.reason = reason
        self.detail = detail
        super().__init__(f"{reason}: {detail}" if detail else reason)


_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.I | re.S)
_CHALLENGE_TITLE = re.compile(r"滑动验证|安全验证|人机验证|验证码|访问验证|请稍候|网站防火墙|访问被拦截|Access Denied|Just a moment|Attention Required|Forbidden|security check", re.I)
# acw_sc__v2: Aliyun's JS challenge (sets that cookie, then reloads); safedog / 安全狗: Safedog's block page.
# Both are served with status 200, so only their markers tell them from a page without a posting.
_CHALLENGE_BODY = re.compile(r"nocaptcha|waf_nc_|nc_scale|geetest|slide-verify|slider-verify|verify\.zhipin\.com/|_waf_|captcha-container|x5sec|punish\?|acw_sc__v2|safedog|安全狗", re.I)
_LOGIN_TITLE = re.compile(r"^(?:用户)?登录|登录[_\-|｜ ]|请登录|sign ?in|log ?in", re.I)
_NOT_FOUND = re.compile(r"404|页面不存在|页面未找到|找不到页面|职位已(?:下线|关闭|删除|过期)|该职位已|not found", re.I)


def page_title(text: str) -> str:
    m = _TITLE.search(text[:20000])
    return re.sub(r"\s+", " ", m.group(1)).strip() if m else ""


def detect_block(text: str) -> str | None:
    """'challenge_page' or 'login_wall' for an anti-bot or login page served instead of content.

    Only the page title and well-known WAF markers count: posting pages mention captcha URLs in
    their scripts, so a loose search would block real postings.
    """
    title = page_title(text)
    if _CHALLENGE_TITLE.search(title):
        return "challenge_page"
    if len(text) < 60000 and _CHALLENGE_BODY.search(text):
        return "challenge_page"
    if _LOGIN_TITLE.search(title):
        return "login_wall"
    return None


_HTML_END = re.compile(r"</html\s*>", re.I)


def _is_truncated(text: str) -> bool:
    # Browsers and servers put nothing but whitespace or a comment after </html>; 8 KB is ample.
    return _HTML_END.search(text, max(0, len(text) - 8192)) is None


MAX_PAGE_BYTES = 16 * 1024 * 1024  # real posting pages are < 1 MB; the biggest saved one is ~500 KB
MAX_DEPTH = 2048  # element nesting; real pages stay under 100, and HTML tree building is quadratic in it
_TAG_TOKEN = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]{0,15})")
# Elements that need an explicit end tag; others (p, li, td...) close implicitly and would inflate a count.
_NESTING = frozenset("div span section article aside header footer nav main ul ol dl table form a b i u s em strong font small big center blockquote label button select".split())


def nesting_depth(text: str, limit: int = MAX_DEPTH) -> int:
    """Element nesting depth of a page, up to `limit`, in one linear scan (no tree is built)."""
    stack: list[str] = []
    for m in _TAG_TOKEN.finditer(text):
        name = m.group(2).lower()
        if name not in _NESTING:
            continue
        if not m.group(1):
            stack.append(name)
            if len(stack) >= limit:
                return len(stack)
        else:
            # Pop to the nearest open element of that name; a stray end tag pops nothing.
            for k in range(len(stack) - 1, max(-1, len(stack) - 65), -1):
                if stack[k] == name:
                    del stack[k:]
                    break
    return len(stack)


def _tree(html: bytes, content_type: str | None = None) -> tuple[str, LexborHTMLParser]:
    if len(html) > MAX_PAGE_BYTES:
        raise PageParseError("too_large", f"{len(html):,} bytes (limit {MAX_PAGE_BYTES:,})")
    try:
        text, _ = decode_html(html, content_type)
    except DecodeError as e:
        raise PageParseError("encoding", str(e)) from e
    if nesting_depth(text) >= MAX_DEPTH:
        raise PageParseError("too_deep", f"elements nested {MAX_DEPTH}+ deep")
    return text, LexborHTMLParser(text)


def _json_doc(text: str) -> object | None:
    if not text[:1024].lstrip().startswith(("{", "[")):
        return None
    try:
        return json.loads(text.lstrip())
    except ValueError:
        return None
    except RecursionError:  # nested past the parser's stack: hostile, not merely "no posting"
        raise PageParseError("too_deep", "JSON nested deeper than the parser's stack") from None


_STATE = re.compile(r"__INITIAL_STATE__\s*=\s*")


def _detail(board: str, tree: LexborHTMLParser, text: str, url: str) -> dict | None:
    if board == "51job":
        return boards.parse_51job(tree, url)
    if board == "liepin":
        return boards.parse_liepin(tree, text, url)
    if board == "boss":
        return boards.parse_boss(tree, text, url)
    if board == "zhaopin":
        m = _STATE.search(text)
        if m:
            state = boards.decode_json_at(text, m.end())
            return boards.parse_zhaopin_state(state, url) if state is not None else None
        return None
    if board == "lagou":
        return boards.parse_lagou(tree, url)
    if board == "linkedin":
        return boards.parse_linkedin(tree, url)
    if board == "cjol":
        return boards.parse_cjol(tree, url)
    return None


def _listing(board: str, tree: LexborHTMLParser, text: str, url: str) -> Listing | None:
    if board == "51job":
        return boards.listing_51job(tree, text, url)
    if board == "liepin":
        return boards.listing_liepin(tree, url)
    if board == "boss":
        return boards.listing_boss(tree, url)
    if board == "zhaopin":
        return boards.listing_zhaopin(tree, url)
    if board == "lagou":
        return boards.listing_lagou(tree, url)
    if board == "linkedin":
        return boards.listing_linkedin(tree, url)
    return None


def _board_of(html_text: str, url: str, board: str | None) -> str:
    board = board or detect_board(url)
    if board is None:
        # Saved pages without a URL: the canonical link inside the page names the board.
        m = re.search(r'<link[^<>]+rel="canonical"[^<>]+href="([^"]+)"', html_text[:20000])
        board = detect_board(m.group(1)) if m else None
        board = board or boards.sniff_board(html_text[:300000])
    if board is None or board == "unknown":
        raise PageParseError("unknown_board", f"no board adapter for {url!r}")
    return board


def parse_page(html: bytes, url: str, board: str | None = None, content_type: str | None = None) -> dict:
    """Extracted fields (schema.EXTRACTED_COLUMNS) of one posting page.

    Raises PageParseError for anything that is not a posting: a challenge or login page, a 404
    page, a truncated download, a listing page, a page of an unknown board.
    """
    rec, _ = parse_page_flagged(html, url, board, content_type)
    return rec


def parse_page_flagged(html: bytes, url: str, board: str | None = None, content_type: str | None = None) -> tuple[dict, bool]:
    """parse_page's fields and whether the record is partial (a preview the board cut short)."""
    rec = _parse_page(html, url, board, content_type)
    partial = bool(rec.pop("is_partial", False))
    return rec, partial


def _parse_page(html: bytes, url: str, board: str | None, content_type: str | None) -> dict:
    if not html or (len(html) < 4096 and not html.strip()):
        raise PageParseError("empty", "no bytes")
    text, tree = _tree(html, content_type)
    board = _board_of(text, url, board)
    doc = _json_doc(text)
    if doc is not None:  # a saved state JSON (Zhaopin) or an AJAX list (51job mobile)
        rec = boards.parse_zhaopin_state(doc, url) if board == "zhaopin" else None
        if rec is not None:
            return rec
        if boards.listing_51job_ajax(doc, url) is not None or boards.listing_51job_search(doc, url) is not None:
            raise PageParseError("listing_page", "51job search results JSON")
        raise PageParseError("not_a_posting", "JSON document without a posting")
    rec = _detail(board, tree, text, url)
    if rec is not None and rec.get("title_extracted"):
        if _is_truncated(text):
            raise PageParseError("truncated", "posting page without its closing </html>")
        if not rec.get("body_extracted"):
            raise PageParseError("no_body", f"{board} posting without a description")
        return rec
    if (why := detect_block(text)) is not None:
        raise PageParseError(why, page_title(text)[:80])
    if _NOT_FOUND.search(page_title(text)):
        raise PageParseError("not_found", page_title(text)[:80])
    if _listing(board, tree, text, url) is not None:
        raise PageParseError("listing_page", f"{board} listing page")
    if _is_truncated(text):
        raise PageParseError("truncated", "page ends before </html>")
    raise PageParseError("not_a_posting", f"no {board} posting markup; title {page_title(text)[:60]!r}")


def parse_listing(html: bytes, url: str, board: str | None = None, content_type: str | None = None) -> Listing:
    """Detail URLs, the fields the page embeds per posting, and the next pages of a listing page.

    Raises PageParseError('not_a_listing') when the page carries no listing markup.
    """
    if not html or not html.strip():
        raise PageParseError("empty", "no bytes")
    text, tree = _tree(html, content_type)
    board = _board_of(text, url, board)
    doc = _json_doc(text)
    if doc is not None:
        out = (boards.listing_51job_ajax(doc, url) or boards.listing_51job_search(doc, url)) if board == "51job" else None
    else:
        if (why := detect_block(text)) is not None:
            raise PageParseError(why, page_title(text)[:80])
        out = _listing(board, tree, text, url)
    if out is None:
        raise PageParseError("not_a_listing", f"no {board} listing markup")
    return out
