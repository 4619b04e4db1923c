"""Dedup 10 M synthetic raw postings in DuckDB (the study's corpus size) and time each step.

    python bench/bench_dedup.py --rows 10_000_000 --threads 2

The rows mimic the study's mix: ~90 % 51job, the rest Liepin, Zhaopin, BOSS, Lagou, CJOL; about a third
re-harvests of a posting under another URL tail or a mobile host, some longer than others; 5 % without
a URL (content key), 0.1 % of unknown URL shapes. Bodies are cut from a Chinese text, 40–400 characters.
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from pathlib import Path

import duckdb

from cjd_assets import dedup

TEXT = (
    "岗位职责：1、负责机器学习与深度学习算法的研究与开发，参与推荐系统、计算机视觉、自然语言处理等方向的"
    "模型设计、训练与上线；2、负责数据挖掘与特征工程，分析海量用户行为数据；3、跟踪人工智能前沿技术。"
    "任职要求：1、本科及以上学历，计算机、数学、统计等相关专业；2、三年以上相关工作经验，熟悉Python、"
    "C++、Java其中一种，熟悉TensorFlow或PyTorch；3、良好的沟通能力与团队合作精神。福利：五险一金，"
    "带薪年假，年终奖金，弹性工作，节日福利，定期体检，员工旅游，免费班车，餐补，交通补贴，通讯补贴。"
)

GENERATE = """
CREATE OR REPLACE TABLE raw_postings AS
WITH r AS (
    SELECT i, (i * 7919) % {n_postings} AS pid, hash(i) % 1000 AS h, hash(i * 31 + 7) % 100 AS kind
    FROM range({rows}) t(i)
), b AS (
    SELECT *, CASE WHEN pid % 100 < 90 THEN '51job' WHEN pid % 100 < 94 THEN 'liepin'
                   WHEN pid % 100 < 97 THEN 'zhaopin' WHEN pid % 100 < 98 THEN 'boss'
                   WHEN pid % 100 < 99 THEN 'lagou' ELSE 'cjol' END AS source
    FROM r
)
SELECT
    'r' || i AS id, 'p' || i AS page_id, 'h' || (i % 20) AS harvest_id,
    -- 1 in 20 postings shares company and title with another posting (chains re-posting a job)
    '算法工程师' || CASE WHEN pid % 20 = 0 THEN pid % 5000 ELSE hash(pid) % 5000 END AS title_extracted,
    substr({text}, 1 + (pid % 50)::INT, (40 + (pid % 300) + (h % 60))::INT) AS body_extracted,
    '公司' || (pid % 200000) AS company_name_extracted,
    NULL::VARCHAR AS company_information_extracted, NULL::VARCHAR AS release_date_extracted,
    '上海-浦东新区' AS location_extracted, '1-1.5万/月' AS salary_extracted,
    '3-4年经验' AS desired_experience_extracted, '本科' AS desired_education_extracted,
    CASE
        WHEN kind < 5 THEN NULL
        WHEN kind < 6 AND h < 100 THEN 'https://www.example' || (pid % 97) || '.com/show.php?id=' || pid
        WHEN source = '51job' AND kind < 30 THEN 'http://m.51job.com/search/jobdetail.php?jobtype=0&jobid=' || pid
        WHEN source = '51job' THEN 'https://jobs.51job.com/shanghai-pdxq/' || pid || '.html?s=sou_sou_soulb&t=' || (h % 7)
        WHEN source = 'liepin' THEN 'https://www.liepin.com/' || CASE WHEN pid % 2 = 0 THEN 'job' ELSE 'a' END
                                    || '/' || pid || '.shtml?imscid=' || h
        WHEN source = 'zhaopin' THEN 'http://jobs.zhaopin.com/CC' || pid || 'J00' || (pid % 997) || '.htm'
        WHEN source = 'boss' THEN 'https://www.zhipin.com/job_detail/' || md5(pid::VARCHAR)[1:20] || '~.html?ka=' || h
        WHEN source = 'lagou' THEN 'https://www.lagou.com/jobs/' || pid || '.html?show=' || h
        ELSE 'http://www.cjol.com/jobs/job-' || pid
    END AS url_extracted,
    source,
    TIMESTAMP '2021-02-01' + to_days((i % 150)::INT) AS retrieve_date,
    'bench' AS pipeline_version
FROM b
"""


def _cpu() -> float:
    """CPU seconds of this process (all DuckDB threads): a measure that other load on the box spares."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--memory-limit", default="6GB")
    ap.add_argument("--db", default=None, help="DuckDB file (default: a temporary one)")
    ap.add_argument("--tmp", default=None, help="where the temporary DuckDB file goes")
    ap.add_argument("--force-compression", default=None,
                    help="DuckDB force_compression for the dedup steps (e.g. uncompressed: half the CPU of "
                         "writing the wide table, 1.5x the file)")
    a = ap.parse_args()
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(dir=a.tmp) as tmp:
        path = a.db or str(Path(tmp) / "bench.duckdb")
        con = duckdb.connect(path)
        con.execute(f"SET threads = {a.threads}; SET memory_limit = '{a.memory_limit}'; "
                    f"SET temp_directory = '{tmp}/spill'; SET preserve_insertion_order = false")
        timings = {}

        def step(name: str, sql: str) -> None:
            t, c = time.perf_counter(), _cpu()
            con.execute(sql)
            timings[name] = (time.perf_counter() - t, _cpu() - c)

        step("generate (not timed as dedup)", GENERATE.format(
            rows=a.rows, n_postings=int(a.rows * 0.67), text="'" + TEXT * 2 + "'"))
        if a.force_compression:
            con.execute(f"SET force_compression = '{a.force_compression}'")
        groups, table, drop = dedup.render_dedup_sql("raw_postings", "deduplicated_postings")
        step("keys + primary (sql/dedup_groups.sql)", groups)
        step("table with every column (sql/deduplicated_postings.sql)", table)
        con.execute(drop)
        t, c = time.perf_counter(), _cpu()
        stats = dedup.dedup_stats(con, "deduplicated_postings")
        timings["stats"] = (time.perf_counter() - t, _cpu() - c)
        t, c = time.perf_counter(), _cpu()
        near = dedup.near_duplicates(con, "deduplicated_postings")
        timings["near_duplicates (report)"] = (time.perf_counter() - t, _cpu() - c)
        print(f"rows={a.rows:,} threads={a.threads} memory_limit={a.memory_limit} duckdb={duckdb.__version__} "
              f"force_compression={a.force_compression or 'auto'} load before={load:.1f}")
        for name, (wall, cpu) in timings.items():
            print(f"  {name:58s} wall {wall:7.1f} s   cpu {cpu:7.1f} s")
        dedup_wall = sum(timings[k][0] for k in list(timings)[1:4])
        dedup_cpu = sum(timings[k][1] for k in list(timings)[1:4])
        print(f"  {'deduplicate() total':58s} wall {dedup_wall:7.1f} s   cpu {dedup_cpu:7.1f} s "
              f"({a.rows / dedup_wall:,.0f} rows/s wall)")
        print({k: stats[k] for k in ("harvested", "unique", "duplicates", "duplicate_share",
                                     "unknown_url_shapes", "no_url")})
        print({k: v for k, v in near.items() if k != "examples"})
        con.close()


if __name__ == "__main__":
    main()
