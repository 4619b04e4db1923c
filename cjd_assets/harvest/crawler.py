"""A polite, resumable async crawler of job boards.

The frontier and every fetched page live in one SQLite file, written page by page in the same
transaction that enqueues the links a listing page yields. A crawl killed at any point (even
SIGKILL) resumes from that file: pages already stored are not fetched again, and a URL is a primary
key, so no page is stored twice.

Every URL ends in exactly one state: fetched (then parsed or quarantined by parse_pages), blocked
(challenge or login page), or failed (after max_attempts, or refused by the allowlist).
"""

from __future__ import annotations

import asyncio
import email.utils
import random
import sqlite3
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable
from urllib.parse import urldefrag, urlsplit

import httpx
import polars as pl

from .boards import detect_board, url_page_kind
from .pages import PageParseError, detect_block, parse_listing
from .raw import CODEC, compress, make_page_id, raw_pages_frame
from .text import DecodeError, decode_html

_SCHEMA = """
CREATE TABLE IF NOT EXISTS pages (
    harvest_id TEXT NOT NULL,
    url TEXT NOT NULL,
    board TEXT,
    page_kind TEXT,
    depth INTEGER,
    state TEXT NOT NULL,            -- pending | fetched | blocked | failed
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


@dataclass
class CrawlConfig:
    allowed_domains: list[str] = field(default_factory=list)  # empty: the boards of the seeds
    per_host_concurrency: int = 4
    per_host_rate: float = 2.0  # requests per second per host
    max_attempts: int = 4
    backoff_base: float = 0.5  # seconds; doubles per attempt, with +-50 % jitter
    backoff_max: float = 30.0
    retry_after_max: float = 120.0  # a longer Retry-After is treated as a failure of this attempt
    timeout: float = 20.0
    headers: dict[str, str] = field(default_factory=dict)
    cookies: dict[str, str] = field(default_factory=dict)
    proxy: str | None = None
    user_agent: str = "cjd-research-crawler/1.0 (+labour-market research; polite)"
    max_pages: int = 100_000  # a cap on URLs this crawl will enqueue
    max_workers: int = 16
    progress_bar: bool = True  # drawn on stderr only when it is a terminal


@dataclass
class CrawlProgress:
    elapsed: float
    states: dict[str, int]  # pending, fetched, blocked, failed
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

    def __str__(self) -> str:
        st = ", ".join(f"{k} {v}" for k, v in sorted(self.states.items()))
        return f"{self.harvest_id}: {st}; {self.requests} requests ({self.retries} retries) in {self.elapsed:.1f}s"


def _connect(store_path: Path) -> sqlite3.Connection:
    store_path = Path(store_path)
    store_path.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(store_path, timeout=30, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    con.executescript(_SCHEMA)
    return con


def _host_allowed(url: str, allowed: list[str]) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    return any(host == d or host.endswith("." + d) for d in allowed)


class _HostGate:
    """Per-host concurrency (a semaphore) and rate (evenly spaced request slots)."""

    def __init__(self, concurrency: int, rate: float) -> None:
        self.sem = asyncio.Semaphore(max(1, concurrency))
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self.next_slot = 0.0
        self.lock = asyncio.Lock()

    async def wait_slot(self) -> None:
        if not self.interval:
            return
        async with self.lock:
            now = time.monotonic()
            slot = max(now, self.next_slot)
            self.next_slot = slot + self.interval
        if slot > now:
            await asyncio.sleep(slot - now)


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
    return b"</html>" not in body[-65536:].lower()


class _Crawl:
    def __init__(self, seeds: list[str], store_path: Path, harvest_id: str, config: CrawlConfig, progress) -> None:
        self.cfg = config
        self.harvest_id = harvest_id
        self.progress = progress
        self.con = _connect(store_path)
        self.allowed = [d.lower().lstrip(".") for d in config.allowed_domains] or sorted(
            {".".join((urlsplit(s).hostname or "").split(".")[-2:]) for s in seeds}
        )
        self.gates: dict[str, _HostGate] = {}
        self.requests = 0
        self.retries = 0
        self.fetched_this_run = 0
        self.start = time.monotonic()
        self.queue: asyncio.Queue[str] = asyncio.Queue()
        self.tty = config.progress_bar and sys.stderr.isatty()
        self.last_draw = 0.0
        seq = self._max_seq()
        for url in seeds:
            url = urldefrag(url)[0]
            seq += 1
            self._insert(url, depth=0, seq=seq)

    # ---------------------------------------------------------- store
    def _max_seq(self) -> int:
        row = self.con.execute("SELECT COALESCE(MAX(seq), 0) FROM pages WHERE harvest_id=?", (self.harvest_id,)).fetchone()
        return int(row[0])

    def _insert(self, url: str, depth: int, seq: int) -> bool:
        board = detect_board(url) or "unknown"
        cur = self.con.execute(
            "INSERT OR IGNORE INTO pages (harvest_id, url, board, page_kind, depth, state, seq) VALUES (?,?,?,?,?,?,?)",
            (self.harvest_id, url, board, url_page_kind(url, board), depth, "pending", seq),
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
                children: list[tuple[str, str]] | None = None, depth: int = 0) -> list[str]:
        """Store a URL's final state and enqueue its links, atomically."""
        new: list[str] = []
        self.con.execute("BEGIN IMMEDIATE")
        try:
            self.con.execute(
                "UPDATE pages SET state=?, state_reason=?, http_status=?, fetch_time=?, content_type=?, encoding=?,"
                " content=?, content_codec=?, attempts=? WHERE harvest_id=? AND url=?",
                (state, reason, status, datetime.now(timezone.utc).isoformat(), content_type, encoding,
                 compress(body) if body is not None else None, CODEC if body is not None else None, attempts,
                 self.harvest_id, url),
            )
            if children:
                seq = self._max_seq()
                room = self.cfg.max_pages - self._count()
                for child, _kind in children:
                    if room <= 0:
                        break
                    child = urldefrag(child)[0]
                    if not _host_allowed(child, self.allowed):
                        continue
                    seq += 1
                    if self._insert(child, depth + 1, seq):
                        new.append(child)
                        room -= 1
            self.con.execute("COMMIT")
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        return new

    # ---------------------------------------------------------- fetching
    def _gate(self, url: str) -> _HostGate:
        host = (urlsplit(url).hostname or "").lower()
        if host not in self.gates:
            self.gates[host] = _HostGate(self.cfg.per_host_concurrency, self.cfg.per_host_rate)
        return self.gates[host]

    def _backoff(self, attempt: int) -> float:
        base = min(self.cfg.backoff_max, self.cfg.backoff_base * (2 ** (attempt - 1)))
        return base * (0.5 + random.random())

    async def _process(self, client: httpx.AsyncClient, url: str) -> None:
        row = self.con.execute(
            "SELECT state, depth, board, page_kind FROM pages WHERE harvest_id=? AND url=?", (self.harvest_id, url)
        ).fetchone()
        if row is None or row[0] != "pending":
            return
        _, depth, board, kind = row
        if not _host_allowed(url, self.allowed):
            self._finish(url, "failed", "domain_not_allowed", 0)
            return
        gate = self._gate(url)
        reason = "unknown"
        attempt = 0
        while attempt < self.cfg.max_attempts:
            attempt += 1
            delay = 0.0
            async with gate.sem:
                await gate.wait_slot()
                self.requests += 1
                try:
                    resp = await client.get(url)
                    body = resp.content
                except httpx.TimeoutException:
                    reason, delay = "timeout", self._backoff(attempt)
                    resp = None
                except (httpx.TransportError, httpx.DecodingError) as e:
                    # Resets, refused connections, bodies shorter than their Content-Length.
                    reason, delay = f"connection_error:{type(e).__name__}", self._backoff(attempt)
                    resp = None
            if resp is not None:
                status = resp.status_code
                ctype = resp.headers.get("content-type")
                if status == 429:
                    wait = _retry_after(resp.headers.get("retry-after"))
                    reason = "http_429"
                    delay = wait if wait is not None and wait <= self.cfg.retry_after_max else self._backoff(attempt)
                elif status >= 500 or status == 408:
                    reason, delay = f"http_{status}", self._backoff(attempt)
                else:
                    try:
                        text, encoding = decode_html(body, ctype)
                    except DecodeError:
                        text, encoding = "", None
                    blocked = detect_block(text) if text else None
                    if blocked is not None:
                        self._finish(url, "blocked", blocked, attempt, status, body, ctype, encoding)
                        return
                    if status < 400 and _looks_truncated(body, ctype) and attempt < self.cfg.max_attempts:
                        # A page cut short without a Content-Length to tell: fetch it again.
                        reason, delay = "truncated", self._backoff(attempt)
                    else:
                        children = self._links(body, str(resp.url) if resp.url else url, board, kind, ctype) if status < 400 else []
                        new = self._finish(url, "fetched", None if status < 400 else f"http_{status}", attempt, status,
                                           body, ctype, encoding, children, depth)
                        self.fetched_this_run += 1
                        for child in new:
                            self.queue.put_nowait(child)
                        return
            if attempt < self.cfg.max_attempts:
                self.retries += 1
                await asyncio.sleep(delay)
        self._finish(url, "failed", reason, attempt)

    def _links(self, body: bytes, url: str, board: str, kind: str, ctype: str | None) -> list[tuple[str, str]]:
        if kind != "listing":
            return []
        try:
            listing = parse_listing(body, url, board if board != "unknown" else None, content_type=ctype)
        except PageParseError:
            return []
        return [(u, "detail") for u in listing.detail_urls] + [(u, "listing") for u in listing.next_urls]

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

    async def run(self) -> CrawlSummary:
        for (url,) in self.con.execute(
            "SELECT url FROM pages WHERE harvest_id=? AND state='pending' ORDER BY seq", (self.harvest_id,)
        ).fetchall():
            self.queue.put_nowait(url)
        headers = {"User-Agent": self.cfg.user_agent, **self.cfg.headers}
        timeout = httpx.Timeout(self.cfg.timeout)
        limits = httpx.Limits(max_connections=max(self.cfg.max_workers, 1) * 2, max_keepalive_connections=self.cfg.max_workers)
        async with httpx.AsyncClient(headers=headers, cookies=self.cfg.cookies, proxy=self.cfg.proxy, timeout=timeout,
                                     limits=limits, follow_redirects=True, trust_env=False) as client:

            async def worker() -> None:
                while True:
                    url = await self.queue.get()
                    try:
                        await self._process(client, url)
                    finally:
                        self.queue.task_done()
                        self._report()

            workers = [asyncio.create_task(worker()) for _ in range(max(1, self.cfg.max_workers))]
            try:
                await self.queue.join()
            finally:
                for w in workers:
                    w.cancel()
                await asyncio.gather(*workers, return_exceptions=True)
        self._report(done=True)
        return CrawlSummary(self.harvest_id, self.states(), self.requests, self.retries, time.monotonic() - self.start, self.fetched_this_run)


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
            " state, state_reason, attempts FROM pages WHERE harvest_id=? AND state != 'pending' ORDER BY seq",
            (harvest_id,),
        ).fetchall()
    finally:
        con.close()
    return raw_pages_frame(
        {
            "page_id": make_page_id(harvest_id, url),
            "harvest_id": harvest_id,
            "url": url,
            "board": board,
            "page_kind": kind,
            "http_status": status,
            "fetch_time": datetime.fromisoformat(ft) if ft else None,
            "content_type": ctype,
            "encoding": enc,
            "content": content,
            "content_codec": codec,
            "crawl_state": state,
            "state_reason": reason,
            "attempts": attempts,
        }
        for url, board, kind, status, ft, ctype, enc, content, codec, state, reason, attempts in rows
    )
