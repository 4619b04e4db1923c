"""Company-name normalization and employer tagging on real company names from postings.parquet."""

from __future__ import annotations

import polars as pl
import pytest

from cjd_assets.clusters import (
    name_variants,
    normalize_company_name,
    normalize_company_names,
    tag_company_names,
    tag_employers,
)

pytestmark = pytest.mark.shared


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("杭州海康威视数字技术股份有限公司", "杭州海康威视数字技术"),
        ("中航证券有限公司福建分公司", "中航证券"),  # branch tail
        ("中国电子科技集团公司第二十二研究所青岛分所", "中国电子科技集团公司第二十二研究所"),  # keeps the institute
        ("中国电子技术标准化研究院华东分院", "中国电子技术标准化研究院"),
        ("中国船舶重工集团有限公司第七一0研究所", "中国船舶重工集团有限公司第七一〇研究所"),  # ASCII zero in a numeral
        ("航天精一（广东）信息科技有限公司", "航天精一信息科技"),  # full-width place bracket dropped
        ("中船重工(武汉)凌久电子有限责任公司", "中船重工凌久电子"),
        ("大华（集团)有限公司", "大华(集团)"),  # non-place bracket kept
        ("SenseTime（商汤集团）", "sensetime(商汤集团)"),
        ("中国电子系统工程第二建设有限公司-十一公司", "中国电子系统工程第二建设"),
        ("旷视MEGVII", "旷视megvii"),
        ("Hikvision Digital Technology Co., Ltd.", "hikvisiondigitaltechnology"),
        ("ＳＥＮＳＥＴＩＭＥ　商汤", "sensetime商汤"),  # full-width Latin and ideographic space
        ("  ", None),
        (None, None),
    ],
)
def test_normalize_company_name(raw, canonical):
    assert normalize_company_name(raw) == canonical


def test_variants_expose_aliases_and_drop_a_leading_place():
    assert name_variants(normalize_company_name("合肥低温电子研究所（中国电子科技集团公司第十六研究所）")) == [
        "合肥低温电子研究所(中国电子科技集团公司第十六研究所)",
        "中国电子科技集团公司第十六研究所",
        "低温电子研究所(中国电子科技集团公司第十六研究所)",
        "电子科技集团公司第十六研究所",
    ]
    assert "海康威视数字技术" in name_variants("杭州海康威视数字技术")
    assert "商汤科技开发" in name_variants(normalize_company_name("北京市商汤科技开发有限公司"))


def test_normalize_company_names_vectorized(real_postings):
    s = real_postings["company"]
    out = normalize_company_names(s)
    assert out.len() == s.len() and out.name == "company"
    assert out.null_count() >= s.null_count()
    idx = s.to_list().index("中国电子科技集团公司第二十二研究所青岛分所")
    assert out[idx] == "中国电子科技集团公司第二十二研究所"


# (real company name in postings.parquet, tag, group)
MEMBERS = [
    ("中国电子科技集团公司第五十四研究所", "defense", "中国电子科技集团 (CETC)"),
    ("中国电子科技集团公司第二十二研究所青岛分所", "defense", "中国电子科技集团 (CETC)"),
    ("合肥低温电子研究所（中国电子科技集团公司第十六研究所）", "defense", "中国电子科技集团 (CETC)"),
    ("中电科网络安全科技股份有限公司", "defense", "中国电子科技集团 (CETC)"),
    ("中电科思仪科技股份有限公司", "defense", "中国电子科技集团 (CETC)"),
    ("中电太极（集团）有限公司", "defense", "中国电子科技集团 (CETC)"),
    ("中电海康", "defense", "中国电子科技集团 (CETC)"),
    ("杭州海康威视数字技术股份有限公司", "defense", "中国电子科技集团 (CETC)"),
    ("航天科工系统仿真科技（北京）有限公司", "defense", "中国航天科工集团 (CASIC)"),
    ("航天信息股份有限公司", "defense", "中国航天科工集团 (CASIC)"),
    ("深圳航天信息有限公司", "defense", "中国航天科工集团 (CASIC)"),
    ("航天信息(广东)有限公司", "defense", "中国航天科工集团 (CASIC)"),
    ("贵州航天电器股份有限公司", "defense", "中国航天科工集团 (CASIC)"),
    ("深圳航天工业技术研究院有限公司", "defense", "中国航天科技集团 (CASC)"),
    ("中航华东光电有限公司", "defense", "中国航空工业集团 (AVIC)"),
    ("中航证券有限公司福建分公司", "defense", "中国航空工业集团 (AVIC)"),
    ("中国航空无线电电子研究所", "defense", "中国航空工业集团 (AVIC)"),
    ("中国航发长春控制科技有限公司", "defense", "中国航空发动机集团 (AECC)"),
    ("中国兵器工业集团有限公司", "defense", "中国兵器工业集团 (NORINCO)"),
    ("中国船舶重工集团有限公司第七一0研究所", "defense", "中国船舶集团 (CSSC)"),
    ("中国船舶集团有限公司第七二二研究所", "defense", "中国船舶集团 (CSSC)"),
    ("中船重工(武汉)凌久电子有限责任公司", "defense", "中国船舶集团 (CSSC)"),
    ("中核武汉核电运行技术股份有限公司", "defense", "中国核工业集团 (CNNC)"),
    ("中国核工业中原建设有限公司华东分公司", "defense", "中国核工业集团 (CNNC)"),
    ("中国长城科技集团股份有限公司", "defense", "中国电子信息产业集团 (CEC)"),
    ("中国长城", "defense", "中国电子信息产业集团 (CEC)"),
    ("中国电子系统工程第二建设有限公司-十一公司", "defense", "中国电子信息产业集团 (CEC)"),
    ("海康威视", "surveillance", "海康威视 (Hikvision)"),
    ("杭州海康威视", "surveillance", "海康威视 (Hikvision)"),
    ("浙江大华技术股份有限公司", "surveillance", "大华 (Dahua)"),
    ("浙江大华", "surveillance", "大华 (Dahua)"),
    ("大华", "surveillance", "大华 (Dahua)"),
    ("北京市商汤科技开发有限公司", "surveillance", "商汤 (SenseTime)"),
    ("SenseTime（商汤集团）", "surveillance", "商汤 (SenseTime)"),
    ("北京旷视科技有限公司", "surveillance", "旷视 (Megvii)"),
    ("旷视MEGVII", "surveillance", "旷视 (Megvii)"),
    ("上海依图信息技术有限公司", "surveillance", "依图 (Yitu)"),
    ("云从科技", "surveillance", "云从 (CloudWalk)"),
    ("浙江宇视科技有限公司", "surveillance", "宇视 (Uniview)"),
    ("厦门市美亚柏科信息股份有限公司", "surveillance", "美亚柏科 (Meiya Pico)"),
]

# real names that merely look like a list member
NEAR_MISSES = [
    "航天宏图信息技术股份有限公司",  # private remote-sensing firm
    "湖南航天环宇通信科技股份有限公司",  # private
    "银河航天(北京)科技有限公司",  # private satellite maker
    "江苏卡尔曼航天应用技术有限公司",
    "北京中科航天人才服务有限公司",
    "北京航空航天大学经济管理学院",  # university, not a conglomerate unit
    "北京北航天宇长鹰无人机科技有限公司",
    "西安市航天基地云谷科技发展有限公司",  # a development zone named after the space base
    "中国东方航空股份有限公司",
    "中航材导航技术(北京)有限公司",  # China Aviation Supplies, not AVIC
    "中航国铁(北京)教育投资管理有限公司安徽分公司",
    "深圳市华中航空服务有限公司",  # 华中 + 航空 contains 中航
    "中电科技(北京)有限公司",
    "中电信数智科技有限公司",  # China Telecom
    "中电建（云浮）新材料有限公司",  # PowerChina
    "中电投先融期货股份有限公司",  # SPIC
    "深圳来电科技有限公司",
    "中建科工集团有限公司",  # China State Construction, not 航天科工
    "中煤科工集团上海有限公司",
    "中国电子技术标准化研究院华东分院",  # MIIT institute, not CEC
    "中国电子节能技术协会低碳经济专业委员会",
    "江西核工业建设有限公司",  # provincial, not CNNC
    "长城汽车股份有限公司",
    "长城证券股份有限公司",
    "长城物业集团股份有限公司",
    "大华（集团)有限公司",  # Shanghai property group
    "吉林大华机械制造有限公司",
    "南京大华信息科技有限公司",
    "武汉地大华睿地学技术有限公司",
    "上海康嘉信息技术有限公司",
    "合肥美亚光电技术股份有限公司",
]


@pytest.fixture(scope="module")
def real_tags(real_postings):
    return tag_company_names(real_postings["company"])


def test_real_names_are_in_the_file(real_postings):
    present = set(real_postings["company"].drop_nulls().unique().to_list())
    missing = [n for n, _, _ in MEMBERS if n not in present] + [n for n in NEAR_MISSES if n not in present]
    assert not missing


@pytest.mark.parametrize(("name", "tag", "group"), MEMBERS)
def test_list_members_match_through_their_variants(real_tags, name, tag, group):
    hit = real_tags.filter((pl.col("company_name_extracted") == name) & (pl.col("tag") == tag))
    assert hit.height >= 1, name
    assert group in hit["group"].to_list()


def test_near_misses_are_not_tagged(real_tags):
    assert real_tags.filter(pl.col("company_name_extracted").is_in(NEAR_MISSES)).is_empty()


def test_hikvision_is_both_defense_and_surveillance(real_tags):
    tags = real_tags.filter(pl.col("company_name_extracted") == "杭州海康威视数字技术股份有限公司")
    assert set(tags["tag"]) == {"defense", "surveillance"}
    assert set(tags["rule"]) == {"海康威视"}
    assert set(tags["matched"]) == {"海康威视数字技术"}


def test_whole_file_counts(real_postings, real_tags):
    names = real_tags.group_by("tag").agg(pl.col("company_name_extracted").n_unique()).sort("tag")
    assert names.rows() == [("defense", 55), ("surveillance", 27)]
    df = real_postings.select(
        pl.col("uid").alias("id"), pl.col("company").alias("company_name_extracted"),
        pl.col("title").alias("title_extracted"), pl.col("body").alias("body_extracted"),
    )
    out = tag_employers(df)
    per = out.group_by("tag", "rule_kind").agg(pl.col("id").n_unique()).sort("tag", "rule_kind")
    assert per.rows() == [
        ("defense", "employer", 253),
        ("surveillance", "employer", 235),
        ("surveillance", "keyword", 171),
    ]


def test_exclude_rule_vetoes_a_list(tmp_path):
    from cjd_assets.clusters import load_employer_rules

    p = tmp_path / "r.csv"
    p.write_text(
        "list,rule_type,pattern,group,source\n"
        "defense,regex,航天,space,test: any 航天 name\n"
        "defense,exclude,^航天宏图,,test: private firm\n",
        encoding="utf-8",
    )
    out = tag_company_names(pl.Series(["航天宏图信息技术股份有限公司", "航天信息股份有限公司"]), load_employer_rules(p))
    assert out["company_name_extracted"].to_list() == ["航天信息股份有限公司"]


def test_normalization_is_idempotent_on_every_real_name(real_postings):
    names = real_postings["company"].drop_nulls().unique().to_list()
    once = {n: normalize_company_name(n) for n in names}
    assert all(normalize_company_name(c) == c for c in once.values() if c)
    # full-width and half-width brackets of the same name collapse to one form
    assert normalize_company_name("航天信息（广东）有限公司") == normalize_company_name("航天信息(广东)有限公司")
