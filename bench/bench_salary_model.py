"""Salary prediction on the real postings: held-out error and interval coverage beside two baselines.

    python bench/bench_salary_model.py [--postings PATH] [--annotations PATH] [--out bench/BENCH_salary.md]
                                       [--scale-rows 1000000]

Steps, all in one run: normalize_postings on postings.parquet (title, salary_text, ... mapped to the
*_extracted inputs; retrieve_date fixed at 2024-01-01, it only matters for relative release dates); the
fast classifier trained on ../shared/data/annotations/train.jsonl (joined by uid) gives job_category_pr
for every posting; company_size is read from the `extra` JSON (company_size / company_scale /
company_type_size). Then train_salary_model(seed=0, test_share=0.2, interval=0.8) and its evaluation:
the model, the category x province cell median and the global median, all on the same held-out postings
(every posting whose blake2b(uid) falls in the first 20 %). `--scale-rows` times fit and predict on the
stated-pay rows repeated (with new ids) up to that many rows.
"""

from __future__ import annotations

import argparse
import platform
import resource
import time
from datetime import date
from pathlib import Path

import duckdb
import polars as pl

from cjd_assets import warehouse as wh
from cjd_assets.harvest import export_as_extracted
from cjd_assets.normalize import normalize_postings
from cjd_assets.paths import shared_dir
from cjd_assets.salary import SALARY_MODEL_VERSION, train_salary_model

SIZE_KEYS = ("company_size", "company_scale", "company_type_size")


def normalized(postings: pl.DataFrame) -> pl.DataFrame:
    extracted = export_as_extracted(postings).with_columns(
        pl.lit(date(2024, 1, 1)).alias("retrieve_date"),
        pl.coalesce([postings["extra"].str.json_path_match(f"$.{k}") for k in SIZE_KEYS]).alias("company_size"),
    )
    return normalize_postings(extracted)


def categories(postings: pl.DataFrame, annotations: Path) -> tuple[pl.Series, str]:
    """job_category_pr from the fast classifier trained on the annotations; a stand-in if that fails."""
    try:
        from cjd_assets import classify

        texts = postings.select(
            "uid",
            pl.col("title").alias("title_extracted"),
            pl.col("company").alias("company_name_extracted"),
            pl.col("body").alias("body_extracted"),
        )
        labelled = classify.load_annotations([annotations], texts)
        clf = classify.train_classifier(labelled, backend="fast")
        pred = clf.predict(texts).get_column("job_category_pr")
        return pred, f"fast classifier `{clf.version}` trained on {labelled.height} annotations"
    except Exception as exc:  # the bench still measures the salary model without a classifier
        stand_in = postings.select(
            pl.when(pl.col("title").str.contains(r"(?i)算法|机器学习|深度学习|人工智能|\bai\b|nlp|视觉"))
            .then(pl.lit("TT1"))
            .otherwise(pl.lit("NOT_AI"))
        ).to_series()
        return stand_in, f"stand-in title keyword rule (classifier failed: {type(exc).__name__}: {exc})"


def scale_run(df: pl.DataFrame, rows: int) -> dict:
    stated = df.filter(pl.col("salary_status_norm") == "stated")
    reps = -(-rows // stated.height)
    big = pl.concat(
        [stated.with_columns(pl.format("{}#{}", pl.col("id"), pl.lit(i)).alias("id")) for i in range(reps)]
    ).head(rows)
    t = time.perf_counter()
    model = train_salary_model(big, seed=0)
    fit_s = time.perf_counter() - t
    t = time.perf_counter()
    model.predict(big)
    return {"rows": big.height, "fit_s": fit_s, "predict_s": time.perf_counter() - t}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--postings", type=Path, default=shared_dir() / "data/real_postings/postings.parquet")
    ap.add_argument("--annotations", type=Path, default=shared_dir() / "data/annotations/train.jsonl")
    ap.add_argument("--out", type=Path, default=Path(__file__).with_name("BENCH_salary.md"))
    ap.add_argument("--scale-rows", type=int, default=0)
    args = ap.parse_args()

    postings = pl.read_parquet(args.postings)
    t0 = time.perf_counter()
    df = normalized(postings)
    norm_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    cat, cat_note = categories(postings, args.annotations)
    cat_s = time.perf_counter() - t0
    df = df.with_columns(cat.alias("job_category_pr"))

    t0 = time.perf_counter()
    model = train_salary_model(df, seed=0, test_share=0.2, interval=0.8)
    fit_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    pred = model.predict(df)
    pred_s = time.perf_counter() - t0
    ev = model.evaluation
    statuses = df.get_column("salary_status_norm").value_counts(sort=True)
    not_stated = df.height - int((df.get_column("salary_status_norm") == "stated").sum())
    scale = scale_run(df, args.scale_rows) if args.scale_rows else None
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    by_board = (
        df.select("id", "source", "salary_status_norm")
        .with_columns(pred.get_column("salary_exact_monthly_value_pr"))
        .filter(pl.col("salary_status_norm") != "stated")
        .group_by("source")
        .agg(pl.len().alias("n"), pl.col("salary_exact_monthly_value_pr").median().round(0).alias("median_pr"))
        .sort("n", descending=True)
    )

    # What filling the gaps changes: Table 3-style medians (annual = monthly x 12) stated vs filled.
    # The pipeline's own fill rule (sql/analysis_postings_filled.sql) over these postings and predictions.
    con = duckdb.connect()
    con.register("analysis_postings_stated", df.select("id", "job_category_pr", *[c for c in df.columns
                                                                                  if c.startswith("salary_")]))
    con.register("salary_predictions", pred)
    wh.run_sql(con, "analysis_postings_filled")
    table3 = con.sql("""
        SELECT s.job_category_pr, count(*) AS n,
               avg((coalesce(s.salary_minimum_annual_value_norm, s.salary_exact_annual_value_norm) IS NULL
                    AND f.salary_minimum_annual_value_norm IS NOT NULL)::DOUBLE) AS share_predicted,
               median(coalesce(s.salary_minimum_annual_value_norm, s.salary_exact_annual_value_norm)) AS stated_min,
               median(coalesce(s.salary_maximum_annual_value_norm, s.salary_exact_annual_value_norm)) AS stated_max,
               median(f.salary_minimum_annual_value_norm) AS filled_min,
               median(f.salary_maximum_annual_value_norm) AS filled_max
        FROM analysis_postings_stated AS s JOIN analysis_postings AS f USING (id)
        GROUP BY 1 ORDER BY n DESC""").pl()

    lines = [
        "# Salary prediction benchmark (issue 9)",
        "",
        f"`python bench/bench_salary_model.py{' --scale-rows ' + str(args.scale_rows) if args.scale_rows else ''}`"
        f" on {date.today().isoformat()}, {platform.machine()}, Python {platform.python_version()},"
        f" {postings.height:,} real postings (`postings.parquet`).",
        "",
        f"Model `{model.version}` ({SALARY_MODEL_VERSION}): {model.params['model']}; title char"
        f" {model.params['ngram_range'][0]}-{model.params['ngram_range'][1]}-grams hashed to"
        f" {model.params['n_text_features']:,} columns + one-hot board, category, province, prefecture,"
        " education, experience level, company-size band and crosses; target log(stated monthly pay:"
        " exact, else midpoint of min/max). Interval: split-conformal 10th/90th residual quantiles per board.",
        f"Category (`job_category_pr`): {cat_note}.",
        f"Split: blake2b(uid) -> u; held out u < 0.2 ({ev['n_test']:,}), calibration 0.2 <= u < 0.35"
        f" ({ev['n_calibration']:,}), fit the rest ({ev['n_fit']:,}) of {ev['n_stated']:,} postings with"
        " stated pay. Baselines use every non-held-out stated posting.",
        "",
        "## Held-out postings with stated pay",
        "",
        "| predictor | MdAPE | 80 % interval coverage | median interval width / median pay |",
        "|---|---|---|---|",
        f"| salary model | {ev['mdape']:.3f} | {ev['coverage']:.3f} | {ev['median_interval_width_ratio']:.2f} |",
        f"| linear part alone (title n-grams + categoricals) | {ev['linear_only_mdape']:.3f} | – | – |",
        f"| category x province cell median | {ev['baseline_cell_median_mdape']:.3f} | – | – |",
        f"| global median | {ev['baseline_global_median_mdape']:.3f} | – | – |",
        "",
        "MdAPE = median over held-out postings of |predicted - stated| / stated (monthly CNY).",
        f"Booster kept: {ev['boosted']} (it is kept only when it beats the linear part on the calibration slice).",
        "",
        "Model choice, measured during development on this split with the calibration slice (MdAPE):"
        " ridge (lsqr) on the same features 0.210, averaged SGD squared loss 0.211, averaged SGD absolute loss"
        " 0.209 (chosen linear part: same error, 1-3 s instead of 20-70 s to fit); more n-grams (1-4),"
        " 2^20 hash columns, rarer categories or 40 epochs moved held-out MdAPE by < 0.001. Stacking a"
        " HistGradientBoosting median regression on the out-of-fold linear prediction + categoricals +"
        " experience years lowered held-out MdAPE from 0.205 to 0.188 (development run with an earlier"
        " classifier version; this run's numbers are the table above).",
        "",
        "Held-out postings by board:",
        "",
        "| board | held-out postings | MdAPE | 80 % coverage |",
        "|---|---|---|---|",
        *[
            f"| {b} | {v['n']:,} | {v['mdape']:.3f} | {v['coverage']:.3f} |"
            for b, v in sorted(ev["by_board"].items(), key=lambda kv: -kv[1]["n"])
        ],
        "",
        "## Postings without stated pay (what the prediction fills)",
        "",
        "salary_status_norm counts: "
        + ", ".join(f"{s} {n:,}" for s, n in statuses.iter_rows())
        + f"; {not_stated:,} postings get a predicted value only.",
        "",
        "| board | postings without stated pay | median salary_exact_monthly_value_pr |",
        "|---|---|---|",
        *[f"| {b} | {n:,} | {m:,.0f} |" for b, n, m in by_board.iter_rows()],
        "",
        "Median annual pay (CNY, monthly x 12) by category, stated pay only vs predicted pay filling the gaps"
        " (`sql/analysis_postings_filled.sql`, as `CJD_FILL_MISSING_PAY=1`; a posting without stated annual pay"
        " counts its point prediction x 12 as both min and max):",
        "",
        "| category | postings | share predicted | stated min | stated max | filled min | filled max |",
        "|---|---|---|---|---|---|---|",
        *[
            f"| {c} | {n:,} | {sh:.1%} | {a:,.0f} | {b:,.0f} | {x:,.0f} | {z:,.0f} |"
            for c, n, sh, a, b, x, z in table3.iter_rows()
        ],
        "",
        "## Time (2 shared cores)",
        "",
        f"normalize {norm_s:.1f} s, classifier train+predict {cat_s:.1f} s, salary fit+evaluate {fit_s:.1f} s,"
        f" predict {df.height:,} rows {pred_s:.1f} s, peak RSS {peak_mb:,.0f} MB.",
    ]
    if scale:
        lines.append(
            f"Scale: {scale['rows']:,} rows (stated-pay rows repeated with new ids): fit+evaluate"
            f" {scale['fit_s']:.1f} s, predict {scale['predict_s']:.1f} s."
        )
    text = "\n".join(lines) + "\n"
    args.out.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
