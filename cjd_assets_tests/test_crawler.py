"""The crawler against a fault-injecting board on 127.0.0.1: every URL reaches its right final state."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time

import polars as pl
import pytest

from cjd_assets.demo.board import CHALLENGE_URL, FAILING_URL, LOGIN_URL, NOT_FOUND_URL, TRUNCATED_URL, DemoBoard
from cjd_assets.demo.corpus import generate_corpus
from cjd_assets.harvest import CrawlConfig, parse_pages, run_crawl, store_pages, url_states
from cjd_assets.paths import REPO_ROOT

FAST = dict(per_host_rate=0, per_host_concurrency=4, backoff_base=0.02, backoff_max=0.1, timeout=1.5, max_attempts=4)


@pytest.fixture(scope="module")
def corpus():
    return generate_corpus(60, seed=3)


def _by_url(pages: pl.DataFrame) -> dict[str, dict]:
    return {r["url"]: r for r in pages.iter_rows(named=True)}


def test_faults_end_in_the_right_states(corpus, tmp_path):
    probe = DemoBoard(corpus)
    details = [u for u in probe.detail_urls() if "51job" in u]
    retry5xx, retry429, slow, reset, trunc, challenge, dead = details[:7]
    gbk_page = details[7]
    listing2 = probe.listing_urls()[1]
    faults = {
        retry5xx: ["503", "500"],
        retry429: ["429:1"],
        slow: ["slow:4"],  # longer than the 1.5 s timeout
        reset: ["reset"],
        trunc: ["truncate"],
        challenge: ["challenge"],
        dead: ["502"] * 10,
        listing2: ["503"],
    }
    progress = []
    with DemoBoard(corpus, faults=faults) as board:
        cfg = CrawlConfig(proxy=board.address, **FAST)
        summary = run_crawl(board.seed_urls(), tmp_path / "c.sqlite", "crawl-faults", cfg, progress=progress.append)
        log = list(board.request_log)
    pages = store_pages(tmp_path / "c.sqlite", "crawl-faults")
    rows = _by_url(pages)
    expected_urls = set(probe.detail_urls()) | set(probe.listing_urls()) | {CHALLENGE_URL, NOT_FOUND_URL, TRUNCATED_URL, FAILING_URL, LOGIN_URL}
    assert set(rows) == expected_urls  # 0 lost, nothing extra
    assert pages["page_id"].n_unique() == pages.height == len(expected_urls)
    assert summary.states["pending"] == 0

    assert (rows[retry5xx]["crawl_state"], rows[retry5xx]["attempts"]) == ("fetched", 3)
    assert (rows[retry429]["crawl_state"], rows[retry429]["attempts"]) == ("fetched", 2)
    t429 = [t for u, t in log if u == retry429]
    assert t429[1] - t429[0] >= 1.0  # Retry-After: 1 honoured (backoff alone would be ~0.02 s)
    assert (rows[slow]["crawl_state"], rows[slow]["attempts"]) == ("fetched", 2)
    assert (rows[reset]["crawl_state"], rows[reset]["attempts"]) == ("fetched", 2)
    assert (rows[trunc]["crawl_state"], rows[trunc]["attempts"]) == ("fetched", 2)
    # Blocked once, then re-queued after a pause: a challenge often passes (issue 19, blocked-and-retry).
    assert (rows[challenge]["crawl_state"], rows[challenge]["attempts"]) == ("fetched", 2)
    # 4 attempts, then one more round of 4 after a cool-down (retry_rounds=1)
    assert (rows[dead]["crawl_state"], rows[dead]["state_reason"], rows[dead]["attempts"]) == ("failed", "http_502", 8)
    assert rows[listing2]["crawl_state"] == "fetched"
    assert (rows[LOGIN_URL]["crawl_state"], rows[LOGIN_URL]["state_reason"]) == ("blocked", "login_wall")
    assert (rows[FAILING_URL]["crawl_state"], rows[FAILING_URL]["state_reason"]) == ("failed", "http_503")
    assert rows[NOT_FOUND_URL]["http_status"] == 404

    postings, quarantine = parse_pages(pages)
    assert dict(zip(quarantine["url"], quarantine["reason"])) == {NOT_FOUND_URL: "not_found", TRUNCATED_URL: "truncated"}
    states = url_states(pages, quarantine)
    n_details = len(probe.detail_urls())
    assert states == {"parsed": n_details - 1 + len(probe.listing_urls()), "quarantined": 2, "blocked": 2, "failed": 2}
    assert postings.height == n_details - 1  # the dead detail page
    # GBK pages decode without mojibake: titles equal the corpus'.
    job_id = gbk_page.rsplit("/", 1)[1].split(".")[0]
    title = corpus.filter(pl.col("job_id") == job_id)["title"][0]
    assert postings.filter(pl.col("url_extracted") == gbk_page)["title_extracted"].to_list() == [title]
    assert rows[gbk_page]["encoding"] == "gb18030"
    # Progress: reported along the way and at the end.
    assert progress[-1].done and progress[-1].states == summary.states
    assert progress[-1].finished == len(expected_urls)


def test_allowlist_and_headers(corpus, tmp_path):
    with DemoBoard(corpus.head(5), special_pages=False) as board:
        cfg = CrawlConfig(proxy=board.address, allowed_domains=["liepin.com"], headers={"X-Research": "cjd"},
                          cookies={"guest": "1"}, **FAST)
        seeds = ["http://www.liepin.com/zhaopin/?curPage=0", "http://search.51job.com/list/000000,000000,0000,00,9,99,+,2,1.html"]
        run_crawl(seeds, tmp_path / "a.sqlite", "crawl-allow", cfg)
        asked = set(board.requests)
    pages = store_pages(tmp_path / "a.sqlite", "crawl-allow")
    refused = pages.filter(pl.col("state_reason") == "domain_not_allowed")
    assert refused["url"].to_list() == [seeds[1]] and refused["crawl_state"].to_list() == ["failed"]
    assert not any("51job" in u for u in asked)  # never requested
    assert pages.filter(pl.col("crawl_state") == "fetched")["board"].unique().to_list() == ["liepin"]


_CRAWL_SCRIPT = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from cjd_assets.harvest import CrawlConfig, run_crawl
    proxy, store, seeds = sys.argv[1], sys.argv[2], sys.argv[3:]
    cfg = CrawlConfig(proxy=proxy, per_host_rate=25, per_host_concurrency=2, timeout=5, backoff_base=0.02, backoff_max=0.1)
    run_crawl(seeds, Path(store), "crawl-kill", cfg)
    """
)


def test_sigkill_midway_then_resume_has_no_duplicate_and_no_gap(tmp_path):
    corpus = generate_corpus(150, seed=5)
    store = tmp_path / "k.sqlite"
    with DemoBoard(corpus, special_pages=False) as board:
        env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
        proc = subprocess.Popen([sys.executable, "-c", _CRAWL_SCRIPT, board.address, str(store), *board.seed_urls()],
                                env=env, cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        done_before: set[str] = set()
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and proc.poll() is None:
                time.sleep(0.2)
                if store.exists():
                    try:
                        with sqlite3.connect(store, timeout=5) as con:
                            n = con.execute("SELECT COUNT(*) FROM pages WHERE state != 'pending'").fetchone()[0]
                    except sqlite3.OperationalError:
                        continue
                    if n >= 40:
                        break
            assert proc.poll() is None, f"crawl ended before it could be killed: {proc.stderr.read()[-2000:]!r}"
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        finally:
            if proc.poll() is None:
                proc.kill()
        with sqlite3.connect(store) as con:
            done_before = {u for (u,) in con.execute("SELECT url FROM pages WHERE state != 'pending'")}
            pending_before = con.execute("SELECT COUNT(*) FROM pages WHERE state = 'pending'").fetchone()[0]
        assert 40 <= len(done_before) and pending_before > 0  # really killed midway
        requests_before = dict(board.requests)

        summary = run_crawl(board.seed_urls(), store, "crawl-kill", CrawlConfig(proxy=board.address, **FAST))
        requests_after = board.requests
        expected = set(board.detail_urls()) | set(board.listing_urls())
    assert summary.states["pending"] == 0
    pages = store_pages(store, "crawl-kill")
    assert sorted(pages["url"].to_list()) == sorted(expected)  # no page missing, none twice
    assert set(pages["crawl_state"]) == {"fetched"}
    # Pages stored before the kill were not fetched again.
    assert all(requests_after[u] == requests_before[u] == 1 for u in done_before)
    postings, quarantine = parse_pages(pages)
    assert quarantine.height == 0 and postings.height == len(board.detail_urls()) == int(corpus["url_variants"].sum())
    assert postings["id"].n_unique() == postings.height


class _FakeTty:
    def __init__(self) -> None:
        self.chunks: list[str] = []

    def isatty(self) -> bool:
        return True

    def write(self, s: str) -> int:
        self.chunks.append(s)
        return len(s)

    def flush(self) -> None:
        pass


def test_progress_bar_only_on_a_terminal(corpus, tmp_path, monkeypatch):
    tty = _FakeTty()
    monkeypatch.setattr(sys, "stderr", tty)
    with DemoBoard(corpus.head(3), special_pages=False) as board:
        run_crawl(board.seed_urls(), tmp_path / "p.sqlite", "crawl-tty", CrawlConfig(proxy=board.address, **FAST))
    out = "".join(tty.chunks)
    assert out.startswith("\r[") and out.endswith("\n")
    assert "pages/s" in out and "ETA" in out and "fetched=" in out


def test_retry_after_seconds_and_http_date():
    from email.utils import format_datetime
    from datetime import datetime, timedelta, timezone

    from cjd_assets.harvest.crawler import _retry_after

    assert _retry_after("7") == 7.0
    later = format_datetime(datetime.now(timezone.utc) + timedelta(seconds=30), usegmt=True)
    assert 25 <= _retry_after(later) <= 30
    assert _retry_after("not a date") is None and _retry_after(None) is None


def test_max_pages_caps_the_frontier(corpus, tmp_path):
    with DemoBoard(corpus, special_pages=False) as board:
        summary = run_crawl(board.seed_urls()[:1], tmp_path / "cap.sqlite", "crawl-cap", CrawlConfig(proxy=board.address, max_pages=10, **FAST))
    assert sum(summary.states.values()) == 10 and summary.states["pending"] == 0
