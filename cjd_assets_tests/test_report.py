"""Summary tables, tests, figures and report on a twelve-posting database worked out by hand.

Per category: TT1 p01-p05, TT2 p06-p08, PRODUCT p09, COMMERCIAL p10, NOT_AI p11-p12 (12 in all).
"""

from __future__ import annotations

import markupsafe
import re
from datetime import date

import duckdb
import numpy as np
import polars as pl
import pytest
from scipy import stats

from cjd_assets import analysis as S
from cjd_assets import warehouse as wh
from cjd_assets.analysis import stats as rstats, tables as T
from cjd_assets.report import document as D, figures, html as rhtml
from cjd_assets.report.present import TOO_UNCERTAIN, label, present
from cjd_assets.resources import ReportSettings
from cjd_assets.schema import CATEGORY_NAMES
from cjd_assets.report.geography import parse_svg_path, province_en, province_shapes, region_of
from cjd_assets_tests.analysis_fixture import build_analysis_view
from cjd_assets_tests.conftest import is_drawn_png

SETTINGS = ReportSettings(min_province_n=1)
SCRIPT_TITLE = '<script>document.title="pwned"</script> 算法工程师'

# id, category, edu exact, edu minimum, exp exact level, exp minimum level,
# salary min annual, salary max annual, salary exact annual, province zh, province en, prefecture zh, prefecture en, title
ROWS = [
    ("p01", "TT1", "bachelor", None, "junior", None, 120000.0, 180000.0, None, "广东省", "Guangdong Province", "深圳市", "Shenzhen City", "机器学习工程师"),
    ("p02", "TT1", None, "master", "mid", None, 100000.0, 200000.0, None, "上海市", "Shanghai City", "上海市", "Shanghai City", "深度学习研究员"),
    ("p03", "TT1", "associate", None, None, "no experience", None, None, 96000.0, "广东省", "Guangdong Province", "广州市", "Guangzhou City", "视觉算法"),
    ("p04", "TT1", None, None, None, None, None, None, None, "广东省", "Guangdong Province", "东莞市", "Dongguan City", SCRIPT_TITLE),
    ("p05", "TT1", "bachelor", None, "junior", None, None, None, None, None, None, None, None, "算法工程师"),
    ("p06", "TT2", "doctoral", None, "senior", None, 60000.0, 90000.0, None, "北京市", "Beijing City", "北京市", "Beijing City", "机器人工程师"),
    ("p07", "TT2", "none", None, "junior", None, 50000.0, 70000.0, None, "河北省", "Hebei Province", "石家庄市", "Shijiazhuang City", "机器人调试"),
    ("p08", "TT2", None, None, None, None, 40000.0, None, None, "广东省", "Guangdong Province", "深圳市", "Shenzhen City", "嵌入式开发"),
    ("p09", "PRODUCT", "bachelor", None, "junior", None, 80000.0, 100000.0, None, "浙江省", "Zhejiang Province", "杭州市", "Hangzhou City", "AI产品经理"),
    ("p10", "COMMERCIAL", "middle school", None, "junior", None, 40000.0, 60000.0, None, "四川省", "Sichuan Province", "成都市", "Chengdu City", "AI销售"),
    ("p11", "NOT_AI", "none", None, "no experience", None, 30000.0, 40000.0, None, "广东省", "Guangdong Province", "汕头市", "Shantou City", "店员"),
    ("p12", "NOT_AI", "bachelor", None, "junior", None, 50000.0, 80000.0, None, "广东省", "Guangdong Province", "深圳市", "Shenzhen City", "会计"),
]
COLUMNS = [
    "id", "job_category_pr", "desired_education_exact_level_norm", "desired_education_minimum_level_norm",
    "desired_experience_exact_level_norm", "desired_experience_minimum_level_norm",
    "salary_minimum_annual_value_norm", "salary_maximum_annual_value_norm", "salary_exact_annual_value_norm",
    "location_province_zh_norm", "location_province_en_norm", "location_prefecture_zh_norm",
    "location_prefecture_en_norm", "title_extracted",
]
# (id, category, keyword): p01's machine learning matched twice (two terms) must count once;
# 'gone' is not a primary posting and must not count.
KEYWORDS = [
    ("p01", "TT1", "machine learning", "机器学习"),
    ("p01", "TT1", "machine learning", "ML"),
    ("p01", "TT1", "deep learning", "深度学习"),
    ("p02", "TT1", "machine learning", "机器学习"),
    ("p03", "TT1", "computer vision", "计算机视觉"),
    ("p04", "TT1", "data mining", "数据挖掘"),
    ("p06", "TT2", "robotics", "机器人"),
    ("p06", "TT2", "machine learning", "机器学习"),
    ("p07", "TT2", "robotics", "机器人"),
    ("gone", "TT1", "machine learning", "机器学习"),
]


def make_con() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    postings = pl.DataFrame(ROWS, schema=COLUMNS, orient="row").with_columns(
        pl.when(pl.col("id") == "p12").then(pl.lit("51job")).otherwise(pl.lit("liepin")).alias("source"),
        pl.Series("release_date_exact_date_norm", [date(2021, 3, i) for i in range(1, 13)]),
        pl.lit("某公司").alias("company_name_extracted"),
        pl.lit(None, dtype=pl.Float64).alias("salary_minimum_value_norm"),
        pl.lit("stated").alias("salary_status_norm"),
        pl.lit(None, dtype=pl.String).alias("desired_education_maximum_level_norm"),
        pl.when(pl.col("desired_experience_exact_level_norm").is_not_null() | pl.col("desired_experience_minimum_level_norm").is_not_null())
        .then(pl.lit("stated")).otherwise(pl.lit("missing")).alias("desired_experience_status_norm"),
        pl.lit(date(2021, 4, 1)).alias("retrieve_date"),
    )
    kw = pl.DataFrame(KEYWORDS, schema=["id", "job_category_pr", "keyword_en", "matched_term"], orient="row")
    kw = kw.with_columns(pl.lit(True).alias("in_title"), pl.lit(False).alias("in_body"))
    # One harvest, every posting its own primary (what the change-over-time summaries read beside the view).
    build_analysis_view(con, postings)
    wh.write_table(con, "ai_keyword_postings", kw)
    return con


@pytest.fixture()
def con():
    c = make_con()
    yield c
    c.close()


def _row(df: pl.DataFrame, **keys) -> dict:
    part = df.filter(*[pl.col(k) == v for k, v in keys.items()])
    assert part.height == 1, (keys, part)
    return part.row(0, named=True)


def test_table1_counts_and_shares(con):
    t1 = T.table1_by_category(con)
    assert t1["category"].to_list() == ["TT1", "TT2", "PRODUCT", "COMMERCIAL", "NOT_AI", "TOTAL"]
    assert t1["postings"].to_list() == [5, 3, 1, 1, 2, 12]
    assert t1["share"].to_list() == pytest.approx([5 / 12, 3 / 12, 1 / 12, 1 / 12, 2 / 12, 1.0])
    assert _row(t1, category="TT1")["category_name"] == "Technical Team 1"
    assert "corrected_count" not in t1.columns


def test_table1_with_corrected_counts(con):
    con.execute(
        "CREATE TABLE classifier_corrected_counts AS SELECT * FROM (VALUES "
        "('TT1', 5, 0.4167, 4.5, 0.375, 0.30, 0.45), ('NOT_AI', 2, 0.1667, 2.5, 0.2083, 0.10, 0.30)) "
        "v(category, raw_count, raw_share, corrected_count, corrected_share, ci_low, ci_high)"
    )
    t1 = T.table1_by_category(con)
    tt1 = _row(t1, category="TT1")
    assert (tt1["corrected_count"], tt1["ci_low"], tt1["ci_high"]) == pytest.approx((4.5, 0.30, 0.45))
    assert _row(t1, category="TT2")["corrected_count"] is None
    assert _row(t1, category="TOTAL")["corrected_count"] == pytest.approx(7.0)


def test_table1_hides_a_correction_too_uncertain_to_publish(con):
    con.execute(
        "CREATE TABLE classifier_corrected_counts AS SELECT * FROM (VALUES "
        "('TT1', 5, 0.4167, 4.5, 0.375, 4.0, 5.0, 0.05, true), "
        "('COMMERCIAL', 1, 0.0833, 0.7, 0.058, 0.0, 3.0, 0.9, false)) "
        "v(category, raw_count, raw_share, corrected_count, corrected_share, ci_low, ci_high, relative_se, "
        "correction_reliable)"
    )
    t1 = T.table1_by_category(con)
    assert _row(t1, category="COMMERCIAL")["correction_reliable"] is False
    shown = present(t1)
    assert "Correction reliable" not in shown.headers
    cell = dict(zip(shown.headers, zip(*shown.rows)))
    cats = [c for c, _ in cell[label("category")]]
    commercial, tt1 = cats.index(CATEGORY_NAMES["COMMERCIAL"]), cats.index(CATEGORY_NAMES["TT1"])
    for col in ("corrected_count", "ci_high"):
        assert cell[label(col)][commercial] == (TOO_UNCERTAIN, False)
    assert cell[label("corrected_count")][tt1][0] != TOO_UNCERTAIN


def test_table2_three_buckets(con):
    t2 = T.table2_education(con)
    # TT1: p03 associate | p01, p05 bachelor, p02 master (minimum only) | p04 nothing.
    assert _row(t2, category="TT1", bucket="less than bachelor")["share"] == pytest.approx(0.2)
    assert _row(t2, category="TT1", bucket="bachelor or higher")["postings"] == 3
    assert _row(t2, category="TT1", bucket="no data")["share"] == pytest.approx(0.2)
    # 'none' (no requirement) is below a bachelor's, not missing.
    assert _row(t2, category="TT2", bucket="less than bachelor")["postings"] == 1
    assert _row(t2, category="PRODUCT", bucket="no data")["postings"] == 0  # zero-filled
    assert t2.height == 15
    assert t2.group_by("category").agg(pl.col("share").sum())["share"].to_list() == pytest.approx([1.0] * 5)


def test_education_and_experience_levels(con):
    edu = T.education_by_category(con)
    assert _row(edu, category="TT1", education_level="bachelor")["share"] == pytest.approx(0.4)
    assert _row(edu, category="TT1", education_level="master")["postings"] == 1
    assert _row(edu, category="TT2", education_level="doctoral")["share"] == pytest.approx(1 / 3)
    exp = T.experience_by_category(con)
    assert _row(exp, category="TT1", experience_level="junior")["postings"] == 2
    assert _row(exp, category="TT1", experience_level="no experience")["postings"] == 1  # from the minimum
    assert _row(exp, category="TT1", experience_level="no data")["share"] == pytest.approx(0.2)
    assert _row(exp, category="NOT_AI", experience_level="no experience")["share"] == pytest.approx(0.5)


def test_table3_medians_and_ppp(con):
    t3 = T.table3_salary(con)
    tt1 = _row(t3, category="TT1")
    # minimum: 120k, 100k, 96k (p03's single salary) -> 100k; maximum: 180k, 200k, 96k -> 180k
    assert (tt1["median_min_annual_cny"], tt1["median_max_annual_cny"]) == (100000.0, 180000.0)
    assert (tt1["n_min"], tt1["n_max"]) == (3, 3)
    assert tt1["median_min_annual_ppp_usd"] == pytest.approx(100000 / 4.187)
    assert tt1["missing_share"] == pytest.approx(2 / 5)
    tt2 = _row(t3, category="TT2")
    # even count: the mean of the middle two (70k, 90k)
    assert (tt2["median_min_annual_cny"], tt2["median_max_annual_cny"], tt2["n_max"]) == (50000.0, 80000.0, 2)
    assert tt2["missing_share"] == pytest.approx(1 / 3)
    assert _row(T.table3_salary(con, ppp_rate=5.0), category="TT1")["median_max_annual_ppp_usd"] == pytest.approx(36000)
    with pytest.raises(ValueError):
        T.table3_salary(con, ppp_rate=0)


def test_province_salary_min_n_rule(con):
    # TT1 salaried postings: Guangdong p01, p03 (p04 has none) -> 2; Shanghai p02 -> 1.
    at2 = T.tt1_salary_by_province(con, min_n=2)
    assert at2["province_en"].to_list() == ["Guangdong"]
    gd = at2.row(0, named=True)
    assert (gd["n_salary"], gd["median_min_annual_cny"], gd["median_max_annual_cny"]) == (2, 108000.0, 138000.0)
    at1 = T.tt1_salary_by_province(con, min_n=1)
    assert at1["province_en"].to_list() == ["Shanghai", "Guangdong"]  # highest median maximum first
    assert T.tt1_salary_by_province(con).is_empty()  # default >= 100


def test_province_counts_and_missing_share(con):
    pc = T.province_counts(con)
    tt1 = pc.filter(pl.col("category") == "TT1")
    assert tt1["province_en"].to_list() == ["Guangdong", "Shanghai", None]
    assert tt1["postings"].to_list() == [3, 1, 1]
    assert tt1.filter(pl.col("province_zh").is_null())["share"][0] == pytest.approx(0.2)
    assert pc.filter(pl.col("category") == "TT2")["postings"].sum() == 3
    assert set(pc["category"].to_list()) == {"TT1", "TT2"}


def test_table4_distinct_postings(con):
    t4 = T.table4_keywords(con, top_n=2)
    kw = t4.filter((pl.col("row_kind") == "keyword") & (pl.col("category") == "TT1"))
    # machine learning: p01 (matched twice) and p02 = 2; 'gone' is not a primary posting.
    # Three keywords tie at 1; the alphabetical first takes rank 2.
    assert kw.select("rank", "keyword_en", "postings").rows() == [(1, "machine learning", 2), (2, "computer vision", 1)]
    assert _row(t4, category="TT1", row_kind="top_distinct")["postings"] == 3  # p01, p02, p03
    alld = _row(t4, category="TT1", row_kind="all_distinct")
    assert (alld["postings"], alld["share_of_category"]) == (4, pytest.approx(0.8))
    assert _row(t4, category="TT2", row_kind="top_distinct")["postings"] == 2  # p06 has both keywords
    assert T.table4_keywords(con)["row_kind"].to_list().count("keyword") == 6  # 4 TT1 + 2 TT2 keywords


def test_keyword_education(con):
    ke = T.keyword_education(con)
    # TT1 keyword postings p01 bachelor, p02 master, p03 associate, p04 no data.
    assert _row(ke, category="TT1", postings_group="keyword postings", education_level="master")["share"] == pytest.approx(0.25)
    assert _row(ke, category="TT1", postings_group="all postings", education_level="bachelor")["share"] == pytest.approx(0.4)
    assert _row(ke, category="TT2", postings_group="keyword postings", education_level="none")["postings"] == 1


def test_table_c1_nulls(con):
    c1 = T.table_c1_nulls(con, ["desired_education_exact_level_norm", "location_province_zh_norm"])
    assert c1.rows() == [("desired_education_exact_level_norm", 3, 12, 0.25),
                         ("location_province_zh_norm", 1, 12, pytest.approx(1 / 12))]
    all_fields = T.table_c1_nulls(con)
    assert "title_extracted" not in all_fields["field"].to_list()
    assert _row(all_fields, field="salary_maximum_annual_value_norm")["nulls"] == 4
    with pytest.raises(KeyError):
        T.table_c1_nulls(con, ["no_such_norm"])


def test_ztest_matches_scipy():
    z, p = rstats.two_proportion_ztest(30, 100, 45, 120)
    # hand: pooled 75/220; se = sqrt(p(1-p)(1/100+1/120)); z = (0.3-0.375)/se
    pooled = 75 / 220
    assert z == pytest.approx((0.3 - 0.375) / np.sqrt(pooled * (1 - pooled) * (1 / 100 + 1 / 120)))
    chi2, p_chi, _, _ = stats.chi2_contingency([[30, 70], [45, 75]], correction=False)
    assert z**2 == pytest.approx(chi2)
    assert p == pytest.approx(p_chi)
    assert rstats.two_proportion_ztest(0, 5, 0, 7) == (0.0, 1.0)


def test_ranksum_and_bonferroni():
    a, b = [5.0, 6.0, 7.0, 9.0], [1.0, 2.0, 8.0]
    assert rstats.ranksum_test(a, b) == pytest.approx(tuple(stats.ranksums(a, b)))
    assert rstats.bonferroni([0.01, 0.2, 0.5]) == pytest.approx([0.03, 0.6, 1.0])


def test_significance_tests_table(con):
    sig = T.significance_tests(con)
    assert sig.filter(pl.col("family") == "shares").height == 16  # 4 metrics x 4 AI categories
    row = _row(sig, metric="bachelor or higher", group_a="TT1")
    # TT1 3/5 vs Not AI 1/2: pooled 4/7, se = sqrt(4/7 * 3/7 * (1/5 + 1/2))
    assert row["statistic"] == pytest.approx(0.1 / np.sqrt(4 / 7 * 3 / 7 * 0.7))
    assert row["p_adjusted"] == pytest.approx(min(1.0, row["p_value"] * 16))
    sal = _row(sig, metric="median minimum annual salary", group_a="TT1")
    assert (sal["n_a"], sal["n_b"], sal["estimate_a"], sal["estimate_b"]) == (3, 2, 100000.0, 40000.0)
    assert sal["statistic"] == pytest.approx(stats.ranksums([120000, 100000, 96000], [30000, 50000]).statistic)
    assert sal["m"] == 8


def test_regional_clusters(con):
    cl = T.regional_clusters(con)
    # AI postings (10): YRD p02 Shanghai, p09 Zhejiang; PRD p01, p03, p04, p08; BTH p06, p07;
    # Chengdu p10 outside; p05 has no location.
    assert dict(cl.select("cluster", "postings").rows()) == {
        "Yangtze River Delta": 2, "Pearl River Delta": 4, "Beijing-Tianjin-Hebei": 2,
        "Outside the clusters": 1, "Location missing": 1}
    assert _row(cl, cluster="Pearl River Delta")["share"] == pytest.approx(0.4)
    assert region_of("广东省", "汕头市") is None  # Guangdong outside the nine PRD cities
    assert region_of("安徽省", "合肥市") == "Yangtze River Delta"
    assert _row(cl, cluster="Pearl River Delta")["members"].startswith("Guangdong: Guangzhou, Shenzhen")


def test_top_cities(con):
    top = T.top_cities(con, n=3)
    assert top.height == 3
    first = top.row(0, named=True)
    assert (first["city_en"], first["province_en"], first["postings"], first["share"]) == ("Shenzhen", "Guangdong", 2, 0.2)
    assert top["cumulative_share"].to_list() == pytest.approx([0.2, 0.3, 0.4])
    assert T.top_cities(con, n=50).height == 8  # eight distinct AI cities


def test_geography_helpers():
    assert province_en("内蒙古自治区") == "Inner Mongolia"
    assert province_en(None, "Xyz Province") == "Xyz"
    verts, codes = parse_svg_path("M0,0L10,0H10V10C10,12,8,12,8,10S6,8,6,10Z")
    assert verts[:4] == [(0, 0), (10, 0), (10, 0), (10, 10)]
    assert verts[7] == (8, 8)  # S reflects the previous control point (8,12) about (8,10)
    assert len(verts) == len(codes) == 11
    shapes = province_shapes()
    if shapes is not None:  # pygal-maps-china installed
        assert {"GD", "SH", "XJ", "BJ"} <= set(shapes)


def test_map_bins():
    assert figures.bin_labels(figures.STUDY_MAP_BINS) == ["< 10,000", "10,000–40,000", "40,000–60,000", ">= 60,000"]
    assert [figures.bin_index(v, (10, 40, 60)) for v in (0, 9, 10, 59, 60, 1000)] == [0, 0, 1, 2, 3, 3]


def _is_png(b: bytes) -> bool:
    return is_drawn_png(b)


def test_figures_are_pngs(con):
    """Figures are drawn from the stored summary tables, through the one registry."""
    S.write_summaries(con, SETTINGS)
    tables = S.load_summaries(con)
    figs = S.summary_figures(tables, SETTINGS)
    assert set(figs) == {f"figure_{i}" for i in range(1, 9)} | {"figure_top_cities", "figure_demand_over_time"}
    assert all(_is_png(png) for _, png in figs.values())
    empty = tables["province_counts"].clear()
    assert _is_png(figures.figure_5(empty))


def test_to_markdown():
    df = pl.DataFrame({"k": ["a|b", "c"], "postings": [1234, 5], "share": [0.5, 0.125]})
    md = rhtml.to_markdown(df, max_rows=1)
    # cells between unescaped pipes, padding stripped
    cells = [[c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]] for line in md.splitlines()[:3]]
    assert cells[0] == ["k", "postings", "share"] and set("".join(cells[1])) <= set("-:")
    assert cells[2] == ["a\\|b", "1,234", "50.0%"]
    assert "1 more rows not shown" in md


def report_html(con, **kw) -> str:
    S.write_summaries(con, SETTINGS)
    tables = S.load_summaries(con)
    inputs = D.ReportInputs(tables=tables, figures=S.summary_figures(tables, SETTINGS), min_province_n=1, **kw)
    return D.build_document(inputs, "China's AI workforce " + SCRIPT_TITLE, "2026-01-01")


def test_report_renders_from_stored_tables_only(con):
    """The report reads the stored summary tables: drop the analysis view and it still renders the same."""
    S.write_summaries(con, SETTINGS)
    tables = S.load_summaries(con)
    con.execute("DROP VIEW analysis_postings")
    inputs = D.ReportInputs(tables=tables, figures=S.summary_figures(tables, SETTINGS), min_province_n=1)
    page = D.build_document(inputs, "T", "2026-01-01")
    assert page.count("<img ") == 10 and page.count('<table class="data">') >= 16
    assert "Generated 2026-01-01" in page


def test_report_escapes_posting_text_and_title(con):
    page = report_html(con, failed_checks=['<b>one_primary_per_posting</b> failed'])
    assert "<script" not in page.lower()
    assert str(markupsafe.escape(SCRIPT_TITLE)) in page  # in the title and in the keyword examples
    assert "&lt;b&gt;one_primary_per_posting&lt;/b&gt; failed" in page


def test_report_tables_are_labelled_numbered_and_sourced(con):
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(report_html(con), "html.parser")
    captions = [c.get_text() for c in soup.select("table.data caption, figcaption")]
    assert captions and all(re.match(r"(Table|Figure) (A?\d+|C1)\. ", c) for c in captions), captions
    numbers = [re.match(r"(Table|Figure) (\w+)", c).group(0) for c in captions]
    assert len(numbers) == len(set(numbers))  # Table 4 printed once, every number used once
    assert sum(c.startswith("Table 4.") for c in captions) == 1
    for fig in soup.select("figcaption"):
        assert "n = " in fig.get_text()
    headers = [th.get_text() for th in soup.select("table.data th")]
    raw = re.compile(r"_|\b(TT1|TT2|NOT_AI|PRODUCT|COMMERCIAL|n_min|row_kind|p_adjusted|share_of_all)\b")
    assert not [h for h in headers if raw.search(h)]
    assert all(w.select_one("p.source") for w in soup.select("div.table-wrap"))
    ids = {s.get("id") for s in soup.select("section")}
    assert {"caveat", "findings", "methods"} <= ids
    # Keyword examples show titles, not posting ids.
    assert "p01" not in soup.get_text()


def test_report_findings_come_from_the_numbers(con):
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(report_html(con), "html.parser")
    findings = [li.get_text() for li in soup.select("#findings li")]
    # 5 TT1 + 3 TT2 + 1 Product + 1 Commercial of 12 postings; TT1 is 5/12.
    assert findings[0].startswith("Of 12 unique postings, 83.3 % fall") or "83.3%" in findings[0], findings[0]
    assert "Technical Team 1 41.7% (study 5.4%)" in findings[0]
    # Bachelor's or higher: TT1 p01, p02 (master minimum), p05 = 3 of 5; TT2 p06 = 1 of 3.
    assert any("Technical Team 1 postings ask for a bachelor's degree or higher in 60%" in f and "33%" in f
               for f in findings), findings


def test_table4_and_study_columns(con):
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(report_html(con), "html.parser")
    t4 = next(t for t in soup.select("table.data") if t.caption.get_text().startswith("Table 4."))
    heads = [th.get_text() for th in t4.select("th")]
    assert heads[:4] == ["Rank", "Technical Team 1: keyword", "Technical Team 1: postings", "Technical Team 1: study"]
    first = [td.get_text() for td in t4.select("tbody tr")[0].select("td")]
    assert first[:4] == ["1", "machine learning", "2", "artificial intelligence (11,904)"]
    t1 = next(t for t in soup.select("table.data") if t.caption.get_text().startswith("Table 1."))
    assert "Study share" in [th.get_text() for th in t1.select("th")]
    row = [td.get_text() for td in t1.select("tbody tr")[0].select("td")]
    assert row == ["Technical Team 1", "5", "41.7%", "5.4%"]


def test_corrected_counts_flagged_unreliable_read_too_uncertain():
    from cjd_assets.report.present import present

    df = pl.DataFrame({"category": ["TT1", "PRODUCT"], "postings": [10, 2], "corrected_count": [11.4, 0.3],
                       "correction_reliable": [True, False]})
    shown = present(df)
    assert shown.headers == ["Category", "Postings", "Corrected postings"]
    assert shown.rows[0][2] == ("11", True) and shown.rows[1][2] == ("too uncertain", False)
    assert shown.rows[1][0] == ("Product Team", False)


def test_report_on_empty_database(con):
    con.execute("DELETE FROM deduplicated_postings")
    con.execute("DELETE FROM ai_keyword_postings")
    page = report_html(con)
    assert "Key findings" in page
    assert T.table1_by_category(con)["postings"].to_list() == [0] * 6
    assert T.significance_tests(con).is_empty()


def test_corpus_by_source(con):
    corpus = T.corpus_by_source(con)
    assert corpus.select("source", "postings").rows() == [("liepin", 11), ("51job", 1)]
    first = corpus.row(0, named=True)
    assert (first["first_release_date"], first["last_release_date"]) == (date(2021, 3, 1), date(2021, 3, 11))
    assert corpus["share"].to_list() == pytest.approx([11 / 12, 1 / 12])


def test_unclassified_postings_stay_visible(con):
    con.execute("INSERT INTO deduplicated_postings (id, is_primary) VALUES ('p13', true), ('p14', true)")
    con.execute("INSERT INTO classified_postings (id, job_category_pr) VALUES ('p13', NULL), ('p14', 'NEW')")
    con.execute("INSERT INTO normalized_postings (id) VALUES ('p13'), ('p14')")
    edu = T.education_by_category(con)
    assert edu["category"].unique(maintain_order=True).to_list() == [*T.CATEGORIES, "NEW", None]
    assert _row(T.table1_by_category(con), category="TOTAL")["postings"] == 14


def test_png_markdown():
    assert rhtml.png_markdown(b"\x89PNG", "Fig [1]") == "![Fig (1)](data:image/png;base64,iVBORw==)"


def test_map_classes_are_never_degenerate():
    # A handful of postings: classes are whole-number ranges that each hold a count, not '< 1, 1–2, 2–3'.
    bins = figures.count_bins([1, 1, 2, 3, 6])
    assert bins == (2.0, 3.0, 6.0)
    assert figures.bin_labels(bins, integer=True) == ["1", "2", "3–5", "≥ 6"]
    assert figures.bin_labels(figures.count_bins([4, 4, 4]), integer=True) == ["1–3", "≥ 4"]
    big = figures.count_bins([26_409, 9_293, 7_370, 2_927, 637, 587, 459, 353, 321, 303, 40, 12])
    assert list(big) == sorted(set(big)) and big[0] > 1
    labels = figures.bin_labels(big, integer=True)
    assert len(labels) == len(big) + 1 and not any(lbl.startswith("<") for lbl in labels)


def test_crowded_province_labels_do_not_collide():
    """Jiangsu, Anhui, Shanghai and Zhejiang, and Beijing, Tianjin and Hebei, share a corner of the map:
    their labels are set apart (leader lines) and no two label boxes overlap."""
    if province_shapes() is None:
        pytest.skip("pygal-maps-china not installed: the tile grid has no labels to collide")
    names = ["江苏省", "安徽省", "上海市", "浙江省", "北京市", "天津市", "河北省", "广东省"]
    df = pl.DataFrame({"category": ["TT1"] * len(names), "province_zh": names,
                       "postings": [900, 300, 1200, 700, 1500, 200, 100, 2000]})
    boxes: list = []
    png = figures.figure_province_map(df, "TT1", bins=figures.count_bins(df["postings"].to_list()), _label_boxes=boxes)
    assert _is_png(png) and len(boxes) == 8
    assert not [(i, j) for i, a in enumerate(boxes) for j, b in enumerate(boxes[i + 1:], i + 1)
                if figures._overlaps(a, b)]
