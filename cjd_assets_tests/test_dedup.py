"""Dedup: URL keys on real URLs, the SQL and Python keys in agreement, the primary across harvests."""

from __future__ import annotations

import html
import json
import re
from datetime import datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import duckdb
import polars as pl
import pytest

from cjd_assets import dedup
from cjd_assets.dedup import DEDUP_VERSION, normalize_url

RAW_COLUMNS = {
    "id": pl.String, "page_id": pl.String, "harvest_id": pl.String, "title_extracted": pl.String,
    "body_extracted": pl.String, "company_name_extracted": pl.String, "company_information_extracted": pl.String,
    "release_date_extracted": pl.String, "location_extracted": pl.String, "salary_extracted": pl.String,
    "desired_experience_extracted": pl.String, "desired_education_extracted": pl.String,
    "url_extracted": pl.String, "source": pl.String, "retrieve_date": pl.Datetime("us"),
    "pipeline_version": pl.String,
}

_URL_IN_PAGE = re.compile(
    r"""(?:https?:)?(?://|\\/\\/)[a-zA-Z0-9.-]*(?:51job|liepin|zhaopin|zhipin|lagou)\.com[^"'\s<>)]*"""
)


def _page_urls(html_samples: Path) -> list[str]:
    """Every board URL in the saved pages, relative BOSS/Liepin job links made absolute."""
    urls: set[str] = set()
    for f in sorted(html_samples.rglob("*")):
        if f.suffix not in (".html", ".json"):
            continue
        text = f.read_bytes().decode("utf-8", errors="replace")
        for u in _URL_IN_PAGE.findall(text):
            urls.add(html.unescape(u.replace("\\/", "/")).rstrip("\\"))
        host = {"zhipin": "https://www.zhipin.com", "liepin": "https://www.liepin.com"}.get(f.parent.name)
        if host:
            urls.update(host + h for h in re.findall(r'href="(/(?:job_detail|job|a)/[^"]+)"', text))
    return sorted(urls)


@pytest.fixture(scope="module")
def real_urls(real_postings, html_samples) -> list[str]:
    from_postings = real_postings.filter(pl.col("url") != "")["url"].unique().sort().to_list()
    return sorted(set(from_postings) | set(_page_urls(html_samples)))


def _sql_keys(urls: list[str]) -> pl.DataFrame:
    con = duckdb.connect()
    con.register("urls", pl.DataFrame({"url": urls}).to_arrow())
    return con.sql(dedup.url_keys_sql("urls")).pl()


def _independent_id(url: str) -> str | None:
    """The posting id read the plain way (urllib), to check the keys against."""
    p = urlsplit(html.unescape(url.strip()))
    host, path = p.netloc.lower(), p.path
    if m := re.fullmatch(r"/(?:[\w-]+/){1,2}(\d+)\.html", path) if host in ("jobs.51job.com", "m.51job.com") else None:
        return "51job:" + m.group(1)
    if host.endswith("51job.com") and "jobid" in parse_qs(p.query):
        return "51job:" + parse_qs(p.query)["jobid"][0]
    if host == "campus.51job.com" and p.fragment.isdigit():
        return "51job:" + p.fragment
    if host.endswith("liepin.com") and (m := re.fullmatch(r"/(job|a)/(\d+)\.shtml", path)):
        return f"liepin:{m.group(1)}:{m.group(2)}"
    if host.endswith("liepin.com") and (m := re.fullmatch(r"/lptjob/(\d+)", path)):
        return "liepin:lpt:" + m.group(1)
    if host in ("jobs.zhaopin.com", "xiaoyuan.zhaopin.com") and (m := re.fullmatch(r"/(?:job/)?(C[CZ]L?\d+J\d+|\d{9,})(?:\.htm)?", path)):
        return "zhaopin:" + m.group(1)
    if host.endswith("zhipin.com") and (m := re.fullmatch(r"/job_detail/([\w~-]{8,})\.html", path)):
        return "boss:" + m.group(1)
    if host.endswith("lagou.com") and (m := re.fullmatch(r"/jobs/(\d+)\.html", path)):
        return "lagou:" + m.group(1)
    return None


ODD_URLS = [
    " HTTP://User:pw@Jobs.51Job.com.:8080/a/123.html/?x#y", "//www.liepin.com/job/1.shtml", "jobs.zhaopin.com/cc1j2.htm",
    "https://例子.公司/路径/?q=1", "ftp://a/b", "a://b", "9x://host/p", "host/p/http://x", "/job_detail/x.html", "?", "#",
    "://", "http://", "http://h:abc/p", "\thttps://www.lagou.com/jobs/1.html\r\n", "https://m.51job.com/x.php?a=1&jobid=7&jobid=8",
]


def test_real_urls_python_and_sql_agree(real_urls):
    assert len(real_urls) > 43_000
    urls = real_urls + ODD_URLS
    sql = _sql_keys(urls).with_columns(pl.col("url_norm", "posting_key").fill_null(""))
    py = pl.DataFrame([(u, *normalize_url(u)) for u in urls], schema=["url", "py_norm", "py_key"], orient="row")
    both = sql.join(py, on="url")
    assert both.height == len(urls)
    differ = both.filter((pl.col("url_norm") != pl.col("py_norm")) | (pl.col("posting_key") != pl.col("py_key")))
    assert differ.height == 0, differ.head(5)


def test_short_id_patterns_capture_what_the_full_patterns_do(real_urls):
    """SQL captures the id with a short pattern (fast in RE2); it must take what the rule's own group takes."""
    checked = 0
    for u in real_urls + [u for urls, _ in VARIANTS for u in urls]:
        _, host, target, _, _ = dedup.split_url(u)
        rule = next((r for r in dedup.URL_RULES if r.host_hint in host and re.search(r.pattern, target)), None)
        if rule:
            pid = re.search(rule.pattern, target).group(1)
            assert normalize_url(u)[1] == rule.prefix + (pid.upper() if rule.upper else pid), u
            checked += 1
    assert checked == 43_257


def test_real_urls_key_is_the_board_id_and_never_collides(real_urls):
    keyed = {u: normalize_url(u)[1] for u in real_urls}
    expected = {u: _independent_id(u) for u in real_urls}
    postings = [u for u in real_urls if expected[u]]
    assert len(postings) > 43_000
    assert {u for u in postings if keyed[u] != expected[u]} == set()
    # different ids -> different keys: the key is the id itself, and no non-posting URL borrows one
    assert len({keyed[u] for u in postings}) == len({expected[u] for u in postings})
    others = [u for u in real_urls if not expected[u]]
    assert {keyed[u] for u in others if not keyed[u].startswith("url:")} == set()
    assert not {keyed[u] for u in others} & {keyed[u] for u in postings}


def test_board_counts_on_real_urls(real_urls):
    prefixes = pl.Series([normalize_url(u)[1] for u in real_urls]).str.extract(r"^(\w+):").value_counts()
    counts = dict(prefixes.iter_rows())
    assert counts == {"zhaopin": 42_229, "liepin": 571, "51job": 268, "lagou": 15, "boss": 149, "url": 1_979}
    # company pages, search and article pages are not postings
    assert "https://jobs.51job.com/all/co5837880.html" in real_urls
    assert normalize_url("https://jobs.51job.com/all/co5837880.html")[1].startswith("url:")


def test_51job_search_json_jobid_matches_href(html_samples):
    for f in sorted((html_samples / "51job").glob("*__SEARCH_RESULT__.json")):
        items = json.loads(f.read_text(encoding="utf-8"))["engine_search_result"]
        assert len(items) == 50
        for it in items:
            assert normalize_url(it["job_href"])[1] == "51job:" + it["jobid"]


def test_pages_ids_match_their_links(html_samples):
    old_51job = (html_samples / "51job" / "vition_phpider__search_list_2018.html").read_text(encoding="utf-8")
    ids = set(re.findall(r'name="delivery_jobid" value="(\d+)"', old_51job)) or set(
        re.findall(r'delivery_jobid"[^>]*value="(\d+)"', old_51job))
    links = {normalize_url(u)[1] for u in re.findall(r'href="(https?://jobs\.51job\.com/[\w-]+/\d+\.html[^"]*)"', old_51job)}
    assert len(ids) == 50 and links == {"51job:" + i for i in ids}
    lagou = (html_samples / "lagou" / "Sweltering_lxml_xpath__lagou.html").read_text(encoding="utf-8")
    pids = set(re.findall(r'data-positionid="(\d+)"', lagou))
    links = {normalize_url(u)[1] for u in re.findall(r'href="(https://www\.lagou\.com/jobs/\d+\.html)"', lagou)}
    assert len(pids) == 15 and links == {"lagou:" + i for i in pids}
    state = json.loads((html_samples / "zhaopin" / "MarshBear_boss_data__tmp.json").read_text(encoding="utf-8"))
    number = state["jobNumber"]
    assert normalize_url(f"https://jobs.zhaopin.com/{number}.htm")[1] == "zhaopin:CC518748220J40309362412"


def test_zhaopin_key_is_the_exported_job_number(real_postings):
    z = real_postings.filter(pl.col("source_board") == "zhaopin").with_columns(
        jn=pl.col("extra").str.json_path_match("$.job_number")
    ).filter(pl.col("jn").is_not_null())
    assert z.height == 26_407
    keys = [normalize_url(u)[1] for u in z["url"]]
    assert keys == ["zhaopin:" + j.upper() for j in z["jn"]]


VARIANTS = [
    # (a real URL's variants) -> one key
    (["https://jobs.51job.com/shanghai-pdxq/151016492.html?s=sou_sou_soulb&t=0_0&req=f957ff3b0c5034d34d1aca2099a3af59",
      "http://jobs.51job.com/shanghai-pdxq/151016492.html",
      "HTTPS://JOBS.51JOB.COM/shanghai-pdxq/151016492.html?s=01&t=0#top",
      "  https://jobs.51job.com:443/shanghai/151016492.html/ \n",
      "http://m.51job.com/search/jobdetail.php?jobtype=0&jobid=151016492",
      "https://msearch.51job.com/jobs/shanghai/151016492.html?jobtype=0",
      "https://search.51job.com/job/151016492,c.html"], "51job:151016492"),
    (["https://www.liepin.com/job/1982515683.shtml", "https://m.liepin.com/job/1982515683.shtml?imscid=R000",
      "http://liepin.com/job/1982515683.shtml#x"], "liepin:job:1982515683"),
    (["https://www.liepin.com/a/38806387.shtml?d_headId=ERtWy0Kw&d_sfrom=recom_jd", "https://m.liepin.com/a/38806387.shtml"],
     "liepin:a:38806387"),
    (["http://jobs.zhaopin.com/CC000050468J00120161407.htm", "https://jobs.zhaopin.com/cc000050468j00120161407.htm?ff=03",
      "https://m.zhaopin.com/jobs/CC000050468J00120161407.htm"], "zhaopin:CC000050468J00120161407"),
    (["https://www.zhipin.com/job_detail/80ad4bc27a5982f71nR909q-ElVR.html?ka=search_list_1",
      "https://m.zhipin.com/job_detail/80ad4bc27a5982f71nR909q-ElVR.html"], "boss:80ad4bc27a5982f71nR909q-ElVR"),
    (["https://www.lagou.com/jobs/4099175.html?show=abc", "https://m.lagou.com/jobs/4099175.html",
      "https://www.lagou.com/wn/jobs/4099175.html"], "lagou:4099175"),
    (["http://www.cjol.com/jobs/job-7186826", "https://m.cjol.com/jobs/job-7186826?from=list"], "cjol:7186826"),
    (["https://www.linkedin.com/jobs/view/3512345678/", "https://cn.linkedin.com/jobs/view/data-scientist-at-acme-3512345678?trk=x",
      "https://www.linkedin.cn/jobs/view/3512345678"], "linkedin:3512345678"),
]


@pytest.mark.parametrize(("urls", "key"), VARIANTS)
def test_variants_of_one_posting_share_a_key(urls, key):
    assert {normalize_url(u)[1] for u in urls} == {key}
    assert set(_sql_keys(urls)["posting_key"]) == {key}


def test_case_matters_for_boss_ids_and_ids_are_kept_apart():
    a = normalize_url("https://www.zhipin.com/job_detail/80ad4bc27a5982f71nR909q-ElVR.html")[1]
    b = normalize_url("https://www.zhipin.com/job_detail/80ad4bc27a5982f71nr909q-elvr.html")[1]
    assert a != b
    # the same number on two boards or two Liepin kinds is two postings
    same_number = ["https://www.liepin.com/job/38806387.shtml", "https://www.liepin.com/a/38806387.shtml",
                   "https://www.lagou.com/jobs/38806387.html", "https://jobs.51job.com/x/38806387.html"]
    assert len({normalize_url(u)[1] for u in same_number}) == 4


def test_unknown_shapes_keep_their_tail_and_empty_urls():
    # campus jobs carry the job id in the fragment (the search JSON's jobid says so)
    assert normalize_url("http://campus.51job.com/DDmc/gsjj3.html?#131079105") == (
        "https://campus.51job.com/DDmc/gsjj3.html#131079105", "51job:131079105")
    assert normalize_url("http://campus.51job.com/DDmc/gsjj3.html")[1] == "url:https://campus.51job.com/DDmc/gsjj3.html"
    assert normalize_url("https://Example.com:8080/show.php?id=1#top") == (
        "https://example.com/show.php", "url:https://example.com/show.php?id=1#top")
    assert normalize_url("http://example.com/show.php?id=1")[1] != normalize_url("http://example.com/show.php?id=2")[1]
    assert normalize_url("") == ("", "")
    assert normalize_url(" \t") == ("", "")


# ---- the table -------------------------------------------------------------------------------------


def _raw(rows: list[dict]) -> pl.DataFrame:
    return pl.DataFrame([{c: r.get(c) for c in RAW_COLUMNS} for r in rows], schema=RAW_COLUMNS)


def _load(con, rows: list[dict], replace: bool = False) -> None:
    df = _raw(rows)
    if replace:
        con.execute("CREATE OR REPLACE TABLE raw_postings AS SELECT * FROM df")
    else:
        con.execute("INSERT INTO raw_postings SELECT * FROM df")


def test_three_harvests_move_the_primary_and_keep_every_row():
    url = "https://jobs.51job.com/shanghai-mhq/122802043.html?s=sou_sou_soulb&t=0"
    other = {"id": "o1", "harvest_id": "h1", "url_extracted": "https://jobs.51job.com/nanjing/121597465.html",
             "source": "51job", "title_extracted": "Python开发工程师", "body_extracted": "负责开发",
             "retrieve_date": datetime(2021, 2, 1)}
    h1 = {"id": "p1", "harvest_id": "h1", "url_extracted": url, "source": "51job", "title_extracted": "算法工程师",
          "body_extracted": "工作职责：", "retrieve_date": datetime(2021, 2, 1)}
    h2 = h1 | {"id": "p2", "harvest_id": "h2", "url_extracted": url.replace("t=0", "t=3"),
               "body_extracted": "工作职责：负责机器学习算法。岗位要求：本科。", "retrieve_date": datetime(2021, 3, 1)}
    h3 = h2 | {"id": "p3", "harvest_id": "h3", "url_extracted": "http://m.51job.com/search/jobdetail.php?jobid=122802043",
               "retrieve_date": datetime(2021, 4, 1)}
    con = duckdb.connect()

    def primaries():
        return dict(con.execute("SELECT id, is_primary FROM deduplicated_postings ORDER BY id").fetchall())

    _load(con, [h1, other], replace=True)
    s1 = dedup.deduplicate(con)
    assert primaries() == {"o1": True, "p1": True}
    assert (s1["harvested"], s1["unique"], s1["duplicates"]) == (2, 2, 0)

    _load(con, [h2])  # longer version: takes over
    dedup.deduplicate(con)
    assert primaries() == {"o1": True, "p1": False, "p2": True}

    _load(con, [h3])  # same length, later: the latest retrieved wins
    s3 = dedup.deduplicate(con)
    assert primaries() == {"o1": True, "p1": False, "p2": False, "p3": True}
    assert (s3["harvested"], s3["unique"], s3["duplicates"]) == (4, 2, 2)
    assert s3["per_board"]["51job"]["duplicate_share"] == 0.5
    rows = con.execute(
        "SELECT id, posting_key, duplicate_group_size, dedup_version FROM deduplicated_postings ORDER BY id"
    ).fetchall()
    assert rows == [("o1", "51job:121597465", 1, DEDUP_VERSION), ("p1", "51job:122802043", 3, DEDUP_VERSION),
                    ("p2", "51job:122802043", 3, DEDUP_VERSION), ("p3", "51job:122802043", 3, DEDUP_VERSION)]

    before = con.execute("SELECT * FROM deduplicated_postings ORDER BY id").fetchall()
    assert dedup.deduplicate(con) == s3  # a re-run changes nothing
    assert con.execute("SELECT * FROM deduplicated_postings ORDER BY id").fetchall() == before
    cols = [r[0] for r in con.execute("DESCRIBE deduplicated_postings").fetchall()]
    assert cols == [*RAW_COLUMNS, "url_norm", "posting_key", "duplicate_group_size", "is_primary", "dedup_version"]


def test_rows_without_url_fall_back_to_content():
    base = {"source": "boss", "company_name_extracted": "某公司", "title_extracted": "算法工程师",
            "body_extracted": "负责 机器学习\n算法", "retrieve_date": datetime(2021, 2, 1)}
    rows = [base | {"id": "a"}, base | {"id": "b", "body_extracted": "负责机器学习 算法 "},
            base | {"id": "c", "body_extracted": "负责机器学习算法，另有补充"},
            base | {"id": "d", "source": "liepin"}, base | {"id": "e", "url_extracted": "  "},
            base | {"id": "f", "source": "unknown", "url_extracted": "http://Example.com/show.php?id=1"}]
    con = duckdb.connect()
    _load(con, rows, replace=True)
    s = dedup.deduplicate(con)
    got = con.execute("SELECT id, duplicate_group_size, is_primary, url_norm FROM deduplicated_postings ORDER BY id").fetchall()
    # a, b, e: the same text up to whitespace; c edited; d another board
    assert [(i, n) for i, n, _, _ in got] == [("a", 3), ("b", 3), ("c", 1), ("d", 1), ("e", 3), ("f", 1)]
    assert sum(p for _, n, p, _ in got if n == 3) == 1
    assert {u for *_, u in got} == {None, "https://example.com/show.php"}
    assert (s["no_url"], s["unique"], s["unknown_url_shapes"]) == (5, 4, 1)
    assert s["unknown_url_hosts"] == {"example.com": 1}


def test_rows_without_url_for_another_city_or_pay_stay_apart():
    # one text posted for four cities (issue 13: a 技术编辑 in 武汉, 北京, 上海, 深圳 was kept as one)
    base = {"source": "zhaopin", "company_name_extracted": "某出版社", "title_extracted": "技术编辑",
            "body_extracted": "负责稿件编辑", "location_extracted": "武汉", "salary_extracted": "6-8K",
            "retrieve_date": datetime(2024, 3, 1)}
    rows = [base | {"id": "wh"}, base | {"id": "bj", "location_extracted": "北京"},
            base | {"id": "sh", "location_extracted": "上海-浦东新区"},
            base | {"id": "sh2", "location_extracted": "上海 - 浦东新区"},  # the same place, spaced
            base | {"id": "pay", "salary_extracted": "8-10K"},
            base | {"id": "pay2", "salary_extracted": "8-10k"},  # the same pay, lower case
            base | {"id": "nopay", "salary_extracted": None}]
    con = duckdb.connect()
    _load(con, rows, replace=True)
    dedup.deduplicate(con)
    got = dict(con.execute("SELECT id, posting_key FROM deduplicated_postings").fetchall())
    assert got["sh"] == got["sh2"] and got["pay"] == got["pay2"]
    assert len({got[i] for i in ("wh", "bj", "sh", "pay", "nopay")}) == 5


@pytest.fixture(scope="module")
def real_raw(real_postings) -> pl.DataFrame:
    """postings.parquet as raw_postings: its source repo stands in for the harvest."""
    mapped = real_postings.select(
        pl.col("uid").alias("id"), pl.col("source_repo").alias("harvest_id"), pl.col("title").alias("title_extracted"),
        pl.col("body").alias("body_extracted"), pl.col("company").alias("company_name_extracted"),
        pl.col("url").alias("url_extracted"), pl.col("source_board").alias("source"),
    )
    return mapped.with_columns(
        pl.lit(None, dtype=t).alias(c) for c, t in RAW_COLUMNS.items() if c not in mapped.columns
    ).select(list(RAW_COLUMNS))


def test_real_postings_dedup_counts(real_raw):
    con = duckdb.connect()
    con.execute("CREATE TABLE raw_postings AS SELECT * FROM real_raw")
    s = dedup.deduplicate(con)
    assert (s["harvested"], s["unique"], s["duplicates"]) == (111_999, 109_991, 2_008)
    assert s["per_board"]["zhaopin"]["unique"] == 42_168  # = distinct job numbers in its URLs
    assert s["per_board"]["zhaopin"]["duplicates"] == 1_977
    assert s["unknown_url_shapes"] == 0 and s["unknown_url_hosts"] == {}
    assert s["no_url"] == 67_205
    bad = con.execute("SELECT count(*) FROM (SELECT source, posting_key FROM deduplicated_postings "
                      "GROUP BY ALL HAVING sum(is_primary::INT) <> 1)").fetchall()[0][0]
    assert bad == 0
    # the primary is the longest version of its group
    shorter = con.execute("""SELECT count(*) FROM deduplicated_postings d JOIN (
            SELECT source, posting_key, max(length(coalesce(body_extracted, ''))) AS m FROM deduplicated_postings GROUP BY ALL
        ) g USING (source, posting_key) WHERE d.is_primary AND length(coalesce(d.body_extracted, '')) < g.m""").fetchall()
    assert shorter[0][0] == 0

    near = dedup.near_duplicates(con)
    assert (near["same_board_groups"], near["same_board_postings"], near["same_board_extra"]) == (63, 127, 64)
    assert near["cross_board_groups"] == 0
    assert near["primaries"] == 109_991
    assert near["examples"].height == 10
    assert near["examples"].row(0, named=True)["company"] == "软通动力信息技术(集团)有限公司"


def test_near_duplicates_same_board_and_cross_board():
    body = "岗位职责：负责推荐算法的研发。"
    rows = [
        {"id": "1", "source": "51job", "url_extracted": "https://jobs.51job.com/x/1.html", "company_name_extracted": "甲",
         "title_extracted": "算法工程师", "body_extracted": body},
        {"id": "2", "source": "51job", "url_extracted": "https://jobs.51job.com/x/2.html", "company_name_extracted": "甲",
         "title_extracted": "算法工程师", "body_extracted": "岗位职责: 负责推荐算法的研发"},
        {"id": "3", "source": "liepin", "url_extracted": "https://www.liepin.com/job/3.shtml",
         "company_name_extracted": "甲", "title_extracted": "算法工程师", "body_extracted": body},
        {"id": "4", "source": "liepin", "url_extracted": "https://www.liepin.com/job/4.shtml",
         "company_name_extracted": "乙", "title_extracted": "算法工程师", "body_extracted": body},
    ]
    con = duckdb.connect()
    _load(con, rows, replace=True)
    dedup.deduplicate(con)
    near = dedup.near_duplicates(con)
    assert (near["same_board_groups"], near["same_board_postings"], near["same_board_extra"]) == (1, 2, 1)
    assert (near["cross_board_groups"], near["cross_board_postings"]) == (1, 3)
    # reported, not removed
    assert con.execute("SELECT count(*) FILTER (WHERE is_primary) FROM deduplicated_postings").fetchall() == [(4,)]
