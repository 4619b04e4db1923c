"""The crawler against a hostile board on 127.0.0.1 (issue 19): no posting URL ends nowhere.

Every test drives cjd_assets.demo.board.DemoBoard, which serves real-looking 51job and Liepin pages and
injects one fault class per test; all traffic stays on loopback and each crawl is a few hundred URLs.
A posting URL must end stored, or recorded as failed, blocked or deferred, and a second run retrieves
what the first could not.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta, timezone

import polars as pl
import pytest

from cjd_assets.demo.board import DemoBoard, SEARCH_51JOB, SEARCH_LIEPIN
from cjd_assets.demo.corpus import generate_corpus
from cjd_assets.harvest import CrawlConfig, decode_html, parse_pages, run_crawl, store_pages

FAST = dict(per_host_rate=0, per_host_concurrency=4, backoff_base=0.02, backoff_max=0.1, timeout=1.5, max_attempts=4,
            retry_delay=0.05)


@pytest.fixture(scope="module")
def corpus():
    return generate_corpus(300, seed=3)  # 419 detail URLs on 6 + 3 listing pages


def _rows(store, hid) -> dict[str, dict]:
    return {r["url"]: r for r in store_pages(store, hid).iter_rows(named=True)}


def _pages_of(board: DemoBoard, name: str, page: int) -> list[str]:
    """Detail URLs listed on one listing page of the board."""
    i = page - 1 if name == "51job" else page
    return [u for _, u in board.entries[name][i * 50 : (i + 1) * 50]]


def test_failed_listing_pages_lose_nothing_behind_them(corpus, tmp_path):
    probe = DemoBoard(corpus, special_pages=False)
    p2, p3, p4 = (SEARCH_51JOB.format(page=n) for n in (2, 3, 4))
    l1 = SEARCH_LIEPIN.format(page=1)
    faults = {
        p2: ["503"] * 12,  # all three rounds of 4 attempts a listing page gets fail: page 2 fails this run
        p3: ["nested_json"] * 12,  # 200 with JSON nested 1,000 deep: no listing in it, this run
        p4: ["429:0", "503", "503", "truncate"],  # recovers on the 5th try (the re-queued round)
        l1: ["bad_href"],  # Liepin page 1's "下一页" link and first job link are malformed
    }
    store = tmp_path / "l.sqlite"
    with DemoBoard(corpus, faults=faults, special_pages=False) as board:
        first = run_crawl(board.seed_urls(), store, "crawl-list", CrawlConfig(proxy=board.address, **FAST))
        rows = _rows(store, "crawl-list")
        # Pages 3 and 4 are reached although page 2 failed (derived: ,N.html follows a known pattern).
        assert rows[p2]["crawl_state"] == "failed" and rows[p2]["state_reason"] == "http_503"
        assert rows[p3]["crawl_state"] == "failed" and rows[p3]["state_reason"] == "listing_not_a_listing"
        assert rows[p4]["crawl_state"] == "fetched" and rows[p4]["attempts"] == 5
        assert first.states["pending"] == 0 and first.requeued >= 3
        # Liepin page 2 was derived (curPage=N+1) though page 1's next link was broken; the bad job link
        # is recorded as a failed URL, not dropped.
        assert rows[SEARCH_LIEPIN.format(page=2)]["crawl_state"] == "fetched"
        bad = [u for u in rows if "[bad" in u]
        assert len(bad) == 1 and (rows[bad[0]]["crawl_state"], rows[bad[0]]["state_reason"]) == ("failed", "bad_url")
        behind_bad = bad[0].replace("http://[bad", "")
        # Only the postings listed on the two failed pages are missing (their pages are recorded as failed).
        lost_first = set(board.detail_urls()) - {u for u, r in rows.items() if r["crawl_state"] == "fetched"}
        assert lost_first == set(_pages_of(board, "51job", 2)) | set(_pages_of(board, "51job", 3)) | {behind_bad}

        # The faults are spent: a second run retries the failed listing pages and fetches what they list.
        second = run_crawl(board.seed_urls(), store, "crawl-list", CrawlConfig(proxy=board.address, **FAST))
    rows = _rows(store, "crawl-list")
    assert second.retried_from_store >= 2
    fetched = {u for u, r in rows.items() if r["crawl_state"] == "fetched"}
    # All but the one URL that only a malformed href pointed to (the page had it wrong, not the crawl).
    assert set(probe.detail_urls()) - fetched == {behind_bad}
    assert set(probe.listing_urls()) <= fetched


def test_backoff_is_per_host_under_a_rate_limit(tmp_path):
    # The board answers 429 (Retry-After: 1) to a host asked more than 20 times in a second; the crawler
    # is set to no rate of its own, so only its per-host backoff can keep it under the limit.
    corpus = generate_corpus(150, seed=3)  # 217 detail URLs, 5 listing pages
    with DemoBoard(corpus, special_pages=False, rate_limit=20) as board:
        summary = run_crawl(board.seed_urls(), tmp_path / "r.sqlite", "crawl-rate", CrawlConfig(proxy=board.address, **FAST))
        limited, n_urls = board.limited, len(board.detail_urls()) + len(board.listing_urls())
    pages = store_pages(tmp_path / "r.sqlite", "crawl-rate")
    assert limited > 0  # the limiter did bite
    assert summary.states == {"pending": 0, "fetched": n_urls, "blocked": 0, "failed": 0}
    assert pages.filter(pl.col("crawl_state") != "fetched").height == 0


def test_long_retry_after_defers_the_host(corpus, tmp_path):
    small = corpus.head(20)
    probe = DemoBoard(small, special_pages=False)
    first = [u for u in probe.detail_urls() if "jobs.51job.com" in u][0]
    store = tmp_path / "d.sqlite"
    with DemoBoard(small, special_pages=False, faults={first: ["429:300"]}) as board:
        run_crawl(board.seed_urls(), store, "crawl-defer", CrawlConfig(proxy=board.address, **{**FAST, "per_host_concurrency": 1}))
        asked_first = dict(board.requests)
        rows = _rows(store, "crawl-defer")
        r = rows[first]
        assert r["crawl_state"] == "deferred" and r["state_reason"].startswith("retry_after_300s until ")
        with sqlite3.connect(store) as con:
            due = {u: d for u, d in con.execute("SELECT url, due_time FROM pages WHERE state='deferred'")}
        when = datetime.fromisoformat(due[first])
        assert timedelta(seconds=290) < when - datetime.now(timezone.utc) <= timedelta(seconds=300)
        # The whole host waits: no other jobs.51job.com page was asked for after the 429.
        host_urls = [u for u in probe.detail_urls() if "jobs.51job.com" in u]
        assert all(rows[u]["crawl_state"] == "deferred" for u in host_urls)
        assert sum(asked_first.get(u, 0) for u in host_urls) < len(host_urls)
        # Other hosts are not held back.
        assert all(rows[u]["crawl_state"] == "fetched" for u in probe.detail_urls() if "jobs.51job.com" not in u)

        # A run before the due time leaves them deferred and asks nothing of that host.
        run_crawl(board.seed_urls(), store, "crawl-defer", CrawlConfig(proxy=board.address, **FAST))
        assert all(board.requests[u] == asked_first.get(u, 0) for u in host_urls)
        # Once the due time has passed, the next run fetches them.
        past = (datetime.now(timezone.utc) - timedelta(seconds=1)).isoformat()
        with sqlite3.connect(store) as con:
            con.execute("UPDATE pages SET due_time=? WHERE state='deferred'", (past,))
        run_crawl(board.seed_urls(), store, "crawl-defer", CrawlConfig(proxy=board.address, **FAST))
    rows = _rows(store, "crawl-defer")
    assert all(rows[u]["crawl_state"] == "fetched" for u in probe.detail_urls())


def test_block_pages_served_200_and_status_999_are_blocked(corpus, tmp_path):
    small = corpus.head(20)
    probe = DemoBoard(small, special_pages=False)
    acw, safedog, waf, s999 = [u for u in probe.detail_urls() if "51job" in u][:4]
    # Each block lasts two rounds (the first and the re-queued one), so the first run ends blocked.
    faults = {acw: ["acw"] * 2, safedog: ["safedog"] * 2, waf: ["waf"] * 2, s999: ["999"] * 2}
    store = tmp_path / "b.sqlite"
    with DemoBoard(small, special_pages=False, faults=faults) as board:
        run_crawl(board.seed_urls(), store, "crawl-block", CrawlConfig(proxy=board.address, **FAST))
        rows = _rows(store, "crawl-block")
        got = {u: (rows[u]["crawl_state"], rows[u]["state_reason"]) for u in (acw, safedog, waf, s999)}
        assert got == {acw: ("blocked", "challenge_page"), safedog: ("blocked", "challenge_page"),
                       waf: ("blocked", "challenge_page"), s999: ("blocked", "http_999")}
        postings, quarantine = parse_pages(store_pages(store, "crawl-block"))
        assert not set(quarantine["url"]) & set(got)  # never "not_a_posting"
        # Blocked pages are retried by the next run.
        run_crawl(board.seed_urls(), store, "crawl-block", CrawlConfig(proxy=board.address, **FAST))
    rows = _rows(store, "crawl-block")
    assert all(rows[u]["crawl_state"] == "fetched" for u in got)


def test_proxy_pool_rotates_per_host_and_rests_a_blocked_proxy(corpus, tmp_path):
    small = corpus.head(20)
    probe = DemoBoard(small, special_pages=False)
    victim = [u for u in probe.detail_urls() if "jobs.51job.com" in u][0]
    # Two proxies (each a board serving the same site); the first answers the victim with a challenge.
    with DemoBoard(small, special_pages=False, faults={victim: ["challenge"] * 5}) as a, DemoBoard(small, special_pages=False) as b:
        pa, pb = a.address, "http://user:secret@" + b.address.removeprefix("http://")
        cfg = CrawlConfig(proxies=[pa, pb], **FAST)
        run_crawl(probe.seed_urls(), tmp_path / "p.sqlite", "crawl-proxy", cfg)
        asked_a, asked_b = dict(a.requests), dict(b.requests)
    pages = store_pages(tmp_path / "p.sqlite", "crawl-proxy")
    rows = {r["url"]: r for r in pages.iter_rows(named=True)}
    assert rows[victim]["crawl_state"] == "fetched"
    assert rows[victim]["proxy"] == b.address  # fetched through the other proxy, recorded without credentials
    assert not any("secret" in (p or "") for p in pages["proxy"])
    assert set(pages["proxy"]) == {a.address, b.address}  # both proxies served
    host_urls = [u for u in probe.detail_urls() if "jobs.51job.com" in u]
    # After the block, proxy A rests for that host: every later page of it came through B.
    assert asked_a.get(victim) == 1
    after = [u for u in host_urls if u != victim and rows[u]["proxy"] == a.address]
    assert len(after) <= 4  # only requests already in flight when A got blocked (per_host_concurrency=4)
    assert sum(asked_b.get(u, 0) for u in host_urls) >= len(host_urls) - len(after)


def test_redirects_stay_on_the_allowlist_and_loops_are_recorded(corpus, tmp_path):
    small = corpus.head(20)
    probe = DemoBoard(small, special_pages=False)
    loops = [u for u in probe.detail_urls() if "51job" in u][:16]
    offsite, moved = [u for u in probe.detail_urls() if "liepin" in u][:2]
    target = [u for u in probe.detail_urls() if "liepin" in u][2]
    faults = {u: ["redirect_loop"] for u in loops} | {offsite: ["redirect_offsite"], moved: ["redirect:" + target]}
    with DemoBoard(small, special_pages=False, faults=faults) as board:
        cfg = CrawlConfig(proxy=board.address, headers={"X-Board-Token": "t0ken"}, cookies={"board_session": "s3cret"}, **FAST)
        summary = run_crawl(board.seed_urls(), tmp_path / "x.sqlite", "crawl-redir", cfg)
        seen = list(board.request_headers)
    rows = _rows(tmp_path / "x.sqlite", "crawl-redir")
    assert summary.states["pending"] == 0
    assert {rows[u]["state_reason"] for u in loops} == {"redirect_loop"}
    assert {rows[u]["crawl_state"] for u in loops} == {"failed"}
    assert (rows[offsite]["crawl_state"], rows[offsite]["state_reason"]) == ("failed", "redirect_off_site:evil.example")
    assert rows[offsite]["content"] is None  # no foreign page stored under the board's URL
    assert not any("evil.example" in u for u, _ in seen)  # never followed, so no cookie or header went there
    assert all(h.get("x-board-token") == "t0ken" for u, h in seen)
    # A redirect inside the allowlist is followed; the page is stored under the URL asked for.
    assert rows[moved]["crawl_state"] == "fetched"
    postings, _ = parse_pages(store_pages(tmp_path / "x.sqlite", "crawl-redir"))
    assert moved in set(postings["url_extracted"])


def test_trickling_server_meets_a_total_deadline(corpus, tmp_path):
    small = corpus.head(10)
    probe = DemoBoard(small, special_pages=False)
    slow = [u for u in probe.detail_urls() if "51job" in u][0]
    # 10 pieces 0.5 s apart: each read is well inside the 1.5 s timeout, the whole body is not.
    with DemoBoard(small, special_pages=False, faults={slow: ["trickle:5"]}) as board:
        run_crawl(board.seed_urls(), tmp_path / "t.sqlite", "crawl-trickle", CrawlConfig(proxy=board.address, **FAST))
        asked = board.requests[slow]
    rows = _rows(tmp_path / "t.sqlite", "crawl-trickle")
    assert asked == 2 and (rows[slow]["crawl_state"], rows[slow]["attempts"]) == ("fetched", 2)


def test_gbk_page_labelled_latin1_is_sniffed(corpus, tmp_path):
    small = corpus.head(10)
    probe = DemoBoard(small, special_pages=False)
    page = [u for u in probe.detail_urls() if "jobs.51job.com" in u][0]
    with DemoBoard(small, special_pages=False, faults={page: ["latin1_label"]}) as board:
        run_crawl(board.seed_urls(), tmp_path / "g.sqlite", "crawl-gbk", CrawlConfig(proxy=board.address, **FAST))
    pages = store_pages(tmp_path / "g.sqlite", "crawl-gbk")
    row = pages.filter(pl.col("url") == page).row(0, named=True)
    assert "ISO-8859-1" in row["content_type"] and row["encoding"] == "gb18030"
    postings, _ = parse_pages(pages)
    job_id = page.rsplit("/", 1)[1].split(".")[0]
    title = small.filter(pl.col("job_id") == job_id)["title"][0]
    assert postings.filter(pl.col("url_extracted") == page)["title_extracted"].to_list() == [title]
    # A page that really is Latin-1 keeps its label.
    text, enc = decode_html("<html><p>café déjà</p></html>".encode("latin-1"), "text/html; charset=ISO-8859-1")
    assert (text, enc) == ("<html><p>café déjà</p></html>", "iso8859-1")


def test_hostile_pages_are_quarantined_alone(corpus, tmp_path):
    small = corpus.head(20)
    probe = DemoBoard(small, special_pages=False)
    d51 = [u for u in probe.detail_urls() if "jobs.51job.com" in u]
    kinds = {d51[0]: "hostile:jobinfo", d51[1]: "hostile:jsonld", d51[2]: "hostile:divs", d51[3]: "hostile:nested_json"}
    with DemoBoard(small, special_pages=False, faults={u: [k] for u, k in kinds.items()}) as board:
        run_crawl(board.seed_urls(), tmp_path / "h.sqlite", "crawl-hostile", CrawlConfig(proxy=board.address, **FAST))
    pages = store_pages(tmp_path / "h.sqlite", "crawl-hostile")
    postings, quarantine = parse_pages(pages)
    reasons = dict(zip(quarantine["url"], quarantine["reason"]))
    assert set(reasons) == set(kinds)
    assert reasons[d51[2]] == "too_deep" and reasons[d51[3]] == "too_deep"
    assert postings.height == len(probe.detail_urls()) - len(kinds)  # every other page parsed


def test_mixed_faults_lose_no_posting_url_and_a_second_run_recovers(corpus, tmp_path):
    """Every fault class at once: each posting URL ends stored or recorded; the next run gets the rest."""
    probe = DemoBoard(corpus, special_pages=False)
    d51 = [u for u in probe.detail_urls() if "jobs.51job.com" in u]
    dlp = [u for u in probe.detail_urls() if "www.liepin.com" in u]
    faults = {
        SEARCH_51JOB.format(page=2): ["503"] * 12,
        SEARCH_51JOB.format(page=3): ["waf"] * 3,  # blocked in all three rounds of a listing page
        SEARCH_51JOB.format(page=5): ["nested_json"] * 12,
        SEARCH_LIEPIN.format(page=1): ["bad_href"],
        d51[0]: ["429:300"],  # defers jobs.51job.com for this run
        dlp[0]: ["redirect_loop"], dlp[1]: ["redirect_offsite"], dlp[2]: ["trickle:5"], dlp[3]: ["acw"],
        dlp[4]: ["safedog"], dlp[5]: ["999"], dlp[6]: ["502"] * 8, dlp[7]: ["reset", "truncate"],
    }
    store = tmp_path / "m.sqlite"
    with DemoBoard(corpus, faults=faults, special_pages=False) as board:
        cfg = CrawlConfig(proxy=board.address, **FAST)
        run_crawl(board.seed_urls(), store, "crawl-mixed", cfg)
        rows = _rows(store, "crawl-mixed")
        states = {u: rows[u]["crawl_state"] if u in rows else "nowhere" for u in probe.detail_urls()}
        listed_nowhere = {u for u, s in states.items() if s == "nowhere"}
        # Posting URLs not reached sit only behind listing pages that are themselves recorded.
        behind = set(_pages_of(probe, "51job", 2)) | set(_pages_of(probe, "51job", 3)) | set(_pages_of(probe, "51job", 5))
        bad = [u for u in rows if "[bad" in u]
        assert len(bad) == 1 and rows[bad[0]]["state_reason"] == "bad_url"
        assert listed_nowhere <= behind | {bad[0].replace("http://[bad", "")}
        for n in (2, 3, 5):
            assert rows[SEARCH_51JOB.format(page=n)]["crawl_state"] in ("failed", "blocked")
        assert all(r["crawl_state"] != "pending" for r in rows.values())
        # The board recovers; past the deferral's due time, the next run retrieves all it can.
        board.clear_faults()
        with sqlite3.connect(store) as con:
            con.execute("UPDATE pages SET due_time=? WHERE state='deferred'", ((datetime.now(timezone.utc) - timedelta(seconds=1)).isoformat(),))
        run_crawl(board.seed_urls(), store, "crawl-mixed", cfg)
    rows = _rows(store, "crawl-mixed")
    missing = {u for u in probe.detail_urls() if rows.get(u, {}).get("crawl_state") != "fetched"}
    # Lost for good: the off-site redirect (recorded) and the URL only a malformed href pointed to.
    assert missing == {dlp[1], bad[0].replace("http://[bad", "")}
    assert rows[dlp[1]]["state_reason"] == "redirect_off_site:evil.example"


def test_proxy_column_joins_a_warehouse_made_before_it(corpus, tmp_path):
    """raw_pages written by file harvests (no proxy column) take a crawl's pages with their proxy."""
    import duckdb

    from cjd_assets import warehouse as wh
    from cjd_assets.harvest import raw_pages_frame

    small = corpus.head(5)
    with DemoBoard(small, special_pages=False) as board:
        run_crawl(board.seed_urls(), tmp_path / "w.sqlite", "crawl-w", CrawlConfig(proxy=board.address, **FAST))
    crawled = store_pages(tmp_path / "w.sqlite", "crawl-w")
    older = raw_pages_frame([{"page_id": "f1", "harvest_id": "file-a", "url": "http://x/1", "crawl_state": "fetched"}])
    assert "proxy" in crawled.columns and "proxy" not in older.columns
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        wh.replace_partition(con, "raw_pages", older, "file-a")
        wh.replace_partition(con, "raw_pages", crawled, "crawl-w")
        wh.replace_partition(con, "raw_pages", older, "file-a")  # and files still land after it
        got = dict(con.execute("SELECT harvest_id, count(DISTINCT proxy) FROM raw_pages GROUP BY 1").fetchall())
    assert got == {"file-a": 0, "crawl-w": 1}
