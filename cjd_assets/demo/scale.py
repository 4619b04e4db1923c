"""Synthetic raw_postings at benchmark scale (100k, 1M, 10M rows), built vectorized.

Per-row Python is too slow for 10M rows, so a bank of postings is generated once with
`generate_corpus` (realistic text and field shapes) and every scale posting reuses a bank row's
text, with its own job id, URL and a street-address line so distinct postings stay distinct in
content (a content-hash dedup must not merge them). A share of rows re-crawl an earlier posting:
same job id, a different URL tail, and for half of them a body cut short as on list pages.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Iterator

import numpy as np
import polars as pl

from .corpus import CITIES, generate_corpus

PIPELINE_VERSION = "demo-scale-1"
RAW_POSTING_COLUMNS: tuple[str, ...] = (
    "id", "page_id", "harvest_id", "title_extracted", "body_extracted", "company_name_extracted",
    "company_information_extracted", "release_date_extracted", "location_extracted", "salary_extracted",
    "desired_experience_extracted", "desired_education_extracted", "url_extracted", "source",
    "retrieve_date", "pipeline_version", "is_partial", "board_occupation", "label",
)
_ROADS = ("科技路", "创业大道", "人民路", "解放路", "中山路", "建设路", "软件园路", "高新大道", "长江路", "滨江大道",
          "学府路", "工业大道", "金融街", "光谷大道", "文三路", "东方路", "世纪大道", "新华路", "和平路", "望京街")
# Job ids come from an affine map of the posting number: a bijection modulo the id space, so ids are
# unique without sampling, and look scattered. The multiplier is prime and coprime to both moduli.
_ID_MUL = 104_729
_ID_SPACE = {"51job": (100_000_000, 900_000_000), "liepin": (10_000_000, 90_000_000)}
_BASE_TIME = datetime(2021, 7, 1, tzinfo=timezone.utc)


def _bank_size(n: int) -> int:
    # Enough distinct texts for realistic variety; capped so the per-row corpus cost stays ~1 s.
    return int(min(20_000, max(500, n // 20)))


def generate_raw_postings(n: int, seed: int = 0, batch_size: int = 100_000, duplicate_share: float = 0.3,
                          n_harvests: int = 1) -> Iterator[pl.DataFrame]:
    """Yield `n` synthetic raw_postings rows in batches of at most `batch_size`, deterministic for `seed`.

    Columns: RAW_POSTING_COLUMNS (the raw_postings columns plus `label`, the true category).
    Rows are spread over `n_harvests` consecutive harvests 'scale-000', 'scale-001', ...
    """
    if n <= 0:
        return
    if n >= 90_000_000:
        raise ValueError("n must stay below the liepin id space (90M)")
    rng = np.random.default_rng(seed)
    bank = generate_corpus(_bank_size(n), seed=seed)
    n_bank = bank.height

    # Which rows re-crawl an earlier posting, and which posting each row shows.
    is_dup = np.zeros(n, dtype=bool)
    n_dup = min(int(round(n * duplicate_share)), n - 1)
    if n_dup:
        is_dup[1 + rng.permutation(n - 1)[:n_dup]] = True  # row 0 is always an original
    n_seen = np.cumsum(~is_dup)  # originals so far, inclusive
    posting = n_seen - 1
    dup_rows = np.flatnonzero(is_dup)
    posting[dup_rows] = (rng.random(dup_rows.size) * n_seen[dup_rows]).astype(np.int64)
    del n_seen
    n_unique = n - n_dup
    template = rng.integers(0, n_bank, n_unique, dtype=np.int64)  # bank row of each posting
    road = rng.integers(0, len(_ROADS), n_unique, dtype=np.int8)
    number = rng.integers(1, 2000, n_unique, dtype=np.int16)
    # Half of the re-crawls carry a body cut to 40-90 % (list-page snippets).
    cut = np.where(is_dup & (rng.random(n) < 0.5), rng.uniform(0.4, 0.9, n), 1.0).astype(np.float32)
    harvest = (np.arange(n, dtype=np.int64) * n_harvests // n).astype(np.int32)

    city_name = {slug: name for slug, (name, _, _) in CITIES.items()}
    bank = bank.with_columns(
        pl.col("city_slug").replace_strict(city_name, default="").alias("_city"),
        (pl.col("board") == "51job").alias("_is51"),
    )
    roads = pl.Series("road", _ROADS)

    for start in range(0, n, batch_size):
        stop = min(n, start + batch_size)
        rows = np.arange(start, stop, dtype=np.int64)
        p = posting[start:stop]
        t = template[p]
        tb = bank[t]
        is51 = tb["_is51"].to_numpy()
        lo = np.where(is51, _ID_SPACE["51job"][0], _ID_SPACE["liepin"][0])
        space = np.where(is51, _ID_SPACE["51job"][1], _ID_SPACE["liepin"][1])
        job_id = lo + (p * _ID_MUL + seed) % space
        h = harvest[start:stop]
        frame = tb.with_columns(
            pl.Series("_row", rows),
            pl.Series("_job", job_id).cast(pl.String),
            pl.Series("_dup", is_dup[start:stop]),
            pl.Series("_cut", cut[start:stop]),
            pl.Series("_h", h),
            roads.gather(road[p]).alias("_road"),
            pl.Series("_num", number[p]).cast(pl.String),
        )
        base_url = (
            pl.when(pl.col("_is51"))
            .then(pl.format("https://jobs.51job.com/{}/{}.html", "city_slug", "_job"))
            .otherwise(pl.format("https://www.liepin.com/job/{}.shtml", "_job"))
        )
        # Re-crawls reach the posting from another listing: same page, a different query tail.
        tail = (
            pl.when(~pl.col("_dup")).then(pl.lit(""))
            .when(pl.col("_is51")).then(pl.format("?s=sou_sou_soulb&t=0_{}", "_row"))
            .otherwise(pl.format("?d_sfrom=search_prime&d_curPage={}", "_row"))
        )
        body = pl.concat_str("body", pl.lit("\n工作地点："), "_city", "_road", "_num", pl.lit("号"))
        body = (
            pl.when(pl.col("_cut") < 1)
            .then(body.str.slice(0, (body.str.len_chars() * pl.col("_cut")).cast(pl.UInt32)))
            .otherwise(body)
        )
        rid = pl.col("_row").cast(pl.String).str.zfill(10)
        out = frame.select(
            pl.format("sc{}-{}", pl.lit(seed), rid).alias("id"),
            pl.format("scp{}-{}", pl.lit(seed), rid).alias("page_id"),
            pl.format("scale-{}", pl.col("_h").cast(pl.String).str.zfill(3)).alias("harvest_id"),
            pl.col("title").alias("title_extracted"),
            body.alias("body_extracted"),
            pl.col("company").alias("company_name_extracted"),
            pl.col("company_info").alias("company_information_extracted"),
            pl.col("release_date_text").alias("release_date_extracted"),
            pl.col("location_text").alias("location_extracted"),
            pl.col("salary_text").alias("salary_extracted"),
            pl.col("experience_text").alias("desired_experience_extracted"),
            pl.col("education_text").alias("desired_education_extracted"),
            (base_url + tail).alias("url_extracted"),
            pl.col("board").alias("source"),
            # Each harvest a week after the previous; rows a second apart within it.
            (pl.lit(_BASE_TIME, dtype=pl.Datetime("us", "UTC"))
             + pl.duration(weeks=pl.col("_h"), seconds=pl.col("_row") % 86_400)).alias("retrieve_date"),
            pl.lit(PIPELINE_VERSION).alias("pipeline_version"),
            pl.lit(False).alias("is_partial"),  # generated postings are whole
            pl.lit(None, pl.Utf8).alias("board_occupation"),  # the generator invents no board labels
            "label",
        )
        yield out
