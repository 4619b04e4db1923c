"""Tagging postings as defense-affiliated or surveillance, from the rule files in `cjd_assets/data/`.

Rule files are CSV with `list, rule_type, pattern, group, source` (source = why the entry is there):
- `employers_defense.csv`, `employers_surveillance.csv`: matched against the variants of the normalized
  company name (`names.name_variants`). rule_type `exact` (whole variant; the pattern is normalized like
  a company name), `prefix`, `contains`, `regex` (Rust regex syntax, as Polars runs it), and `exclude`
  (a regex: a name with any variant matching it gets no employer tag from that list, whatever fired).
- `surveillance_keywords.csv`: matched against title + body. rule_type `literal` or `regex`.
A posting gets one output row per rule that fired, so the report can say why it was tagged.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from pathlib import Path

import polars as pl

from cjd_assets.clusters.names import name_variants, normalize_company_name

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
EMPLOYER_RULE_FILES: tuple[Path, ...] = (DATA_DIR / "employers_defense.csv", DATA_DIR / "employers_surveillance.csv")
KEYWORD_RULE_FILES: tuple[Path, ...] = (DATA_DIR / "surveillance_keywords.csv",)
RULE_COLUMNS: tuple[str, ...] = ("list", "rule_type", "pattern", "group", "source")
EMPLOYER_RULE_TYPES = frozenset({"exact", "prefix", "contains", "regex", "exclude"})
KEYWORD_RULE_TYPES = frozenset({"literal", "regex"})
TAGS: tuple[str, ...] = ("defense", "surveillance")
TAG_SCHEMA: dict[str, pl.DataType] = {
    "id": pl.String, "tag": pl.String, "rule_kind": pl.String, "rule": pl.String, "group": pl.String,
    "matched": pl.String,
}


def _as_paths(path: Path | str | Sequence[Path | str] | None, default: Sequence[Path]) -> list[Path]:
    if path is None:
        return list(default)
    if isinstance(path, (str, Path)):
        return [Path(path)]
    return [Path(p) for p in path]


def _load(paths: list[Path], allowed: frozenset[str]) -> pl.DataFrame:
    frames = []
    for p in paths:
        df = pl.read_csv(p, infer_schema=False, encoding="utf8")
        missing = set(RULE_COLUMNS) - set(df.columns)
        if missing:
            raise ValueError(f"{p}: missing columns {sorted(missing)}")
        frames.append(df.select(RULE_COLUMNS).with_columns(pl.lit(p.name).alias("file")))
    rules = pl.concat(frames) if frames else pl.DataFrame(schema={c: pl.String for c in (*RULE_COLUMNS, "file")})
    rules = rules.with_columns(pl.col(c).str.strip_chars() for c in RULE_COLUMNS)
    for row in rules.iter_rows(named=True):
        where = f"{row['file']}: {row['pattern']!r}"
        if row["rule_type"] not in allowed:
            raise ValueError(f"{where}: rule_type {row['rule_type']!r} not in {sorted(allowed)}")
        if row["list"] not in TAGS:
            raise ValueError(f"{where}: list {row['list']!r} not in {TAGS}")
        if not row["pattern"] or not row["source"]:
            raise ValueError(f"{where}: every rule needs a pattern and a source")
        if row["rule_type"] in ("regex", "exclude"):
            pl.Series([""]).str.contains(row["pattern"])  # raises on a pattern Polars cannot compile
    return rules


def load_employer_rules(path: Path | str | Sequence[Path | str] | None = None) -> pl.DataFrame:
    """Employer rules (`list, rule_type, pattern, group, source, file`) from the given CSV file(s),
    by default the defense and surveillance lists. exact/prefix/contains patterns are brought to the
    normalized-name alphabet (half-width, lower case) so they compare with `name_variants`."""
    rules = _load(_as_paths(path, EMPLOYER_RULE_FILES), EMPLOYER_RULE_TYPES)
    return rules.with_columns(
        pl.when(pl.col("rule_type") == "exact")
        .then(pl.col("pattern").map_elements(normalize_company_name, return_dtype=pl.String))
        .when(pl.col("rule_type").is_in(["prefix", "contains"]))
        .then(pl.col("pattern").map_elements(lambda p: unicodedata.normalize("NFKC", p).lower(), return_dtype=pl.String))
        .otherwise(pl.col("pattern"))
        .alias("pattern")
    )


def load_keyword_rules(path: Path | str | Sequence[Path | str] | None = None) -> pl.DataFrame:
    """Posting-text rules (`list, rule_type, pattern, group, source, file`), by default the
    surveillance-application keywords."""
    return _load(_as_paths(path, KEYWORD_RULE_FILES), KEYWORD_RULE_TYPES)


def _rule_mask(col: pl.Expr, rule_type: str, pattern: str) -> pl.Expr:
    if rule_type == "exact":
        return col == pattern
    if rule_type == "prefix":
        return col.str.starts_with(pattern)
    if rule_type in ("contains", "literal"):
        return col.str.contains(pattern, literal=True)
    return col.str.contains(pattern)


def tag_company_names(names: pl.Series, rules: pl.DataFrame | None = None) -> pl.DataFrame:
    """Employer tags of raw company names: `company_name_extracted, tag, rule, group, matched` (one
    row per name and rule that fired; `matched` = the name variant the rule matched). Each distinct
    name is normalized once."""
    rules = load_employer_rules() if rules is None else rules
    out_schema = {"company_name_extracted": pl.String, "tag": pl.String, "rule": pl.String,
                  "group": pl.String, "matched": pl.String}
    distinct = names.cast(pl.String).drop_nulls().unique().to_list()
    if not distinct or rules.is_empty():
        return pl.DataFrame(schema=out_schema)
    canon = {raw: normalize_company_name(raw) for raw in distinct}
    variants_of = {c: name_variants(c) for c in set(canon.values()) if c}
    var = pl.DataFrame(
        [(c, v) for c, vs in variants_of.items() for v in vs],
        schema={"canonical": pl.String, "variant": pl.String}, orient="row",
    )
    hits, vetoed = [], []
    for r in rules.iter_rows(named=True):
        m = var.filter(_rule_mask(pl.col("variant"), r["rule_type"], r["pattern"]))
        if m.is_empty():
            continue
        if r["rule_type"] == "exclude":
            vetoed.append(m.select("canonical", pl.lit(r["list"]).alias("tag")))
            continue
        hits.append(m.group_by("canonical").agg(pl.col("variant").first().alias("matched")).select(
            "canonical", pl.lit(r["list"]).alias("tag"), pl.lit(r["pattern"]).alias("rule"),
            pl.lit(r["group"]).alias("group"), "matched",
        ))
    if not hits:
        return pl.DataFrame(schema=out_schema)
    tagged = pl.concat(hits)
    if vetoed:
        tagged = tagged.join(pl.concat(vetoed).unique(), on=["canonical", "tag"], how="anti")
    raw = pl.DataFrame({"company_name_extracted": list(canon), "canonical": list(canon.values())},
                       schema={"company_name_extracted": pl.String, "canonical": pl.String})
    return (
        raw.join(tagged, on="canonical", how="inner")
        .select(list(out_schema))
        .sort("company_name_extracted", "tag", "rule")
    )


def tag_posting_text(df: pl.DataFrame, rules: pl.DataFrame | None = None) -> pl.DataFrame:
    """Keyword tags of postings (`id, title_extracted, body_extracted`): `id, tag, rule_kind, rule,
    group, matched` with rule_kind 'keyword' and `matched` the text the rule matched."""
    rules = load_keyword_rules() if rules is None else rules
    schema = {**TAG_SCHEMA, "id": df.schema["id"]}
    if df.is_empty() or rules.is_empty():
        return pl.DataFrame(schema=schema)
    text = df.select(
        "id",
        pl.concat_str([pl.col("title_extracted").fill_null(""), pl.col("body_extracted").fill_null("")],
                      separator="\n").alias("text"),
    )
    out = []
    for r in rules.iter_rows(named=True):
        literal = r["rule_type"] == "literal"
        m = text.filter(_rule_mask(pl.col("text"), r["rule_type"], r["pattern"]))
        if m.is_empty():
            continue
        matched = pl.lit(r["pattern"]) if literal else pl.col("text").str.extract(f"({r['pattern']})", 1)
        out.append(m.select(
            "id", pl.lit(r["list"]).alias("tag"), pl.lit("keyword").alias("rule_kind"),
            pl.lit(r["pattern"]).alias("rule"), pl.lit(r["group"]).alias("group"), matched.alias("matched"),
        ))
    if not out:
        return pl.DataFrame(schema=schema)
    return pl.concat(out).cast(schema)


def tag_employers(
    df: pl.DataFrame,
    employer_rules: pl.DataFrame | None = None,
    keyword_rules: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Defense/surveillance tags of postings (`id, company_name_extracted, title_extracted,
    body_extracted`; the text columns are optional): `id, tag, rule_kind, rule, group, matched` (id
    keeps its type), one
    row per posting and rule that fired. rule_kind 'employer' = the company-name lists; 'keyword' = the
    surveillance-application keywords over title and body."""
    employer_rules = load_employer_rules() if employer_rules is None else employer_rules
    keyword_rules = load_keyword_rules() if keyword_rules is None else keyword_rules
    schema = {**TAG_SCHEMA, "id": df.schema["id"]}  # keep the caller's id type for joins
    ids = df.select("id", pl.col("company_name_extracted").cast(pl.String))
    by_name = tag_company_names(ids["company_name_extracted"], employer_rules)
    employer = ids.join(by_name, on="company_name_extracted", how="inner").select(
        "id", "tag", pl.lit("employer").alias("rule_kind"), "rule", "group", "matched"
    )
    parts = [employer.cast(schema)]
    if {"title_extracted", "body_extracted"} & set(df.columns):
        text = df.select(
            "id",
            *[pl.col(c) if c in df.columns else pl.lit(None, dtype=pl.String).alias(c)
              for c in ("title_extracted", "body_extracted")],
        )
        parts.append(tag_posting_text(text, keyword_rules))
    return (
        pl.concat(parts)
        .unique(subset=["id", "tag", "rule_kind", "rule"], keep="first")
        .sort("id", "tag", "rule_kind", "rule")
    )
