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
_CHALLENGE_TITLE = re.compile(r"滑动验证|安全验证|人机验证|验证码|访问验证|请稍候|Access Denied|Just a moment|Attention Required|Forbidden|security check", re.I)
_CHALLENGE_BODY = re.compile(r"nocaptcha|waf_nc_|nc_scale|geetest|slide-verify|slider-verify|verify\.zhipin\.com/|_waf_|captcha-container|x5sec|punish\?", re.I)
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


def _tree(html: bytes, content_type: str | None = None) -> tuple[str, LexborHTMLParser]:
    try:
        text, _ = decode_html(html, content_type)
    except DecodeError as e:
        raise PageParseError("encoding", str(e)) from e
    return text, LexborHTMLParser(text)


def _json_doc(text: str) -> object | None:
    if not text[:1024].lstrip().startswith(("{", "[")):
        return None
    s = text.lstrip()
    try:
        return json.loads(s)
    except ValueError:
        return None


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
            try:
                state, _ = json.JSONDecoder().raw_decode(text, m.end())
            except ValueError:
                return None
            return boards.parse_zhaopin_state(state, url)
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
    return None


def _board_of(html_text: str, url: str, board: str | None) -> str:
    board = board or detect_board(url)
    if board is None:
        # Saved pages without a URL: the canonical link inside the page names the board.
        m = re.search(r'<link[^>]+rel="canonical"[^>]+href="([^"]+)"', html_text[:20000])
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
