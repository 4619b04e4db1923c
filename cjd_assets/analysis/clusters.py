"""The 2023 follow-up's cluster tables: where AI-related, defense-affiliated and surveillance postings are.

All functions read a DuckDB connection with view `analysis_postings`, table `ai_keyword_postings` and
(for tagged subsets) table `employer_tags` (`rules.tag_employers` output). Postings are counted by
`sql/locations.sql` (`analysis.tables.location_counts`, the report's location count too); by default the
population is the follow-up's AI-related postings = Technical Team 1/2 postings with at least one AI
keyword of Appendix D. A tagged subset is the population's postings with
a tag row (any rule kind unless `rule_kind` is given), each posting counted once.

Shares: of postings with a known province (regions, provinces) or a known city (cities); the
'Location unknown' row carries its share of all postings in `share_of_all`. A municipality (Beijing,
Tianjin, Shanghai, Chongqing) and Hong Kong and Macau are one city each (`report.geography.ONE_CITY_UNITS`,
as in the report's top cities); elsewhere the city is the prefecture-level unit.
Region membership is `cjd_assets/data/regions.csv` (read by `report.geography.load_regions`).
"""

from __future__ import annotations

import polars as pl

from cjd_assets.analysis.tables import location_counts
from cjd_assets.report.geography import ONE_CITY_UNITS, REGIONS_FILE, Region, load_regions, region_of
from cjd_assets.report.geography import short_en as _short_en

__all__ = ["REGIONS_FILE", "Region", "load_regions", "region_of"]  # the region rules live in report.geography

POPULATIONS: tuple[str, ...] = ("ai_related", "technical", "ai_categories", "all")
OTHER = "Other provinces"
UNKNOWN = "Location unknown"
# population -> (categories counted, only postings with an AI keyword)
_POPULATION_FILTER: dict[str, tuple[tuple[str, ...] | None, bool]] = {
    "ai_related": (("TT1", "TT2"), True), "technical": (("TT1", "TT2"), False),
    "ai_categories": (("TT1", "TT2", "PRODUCT", "COMMERCIAL"), False), "all": (None, False)}


def locations(con, population: str = "ai_related", tag: str | None = None, rule_kind: str | None = None) -> pl.DataFrame:
    """Postings per (province, prefecture) of a population / tagged subset:
    `province_zh, province_en, prefecture_zh, prefecture_en, postings` (nulls = unknown), most first."""
    if population not in POPULATIONS:
        raise ValueError(f"population {population!r} not in {POPULATIONS}")
    categories, keyword_only = _POPULATION_FILTER[population]
    by_category = location_counts(con, categories, keyword_only, tag, rule_kind)
    return (
        by_category.group_by("province_zh", "prefecture_zh")
        .agg(pl.col("province_en").drop_nulls().first(), pl.col("prefecture_en").drop_nulls().first(),
             pl.col("postings").sum())
        .select("province_zh", "province_en", "prefecture_zh", "prefecture_en", "postings")
        .sort("postings", "province_zh", "prefecture_zh", descending=[True, False, False], nulls_last=True)
    )


def _by_region(loc: pl.DataFrame) -> pl.DataFrame:
    regions = load_regions()
    counts = {r.name: 0 for r in regions}
    other = unknown = 0
    for prov, pref, n in loc.select("province_zh", "prefecture_zh", "postings").iter_rows():
        if prov is None:
            unknown += n
            continue
        reg = region_of(prov, pref, regions)
        if reg is None:
            other += n
        else:
            counts[reg] += n
    located = sum(counts.values()) + other
    total = located + unknown
    names = [r.name for r in regions] + [OTHER, UNKNOWN]
    names_zh = [r.name_zh for r in regions] + ["其他省份", "地点不详"]
    posts = [counts[r.name] for r in regions] + [other, unknown]
    return pl.DataFrame(
        {"region": names, "region_zh": names_zh, "postings": posts,
         "share": [p / located if located else None for p in posts[:-1]] + [None],
         "share_of_all": [p / total if total else None for p in posts]},
        schema={"region": pl.String, "region_zh": pl.String, "postings": pl.Int64, "share": pl.Float64,
                "share_of_all": pl.Float64},
    )


def _by_province(loc: pl.DataFrame) -> pl.DataFrame:
    regions = load_regions()
    df = loc.group_by("province_zh").agg(pl.col("province_en").drop_nulls().first(), pl.col("postings").sum())
    located = int(df.filter(pl.col("province_zh").is_not_null())["postings"].sum())
    total = int(df["postings"].sum())
    whole = {p: r.name for r in regions for p in r.provinces}
    rows = []
    for prov, en, n in df.select("province_zh", "province_en", "postings").iter_rows():
        region = next((name for p, name in whole.items() if prov and prov.startswith(p)), None)
        rows.append((prov, _short_en(en), region, n, n / located if prov and located else None, n / total))
    schema = {"province_zh": pl.String, "province_en": pl.String, "region": pl.String, "postings": pl.Int64,
              "share": pl.Float64, "share_of_all": pl.Float64}
    out = pl.DataFrame(rows, schema=schema, orient="row").sort(
        pl.col("province_zh").is_null(), pl.col("postings"), pl.col("province_zh"), descending=[False, True, False]
    )
    rank = pl.when(pl.col("province_zh").is_not_null()).then(pl.int_range(1, pl.len() + 1)).cast(pl.Int64)
    return out.select(rank.alias("rank"), *schema)


def _by_city(loc: pl.DataFrame, top_n: int | None) -> pl.DataFrame:
    regions = load_regions()
    cities: dict[str, dict] = {}
    for prov, prov_en, pref, pref_en, n in loc.select(
        "province_zh", "province_en", "prefecture_zh", "prefecture_en", "postings"
    ).iter_rows():
        if prov and prov.startswith(ONE_CITY_UNITS):
            key, en = prov, _short_en(prov_en)
        elif pref:
            key, en = pref, _short_en(pref_en)
        else:
            continue
        c = cities.setdefault(key, {"city": key, "city_en": en, "province": prov, "province_en": _short_en(prov_en),
                                    "region": region_of(prov, pref, regions), "postings": 0})
        c["postings"] += n
    schema = {"rank": pl.Int64, "city": pl.String, "city_en": pl.String, "province": pl.String,
              "province_en": pl.String, "region": pl.String, "postings": pl.Int64, "share": pl.Float64,
              "cumulative_share": pl.Float64}
    ranked = sorted(cities.values(), key=lambda c: (-c["postings"], c["city"]))
    located = sum(c["postings"] for c in ranked)
    cum = 0
    for i, c in enumerate(ranked, 1):
        cum += c["postings"]
        c.update(rank=i, share=c["postings"] / located, cumulative_share=cum / located)
    if top_n is not None:
        ranked = ranked[:top_n]
    return pl.DataFrame(ranked, schema=schema) if ranked else pl.DataFrame(schema=schema)


def by_region(con, population: str = "ai_related", tag: str | None = None, rule_kind: str | None = None) -> pl.DataFrame:
    """`region, region_zh, postings, share, share_of_all`: the regions of regions.csv, then 'Other
    provinces' and 'Location unknown' (share = of postings with a known province)."""
    return _by_region(locations(con, population, tag, rule_kind))


def by_province(con, population: str = "ai_related", tag: str | None = None, rule_kind: str | None = None) -> pl.DataFrame:
    """`rank, province_zh, province_en, region, postings, share, share_of_all`, most postings first;
    `region` is set where the whole province is in a region; a last row with a null province holds
    the postings with no known province."""
    return _by_province(locations(con, population, tag, rule_kind))


def by_city(con, top_n: int | None = 10, population: str = "ai_related", tag: str | None = None,
            rule_kind: str | None = None) -> pl.DataFrame:
    """`rank, city, city_en, province, province_en, region, postings, share, cumulative_share`: the
    top_n cities (all with None); shares of postings with a known city."""
    return _by_city(locations(con, population, tag, rule_kind), top_n)


def ai_related_by_region(con, population: str = "ai_related") -> pl.DataFrame:
    return by_region(con, population)


def ai_related_by_province(con, population: str = "ai_related") -> pl.DataFrame:
    return by_province(con, population)


def ai_related_by_city(con, top_n: int | None = 10, population: str = "ai_related") -> pl.DataFrame:
    return by_city(con, top_n, population)


def defense_by_region(con, population: str = "ai_related", rule_kind: str | None = None) -> pl.DataFrame:
    return by_region(con, population, "defense", rule_kind)


def defense_by_province(con, population: str = "ai_related", rule_kind: str | None = None) -> pl.DataFrame:
    return by_province(con, population, "defense", rule_kind)


def defense_by_city(con, top_n: int | None = 10, population: str = "ai_related", rule_kind: str | None = None) -> pl.DataFrame:
    return by_city(con, top_n, population, "defense", rule_kind)


def surveillance_by_region(con, population: str = "ai_related", rule_kind: str | None = None) -> pl.DataFrame:
    return by_region(con, population, "surveillance", rule_kind)


def surveillance_by_province(con, population: str = "ai_related", rule_kind: str | None = None) -> pl.DataFrame:
    return by_province(con, population, "surveillance", rule_kind)


def surveillance_by_city(con, top_n: int | None = 10, population: str = "ai_related", rule_kind: str | None = None) -> pl.DataFrame:
    return by_city(con, top_n, population, "surveillance", rule_kind)


def cluster_summary(con, population: str = "ai_related", top_n: int = 10) -> pl.DataFrame:
    """The follow-up's headline numbers per subset of the population ('all' = the whole population,
    'defense', 'surveillance'): `population, subset, postings, located, cluster_share (share of located
    postings in the regions), n_provinces, n_cities, top_cities_share (top_n cities' share of postings
    with a known city), top_cities` (English names, best first)."""
    rows = []
    for subset, tag in (("all", None), ("defense", "defense"), ("surveillance", "surveillance")):
        loc = locations(con, population, tag)
        reg = _by_region(loc)
        cities = _by_city(loc, None)
        located = int(reg.filter(pl.col("region") != UNKNOWN)["postings"].sum())
        in_regions = int(reg.filter(~pl.col("region").is_in([OTHER, UNKNOWN]))["postings"].sum())
        top = cities.head(top_n)
        rows.append({
            "population": population, "subset": subset, "postings": int(reg["postings"].sum()), "located": located,
            "cluster_share": in_regions / located if located else None,
            "n_provinces": loc.filter(pl.col("province_zh").is_not_null())["province_zh"].n_unique(),
            "n_cities": cities.height,
            "top_cities_share": float(top["cumulative_share"][-1]) if top.height else None,
            "top_cities": ", ".join(top["city_en"].fill_null(top["city"]).to_list()),
        })
    schema = {"population": pl.String, "subset": pl.String, "postings": pl.Int64, "located": pl.Int64, "cluster_share": pl.Float64,
              "n_provinces": pl.Int64, "n_cities": pl.Int64, "top_cities_share": pl.Float64, "top_cities": pl.String}
    return pl.DataFrame(rows, schema=schema)
