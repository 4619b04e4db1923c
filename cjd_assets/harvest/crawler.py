"""A polite, resumable async crawler of job boards.

The frontier and every fetched page live in one SQLite file, written page by page in the same
transaction that enqueues the links a listing page yields. A crawl killed at any point (even
SIGKILL) resumes from that file: pages already stored are not fetched again, and a URL is a primary
key, so no page is stored twice.

Every URL ends in exactly one state: fetched (then parsed or quarantined by parse_pages), blocked
(challenge or login page, status 999), failed (out of attempts and re-queued rounds, a redirect loop or
off-site redirect, or refused by the allowlist), or deferred (the board sent a Retry-After longer than
retry_after_max; its due time is stored). A later run over the same store retries failed and blocked
URLs and deferred ones now due, so what one run could not fetch is fetched by the next.

Backoff belongs to a host: a 429 or 5xx pauses the host and a 429 slows its rate. Listing pages whose
URL follows a known pagination pattern (page=N, ,N.html, start=K) lead on to the next page even when
they fail, so one bad listing page does not hide every posting behind it. Redirects are followed by
hand, only inside the allowlist, and every request has a total deadline (not a per-read timeout).
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import random
import sqlite3
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable
from urllib.parse import urldefrag, urljoin, urlsplit

import httpx
import polars as pl

from .boards import derive_next_page, detect_board, url_page_kind
from .pages import PageParseError, detect_block, parse_listing, parse_page
from .raw import CODEC, CRAWL_PAGES_SCHEMA, compress, make_page_id, raw_pages_frame
from .text import DecodeError, decode_html

_SCHEMA = """
CREATE TABLE IF NOT EXISTS pages (
    harvest_id TEXT NOT NULL,
    url TEXT NOT NULL,
    board TEXT,
    page_kind TEXT,
    depth INTEGER,
    state TEXT NOT NULL,            -- pending | fetched | blocked | failed | deferred
    state_reason TEXT,
    http_status INTEGER,
    fetch_time TEXT,
    content_type TEXT,
    encoding TEXT,
    content BLOB,
    content_codec TEXT,
    attempts INTEGER DEFAULT 0,
    seq INTEGER,
    PRIMARY KEY (harvest_id, url)
);
CREATE INDEX IF NOT EXISTS pages_state ON pages (harvest_id, state);
"""
# Columns added after the first stores were written: added in place, so old stores resume.
_ADDED_COLUMNS = {
    "proxy": "TEXT",  # the proxy that fetched the page, without credentials
    "due_time": "TEXT",  # deferred pages: when the board said to come back (Retry-After)
    "gap": "INTEGER DEFAULT 0",  # listing pages derived from a failed page: failed pages in a row before it
}

# Failure reasons a later run cannot change: not retried on resume.
_FINAL_REASONS = ("domain_not_allowed", "redirect_off_site", "too_large", "bad_url")


@dataclass
class CrawlConfig:
    allowed_domains: list[str] = field(default_factory=list)  # empty: the boards of the seeds
    per_host_concurrency: int = 4
    per_host_rate: float = 2.0  # requests per second per host
    max_attempts: int = 4
    backoff_base: float = 0.5  # seconds; doubles per attempt, with +-50 % jitter
    backoff_max: float = 30.0
    retry_after_max: float = 120.0  # a longer Retry-After defers the URL (state 'deferred' with its due time)
    timeout: float = 20.0  # total per request, redirects and a trickled body included
    headers: dict[str, str] = field(default_factory=dict)
    cookies: dict[str, str] = field(default_factory=dict)
    proxy: str | None = None
    proxies: list[str] = field(default_factory=list)  # a pool, rotated per host; `proxy` joins it
    proxy_rest: float = 300.0  # seconds a proxy that got blocked rests before it serves that host again
    user_agent: str = "cjd-research-crawler/1.0 (+labour-market research; polite)"
    max_pages: int = 100_000  # a cap on URLs this crawl will enqueue
    max_workers: int = 16
    max_redirects: int = 5
    max_bytes: int = 16 * 1024 * 1024  # a bigger body is not a job page
    retry_rounds: int = 1  # URLs out of attempts are re-queued this many times (listing pages once more)
    retry_delay: float | None = None  # seconds before a re-queued round; None: backoff_max
    retry_failed: bool = True  # a resumed crawl retries failed and blocked URLs, and deferred ones now due
    derive_pages: bool = True  # enqueue page N+1 of listing URLs that follow a known pagination pattern
    max_derived_gap: int = 2  # ... also behind this many failed listing pages in a row
    progress_bar: bool = True  # drawn on stderr only when it is a terminal

    def proxy_pool(self) -> list[str | None]:
        pool = list(dict.fromkeys([*([self.proxy] if self.proxy else []), *self.proxies]))
        return pool or [None]


@dataclass
class CrawlProgress:
    elapsed: float
    states: dict[str, int]  # pending, fetched, blocked, failed, deferred
    pages_per_s: float
    eta_s: float | None
    done: bool = False

    @property
    def finished(self) -> int:
        return sum(v for k, v in self.states.items() if k != "pending")

    @property
    def total(self) -> int:
        return sum(self.states.values())

    def __str__(self) -> str:
        eta = f"ETA {self.eta_s:.0f}s" if self.eta_s is not None else "ETA ?"
        st = " ".join(f"{k}={v}" for k, v in sorted(self.states.items()))
        return f"{self.finished}/{self.total} pages, {self.pages_per_s:.1f} pages/s, {eta} ({st})"


@dataclass
class CrawlSummary:
    harvest_id: str
    states: dict[str, int]
    requests: int
    retries: int
    elapsed: float
    fetched_this_run: int
    requeued: int = 0  # URLs given another round after their attempts ran out
    retried_from_store: int = 0  # failed, blocked or due deferred URLs of an earlier run retried by this one

    def __str__(self) -> str:
        st = ", ".join(f"{k} {v}" for k, v in sorted(self.states.items()))
        return (f"{self.harvest_id}: {st}; {self.requests} requests ({self.retries} retries, {self.requeued} re-queued,"
                f" {self.retried_from_store} retried from an earlier run) in {self.elapsed:.1f}s")


def _connect(store_path: Path) -> sqlite3.Connection:
    store_path = Path(store_path)
    store_path.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(store_path, timeout=30, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    con.executescript(_SCHEMA)
    have = {r[1] for r in con.execute("PRAGMA table_info(pages)")}
    for name, typ in _ADDED_COLUMNS.items():
        if name not in have:
            try:
                con.execute(f"ALTER TABLE pages ADD COLUMN {name} {typ}")
            except sqlite3.OperationalError:  # another process added it meanwhile
                pass
    return con


def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def _host_allowed(url: str, allowed: list[str]) -> bool:
    host = _host(url)
    return bool(host) and any(host == d or host.endswith("." + d) for d in allowed)


def redact_proxy(proxy: str | None) -> str | None:
    """scheme://host:port of a proxy URL: its user and password never reach the store."""
    if not proxy:
        return None
    try:
        p = urlsplit(proxy if "//" in proxy else "http://" + proxy)
        return f"{p.scheme}://{p.hostname}" + (f":{p.port}" if p.port else "")
    except ValueError:
        return "invalid-proxy"


class _HostGate:
    """Per-host concurrency (a semaphore), rate (evenly spaced request slots) and backoff.

    Backoff is the host's, not a URL's: a 429 or 5xx pauses every request to that host and halves
    its rate, so a board that limits requests per second is slowed down to, instead of failing URLs.
    """

    def __init__(self, concurrency: int, rate: float) -> None:
        self.sem = asyncio.Semaphore(max(1, concurrency))
        self.base_interval = 1.0 / rate if rate > 0 else 0.0
        self.interval = self.base_interval
        self.next_slot = 0.0
        self.pause_until = 0.0  # monotonic
        self.deferred_until = 0.0  # wall clock: the host asked us to come back after a long Retry-After
        self.deferred_reason = ""
        self.ok_streak = 0
        self.slow_settled = 0.0  # monotonic: 429s before this answer requests sent before the last slow-down
        self.lock = asyncio.Lock()

    async def wait_slot(self) -> None:
        async with self.lock:
            now = time.monotonic()
            slot = max(now, self.next_slot, self.pause_until)
            self.next_slot = slot + self.interval
        if slot > now:
            await asyncio.sleep(slot - now)

    def pause(self, seconds: float) -> None:
        self.pause_until = max(self.pause_until, time.monotonic() + seconds)
        self.ok_streak = 0

    def slow_down(self) -> None:
        # Once per pause: the other 429s of requests already in flight answer the same excess.
        now = time.monotonic()
        if now < self.slow_settled:
            return
        self.interval = min(max(self.interval * 1.5, 0.05), 10.0)
        self.slow_settled = max(self.pause_until, now) + self.interval
        self.ok_streak = 0

    def success(self) -> None:
        self.ok_streak += 1
        if self.interval > self.base_interval and self.ok_streak >= 10:
            self.interval = max(self.base_interval, self.interval * 0.9)
            self.ok_streak = 0


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


def _looks_truncated(body: bytes, content_type: str | None) -> bool:
    if content_type and "html" not in content_type.lower():
        return False
    # Only a whole document promises a closing </html>; fragments (LinkedIn's guest job cards) do not.
    start = body[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if not start.startswith((b"<!doctype html", b"<html")):
        return False
    return b"</html>" not in body[-65536:].lower()


@dataclass
class _Fetch:
    """One request's outcome: a response (status, headers, body, final URL) or an error reason."""

    status: int | None = None
    headers: httpx.Headers | None = None
    body: bytes = b""
    final_url: str = ""
    error: str | None = None  # timeout, connection_error:..., redirect_loop, redirect_off_site:host, too_large
    final: bool = False  # an error that another attempt cannot fix


_REDIRECTS = (301, 302, 303, 307, 308)


class _Crawl:
    def __init__(self, seeds: list[str], store_path: Path, harvest_id: str, config: CrawlConfig, progress) -> None:
        self.cfg = config
        self.harvest_id = harvest_id
        self.progress = progress
        self.con = _connect(store_path)
        self.allowed = [d.lower().lstrip(".") for d in config.allowed_domains] or sorted(
            {".".join(_host(s).split(".")[-2:]) for s in seeds if _host(s)}
        )
        self.gates: dict[str, _HostGate] = {}
        self.pool = config.proxy_pool()
        self.proxy_turn: dict[str, int] = {}
        self.proxy_rest_until: dict[tuple[str, str | None], float] = {}
        self.requests = 0
        self.retries = 0
        self.requeued = 0
        self.fetched_this_run = 0
        self.rounds: dict[str, int] = {}
        self.later: set[asyncio.Task] = set()
        self.start = time.monotonic()
        self.queue: asyncio.Queue[str] = asyncio.Queue()
        self.tty = config.progress_bar and sys.stderr.isatty()
        self.last_draw = 0.0
        self.retried_from_store = self._reopen() if config.retry_failed else 0
        seq = self._max_seq()
        for url in seeds:
            url = urldefrag(url)[0]
            seq += 1
            self._insert(url, depth=0, seq=seq)

    # ---------------------------------------------------------- store
    def _max_seq(self) -> int:
        row = self.con.execute("SELECT COALESCE(MAX(seq), 0) FROM pages WHERE harvest_id=?", (self.harvest_id,)).fetchone()
        return int(row[0])

    def _reopen(self) -> int:
        """Failed, blocked and due deferred URLs of an earlier run go back to pending (bytes kept until refetched)."""
        final = " AND ".join("COALESCE(state_reason, '') NOT LIKE ?" for _ in _FINAL_REASONS)
        now = datetime.now(timezone.utc).isoformat()
        cur = self.con.execute(
            f"UPDATE pages SET state='pending' WHERE harvest_id=? AND ("
            f"(state='failed' AND {final}) OR state='blocked' OR (state='deferred' AND COALESCE(due_time, '') <= ?))",
            (self.harvest_id, *[r + "%" for r in _FINAL_REASONS], now),
        )
        return cur.rowcount

    def _insert(self, url: str, depth: int, seq: int, gap: int = 0) -> bool:
        board = detect_board(url) or "unknown"
        cur = self.con.execute(
            "INSERT OR IGNORE INTO pages (harvest_id, url, board, page_kind, depth, state, seq, gap) VALUES (?,?,?,?,?,?,?,?)",
            (self.harvest_id, url, board, url_page_kind(url, board), depth, "pending", seq, gap),
        )
        return cur.rowcount > 0

    def _count(self) -> int:
        return int(self.con.execute("SELECT COUNT(*) FROM pages WHERE harvest_id=?", (self.harvest_id,)).fetchone()[0])

    def states(self) -> dict[str, int]:
        out = dict.fromkeys(("pending", "fetched", "blocked", "failed"), 0)
        for state, n in self.con.execute("SELECT state, COUNT(*) FROM pages WHERE harvest_id=? GROUP BY state", (self.harvest_id,)):
            out[state] = n
        return out

    def _finish(self, url: str, state: str, reason: str | None, attempts: int, status: int | None = None,
                body: bytes | None = None, content_type: str | None = None, encoding: str | None = None,
                children: list[tuple[str, int]] | None = None, depth: int = 0, proxy: str | None = None,
                due_time: str | None = None) -> list[str]:
        """Store a URL's final state and enqueue its links (child URL, gap), atomically."""
        new: list[str] = []
        self.con.execute("BEGIN IMMEDIATE")
        try:
            self.con.execute(
                "UPDATE pages SET state=?, state_reason=?, http_status=?, fetch_time=?, content_type=?, encoding=?,"
                " content=?, content_codec=?, attempts=?, proxy=?, due_time=? WHERE harvest_id=? AND url=?",
                (state, reason, status, datetime.now(timezone.utc).isoformat(), content_type, encoding,
                 compress(body) if body is not None else None, CODEC if body is not None else None, attempts,
                 redact_proxy(proxy), due_time, self.harvest_id, url),
            )
            if children:
                seq = self._max_seq()
                room = self.cfg.max_pages - self._count()
                for child, gap in children:
                    if room <= 0:
                        break
                    seq += 1
                    try:
                        child = urldefrag(child)[0]
                        allowed = _host_allowed(child, self.allowed)
                        urlsplit(child).port  # noqa: B018 - raises ValueError on a malformed port
                    except ValueError:
                        # A malformed href: recorded as failed, not dropped and not fatal to the worker.
                        if isinstance(child, str) and child and len(child) < 2000:
                            self.con.execute(
                                "INSERT OR IGNORE INTO pages (harvest_id, url, board, page_kind, depth, state, state_reason, seq)"
                                " VALUES (?,?,?,?,?,?,?,?)", (self.harvest_id, child, "unknown", "detail", depth + 1, "failed", "bad_url", seq))
                            room -= 1
                        continue
                    if not allowed:
                        continue
                    if self._insert(child, depth + 1, seq, gap):
                        new.append(child)
                        room -= 1
            self.con.execute("COMMIT")
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        return new

    # ---------------------------------------------------------- fetching
    def _gate(self, url: str) -> _HostGate:
        host = _host(url)
        if host not in self.gates:
            self.gates[host] = _HostGate(self.cfg.per_host_concurrency, self.cfg.per_host_rate)
        return self.gates[host]

    def _backoff(self, attempt: int) -> float:
        base = min(self.cfg.backoff_max, self.cfg.backoff_base * (2 ** (attempt - 1)))
        return base * (0.5 + random.random())

    def _pick_proxy(self, host: str) -> str | None:
        """The host's next proxy in turn, skipping those resting after a block there."""
        n = len(self.pool)
        turn = self.proxy_turn.get(host, 0)
        now = time.monotonic()
        for k in range(n):
            proxy = self.pool[(turn + k) % n]
            if self.proxy_rest_until.get((host, proxy), 0.0) <= now:
                self.proxy_turn[host] = turn + k + 1
                return proxy
        # All resting: the one back soonest.
        return min(self.pool, key=lambda p: self.proxy_rest_until.get((host, p), 0.0))

    def _rest_proxy(self, host: str, proxy: str | None) -> bool:
        """Rest a blocked proxy for this host; True when another proxy can try now."""
        now = time.monotonic()
        self.proxy_rest_until[(host, proxy)] = now + self.cfg.proxy_rest
        return any(self.proxy_rest_until.get((host, p), 0.0) <= now for p in self.pool)

    async def _fetch(self, client: httpx.AsyncClient, url: str) -> _Fetch:
        """GET with a total deadline, a size cap and redirects followed by hand, only inside the allowlist."""
        seen = {url: 1}
        current = url
        try:
            async with asyncio.timeout(self.cfg.timeout):
                for _ in range(self.cfg.max_redirects + 1):
                    async with client.stream("GET", current) as resp:
                        location = resp.headers.get("location")
                        if resp.status_code in _REDIRECTS and location:
                            try:
                                nxt = urldefrag(urljoin(current, location.strip()))[0]
                            except ValueError:
                                return _Fetch(error="bad_url:redirect", final=True)
                            if not _host_allowed(nxt, self.allowed):
                                # Never followed: the board's cookies and headers stay with the board,
                                # and a foreign page is never stored under the board's URL.
                                return _Fetch(status=resp.status_code, error=f"redirect_off_site:{_host(nxt) or nxt[:80]}", final=True)
                            # A URL may come back once (set a cookie, redirect to itself); a third visit is a loop.
                            if seen.get(nxt, 0) >= 2:
                                return _Fetch(status=resp.status_code, error="redirect_loop", final=True)
                            seen[nxt] = seen.get(nxt, 0) + 1
                            current = nxt
                            continue
                        declared = resp.headers.get("content-length")
                        if declared and declared.isdigit() and int(declared) > self.cfg.max_bytes:
                            return _Fetch(status=resp.status_code, error="too_large", final=True)
                        chunks, size = [], 0
                        async for chunk in resp.aiter_bytes():
                            size += len(chunk)
                            if size > self.cfg.max_bytes:
                                return _Fetch(status=resp.status_code, error="too_large", final=True)
                            chunks.append(chunk)
                        return _Fetch(status=resp.status_code, headers=resp.headers, body=b"".join(chunks), final_url=str(resp.url))
                return _Fetch(error="too_many_redirects", final=True)
        except (TimeoutError, httpx.TimeoutException):
            return _Fetch(error="timeout")
        except (httpx.TransportError, httpx.DecodingError) as e:
            # Resets, refused connections, bodies shorter than their Content-Length.
            return _Fetch(error=f"connection_error:{type(e).__name__}")
        except httpx.HTTPError as e:  # anything else httpx raises for one URL must not kill a worker
            return _Fetch(error=f"http_error:{type(e).__name__}")

    def _defer(self, url: str, gate: _HostGate, attempts: int, status: int | None, proxy: str | None) -> None:
        due = datetime.fromtimestamp(gate.deferred_until, timezone.utc).isoformat()
        self._finish(url, "deferred", f"{gate.deferred_reason} until {due}", attempts, status, proxy=proxy, due_time=due)

    async def _process(self, clients: dict[str | None, httpx.AsyncClient], url: str) -> None:
        row = self.con.execute(
            "SELECT state, depth, board, page_kind, COALESCE(attempts, 0), COALESCE(gap, 0) FROM pages WHERE harvest_id=? AND url=?",
            (self.harvest_id, url),
        ).fetchone()
        if row is None or row[0] != "pending":
            return
        _, depth, board, kind, before, gap = row
        if not _host_allowed(url, self.allowed):
            self._finish(url, "failed", "domain_not_allowed", 0)
            return
        host = _host(url)
        gate = self._gate(url)
        reason, status, proxy, final = "unknown", None, None, False
        attempt = 0
        while attempt < self.cfg.max_attempts:
            if gate.deferred_until > time.time():
                self._defer(url, gate, before + attempt, status, proxy)
                return
            attempt += 1
            delay = 0.0
            async with gate.sem:
                await gate.wait_slot()
                if gate.deferred_until > time.time():  # set by another worker while this one waited
                    self._defer(url, gate, before + attempt - 1, status, proxy)
                    return
                proxy = self._pick_proxy(host)
                self.requests += 1
                got = await self._fetch(clients[proxy], url)
            status = got.status
            if got.error is not None:
                reason, final = got.error, got.final
                if final:
                    break
                delay = self._backoff(attempt)
                gate.pause(delay / 2)  # a host that times out or resets gets a breather too
            elif status in (429, 408) or 500 <= status < 600:
                reason = f"http_{status}"
                wait = _retry_after(got.headers.get("retry-after")) if status in (429, 503) else None
                if wait is not None and wait > self.cfg.retry_after_max:
                    # The board said when to come back: honoured by deferring, not by failing or ignoring.
                    gate.deferred_until = time.time() + wait
                    gate.deferred_reason = f"retry_after_{wait:.0f}s"
                    self._defer(url, gate, before + attempt, status, proxy)
                    return
                delay = wait if wait is not None else self._backoff(attempt)
                gate.pause(delay)
                if status == 429:
                    gate.slow_down()
            else:
                ctype = got.headers.get("content-type")
                body = got.body
                try:
                    text, encoding = decode_html(body, ctype)
                except DecodeError:
                    text, encoding = "", None
                blocked = "http_999" if status == 999 else (detect_block(text) if text else None)
                if blocked is not None:
                    # Rest the proxy that got blocked; try another one if any is fresh, else record it.
                    if self._rest_proxy(host, proxy) and attempt < self.cfg.max_attempts:
                        reason = blocked
                        self.retries += 1
                        continue
                    # A blocked listing page still leads on to the next one (it is retried on the next run).
                    children = self._derived(url, None, gap + 1) if kind == "listing" else []
                    new = self._finish(url, "blocked", blocked, before + attempt, status, body, ctype, encoding,
                                       children=children, depth=depth, proxy=proxy)
                    for child in new:
                        self.queue.put_nowait(child)
                    self._requeue(url, kind)  # a challenge often passes after a pause
                    return
                truncated = status < 400 and _looks_truncated(body, ctype) and attempt < self.cfg.max_attempts
                children, unparsed = ([], None) if truncated or status >= 400 else self._links(body, got.final_url or url, board, kind, ctype)
                if truncated:
                    # A page cut short without a Content-Length to tell: fetch it again.
                    reason, delay = "truncated", self._backoff(attempt)
                elif unparsed is not None:
                    # A listing page that yields no listing (cut, hostile, an unrecognised block page) is a
                    # failure to retry, not a fetched page: every posting behind it hangs on it.
                    reason, delay = f"listing_{unparsed}", self._backoff(attempt)
                else:
                    gate.success()
                    new = self._finish(url, "fetched", None if status < 400 else f"http_{status}", before + attempt, status,
                                       body, ctype, encoding, children, depth, proxy=proxy)
                    self.fetched_this_run += 1
                    for child in new:
                        self.queue.put_nowait(child)
                    return
            if attempt < self.cfg.max_attempts:
                self.retries += 1
                await asyncio.sleep(delay)
        # Out of attempts (or a final error): recorded as failed now, so a kill leaves it retryable.
        children = self._derived(url, None, gap + 1) if kind == "listing" and not final else []
        new = self._finish(url, "failed", reason, before + attempt, status, proxy=proxy, children=children, depth=depth)
        for child in new:
            self.queue.put_nowait(child)
        if not final:
            self._requeue(url, kind)

    def _requeue(self, url: str, kind: str) -> None:
        """Another round for a failed or blocked URL after a cool-down (listing pages get one more)."""
        rounds = self.cfg.retry_rounds + (1 if kind == "listing" else 0)
        if self.rounds.get(url, 0) < rounds:
            self.rounds[url] = self.rounds.get(url, 0) + 1
            self.requeued += 1
            task = asyncio.create_task(self._requeue_later(url))
            self.later.add(task)
            task.add_done_callback(self.later.discard)

    async def _requeue_later(self, url: str) -> None:
        delay = self.cfg.retry_delay if self.cfg.retry_delay is not None else self.cfg.backoff_max
        await asyncio.sleep(delay)
        cur = self.con.execute("UPDATE pages SET state='pending' WHERE harvest_id=? AND url=? AND state IN ('failed', 'blocked')",
                               (self.harvest_id, url))
        if cur.rowcount:
            self.queue.put_nowait(url)

    def _derived(self, url: str, n_items: int | None, gap: int) -> list[tuple[str, int]]:
        if not self.cfg.derive_pages or gap > self.cfg.max_derived_gap:
            return []
        nxt = derive_next_page(url, n_items)
        return [(nxt, gap)] if nxt else []

    def _links(self, body: bytes, url: str, board: str, kind: str, ctype: str | None) -> tuple[list[tuple[str, int]], str | None]:
        """(links to enqueue, None) of a listing page, or ([], why) when the page yields no listing."""
        if kind != "listing":
            return [], None
        b = board if board != "unknown" else None
        try:
            listing = parse_listing(body, url, b, content_type=ctype)
        except PageParseError as e:
            why = e.reason
            if why == "empty":  # an empty 200 answer past the last page (LinkedIn's guest API): the end
                return [], None
            if why == "not_a_listing":
                try:  # a posting behind a URL that looked like a listing is a fetched page
                    parse_page(body, url, b, content_type=ctype)
                    return [], None
                except Exception:  # noqa: BLE001
                    pass
            return [], why
        except Exception as e:  # noqa: BLE001 - a hostile listing must not kill the worker
            return [], f"parser_error:{type(e).__name__}"
        links = [(u, 0) for u in listing.detail_urls] + [(u, 0) for u in listing.next_urls]
        if not listing.next_urls and not listing.last_page:
            # No usable next link (missing, or a bad href) on a page that does not say it is the last.
            links += self._derived(url, len(listing.detail_urls), 0)
        return links, None

    # ---------------------------------------------------------- progress
    def _report(self, done: bool = False) -> None:
        now = time.monotonic()
        if not done and now - self.last_draw < 0.2:
            return
        self.last_draw = now
        states = self.states()
        elapsed = now - self.start
        rate = self.fetched_this_run / elapsed if elapsed > 0 else 0.0
        eta = states["pending"] / rate if rate > 0 else None
        p = CrawlProgress(elapsed=elapsed, states=states, pages_per_s=rate, eta_s=0.0 if done else eta, done=done)
        if self.progress is not None:
            self.progress(p)
        if self.tty:
            width = 30
            frac = p.finished / p.total if p.total else 1.0
            bar = "#" * int(frac * width) + "-" * (width - int(frac * width))
            sys.stderr.write(f"\r[{bar}] {p}" + ("\n" if done else ""))
            sys.stderr.flush()

    def _restore_deferrals(self) -> None:
        """Hosts with URLs deferred to a time still ahead stay deferred in this run too."""
        for url, due in self.con.execute(
            "SELECT url, due_time FROM pages WHERE harvest_id=? AND state='deferred' AND due_time IS NOT NULL", (self.harvest_id,)
        ).fetchall():
            try:
                when = datetime.fromisoformat(due).timestamp()
            except ValueError:
                continue
            gate = self._gate(url)
            if when > max(gate.deferred_until, time.time()):
                gate.deferred_until = when
                gate.deferred_reason = "deferred"

    async def run(self) -> CrawlSummary:
        self._restore_deferrals()
        for (url,) in self.con.execute(
            "SELECT url FROM pages WHERE harvest_id=? AND state='pending' ORDER BY seq", (self.harvest_id,)
        ).fetchall():
            self.queue.put_nowait(url)
        headers = {"User-Agent": self.cfg.user_agent, **self.cfg.headers}
        # The deadline is enforced per request in _fetch; httpx's own timeouts are per read.
        timeout = httpx.Timeout(self.cfg.timeout)
        limits = httpx.Limits(max_connections=max(self.cfg.max_workers, 1) * 2, max_keepalive_connections=self.cfg.max_workers)
        async with contextlib.AsyncExitStack() as stack:
            clients = {
                proxy: await stack.enter_async_context(
                    httpx.AsyncClient(headers=headers, cookies=self.cfg.cookies, proxy=proxy, timeout=timeout,
                                      limits=limits, follow_redirects=False, trust_env=False)
                )
                for proxy in self.pool
            }

            async def worker() -> None:
                while True:
                    url = await self.queue.get()
                    try:
                        await self._process(clients, url)
                    except Exception as e:  # noqa: BLE001 - recorded, never a dead worker and a URL left pending
                        self._finish(url, "failed", f"crawler_error:{type(e).__name__}", 0)
                    finally:
                        self.queue.task_done()
                        self._report()

            workers = [asyncio.create_task(worker()) for _ in range(max(1, self.cfg.max_workers))]
            try:
                while True:
                    await self.queue.join()
                    if not self.later:
                        break
                    await asyncio.wait(set(self.later))
            finally:
                for t in list(self.later):
                    t.cancel()
                for w in workers:
                    w.cancel()
                await asyncio.gather(*workers, *self.later, return_exceptions=True)
        self._report(done=True)
        return CrawlSummary(self.harvest_id, self.states(), self.requests, self.retries, time.monotonic() - self.start,
                            self.fetched_this_run, self.requeued, self.retried_from_store)


def run_crawl(seeds: list[str], store_path: Path, harvest_id: str, config: CrawlConfig,
              progress: Callable[[CrawlProgress], None] | None = None) -> CrawlSummary:
    """Crawl from seeds (listing or detail URLs) into the SQLite store; resumes what the store holds."""
    crawl = _Crawl(list(seeds), Path(store_path), harvest_id, config, progress)
    try:
        return asyncio.run(crawl.run())
    finally:
        crawl.con.close()


def store_pages(store_path: Path, harvest_id: str) -> pl.DataFrame:
    """raw_pages rows of every URL that reached a final state (pending ones are left out)."""
    con = _connect(Path(store_path))
    try:
        rows = con.execute(
            "SELECT url, board, page_kind, http_status, fetch_time, content_type, encoding, content, content_codec,"
            " state, state_reason, attempts, proxy FROM pages WHERE harvest_id=? AND state != 'pending' ORDER BY seq",
            (harvest_id,),
        ).fetchall()
    finally:
        con.close()
    keys = ("url", "board", "page_kind", "http_status", "fetch_time", "content_type", "encoding", "content",
            "content_codec", "crawl_state", "state_reason", "attempts", "proxy")
    out = []
    for row in rows:
        r = dict(zip(keys, row))
        r["page_id"] = make_page_id(harvest_id, r["url"])
        r["harvest_id"] = harvest_id
        r["fetch_time"] = datetime.fromisoformat(r["fetch_time"]) if r["fetch_time"] else None
        out.append(r)
    return raw_pages_frame(out, schema=CRAWL_PAGES_SCHEMA)
