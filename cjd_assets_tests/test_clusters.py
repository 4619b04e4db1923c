"""Cluster tables on a hand-made DuckDB (shares computed by hand below) and the rule files' hygiene."""

from __future__ import annotations

import duckdb
import polars as pl
import pytest

from cjd_assets.clusters import load_employer_rules, load_keyword_rules, tag_employers
from cjd_assets_tests.analysis_fixture import build_analysis_view
from cjd_assets.analysis.clusters import (
    REGIONS_FILE,
    ai_related_by_city,
    ai_related_by_province,
    ai_related_by_region,
    by_region,
    cluster_summary,
    defense_by_city,
    defense_by_region,
    load_regions,
    region_of,
    surveillance_by_region,
)
from cjd_assets_tests.conftest import is_drawn_png

# id, category, province_zh, province_en, prefecture_zh, prefecture_en, has AI keyword
POSTINGS = [
    ("p1", "TT1", "上海市", "Shanghai City", "上海市", "Shanghai City", True),
    ("p2", "TT2", "上海市", "Shanghai City", None, None, True),
    ("p3", "TT1", "广东省", "Guangdong Province", "深圳市", "Shenzhen City", True),
    ("p4", "TT1", "广东省", "Guangdong Province", "深圳市", "Shenzhen City", True),
    ("p5", "TT1", "广东省", "Guangdong Province", "汕头市", "Shantou City", True),
    ("p6", "TT1", "北京市", "Beijing City", "北京市", "Beijing City", True),
    ("p7", "TT2", "河北省", "Hebei Province", "石家庄市", "Shijiazhuang City", True),
    ("p8", "TT1", "湖北省", "Hubei Province", "武汉市", "Wuhan City", True),
    ("p9", "TT1", None, None, None, None, True),
    ("p10", "TT1", "江苏省", "Jiangsu Province", None, None, True),
    ("p11", "TT1", "浙江省", "Zhejiang Province", "杭州市", "Hangzhou City", False),
    ("p12", "PRODUCT", "上海市", "Shanghai City", "上海市", "Shanghai City", False),
    ("p13", "NOT_AI", "北京市", "Beijing City", "北京市", "Beijing City", False),
]
TAGS = [
    ("p4", "defense", "employer", "中国电子科技集团", "中国电子科技集团 (CETC)"),
    ("p4", "defense", "employer", "^中电科([^技]|技集团)", "中国电子科技集团 (CETC)"),  # two rules, one posting
    ("p8", "defense", "employer", "中国船舶", "中国船舶集团 (CSSC)"),
    ("p13", "defense", "employer", "中核", "中国核工业集团 (CNNC)"),  # not AI-related
    ("p6", "surveillance", "keyword", "视频监控", "video surveillance"),
]


@pytest.fixture()
def con():
    c = duckdb.connect()
    cols = ["id", "job_category_pr", "location_province_zh_norm", "location_province_en_norm",
            "location_prefecture_zh_norm", "location_prefecture_en_norm"]
    ap = pl.DataFrame([p[:6] for p in POSTINGS], schema=cols, orient="row").with_columns(
        pl.lit("51job").alias("source"), pl.lit("t").alias("title_extracted"),
        pl.lit("c").alias("company_name_extracted"), pl.lit(None, dtype=pl.String).alias("location_code_norm"))
    kw = pl.DataFrame(
        [(p[0], p[1], "machine learning", "机器学习", True, False) for p in POSTINGS if p[6]],
        schema=["id", "job_category_pr", "keyword_en", "matched_term", "in_title", "in_body"], orient="row")
    tags = pl.DataFrame(TAGS, schema=["id", "tag", "rule_kind", "rule", "group"], orient="row")
    build_analysis_view(c, ap)
    c.register("kw_df", kw.to_arrow())
    c.register("tags_df", tags.to_arrow())
    c.execute("CREATE TABLE ai_keyword_postings AS SELECT * FROM kw_df")
    c.execute("CREATE TABLE employer_tags AS SELECT * FROM tags_df")
    yield c
    c.close()


def _rows(df: pl.DataFrame, *cols: str) -> list[tuple]:
    return [tuple(round(v, 6) if isinstance(v, float) else v for v in r) for r in df.select(cols).iter_rows()]


def test_ai_related_by_region_hand_computed(con):
    # AI-related = p1..p10; 9 located: YRD = 上海 2 + 江苏 1, PRD = 深圳 2 (汕头 is outside the nine
    # cities), BTH = 北京 1 + 河北 1, other = 汕头 + 武汉, unknown = p9
    df = ai_related_by_region(con)
    assert _rows(df, "region", "postings", "share", "share_of_all") == [
        ("Yangtze River Delta", 3, round(3 / 9, 6), 0.3),
        ("Pearl River Delta", 2, round(2 / 9, 6), 0.2),
        ("Beijing-Tianjin-Hebei", 2, round(2 / 9, 6), 0.2),
        ("Other provinces", 2, round(2 / 9, 6), 0.2),
        ("Location unknown", 1, None, 0.1),
    ]


def test_ai_related_by_province_ranks_and_regions(con):
    df = ai_related_by_province(con)
    assert _rows(df, "rank", "province_zh", "province_en", "region", "postings") == [
        (1, "广东省", "Guangdong", None, 3),  # only part of Guangdong is a region
        (2, "上海市", "Shanghai", "Yangtze River Delta", 2),
        (3, "北京市", "Beijing", "Beijing-Tianjin-Hebei", 1),
        (4, "江苏省", "Jiangsu", "Yangtze River Delta", 1),
        (5, "河北省", "Hebei", "Beijing-Tianjin-Hebei", 1),
        (6, "湖北省", "Hubei", None, 1),
        (None, None, None, None, 1),
    ]
    assert df["share"][0] == pytest.approx(3 / 9)
    assert df["share_of_all"][0] == pytest.approx(3 / 10)


def test_ai_related_by_city_top_n_and_cumulative_share(con):
    # cities known for 8 postings (p9 has no location, p10 no prefecture); a municipality is one city
    # even without a prefecture (p2)
    df = ai_related_by_city(con, top_n=3)
    assert _rows(df, "rank", "city", "city_en", "province", "region", "postings", "share", "cumulative_share") == [
        (1, "上海市", "Shanghai", "上海市", "Yangtze River Delta", 2, 0.25, 0.25),
        (2, "深圳市", "Shenzhen", "广东省", "Pearl River Delta", 2, 0.25, 0.5),
        (3, "北京市", "Beijing", "北京市", "Beijing-Tianjin-Hebei", 1, 0.125, 0.625),
    ]
    assert ai_related_by_city(con, top_n=None).height == 6


def test_tagged_subsets_count_each_posting_once(con):
    df = defense_by_region(con)
    assert _rows(df, "region", "postings", "share") == [
        ("Yangtze River Delta", 0, 0.0),
        ("Pearl River Delta", 1, 0.5),
        ("Beijing-Tianjin-Hebei", 0, 0.0),
        ("Other provinces", 1, 0.5),
        ("Location unknown", 0, None),
    ]
    assert _rows(defense_by_city(con), "city", "postings") == [("武汉市", 1), ("深圳市", 1)]
    assert surveillance_by_region(con)["postings"].to_list() == [0, 0, 1, 0, 0]
    assert surveillance_by_region(con, rule_kind="employer")["postings"].sum() == 0
    # p13 is defense-tagged but not AI-related; it counts in the 'all' population only
    assert defense_by_region(con, population="all")["postings"].sum() == 3


def test_populations(con):
    totals = {p: by_region(con, p)["postings"].sum() for p in ("ai_related", "technical", "ai_categories", "all")}
    assert totals == {"ai_related": 10, "technical": 11, "ai_categories": 12, "all": 13}
    with pytest.raises(ValueError):
        by_region(con, "everything")


def test_tables_work_before_tagging_ran(con):
    con.execute("DROP TABLE employer_tags")
    assert ai_related_by_region(con)["postings"].sum() == 10


def test_cluster_summary(con):
    df = cluster_summary(con, top_n=2)
    assert _rows(df, "subset", "postings", "located", "cluster_share", "n_provinces", "n_cities", "top_cities_share") == [
        ("all", 10, 9, round(7 / 9, 6), 6, 6, 0.5),
        ("defense", 2, 2, 0.5, 2, 2, 1.0),
        ("surveillance", 1, 1, 1.0, 1, 1, 1.0),
    ]
    assert df["top_cities"][0] == "Shanghai, Shenzhen"
    assert set(df["population"]) == {"ai_related"}


def test_figures_are_pngs(con):
    from cjd_assets.report.cluster_figures import figure_cluster_cities, figure_cluster_map, map_bins

    assert map_bins(3) == (1.0, 2.0, 3.0)
    assert map_bins(47) == (2.0, 9.0, 24.0)
    assert map_bins(1302) == (65.0, 260.0, 650.0)
    for png in (
        figure_cluster_map(ai_related_by_province(con), "AI-related postings by province"),
        figure_cluster_cities(ai_related_by_city(con), "Top cities"),
        figure_cluster_cities(defense_by_city(con, population="all").head(0), "none"),
    ):
        assert is_drawn_png(png)


def test_regions_file_matches_the_official_extents():
    regions = {r.name: r for r in load_regions()}
    assert set(regions["Yangtze River Delta"].provinces) == {"上海", "江苏", "浙江", "安徽"}
    assert set(regions["Beijing-Tianjin-Hebei"].provinces) == {"北京", "天津", "河北"}
    assert {c for _, c in regions["Pearl River Delta"].cities} == {
        "广州", "深圳", "珠海", "佛山", "惠州", "东莞", "中山", "江门", "肇庆"}
    assert region_of("广东省", "东莞市") == "Pearl River Delta"
    assert region_of("广东省", "汕头市") is None
    assert region_of("安徽省", "合肥市") == "Yangtze River Delta"
    assert region_of(None, "深圳市") is None
    rows = pl.read_csv(REGIONS_FILE, infer_schema=False)
    assert rows["source"].str.len_chars().min() > 10


def test_rule_files_are_documented_and_valid():
    emp = load_employer_rules()
    kw = load_keyword_rules()
    for rules in (emp, kw):
        assert rules["source"].str.len_chars().min() >= 10
        assert rules.filter(pl.col("rule_type") != "exclude")["group"].null_count() == 0
    assert set(emp["list"]) == {"defense", "surveillance"}
    assert emp.filter(pl.col("list") == "defense").height >= 30
    # every state defense conglomerate of the issue has rules
    groups = " ".join(emp["group"].drop_nulls())
    for g in ("CETC", "CASC", "CASIC", "AVIC", "AECC", "NORINCO", "CSGC", "CSSC", "CNNC", "CEC"):
        assert g in groups


def test_bad_rule_files_are_refused(tmp_path):
    p = tmp_path / "r.csv"
    p.write_text("list,rule_type,pattern,group,source\ndefense,glob,中*,x,y\n", encoding="utf-8")
    with pytest.raises(ValueError, match="rule_type"):
        load_employer_rules(p)
    p.write_text("list,rule_type,pattern,group,source\ndefense,prefix,中核,x,\n", encoding="utf-8")
    with pytest.raises(ValueError, match="source"):
        load_employer_rules(p)


def test_tag_employers_keywords_on_text():
    df = pl.DataFrame({
        "id": ["a", "b", "c", "d", "e"],
        "company_name_extracted": [None, "某某科技有限公司", None, None, "杭州海康威视数字技术股份有限公司"],
        "title_extracted": ["算法工程师", "Android开发", "测试", "开发", "视频监控算法工程师"],
        "body_extracted": [
            "负责人脸识别算法在安防场景落地",  # face recognition in a security context
            "人脸识别解锁、美颜滤镜",  # face recognition, no security context
            "熟练使用 SVN（版本发布控制）",  # 发布控制 contains 布控
            "负责优化天网系统反诈策略",  # an anti-fraud system named 天网
            None,
        ],
    })
    out = tag_employers(df)
    got = _rows(out, "id", "tag", "rule_kind", "group")
    assert ("a", "surveillance", "keyword", "security industry") in got
    assert ("a", "surveillance", "keyword", "face recognition (security context)") in got
    assert {r[0] for r in got} == {"a", "e"}
    assert ("e", "defense", "employer", "中国电子科技集团 (CETC)") in got
    assert ("e", "surveillance", "employer", "海康威视 (Hikvision)") in got
    assert ("e", "surveillance", "keyword", "video surveillance") in got
    assert out.columns == ["id", "tag", "rule_kind", "rule", "group", "matched"]
    face = out.filter(pl.col("group") == "face recognition (security context)")
    assert face["matched"][0] == "人脸识别算法在安防"
    # ids keep their type so employer_tags joins analysis_postings without casts
    assert tag_employers(df.with_columns(pl.int_range(5, dtype=pl.Int64).alias("id")))["id"].dtype == pl.Int64
