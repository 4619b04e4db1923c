"""Harvest stage: pages and export files in, raw_pages and raw_postings rows out (no Dagster here).

- parse_page / parse_listing: one page's bytes -> extracted fields (per-board adapters in boards.py)
- read_harvest_file: an export (JSONL/CSV/JSON/Parquet), a folder of saved pages or a WARC -> raw_pages
- landing: dropped files kept in the lake under their content digest, one harvest partition each
- run_crawl / store_pages: a resumable async crawl into a SQLite store -> raw_pages
- parse_pages / url_states: raw_pages -> (raw_postings, quarantine), and every URL's final state
"""

from __future__ import annotations

from .boards import Listing, classify_slot, detect_board, url_page_kind
from .crawler import CrawlConfig, CrawlProgress, CrawlSummary, run_crawl, store_pages
from .export_format import read_export_extra, summarize_extra
from .files import DEFAULT_MAPPING, HarvestFileError, export_as_extracted, read_harvest_file, records_to_raw_pages
from .pages import PARSER_VERSION, PageParseError, detect_block, parse_listing, parse_page
from .raw import RAW_PAGES_SCHEMA, make_page_id, parse_pages, raw_pages_frame, url_states
from .text import DecodeError, decode_html, html_to_text

__all__ = [
    "export_as_extracted",
    "DEFAULT_MAPPING",
    "PARSER_VERSION",
    "RAW_PAGES_SCHEMA",
    "CrawlConfig",
    "CrawlProgress",
    "CrawlSummary",
    "DecodeError",
    "HarvestFileError",
    "Listing",
    "PageParseError",
    "classify_slot",
    "decode_html",
    "detect_block",
    "detect_board",
    "html_to_text",
    "make_page_id",
    "parse_listing",
    "parse_page",
    "parse_pages",
    "raw_pages_frame",
    "read_harvest_file",
    "records_to_raw_pages",
    "run_crawl",
    "store_pages",
    "url_page_kind",
    "url_states",
    "read_export_extra",
    "summarize_extra",
]
