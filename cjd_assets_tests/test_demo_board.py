"""The demo job board: its pages parse back to the corpus, its URL variants dedup to one posting."""

from __future__ import annotations

import httpx
import polars as pl
import pytest

from cjd_assets.demo.board import DemoBoard, render_51job_detail, render_liepin_detail, variant_urls
from cjd_assets.demo.corpus import generate_corpus
from cjd_assets.harvest import CrawlConfig, classify_slot, decode_html, detect_board, parse_pages, run_crawl, store_pages, url_states
from cjd_assets.harvest import parse_page


@pytest.fixture(scope="module")
def corpus():
    return generate_corpus(200, seed=0)


def _lines(body: str) -> str:
    return "\n".join(" ".join(ln.split()) for ln in body.split("\n") if ln.strip())


def test_every_demo_page_parses_back_to_its_corpus_row(corpus):
    board = DemoBoard(corpus)
    n = 0
    for url, (b, job_id, mobile) in board.details.items():
        p = board.postings[job_id]
        status, headers, body = board.respond(url)
        assert status == 200
        rec = parse_page(body, url, content_type=headers["Content-Type"])
        n += 1
        assert rec["source"] == b == detect_board(url)
        assert rec["title_extracted"] == p["title"]
        assert rec["company_name_extracted"] == p["company"]
        assert rec["salary_extracted"] == (p["salary_text"] or None)
        assert rec["location_extracted"] == (p["location_text"] or None)
        full = _lines(p["body"])
        if mobile:  # the mobile host serves the first lines only
            assert full.startswith(rec["body_extracted"]) and len(rec["body_extracted"]) < len(full)
        else:
            assert rec["body_extracted"] == full
        # Slots are read by meaning; a value the corpus slipped into the wrong slot is not taken.
        if classify_slot(p["education_text"] or "") == "education":
            assert rec["desired_education_extracted"] == p["education_text"]
        if classify_slot(p["experience_text"] or "") == "experience":
            assert rec["desired_experience_extracted"] == p["experience_text"]
    assert n == int(corpus["url_variants"].sum())


def test_51job_pages_are_gbk_and_liepin_utf8(corpus):
    p51 = corpus.filter(pl.col("board") == "51job").row(0, named=True)
    plp = corpus.filter(pl.col("board") == "liepin").row(0, named=True)
    raw = render_51job_detail(p51, variant_urls("51job", p51["job_id"], p51["city_slug"], 1)[0])
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    assert decode_html(raw, "text/html")[1] == "gb18030"
    assert decode_html(render_liepin_detail(plp, ""), "text/html; charset=utf-8")[1] == "utf-8"


def test_url_variants_share_one_posting_key(corpus):
    from cjd_assets.dedup import normalize_url

    keys_by_posting = {}
    for row in corpus.iter_rows(named=True):
        urls = variant_urls(row["board"], row["job_id"], row["city_slug"], row["url_variants"])
        assert len(urls) == row["url_variants"]
        keys = {normalize_url(u)[1] for u in urls}
        assert len(keys) == 1, urls
        keys_by_posting[row["posting_uid"]] = keys.pop()
    assert len(set(keys_by_posting.values())) == corpus.height == DemoBoard(corpus).expected_postings()


def test_board_answers_proxy_requests_and_a_crawl_reaches_every_state(corpus, tmp_path):
    small = corpus.head(40)
    with DemoBoard(small) as board:
        r = httpx.get(board.seed_urls()[0], proxy=board.address, trust_env=False)
        assert r.status_code == 200 and "__SEARCH_RESULT__" in decode_html(r.content, r.headers["content-type"])[0]
        r = httpx.get("http://www.liepin.com/job/1.shtml", proxy=board.address, trust_env=False)
        assert r.status_code == 404
        cfg = CrawlConfig(proxy=board.address, per_host_rate=0, backoff_base=0.02, backoff_max=0.1, timeout=5)
        run_crawl(board.seed_urls(), tmp_path / "demo.sqlite", "crawl-demo", cfg)
        expected = board.expected_states()
    pages = store_pages(tmp_path / "demo.sqlite", "crawl-demo")
    postings, quarantine = parse_pages(pages)
    assert url_states(pages, quarantine) == expected
    assert all(v > 0 for v in expected.values())
    assert postings.height == int(small["url_variants"].sum())
    assert sorted(quarantine["reason"].to_list()) == ["not_found", "truncated"]
