"""Per-board adapters: which URLs are detail or listing pages, and how each board's markup maps
onto the extracted fields.

Every detail parser returns a dict of EXTRACTED_COLUMNS (missing fields None) or None when the page
does not carry that board's posting markup; the caller then decides why (challenge, listing, 404...).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from cjd_assets.schema import EXTRACTED_COLUMNS

from .text import clean, html_to_text

# ---------------------------------------------------------------- boards and URLs

_HOSTS: tuple[tuple[str, str], ...] = (
    ("51job.com", "51job"),
    ("liepin.com", "liepin"),
    ("cjol.com", "cjol"),
    ("linkedin.cn", "linkedin"),
    ("linkedin.com", "linkedin"),
    ("zhipin.com", "boss"),
    ("zhaopin.com", "zhaopin"),
    ("lagou.com", "lagou"),
)


def detect_board(url: str) -> str | None:
    """The board a URL belongs to (a value of schema.BOARDS), or None for a foreign host."""
    try:
        host = (urlsplit(url if "//" in url else "//" + url).hostname or "").lower()
    except ValueError:
        return None
    for suffix, board in _HOSTS:
        if host == suffix or host.endswith("." + suffix):
            return board
    return None


_HOST_MENTION = re.compile(r"51job\.com|liepin\.com|lietou-static|zhipin\.com|zhaopin\.com|lagou\.com|cjol\.com|linkedin\.c", re.I)
_MENTION_BOARD = {"51job.com": "51job", "liepin.com": "liepin", "lietou-static": "liepin", "zhipin.com": "boss", "zhaopin.com": "zhaopin", "lagou.com": "lagou", "cjol.com": "cjol", "linkedin.c": "linkedin"}


def sniff_board(text: str) -> str | None:
    """The board whose hosts a saved page mentions most (pages link their own CDN and subpages)."""
    counts: dict[str, int] = {}
    for m in _HOST_MENTION.finditer(text):
        b = _MENTION_BOARD[m.group(0).lower()]
        counts[b] = counts.get(b, 0) + 1
    return max(counts, key=counts.get) if counts else None



_DETAIL_URL = {
    "51job": re.compile(r"jobs\.51job\.com/[a-z\-]+/\d+\.html|/jobdetail\.php\?.*jobid=\d+|51job\.com/job/\d+", re.I),
    "liepin": re.compile(r"/(?:job|a|cjob)/\d+\.shtml", re.I),
    "boss": re.compile(r"/job_detail/[^/?#]+\.html", re.I),
    "zhaopin": re.compile(r"jobs\.zhaopin\.com/[A-Z0-9]+\.htm|zhaopin\.com/jobdetail/", re.I),
    "lagou": re.compile(r"/jobs/\d+\.html", re.I),
    "linkedin": re.compile(r"/jobs/view/", re.I),
    "cjol": re.compile(r"/jobs/job-\d+", re.I),
}


def url_page_kind(url: str, board: str | None = None) -> str:
    """'detail' when the URL has the board's posting-page shape, else 'listing'."""
    board = board or detect_board(url)
    pat = _DETAIL_URL.get(board or "")
    return "detail" if pat is not None and pat.search(url) else "listing"


# ---------------------------------------------------------------- slots split by meaning

_EDU = re.compile(r"初中|高中|中技|中专|大专|专科|本科|硕士|博士|研究生|MBA|学历不限|学历要求不限|学历")
_EXP = re.compile(r"经验|应届|在校|毕业生|\d+\s*年|年以[上下]|实习")
_HEADCOUNT = re.compile(r"^招(?:\d+|若干)人$")
_RELEASE = re.compile(r"^\S{1,12}?\s*(?:发布|更新)$")


def classify_slot(s: str) -> str | None:
    """What a free-order attribute slot means: 'experience', 'education', 'headcount', 'release'."""
    if _HEADCOUNT.match(s):
        return "headcount"
    if _RELEASE.match(s) or s.startswith("发布于"):
        return "release"
    if _EXP.search(s) and not re.search(r"本科|硕士|博士|大专|学历", s):
        return "experience"
    if _EDU.search(s):
        return "education"
    return None


def split_slots(slots: list[str]) -> dict[str, str | None]:
    out: dict[str, str | None] = {"experience": None, "education": None, "release": None}
    for s in slots:
        kind = classify_slot(s)
        if kind in out and out[kind] is None:
            out[kind] = s
    # The release slot stays as written: '发布' (posted) and '更新' (refreshed) mean different dates.
    if out["release"] and out["release"].startswith("发布于"):
        out["release"] = out["release"].removeprefix("发布于").strip("：: ") or None
    return out


# ---------------------------------------------------------------- small DOM helpers


def _t(node: LexborNode | None) -> str | None:
    return clean(node.text(deep=True)) if node is not None else None


def _a(node: LexborNode | None, name: str) -> str | None:
    if node is None:
        return None
    return clean(node.attributes.get(name))


def _first(tree: LexborHTMLParser | LexborNode, *selectors: str) -> LexborNode | None:
    for sel in selectors:
        n = tree.css_first(sel)
        if n is not None:
            return n
    return None


def _canonical(tree: LexborHTMLParser) -> str | None:
    href = _a(tree.css_first('link[rel="canonical"]'), "href")
    if href and href.startswith("//"):
        href = "https:" + href
    return href


def loads_json(s: str) -> object | None:
    """json.loads that returns None for bad or hostile JSON (nesting deep enough to exhaust the stack)."""
    try:
        return json.loads(s)
    except (ValueError, RecursionError):
        return None


def decode_json_at(text: str, i: int) -> object | None:
    """The JSON value that starts at text[i], or None (bad, or nested deep enough to raise RecursionError)."""
    try:
        obj, _ = json.JSONDecoder().raw_decode(text, i)
    except (ValueError, RecursionError):
        return None
    return obj


def _join(base: str, href: str | None, keep_bad: bool = False) -> str | None:
    """urljoin that does not raise on a malformed href (a bad port, an unclosed IPv6 bracket): None, or
    with keep_bad the href as written (a job link is kept, so the crawler records it as a bad URL)."""
    if not href:
        return None
    try:
        u = urljoin(base, href.strip())
        urlsplit(u).port  # noqa: B018 - validates the port
    except ValueError:
        return href.strip() if keep_bad else None
    return u


def _uniq(urls) -> list[str]:
    return list(dict.fromkeys(urls))


def empty_record(url: str | None, board: str) -> dict[str, str | None]:
    rec: dict[str, str | None] = dict.fromkeys(EXTRACTED_COLUMNS)
    rec["url_extracted"] = url
    rec["source"] = board
    return rec


# Bounded rule body: an unclosed `{` must not make every later rule scan to the end (quadratic).
_HIDDEN_RULE = re.compile(r"\.([A-Za-z_][\w-]*)\s*\{([^{}]{0,4000})\}")
_HIDES = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden|width\s*:\s*0(?:\.\d+)?px|font-size\s*:\s*0", re.I)


def _strip_decoys(node: LexborNode) -> None:
    """Remove anti-scraping decoys: spans hidden by an inline <style> class or a style attribute."""
    hidden: set[str] = set()
    for st in node.css("style"):
        for cls, body in _HIDDEN_RULE.findall(st.text(deep=True) or ""):
            if _HIDES.search(body):
                hidden.add(cls)
        st.decompose()
    for el in node.css("[class], [style]"):
        style = el.attributes.get("style") or ""
        classes = (el.attributes.get("class") or "").split()
        if _HIDES.search(style) or hidden.intersection(classes):
            el.decompose()


# ---------------------------------------------------------------- 51job


def parse_51job(tree: LexborHTMLParser, url: str) -> dict | None:
    head = tree.css_first("div.tHeader.tHjob")
    if head is None:
        return None
    rec = empty_record(url or _canonical(tree), "51job")
    h1 = head.css_first("h1")
    rec["title_extracted"] = _a(h1, "title") or _t(h1)
    rec["salary_extracted"] = _t(head.css_first("div.cn > strong"))
    cname = head.css_first("p.cname a.catn")
    rec["company_name_extracted"] = _a(cname, "title") or _t(cname)
    msg = head.css_first("p.msg.ltype")
    raw = _a(msg, "title") or (msg.text(deep=True) if msg is not None else "")
    # The slots have no fixed order: education may sit second and experience be absent.
    slots = [clean(s) for s in (raw or "").replace("\xa0", " ").split("|")]
    slots = [s for s in slots if s]
    if slots:
        rec["location_extracted"] = slots[0]
        parts = split_slots(slots[1:])
        rec["desired_experience_extracted"] = parts["experience"]
        rec["desired_education_extracted"] = parts["education"]
        rec["release_date_extracted"] = parts["release"]
    job = tree.css_first("div.bmsg.job_msg")
    if job is not None:
        # 职能类别: 51job's own occupation links ('Python开发工程师 / 软件工程师'), below the description
        for p in job.css("div.mt10 p.fp"):
            if "职能类别" in (_t(p.css_first("span.label")) or ""):
                names = [t for t in (_t(a) for a in p.css("a")) if t]
                rec["board_occupation"] = " / ".join(names) or None
        for extra in job.css("div.mt10, div.share, div.clear"):
            extra.decompose()
        rec["body_extracted"] = html_to_text(job.html)
    side = tree.css_first("div.com_tag")
    tags = [t for t in (_a(p, "title") for p in side.css("p.at")) if t] if side is not None else []
    blurb = html_to_text(n.html) if (n := tree.css_first("div.tmsg")) is not None else None
    info = "\n".join(x for x in (" | ".join(tags) if tags else None, blurb) if x)
    rec["company_information_extracted"] = info or None
    return rec


def _json_after(text: str, marker: str) -> object | None:
    i = text.find(marker)
    if i < 0:
        return None
    j = text.find("{", i)
    if j < 0:
        return None
    return decode_json_at(text, j)


def _next_51job_search(url: str, curr: int, total: int) -> list[str]:
    if curr >= total:
        return []
    m = re.search(r",(\d+)\.html", url)
    if not m:
        return []
    return [url[: m.start()] + f",{curr + 1}.html" + url[m.end() :]]


_PAGE_NUMBER = re.compile(r"([?&](?:page|curPage|pageNum|pageno|pn|pageIndex)=)(\d+)", re.I)
_PAGE_OFFSET = re.compile(r"([?&](?:start|offset)=)(\d+)", re.I)
_PAGE_51JOB = re.compile(r"(//search\.51job\.com/list/[^?#]*,)(\d+)(\.html)")


def derive_next_page(url: str, n_items: int | None) -> str | None:
    """The next page of a listing URL that follows a known pagination pattern (page=N, start=K...).

    n_items: postings on this page (0: the last page, nothing next; None: unknown, the page failed, so
    only page-number patterns are derived, and an offset step is not guessed).
    """
    if n_items == 0:
        return None
    for pat in (_PAGE_51JOB, _PAGE_NUMBER):
        if (m := pat.search(url)) is not None:
            return url[: m.start(2)] + str(int(m.group(2)) + 1) + url[m.end(2) :]
    if n_items and (m := _PAGE_OFFSET.search(url)) is not None:
        return url[: m.start(2)] + str(int(m.group(2)) + n_items) + url[m.end(2) :]
    return None


def listing_51job_search(data: object, url: str) -> Listing | None:
    """51job's search results object (window.__SEARCH_RESULT__): every field the card shows."""
    if not (isinstance(data, dict) and isinstance(data.get("engine_search_result"), list)):
        return None
    out = Listing()
    for job in data["engine_search_result"]:
        href = job.get("job_href") if isinstance(job, dict) else None
        if not href:
            continue
        # attribute_text = [area, experience?, education?, headcount?]: free order, read by meaning.
        attrs = [a for a in (job.get("attribute_text") or [])[1:] if a]
        parts = split_slots(attrs)
        info = " | ".join(x for x in (job.get("companytype_text"), job.get("companysize_text"), job.get("companyind_text")) if x)
        rec = empty_record(href, "51job")
        rec.update(
            title_extracted=clean(job.get("job_name")),
            company_name_extracted=clean(job.get("company_name")),
            salary_extracted=clean(job.get("providesalary_text")),
            location_extracted=clean(job.get("workarea_text")),
            desired_experience_extracted=parts["experience"],
            desired_education_extracted=parts["education"],
            release_date_extracted=clean(job.get("issuedate")) or clean(job.get("updatedate")),
            company_information_extracted=info or None,
        )
        out.add(rec)
    try:
        curr, total = int(data.get("curr_page") or 0), int(data.get("total_page") or 0)
        out.next_urls = _next_51job_search(url, curr, total)
        out.last_page = total > 0 and curr >= total
    except (ValueError, TypeError):
        pass
    return out


def listing_51job(tree: LexborHTMLParser, text: str, url: str) -> Listing | None:
    out = listing_51job_search(_json_after(text, "window.__SEARCH_RESULT__"), url)
    if out is not None:
        return out
    rows = tree.css("div.dw_table div.el")
    if rows:  # the pre-2019 server-rendered search table
        out = Listing()
        for row in rows:
            a = row.css_first("p.t1 a")
            if a is None or not a.attributes.get("href"):
                continue
            rec = empty_record(_join(url, a.attributes["href"], keep_bad=True), "51job")
            co = row.css_first("span.t2 a")
            rec.update(
                title_extracted=_a(a, "title") or _t(a),
                company_name_extracted=_a(co, "title") or _t(co),
                location_extracted=_t(row.css_first("span.t3")),
                salary_extracted=_t(row.css_first("span.t4")),
                release_date_extracted=_t(row.css_first("span.t5")),
            )
            out.add(rec)
        out.next_urls = [u for a in tree.css("div.dw_page a") if "下一页" in (a.text() or "") and (u := _join(url, a.attributes.get("href")))]
        return out
    rows = tree.css("div.jblist a.e")
    if rows:  # the mobile site's list
        out = Listing()
        for a in rows:
            href = a.attributes.get("href")
            if not href:
                continue
            rec = empty_record(_join(url, href, keep_bad=True), "51job")
            rec.update(
                title_extracted=_t(a.css_first("h3")),
                company_name_extracted=_t(a.css_first("aside")),
                location_extracted=_t(a.css_first("i")),
                salary_extracted=_t(a.css_first("em")),
            )
            out.add(rec)
        return out
    return None


def listing_51job_ajax(data: object, url: str) -> Listing | None:
    """The mobile site's AJAX list: {"status":1,"data":[{cjobname, cocname, jobsalaryname, ...}]}."""
    if not (isinstance(data, dict) and isinstance(data.get("data"), list)):
        return None
    out = Listing()
    for job in data["data"]:
        if not isinstance(job, dict) or not job.get("jobid"):
            continue
        href = f"https://m.51job.com/search/jobdetail.php?jobtype=0&jobid={job['jobid']}"
        rec = empty_record(href, "51job")
        rec.update(
            title_extracted=clean(job.get("cjobname")),
            company_name_extracted=clean(job.get("cocname")),
            location_extracted=clean(job.get("jobareaname")),
            salary_extracted=clean(job.get("jobsalaryname")),
        )
        out.add(rec)
    return out


# ---------------------------------------------------------------- Liepin

# Only the start is matched: a lazy `{.*?};` rescans to the end of the page from every repeated start.
_CONFIG = re.compile(r"var\s+\$CONFIG\s*=\s*(?=\{)")


def _liepin_config(text: str) -> dict:
    m = _CONFIG.search(text)
    cfg = decode_json_at(text, m.end()) if m else None
    return cfg if isinstance(cfg, dict) else {}


_UPDATED = re.compile(r"(?:\d{4}[-/年.])?\d{1,2}[-/月.]\d{1,2}日?\s*(?:更新|发布)|(?:今天|昨天|前天|\d+\s*(?:小时|天|分钟)前)\s*(?:更新|发布)")


def parse_liepin(tree: LexborHTMLParser, text: str, url: str) -> dict | None:
    rec = empty_record(url or _canonical(tree), "liepin")
    # Selector queries that miss scan the whole tree: one query tells the two layouts apart.
    top = tree.css_first("section.job-apply-container, div.title-info")
    if top is None:
        return None
    if top.tag == "section":  # 2021+ layout
        apply = top
        rec["title_extracted"] = _t(apply.css_first("div.name-box span.name"))
        rec["salary_extracted"] = _t(apply.css_first("span.salary"))
        props = [s for s in (_t(n) for n in apply.css("div.job-properties > span") if "split" not in (n.attributes.get("class") or "")) if s]
        if props:
            rec["location_extracted"] = props[0]
            parts = split_slots(props[1:])
            rec["desired_experience_extracted"] = parts["experience"]
            rec["desired_education_extracted"] = parts["education"]
        intro = tree.css_first('dd[data-selector="job-intro-content"]')
        rec["body_extracted"] = html_to_text(intro.inner_html) if intro is not None else None
        cfg = _liepin_config(text)
        # Headhunter postings (jobKind 1) hide the employer; the recruiter box names the agency,
        # which is not the employer, so only the board's own (often anonymised) name is taken.
        comp = tree.css_first("section.company-info-container .name") if cfg.get("jobKind") != "1" else None
        rec["company_name_extracted"] = _t(comp) or clean(cfg.get("compName"))
        info = tree.css_first("section.company-intro-container")
        rec["company_information_extracted"] = html_to_text(info.html) if info is not None else None
        # The structured date first (JobPosting.datePosted), else the "9月17日更新" the apply box shows.
        job = _jsonld_posting(tree)
        posted = clean(str(job.get("datePosted"))) if job is not None and job.get("datePosted") else None
        if posted is None and (m := _UPDATED.search(apply.text(deep=True, separator=" ") or "")):
            posted = clean(m.group(0))
        rec["release_date_extracted"] = posted
        return rec
    head = top
    h1 = head.css_first("h1")
    rec["title_extracted"] = _a(h1, "title") or _t(h1)
    co = head.css_first("h3 a")
    rec["company_name_extracted"] = _a(co, "title") or _t(co)
    left = tree.css_first("div.job-title-left")
    if left is not None:
        sal = left.css_first("p.job-main-title")
        rec["salary_extracted"] = clean((sal.text(deep=False) if sal is not None else "") or None) or _t(sal)
        loc = left.css_first("p.basic-infor span")
        rec["location_extracted"] = _t(loc)
        tm = left.css_first("p.basic-infor time")
        rec["release_date_extracted"] = _a(tm, "title") or _t(tm)
        parts = split_slots([s for s in (_t(n) for n in left.css("div.resume span")) if s])
        rec["desired_experience_extracted"] = parts["experience"]
        rec["desired_education_extracted"] = parts["education"]
    desc = tree.css_first("div.content.content-word")
    rec["body_extracted"] = html_to_text(desc.inner_html) if desc is not None else None
    info = tree.css_first("div.company-infor ul")
    if info is not None:
        items = [s for s in (_t(li) for li in info.css("li")) if s]
        rec["company_information_extracted"] = " | ".join(items) or None
    return rec


def listing_liepin(tree: LexborHTMLParser, url: str) -> Listing | None:
    items = tree.css("div.sojob-item-main")
    out = Listing()
    for it in items:
        a = it.css_first("a.job-name, div.job-info h3 a, div.job-info a")
        if a is None or not a.attributes.get("href"):
            continue
        rec = empty_record(_join(url, a.attributes["href"], keep_bad=True), "liepin")
        cond = it.css_first("p.condition")
        spans = [s for s in (_t(n) for n in cond.css("span")) if s] if cond is not None else []
        parts = split_slots(spans)
        co = it.css_first("p.company-name a")
        tm = it.css_first("p.time-info time")
        rec.update(
            title_extracted=_t(a),
            salary_extracted=_t(it.css_first("span.text-warning")),
            location_extracted=_t(it.css_first("span.area")),
            desired_education_extracted=_t(it.css_first("span.edu")) or parts["education"],
            desired_experience_extracted=parts["experience"],
            company_name_extracted=_a(co, "title") or _t(co),
            release_date_extracted=_a(tm, "title"),
        )
        out.add(rec)
    if not items:
        # Company pages and other hubs: just the links to postings.
        for a in tree.css("a[href]"):
            href = a.attributes.get("href") or ""
            if _DETAIL_URL["liepin"].search(href):
                out.add_url(_join(url, href, keep_bad=True))
        if not out.detail_urls:
            return None
    nexts = [a for a in tree.css("div.pager a, div.pagerbar a") if "下一页" in (a.text() or "")]
    out.next_urls = _uniq(u for a in nexts if (a.attributes.get("href") or "").startswith(("/", "http")) and (u := _join(url, a.attributes["href"])))
    # A disabled "下一页" (class disabled, href javascript:) marks the last page.
    out.last_page = bool(nexts) and all("disabled" in (a.attributes.get("class") or "") for a in nexts)
    return out


# ---------------------------------------------------------------- BOSS Zhipin

_JOBINFO = re.compile(r"var\s+_jobInfo\s*=\s*\{")
_JOBINFO_MAX = 20000  # the object is a few hundred bytes; a missing `};` must not scan the whole page


def parse_boss(tree: LexborHTMLParser, text: str, url: str) -> dict | None:
    rec = empty_record(url or _canonical(tree), "boss")
    banner = tree.css_first("div.job-banner")
    h1 = banner.css_first("div.name h1") if banner is not None else None
    if h1 is not None:
        rec["title_extracted"] = _a(h1, "title") or _t(h1)
        rec["salary_extracted"] = _t(banner.css_first("span.salary"))
        p = h1.parent.next if h1.parent is not None else None
        while p is not None and p.tag != "p":
            p = p.next
        if p is not None:
            # City, experience, degree: spans (2025) or bare text between em.dolt (2022).
            slots = [s for s in (clean(x) for x in p.text(deep=True, separator="\n").split("\n")) if s]
            if slots:
                rec["location_extracted"] = slots[0]
                parts = split_slots(slots[1:])
                rec["desired_experience_extracted"] = parts["experience"]
                rec["desired_education_extracted"] = parts["education"]
        # 2025: div.job-sec-text; 2022: the div.text of the first div.job-sec (职位描述).
        desc = tree.css_first("div.job-sec-text, div.detail-content div.job-sec div.text")
        if desc is not None:
            _strip_decoys(desc)
        rec["body_extracted"] = html_to_text(desc.inner_html) if desc is not None else None
        legal = tree.css_first("ul.level-list li.company-name")
        if legal is not None:
            for lab in legal.css("span"):
                lab.decompose()
        sider = tree.css_first("div.sider-company")
        rec["company_name_extracted"] = (
            _t(legal)
            or (_t(sider.css_first('a[ka="job-detail-company_custompage"]')) if sider is not None else None)
            or _jobinfo_field(text, "company")
        )
        intro = tree.css_first("div.job-sec.company-info div.text, div.company-info-box div.fold-text")
        side = [s for s in (_t(n) for n in sider.css("p")) if s and s != "公司基本信息"] if sider is not None else []
        info = "\n".join(x for x in (" | ".join(side) if side else None, html_to_text(intro.inner_html) if intro is not None else None) if x)
        rec["company_information_extracted"] = info or None
        upd = _a(tree.head.css_first('meta[property="bytedance:updated_time"]'), "content") if tree.head is not None else None
        rec["release_date_extracted"] = upd[:10] if upd else None
        return rec
    box = tree.css_first("div.job-detail-box")
    if box is None:
        return None
    # The search page's right-hand pane (SPA): visitors see a masked salary and a decoy-laden text.
    rec["title_extracted"] = _t(box.css_first("span.job-name"))
    sal = box.css_first("span.job-salary")
    masked = sal is not None and sal.css_first("div.zp-hide-salary") is not None
    rec["salary_extracted"] = None if masked else _t(sal)
    tags = [s for s in (_t(li) for li in box.css("ul.tag-list li")) if s]
    if tags:
        rec["location_extracted"] = tags[0]
        parts = split_slots(tags[1:])
        rec["desired_experience_extracted"] = parts["experience"]
        rec["desired_education_extracted"] = parts["education"]
    desc = box.css_first("p.desc")
    if desc is not None:
        _strip_decoys(desc)
        rec["body_extracted"] = html_to_text(desc.inner_html)
    active = tree.css_first("div.job-card-wrap.active span.boss-name")
    attr = _t(box.css_first("div.boss-info-attr"))
    rec["company_name_extracted"] = _t(active) or (clean(attr.split("·")[0]) if attr else None)
    job_id = None
    if (chat := box.css_first('a[ka^="cpc_job_list_chat_"]')) is not None:
        job_id = (chat.attributes.get("ka") or "").removeprefix("cpc_job_list_chat_")
    if job_id:
        rec["url_extracted"] = f"https://www.zhipin.com/job_detail/{job_id}.html"
    # The logged-out pane is a preview (body cut by the login layer, salary masked): keep it, flagged,
    # so the detail page at url_extracted is fetched for the full posting.
    rec["is_partial"] = True
    return rec


def _jobinfo_field(text: str, key: str) -> str | None:
    m = _JOBINFO.search(text)
    if not m:
        return None
    end = text.find("};", m.end(), m.end() + _JOBINFO_MAX)
    if end < 0:
        return None
    f = re.search(rf"\b{key}\s*:\s*'([^']*)'", text[m.end() : end])
    return clean(f.group(1)) if f else None


def listing_boss(tree: LexborHTMLParser, url: str) -> Listing | None:
    cards = tree.css("li.job-card-box, li.job-card-wrapper")
    if not cards:
        return None
    out = Listing()
    for c in cards:
        a = c.css_first("a.job-name, a.job-card-left")
        if a is None or not a.attributes.get("href"):
            continue
        rec = empty_record(_join("https://www.zhipin.com/", a.attributes["href"], keep_bad=True), "boss")
        tags = [s for s in (_t(li) for li in c.css("ul.tag-list li")) if s]
        parts = split_slots(tags)
        rec.update(
            title_extracted=_t(a),
            salary_extracted=_t(c.css_first("span.job-salary, span.salary")),
            company_name_extracted=_t(c.css_first("span.boss-name, h3.company-name a")),
            location_extracted=_t(c.css_first("span.company-location, span.job-area")),
            desired_experience_extracted=parts["experience"],
            desired_education_extracted=parts["education"],
        )
        out.add(rec)
    return out


# ---------------------------------------------------------------- Zhaopin


def parse_zhaopin_state(state: object, url: str) -> dict | None:
    """A Zhaopin detail page's __INITIAL_STATE__ (jobInfo.jobDetail.detailedPosition)."""
    try:
        detail = state["jobInfo"]["jobDetail"]  # type: ignore[index]
        pos = detail["detailedPosition"]
    except (KeyError, TypeError):
        return None
    if not isinstance(pos, dict) or not (pos.get("positionName") or pos.get("name")):
        return None
    comp = detail.get("detailedCompany") or {}
    rec = empty_record(url or pos.get("positionUrl"), "zhaopin")
    city = clean(pos.get("positionWorkCity") or pos.get("workCity"))
    district = clean(pos.get("positionCityDistrict") or pos.get("cityDistrict"))
    rec.update(
        title_extracted=clean(pos.get("positionName") or pos.get("name")),
        salary_extracted=clean(pos.get("salary60")),
        location_extracted="-".join(x for x in (city, district) if x) or None,
        desired_education_extracted=clean(pos.get("education")),
        desired_experience_extracted=clean(pos.get("positionWorkingExp") or pos.get("workingExp")),
        release_date_extracted=clean(pos.get("positionPublishTime") or pos.get("publishTime")),
        body_extracted=html_to_text(pos.get("jobDesc") or pos.get("jobDescPC")),
        company_name_extracted=clean(comp.get("companyName") or pos.get("companyName")),
        company_information_extracted=clean(comp.get("companyDescription")),
        # Zhilian's own occupation label (运维支持); the list API calls it subJobTypeLevelName
        board_occupation=clean(pos.get("jobTypeLevelName") or pos.get("subJobTypeLevelName")),
    )
    return rec


def listing_zhaopin(tree: LexborHTMLParser, url: str) -> Listing | None:
    tables = tree.css("table.newlist")
    if not tables:
        return None
    out = Listing()
    for tb in tables:
        a = tb.css_first("td.zwmc a")
        if a is None or not a.attributes.get("href"):
            continue
        rec = empty_record(_join(url, a.attributes["href"], keep_bad=True), "zhaopin")
        details = {}
        for sp in tb.css("li.newlist_deatil_two span"):
            k, _, v = (_t(sp) or "").partition("：")
            details[k] = clean(v)
        rec.update(
            title_extracted=clean(a.text(deep=False)) or _t(a),
            company_name_extracted=_t(tb.css_first("td.gsmc a")),
            salary_extracted=_t(tb.css_first("td.zwyx")),
            location_extracted=_t(tb.css_first("td.gzdd")),
            desired_experience_extracted=details.get("经验"),
            desired_education_extracted=details.get("学历"),
            body_extracted=_t(tb.css_first("li.newlist_deatil_last")),
        )
        out.add(rec)
    out.next_urls = [u for a in tree.css("a.next-page") if (u := _join(url, a.attributes.get("href")))]
    return out


# ---------------------------------------------------------------- Lagou (detail unverified on a real page)


def parse_lagou(tree: LexborHTMLParser, url: str) -> dict | None:
    name = _first(tree, "div.job-name h1.name", "div.job-name span.name", "h1.name")
    if name is None:
        return None
    rec = empty_record(url or _canonical(tree), "lagou")
    rec["title_extracted"] = _t(name)
    rec["company_name_extracted"] = _t(_first(tree, "h3.fl em.fl-cn", "div.job-name h4.company", "div.job_company img.b2")) or _a(tree.css_first("div.job_company img"), "alt")
    req = [s.strip(" /") for s in (_t(n) for n in tree.css("dd.job_request h3 span, dd.job_request p span")) if s]
    req = [s for s in req if s]
    if req:
        rec["salary_extracted"] = req[0]
        if len(req) > 1:
            rec["location_extracted"] = req[1]
        parts = split_slots(req[2:])
        rec["desired_experience_extracted"] = parts["experience"]
        rec["desired_education_extracted"] = parts["education"]
    desc = _first(tree, "dd.job_bt div.job-detail", "dd.job_bt")
    rec["body_extracted"] = html_to_text(desc.inner_html) if desc is not None else None
    rec["release_date_extracted"] = _t(tree.css_first("p.publish_time"))
    return rec


def listing_lagou(tree: LexborHTMLParser, url: str) -> Listing | None:
    items = tree.css("li.con_list_item")
    if not items:
        return None
    out = Listing()
    for li in items:
        a = li.css_first("a.position_link")
        if a is None or not a.attributes.get("href"):
            continue
        rec = empty_record(_join(url, a.attributes["href"], keep_bad=True), "lagou")
        bot = li.css_first("div.p_bot div.li_b_l")
        req = None
        if bot is not None:
            req = clean(bot.text(deep=False))
        exp = edu = None
        if req:
            left, _, right = req.partition("/")
            exp = clean(left.removeprefix("经验"))
            edu = clean(right)
        rec.update(
            title_extracted=clean(li.attributes.get("data-positionname")) or _t(a.css_first("h3")),
            company_name_extracted=clean(li.attributes.get("data-company")),
            salary_extracted=clean(li.attributes.get("data-salary")) or _t(li.css_first("span.money")),
            location_extracted=_t(a.css_first("span.add em")),
            desired_experience_extracted=exp,
            desired_education_extracted=edu,
            release_date_extracted=_t(li.css_first("span.format-time")),
            company_information_extracted=_t(li.css_first("div.industry")),
        )
        out.add(rec)
    return out


# ---------------------------------------------------------------- JSON-LD JobPosting (LinkedIn, CJOL)


_JSONLD_MAX = 20


def _jsonld_posting(tree: LexborHTMLParser) -> dict | None:
    # A page carries one or two JSON-LD blocks; thousands are hostile, the first few are enough.
    for sc in tree.css('script[type="application/ld+json"]')[:_JSONLD_MAX]:
        data = loads_json(sc.text(deep=True) or "")
        if data is None:
            continue
        for obj in data if isinstance(data, list) else [data]:
            if isinstance(obj, dict) and obj.get("@type") == "JobPosting":
                return obj
    return None


def _from_jsonld(job: dict, rec: dict) -> dict:
    org = job.get("hiringOrganization") or {}
    loc = job.get("jobLocation") or {}
    if isinstance(loc, list):
        loc = loc[0] if loc else {}
    addr = (loc.get("address") if isinstance(loc, dict) else None) or {}
    place = None
    if isinstance(addr, dict):
        place = "-".join(x for x in (clean(addr.get("addressLocality")), clean(addr.get("addressRegion"))) if x) or None
    sal = job.get("baseSalary")
    salary = None
    if isinstance(sal, dict) and isinstance(sal.get("value"), dict):
        v = sal["value"]
        lo, hi, unit = v.get("minValue"), v.get("maxValue"), v.get("unitText")
        salary = "-".join(str(x) for x in (lo, hi) if x is not None) + (f"/{unit}" if unit else "") or None
    rec.update(
        title_extracted=clean(job.get("title")),
        company_name_extracted=clean(org.get("name") if isinstance(org, dict) else org),
        location_extracted=place,
        release_date_extracted=clean(job.get("datePosted")),
        body_extracted=html_to_text(job.get("description")),
        salary_extracted=salary,
        desired_education_extracted=clean(str(job["educationRequirements"])) if job.get("educationRequirements") else None,
        desired_experience_extracted=clean(str(job["experienceRequirements"])) if job.get("experienceRequirements") else None,
    )
    return rec


def parse_linkedin(tree: LexborHTMLParser, url: str) -> dict | None:
    rec = empty_record(url or _canonical(tree), "linkedin")
    job = _jsonld_posting(tree)
    if job is not None:
        _from_jsonld(job, rec)
    # Guest job view (top card); fills what JSON-LD lacks.
    title = _first(tree, "h1.top-card-layout__title", "h1.topcard__title")
    if title is None and job is None:
        return None
    rec["title_extracted"] = rec["title_extracted"] or _t(title)
    rec["company_name_extracted"] = rec["company_name_extracted"] or _t(_first(tree, "a.topcard__org-name-link", "span.topcard__flavor"))
    rec["location_extracted"] = rec["location_extracted"] or _t(tree.css_first("span.topcard__flavor--bullet"))
    rec["release_date_extracted"] = rec["release_date_extracted"] or _t(tree.css_first("span.posted-time-ago__text"))
    if rec["body_extracted"] is None and (d := _first(tree, "div.show-more-less-html__markup", "div.description__text")) is not None:
        rec["body_extracted"] = html_to_text(d.inner_html)
    for li in tree.css("li.description__job-criteria-item"):
        head, val = _t(li.css_first("h3")) or "", _t(li.css_first("span"))
        if "Seniority" in head or "经验" in head or "职位级别" in head:
            rec["desired_experience_extracted"] = rec["desired_experience_extracted"] or val
    return rec


_LINKEDIN_VIEW = re.compile(r"^(https?://[^/?#]*linkedin\.c(?:om|n)/jobs/view/[^?#]+)")


def listing_linkedin(tree: LexborHTMLParser, url: str) -> Listing | None:
    """The guest job-search fragment (`<li>` cards of jobs-guest/jobs/api/seeMoreJobPostings) or a full
    guest search page: each card's `a.base-card__full-link` leads to /jobs/view/<slug>-<id>."""
    cards = tree.css("div.base-card, div.base-search-card, div.job-search-card")
    links = tree.css("a.base-card__full-link")
    if not cards and not links:
        return None
    out = Listing()
    for card in cards or links:
        a = card if card.tag == "a" else card.css_first("a.base-card__full-link")
        href = a.attributes.get("href") if a is not None else None
        if not href:
            continue
        # The tail (?position=&pageNum=&refId=&trackingId=) changes on every request: one URL per job.
        m = _LINKEDIN_VIEW.match(_join(url, href) or "")
        if m is None:
            continue
        rec = empty_record(m.group(1), "linkedin")
        tm = card.css_first("time")
        rec.update(
            title_extracted=_t(card.css_first("h3.base-search-card__title")) or _t(a),
            company_name_extracted=_t(card.css_first("h4.base-search-card__subtitle")),
            location_extracted=_t(card.css_first("span.job-search-card__location")),
            release_date_extracted=_a(tm, "datetime") or _t(tm),
        )
        out.add(rec)
    return out


def parse_cjol(tree: LexborHTMLParser, url: str) -> dict | None:
    rec = empty_record(url or _canonical(tree), "cjol")
    job = _jsonld_posting(tree)
    if job is not None:
        return _from_jsonld(job, rec)
    title = _first(tree, "div.jobdetail_title h1", "div.job-title h1", "div.jobinfo h1", "h1")
    desc = None
    for h in tree.css("h2, h3, h4, div.title, span.title"):
        if "职位描述" in (_t(h) or "") or "岗位职责" in (_t(h) or ""):
            desc = h.next
            while desc is not None and not desc.is_element_node:
                desc = desc.next
            break
    if title is None or desc is None:
        return None
    rec["title_extracted"] = _t(title)
    rec["body_extracted"] = html_to_text(desc.html)
    rec["company_name_extracted"] = _t(_first(tree, "div.jobdetail_company a", "div.company-name a", "a.company_name", "div.company h2"))
    items = [s for s in (_t(n) for n in tree.css(".jobdetail_info li, ul.job-info li")) if s]
    info = " ".join(items)
    places = [s for s in items if re.fullmatch(r"[\u4e00-\u9fff]{2,}(?:-[\u4e00-\u9fff]{2,})?", s) and classify_slot(s) is None]
    rec["location_extracted"] = places[0] if places else None
    m = re.search(r"(\d+(?:\.\d+)?[kK万千]?\s*[-~]\s*\d+(?:\.\d+)?[kK万千元]*(?:/月)?|面议)", info)
    rec["salary_extracted"] = m.group(1) if m else None
    parts = split_slots(info.split())
    rec["desired_experience_extracted"] = parts["experience"]
    rec["desired_education_extracted"] = parts["education"]
    return rec


# ---------------------------------------------------------------- listing container


@dataclass
class Listing:
    """What a listing or search page yields: detail URLs, the fields it embeds, and further pages."""

    detail_urls: list[str] = field(default_factory=list)
    postings: list[dict] = field(default_factory=list)
    next_urls: list[str] = field(default_factory=list)
    last_page: bool = False  # the page says it is the last one (no next page to derive)

    def add(self, rec: dict) -> None:
        self.postings.append(rec)
        self.add_url(rec["url_extracted"])

    def add_url(self, u: str | None) -> None:
        if u and u not in self.detail_urls:
            self.detail_urls.append(u)
