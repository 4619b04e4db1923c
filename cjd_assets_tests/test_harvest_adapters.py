"""Adapters with no real page to prove them on (LinkedIn China, CJOL, Lagou and Zhaopin detail pages):
built from the boards' public structure, tested on markup written here, unverified on real pages."""

from __future__ import annotations

import json

import pytest

from cjd_assets.harvest import PageParseError, parse_listing, parse_page, url_page_kind

JOB_LD = {
    "@context": "http://schema.org",
    "@type": "JobPosting",
    "title": "机器学习工程师",
    "datePosted": "2021-03-02",
    "description": "<p>岗位职责：</p><p>1、负责推荐算法的研发；<br>2、优化模型效果。</p>",
    "hiringOrganization": {"@type": "Organization", "name": "上海某科技有限公司"},
    "jobLocation": {"@type": "Place", "address": {"@type": "PostalAddress", "addressLocality": "上海", "addressRegion": "浦东新区"}},
    "baseSalary": {"@type": "MonetaryAmount", "currency": "CNY", "value": {"@type": "QuantitativeValue", "minValue": 20000, "maxValue": 35000, "unitText": "MONTH"}},
    "educationRequirements": "本科",
}


def _page(body: str, head: str = "") -> bytes:
    return f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>t</title>{head}</head><body>{body}</body></html>".encode()


def test_linkedin_guest_job_view_top_card():
    html = _page(
        """<section class="top-card-layout"><h1 class="top-card-layout__title topcard__title">Machine Learning Engineer</h1>
        <h4><span class="topcard__flavor"><a class="topcard__org-name-link topcard__flavor--black-link" href="#">ByteDance</a></span>
        <span class="topcard__flavor topcard__flavor--bullet">Shanghai, China</span></h4>
        <span class="posted-time-ago__text topcard__flavor--metadata">2 weeks ago</span></section>
        <div class="description__text"><div class="show-more-less-html__markup">Build <strong>ranking</strong> models.<br>PyTorch required.</div></div>
        <ul class="description__job-criteria-list"><li class="description__job-criteria-item"><h3>Seniority level</h3><span>Mid-Senior level</span></li></ul>"""
    )
    rec = parse_page(html, "https://www.linkedin.cn/jobs/view/machine-learning-engineer-at-bytedance-2473059371")
    assert rec["source"] == "linkedin"
    assert (rec["title_extracted"], rec["company_name_extracted"], rec["location_extracted"]) == ("Machine Learning Engineer", "ByteDance", "Shanghai, China")
    assert rec["body_extracted"] == "Build ranking models.\nPyTorch required."
    assert rec["release_date_extracted"] == "2 weeks ago"
    assert rec["desired_experience_extracted"] == "Mid-Senior level"


@pytest.mark.parametrize("url", ["https://www.linkedin.cn/jobs/view/2473059371", "https://www.cjol.com/jobs/job-8012345"])
def test_json_ld_job_posting(url):
    html = _page("<div>页面</div>", head=f'<script type="application/ld+json">{json.dumps(JOB_LD, ensure_ascii=False)}</script>')
    rec = parse_page(html, url)
    assert rec["title_extracted"] == "机器学习工程师"
    assert rec["company_name_extracted"] == "上海某科技有限公司"
    assert rec["location_extracted"] == "上海-浦东新区"
    assert rec["salary_extracted"] == "20000-35000/MONTH"
    assert rec["release_date_extracted"] == "2021-03-02"
    assert rec["desired_education_extracted"] == "本科"
    assert rec["body_extracted"] == "岗位职责：\n1、负责推荐算法的研发；\n2、优化模型效果。"


def test_cjol_page_without_json_ld():
    html = _page(
        """<div class="jobdetail_title"><h1>数据分析师</h1></div>
        <div class="jobdetail_company"><a href="/company/1">深圳某数据有限公司</a></div>
        <ul class="jobdetail_info"><li>8-12K</li><li>深圳-南山区</li><li>3-5年</li><li>本科</li></ul>
        <h3>职位描述</h3><div class="coninfo">1、搭建指标体系；<br>2、撰写分析报告。</div>"""
    )
    rec = parse_page(html, "https://www.cjol.com/jobs/job-8012345")
    assert (rec["title_extracted"], rec["company_name_extracted"], rec["salary_extracted"]) == ("数据分析师", "深圳某数据有限公司", "8-12K")
    assert (rec["desired_experience_extracted"], rec["desired_education_extracted"]) == ("3-5年", "本科")
    assert rec["location_extracted"] == "深圳-南山区"
    assert rec["body_extracted"] == "1、搭建指标体系；\n2、撰写分析报告。"


def test_lagou_detail_page():
    html = _page(
        """<div class="position-head"><div class="job-name" title="算法工程师"><h4 class="company">某智能科技招聘</h4><h1 class="name">算法工程师</h1></div>
        <dd class="job_request"><h3><span class="salary">25k-40k </span><span>/北京 /</span><span>经验3-5年 /</span><span>本科及以上 /</span><span>全职</span></h3></dd>
        <p class="publish_time">1天前&nbsp; 发布于拉勾网</p></div>
        <dl class="job_detail"><dd class="job_bt"><div class="job-detail">职位描述：<br>负责CV算法研发。</div></dd></dl>"""
    )
    rec = parse_page(html, "https://www.lagou.com/jobs/5029800.html")
    assert (rec["title_extracted"], rec["salary_extracted"], rec["location_extracted"]) == ("算法工程师", "25k-40k", "北京")
    assert (rec["desired_experience_extracted"], rec["desired_education_extracted"]) == ("经验3-5年", "本科及以上")
    assert rec["body_extracted"] == "职位描述：\n负责CV算法研发。"


def test_zhaopin_html_page_with_initial_state():
    state = {"jobInfo": {"jobDetail": {"detailedPosition": {"positionName": "NLP工程师", "salary60": "2万-3万", "positionWorkCity": "杭州",
             "education": "硕士", "positionWorkingExp": "3-5年", "jobDesc": "<div>负责文本分类。</div>"},
             "detailedCompany": {"companyName": "杭州某网络公司"}}}}
    html = _page("<div id='root'></div>", head=f"<script>__INITIAL_STATE__={json.dumps(state, ensure_ascii=False)}</script>")
    rec = parse_page(html, "https://jobs.zhaopin.com/CC123456789J00123456789.htm")
    assert (rec["title_extracted"], rec["company_name_extracted"], rec["location_extracted"]) == ("NLP工程师", "杭州某网络公司", "杭州")
    assert rec["body_extracted"] == "负责文本分类。"


def test_not_found_and_login_pages_of_any_board():
    with pytest.raises(PageParseError) as err:
        parse_page(b"<html><head><title>404 - \xe9\xa1\xb5\xe9\x9d\xa2\xe4\xb8\x8d\xe5\xad\x98\xe5\x9c\xa8</title></head><body></body></html>", "https://www.lagou.com/jobs/1.html")
    assert err.value.reason == "not_found"
    with pytest.raises(PageParseError) as err:
        parse_page("<html><head><title>登录_猎聘网</title></head><body><form></form></body></html>".encode(), "https://www.liepin.com/job/1.shtml")
    assert err.value.reason == "login_wall"


def test_url_page_kinds():
    assert url_page_kind("http://jobs.51job.com/shanghai/123456.html?s=01&t=0") == "detail"
    assert url_page_kind("http://m.51job.com/search/jobdetail.php?jobid=123") == "detail"
    assert url_page_kind("https://search.51job.com/list/000000,000000,0000,00,9,99,+,2,1.html") == "listing"
    assert url_page_kind("https://www.liepin.com/a/38806387.shtml") == "detail"
    assert url_page_kind("https://www.liepin.com/zhaopin/?curPage=1") == "listing"
    assert url_page_kind("https://www.zhipin.com/job_detail/80ad4bc27a5982f71nR909q-ElVR.html") == "detail"
    assert url_page_kind("https://www.linkedin.cn/jobs/view/2473059371") == "detail"
    assert url_page_kind("https://www.cjol.com/jobs/job-8012345") == "detail"


# ---------------------------------------------------------------- boards as they are in 2026
# No real 2026 LinkedIn fragment or Liepin detail page is in ../shared (see html_samples/INDEX.md): the
# markup below is hand-written from the structure those pages have (class names, URL shapes, where
# the dates sit). The BOSS logged-out pane is tested on the real 2026 page in test_harvest_pages.py.

LINKEDIN_CARD = """<li>
  <div class="base-card relative w-full hover:no-underline base-card--link base-search-card base-search-card--link job-search-card" data-entity-urn="urn:li:jobPosting:{id}">
    <a class="base-card__full-link absolute top-0 right-0 bottom-0 left-0 p-0 z-[2]" href="https://cn.linkedin.com/jobs/view/{slug}-{id}?position={pos}&amp;pageNum=0&amp;refId=Xy%3D%3D&amp;trackingId=Ab%3D%3D">
      <span class="sr-only">{title}</span>
    </a>
    <div class="base-search-card__info">
      <h3 class="base-search-card__title">{title}</h3>
      <h4 class="base-search-card__subtitle"><a class="hidden-nested-link" href="https://cn.linkedin.com/company/x">{company}</a></h4>
      <div class="base-search-card__metadata">
        <span class="job-search-card__location">{place}</span>
        <time class="job-search-card__listdate" datetime="{date}">1 week ago</time>
      </div>
    </div>
  </div>
</li>"""


def test_linkedin_guest_job_search_fragment_is_a_listing():
    cards = [
        dict(id=4012345678, slug="machine-learning-engineer-at-bytedance", pos=1, title="Machine Learning Engineer", company="ByteDance", place="Shanghai, China", date="2026-09-10"),
        dict(id=4012345679, slug="算法工程师-at-阿里巴巴", pos=2, title="算法工程师", company="阿里巴巴", place="杭州", date="2026-09-12"),
    ]
    # The guest API returns bare <li> cards: no <html>, no <head>.
    fragment = "\n".join(LINKEDIN_CARD.format(**c) for c in cards).encode()
    url = "https://www.linkedin.com/jobs-guest/jobs/api/seeMoreJobPostings/search?keywords=AI&location=China&start=25"
    assert url_page_kind(url) == "listing"
    listing = parse_listing(fragment, url)
    assert listing.detail_urls == [
        "https://cn.linkedin.com/jobs/view/machine-learning-engineer-at-bytedance-4012345678",
        "https://cn.linkedin.com/jobs/view/算法工程师-at-阿里巴巴-4012345679",
    ]  # tracking tails dropped: the same job is one URL on every page
    assert all(url_page_kind(u) == "detail" for u in listing.detail_urls)
    first = listing.postings[0]
    assert (first["title_extracted"], first["company_name_extracted"], first["location_extracted"], first["release_date_extracted"]) == (
        "Machine Learning Engineer", "ByteDance", "Shanghai, China", "2026-09-10")
    with pytest.raises(PageParseError) as err:
        parse_page(fragment, url)
    assert err.value.reason == "listing_page"
    # The next page is derived from the offset: start=25 + 2 cards.
    from cjd_assets.harvest.boards import derive_next_page

    assert derive_next_page(url, len(listing.detail_urls)).endswith("&start=27")


LIEPIN_2026 = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>【算法工程师招聘】_某科技招聘信息-猎聘</title>{ld}
<script>var $CONFIG = {{"jobId": "76135965", "jobKind": "2", "compName": "某科技"}};</script></head><body>
<section class="job-apply-container"><div class="job-apply-content">
  <div class="name-box"><span class="name ellipsis-2">算法工程师</span><span class="salary">30-50k·15薪</span></div>
  <div class="job-properties"><span>上海-浦东新区</span><span class="split"></span><span>3-5年</span><span class="split"></span><span>本科</span></div>
  <div class="job-update-time">{updated}</div>
</div></section>
<section class="job-intro-container"><dl class="paragraph"><dt>职位介绍</dt>
<dd data-selector="job-intro-content">岗位职责：
1. 负责大模型训练。</dd></dl></section>
<section class="company-info-container"><div class="name">某科技有限公司</div></section>
</body></html>"""


def test_liepin_current_layout_release_date():
    ld = '<script type="application/ld+json">{"@context": "https://schema.org", "@type": "JobPosting", "title": "算法工程师", "datePosted": "2026-09-17T10:02:11+08:00"}</script>'
    url = "https://www.liepin.com/job/76135965.shtml"
    both = parse_page(LIEPIN_2026.format(ld=ld, updated="9月17日更新").encode(), url)
    assert both["release_date_extracted"] == "2026-09-17T10:02:11+08:00"  # the structured date wins
    assert (both["title_extracted"], both["salary_extracted"], both["company_name_extracted"]) == ("算法工程师", "30-50k·15薪", "某科技有限公司")
    text_only = parse_page(LIEPIN_2026.format(ld="", updated="9月17日更新").encode(), url)
    assert text_only["release_date_extracted"] == "9月17日更新"
    neither = parse_page(LIEPIN_2026.format(ld="", updated="").encode(), url)
    assert neither["release_date_extracted"] is None
