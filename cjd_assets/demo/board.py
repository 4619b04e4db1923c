"""A local job board serving the demo corpus the way 51job and Liepin serve postings.

51job-like pages are GBK with the real detail markup (div.tHeader.tHjob, p.msg.ltype ...) and search
pages that embed their results as `window.__SEARCH_RESULT__`; Liepin-like pages are UTF-8 with the
2018 Liepin markup. So the crawler, detect_board, the parsers and dedup see what a real crawl sees.

The board answers proxy-style requests (`GET http://jobs.51job.com/... HTTP/1.1`): point the
crawler's proxy at `board.address` and it reaches real-looking URLs on 127.0.0.1. Each posting is
reachable under `url_variants` URLs (tracking tails, the mobile host with a shorter body), and a few
pages end blocked, quarantined or failed so a demo crawl shows every state.

`faults` injects misbehaviour per URL for tests: a list of actions consumed one per request
('500', '503', '429:<seconds>', 'slow:<seconds>', 'reset', 'truncate', 'challenge'), and hostile ones:
'acw' (Aliyun's acw_sc__v2 JS challenge, status 200), 'safedog' (Safedog's block page, 200), '999'
(LinkedIn's answer to scrapers), 'waf' (a WAF page with a challenge title, 200), 'redirect_loop',
'redirect_offsite' (to http://evil.example/...), 'redirect:<url>', 'trickle:<seconds>' (the body a few
bytes at a time over that long), 'latin1_label' (the page's bytes under `charset=ISO-8859-1` and no meta
tag), 'nested_json' (the page replaced by JSON nested 1,000 deep inside the search-result script),
'bad_href' (a listing whose next-page and first job links are malformed), 'hostile:<kind>' (a page of
`jobinfo` ×20k, `jsonld` ×30k scripts or `divs` 200k nested). `rate_limit` answers 429 to any host asked
more often than that many times per second (a board's limiter).
"""

from __future__ import annotations

import html
import json
import re
import socket
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import polars as pl

PAGE_SIZE = 50
SEARCH_51JOB = "http://search.51job.com/list/000000,000000,0000,00,9,99,+,2,{page}.html"
SEARCH_LIEPIN = "http://www.liepin.com/zhaopin/?curPage={page}"

# Pages that end in each non-parsed state (ids outside the corpus' id ranges).
CHALLENGE_URL = "http://jobs.51job.com/shanghai/1900000001.html?s=01&t=0"
NOT_FOUND_URL = "http://jobs.51job.com/shanghai/1900000002.html?s=01&t=0"
TRUNCATED_URL = "http://jobs.51job.com/shanghai/1900000003.html?s=01&t=0"
FAILING_URL = "http://jobs.51job.com/shanghai/1900000004.html?s=01&t=0"
LOGIN_URL = "http://www.liepin.com/job/190000005.shtml"
SPECIAL_STATES = {
    CHALLENGE_URL: ("blocked", "challenge_page"),
    NOT_FOUND_URL: ("quarantined", "not_found"),
    TRUNCATED_URL: ("quarantined", "truncated"),
    FAILING_URL: ("failed", "http_503"),
    LOGIN_URL: ("blocked", "login_wall"),
}

_NBSP_BAR = "&nbsp;&nbsp;|&nbsp;&nbsp;"
_WELFARE = ("五险一金", "带薪年假", "定期体检", "年终奖金", "弹性工作", "餐饮补贴")


def variant_urls(board: str, job_id: str, city_slug: str, n: int) -> list[str]:
    """The URLs one posting is reachable under, as real boards link it (same job id in each)."""
    if board == "51job":
        urls = [
            f"http://jobs.51job.com/{city_slug}/{job_id}.html?s=01&t=0",
            f"http://jobs.51job.com/{city_slug}/{job_id}.html?s=sou_sou_soulb&t=0",
            f"http://m.51job.com/search/jobdetail.php?jobid={job_id}",
        ]
    else:
        urls = [
            f"http://www.liepin.com/job/{job_id}.shtml",
            f"http://www.liepin.com/job/{job_id}.shtml?d_sfrom=search_prime&d_ckId={int(job_id) % 9973:04d}",
            f"http://m.liepin.com/job/{job_id}.shtml",
        ]
    return urls[: max(1, min(3, n))]


def _e(s: str | None) -> str:
    return html.escape(s or "", quote=True)


def _lines(body: str) -> list[str]:
    return [ln.strip() for ln in (body or "").split("\n") if ln.strip()]


def _mobile(lines: list[str]) -> list[str]:
    """The mobile sites show the first half of a description (then a "展开全部" link)."""
    if len(lines) > 1:
        return lines[: len(lines) // 2]
    return [lines[0][: max(1, len(lines[0]) // 2)]] if lines else []


def _city(location: str) -> str:
    return (location or "").split("-")[0]


# ------------------------------------------------------------------ 51job pages (GBK)


def render_51job_detail(p: dict, url: str, mobile: bool = False) -> bytes:
    lines = _lines(p["body"])
    if mobile:
        lines = _mobile(lines)
    slots = [s for s in (p["location_text"], p["experience_text"], p["education_text"], "招1人") if s]
    rel = p["release_date_text"]
    if rel:
        slots.append(rel if rel.endswith(("发布", "更新")) else rel + "发布")
    info = [x.strip() for x in (p.get("company_info") or "").split("|")]
    tags = "".join(f'<p class="at" title="{_e(x)}"><span class="i_flag"></span>{_e(x)}</p>' for x in info if x)
    job_id = p["job_id"]
    page = f"""<!DOCTYPE html>
<html>
<head>
    <meta http-equiv="Content-Type" content="text/html; charset=gbk">
    <title>【{_e(_city(p['location_text']))}{_e(p['title'])}_{_e(p['title'])}招聘_{_e(p['company'])}】-前程无忧官方招聘网站</title>
    <meta name="mobile-agent" content="format=html5;url=https://m.51job.com/search/jobdetail.php?jobid={job_id}">
    <link rel="canonical" href="//jobs.51job.com/{p['city_slug']}/{job_id}.html?s=01&amp;t=0">
</head>
<body>
<div class="tCompany_center clearfix">
<div class="tHeader tHjob">
    <div class="in">
        <div class="cn">
            <h1 title="{_e(p['title'])}">{_e(p['title'])}<input value="{job_id}" name="hidJobID" id="hidJobID" type="hidden" jt="0"></h1><strong>{_e(p['salary_text'])}</strong>
            <p class="cname">
                <a href="https://jobs.51job.com/all/co{int(job_id) % 9000000 + 1000000}.html" target="_blank" title="{_e(p['company'])}" class="catn">{_e(p['company'])}<em class="icon_b i_link"></em></a>
            </p>
            <p class="msg ltype" title="{_NBSP_BAR.join(_e(s) for s in slots)}">{'&nbsp;&nbsp;<span>|</span>&nbsp;&nbsp;'.join(_e(s) for s in slots)}</p>
            <div class="jtag"><div class="t1">{''.join(f'<span class="sp4">{w}</span>' for w in _WELFARE[: int(job_id) % 5])}<div class="clear"></div></div></div>
        </div>
    </div>
</div>
<div class="tCompany_main">
    <div class="tBorderTop_box">
        <h2><span class="bname">职位信息</span></h2>
        <div class="bmsg job_msg inbox">
            {''.join(f'<p>{_e(ln)}</p>' for ln in lines)}
            <div class="mt10"><p class="fp"><span class="label">职能类别：</span><a class="el tdn" href="https://jobs.51job.com/{p['city_slug']}/">{_e(p['title'])}</a></p></div>
            <div class="share"><a href="javascript:void(0);">微信分享</a></div>
            <div class="clear"></div>
        </div>
    </div>
    <div class="tBorderTop_box">
        <h2><span class="bname">公司信息</span></h2>
        <div class="tmsg inbox">{_e(p['company'])}欢迎您的加入。</div>
    </div>
</div>
<div class="tCompany_sidebar"><div class="tBorderTop_box"><div class="com_tag">{tags}</div></div></div>
</div>
</body>
</html>
"""
    return page.encode("gbk", errors="xmlcharrefreplace")


def render_51job_search(entries: list[tuple[dict, str]], page: int, total_pages: int) -> bytes:
    results = []
    for p, url in entries:
        attrs = [x for x in (p["location_text"], p["experience_text"], p["education_text"], "招1人") if x]
        info = [x.strip() for x in (p.get("company_info") or "").split("|")] + ["", "", ""]
        results.append(
            {
                "type": "engine_search_result",
                "jobid": p["job_id"],
                "job_href": url,
                "job_name": p["title"],
                "job_title": p["title"],
                "company_name": p["company"],
                "providesalary_text": p["salary_text"] or "",
                "workarea_text": p["location_text"] or "",
                "issuedate": "",
                "attribute_text": attrs,
                "companytype_text": info[0],
                "companysize_text": info[1],
                "companyind_text": info[2],
            }
        )
    data = {"engine_search_result": results, "curr_page": str(page), "total_page": str(total_pages), "jobid_count": str(len(results))}
    body = f"""<!DOCTYPE html>
<html>
<head><meta http-equiv="Content-Type" content="text/html; charset=gbk"><title>【招聘，求职】-前程无忧</title></head>
<body>
<div class="j_result"><div class="in"><div class="leftbox"></div></div></div>
<script type="text/javascript">
window.__SEARCH_RESULT__ = {json.dumps(data, ensure_ascii=False)}</script>
</body>
</html>
"""
    return body.encode("gbk", errors="xmlcharrefreplace")


# ------------------------------------------------------------------ Liepin pages (UTF-8, 2018 markup)


def render_liepin_detail(p: dict, url: str, mobile: bool = False) -> bytes:
    lines = _lines(p["body"])
    if mobile:
        lines = _mobile(lines)
    info = [x.strip() for x in (p.get("company_info") or "").split("|") if x.strip()]
    resume = "".join(f"<span>{_e(x)}</span>" for x in (p["education_text"], p["experience_text"]) if x)
    page = f"""<!DOCTYPE html>
<html>
<title>【{_e(p['title'])}招聘】{_e(p['company'])}招聘信息-猎聘网</title>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8" />
<link rel="canonical" href="https://www.liepin.com/job/{p['job_id']}.shtml">
<body>
<div class="main ">
  <div class="title about-position">
    <div class="title-info ">
      <h1 title="{_e(p['title'])}">{_e(p['title'])}</h1>
      <h3><a href="https://www.liepin.com/company/{int(p['job_id']) % 900000 + 100000}/" target="_blank" title="{_e(p['company'])}">{_e(p['company'])}</a></h3>
    </div>
  </div>
  <div class="job-main ">
    <div class="clearfix">
      <div class="job-title-left">
        <p class="job-main-title">{_e(p['salary_text'])}<em></em></p>
        <p class="basic-infor">
          <span><i class="icons24 icons24-position"></i><a href="https://www.liepin.com/{p['city_slug']}/">{_e(p['location_text'])}</a></span>
          <time title="{_e(p['release_date_text'])}"><i class="icons24 icons24-time"></i>{_e(p['release_date_text'])}</time>
        </p>
        <div class="resume clearfix">{resume}<span>全职</span></div>
      </div>
    </div>
  </div>
  <div class="job-main main-message ">
    <h3 class="job-title">职位描述：</h3>
    <div class="content content-word">
      {'<br/>'.join(_e(ln) for ln in lines)}
    </div>
  </div>
</div>
<div class="side">
  <div class="right-post-top"><div class="company-infor"><h4><a class="word" title="{_e(p['company'])}">{_e(p['company'])}</a></h4>
    <ul class="clearfix">{''.join(f'<li>{_e(x)}</li>' for x in info)}</ul></div></div>
</div>
</body>
</html>
"""
    return page.encode("utf-8")


def render_liepin_search(entries: list[tuple[dict, str]], page: int, total_pages: int) -> bytes:
    items = []
    for p, url in entries:
        items.append(f"""<li><div class="sojob-item-main clearfix">
  <div class="job-info">
    <a href="{_e(url)}" target="_blank" class="job-name" title="招聘{_e(p['title'])}">{_e(p['title'])}</a>
    <p class="condition clearfix"><span class="text-warning">{_e(p['salary_text'])}</span><a href="https://www.liepin.com/{p['city_slug']}/"><span class="area">{_e(p['location_text'])}</span></a><span class="edu">{_e(p['education_text'])}</span><span>{_e(p['experience_text'])}</span></p>
    <p class="time-info clearfix"><time title="{_e(p['release_date_text'])}">发布于：{_e(p['release_date_text'])}</time></p>
  </div>
  <div class="company-info"><p class="company-name"><a href="https://www.liepin.com/company/1/" title="{_e(p['company'])}">{_e(p['company'])}</a></p></div>
</div></li>""")
    nxt = f'<a href="/zhaopin/?curPage={page + 1}">下一页</a>' if page + 1 < total_pages else '<a class="disabled" href="javascript:;">下一页</a>'
    body = f"""<!DOCTYPE html>
<html>
<head><meta http-equiv="Content-Type" content="text/html; charset=utf-8" /><title>招聘_猎聘网</title></head>
<body>
<div class="sojob-result"><ul class="sojob-list">{''.join(items)}</ul>
<div class="pager"><div class="pagerbar"><a class="current" href="javascript:;">{page + 1}</a>{nxt}</div></div></div>
</body>
</html>
"""
    return body.encode("utf-8")


_CHALLENGE = """<!DOCTYPE html><html><head><meta charset="UTF-8"><title>滑动验证页面</title></head>
<body><div class="content"><div id="nocaptcha" class="nc-container"></div><p>请按住滑块，拖动到最右边</p></div></body></html>""".encode()
_NOT_FOUND = """<!DOCTYPE html><html><head><meta charset="UTF-8"><title>页面不存在 - 404</title></head>
<body><p>很抱歉，你选择的职位目前已经暂停招聘</p></body></html>""".encode()
_LOGIN = """<!DOCTYPE html><html><head><meta charset="UTF-8"><title>登录_猎聘网</title></head>
<body><form class="login-form"><input name="user"><input name="pwd" type="password"></form></body></html>""".encode()


_ACW = b"""<html><script>
var arg1='3A1F4B7C6D2E9F0A1B2C3D4E5F60718293A4B5C6';
var _0x4818=['\\x63\\x6f\\x6f\\x6b\\x69\\x65'];
function setCookie(name,value){var expiredate=new Date();expiredate.setTime(expiredate.getTime()+(3600*1000));
document.cookie=name+'='+value+';expires='+expiredate.toGMTString()+';max-age=3600;path=/';}
function reload(x){setCookie('acw_sc__v2',x);document.location.reload();}
</script></html>"""
_SAFEDOG = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>网站防火墙</title></head>
<body><div id="safedog"><p>您的请求带有不合法参数，已被网站管理员设置拦截！</p>
<p>如果您是网站管理员，请登录安全狗查看详情 <a href="http://www.safedog.cn/">www.safedog.cn</a></p></div></body></html>""".encode()
_WAF = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>访问验证</title></head>
<body><div id="waf_nc_block"><p>请完成安全验证后继续访问</p></div></body></html>""".encode()
_HOSTILE_STATIC = {
    "acw": (200, {"Content-Type": "text/html"}, _ACW),
    "safedog": (200, {"Content-Type": "text/html; charset=utf-8"}, _SAFEDOG),
    "waf": (200, {"Content-Type": "text/html; charset=utf-8"}, _WAF),
    "999": (999, {"Content-Type": "text/html"}, b"<html><body></body></html>"),
}


def hostile_page(kind: str) -> bytes:
    """Pages built to be slow to parse: repeated unterminated markers and deep nesting."""
    head = '<!DOCTYPE html><html><head><meta charset="utf-8"><title>职位详情</title>'
    if kind == "jobinfo":  # BOSS's `var _jobInfo = {` never closed
        return (head + "</head><body><div class='job-banner'><div class='name'><h1>算法工程师</h1></div></div><script>"
                + "var _jobInfo = {" * 20000 + "</script></body></html>").encode()
    if kind == "jsonld":  # JSON-LD blocks by the ten thousand
        return (head + '<script type="application/ld+json">{"@type": "Thing"}</script>' * 30000
                + "</head><body><h1 class='top-card-layout__title'>x</h1></body></html>").encode()
    if kind == "divs":
        return (head + "</head><body>" + "<div>" * 200000 + "x" + "</div>" * 200000 + "</body></html>").encode()
    if kind == "nested_json":
        return ("[" * 1000 + "]" * 1000).encode()
    raise ValueError(f"unknown hostile page {kind!r}")


class DemoBoard:
    """Serves a corpus (cjd_assets.demo.corpus.generate_corpus's columns) on 127.0.0.1."""

    def __init__(self, corpus: pl.DataFrame, host: str = "127.0.0.1", port: int = 0,
                 faults: dict[str, list[str]] | None = None, special_pages: bool = True,
                 rate_limit: float | None = None) -> None:
        self.corpus = corpus
        self.host, self.port = host, port
        self.faults = {k: list(v) for k, v in (faults or {}).items()}
        self.special_pages = special_pages
        self.requests: Counter[str] = Counter()
        self.request_log: list[tuple[str, float]] = []  # (url, time.monotonic()) of every request
        self.request_headers: list[tuple[str, dict[str, str]]] = []  # (url, headers) of every request
        self.rate_limit = rate_limit
        self.limited = 0  # requests answered 429 by the rate limiter
        self._host_times: dict[str, list[float]] = {}
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._build()

    # ------------------------------------------------------------- site map
    def _build(self) -> None:
        self.postings: dict[str, dict] = {}  # job id -> corpus row
        self.details: dict[str, tuple[str, str, bool]] = {}  # url -> (board, job id, mobile)
        entries: dict[str, list[list[tuple[dict, str]]]] = {"51job": [[], [], []], "liepin": [[], [], []]}
        for p in self.corpus.iter_rows(named=True):
            self.postings[p["job_id"]] = p
            for v, url in enumerate(variant_urls(p["board"], p["job_id"], p["city_slug"], int(p["url_variants"] or 1))):
                self.details[url] = (p["board"], p["job_id"], url.startswith(("http://m.", "https://m.")))
                entries[p["board"]][v].append((p, url))
        # Variants come after all first links, so they sit on later listing pages, as re-posted jobs do.
        self.entries = {b: [e for tier in tiers for e in tier] for b, tiers in entries.items()}
        if self.special_pages:
            fake = {"job_id": "1900000000", "title": "数据标注员", "company": "演示数据有限公司", "salary_text": "",
                    "location_text": "上海", "education_text": "", "experience_text": "", "release_date_text": "", "company_info": "", "city_slug": "shanghai"}
            for url in (CHALLENGE_URL, NOT_FOUND_URL, TRUNCATED_URL, FAILING_URL):
                self.entries["51job"].append((fake, url))
            self.entries["liepin"].append((fake, LOGIN_URL))
        self.pages = {b: max(1, -(-len(e) // PAGE_SIZE)) for b, e in self.entries.items()}

    def seed_urls(self) -> list[str]:
        return [SEARCH_51JOB.format(page=1), SEARCH_LIEPIN.format(page=0)]

    def listing_urls(self) -> list[str]:
        return [SEARCH_51JOB.format(page=i + 1) for i in range(self.pages["51job"])] + [
            SEARCH_LIEPIN.format(page=i) for i in range(self.pages["liepin"])
        ]

    def detail_urls(self) -> list[str]:
        return list(self.details)

    def expected_postings(self) -> int:
        """Distinct postings (what dedup should leave): one per corpus row."""
        return self.corpus.height

    def expected_states(self) -> dict[str, int]:
        """Final URL states a complete crawl reaches (listing pages count as parsed)."""
        out = {"parsed": len(self.details) + len(self.listing_urls()), "quarantined": 0, "blocked": 0, "failed": 0}
        if self.special_pages:
            for state, _ in SPECIAL_STATES.values():
                out[state] += 1
        return out

    def clear_faults(self) -> None:
        """The board recovers: every pending fault (and a redirect loop that renews itself) stops."""
        with self._lock:
            self.faults.clear()

    # ------------------------------------------------------------- serving
    def _take_fault(self, url: str, headers: dict[str, str] | None = None) -> str | None:
        with self._lock:
            now = time.monotonic()
            self.requests[url] += 1
            self.request_log.append((url, now))
            self.request_headers.append((url, dict(headers or {})))
            actions = self.faults.get(url)
            if actions:
                return actions.pop(0)
            if self.rate_limit:
                # A sliding one-second window per host, as a board's limiter counts.
                host = urlsplit(url).hostname or ""
                times = [t for t in self._host_times.get(host, []) if now - t < 1.0]
                if len(times) >= self.rate_limit:
                    self._host_times[host] = times
                    self.limited += 1
                    return "429:1"
                times.append(now)
                self._host_times[host] = times
            return None

    def respond(self, url: str) -> tuple[int, dict[str, str], bytes]:
        """(status, headers, body) of a URL, without faults."""
        if url in self.details:
            board, job_id, mobile = self.details[url]
            p = self.postings[job_id]
            if board == "51job":
                return 200, {"Content-Type": "text/html"}, render_51job_detail(p, url, mobile)
            return 200, {"Content-Type": "text/html; charset=utf-8"}, render_liepin_detail(p, url, mobile)
        parts = urlsplit(url)
        if parts.hostname == "search.51job.com" and parts.path.startswith("/list/"):
            try:
                page = int(parts.path.rsplit(",", 1)[-1].removesuffix(".html"))
            except ValueError:
                page = 0
            if 1 <= page <= self.pages["51job"]:
                chunk = self.entries["51job"][(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
                return 200, {"Content-Type": "text/html"}, render_51job_search(chunk, page, self.pages["51job"])
        if parts.hostname == "www.liepin.com" and parts.path == "/zhaopin/":
            page = int((parse_qs(parts.query).get("curPage") or ["0"])[0] or 0)
            if 0 <= page < self.pages["liepin"]:
                chunk = self.entries["liepin"][page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
                return 200, {"Content-Type": "text/html; charset=utf-8"}, render_liepin_search(chunk, page, self.pages["liepin"])
        if self.special_pages:
            if url == CHALLENGE_URL:
                return 200, {"Content-Type": "text/html; charset=utf-8"}, _CHALLENGE
            if url == LOGIN_URL:
                return 200, {"Content-Type": "text/html; charset=utf-8"}, _LOGIN
            if url == FAILING_URL:
                return 503, {"Content-Type": "text/html"}, b"<html><title>503</title></html>"
            if url == TRUNCATED_URL:
                full = render_51job_detail(dict(self._fake_posting()), url)
                return 200, {"Content-Type": "text/html"}, full[: len(full) // 2]
        return 404, {"Content-Type": "text/html; charset=utf-8"}, _NOT_FOUND

    def _fake_posting(self) -> dict:
        return {"job_id": "1900000003", "title": "算法工程师", "company": "演示数据有限公司", "salary_text": "1-2万/月",
                "location_text": "上海", "education_text": "本科", "experience_text": "3-4年经验", "release_date_text": "06-01发布",
                "company_info": "民营公司 | 50-150人 | 计算机软件", "city_slug": "shanghai", "body": "岗位职责：\n" + "负责模型训练与部署。\n" * 40}

    def _handler(self):
        board = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # quiet
                pass

            def do_GET(self) -> None:
                if self.path.startswith(("http://", "https://")):
                    url = self.path  # proxy-style absolute URL
                else:
                    url = f"http://{self.headers.get('Host', '')}{self.path}"
                fault = board._take_fault(url, {k.lower(): v for k, v in self.headers.items()})
                try:
                    self._serve(url, fault)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def _serve(self, url: str, fault: str | None) -> None:
                if fault == "reset":
                    # Close with RST and no response: a reset connection.
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                    self.close_connection = True
                    return
                if fault and fault.startswith("slow:"):
                    time.sleep(float(fault.split(":", 1)[1]))
                if fault in ("500", "502", "503"):
                    self._send(int(fault), {"Content-Type": "text/html"}, b"<html><title>error</title></html>")
                    return
                if fault and fault.startswith("429"):
                    secs = fault.split(":", 1)[1] if ":" in fault else "1"
                    self._send(429, {"Content-Type": "text/html", "Retry-After": secs}, b"<html><title>429</title></html>")
                    return
                if fault == "challenge":
                    self._send(200, {"Content-Type": "text/html; charset=utf-8"}, _CHALLENGE)
                    return
                if fault in _HOSTILE_STATIC:
                    status, headers, body = _HOSTILE_STATIC[fault]
                    self._send(status, headers, body)
                    return
                if fault and fault.startswith("hostile:"):
                    self._send(200, {"Content-Type": "text/html; charset=utf-8"}, hostile_page(fault.split(":", 1)[1]))
                    return
                if fault == "redirect_loop":
                    # Sends the URL and its `loop=1` twin to each other, as long as the fault lasts.
                    twin = url + ("&" if "?" in url else "?") + "loop=1"
                    with board._lock:
                        board.faults.setdefault(twin, []).insert(0, "redirect:" + url)
                        board.faults.setdefault(url, []).insert(0, "redirect_loop")
                    self._send(302, {"Location": twin}, b"")
                    return
                if fault == "redirect_offsite":
                    self._send(302, {"Location": "http://evil.example/landing?from=board"}, b"")
                    return
                if fault and fault.startswith("redirect:"):
                    self._send(302, {"Location": fault.split(":", 1)[1]}, b"")
                    return
                status, headers, body = board.respond(url)
                if fault == "latin1_label":
                    headers = {**headers, "Content-Type": "text/html; charset=ISO-8859-1"}
                    body = re.sub(rb"<meta[^>]*charset[^>]*>", b"", body, flags=re.I)
                if fault == "nested_json":
                    body = b'<!DOCTYPE html><html><head><meta charset="utf-8"><title>search</title></head><body><script>window.__SEARCH_RESULT__ = {"engine_search_result": ' + b"[" * 1000 + b"]" * 1000 + b"}</script></body></html>"
                if fault == "bad_href":
                    body = body.replace(b'href="/zhaopin/?curPage=', b'href="http://www.liepin.com:99999/zhaopin/?curPage=', 1)
                    body = re.sub(rb'(<a href=")(http://www\.liepin\.com/job/)', rb"\1http://[bad\2", body, count=1)
                if fault and fault.startswith("trickle:"):
                    # Headers at once, then the body in 10 pieces spread over the given seconds.
                    secs = float(fault.split(":", 1)[1])
                    self.send_response(status)
                    for k, v in headers.items():
                        self.send_header(k, v)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    step = max(1, len(body) // 10)
                    for i in range(0, len(body), step):
                        self.wfile.write(body[i : i + step])
                        self.wfile.flush()
                        time.sleep(secs / 10)
                    return
                if fault == "truncate":
                    # Announce the full length, send half, hang up: the client sees a short body.
                    self.send_response(status)
                    for k, v in headers.items():
                        self.send_header(k, v)
                    self.send_header("Content-Length", str(len(body)))
                    self.send_header("Connection", "close")
                    self.end_headers()
                    self.wfile.write(body[: len(body) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self._send(status, headers, body)

            def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        return Handler

    def start(self) -> None:
        if self._server is not None:
            return
        self._server = ThreadingHTTPServer((self.host, self.port), self._handler())
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, name="demo-board", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def address(self) -> str:
        return f"http://{self.host}:{self.port}"

    def __enter__(self) -> "DemoBoard":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
