"""parse_page / parse_listing on the real saved pages in shared/data/html_samples (read at run time)."""

from __future__ import annotations

import pytest

from cjd_assets.harvest import PageParseError, classify_slot, decode_html, detect_board, parse_listing, parse_page
from cjd_assets.schema import EXTRACTED_COLUMNS

# file, URL, title, company, salary, location, experience, education, release date, body start
DETAIL_PAGES = [
    (
        "51job/wzl1368611_51job_flask__detail_121597465.html",
        "https://jobs.51job.com/nanjing/121597465.html?s=01&t=0",
        "Python开发工程师（南京）", "深圳航天科创实业有限公司", "0.8-1万/月", "南京",
        None, "本科", "06-30发布", "岗位要求：\n1、主要负责公司算法平台的开发工作；",
    ),
    (
        "51job/wzl1368611_51job_flask__detail_122802043.html",
        "https://jobs.51job.com/shanghai-mhq/122802043.html",
        "Python软件研发经理", "聚时科技（上海）有限公司", "2.5-4万/月", "上海-闵行区",
        "8-9年经验", "本科", "06-29发布", "工作职责：\n1、负责软件产品核心模块的设计开发工作",
    ),
    (
        "liepin/addseq_python_datascience__liepin_job_detail.html",
        "https://www.liepin.com/job/21411028969.shtml",
        "房地产投资/策划", "四川三申集团有限公司", "7-9万", "成都-高新区",
        "无工作经验", "学历不限", "2018年08月30日", "一、岗位职责：\n1.负责房地产项目前期的市场调研",
    ),
    (
        "liepin/MarshBear_boss_data__liepin_a_38806387.html",
        "https://www.liepin.com/a/38806387.shtml",
        # Headhunter job: the board's anonymised employer, never the agency (福州海迈…) nor a recommended job's company.
        "游戏UI设计师", "某厦门游戏产业上市公司", "15-30k·13薪", "厦门-思明区",
        "1-3年", "大专及以上", None, "岗位职责：\n1、理解并核对策划需求，完成交互设计概念；",
    ),
    (
        "zhipin/MarshBear_boss_data__job_detail_test.html",
        "https://www.zhipin.com/job_detail/80ad4bc27a5982f71nR909q-ElVR.html",
        "测试开发工程师", "新华三技术有限公司", "15-25K·16薪", "杭州",
        "3-5年", "本科", None, "1、根据产品功能及用户需求，输出产品自动化测试方案",
    ),
    (
        "zhipin/Eternal60f3_Dcrawler__job_detail_b633e4f.html",
        "https://www.zhipin.com/job_detail/58f21d062570ae251nF63dq_GVFV.html",
        "高级嵌入式软件工程师", "南京新联电子股份有限公司", "17-30K·13薪", "南京",
        "3-5年", "本科", "2025-05-05", "工作技能/工作经验\n1、全日制统招一本及以上学历",
    ),
    (
        "zhipin/Eternal60f3_Dcrawler__job_detail_3f81cdc.html",
        "https://www.zhipin.com/job_detail/4d1d046f6b9374291nV52dS0GVBY.html",
        "AutoCAD开发工程师（北京）", "基准方中建筑设计股份有限公司", "25-50K·14薪", "北京",
        "5-10年", "本科", "2025-05-05", "工作职责：\n1.负责8000人+大型企业的常用CAD软件",
    ),
    (
        # Visitor view: salary masked by an SVG (no value), decoy spans planted in the description.
        "zhipin/vibed-this_bosszhipin-auto__1_spa_list_detail.html",
        "https://www.zhipin.com/web/geek/jobs?city=101010100",
        "北京连锁店招聘：营业员兼收银导购新手即可", "山东灶十三企业管理", None, "北京",
        "经验不限", "学历不限", None, "接受无店员经验\n1.熟悉产品知识，负责开展店内的新品活动\n2、负责销售、收银、现金整理;",
    ),
    (
        "zhaopin/MarshBear_boss_data__tmp.json",
        "http://jobs.zhaopin.com/CC518748220J40309362412.htm",
        "驻场运维工程师", "北京卓华信息技术股份有限公司", "3千-6千", "北京-朝阳区",
        "无经验", "大专", "2022-07-12 10:11:27", "为用户提供驻场运维服务，驻场地点为北京市朝阳区轨道安保中心",
    ),
]


@pytest.mark.parametrize("case", DETAIL_PAGES, ids=[c[0].split("/")[-1] for c in DETAIL_PAGES])
def test_detail_page_fields(html_samples, case):
    name, url, title, company, salary, location, exp, edu, released, body_start = case
    rec = parse_page((html_samples / name).read_bytes(), url)
    assert tuple(rec) == EXTRACTED_COLUMNS
    assert rec["title_extracted"] == title
    assert rec["company_name_extracted"] == company
    assert rec["salary_extracted"] == salary
    assert rec["location_extracted"] == location
    assert rec["desired_experience_extracted"] == exp
    assert rec["desired_education_extracted"] == edu
    assert rec["release_date_extracted"] == released
    assert rec["body_extracted"].startswith(body_start)
    assert rec["source"] == detect_board(url)


def test_51job_detail_body_stops_before_function_tags(html_samples):
    rec = parse_page((html_samples / DETAIL_PAGES[0][0]).read_bytes(), DETAIL_PAGES[0][1])
    assert rec["body_extracted"].endswith("6.员工享有生日祝礼、节日贺礼、婚礼祝贺、生育慰问等。")
    assert "职能类别" not in rec["body_extracted"] and "微信分享" not in rec["body_extracted"]
    assert rec["company_information_extracted"].startswith("国企 | 航天/航空\n深圳航天科创实业有限公司，隶属于")


def test_boss_decoys_are_stripped(html_samples):
    rec = parse_page((html_samples / DETAIL_PAGES[7][0]).read_bytes(), DETAIL_PAGES[7][1])
    body = rec["body_extracted"]
    assert "kanzhun" not in body and "BOSS直聘" not in body and "直聘" not in body
    assert rec["url_extracted"] == "https://www.zhipin.com/job_detail/6f7383f1c30b1a3803J42ty5EFFS.html"


def test_headhunter_agency_is_not_the_employer(html_samples):
    rec = parse_page((html_samples / DETAIL_PAGES[3][0]).read_bytes(), DETAIL_PAGES[3][1])
    assert "海迈" not in (rec["company_name_extracted"] or "")


NON_POSTINGS = [
    ("zhaopin/MarshBear_boss_data__zhilian_captcha.html", "https://jobs.zhaopin.com/CC518748220J40309362412.htm", "challenge_page"),
    ("51job/LwithD_51Job_Spider__51job.html", "https://search.51job.com/list/000000,000000,0000,00,9,99,+,2,1.html", "listing_page"),
    ("51job/S180231891_PaChong__51job.html", "https://search.51job.com/list/000000,000000,0000,00,9,99,x,2,1.html", "listing_page"),
    ("51job/vition_phpider__search_list_2018.html", "https://search.51job.com/list/030200,000000,0000,00,9,99,PHP,2,1.html", "listing_page"),
    ("51job/zperfet_job51Crawler__m51job_joblist_2017.html", "http://m.51job.com/search/joblist.php?jobarea=150700", "listing_page"),
    ("51job/zperfet_job51Crawler__m51job_joblist_ajax_2017.json", "http://m.51job.com/ajax/search/joblist.ajax.php?pageno=3", "listing_page"),
    ("51job/LwithD_51Job_Spider__51job.__SEARCH_RESULT__.json", "https://search.51job.com/list/000000,000000,0000,00,9,99,+,2,1.html", "listing_page"),
    ("liepin/addseq_python_datascience__liepin_job.html", "https://www.liepin.com/zhaopin/", "listing_page"),
    ("liepin/addseq_python_datascience__liepin_company_detail.html", "https://www.liepin.com/company/gs29586111/", "listing_page"),
    ("lagou/Sweltering_lxml_xpath__lagou.html", "https://www.lagou.com/zhaopin/Python/", "listing_page"),
    ("zhaopin/huihenghuang_look_job-zhilian__sou_search_list_2018.html", "http://sou.zhaopin.com/jobs/searchresult.ashx?kw=Python", "listing_page"),
]


@pytest.mark.parametrize("name,url,reason", NON_POSTINGS, ids=[n.split("/")[-1] for n, _, _ in NON_POSTINGS])
def test_non_posting_pages_raise_with_reason(html_samples, name, url, reason):
    with pytest.raises(PageParseError) as err:
        parse_page((html_samples / name).read_bytes(), url)
    assert err.value.reason == reason
    assert str(err.value)


def test_truncated_and_empty_and_foreign(html_samples):
    page = (html_samples / DETAIL_PAGES[1][0]).read_bytes()
    with pytest.raises(PageParseError) as err:
        parse_page(page[: len(page) * 2 // 3], DETAIL_PAGES[1][1])
    assert err.value.reason == "truncated"
    with pytest.raises(PageParseError) as err:
        parse_page(b"   ", DETAIL_PAGES[1][1])
    assert err.value.reason == "empty"
    with pytest.raises(PageParseError) as err:
        parse_page(b"<html><title>x</title></html>", "https://example.org/a.html")
    assert err.value.reason == "unknown_board"


# file, URL, n postings, first title, first company, first salary, first location, first exp, first edu, n next pages
LISTINGS = [
    ("51job/LwithD_51Job_Spider__51job.html", "https://search.51job.com/list/000000,000000,0000,01%252C40,9,99,+,2,1.html",
     50, "Java开发工程师", "源资信息科技（上海）有限公司", "1-2万/月", "上海", "在校生/应届生", "本科", 1),
    ("51job/S180231891_PaChong__51job.html", "https://search.51job.com/list/000000,000000,0000,00,9,99,x,2,1.html",
     50, "数据分析专员(J23427)", "南京新东方学校", "7-9千/月", "南京-玄武区", "1年经验", "本科", 1),
    ("51job/vition_phpider__search_list_2018.html", "https://search.51job.com/list/030200,000000,0000,00,9,99,PHP,2,1.html",
     50, "急聘PHP开发工程师+五险", "广州智联天下网络科技有限公司", "6-8.8千/月", "广州-荔湾区", None, None, 1),
    ("51job/zperfet_job51Crawler__m51job_joblist_2017.html", "http://m.51job.com/search/joblist.php?jobarea=150700",
     30, "高薪诚聘网络销售 轻松简单", "阜阳乾嘉商贸有限公司", "6-8千/月", "阜阳", None, None, 0),
    ("51job/zperfet_job51Crawler__m51job_joblist_ajax_2017.json", "http://m.51job.com/ajax/search/joblist.ajax.php?pageno=3",
     30, "渠道销售专员", "无锡盛飞同创商贸有限公司", "6-8千/月", "无锡", None, None, 0),
    ("liepin/addseq_python_datascience__liepin_job.html", "https://www.liepin.com/zhaopin/",
     40, "房地产投资/策划", "四川三申集团有限公司", "7-9万", "成都-高新区", "无工作经验工作经验", "学历不限", 1),
    ("lagou/Sweltering_lxml_xpath__lagou.html", "https://www.lagou.com/zhaopin/Python/",
     15, "大数据平台开发工程师 Java/Python", "生命奇点", "10k-20k", "海淀区", "应届毕业生", "本科", 0),
    ("zhaopin/huihenghuang_look_job-zhilian__sou_search_list_2018.html", "http://sou.zhaopin.com/jobs/searchresult.ashx?kw=Python",
     60, "php工程师/php程序员/php", "皇室科技有限公司", "15000-25000", "上海", "3-5年", "不限", 1),
    ("zhipin/vibed-this_bosszhipin-auto__1_spa_list_detail.html", "https://www.zhipin.com/web/geek/jobs?city=101010100",
     15, "北京连锁店招聘：营业员兼收银导购新手即可", "山东灶十三企业管理", None, "北京·朝阳区·望京", "经验不限", "学历不限", 0),
]


@pytest.mark.parametrize("case", LISTINGS, ids=[c[0].split("/")[-1] for c in LISTINGS])
def test_listing_pages(html_samples, case):
    name, url, n, title, company, salary, location, exp, edu, n_next = case
    listing = parse_listing((html_samples / name).read_bytes(), url)
    assert len(listing.postings) == n
    assert len(listing.detail_urls) == n
    assert len(listing.next_urls) == n_next
    first = listing.postings[0]
    assert (first["title_extracted"], first["company_name_extracted"], first["salary_extracted"]) == (title, company, salary)
    assert (first["location_extracted"], first["desired_experience_extracted"], first["desired_education_extracted"]) == (location, exp, edu)
    assert all(detect_board(u) == first["source"] for u in listing.detail_urls)


def test_51job_search_json_matches_extracted_json(html_samples):
    import json

    listing = parse_listing((html_samples / LISTINGS[0][0]).read_bytes(), LISTINGS[0][1])
    data = json.loads((html_samples / "51job/LwithD_51Job_Spider__51job.__SEARCH_RESULT__.json").read_text("utf-8"))
    assert [p["url_extracted"] for p in listing.postings] == [j["job_href"] for j in data["engine_search_result"]]
    assert listing.next_urls == ["https://search.51job.com/list/000000,000000,0000,01%252C40,9,99,+,2,2.html"]
    # The extracted JSON file alone gives the same rows as the page it was cut from.
    for name in ("LwithD_51Job_Spider__51job", "S180231891_PaChong__51job"):
        page = parse_listing((html_samples / f"51job/{name}.html").read_bytes(), LISTINGS[0][1])
        alone = parse_listing((html_samples / f"51job/{name}.__SEARCH_RESULT__.json").read_bytes(), LISTINGS[0][1])
        assert alone.postings == page.postings and len(alone.postings) == 50


def test_liepin_company_page_links_its_postings(html_samples):
    listing = parse_listing((html_samples / "liepin/addseq_python_datascience__liepin_company_detail.html").read_bytes(), "https://www.liepin.com/company/gs29586111/")
    assert len(listing.detail_urls) == 11
    assert listing.detail_urls[0] == "https://www.liepin.com/job/21411028969.shtml"


def test_slots_are_split_by_meaning():
    assert classify_slot("招2人") == "headcount"
    assert classify_slot("06-30发布") == "release"
    assert classify_slot("本科") == "education"
    assert classify_slot("8-9年经验") == "experience"
    assert classify_slot("在校生/应届生") == "experience"
    assert classify_slot("软件工程") is None


def test_decode_gbk_from_header_meta_and_detection(html_samples):
    raw = (html_samples / DETAIL_PAGES[0][0]).read_bytes()
    text, enc = decode_html(raw, "text/html; charset=gbk")
    assert enc == "gb18030" and "深圳航天科创实业有限公司" in text
    text, enc = decode_html(raw)  # meta tag says gbk
    assert enc == "gb18030" and "深圳航天科创实业有限公司" in text
    # A wrong header (utf-8) must not yield mojibake: strict decoding rejects it and the meta wins.
    text, enc = decode_html(raw, "text/html; charset=utf-8")
    assert enc == "gb18030" and "\ufffd" not in text
    # The reverse: a UTF-8 page mislabelled GBK (header and meta) is not turned into mojibake.
    liepin = (html_samples / DETAIL_PAGES[2][0]).read_bytes()
    text, enc = decode_html(liepin.replace(b"charset=utf-8", b"charset=gbk"), "text/html; charset=GBK")
    assert enc == "utf-8" and "四川三申集团有限公司" in text
    undeclared = "<html><body>招聘 Python开发工程师 上海 本科</body></html>".encode("gbk")
    text, enc = decode_html(undeclared)
    assert "Python开发工程师" in text and enc == "gb18030"
    bom = b"\xef\xbb\xbf" + "<p>猎聘</p>".encode()
    assert decode_html(bom) == ("<p>猎聘</p>", "utf-8")


def test_detect_board():
    assert detect_board("http://jobs.51job.com/shanghai/123456.html?s=01&t=0") == "51job"
    assert detect_board("https://m.51job.com/search/jobdetail.php?jobid=1") == "51job"
    assert detect_board("https://www.zhipin.com/job_detail/x.html") == "boss"
    assert detect_board("http://jobs.zhaopin.com/CC1.htm") == "zhaopin"
    assert detect_board("https://www.liepin.com/a/1.shtml") == "liepin"
    assert detect_board("https://www.cjol.com/jobs/job-1") == "cjol"
    assert detect_board("https://www.linkedin.cn/jobs/view/1") == "linkedin"
    assert detect_board("https://www.lagou.com/jobs/1.html") == "lagou"
    assert detect_board("https://example.org/51job.com") is None


# ---------------------------------------------------------------- partial records, hostile pages


def test_boss_logged_out_preview_pane_is_marked_partial(html_samples):
    """The real 2026 logged-out search page: its pane is kept, flagged partial, pointing at the detail page."""
    from cjd_assets.harvest import parse_pages, raw_pages_frame
    from cjd_assets.harvest.raw import compress, CODEC

    def page(name, url):
        return {"page_id": name, "harvest_id": "h", "url": url, "board": "boss", "page_kind": "detail",
                "http_status": 200, "content": compress((html_samples / name).read_bytes()), "content_codec": CODEC,
                "crawl_state": "fetched"}

    pages = raw_pages_frame([page(DETAIL_PAGES[7][0], DETAIL_PAGES[7][1]), page(DETAIL_PAGES[5][0], DETAIL_PAGES[5][1])])
    postings, quarantine = parse_pages(pages)
    assert quarantine.height == 0
    flags = dict(zip(postings["page_id"], postings["is_partial"]))
    assert flags == {DETAIL_PAGES[7][0]: True, DETAIL_PAGES[5][0]: False}  # the full detail page is not partial
    pane = postings.filter(postings["is_partial"]).row(0, named=True)
    assert pane["url_extracted"] == "https://www.zhipin.com/job_detail/6f7383f1c30b1a3803J42ty5EFFS.html"
    assert pane["salary_extracted"] is None  # masked for visitors


NESTED = "[" * 1000 + "]" * 1000
HOSTILE_JSON = [  # JSON nested 1,000 deep in each place a parser reads JSON
    ("json_document", NESTED, "https://jobs.zhaopin.com/CC123.htm"),
    ("51job_search_result", f'<html><script>window.__SEARCH_RESULT__ = {{"engine_search_result": {NESTED}}}</script></html>',
     "https://search.51job.com/list/000000,000000,0000,00,9,99,+,2,1.html"),
    ("zhaopin_state", f'<html><script>__INITIAL_STATE__ = {{"jobInfo": {NESTED}}}</script></html>', "https://jobs.zhaopin.com/CC123.htm"),
    ("liepin_config", f'<html><section class="job-apply-container"></section><script>var $CONFIG = {{"a": {NESTED}}};</script></html>',
     "https://www.liepin.com/job/123.shtml"),
    ("json_ld", f'<html><script type="application/ld+json">{NESTED}</script><h1 class="top-card-layout__title">x</h1></html>',
     "https://www.linkedin.com/jobs/view/123"),
]


@pytest.mark.parametrize("name,html,url", HOSTILE_JSON, ids=[c[0] for c in HOSTILE_JSON])
def test_nested_json_never_raises_recursion_error(name, html, url):
    for parse in (parse_page, parse_listing):
        try:
            parse(html.encode(), url)
        except PageParseError as e:  # a reason, never RecursionError
            assert e.reason


class _Guard:
    """Fails a test that hangs (the quadratic patterns took 30-70 s); not a timing assertion."""

    def __init__(self, seconds: int) -> None:
        self.seconds = seconds

    def __enter__(self):
        import signal

        def boom(*_):
            raise AssertionError(f"parse took more than {self.seconds} s")

        self.old = signal.signal(signal.SIGALRM, boom)
        signal.alarm(self.seconds)

    def __exit__(self, *exc):
        import signal

        signal.alarm(0)
        signal.signal(signal.SIGALRM, self.old)


def test_hostile_pages_parse_in_bounded_time():
    from cjd_assets.demo.board import hostile_page

    with _Guard(20):
        with pytest.raises(PageParseError) as err:
            parse_page(hostile_page("jobinfo"), "https://www.zhipin.com/job_detail/abc.html")
        assert err.value.reason == "no_body"
        with pytest.raises(PageParseError) as err:
            parse_page(hostile_page("jsonld"), "https://www.linkedin.com/jobs/view/123")
        assert err.value.reason == "no_body"
        with pytest.raises(PageParseError) as err:
            parse_page(hostile_page("divs"), "https://www.liepin.com/job/123.shtml")
        assert err.value.reason == "too_deep"
        # An unclosed <script> or `<` run in a description is still one linear pass.
        from cjd_assets.harvest import html_to_text

        assert html_to_text("<p>职位</p>" + "<script>x" * 20000) == "职位"
        assert html_to_text("a" + "<div" * 50000) == "a" + "<div" * 50000


def test_one_bad_page_is_quarantined_alone(html_samples, monkeypatch):
    from cjd_assets.harvest import boards, parse_pages, raw_pages_frame
    from cjd_assets.harvest.raw import compress, CODEC

    good = (html_samples / DETAIL_PAGES[0][0]).read_bytes()
    rows = [
        {"page_id": "good", "url": DETAIL_PAGES[0][1], "content": good},
        {"page_id": "nested", "url": "https://jobs.zhaopin.com/CC123.htm", "content": NESTED.encode()},
        {"page_id": "boom", "url": "https://jobs.51job.com/shanghai/999.html", "content": good},
    ]
    pages = raw_pages_frame([{**r, "harvest_id": "h", "board": None, "page_kind": "detail", "http_status": 200,
                              "content": compress(r["content"]), "content_codec": CODEC, "crawl_state": "fetched"} for r in rows])
    real = boards.parse_51job

    def crashes_on_one(tree, url):  # an adapter bug that only one page triggers
        if url.endswith("/999.html"):
            raise IndexError("list index out of range")
        return real(tree, url)

    monkeypatch.setattr(boards, "parse_51job", crashes_on_one)
    postings, quarantine = parse_pages(pages)
    assert postings["page_id"].to_list() == ["good"]
    assert dict(zip(quarantine["page_id"], quarantine["reason"])) == {"nested": "too_deep", "boom": "parser_error"}
    assert "IndexError" in quarantine.filter(quarantine["page_id"] == "boom")["detail"][0]
