"""Harvest stage: pages and export files in, raw_pages and raw_postings rows out (no Dagster here)."""

from __future__ import annotations

from .boards import Listing, classify_slot, detect_board, url_page_kind
from .pages import PARSER_VERSION, PageParseError, detect_block, parse_listing, parse_page
from .text import DecodeError, decode_html, html_to_text

__all__ = [
    "PARSER_VERSION",
    "DecodeError",
    "Listing",
    "PageParseError",
    "classify_slot",
    "decode_html",
    "detect_block",
    "detect_board",
    "html_to_text",
    "parse_listing",
    "parse_page",
    "url_page_kind",
]

from .crawler import CrawlConfig, CrawlProgress, CrawlSummary, run_crawl, store_pages  # noqa: E402
from .files import DEFAULT_MAPPING, HarvestFileError, read_harvest_file, records_to_raw_pages  # noqa: E402
from .raw import RAW_PAGES_SCHEMA, make_page_id, parse_pages, raw_pages_frame, url_states  # noqa: E402

__all__ += [
    "CrawlConfig",
    "CrawlProgress",
    "CrawlSummary",
    "run_crawl",
    "store_pages",
    "DEFAULT_MAPPING",
    "HarvestFileError",
    "RAW_PAGES_SCHEMA",
    "make_page_id",
    "parse_pages",
    "raw_pages_frame",
    "read_harvest_file",
    "records_to_raw_pages",
    "url_states",
]
