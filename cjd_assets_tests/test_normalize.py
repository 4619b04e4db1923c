"""Normalization: hand-checked expectations for every shape met in the real postings, inference from the
body, and the frame contract (same rows, same order, vocabularies of schema.py)."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from cjd_assets import schema
from cjd_assets.normalize import NORMALIZED_COLUMNS, NORMALIZE_VERSION, normalize_postings, resolve_location
from cjd_assets.normalize.location import LOCATION_OUTPUT_COLUMNS

RETRIEVE = dt.date(2021, 3, 20)


def frame(n: int = 1, **cols) -> pl.DataFrame:
    base = {c: [None] * n for c in schema.NORMALIZE_INPUT_COLUMNS}
    base["retrieve_date"] = [RETRIEVE] * n
    base.update(cols)
    schema_ = {c: pl.String for c in schema.NORMALIZE_INPUT_COLUMNS}
    schema_["retrieve_date"] = pl.Date
    return pl.DataFrame(base, schema=schema_)


def one(**cols) -> dict:
    return normalize_postings(frame(1, **{k: [v] for k, v in cols.items()})).row(0, named=True)


# (salary string, board) -> (status, recurrence, exact, min, max, min monthly, max annual, currency)
SALARY_CASES = [
    ("8000-16000", "zhaopin", "stated", "month", None, 8000, 16000, 8000, 192000, "CNY"),
    ("10001-15000", "zhaopin", "stated", "month", None, 10001, 15000, 10001, 180000, "CNY"),
    ("6千-8千", "zhaopin", "stated", "month", None, 6000, 8000, 6000, 96000, "CNY"),
    ("6千-1.2万", "zhaopin", "stated", "month", None, 6000, 12000, 6000, 144000, "CNY"),
    ("1.5万-2.5万", "zhaopin", "stated", "month", None, 15000, 25000, 15000, 300000, "CNY"),
    ("10-15K", "boss", "stated", "month", None, 10000, 15000, 10000, 180000, "CNY"),
    ("10k-20k", "lagou", "stated", "month", None, 10000, 20000, 10000, 240000, "CNY"),
    ("8K-15K", "lagou", "stated", "month", None, 8000, 15000, 8000, 180000, "CNY"),
    ("30-54万", "liepin", "stated", "year", None, 300000, 540000, 25000, 540000, "CNY"),
    ("18-36万", "liepin", "stated", "year", None, 180000, 360000, 15000, 360000, "CNY"),
    ("2-3万", "51job", "stated", "month", None, 20000, 30000, 20000, 360000, "CNY"),
    ("6-9千", "51job", "stated", "month", None, 6000, 9000, 6000, 108000, "CNY"),
    ("2-3万·13薪", "51job", "stated", "month", None, 20000, 30000, 20000, 390000, "CNY"),
    ("15-20K·14薪", "boss", "stated", "month", None, 15000, 20000, 15000, 280000, "CNY"),
    ("15-25K·13薪", "boss", "stated", "month", None, 15000, 25000, 15000, 325000, "CNY"),
    ("15-25k·13薪", "liepin", "stated", "month", None, 15000, 25000, 15000, 325000, "CNY"),
    ("25-35k", "liepin", "stated", "month", None, 25000, 35000, 25000, 420000, "CNY"),
    ("6千-1.2万·13薪", "51job", "stated", "month", None, 6000, 12000, 6000, 156000, "CNY"),
    ("4-8千·13薪", "51job", "stated", "month", None, 4000, 8000, 4000, 104000, "CNY"),
    ("1-1.5万/月", "51job", "stated", "month", None, 10000, 15000, 10000, 180000, "CNY"),
    ("4-6千/月", "51job", "stated", "month", None, 4000, 6000, 4000, 72000, "CNY"),
    ("18-25万/年", "51job", "stated", "year", None, 180000, 250000, 15000, 250000, "CNY"),
    ("10-20万/年", "51job", "stated", "year", None, 100000, 200000, 100000 / 12, 200000, "CNY"),
    ("150-200/天", "boss", "stated", "day", None, 150, 200, 150 * 21.75, 200 * 21.75 * 12, "CNY"),
    ("250-400元/天", "liepin", "stated", "day", None, 250, 400, 250 * 21.75, 400 * 21.75 * 12, "CNY"),
    ("150元/天", "51job", "stated", "day", 150, None, None, None, None, "CNY"),
    ("1.5千/天", "51job", "stated", "day", 1500, None, None, None, None, "CNY"),
    ("100元/小时", "51job", "stated", "hour", 100, None, None, None, None, "CNY"),
    ("50-100元/时", "boss", "stated", "hour", None, 50, 100, 50 * 174, 100 * 174 * 12, "CNY"),
    ("600-1200元/周", "zhaopin", "stated", "week", None, 600, 1200, 600 * 52 / 12, 1200 * 52, "CNY"),
    ("8000-15000元", "zhaopin", "stated", "month", None, 8000, 15000, 8000, 180000, "CNY"),
    ("5000-15000元/月", "boss", "stated", "month", None, 5000, 15000, 5000, 180000, "CNY"),
    ("3千-5千元/月", "zhaopin", "stated", "month", None, 3000, 5000, 3000, 60000, "CNY"),
    ("1.5万-2万元/月", "zhaopin", "stated", "month", None, 15000, 20000, 15000, 240000, "CNY"),
    ("2万以上", "51job", "stated", "month", None, 20000, None, 20000, None, "CNY"),
    ("30k以上", "lagou", "stated", "month", None, 30000, None, 30000, None, "CNY"),
    ("50000元以上", "zhaopin", "stated", "month", None, 50000, None, 50000, None, "CNY"),
    ("1千以下", "zhaopin", "stated", "month", None, None, 1000, None, 12000, "CNY"),
    ("1000元以下", "zhaopin", "stated", "month", None, None, 1000, None, 12000, "CNY"),
    ("3千及以下", "51job", "stated", "month", None, None, 3000, None, 36000, "CNY"),
    ("3千及以下·14薪", "51job", "stated", "month", None, None, 3000, None, 42000, "CNY"),
    ("3万及以下/年", "51job", "stated", "year", None, None, 30000, None, 30000, "CNY"),
    ("$5000/month", "unknown", "stated", "month", 5000, None, None, None, None, "USD"),
    ("面议", "liepin", "negotiable", None, None, None, None, None, None, None),
    ("薪资面议", "liepin", "negotiable", None, None, None, None, None, None, None),
    ("5000元/小时", "boss", "implausible", None, None, None, None, None, None, None),
    ("15000元/天", "boss", "implausible", None, None, None, None, None, None, None),
    ("0千-0千元/月", "zhaopin", "implausible", None, None, None, None, None, None, None),
    ("1元/次", "zhaopin", "unparsed", None, None, None, None, None, None, None),
    ("", "boss", "missing", None, None, None, None, None, None, None),
    (None, "boss", "missing", None, None, None, None, None, None, None),
]


@pytest.mark.parametrize("text,board,status,rec,exact,lo,hi,lo_month,hi_year,cur", SALARY_CASES)
def test_salary_shapes(text, board, status, rec, exact, lo, hi, lo_month, hi_year, cur):
    r = one(salary_extracted=text, source=board)
    assert r["salary_status_norm"] == status
    assert r["salary_recurrence_norm"] == rec
    assert r["salary_currency_norm"] == cur
    assert r["salary_exact_value_norm"] == pytest.approx(exact)
    assert r["salary_minimum_value_norm"] == pytest.approx(lo)
    assert r["salary_maximum_value_norm"] == pytest.approx(hi)
    assert r["salary_minimum_monthly_value_norm"] == pytest.approx(lo_month)
    assert r["salary_maximum_annual_value_norm"] == pytest.approx(hi_year)
    assert r["salary_inferred"] is False


def test_salary_exact_scaling():
    r = one(salary_extracted="100元/小时", source="51job")
    assert r["salary_exact_monthly_value_norm"] == pytest.approx(100 * 8 * 21.75)
    assert r["salary_exact_annual_value_norm"] == pytest.approx(100 * 8 * 21.75 * 12)
    r = one(salary_extracted="15-25K·13薪", source="boss")
    assert r["salary_months_norm"] == 13
    assert r["salary_minimum_annual_value_norm"] == 15000 * 13


# education string -> (exact, minimum, maximum, detail, status)
EDUCATION_CASES = [
    ("本科", "bachelor", None, None, "bachelor", "stated"),
    ("大专", "associate", None, None, "associate", "stated"),
    ("学历不限", "none", None, None, None, "no requirement"),
    ("不限", "none", None, None, None, "no requirement"),
    ("无", "none", None, None, None, "no requirement"),
    ("本科及以上", None, "bachelor", None, "bachelor", "stated"),
    ("大专及以上", None, "associate", None, "associate", "stated"),
    ("硕士及以上", None, "master", None, "master", "stated"),
    ("硕士", "master", None, None, "master", "stated"),
    ("高中", "middle school", None, None, "high school", "stated"),
    ("统招本科", "bachelor", None, None, "bachelor", "stated"),
    ("中专/中技", "middle school", None, None, "vocational high school", "stated"),
    ("中技/中专", "middle school", None, None, "vocational high school", "stated"),
    ("中专", "middle school", None, None, "vocational high school", "stated"),
    ("中技", "middle school", None, None, "vocational high school", "stated"),
    ("中专/中技及以上", None, "middle school", None, "vocational high school", "stated"),
    # nothing lies below middle school: "or below" the lowest level is that level, not no data
    ("初中及以下", "middle school", None, "middle school", "junior middle school", "stated"),
    ("高中及以下", "middle school", None, "middle school", "high school", "stated"),
    ("大专及以下", None, None, "associate", "associate", "stated"),
    ("专科", "associate", None, None, "associate", "stated"),
    ("博士", "doctoral", None, None, "doctoral", "stated"),
    ("以内本科", "bachelor", None, None, "bachelor", "stated"),
    ("以内大专", "associate", None, None, "associate", "stated"),
    ("以内高中", "middle school", None, None, "high school", "stated"),
    ("EMBA", "master", None, None, "master", "stated"),
    ("MBA/EMBA", "master", None, None, "master", "stated"),
    ("5个月,本科", "bachelor", None, None, "bachelor", "stated"),
    ("6个月,学历不限", "none", None, None, None, "no requirement"),
    ("Bachelor's degree or above", None, "bachelor", None, "bachelor", "stated"),
    ("Master", "master", None, None, "master", "stated"),
    ("PhD", "doctoral", None, None, "doctoral", "stated"),
    ("本科/硕士", None, "bachelor", None, "bachelor", "stated"),
    ("招1人", None, None, None, None, "unparsed"),
    ("03-07发布", None, None, None, None, "unparsed"),
    ("民营  |  1000-5000人", None, None, None, None, "unparsed"),
    ("", None, None, None, None, "missing"),
]


@pytest.mark.parametrize("text,exact,lo,hi,detail,status", EDUCATION_CASES)
def test_education_values(text, exact, lo, hi, detail, status):
    r = one(desired_education_extracted=text)
    assert (
        r["desired_education_exact_level_norm"],
        r["desired_education_minimum_level_norm"],
        r["desired_education_maximum_level_norm"],
        r["desired_education_detail_norm"],
        r["desired_education_status_norm"],
    ) == (exact, lo, hi, detail, status)


# experience string -> (exact, min, max years, exact, min, max level, status)
EXPERIENCE_CASES = [
    ("1-3年", None, 1, 3, "junior", "junior", "junior", "stated"),
    ("3-5年", None, 3, 5, "junior", "junior", "junior", "stated"),
    # a range that starts at 5 and goes beyond it asks for more than 5 years: mid (study)
    ("5-10年", None, 5, 10, "mid", "mid", "mid", "stated"),
    ("5-7年", None, 5, 7, "mid", "mid", "mid", "stated"),
    ("经验5-10年", None, 5, 10, "mid", "mid", "mid", "stated"),
    ("5年", 5, None, None, "junior", None, None, "stated"),
    ("5年以上", None, 5, None, "mid", "mid", None, "stated"),
    ("3-10年", None, 3, 10, None, "junior", "mid", "stated"),  # across bands: no exact level
    ("10-20年", None, 10, 20, None, "mid", "senior", "stated"),
    ("15-20年", None, 15, 20, "senior", "senior", "senior", "stated"),
    ("1-5年", None, 1, 5, "junior", "junior", "junior", "stated"),
    ("3-4年经验", None, 3, 4, "junior", "junior", "junior", "stated"),
    ("经验3-5年", None, 3, 5, "junior", "junior", "junior", "stated"),
    ("8-9年经验", None, 8, 9, "mid", "mid", "mid", "stated"),
    ("1年经验", 1, None, None, "junior", None, None, "stated"),
    ("2年", 2, None, None, "junior", None, None, "stated"),
    # X年以上: the requirement is X years; its band is the one X opens into
    ("3年以上", None, 3, None, "junior", "junior", None, "stated"),
    ("10年以上", None, 10, None, "mid", "mid", None, "stated"),
    ("10年以上经验", None, 10, None, "mid", "mid", None, "stated"),
    ("10年及以上", None, 10, None, "mid", "mid", None, "stated"),
    ("15年以上", None, 15, None, "senior", "senior", None, "stated"),
    ("20年", 20, None, None, "senior", None, None, "stated"),
    ("20年以上", None, 20, None, "senior", "senior", None, "stated"),
    # an upper bound is the range from none up to it: minimum 0
    ("1年以下", None, 0, 1, "junior", "junior", "junior", "stated"),
    ("1年以内", None, 0, 1, "junior", "junior", "junior", "stated"),
    ("经验1年以下", None, 0, 1, "junior", "junior", "junior", "stated"),
    ("1年以内学历不限", None, 0, 1, "junior", "junior", "junior", "stated"),
    ("10年以下", None, 0, 10, None, "junior", "mid", "stated"),
    ("1-3年学历不限", None, 1, 3, "junior", "junior", "junior", "stated"),
    ("三年以上", None, 3, None, "junior", "junior", None, "stated"),
    ("无经验", 0, None, None, "no experience", None, None, "stated"),
    ("无需经验", 0, None, None, "no experience", None, None, "stated"),
    ("在校生/应届生", 0, None, None, "no experience", None, None, "stated"),
    ("应届毕业生", 0, None, None, "no experience", None, None, "stated"),
    ("经验应届毕业生", 0, None, None, "no experience", None, None, "stated"),
    ("在校/应届", 0, None, None, "no experience", None, None, "stated"),
    ("应届", 0, None, None, "no experience", None, None, "stated"),
    ("应届生", 0, None, None, "no experience", None, None, "stated"),
    ("实习", None, None, None, "junior", None, None, "stated"),
    ("5天/周", None, None, None, "junior", None, None, "stated"),
    ("4天/周 3个月", None, None, None, "junior", None, None, "stated"),
    ("3+ years", None, 3, None, "junior", "junior", None, "stated"),
    # requires none: no experience, 0 years (the status keeps why)
    ("不限", 0, None, None, "no experience", None, None, "no requirement"),
    ("经验不限", 0, None, None, "no experience", None, None, "no requirement"),
    # a graduating class is not 2,024 years of experience
    ("2024年应届生", 0, None, None, "no experience", None, None, "stated"),
    ("2023届毕业生", 0, None, None, "no experience", None, None, "stated"),
    ("2024年", None, None, None, None, None, None, "unparsed"),
    # impossible requirements are flagged, not stored
    ("10-5年", None, None, None, None, None, None, "implausible"),
    ("100年以上", None, None, None, None, None, None, "implausible"),
    ("本科", None, None, None, None, None, None, "unparsed"),
    ("", None, None, None, None, None, None, "missing"),
]


@pytest.mark.parametrize("text,ex,lo,hi,exl,lol,hil,status", EXPERIENCE_CASES)
def test_experience_values(text, ex, lo, hi, exl, lol, hil, status):
    r = one(desired_experience_extracted=text)
    p = "desired_experience_"
    assert (r[p + "exact_years_norm"], r[p + "minimum_years_norm"], r[p + "maximum_years_norm"]) == (ex, lo, hi)
    assert (r[p + "exact_level_norm"], r[p + "minimum_level_norm"], r[p + "maximum_level_norm"]) == (exl, lol, hil)
    assert r[p + "status_norm"] == status


# release date string (retrieved 2021-03-20) -> (exact, minimum, maximum, status, parse status)
D = dt.date
DATE_CASES = [
    ("2020-12-12 09:22:00", D(2020, 12, 12), None, None, "release", "parsed"),
    # a release cannot follow the crawl that saw it; placeholders and impossible years are not dates
    ("2023-12-12 09:22:00", None, None, None, None, "after retrieval"),
    ("1980-05-01", None, None, None, None, "out of range"),
    ("186890-01-01", None, None, None, None, "out of range"),
    ("999999999天前", None, None, None, None, "out of range"),
    ("99999999999999999999999天前", None, None, None, None, "out of range"),
    ("99999天内", None, None, None, None, "out of range"),
    ("02-29发布", D(2020, 2, 29), None, None, "release", "parsed"),  # the last year that has the day
    ("03-20发布", D(2021, 3, 20), None, None, "release", "parsed"),
    ("03-21发布", D(2020, 3, 21), None, None, "release", "parsed"),
    ("2021-03-15", D(2021, 3, 15), None, None, "release", "parsed"),
    ("03-15发布", D(2021, 3, 15), None, None, "release", "parsed"),
    ("03-06发布", D(2021, 3, 6), None, None, "release", "parsed"),
    ("12-31发布", D(2020, 12, 31), None, None, "release", "parsed"),  # never in the future
    ("5月13日更新", D(2020, 5, 13), None, None, "update", "parsed"),
    ("3月6日更新", D(2021, 3, 6), None, None, "update", "parsed"),
    ("90天前更新", D(2020, 12, 20), None, None, "update", "parsed"),
    ("3天前", D(2021, 3, 17), None, None, "release", "parsed"),
    ("今日更新", D(2021, 3, 20), None, None, "update", "parsed"),
    ("昨天", D(2021, 3, 19), None, None, "release", "parsed"),
    ("更新于2021-03-01", D(2021, 3, 1), None, None, "update", "parsed"),
    ("3天内", None, D(2021, 3, 17), D(2021, 3, 20), "release", "parsed"),
    ("2021-02-30", None, None, None, None, "unparsed"),
    ("abc", None, None, None, None, "unparsed"),
    ("", None, None, None, None, "missing"),
]


@pytest.mark.parametrize("text,ex,lo,hi,status,parse", DATE_CASES)
def test_release_dates(text, ex, lo, hi, status, parse):
    r = one(release_date_extracted=text)
    p = "release_date_"
    assert (r[p + "exact_date_norm"], r[p + "minimum_date_norm"], r[p + "maximum_date_norm"]) == (ex, lo, hi)
    assert (r[p + "status_norm"], r[p + "parse_status_norm"]) == (status, parse)


def test_relative_dates_resolve_against_each_rows_retrieve_date():
    # the same string seen by two crawls is two dates: each row's own retrieval, not one file date
    df = frame(
        3,
        release_date_extracted=["03-08发布", "03-08发布", "今日更新"],
        retrieve_date=[dt.date(2023, 3, 28), dt.date(2021, 1, 5), dt.date(2026, 5, 15)],
    )
    out = normalize_postings(df)["release_date_exact_date_norm"].to_list()
    assert out == [dt.date(2023, 3, 8), dt.date(2020, 3, 8), dt.date(2026, 5, 15)]


def test_retrieval_instants_are_dated_in_china_time():
    # a crawl at 01:24 on 16 May in Beijing is 17:24 on 15 May in UTC: 今日更新 is 16 May
    when = pl.Series([dt.datetime(2026, 5, 15, 17, 24)]).dt.replace_time_zone("UTC")
    df = frame(1, release_date_extracted=["今日更新"]).with_columns(retrieve_date=when)
    assert normalize_postings(df)["release_date_exact_date_norm"][0] == dt.date(2026, 5, 16)


def test_future_date_without_retrieve_date_is_flagged():
    r = normalize_postings(frame(1, release_date_extracted=["2999-01-01"], retrieve_date=[None])).row(0, named=True)
    assert (r["release_date_exact_date_norm"], r["release_date_parse_status_norm"]) == (None, "out of range")
    nxt = dt.date.today().year + 1
    r = normalize_postings(frame(1, release_date_extracted=[f"{nxt}-01-01"], retrieve_date=[None])).row(0, named=True)
    assert (r["release_date_exact_date_norm"], r["release_date_parse_status_norm"]) == (None, "after retrieval")


def test_relative_date_without_retrieve_date_is_unresolved():
    df = frame(1, release_date_extracted=["03-15发布"], retrieve_date=[None])
    r = normalize_postings(df).row(0, named=True)
    assert r["release_date_exact_date_norm"] is None
    assert r["release_date_parse_status_norm"] == "unresolved"


def loc(text):
    return dict(zip(LOCATION_OUTPUT_COLUMNS, resolve_location(text)))


def test_location_study_example_beilun():
    r = loc("北仑区")
    assert (r["location_continent_en_norm"], r["location_continent_zh_norm"]) == ("Asia", "亚洲")
    assert (r["location_country_en_norm"], r["location_country_zh_norm"]) == ("China", "中国")
    assert (r["location_province_en_norm"], r["location_province_zh_norm"]) == ("Zhejiang Province", "浙江省")
    assert (r["location_prefecture_en_norm"], r["location_prefecture_zh_norm"]) == ("Ningbo City", "宁波市")
    assert (r["location_county_en_norm"], r["location_county_zh_norm"]) == ("Beilun District", "北仑区")
    assert (r["location_level_norm"], r["location_code_norm"]) == ("county", "330206")


# location string -> (province, prefecture, county, township, details, level, code, status)
LOCATION_CASES = [
    ("九江", "江西省", "九江市", None, None, None, "prefecture", "360400", "resolved"),
    ("深圳", "广东省", "深圳市", None, None, None, "prefecture", "440300", "resolved"),
    ("上海-浦东新区", "上海市", "上海市", "浦东新区", None, None, "county", "310115", "resolved"),
    ("上海·黄浦区", "上海市", "上海市", "黄浦区", None, None, "county", "310101", "resolved"),
    ("上海上海浦东新区", "上海市", "上海市", "浦东新区", None, None, "county", "310115", "resolved"),
    ("浙江省宁波", "浙江省", "宁波市", None, None, None, "prefecture", "330200", "resolved"),
    ("江苏省苏州昆山市", "江苏省", "苏州市", "昆山市", None, None, "county", "320583", "resolved"),
    ("襄樊", "湖北省", "襄阳市", None, None, None, "prefecture", "420600", "resolved"),  # renamed 2010
    ("莱芜市", "山东省", "济南市", "莱芜区", None, None, "county", "370116", "resolved"),  # merged 2019
    ("平泉县", "河北省", "承德市", "平泉市", None, None, "county", "130881", "resolved"),  # 2017
    ("玉环县", "浙江省", "台州市", "玉环市", None, None, "county", "331083", "resolved"),  # 2017
    ("通州", "北京市", "北京市", "通州区", None, None, "county", "110112", "resolved"),
    ("琼海", "海南省", None, "琼海市", None, None, "county", "469002", "resolved"),  # no prefecture level
    ("天津天津南开区", "天津市", "天津市", "南开区", None, None, "county", "120104", "resolved"),
    ("南昌-红谷滩新区", "江西省", "南昌市", "红谷滩区", None, None, "county", "360113", "resolved"),
    ("思茅", "云南省", "普洱市", "思茅区", None, None, "county", "530802", "resolved"),
    ("杭州·滨江区·滨江宝龙城", "浙江省", "杭州市", "滨江区", None, "滨江宝龙城", "county", "330108", "resolved"),
    ("北京-万柳", "北京市", "北京市", None, None, "万柳", "prefecture", "110000", "resolved"),
    ("上海 闵行区 华漕", "上海市", "上海市", "闵行区", "华漕镇", None, "township", "310112", "resolved"),
    ("北京市 朝阳区 立水桥南(地铁站)", "北京市", "北京市", "朝阳区", None, "立水桥南(地铁站", "county", "110105", "resolved"),
    ("浦东新区", "上海市", "上海市", "浦东新区", None, None, "county", "310115", "resolved"),
    ("南山区科技园", "广东省", "深圳市", "南山区", None, "科技园", "county", "440305", "resolved"),
    ("望京soho", "北京市", "北京市", "朝阳区", "望京街道", "soho", "township", "110105", "resolved"),
    ("燕郊开发区", "河北省", "廊坊市", "三河市", "燕郊镇", "开发区", "township", "131082", "resolved"),
    ("金桥", None, None, None, None, None, None, None, "unparsed"),  # a town in 9 counties: no guess
    ("北京,上海", "北京市", "北京市", None, None, "上海", "prefecture", "110000", "multiple"),
    ("全国", None, None, None, None, None, "country", None, "nationwide"),
    ("异地招聘", None, None, None, None, None, "country", None, "unspecified"),
    ("海外", None, None, None, None, None, None, None, "foreign"),
    ("福山路33号", None, None, None, None, None, None, None, "unparsed"),
    # a street or landmark that begins with a place's name is not that place (天山西路 is in Shanghai,
    # 安宁庄东路 in Beijing, 科技园高新南四道 in Shenzhen): unresolved unless a place is actually named
    ("天山西路567号 8层D室", None, None, None, None, None, None, None, "unparsed"),
    ("安宁庄东路7号融科融智-蜂巢工厂", None, None, None, None, None, None, None, "unparsed"),
    ("科技园高新南四道与科技南八路交汇处", None, None, None, None, None, None, None, "unparsed"),
    ("西藏北路605", None, None, None, None, None, None, None, "unparsed"),
    ("新港西路135号中山大学科技园B座", None, None, None, None, None, None, None, "unparsed"),
    ("番禺大道北537号", None, None, None, None, None, None, None, "unparsed"),
    ("海淀大街8号中钢国际广场8层", None, None, None, None, None, None, None, "unparsed"),
    ("安邦金融中心", None, None, None, None, None, None, None, "unparsed"),
    ("上海市长宁区天山西路567号", "上海市", "上海市", "长宁区", None, "天山西路567号", "county", "310105", "resolved"),
    # the export's city field before the street (a named city) resolves to that city only
    ("北京 安宁庄东路7号融科融智-蜂巢工厂", "北京市", "北京市", None, None, "安宁庄东路7号融科融智-蜂巢工厂", "prefecture", "110000", "resolved"),
    ("深圳·科技园高新南四道", "广东省", "深圳市", None, None, "科技园高新南四道", "prefecture", "440300", "resolved"),
    ("工作地点：北京市海淀区中关村", "北京市", "北京市", "海淀区", None, "中关村", "county", "110108", "resolved"),
    ("漕河泾开发区", "上海市", "上海市", "徐汇区", "漕河泾街道", "开发区", "township", "310104", "resolved"),
    ("广东省深圳市南山区南山区科技园", "广东省", "深圳市", "南山区", None, "南山区科技园", "county", "440305", "resolved"),
    ("", None, None, None, None, None, None, None, "missing"),
]


@pytest.mark.parametrize("text,prov,pref,county,town,details,level,code,status", LOCATION_CASES)
def test_location_values(text, prov, pref, county, town, details, level, code, status):
    r = loc(text)
    got = tuple(
        r[f"location_{k}_norm"]
        for k in ("province_zh", "prefecture_zh", "county_zh", "township_zh", "details_zh", "level", "code", "status")
    )
    assert got == (prov, pref, county, town, details, level, code, status)


def test_location_english_and_zone():
    r = loc("西安")
    assert r["location_prefecture_en_norm"] == "Xi'an City"
    assert r["location_province_en_norm"] == "Shaanxi Province"
    # readings jionlp's general-purpose pinyin gets wrong in place names
    assert loc("北京市朝阳区")["location_county_en_norm"] == "Chaoyang District"
    assert loc("郫都区")["location_county_en_norm"] == "Pidu District"
    assert loc("成都")["location_prefecture_en_norm"] == "Chengdu City"
    assert loc("恩施")["location_prefecture_en_norm"] == "Enshi Autonomous Prefecture"
    assert loc("锡林郭勒盟")["location_prefecture_en_norm"] == "Xilinguole League"
    assert loc("阿里地区")["location_prefecture_en_norm"] == "Ali Prefecture"
    assert loc("长阳土家族自治县")["location_county_en_norm"] == "Changyang Autonomous County"
    assert loc("神农架林区")["location_county_en_norm"] == "Shennongjia Forestry District"
    r = loc("广东省广州市天河区棠下街道大舜丽池国际酒店")
    assert (r["location_township_zh_norm"], r["location_township_en_norm"]) == ("棠下街道", "Tangxia Subdistrict")
    r = loc("长春高新区")
    assert r["location_zone_zh_norm"] == "长春高新技术产业开发区"
    assert r["location_zone_en_norm"] == "Changchun High-tech Industrial Development Zone"
    r = loc("北京市大兴区北京经济技术开发区")
    assert (r["location_county_zh_norm"], r["location_zone_zh_norm"]) == ("大兴区", "北京经济技术开发区")


def test_inference_from_body_marks_inferred():
    body = "岗位职责：负责算法研发。\n任职要求：1、博士学历，计算机相关专业；2、3年以上机器学习相关工作经验；\n薪资：20-30k\n工作地点：杭州市西湖区"
    r = one(body_extracted=body, source="unknown")
    assert (r["desired_education_exact_level_norm"], r["desired_education_inferred"]) == ("doctoral", True)
    assert (r["desired_experience_minimum_years_norm"], r["desired_experience_inferred"]) == (3, True)
    assert (r["salary_minimum_value_norm"], r["salary_maximum_value_norm"], r["salary_inferred"]) == (20000, 30000, True)
    assert (r["location_county_zh_norm"], r["location_inferred"]) == ("西湖区", True)
    # an extracted value wins over the body and is not inferred
    r = one(body_extracted=body, desired_education_extracted="本科", source="unknown")
    assert (r["desired_education_exact_level_norm"], r["desired_education_inferred"]) == ("bachelor", False)


def test_body_without_field_leaves_missing():
    r = one(body_extracted="负责公司日常行政工作。", source="unknown")
    assert r["desired_education_status_norm"] == "missing"
    assert r["desired_education_inferred"] is False
    assert r["salary_status_norm"] == "missing"


def test_body_norm_and_language():
    out = normalize_postings(
        frame(
            3,
            title_extracted=["数据分析师", "Data Scientist", "算法工程师 Algorithm Engineer"],
            body_extracted=[
                "<p>负责数据分析&nbsp;工作</p>\r\n\r\n  熟悉 Python 和 SQL",
                "Build machine learning models in Python and deploy them to production.",
                "负责推荐系统 We build recommendation systems for millions of users every day",
            ],
        )
    )
    assert out["body_norm"][0] == "负责数据分析 工作\n熟悉 Python 和 SQL"
    assert out["language_norm"].to_list() == ["zh", "en", "bilingual"]


def test_frame_contract_order_columns_vocabularies():
    texts = ["本科", None, "硕士及以上", "学历不限", "大专"] * 3
    df = frame(
        len(texts),
        desired_education_extracted=texts,
        salary_extracted=["10-15K", "面议", None, "2-3万", "6千-8千"] * 3,
        source=["boss", "liepin", "51job", "51job", "zhaopin"] * 3,
    ).with_columns(pl.int_range(pl.len()).alias("id"))
    out = normalize_postings(df)
    assert out["id"].to_list() == list(range(len(texts)))
    assert out.columns == df.columns + list(NORMALIZED_COLUMNS)
    assert out["desired_education_exact_level_norm"].to_list()[:5] == ["bachelor", None, None, "none", "associate"]
    assert set(out["desired_education_exact_level_norm"].drop_nulls()) <= set(schema.EDUCATION_LEVELS)
    assert set(out["salary_recurrence_norm"].drop_nulls()) <= set(schema.SALARY_RECURRENCES)
    assert out.schema["salary_minimum_annual_value_norm"] == pl.Float64
    assert out.schema["release_date_exact_date_norm"] == pl.Date
    assert out.schema["salary_inferred"] == pl.Boolean
    assert NORMALIZE_VERSION
    # normalizing twice replaces the columns instead of failing
    assert normalize_postings(out).columns == out.columns


def test_empty_frame():
    out = normalize_postings(frame(0))
    assert out.height == 0 and set(NORMALIZED_COLUMNS) <= set(out.columns)


@pytest.mark.parametrize(
    "retrieve",
    [
        pl.Series(["2021-03-20"]),
        pl.Series([dt.datetime(2021, 3, 20, 10, 0)]),
        pl.Series([dt.datetime(2021, 3, 20, 10, 0)]).dt.replace_time_zone("UTC"),
    ],
)
def test_retrieve_date_types(retrieve):
    df = frame(1, release_date_extracted=["12-31发布"]).with_columns(retrieve_date=retrieve)
    assert normalize_postings(df)["release_date_exact_date_norm"][0] == dt.date(2020, 12, 31)


def test_location_street_names_and_generic_zone_words():
    # 南京路 / 望京东路 are streets, not 南京市 / 望京街道
    assert loc("南京路123号")["location_status_norm"] == "unparsed"
    r = loc("北京朝阳区望京东路4号")
    assert (r["location_county_zh_norm"], r["location_township_zh_norm"]) == ("朝阳区", None)
    # a generic 高新区 after the city resolves to that city's only national high-tech zone
    r = loc("云南省昆明五华区高新区")
    assert r["location_zone_zh_norm"] == "昆明国家高新技术产业开发区"
    assert r["location_zone_en_norm"] == "Kunming National High-tech Industrial Development Zone"


def test_national_zones_file():
    import csv

    from cjd_assets.normalize.location import PROVINCE_EN, ZONES_FILE

    text = ZONES_FILE.read_text(encoding="utf-8")
    assert "Generated by" in text and "sources" in text  # the header names where the list comes from
    rows = list(csv.DictReader(line for line in text.splitlines() if not line.startswith("#")))
    kinds = {r["kind"] for r in rows}
    assert kinds == {
        "economic-technological development zone",
        "high-tech industrial development zone",
        "border economic cooperation zone",
    }
    assert len([r for r in rows if r["kind"] == "border economic cooperation zone"]) >= 17
    assert all(r["province_zh"] in PROVINCE_EN for r in rows)
    assert all(r["name_en"] and r["source"] for r in rows)
    names = {r["name_zh"] for r in rows}
    assert {"长春高新技术产业开发区", "呼和浩特经济技术开发区", "满洲里边境经济合作区"} <= names
