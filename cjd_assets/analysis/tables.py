"""The study's summary tables, computed on a DuckDB connection.

Every function reads the view `analysis_postings` (one row per primary posting) and, for the keyword
tables, `ai_keyword_postings`; set logic lives in `sql/summary_<name>.sql`. Results are tidy (long)
Polars frames in the study's category order; the report pivots them for display.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from cjd_assets import warehouse as wh
from cjd_assets.schema import CATEGORIES, CATEGORY_NAMES, EDUCATION_LEVELS, EXPERIENCE_LEVELS
from cjd_assets.report.geography import (
    ONE_CITY_UNITS,
    load_regions,
    province_en,
    province_short_zh,
    region_of,
    short_en,
)
from cjd_assets.analysis.stats import bonferroni, ranksum_test, two_proportion_ztest

DEFAULT_PPP_RATE = 4.187  # CNY per USD, OECD 2021, as in the study
AI_CATEGORIES: tuple[str, ...] = ("TT1", "TT2", "PRODUCT", "COMMERCIAL")
TECHNICAL_TEAMS: tuple[str, ...] = ("TT1", "TT2")
NO_DATA = "no data"
EDUCATION_BUCKETS: tuple[str, ...] = ("less than bachelor", "bachelor or higher", NO_DATA)


def _order(values: Sequence[str], column: str) -> pl.Expr:
    """Sort key putting known values in the given order and anything unexpected after them."""
    return pl.col(column).replace_strict(list(values), list(range(len(values))), default=len(values))


def _nulls_last(v) -> tuple[bool, str]:
    return (v is None, str(v))


def _complete(df: pl.DataFrame, col: str, levels: Sequence[str], groups: Sequence[str]) -> pl.DataFrame:
    """Every (category, level) pair, zero-filled, so figures and tables keep a stable shape."""
    present_cats = [c for c in df["category"].unique().to_list() if c not in groups]
    cats = list(groups) + sorted(present_cats, key=_nulls_last)
    extra = sorted((v for v in df[col].unique().to_list() if v not in levels), key=_nulls_last)
    grid = pl.DataFrame({"category": cats}, schema={"category": pl.String}).join(
        pl.DataFrame({col: list(levels) + extra}, schema={col: pl.String}), how="cross"
    )
    out = grid.join(df, on=["category", col], how="left").with_columns(
        pl.col("postings").fill_null(0).cast(pl.Int64), pl.col("share").fill_null(0.0)
    )
    return out.sort(_order(cats, "category"), _order(list(levels) + extra, col))


def table1_by_category(con) -> pl.DataFrame:
    """Table 1: `category, category_name, postings, share` per category plus a final `TOTAL` row;
    when `classifier_corrected_counts` exists, also `corrected_count, corrected_share, ci_low, ci_high`
    and `correction_reliable` (False: too uncertain to publish; the report shows that, not the number)."""
    df = wh.query_sql(con, "summary_table1")
    df = (
        pl.DataFrame({"category": list(CATEGORIES)})
        .join(df, on="category", how="full", coalesce=True)
        .with_columns(pl.col("postings").fill_null(0).cast(pl.Int64), pl.col("share").fill_null(0.0))
        .sort(_order(CATEGORIES, "category"))
    )
    df = df.with_columns(
        pl.col("category").replace_strict(CATEGORY_NAMES, default=pl.col("category")).alias("category_name")
    ).select("category", "category_name", "postings", "share")
    total = pl.DataFrame(
        {"category": ["TOTAL"], "category_name": ["Total"], "postings": [int(df["postings"].sum())],
         "share": [1.0 if df["postings"].sum() else 0.0]},
        schema=df.schema,
    )
    if wh.table_exists(con, "classifier_corrected_counts"):
        cols = {r[0] for r in con.sql("SELECT column_name FROM information_schema.columns "
                                      "WHERE table_name = 'classifier_corrected_counts'").fetchall()}
        # tables written before the reliability flag existed: unknown, not reliable
        reliable = "correction_reliable" if "correction_reliable" in cols else "NULL::BOOLEAN"
        corr = pl.from_arrow(
            con.sql(
                "SELECT category, corrected_count::DOUBLE AS corrected_count, corrected_share::DOUBLE AS corrected_share,"
                f" ci_low::DOUBLE AS ci_low, ci_high::DOUBLE AS ci_high, {reliable} AS correction_reliable"
                " FROM classifier_corrected_counts"
            ).to_arrow_table()
        )
        df = df.join(corr, on="category", how="left")
        total = total.join(corr, on="category", how="left").select(df.columns)
        total = total.with_columns(
            pl.lit(df["corrected_count"].sum()).cast(pl.Float64).alias("corrected_count"),
            pl.lit(df["corrected_share"].sum()).cast(pl.Float64).alias("corrected_share"),
        )
    return pl.concat([df, total.cast(df.schema)])


def education_by_category(con) -> pl.DataFrame:
    """Figure 1: `category, education_level, postings, share` (levels of schema.EDUCATION_LEVELS and 'no data')."""
    return _complete(wh.query_sql(con, "summary_education"), "education_level", [*EDUCATION_LEVELS, NO_DATA], CATEGORIES)


def table2_education(con) -> pl.DataFrame:
    """Table 2: `category, bucket, postings, share` with buckets less than bachelor / bachelor or higher / no data."""
    return _complete(wh.query_sql(con, "summary_table2"), "bucket", EDUCATION_BUCKETS, CATEGORIES)


def experience_by_category(con) -> pl.DataFrame:
    """Figure 2: `category, experience_level, postings, share` (schema.EXPERIENCE_LEVELS and 'no data')."""
    return _complete(wh.query_sql(con, "summary_experience"), "experience_level", [*EXPERIENCE_LEVELS, NO_DATA], CATEGORIES)


def table3_salary(con, ppp_rate: float = DEFAULT_PPP_RATE) -> pl.DataFrame:
    """Table 3: `category, category_name, postings, n_min, median_min_annual_cny, n_max,
    median_max_annual_cny, median_min_annual_ppp_usd, median_max_annual_ppp_usd, missing_share`."""
    if ppp_rate <= 0:
        raise ValueError("ppp_rate must be positive (CNY per international dollar)")
    df = wh.query_sql(con, "summary_table3", {"ppp_rate": float(ppp_rate)})
    df = df.sort(_order(CATEGORIES, "category")).with_columns(
        pl.col("category").replace_strict(CATEGORY_NAMES, default=pl.col("category")).alias("category_name")
    )
    return df.select("category", "category_name", *[c for c in df.columns if c not in ("category", "category_name")])


def tt1_salary_by_province(
    con, min_n: int = 100, category: str = "TT1", ppp_rate: float = DEFAULT_PPP_RATE
) -> pl.DataFrame:
    """Figure 4: `province_zh, province_en, n_salary, median_min_annual_cny, median_max_annual_cny,
    median_min_annual_ppp_usd, median_max_annual_ppp_usd`, provinces with >= min_n salaried postings,
    highest median maximum first."""
    df = wh.query_sql(con, "summary_province_salary", {"category": category, "min_n": int(min_n),
                                                               "ppp_rate": float(ppp_rate)})
    df = df.with_columns(
        pl.struct("province_zh", "province_en_norm")
        .map_elements(lambda s: province_en(s["province_zh"], s["province_en_norm"]), return_dtype=pl.String)
        .alias("province_en")
    )
    return df.select("province_zh", "province_en", *[c for c in df.columns if c.startswith(("n_", "median_"))])


# Stands in for employer_tags where tagging has not run: the tag clause is dead without a tag.
_NO_TAGS = "(SELECT NULL::VARCHAR AS id, NULL::VARCHAR AS tag, NULL::VARCHAR AS rule_kind WHERE FALSE)"
LOCATION_SCHEMA = {"category": pl.String, "province_zh": pl.String, "province_en": pl.String,
                   "prefecture_zh": pl.String, "prefecture_en": pl.String, "postings": pl.Int64}


def location_counts(con, categories: Sequence[str] | None = None, keyword_only: bool = False,
                    tag: str | None = None, rule_kind: str | None = None) -> pl.DataFrame:
    """Unique postings per `category, province_zh, province_en, prefecture_zh, prefecture_en` (nulls =
    unknown), most first (sql/locations.sql): the one location count of the maps, the clusters and the
    top cities. `categories` None = every posting; `keyword_only`: postings with an AI keyword; `tag` /
    `rule_kind`: postings tagged so in employer_tags."""
    tags = "employer_tags" if tag or wh.table_exists(con, "employer_tags") else _NO_TAGS
    params = {"categories": None if categories is None else list(categories), "keyword_only": keyword_only,
              "tag": tag or "", "rule_kind": rule_kind or ""}
    df = wh.query_sql(con, "locations", params, employer_tags=tags)
    return df.cast(LOCATION_SCHEMA) if df.height else pl.DataFrame(schema=LOCATION_SCHEMA)


def _locations(con, categories: Sequence[str]) -> pl.DataFrame:
    return location_counts(con, categories).rename({"province_en": "province_en_norm",
                                                    "prefecture_en": "prefecture_en_norm"})


def province_counts(con, categories: Sequence[str] = TECHNICAL_TEAMS) -> pl.DataFrame:
    """Figures 5 and 6: `category, province_zh, province_en, postings, share` per province; the row
    with a null province holds the postings with no usable location (its share is the missing share)."""
    loc = _locations(con, categories)
    schema = {"category": pl.String, "province_zh": pl.String, "province_en": pl.String,
              "postings": pl.Int64, "share": pl.Float64}
    if loc.is_empty():
        return pl.DataFrame(schema=schema)
    df = (
        loc.group_by("category", "province_zh")
        .agg(pl.col("province_en_norm").drop_nulls().first(), pl.col("postings").sum())
        .with_columns((pl.col("postings") / pl.col("postings").sum().over("category")).alias("share"))
    )
    df = df.with_columns(
        pl.struct("province_zh", "province_en_norm")
        .map_elements(lambda s: province_en(s["province_zh"], s["province_en_norm"]), return_dtype=pl.String)
        .alias("province_en")
    )
    return (
        df.select(list(schema))
        .cast(schema)
        .sort(_order(CATEGORIES, "category"), pl.col("province_zh").is_null(), pl.col("postings"),
              pl.col("province_zh"), descending=[False, False, True, False], nulls_last=True)
    )


def table4_keywords(con, top_n: int = 10) -> pl.DataFrame:
    """Table 4: `row_kind, category, rank, keyword_en, postings, share_of_category`. Rows of kind
    'keyword' are the top_n keywords by distinct postings (ties by name); 'top_distinct' counts the
    distinct postings matching any top keyword; 'all_distinct' those matching any keyword."""
    return wh.query_sql(con, "summary_table4", {"top_n": int(top_n)})


def keyword_education(con) -> pl.DataFrame:
    """Figures 7 and 8: `category, postings_group, education_level, postings, share` for TT1 and TT2,
    postings_group 'all postings' or 'keyword postings'."""
    df = wh.query_sql(con, "summary_keyword_education")
    levels = [*EDUCATION_LEVELS, NO_DATA]
    grid = (
        pl.DataFrame({"category": list(TECHNICAL_TEAMS)})
        .join(pl.DataFrame({"postings_group": ["all postings", "keyword postings"]}), how="cross")
        .join(pl.DataFrame({"education_level": levels}), how="cross")
    )
    out = grid.join(df, on=["category", "postings_group", "education_level"], how="left").with_columns(
        pl.col("postings").fill_null(0).cast(pl.Int64), pl.col("share").fill_null(0.0)
    )
    return out.sort(_order(TECHNICAL_TEAMS, "category"), "postings_group", _order(levels, "education_level"))


def table_c1_nulls(con, fields: Sequence[str] | None = None) -> pl.DataFrame:
    """Table C1: `field, nulls, postings, share` for every normalized (`*_norm`) column of
    analysis_postings, or the given fields, in column order."""
    cols = [r[0] for r in con.sql("DESCRIBE analysis_postings").fetchall()]
    if fields is None:
        fields = [c for c in cols if c.endswith("_norm")]
    missing = [f for f in fields if f not in cols]
    if missing:
        raise KeyError(f"analysis_postings has no column(s) {missing}")
    if not fields:
        return pl.DataFrame(schema={"field": pl.String, "nulls": pl.Int64, "postings": pl.Int64, "share": pl.Float64})
    # One scan for all fields: count(col) skips nulls.
    select = ", ".join(f'count("{f}")' for f in fields)
    row = con.sql(f"SELECT count(*), {select} FROM analysis_postings").fetchall()[0]
    total = int(row[0])
    nulls = [total - int(v) for v in row[1:]]
    return pl.DataFrame(
        {"field": list(fields), "nulls": nulls, "postings": [total] * len(fields),
         "share": [n / total if total else 0.0 for n in nulls]},
        schema={"field": pl.String, "nulls": pl.Int64, "postings": pl.Int64, "share": pl.Float64},
    )


# Share comparisons of the significance tests: (metric, source table, column, levels counted).
SHARE_METRICS: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("bachelor or higher", "education", "education_level", ("bachelor", "master", "doctoral")),
    ("graduate degree", "education", "education_level", ("master", "doctoral")),
    ("no experience", "experience", "experience_level", ("no experience",)),
    ("junior (0-5 years)", "experience", "experience_level", ("junior",)),
)


def significance_tests(
    con, groups: Sequence[str] = AI_CATEGORIES, baseline: str = "NOT_AI", alpha: float = 0.05
) -> pl.DataFrame:
    """Each AI category against Not AI. Shares (denominator: all postings of the category, as in the
    tables): two-sample pooled Z-tests, Bonferroni-corrected over the share family. Salary medians:
    Wilcoxon rank-sum on the annual minimum and maximum, Bonferroni over the salary family.

    Columns: `family, test, metric, group_a, group_b, n_a, n_b, estimate_a, estimate_b, statistic,
    p_value, m, p_adjusted, significant`."""
    rows: list[dict] = []
    frames = {"education": education_by_category(con), "experience": experience_by_category(con)}
    totals = {
        r["category"]: r["postings"]
        for r in frames["education"].group_by("category").agg(pl.col("postings").sum()).iter_rows(named=True)
    }
    for metric, source, col, levels in SHARE_METRICS:
        counts = frames[source].filter(pl.col(col).is_in(list(levels))).group_by("category").agg(pl.col("postings").sum())
        x = dict(counts.iter_rows())
        for g in groups:
            n_a, n_b = totals.get(g, 0), totals.get(baseline, 0)
            if not n_a or not n_b:
                continue
            z, p = two_proportion_ztest(x.get(g, 0), n_a, x.get(baseline, 0), n_b)
            rows.append(dict(family="shares", test="two-sample Z", metric=metric, group_a=g, group_b=baseline,
                             n_a=n_a, n_b=n_b, estimate_a=x.get(g, 0) / n_a, estimate_b=x.get(baseline, 0) / n_b,
                             statistic=z, p_value=p))
    values = wh.query_sql(con, "summary_salary_values")
    for metric, col in (("median minimum annual salary", "salary_min_annual"),
                        ("median maximum annual salary", "salary_max_annual")):
        base = values.filter((pl.col("category") == baseline) & pl.col(col).is_not_null())[col].to_numpy()
        for g in groups:
            a = values.filter((pl.col("category") == g) & pl.col(col).is_not_null())[col].to_numpy()
            if len(a) == 0 or len(base) == 0:
                continue
            stat, p = ranksum_test(a, base)
            rows.append(dict(family="salary", test="Wilcoxon rank-sum", metric=metric, group_a=g, group_b=baseline,
                             n_a=len(a), n_b=len(base), estimate_a=float(pl.Series(a).median()),
                             estimate_b=float(pl.Series(base).median()), statistic=stat, p_value=p))
    schema = {"family": pl.String, "test": pl.String, "metric": pl.String, "group_a": pl.String,
              "group_b": pl.String, "n_a": pl.Int64, "n_b": pl.Int64, "estimate_a": pl.Float64,
              "estimate_b": pl.Float64, "statistic": pl.Float64, "p_value": pl.Float64}
    df = pl.DataFrame(rows, schema=schema)
    out = []
    for fam in ("shares", "salary"):
        part = df.filter(pl.col("family") == fam)
        adj = bonferroni(part["p_value"].to_list())
        out.append(part.with_columns(
            pl.lit(part.height, dtype=pl.Int64).alias("m"),
            pl.Series("p_adjusted", adj, dtype=pl.Float64),
            (pl.Series(adj, dtype=pl.Float64) < alpha).alias("significant"),
        ))
    return pl.concat(out)


def regional_clusters(con, categories: Sequence[str] = AI_CATEGORIES) -> pl.DataFrame:
    """The 2023 follow-up's clusters: `cluster, members, postings, share` (share of all postings of the
    given categories, missing locations included), then 'Outside the clusters' and 'Location missing'.
    Members are listed in `cjd_assets/data/regions.csv`."""
    loc = _locations(con, categories)
    regions = load_regions()
    counts = {r.name: 0 for r in regions}
    outside = missing = 0
    for row in loc.iter_rows(named=True):
        if row["province_zh"] is None:
            missing += row["postings"]
            continue
        name = region_of(row["province_zh"], row["prefecture_zh"], regions)
        if name is None:
            outside += row["postings"]
        else:
            counts[name] += row["postings"]
    total = sum(counts.values()) + outside + missing
    names = [r.name for r in regions] + ["Outside the clusters", "Location missing"]
    members = [r.describe() for r in regions] + ["", ""]
    posts = [counts[r.name] for r in regions] + [outside, missing]
    return pl.DataFrame(
        {"cluster": names, "members": members, "postings": posts,
         "share": [p / total if total else 0.0 for p in posts]},
        schema={"cluster": pl.String, "members": pl.String, "postings": pl.Int64, "share": pl.Float64},
    )


def top_cities(con, n: int = 10, categories: Sequence[str] = AI_CATEGORIES) -> pl.DataFrame:
    """Top n cities: `rank, city_zh, city_en, province_en, postings, share, cumulative_share`, shares
    of all postings of the categories. A municipality (Beijing, Shanghai, Tianjin, Chongqing) and Hong
    Kong and Macau are one city each; elsewhere the city is the prefecture."""
    loc = _locations(con, categories)
    schema = {"rank": pl.Int64, "city_zh": pl.String, "city_en": pl.String, "province_en": pl.String,
              "postings": pl.Int64, "share": pl.Float64, "cumulative_share": pl.Float64}
    total = int(loc["postings"].sum()) if loc.height else 0
    cities: dict[str, dict] = {}
    for row in loc.iter_rows(named=True):
        prov = row["province_zh"]
        short = province_short_zh(prov)
        if short in ONE_CITY_UNITS:
            key, en = prov, province_en(prov, row["province_en_norm"])
        elif row["prefecture_zh"]:
            key = row["prefecture_zh"]
            en = short_en(row["prefecture_en_norm"]) or key
        else:
            continue
        c = cities.setdefault(key, {"city_zh": key, "city_en": en,
                                    "province_en": province_en(prov, row["province_en_norm"]), "postings": 0})
        c["postings"] += row["postings"]
    ranked = sorted(cities.values(), key=lambda c: (-c["postings"], c["city_zh"]))[:n]
    cum = 0
    for i, c in enumerate(ranked, 1):
        cum += c["postings"]
        c.update(rank=i, share=c["postings"] / total, cumulative_share=cum / total)
    return pl.DataFrame(ranked, schema=schema) if ranked else pl.DataFrame(schema=schema)


def corpus_by_source(con) -> pl.DataFrame:
    """The corpus: `source, postings, share, first_release_date, last_release_date` per board, largest
    first (the study: ~95 % from 51job, Sep 2016 - Jul 2021)."""
    return wh.query_sql(con, "summary_corpus")


def keyword_examples(con, n: int = 10) -> pl.DataFrame:
    """Example keyword postings: `id, category, title, company, province_zh, prefecture_zh, keywords`
    (posting-derived text: the report escapes it)."""
    return wh.query_sql(con, "summary_keyword_examples", {"n": int(n)})
