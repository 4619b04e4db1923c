"""A dataset economists can load: the unique postings with their extracted, normalized and predicted
fields as Parquet, CSV and Stata `.dta`, a codebook, and the pipeline versions that produced them.

Identical warehouse content gives byte-identical files: rows are ordered by id, no run timestamp is
written (Stata's header time stamp is the latest retrieval time in the data), and the per-run
`pipeline_date_updated` columns are left out.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path

import polars as pl

from cjd_assets import warehouse as wh
from cjd_assets.md import table
from cjd_assets.schema import EXTRACTED_COLUMNS

FORMATS: tuple[str, ...] = ("parquet", "csv", "dta")
STEM = "cjd_postings"
_STAGE_TABLES = ("raw_postings", "deduplicated_postings", "classified_postings", "normalized_postings",
                 "salary_predictions", "ai_keyword_postings")
_INTERNAL = ("input_hash", "pipeline_version", "pipeline_date_updated")

# What a column means, in the study's terms (Appendix A); families are described by _family_meaning.
MEANINGS: dict[str, str] = {
    "id": "posting identifier (the record's key in its harvest)",
    "posting_key": "the posting's own id on its board (from the URL), or a text key when there is no URL",
    "source": "job board the posting was harvested from",
    "harvest_id": "harvest (partition) the kept version came from",
    "retrieve_date": "when the kept version was retrieved (UTC)",
    "duplicate_group_size": "versions of this posting harvested on the same board (1 = no duplicate)",
    "title_extracted": "job title as found", "body_extracted": "job description as found",
    "company_name_extracted": "employer as found", "company_information_extracted": "employer facts as found",
    "release_date_extracted": "release date text as found", "location_extracted": "location text as found",
    "salary_extracted": "salary text as found", "desired_experience_extracted": "experience requirement as found",
    "desired_education_extracted": "education requirement as found", "url_extracted": "posting URL",
    "board_occupation": "the board's own occupation label as found (Zhaopin, BOSS category, 51job 职能类别); null where it shows none",
    "job_category_pr": "predicted AI-workforce category: TT1, TT2, PRODUCT, COMMERCIAL or NOT_AI",
    "job_category0_distribution_pr": "predicted probability of Technical Team 1",
    "job_category1_distribution_pr": "predicted probability of Technical Team 2",
    "job_category2_distribution_pr": "predicted probability of Product Team",
    "job_category3_distribution_pr": "predicted probability of Commercial Team",
    "job_category4_distribution_pr": "predicted probability of Not AI",
    "ai_keywords": "Appendix D AI keywords found (Technical Teams 1 and 2 only), '; '-separated",
    "salary_status_norm": "salary: stated, implausible (flagged, not used), missing, ...",
    "salary_currency_norm": "salary currency", "salary_recurrence_norm": "salary period as stated (hour … year)",
    "salary_months_norm": "months of pay per year used for annual values (12, or 13+ where stated)",
    "model_version": "version of the classifier that predicted the category",
    "normalize_version": "version of the normalization rules that produced the *_norm fields",
    "salary_model_version": "version of the model that predicted missing pay",
    "salary_status_reason": "why a salary was flagged implausible (negative, reversed range, monthly pay >= 150k, ...)",
    "salary_monthly_pr_low": "predicted monthly pay (CNY): lower end of its 80 % interval",
    "salary_monthly_pr_high": "predicted monthly pay (CNY): upper end of its 80 % interval",
    "body_norm": "description with markup and boilerplate removed", "language_norm": "language of the posting",
    "location_code_norm": "administrative division code of the most precise level resolved",
    "location_level_norm": "most precise administrative level resolved",
}


def _family_meaning(col: str) -> str:
    if col.startswith("salary_") and col.endswith("_pr"):
        return "predicted monthly pay (CNY) where none is stated; never mixed into stated pay"
    if col.endswith("_inferred"):
        return f"{col.removesuffix('_inferred').replace('_', ' ')} was inferred from the description"
    m = re.match(r"salary_(exact|minimum|maximum)_(annual|monthly)?_?value_norm", col)
    if m:
        per = {"annual": "a year", "monthly": "a month", None: "per stated period"}[m.group(2)]
        return f"{m.group(1)} salary, CNY {per}"
    m = re.match(r"(desired_experience|desired_education|release_date)_(\w+?)_norm", col)
    if m:
        return f"{m.group(1).replace('_', ' ')}: {m.group(2).replace('_', ' ')} (normalized)"
    m = re.match(r"location_(\w+?)_(zh|en)_norm", col)
    if m:
        return f"location {m.group(1)} ({'Chinese' if m.group(2) == 'zh' else 'English'} name)"
    if col.endswith("_norm"):
        return col.removesuffix("_norm").replace("_", " ") + " (normalized)"
    return ""


def _stage(col: str) -> str:
    if col.endswith("_pr"):
        return "predicted"
    if col.endswith("_norm") or col.endswith("_inferred"):
        return "normalized"
    if col == "ai_keywords":
        return "keywords"
    return "extracted"


_STATA_ABBREV = (("desired_", "d_"), ("experience", "exp"), ("education", "edu"), ("distribution", "dist"),
                 ("minimum", "min"), ("maximum", "max"), ("monthly", "mon"), ("location_", "loc_"),
                 ("_extracted", "_x"), ("_value", "_val"))


def stata_names(columns: list[str]) -> dict[str, str]:
    """Stata variable names (at most 32 characters, unique): long names abbreviated by fixed rules."""
    out: dict[str, str] = {}
    for col in columns:
        name = col
        for long, short in _STATA_ABBREV:
            if len(name) <= 32:
                break
            name = name.replace(long, short)
        name = name[:32]
        base, i = name, 1
        while name in out.values():
            suffix = f"_{i}"
            name, i = base[: 32 - len(suffix)] + suffix, i + 1
        out[col] = name
    return out


def export_frame(con) -> pl.DataFrame:
    """The unique postings (primaries), ordered by id, with every extracted, predicted and normalized field."""
    have = set(wh.read_frame(con, "SELECT * FROM deduplicated_postings LIMIT 0").columns)
    cols = ["id", "posting_key", "source", "harvest_id", "retrieve_date", "duplicate_group_size",
            *(c for c in EXTRACTED_COLUMNS if c != "source")]
    # board_occupation is newer than some warehouses: left out where the table lacks it
    cols = [c for c in cols if c in have or c != "board_occupation"]
    select = ", ".join(f"d.{c}" for c in cols)
    extra, joins = [], []
    if wh.table_exists(con, "salary_predictions"):
        pred = [c for c in wh.read_frame(con, "SELECT * FROM salary_predictions LIMIT 0").columns
                if c != "id" and c not in (*_INTERNAL, "feature_hash")]  # feature_hash: salary/incremental.py
        extra += [f"s.{c}" for c in pred]
        joins.append("LEFT JOIN salary_predictions AS s USING (id)")
    if wh.table_exists(con, "ai_keyword_postings"):
        extra.append("k.ai_keywords")
        joins.append("LEFT JOIN (SELECT id, string_agg(DISTINCT keyword_en, '; ' ORDER BY keyword_en) AS ai_keywords "
                     "FROM ai_keyword_postings GROUP BY id) AS k USING (id)")
    exclude = ", ".join(("id", *_INTERNAL))
    sql = (f"SELECT {select}, c.* EXCLUDE ({exclude}), n.* EXCLUDE ({exclude}) {''.join(', ' + e for e in extra)} "
           "FROM deduplicated_postings AS d JOIN classified_postings AS c USING (id) "
           f"JOIN normalized_postings AS n USING (id) {' '.join(joins)} WHERE d.is_primary ORDER BY d.id")
    return wh.read_frame(con, sql)


def pipeline_versions(con) -> dict[str, list[str]]:
    """Every pipeline_version found in each stage's table (a dataset may mix versions after a partial re-run)."""
    out = {}
    for table in _STAGE_TABLES:
        if wh.table_exists(con, table) and "pipeline_version" in wh.read_frame(con, f"SELECT * FROM {table} LIMIT 0").columns:
            out[table] = [v for (v,) in con.sql(f"SELECT DISTINCT pipeline_version FROM {table} "
                                                "WHERE pipeline_version IS NOT NULL ORDER BY 1").fetchall()]
    return out


def codebook(df: pl.DataFrame) -> pl.DataFrame:
    """`column, stata_name, stage, type, null_share, meaning` for every exported column."""
    names = stata_names(df.columns)
    n = max(df.height, 1)
    return pl.DataFrame({
        "column": df.columns,
        "stata_name": [names[c] for c in df.columns],
        "stage": [_stage(c) for c in df.columns],
        "type": [str(t) for t in df.dtypes],
        "null_share": [round(df[c].null_count() / n, 4) for c in df.columns],
        "meaning": [MEANINGS.get(c) or _family_meaning(c) for c in df.columns],
    })


def _write_stata(df: pl.DataFrame, path: Path, labels: dict[str, str]) -> None:
    """Stata 14+ (.dta 118, UTF-8): booleans as 0/1, timestamps as naive UTC, long text as strL."""
    names = stata_names(df.columns)
    conv = df.with_columns(
        *(pl.col(c).cast(pl.Int8) for c, t in df.schema.items() if t == pl.Boolean),
        *(pl.col(c).dt.replace_time_zone(None) for c, t in df.schema.items()
          if isinstance(t, pl.Datetime) and t.time_zone),
        *(pl.col(c).cast(pl.Datetime("ms")) for c, t in df.schema.items() if t == pl.Date),
        *(pl.col(c).fill_null("") for c, t in df.schema.items() if t == pl.String),
    ).rename(names)
    long_text = [c for c, t in conv.schema.items()
                 if t == pl.String and (conv[c].str.len_bytes().max() or 0) > 2000]
    dates = {c: "tc" for c, t in conv.schema.items() if isinstance(t, pl.Datetime)}
    stamp = df["retrieve_date"].max() if "retrieve_date" in df.columns and df.height else None
    stamp = stamp.replace(tzinfo=None) if isinstance(stamp, datetime) else datetime(2000, 1, 1)
    conv.to_pandas().to_stata(
        path, write_index=False, version=118, convert_strl=long_text, convert_dates=dates, time_stamp=stamp,
        data_label="cjd unique postings", variable_labels={names[c]: labels[c][:80] for c in df.columns if labels[c]})


def export_postings(con, out_dir: Path, formats: tuple[str, ...] = FORMATS) -> dict[str, Path]:
    """Write the dataset, its codebook (Markdown and CSV) and versions.json into `out_dir`; returns the paths."""
    unknown = set(formats) - set(FORMATS)
    if unknown:
        raise ValueError(f"unknown export format(s) {sorted(unknown)}; choose from {FORMATS}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    df = export_frame(con)
    book = codebook(df)
    paths: dict[str, Path] = {}
    if "parquet" in formats:
        paths["parquet"] = out_dir / f"{STEM}.parquet"
        df.write_parquet(paths["parquet"], statistics=False)
    if "csv" in formats:
        paths["csv"] = out_dir / f"{STEM}.csv"
        df.write_csv(paths["csv"], datetime_format="%Y-%m-%dT%H:%M:%S%.6f%z")
    if "dta" in formats:
        paths["dta"] = out_dir / f"{STEM}.dta"
        _write_stata(df, paths["dta"], dict(zip(book["column"], book["meaning"])))
    paths["codebook_csv"] = out_dir / "codebook.csv"
    book.write_csv(paths["codebook_csv"])
    paths["codebook"] = out_dir / "codebook.md"
    versions = pipeline_versions(con)
    lines = [f"# Codebook: {STEM} ({df.height:,} unique postings)", "",
             "One row per unique posting (the primary version of its duplicate group), ordered by `id`. "
             "Columns ending `_extracted` are as found on the board, `_norm` normalized by the pipeline "
             "(Appendix A of the study), `_inferred` flags a value inferred from the description, `_pr` "
             "predicted by a model. Stata names are abbreviated where longer than 32 characters.", "",
             "Pipeline versions: " + "; ".join(f"{t}: {', '.join(v)}" for t, v in versions.items()), "",
             table([[r["column"], r["stata_name"], r["stage"], r["type"], f"{r['null_share']:.1%}", r["meaning"]]
                    for r in book.iter_rows(named=True)],
                   ["column", "Stata name", "stage", "type", "null share", "meaning"])]
    paths["codebook"].write_text("\n".join(lines) + "\n", encoding="utf-8")
    paths["versions"] = out_dir / "versions.json"
    paths["versions"].write_text(json.dumps(versions, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return paths
