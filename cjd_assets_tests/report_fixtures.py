"""A twelve-posting DuckDB database whose summary tables are worked out by hand in test_report*.py."""

from __future__ import annotations

import duckdb
import polars as pl

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
        pl.lit("liepin").alias("source"),
        pl.lit("某公司").alias("company_name_extracted"),
        pl.lit(None, dtype=pl.Float64).alias("salary_minimum_value_norm"),
        pl.lit("stated").alias("salary_status_norm"),
    )
    kw = pl.DataFrame(KEYWORDS, schema=["id", "job_category_pr", "keyword_en", "matched_term"], orient="row")
    kw = kw.with_columns(pl.lit(True).alias("in_title"), pl.lit(False).alias("in_body"))
    con.register("postings_df", postings)
    con.register("kw_df", kw)
    con.execute("CREATE TABLE postings AS SELECT * FROM postings_df")
    con.execute("CREATE VIEW analysis_postings AS SELECT * FROM postings")
    con.execute("CREATE TABLE ai_keyword_postings AS SELECT * FROM kw_df")
    con.unregister("postings_df")
    con.unregister("kw_df")
    return con
