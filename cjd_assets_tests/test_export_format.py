"""The export's `extra` JSON as extracted fields: one test per class of raw field, with values as they
appear in shared/data/real_postings (PROVENANCE.md names the sources)."""

from __future__ import annotations

import datetime as dt
import json

import polars as pl
import pytest

from cjd_assets.harvest import export_as_extracted, parse_pages, records_to_raw_pages
from cjd_assets.harvest.export_format import extra_fields, fill_from_extra, summarize_extra
from cjd_assets.normalize import normalize_postings
from cjd_assets.salary import company_size_band

UTC = dt.timezone.utc


def fill(extra: dict | str | None, **text) -> dict:
    """One export row through fill_from_extra: its extracted fields after the fill."""
    cols = {c: [text.get(c)] for c in ("salary_extracted", "company_information_extracted",
                                       "location_extracted", "release_date_extracted")}
    raw = extra if isinstance(extra, str) or extra is None else json.dumps(extra, ensure_ascii=False)
    return fill_from_extra(pl.DataFrame(cols, schema=dict.fromkeys(cols, pl.String)), pl.Series([raw], dtype=pl.String)).row(0, named=True)


# yujunxiong 51job: numeric min/max monthly yuan, no salary text
def test_numeric_wages_render_as_monthly_yuan():
    assert fill({"min_wages": "15000.0", "max_wages": "20000.0"})["salary_extracted"] == "15000-20000元/月"
    assert fill({"max_wages": "18000.0"})["salary_extracted"] == "18000元以下/月"
    assert fill({"min_wages": "8000.0", "max_wages": "8000.0"})["salary_extracted"] == "8000元/月"


def test_crawler_reversed_annual_pair_is_read_in_order():
    # 33333 = 40万/12, 25000 = 30万/12: the crawler stores annual ranges max first
    assert fill({"min_wages": "33333.0", "max_wages": "25000.0"})["salary_extracted"] == "25000-33333元/月"
    # a source without that habit keeps a reversed range, for the normalizer to flag
    assert fill({"min_salary": "9000", "max_salary": "6000"})["salary_extracted"] == "9000-6000元/月"


def test_minus_sign_survives_rendering():
    assert fill({"min_salary": "-3000", "max_salary": "5000"})["salary_extracted"] == "-3000-5000元/月"


# sprider-m2 (neituixiaowangzi): thousands a month
def test_pay_range_in_k():
    assert fill({"pay_range_from_k": "10", "pay_range_to_k": "15"})["salary_extracted"] == "10000-15000元/月"


def test_salary_text_wins_and_months_field_is_appended():
    # captian-latiao BOSS: '·13薪' sits in its own field
    assert fill({"salary_months": "13薪"}, salary_extracted="18-25K")["salary_extracted"] == "18-25K·13薪"
    assert fill({"salary_count": "14薪"}, salary_extracted="1.4-2.8万·15薪")["salary_extracted"] == "1.4-2.8万·15薪"
    assert fill({"salary_months": "13薪"}, salary_extracted="面议")["salary_extracted"] == "面议"
    # MarshBear zhaopin salaryReal only where the display text is missing
    assert fill({"salary_real": "4001-6000"}, salary_extracted="4千-6千")["salary_extracted"] == "4千-6千"
    assert fill({"salary_real": "4001-6000"})["salary_extracted"] == "4001-6000元/月"


def test_rendered_pay_normalises_as_stated_monthly():
    texts = [fill({"min_wages": "15000.0", "max_wages": "20000.0"})["salary_extracted"],
             fill({"pay_range_from_k": "10", "pay_range_to_k": "15"})["salary_extracted"]]
    n = normalize_postings(pl.DataFrame({"salary_extracted": texts, "source": ["51job", "unknown"]}))
    assert n["salary_status_norm"].to_list() == ["stated", "stated"]
    assert n["salary_recurrence_norm"].to_list() == ["month", "month"]
    assert n["salary_minimum_monthly_value_norm"].to_list() == [15000, 10000]
    assert n["salary_maximum_monthly_value_norm"].to_list() == [20000, 15000]


def test_company_facts_head_count_first():
    info = fill({"industry": "计算机软件", "company_size": "500-999人", "company_type": "民营", "finance": "A轮"})[
        "company_information_extracted"]
    assert info == "规模:500-999人 | 性质:民营 | 行业:计算机软件 | 融资:A轮"
    band = pl.select(company_size_band(pl.lit(info))).item()
    assert band == pl.select(company_size_band(pl.lit("500-999人"))).item() is not None


def test_company_junk_and_markup_are_dropped():
    junk = fill({"company_intro": "综合竞争力评估\n你在？位置", "company_size": "20-99人"})
    assert junk["company_information_extracted"] == "规模:20-99人"
    markup = fill({"company_type_size": '民营  |  50-150人', "company_type": '外资（欧美） </p><p class="int at">保险</p>'})
    assert markup["company_information_extracted"] == "性质/规模:民营 | 50-150人"


@pytest.mark.parametrize("text,extra,expected", [
    ("郑州", {"city_district": "惠济区"}, "郑州-惠济区"),  # MarshBear zhaopin workCity + cityDistrict
    ("杭州", {"county": "滨江区", "province": "浙江"}, "杭州-滨江区"),  # sprider-m2
    ("上海徐汇区", {"district": "徐汇区", "city": "上海"}, "上海徐汇区"),  # already named
    ("北京-朝阳区", {"city_district": "海淀区"}, "北京-朝阳区"),  # the text names a district: as found
    ("天山西路567号", {"city_district": "长宁区"}, "天山西路567号"),  # not a bare city
    (None, {"province": "浙江", "county": "滨江区"}, "浙江-滨江区"),
    (None, {}, None),
])
def test_location_fields(text, extra, expected):
    assert fill(extra, location_extracted=text)["location_extracted"] == expected


def test_crawl_time_is_the_rows_retrieve_date():
    # lastlast667 liepin crawl_time (China time) and captian-latiao record_create_time (a date)
    r = fill({"crawl_time": "2026-05-15 19:24:39.560607"})
    assert r["retrieve_date"] == dt.datetime(2026, 5, 15, 11, 24, 39, 560607, tzinfo=UTC)
    d = fill({"record_create_time": "2025/1/20"})["retrieve_date"]
    assert d.date() == dt.date(2025, 1, 20)
    assert fill({"crawl_time": "not a time"})["retrieve_date"] is None
    assert fill({})["retrieve_date"] is None


def test_creation_time_is_the_release_date():
    r = fill({"created_unix": "1519973558"})
    assert r["release_date_extracted"] == "2018-03-02 14:52:38"  # 06:52:38 UTC in China time
    assert fill({"created_unix": "1519973558"}, release_date_extracted="03-06发布")["release_date_extracted"] == "03-06发布"


@pytest.mark.parametrize("bad", ["{not json", "[1, 2]", "", None, '"text"'])
def test_unreadable_extra_keeps_the_row(bad):
    r = fill(bad, salary_extracted="8-12K", location_extracted="上海")
    assert (r["salary_extracted"], r["location_extracted"], r["retrieve_date"]) == ("8-12K", "上海", None)


def test_extra_keys_as_text_whatever_their_json_type():
    """Each mapped key of `extra` read once a row (DuckDB): strings as found, numbers and lists as their JSON
    text, null where the key is absent, the JSON is broken or not an object."""
    from cjd_assets.harvest.export_format import extra_keys

    rows = [json.dumps({"min_wages": 8000, "max_wages": 12000.5, "city": ["杭州", "上海"], "district": "西湖区"},
                       ensure_ascii=False),
            '{"min_wages": "7千"', '[{"min_wages": 1}]', None, "", json.dumps({"province": None, "city": "北京"})]
    k = extra_keys(pl.Series(rows, dtype=pl.String))
    assert k.height == len(rows)
    assert k["min_wages"].to_list() == ["8000", None, None, None, None, None]
    assert k["max_wages"].to_list()[0] == "12000.5"
    assert k["city"].to_list() == ['["杭州","上海"]', None, None, None, None, "北京"]
    assert k["district"].to_list()[0] == "西湖区" and k["province"].null_count() == len(rows)


def test_summary_names_mapped_and_left_keys():
    rows = [json.dumps({"min_wages": "1.0", "welfare": "五险一金", "address": ""}), "{broken", None,
            json.dumps({"industry": "互联网", "welfare": "无"})]
    s = summarize_extra(rows)
    assert s["mapped"] == {"min_wages": {"to": "salary_extracted", "rows": 1},
                           "industry": {"to": "company_information_extracted", "rows": 1}}
    assert s["left"] == {"welfare": 1}
    assert s["unreadable_rows"] == 1


def _export(**cols) -> pl.DataFrame:
    n = len(cols["uid"])
    base = {c: [""] * n for c in ("source_board", "title", "company", "body", "salary_text", "location_text",
                                  "education_text", "experience_text", "release_date_text", "url")}
    base.update(cols)
    return pl.DataFrame(base)


def test_ingest_path_carries_extra_fields_and_crawl_time():
    df = _export(
        uid=["a", "b"], source_board=["liepin", "51job"], title=["软件工程师", "Android开发工程师"],
        salary_text=["15-25k·13薪", ""], location_text=["深圳-南山区", "上海-长宁区"],
        release_date_text=["5月14日更新", ""],
        extra=[json.dumps({"crawl_time": "2026-05-15 19:25:13.395890", "company_scale": "100-499人"}, ensure_ascii=False),
               json.dumps({"min_wages": "15000.0", "max_wages": "20000.0"})],
    )
    fetched = dt.datetime(2024, 1, 1, tzinfo=UTC)
    postings, quarantine = parse_pages(records_to_raw_pages(df, "h-x", "x.parquet", fetch_time=fetched))
    assert quarantine.height == 0
    rows = {r["title_extracted"]: r for r in postings.iter_rows(named=True)}
    assert rows["软件工程师"]["retrieve_date"] == dt.datetime(2026, 5, 15, 11, 25, 13, 395890, tzinfo=UTC)
    assert rows["软件工程师"]["company_information_extracted"] == "规模:100-499人"
    assert rows["Android开发工程师"]["retrieve_date"] == fetched  # no crawl time of its own
    assert rows["Android开发工程师"]["salary_extracted"] == "15000-20000元/月"


def test_export_as_extracted_keeps_its_columns_and_adds_retrieve_date():
    df = _export(uid=["a"], title=["产品经理"], extra=[json.dumps({"pay_range_from_k": "8", "pay_range_to_k": "15",
                                                               "created_unix": "1519972711"})])
    out = export_as_extracted(df)
    assert out["id"].to_list() == ["a"]
    assert out["salary_extracted"].to_list() == ["8000-15000元/月"]
    assert out["release_date_extracted"].to_list() == ["2018-03-02 14:38:31"]
    assert "retrieve_date" in out.columns
    # a mapping that names `extra` itself takes it as a plain column
    assert "retrieve_date" not in export_as_extracted(df, {"uid": "record_key", "extra": "body_extracted"}).columns


@pytest.mark.shared
def test_real_extra_fields_fill_what_the_text_lacks(real_postings):
    x = extra_fields(real_postings["extra"])
    assert x.height == real_postings.height
    # every yujunxiong row with numeric wages gets a pay text
    yj = real_postings["source_repo"].str.starts_with("yujunxiong")
    has_wage = real_postings["extra"].str.contains('"(?:min|max)_wages"')
    assert x.filter(yj & has_wage)["salary_extracted"].null_count() == 0


def test_crawl_time_survives_the_warehouse_round_trip(tmp_path):
    # raw_pages come back from DuckDB with fetch_time in Etc/UTC
    import duckdb

    df = _export(uid=["a"], title=["C++服务器-战斗开发"], extra=[json.dumps({"crawl_time": "2026-05-15 19:24:39.560607"})])
    pages = records_to_raw_pages(df, "h-db", "x.parquet", fetch_time=dt.datetime(2024, 1, 1, tzinfo=UTC))
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.register("p", pages.to_arrow())
    back = con.sql("SELECT * FROM p").pl()
    postings, _ = parse_pages(back)
    assert postings["retrieve_date"].dt.convert_time_zone("UTC").to_list() == [dt.datetime(2026, 5, 15, 11, 24, 39, 560607, tzinfo=UTC)]
