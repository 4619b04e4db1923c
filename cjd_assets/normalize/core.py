"""normalize_postings: the whole frame, each field parsed once per distinct value and joined back."""

from __future__ import annotations

import polars as pl

from . import body as _body
from .education import EDUCATION_OUTPUT_COLUMNS, parse_education
from .experience import EXPERIENCE_OUTPUT_COLUMNS, parse_experience
from .location import LOCATION_OUTPUT_COLUMNS, resolve_locations
from .release_date import RELEASE_DATE_OUTPUT_COLUMNS, parse_release_date
from .salary import ANNUAL_HINT, SALARY_OUTPUT_COLUMNS, parse_salary

NORMALIZE_VERSION: str = "1.2.0"

INFERRED_COLUMNS: tuple[str, ...] = (
    "salary_inferred",
    "desired_education_inferred",
    "desired_experience_inferred",
    "location_inferred",
)

NORMALIZED_COLUMNS: tuple[str, ...] = (
    SALARY_OUTPUT_COLUMNS
    + RELEASE_DATE_OUTPUT_COLUMNS
    + EXPERIENCE_OUTPUT_COLUMNS
    + EDUCATION_OUTPUT_COLUMNS
    + LOCATION_OUTPUT_COLUMNS
    + ("body_norm", "language_norm")
    + INFERRED_COLUMNS
)

_INPUTS = {
    "title_extracted": pl.String,
    "body_extracted": pl.String,
    "salary_extracted": pl.String,
    "location_extracted": pl.String,
    "desired_education_extracted": pl.String,
    "desired_experience_extracted": pl.String,
    "release_date_extracted": pl.String,
    "source": pl.String,
}

# status that means "the extracted value was absent", so the body may be read instead
_FIELDS = {
    # field: (extracted column, status column, parsed-ok statuses)
    "salary": ("salary_extracted", "salary_status_norm", ("stated",)),
    "education": ("desired_education_extracted", "desired_education_status_norm", ("stated", "no requirement")),
    "experience": ("desired_experience_extracted", "desired_experience_status_norm", ("stated", "no requirement")),
    "location": (
        "location_extracted",
        "location_status_norm",
        ("resolved", "multiple", "nationwide", "unspecified", "remote", "foreign"),
    ),
}
_INFERRED_NAME = {
    "salary": "salary_inferred",
    "education": "desired_education_inferred",
    "experience": "desired_experience_inferred",
    "location": "location_inferred",
}


def _blank(e: pl.Expr) -> pl.Expr:
    # a regex that stops at the first visible character: cheaper than stripping every body
    return ~e.str.contains(r"\S").fill_null(False)


# The boards are Chinese: 今日更新 and 03-08发布 are dates in China time, so an instant of retrieval
# (a crawl's UTC fetch time) is dated there (01:30 on 16 May in Beijing is still 15 May in UTC).
BOARD_TIME_ZONE = "Asia/Shanghai"


def _as_date(dtype: pl.DataType) -> pl.Expr:
    """retrieve_date as a Date whether it arrives as Date, Datetime (any zone) or ISO text; an instant
    with a zone is dated in the boards' time zone, a zone-less one as written."""
    c = pl.col("retrieve_date")
    if dtype == pl.String:
        return c.str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False)
    if isinstance(dtype, pl.Datetime):
        return c.dt.convert_time_zone(BOARD_TIME_ZONE).dt.date() if dtype.time_zone else c.dt.date()
    if dtype == pl.Date:
        return c
    return c.cast(pl.Date, strict=False)


def _on_subset(
    frame: pl.DataFrame, mask: pl.Expr | pl.Series, exprs: dict[str, pl.Expr], dtype=pl.String
) -> dict[str, pl.Series]:
    """Evaluate exprs only on the rows where mask holds (null elsewhere): the body regexes are the
    costliest part of the stage and most rows do not need them."""
    sub = frame.with_row_index("__normalize_row").filter(mask)
    vals = sub.select("__normalize_row", *[e.alias(k) for k, e in exprs.items()])
    out = {}
    for k in exprs:
        full = pl.Series(k, [], dtype=vals.schema[k] if vals.height else dtype).extend_constant(None, frame.height)
        out[k] = full.scatter(vals["__normalize_row"], vals[k]) if vals.height else full
    return out


def normalize_postings(df: pl.DataFrame) -> pl.DataFrame:
    """Same rows, same order, with NORMALIZED_COLUMNS added (see cjd_assets.normalize for their meaning)."""
    missing = [c for c in _INPUTS if c not in df.columns]
    base = df.with_columns(pl.lit(None, dtype=_INPUTS[c]).alias(c) for c in missing) if missing else df
    if "retrieve_date" not in base.columns:
        base = base.with_columns(pl.lit(None, dtype=pl.Date).alias("retrieve_date"))
    body = pl.col("body_extracted").cast(pl.String)

    # Effective strings: the extracted value, else a snippet from the body (flagged as inferred).
    work = base.select(
        pl.col("source").cast(pl.String).fill_null("").alias("_src"),
        pl.col("release_date_extracted").cast(pl.String).fill_null("").alias("_date"),
        _as_date(base.schema["retrieve_date"]).alias("_retr"),
        *[pl.col(col).cast(pl.String).alias(f"_x_{f}") for f, (col, _, _) in _FIELDS.items()],
    )
    any_blank = pl.any_horizontal([_blank(pl.col(col).cast(pl.String)) for col, _, _ in _FIELDS.values()])
    need_body = any_blank & ~_blank(body)
    snippets = _body.candidates(body)
    cand_cols = _on_subset(
        base,
        need_body,
        {f"_c_{f}": pl.when(_blank(pl.col(_FIELDS[f][0]).cast(pl.String))).then(e) for f, e in snippets.items()},
    )
    cand = pl.DataFrame(list(cand_cols.values()))
    work = pl.concat([work, cand], how="horizontal").with_columns(
        **{
            f"_k_{f}": pl.when(_blank(pl.col(f"_x_{f}")))
            .then(pl.col(f"_c_{f}").fill_null(""))
            .otherwise(pl.col(f"_x_{f}").str.strip_chars())
            for f in _FIELDS
        },
        **{f"_inf_{f}": _blank(pl.col(f"_x_{f}")) & pl.col(f"_c_{f}").is_not_null() for f in _FIELDS},
    )
    work = work.with_row_index("_row")
    # the posting names annual pay (年薪…): decides a unitless salary whose monthly reading is implausible;
    # only figures in 万 or of 5+ digits can be that high
    big = work.get_column("_k_salary").str.contains(r"(?i)\d\s*[万w]|\d{5}|\d{3}\s*k").fill_null(False)
    hint = _on_subset(
        base,
        big,
        {"_annual": pl.col("title_extracted").cast(pl.String).str.contains(ANNUAL_HINT).fill_null(False)
         | body.str.contains(ANNUAL_HINT).fill_null(False)},
        dtype=pl.Boolean,
    )["_annual"]
    work = work.with_columns(hint.fill_null(False))

    sal = parse_salary(
        work.select(pl.col("_k_salary").alias("salary_key"), pl.col("_src").alias("source"), "_annual").unique(),
        "salary_key",
        "source",
        annual_hint="_annual",
    )
    edu = parse_education(work.select(pl.col("_k_education").alias("education_key")).unique(), "education_key")
    exp = parse_experience(work.select(pl.col("_k_experience").alias("experience_key")).unique(), "experience_key")
    dat = parse_release_date(
        work.select(pl.col("_date").alias("release_date_key"), pl.col("_retr").alias("retrieve_key")).unique(),
        "release_date_key",
        "retrieve_key",
    )
    loc_keys = work.get_column("_k_location").unique().to_list()
    loc = resolve_locations(loc_keys)

    join = {"how": "left", "nulls_equal": True, "maintain_order": "left"}
    out = (
        work.join(sal, left_on=["_k_salary", "_src", "_annual"], right_on=["salary_key", "source", "_annual"], **join)
        .join(edu, left_on="_k_education", right_on="education_key", **join)
        .join(exp, left_on="_k_experience", right_on="experience_key", **join)
        .join(dat, left_on=["_date", "_retr"], right_on=["release_date_key", "retrieve_key"], **join)
        .join(loc, left_on="_k_location", right_on="location_key", **join)
    )

    # An inferred value counts only when the snippet parsed; otherwise the field is plainly missing.
    fixes = {}
    for f, (_, status_col, ok) in _FIELDS.items():
        inferred = pl.col(f"_inf_{f}") & pl.col(status_col).is_in(list(ok))
        fixes[_INFERRED_NAME[f]] = inferred
    out = out.with_columns(**fixes)
    null_if_not = {}
    groups = {
        "salary": SALARY_OUTPUT_COLUMNS,
        "education": EDUCATION_OUTPUT_COLUMNS,
        "experience": EXPERIENCE_OUTPUT_COLUMNS,
        "location": LOCATION_OUTPUT_COLUMNS,
    }
    for f, cols in groups.items():
        status_col = _FIELDS[f][1]
        failed_snippet = pl.col(f"_inf_{f}") & ~pl.col(_INFERRED_NAME[f])
        for c in cols:
            if c == status_col:
                null_if_not[c] = pl.when(failed_snippet).then(pl.lit("missing")).otherwise(pl.col(c))
            else:
                null_if_not[c] = pl.when(failed_snippet).then(None).otherwise(pl.col(c))
    out = out.with_columns(**null_if_not)

    # only bodies with markup, entities, runs of blank space or a 51job trailer need the regex pass
    bodies = base.select(
        body.str.contains(_body.DIRTY).fill_null(False).alias("dirty"),
        body.str.strip_chars().alias("stripped"),
        pl.col("title_extracted").cast(pl.String).alias("title"),
    )
    cleaned = _on_subset(base, bodies["dirty"], {"body_norm": _body.body_norm_expr(body)})["body_norm"]
    extra = bodies.with_columns(cleaned).select(
        "title",
        pl.when(pl.col("dirty")).then(pl.col("body_norm")).otherwise(pl.col("stripped")).alias("body_norm"),
    )
    # language of the cleaned text: &nbsp; and markup would count as foreign characters
    extra = extra.select(
        pl.when(pl.col("body_norm") != "").then(pl.col("body_norm")).alias("body_norm"),
        _body.language_expr(pl.col("title"), pl.col("body_norm")).alias("language_norm"),
    )
    head = NORMALIZED_COLUMNS[: -len(INFERRED_COLUMNS) - 2]
    added = out.select(head).hstack(extra).hstack(out.select(INFERRED_COLUMNS))
    kept = df.drop([c for c in NORMALIZED_COLUMNS if c in df.columns])
    return kept.hstack(added.select(NORMALIZED_COLUMNS))
