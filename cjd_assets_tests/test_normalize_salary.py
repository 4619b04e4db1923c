"""Salary recurrence from the text and the board, and implausible pay flagged with a reason: one case per
class of input, each string as met in shared/data/real_postings."""

from __future__ import annotations

import polars as pl
import pytest

from cjd_assets.normalize import NORMALIZED_COLUMNS, normalize_postings
from cjd_assets.normalize.salary import MAX_PLAUSIBLE_MONTHLY, SALARY_OUTPUT_COLUMNS


def one(salary: str | None, source: str, title: str | None = None, body: str | None = None) -> dict:
    df = pl.DataFrame({"salary_extracted": [salary], "source": [source], "title_extracted": [title],
                       "body_extracted": [body]}, schema=dict.fromkeys(["salary_extracted", "source", "title_extracted", "body_extracted"], pl.String))
    return normalize_postings(df).row(0, named=True)


def test_reason_is_a_normalized_column():
    assert "salary_status_reason" in SALARY_OUTPUT_COLUMNS and "salary_status_reason" in NORMALIZED_COLUMNS


@pytest.mark.parametrize("text,board,lo,hi", [
    ("１０－１５Ｋ", "boss", 10000, 15000),  # full-width digits, dash and K
    ("８Ｋ-１５Ｋ", "lagou", 8000, 15000),
    ("３千～５千元／月", "zhaopin", 3000, 5000),
])
def test_full_width_forms(text, board, lo, hi):
    r = one(text, board)
    assert (r["salary_status_norm"], r["salary_recurrence_norm"]) == ("stated", "month")
    assert (r["salary_minimum_monthly_value_norm"], r["salary_maximum_monthly_value_norm"]) == (lo, hi)


@pytest.mark.parametrize("text", ["-3000元/月", "-5千", "5000--3000", "-3000-5000元/月"])
def test_minus_sign_is_not_dropped(text):
    r = one(text, "zhaopin")
    assert r["salary_status_norm"] == "implausible"
    assert r["salary_status_reason"] == "negative pay"
    assert r["salary_minimum_value_norm"] is None


@pytest.mark.parametrize("text,board,title,body", [
    # unitless 51job 万 is monthly by the 2023 layout: 40-80万 a month for a care-home marketer
    ("40-80万", "51job", "养老社区营销专家", None),
    # zhaopin salary60 20万-25万 (a month) for an engineer, nothing in the posting says annual
    ("20万-25万", "zhaopin", "底层软件工程师", None),
    # the text says monthly (·14薪): the annual hint in the body cannot rescue it
    ("10-20万·14薪", "51job", "数字IC验证工程师（应届生）", "年薪20万起"),
    # 150k-200k a month for an intern; 230-260K for an engineer whose title says 20-40k
    ("150k-200k", "lagou", "python实习", None),
    ("230-260K", "boss", "高级ios工程师 20-40k", None),
    # liepin 万 is annual, still 144-180万 a year for a trade clerk is 150k a month
    ("144-180万", "liepin", "外贸业务员", None),
    # Zhilian 2018 API bracket: a bottom of 100k a month
    ("100001-150000", "zhaopin", "财务经理", None),
    # numeric wages of yujunxiong rendered by the export mapping
    ("300000-500000元/月", "51job", "ios开发总监", None),
])
def test_implausible_monthly_pay_is_flagged(text, board, title, body):
    r = one(text, board, title, body)
    assert r["salary_status_norm"] == "implausible", r
    assert "monthly" in r["salary_status_reason"]
    assert r["salary_minimum_annual_value_norm"] is None and r["salary_maximum_monthly_value_norm"] is None


@pytest.mark.parametrize("text,board,title,body,lo_year,hi_year", [
    ("20万-25万", "zhaopin", "数据采集系统销售（高薪、年薪20w+双休）", None, 200000, 250000),
    ("40-80万", "51job", "养老社区营销专家", "岗位职责：…… 薪资待遇：年薪40-80万，上不封顶", 400000, 800000),
    ("20-30万", "51job", "房产项目营销总监", "待遇：20-30万/年", 200000, 300000),
])
def test_annual_pay_named_in_the_posting(text, board, title, body, lo_year, hi_year):
    r = one(text, board, title, body)
    assert (r["salary_status_norm"], r["salary_recurrence_norm"], r["salary_status_reason"]) == ("stated", "year", None)
    assert (r["salary_minimum_annual_value_norm"], r["salary_maximum_annual_value_norm"]) == (lo_year, hi_year)


@pytest.mark.parametrize("text,board,title,body,rec", [
    # an annual word in the body does not turn plausible monthly pay into annual pay
    ("1.5万-2.5万", "zhaopin", "Java开发工程师", "年薪14薪，年终奖", "month"),
    ("15-25K·13薪", "boss", "算法工程师", "年薪30万+", "month"),
    # top-tier pay that stays under the bounds is kept
    ("96-132万", "liepin", "首席算法技术负责人（广告方向）", None, "year"),
    ("50-100K", "boss", "C++", None, "month"),
    ("150-200元/天", "boss", "实习生", None, "day"),
])
def test_plausible_pay_stays_stated(text, board, title, body, rec):
    r = one(text, board, title, body)
    assert (r["salary_status_norm"], r["salary_recurrence_norm"], r["salary_status_reason"]) == ("stated", rec, None)
    top = r["salary_maximum_monthly_value_norm"]
    assert top is not None and top < MAX_PLAUSIBLE_MONTHLY


@pytest.mark.parametrize("text,board,reason", [
    ("27083-12500元/月", "51job", "range minimum above its maximum"),
    ("5000元/小时", "boss", "hourly pay above 1,000 CNY"),
    ("15000元/天", "boss", "daily pay above 10,000 CNY"),
    ("0千-0千元/月", "zhaopin", "monthly pay below 200 CNY"),
])
def test_other_reasons(text, board, reason):
    r = one(text, board)
    assert (r["salary_status_norm"], r["salary_status_reason"]) == ("implausible", reason)


def test_reason_is_null_unless_implausible():
    out = normalize_postings(pl.DataFrame({"salary_extracted": ["面议", None, "8-12K", "1元/次"],
                                           "source": ["liepin", "boss", "boss", "zhaopin"]}))
    assert out["salary_status_norm"].to_list() == ["negotiable", "missing", "stated", "unparsed"]
    assert out["salary_status_reason"].null_count() == 4


def test_same_text_two_postings_two_readings():
    # the hint is per posting: the distinct-string cache must not mix them up
    out = normalize_postings(pl.DataFrame({
        "salary_extracted": ["20万-25万", "20万-25万"], "source": ["zhaopin", "zhaopin"],
        "title_extracted": ["销售经理 年薪20w+", "口腔医生"], "body_extracted": [None, None]}))
    assert out["salary_status_norm"].to_list() == ["stated", "implausible"]
    assert out["salary_recurrence_norm"].to_list() == ["year", None]


def test_warehouse_of_an_older_rule_version_gains_the_reason_column(tmp_path):
    import duckdb

    from cjd_assets import warehouse as wh

    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    old = pl.DataFrame({"id": ["a"], "salary_status_norm": ["stated"]})
    wh.append(con, "normalized_postings", old)
    new = pl.DataFrame({"id": ["b"], "salary_status_norm": ["implausible"], "salary_status_reason": ["negative pay"]})
    wh.append(con, "normalized_postings", new)
    rows = con.execute("SELECT id, salary_status_reason FROM normalized_postings ORDER BY id").fetchall()
    assert rows == [("a", None), ("b", "negative pay")]
