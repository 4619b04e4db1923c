"""The export's `extra` column (JSON text with the source row's remaining raw fields) as extracted fields.

The real-postings export (shared/data/real_postings, PROVENANCE.md) keeps in `extra` what its sources
stored as structured fields: numeric pay, company facts, district names, crawl and creation times. Each
key below has a meaning in the study's Appendix A; it fills the extracted column only where the export's
own text column is empty, so text as found always wins. The board's own occupation label (OCCUPATION_KEYS)
is no Appendix A field but fills `board_occupation`, which the classifier reads. Keys not listed here
(welfare, skill tags, head counts...) are reported as left.

Structured pay is rendered as text the salary normalizer reads and a reader recognises as structured:
`15000-20000元/月` (monthly yuan), `18000元以下/月` (only a maximum), `·13薪` appended for a separate
months-of-pay field.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Iterable

import duckdb
import polars as pl

EXTRA_COLUMN = "extra"

# (minimum key, maximum key, yuan per unit, the source may store the pair reversed): numeric monthly pay.
#   yujunxiong 51job min_wages/max_wages: monthly yuan; the crawler converted 万/年 to /12 (833.0 = 1万/年)
#   and stored such annual ranges reversed (all 432 rows whose two values are both /12 values have
#   min_wages > max_wages, none the other way), so the pair is read in ascending order;
#   lai416703504 zhaopin min_salary/max_salary: monthly yuan of the 2018 Zhilian API (as salary_text);
#   sprider-m2 pay_range_from_k/to_k: thousands of yuan a month.
SALARY_PAIRS: tuple[tuple[str, str, float, bool], ...] = (
    ("min_wages", "max_wages", 1.0, True),
    ("min_salary", "max_salary", 1.0, False),
    ("pay_range_from_k", "pay_range_to_k", 1000.0, False),
)
# '4001-6000': Zhilian salaryReal, monthly yuan.
SALARY_TEXT_KEYS: tuple[str, ...] = ("salary_real",)
# '13薪': months of pay a year, a separate field in some sources (BOSS salary_type, Zhilian salaryCount).
SALARY_MONTHS_KEYS: tuple[str, ...] = ("salary_months", "salary_count")
# Company facts -> company_information_extracted, head count first (the salary model reads the first
# 'N-M人' as the company size band).
COMPANY_KEYS: tuple[tuple[str, str], ...] = (
    ("company_size", "规模"),
    ("company_scale", "规模"),
    ("company_type", "性质"),
    ("company_nature", "性质"),
    ("company_type_size", "性质/规模"),
    ("industry", "行业"),
    ("company_industry", "行业"),
    ("finance", "融资"),
    ("company_desc", "简介"),
    ("company_intro", "简介"),
)
# A district/county field refines a location text that names only the city ('郑州' + '惠济区').
DISTRICT_KEYS: tuple[str, ...] = ("city_district", "district", "county")
# Whole location when the text column is empty, most general first.
LOCATION_KEYS: tuple[str, ...] = ("province", "city", *DISTRICT_KEYS)
# Creation time of the posting on the board (unix seconds) -> release date.
RELEASE_UNIX_KEYS: tuple[str, ...] = ("created_unix",)
# Crawl (retrieval) time of the row, the reference for relative release dates: a top-level column or a key
# of `extra` (shared/data/real_postings: liepin `crawl_time`, BOSS `record_create_time`). Sources' times
# without a zone are China local time.
CRAWL_TIME_FIELDS: tuple[str, ...] = (
    "crawl_time", "crawled_at", "crawl_date", "scrape_time", "scraped_at", "fetch_time", "retrieve_date",
    "retrieved_at", "record_create_time",
)
SOURCE_TIME_ZONE = "Asia/Shanghai"
# The board's own occupation label -> board_occupation, the first group present; a group's values (and a
# '#'-joined value) form one category path, most general first, repeats dropped ('产品#产品经理#产品经理'
# -> '产品/产品经理'). Zhaopin: job_type_l3 (the export's name for the Zhilian API's subJobTypeLevelName,
# '销售顾问'), jobTypeLevelName (detail-page state); BOSS: main_category + sub_category ('产品'/'产品经理');
# job_category: neituixiaowangzi's category path ('技术#后端开发#Java') and Zhilian's 岗位分类 ('新媒体运营').
# Not the crawlers' own search keywords or sheet names (search_keyword, sheet, category_file): the board
# did not label the posting with them.
OCCUPATION_KEYS: tuple[tuple[str, ...], ...] = (
    ("job_type_l3",), ("subJobTypeLevelName",), ("jobTypeLevelName",), ("main_category", "sub_category"),
    ("job_category",), ("岗位分类",),
)
# 51job puts its 职能类别 (occupation links) at the end of the description; exports that scraped the page
# text keep it in the body ('职能类别：数据分析师微信分享', the share button or the address block glued on).
OCCUPATION_IN_BODY = r"职能类别[:：]\s*([^\n]{1,60}?)\s*(?:关键字|微信分享|工作地址|上班地址|\n|$)"

MAPPED_KEYS: dict[str, str] = {
    **{k: "salary_extracted" for pair in SALARY_PAIRS for k in pair[:2]},
    **dict.fromkeys(SALARY_TEXT_KEYS, "salary_extracted"),
    **dict.fromkeys(SALARY_MONTHS_KEYS, "salary_extracted"),
    **{k: "company_information_extracted" for k, _ in COMPANY_KEYS},
    **dict.fromkeys(LOCATION_KEYS, "location_extracted"),
    **dict.fromkeys(CRAWL_TIME_FIELDS, "retrieve_date"),
    **dict.fromkeys(RELEASE_UNIX_KEYS, "release_date_extracted"),
    **{k: "board_occupation" for group in OCCUPATION_KEYS for k in group},
}
_JUNK_COMPANY = r"^综合竞争力评估|点击查看地图|<[a-zA-Z/!]"  # scraped page furniture and markup, not company facts


def _read(text) -> dict:
    try:
        d = json.loads(text) if text else {}
    except (TypeError, ValueError):
        return {}
    return d if isinstance(d, dict) else {}


def _key_frame(extra: pl.Series) -> pl.DataFrame:
    """The mapped keys of every row's extra JSON as text columns (a number or list as its JSON text; null
    where the row lacks the key, or its extra is not a JSON object). DuckDB reads all the keys in one
    parse a row, in its threads: 4x cheaper than json.loads and a dict lookup per key and row."""
    keys = list(MAPPED_KEYS)
    paths = ", ".join(f"'$.\"{k}\"'" for k in keys)
    frame = pl.DataFrame({"extra": extra.cast(pl.String)})
    with duckdb.connect() as con:
        values = con.sql(
            f"SELECT json_extract_string(CASE WHEN json_valid(extra) THEN extra END, [{paths}]) AS v FROM frame"
        ).pl()["v"]
    return pl.DataFrame([values.list.get(i, null_on_oob=True).alias(k) for i, k in enumerate(keys)])


extra_keys = _key_frame  # public name: decode an export's `extra` once, pass it to crawl_times/fill_from_extra


def _key(name: str) -> pl.Expr:
    """One key of the extra JSON as trimmed text (null when absent, empty, '无' or 'nan')."""
    v = pl.col(name).str.strip_chars()
    return pl.when(v.is_in(["", "无", "nan", "None", "null", "[]"]) | v.is_null()).then(None).otherwise(v)


def _category_path(keys: tuple[str, ...]) -> pl.Expr:
    """The keys' values as one '/'-joined category path (null when all are empty)."""
    joined = pl.concat_str([_key(k) for k in keys], separator="#", ignore_nulls=True)
    # a '#' that ends a name ('C#', 'C#/.NET') is no separator: shielded while splitting
    joined = joined.str.replace_all(r"#($|[/ ])", "\x00$1")
    parts = joined.str.split("#").list.eval(
        pl.element().str.replace_all("\x00", "#", literal=True).str.strip_chars().filter(pl.element() != ""))
    path = parts.list.unique(maintain_order=True).list.join("/")
    return pl.when(path != "").then(path)


def occupation_from_body(body: pl.Expr) -> pl.Expr:
    """51job's 职能类别 from a posting's text (null where it has none): the last one, since some pages
    repeat the block and a duty line may mention the word. (A leading `(?s).*` would say the same but
    costs ~4x: this runs on every posting the classifier reads.)"""
    last = body.cast(pl.String).str.extract_all(OCCUPATION_IN_BODY).list.last()
    last = last.str.replace(r"^.*职能类别[:：]", "")  # matches do not overlap: '…职能类别：A职能类别：B' is one
    return (pl.lit("职能类别：") + last).str.extract(OCCUPATION_IN_BODY, 1).str.strip_chars()


def fill_board_occupation(df: pl.DataFrame) -> pl.DataFrame:
    """`df` with `board_occupation` (added when absent) filled from the body's 职能类别 where it is empty."""
    have = pl.col("board_occupation") if "board_occupation" in df.columns else pl.lit(None, pl.String)
    if "body_extracted" not in df.columns:
        return df.with_columns(have.alias("board_occupation"))
    found = occupation_from_body(pl.col("body_extracted"))
    found = pl.when(found != "").then(found)
    given = have.cast(pl.String).str.strip_chars()
    return df.with_columns(pl.when(given.is_null() | (given == "")).then(found).otherwise(given).alias("board_occupation"))


def _blank(col: str) -> pl.Expr:
    return pl.col(col).cast(pl.String).str.strip_chars().fill_null("") == ""


def _yuan(v: pl.Expr) -> pl.Expr:
    """15000.0 -> '15000', 833.33 -> '833.33'; a minus sign is kept (the normalizer flags it)."""
    whole = (v - v.round(0)).abs() < 1e-9
    return pl.when(whole).then(v.round(0).cast(pl.Int64).cast(pl.String)).otherwise(v.round(2).cast(pl.String))


def _with_pay_text(df: pl.DataFrame) -> pl.DataFrame:
    """`df` (a `_key_frame`) with `__pay_i`, the pay text of SALARY_PAIRS[i] (null where the row has neither
    value). Built in stages, the numbers first: one expression tree per pair re-evaluated each key up to
    a dozen times (2 s for 500 k rows; 0.2 s staged)."""
    nums, texts, pays = {}, {}, {}
    for i, (lo_key, hi_key, scale, reversible) in enumerate(SALARY_PAIRS):
        lo_v, hi_v = _key(lo_key).cast(pl.Float64, strict=False), _key(hi_key).cast(pl.Float64, strict=False)
        if reversible:  # otherwise a reversed range stays as found, for the normalizer to flag
            lo_r, hi_r = pl.min_horizontal(lo_v, hi_v), pl.max_horizontal(lo_v, hi_v)
            lo_v, hi_v = pl.when(_key(lo_key).is_not_null()).then(lo_r), pl.when(_key(hi_key).is_not_null()).then(hi_r)
        nums |= {f"__lo{i}": lo_v * scale, f"__hi{i}": hi_v * scale}
        texts |= {f"__lo{i}": _yuan(pl.col(f"__lo{i}")), f"__hi{i}": _yuan(pl.col(f"__hi{i}"))}
        lo, hi = pl.col(f"__lo{i}"), pl.col(f"__hi{i}")
        pays[f"__pay{i}"] = (
            pl.when(lo.is_not_null() & hi.is_not_null() & (lo == hi)).then(lo + "元/月")
            .when(lo.is_not_null() & hi.is_not_null()).then(lo + "-" + hi + "元/月")
            .when(lo.is_not_null()).then(lo + "元以上/月")
            .when(hi.is_not_null()).then(hi + "元以下/月")
        )
    return df.with_columns(**nums).with_columns(**texts).with_columns(**pays).drop(list(nums))


_CRAWL_TIME_FORMATS = ("%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S")
_CRAWL_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d")


def crawl_times(df: pl.DataFrame, extra_keys: pl.DataFrame | None = None) -> pl.Series:
    """Per-row crawl time of an export as a UTC instant (a zone-less time is China local; a date alone is
    read as local noon, so its calendar date survives the shift to UTC); null where the row carries
    none or it does not parse. extra_keys: `_key_frame` of the rows' `extra`, when the caller decoded it
    already (one JSON decode a row instead of one JSON-path scan per crawl-time key)."""

    def as_text(f: str) -> pl.Expr:
        dtype = df.schema[f]
        if isinstance(dtype, pl.Datetime):
            utc = pl.col(f).dt.convert_time_zone("UTC") if dtype.time_zone else pl.col(f)
            return utc.dt.strftime("%Y-%m-%d %H:%M:%S%.f" + ("Z" if dtype.time_zone else ""))
        return pl.col(f).cast(pl.Utf8)

    texts = [as_text(f) for f in CRAWL_TIME_FIELDS if f in df.columns]
    if extra_keys is not None:
        df = pl.concat([df.select(f for f in CRAWL_TIME_FIELDS if f in df.columns),
                        extra_keys.select(pl.col(f).alias(f"__extra_{f}") for f in CRAWL_TIME_FIELDS)], how="horizontal")
        texts += [pl.col(f"__extra_{f}") for f in CRAWL_TIME_FIELDS]
    elif "extra" in df.columns and df.schema["extra"] == pl.Utf8:
        texts += [pl.col("extra").str.json_path_match(f"$.{f}") for f in CRAWL_TIME_FIELDS]
    if not texts:
        return pl.Series("fetch_time", [None] * df.height, dtype=pl.Datetime("us", "UTC"))
    raw = pl.coalesce(texts).str.strip_chars()
    utc_marked = raw.str.contains(r"(?:Z|[+-]00:?00| UTC)$")
    t = raw.str.replace(r"(?:Z|[+-]00:?00| UTC)$", "")
    parsed = [t.str.to_datetime(f, strict=False, time_unit="us") for f in _CRAWL_TIME_FORMATS]
    parsed += [t.str.to_datetime(f, strict=False, time_unit="us") + pl.duration(hours=12) for f in _CRAWL_DATE_FORMATS]
    naive = pl.coalesce(*parsed)
    local = naive.dt.replace_time_zone(SOURCE_TIME_ZONE, ambiguous="earliest", non_existent="null").dt.convert_time_zone("UTC")
    unix = pl.when(t.str.contains(r"^1\d{9}$")).then(pl.from_epoch(t.cast(pl.Int64, strict=False), time_unit="s"))
    when = pl.coalesce(
        pl.when(utc_marked).then(naive.dt.replace_time_zone("UTC")).otherwise(local),
        unix.cast(pl.Datetime("us")).dt.replace_time_zone("UTC"),
    )
    return df.select(when.alias("fetch_time"))["fetch_time"]


def extra_fields(extra: pl.Series, keys: pl.DataFrame | None = None) -> pl.DataFrame:
    """The Appendix A fields carried by each row's `extra` JSON (nulls where it carries none):
    salary_extracted, salary_months (e.g. '13薪'), company_information_extracted, location_extracted,
    location_district, release_date_extracted, retrieve_date (UTC), board_occupation."""
    df = _key_frame(extra) if keys is None else keys
    company_parts = [
        pl.when(_key(k).str.contains(_JUNK_COMPANY).not_()).then(pl.lit(f"{label}:") + _key(k).str.replace_all(r"\s+", " "))
        for k, label in COMPANY_KEYS
    ]
    months = pl.coalesce([_key(k).str.extract(r"(\d{2})\s*薪", 1) for k in SALARY_MONTHS_KEYS])
    df = _with_pay_text(df)
    return df.with_columns(crawl_times(pl.DataFrame({"extra": extra}, schema={"extra": pl.String}), df).alias("retrieve_date")).select(
        pl.coalesce([pl.col(f"__pay{i}") for i in range(len(SALARY_PAIRS))] + [_key(k).str.replace(r"^(\d+)-(\d+)$", "$1-$2元/月") for k in SALARY_TEXT_KEYS]).alias("salary_extracted"),
        (months + "薪").alias("salary_months"),
        pl.concat_str(company_parts, separator=" | ", ignore_nulls=True).replace("", None).alias("company_information_extracted"),
        pl.concat_str([_key(k) for k in LOCATION_KEYS], separator="-", ignore_nulls=True).replace("", None).alias("location_extracted"),
        pl.coalesce([_key(k) for k in DISTRICT_KEYS]).alias("location_district"),
        pl.coalesce([
            pl.from_epoch(_key(k).cast(pl.Int64, strict=False), time_unit="s")
            .dt.replace_time_zone("UTC").dt.convert_time_zone(SOURCE_TIME_ZONE).dt.strftime("%Y-%m-%d %H:%M:%S")
            for k in RELEASE_UNIX_KEYS
        ]).alias("release_date_extracted"),
        "retrieve_date",
        pl.coalesce([_category_path(g) for g in OCCUPATION_KEYS]).alias("board_occupation"),
    )


def fill_from_extra(extracted: pl.DataFrame, extra: pl.Series, keys: pl.DataFrame | None = None) -> pl.DataFrame:
    """`extracted` (same rows as `extra`) with its empty extracted fields filled from `extra`, and a
    `retrieve_date` column (UTC; null where the row carries no crawl time) and a `board_occupation` column
    when it has none."""
    if extracted.height != extra.len():
        raise ValueError(f"extra has {extra.len()} rows, the extracted frame {extracted.height}")
    x = extra_fields(extra, keys).rename(lambda c: f"__x_{c}")
    df = pl.concat([extracted, x], how="horizontal")
    out = {}
    for col in ("salary_extracted", "company_information_extracted", "release_date_extracted", "board_occupation"):
        if col in df.columns:
            out[col] = pl.when(_blank(col)).then(pl.col(f"__x_{col}")).otherwise(pl.col(col))
    if "salary_extracted" in df.columns:
        s = out["salary_extracted"]
        # ·N薪 from its own field onto a pay text that states a number and no months of its own
        add = s.str.contains(r"\d").fill_null(False) & ~s.str.contains("薪").fill_null(False) & pl.col("__x_salary_months").is_not_null()
        out["salary_extracted"] = pl.when(add).then(s + "·" + pl.col("__x_salary_months")).otherwise(s)
    if "location_extracted" in df.columns:
        loc = pl.col("location_extracted").cast(pl.String).str.strip_chars()
        dist = pl.col("__x_location_district")
        # only a bare city name ('郑州', '杭州市') takes the district; a text that names any place below
        # the city, or another district, stays as found
        bare_city = loc.str.contains(r"^[\p{Han}]{2,6}$").fill_null(False) & ~loc.str.contains(r"[区县旗]$").fill_null(False)
        refine = bare_city & dist.is_not_null() & ~loc.str.contains(dist, literal=True).fill_null(True)
        out["location_extracted"] = (
            pl.when(_blank("location_extracted")).then(pl.col("__x_location_extracted"))
            .when(refine).then(loc + "-" + dist)
            .otherwise(pl.col("location_extracted"))
        )
    if "retrieve_date" not in df.columns:
        out["retrieve_date"] = pl.col("__x_retrieve_date")
    if "board_occupation" not in df.columns:
        out["board_occupation"] = pl.col("__x_board_occupation")
    return df.with_columns(**out).drop(x.columns)


def _present(value) -> bool:
    return value not in (None, "", [], {}, "无", "nan")


def summarize_extra(extra: Iterable[str | None], filled: dict[str, int] | None = None) -> dict:
    """What the extra JSON held and what ingest did with it, for a run's metadata:
    {"mapped": {key: {"to": field, "rows": n}}, "left": {key: rows}, "filled": {field: rows filled},
    "unreadable_rows": n}."""
    counts: Counter[str] = Counter()
    bad = 0
    for text in extra:
        d = _read(text)
        if text and not d and text.strip() not in ("{}", "null"):
            bad += 1
        counts.update(k for k, v in d.items() if _present(v))
    mapped = {k: {"to": MAPPED_KEYS[k], "rows": n} for k, n in counts.most_common() if k in MAPPED_KEYS}
    left = {k: n for k, n in counts.most_common() if k not in MAPPED_KEYS}
    out = {"mapped": mapped, "left": left, "unreadable_rows": bad}
    if filled is not None:
        out["filled"] = filled
    return out


def filled_counts(before: pl.DataFrame, after: pl.DataFrame) -> dict[str, int]:
    """Rows per field that were empty before fill_from_extra and hold a value after (or, for
    location_extracted, changed)."""
    out = {}
    for col in ("salary_extracted", "company_information_extracted", "location_extracted", "release_date_extracted",
                "board_occupation"):
        if col in before.columns and col in after.columns:
            b, a = before[col].cast(pl.String).fill_null(""), after[col].cast(pl.String).fill_null("")
            out[col] = int((b != a).sum())
    if "retrieve_date" in after.columns:
        out["retrieve_date"] = int(after["retrieve_date"].is_not_null().sum())
    return out





def read_export_extra(path) -> pl.Series | None:
    """The `extra` column of an export file (None when the file has none or is not an export), for the
    harvest's metadata; reads that one column only where the format allows."""
    from pathlib import Path

    path = Path(path)
    name = path.name.lower()
    try:
        if name.endswith(".parquet"):
            if EXTRA_COLUMN not in pl.read_parquet_schema(path):
                return None
            return pl.read_parquet(path, columns=[EXTRA_COLUMN])[EXTRA_COLUMN]
        if name.endswith((".jsonl", ".ndjson")):
            df = pl.read_ndjson(path, infer_schema_length=None)
        elif name.endswith(".csv"):
            df = pl.read_csv(path, infer_schema_length=0, encoding="utf8-lossy")
        else:
            return None
    except Exception:  # the harvest reader reports unreadable files; metadata stays silent
        return None
    return df[EXTRA_COLUMN].cast(pl.String) if EXTRA_COLUMN in df.columns else None


__all__ = ["EXTRA_COLUMN", "MAPPED_KEYS", "OCCUPATION_KEYS", "extra_keys", "extra_fields", "fill_board_occupation", "fill_from_extra", "occupation_from_body", "filled_counts", "read_export_extra", "summarize_extra"]
