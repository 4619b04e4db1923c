"""Demand over time: monthly postings by category, region and board, the AI share with its interval
(raw and adjusted for the board mix), and two windows (harvests or periods) compared category by category.

The study is a snapshot; these tables answer "is AI demand growing, where, in which team". A scraped
corpus counts what the crawlers collected, so a month's volume is not the market's: shares are the
series to read, months with few postings are flagged rather than shown as a drop, and a change in the
board mix (a board joining a harvest) is separated from a change within boards by direct
standardisation on the boards' overall mix.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import polars as pl
from scipy import stats

from cjd_assets import warehouse as wh
from cjd_assets.report.geography import load_regions, region_of
from cjd_assets.analysis.stats import bonferroni, ranksum_test, two_proportion_ztest
from cjd_assets.analysis.tables import AI_CATEGORIES
from cjd_assets.schema import CATEGORIES

OUTSIDE = "Rest of China"
LOCATION_MISSING = "Location missing"
REGIONS: tuple[str, ...] = (*(r.name for r in load_regions()), OUTSIDE, LOCATION_MISSING)
DEFAULT_MIN_MONTH_POSTINGS = 30  # below this a month's share is too noisy to read as a change
CONFIDENCE = 0.95


def postings_by_month(con) -> pl.DataFrame:
    """`month, month_basis, category, region, source, postings`: unique postings per release month (else
    retrieval month; `month_basis` says which; a null month with basis 'unknown' where the posting has
    neither) and category, region (the 2023 follow-up's three clusters, the rest of China, location
    missing) and board."""
    raw = wh.query_sql(con, "summary_monthly_postings")
    pairs = raw.select("province_zh", "prefecture_zh").unique()
    regions = pairs.with_columns(
        pl.Series("region", [
            LOCATION_MISSING if prov is None else (region_of(prov, pref) or OUTSIDE)
            for prov, pref in pairs.iter_rows()
        ], dtype=pl.String)
    )
    out = (
        raw.join(regions, on=["province_zh", "prefecture_zh"], how="left", nulls_equal=True)
        .group_by("month", "month_basis", "category", "region", "source")
        .agg(pl.col("postings").sum().cast(pl.Int64))
    )
    return out.sort("month", "month_basis", "category", "region", "source", nulls_last=True)


def wilson_interval(successes: int, trials: int, confidence: float = CONFIDENCE) -> tuple[float | None, float | None]:
    """Wilson score interval of a share (scipy's), or (None, None) for an empty month."""
    if trials <= 0:
        return None, None
    ci = stats.binomtest(int(successes), int(trials)).proportion_ci(confidence_level=confidence, method="wilson")
    return float(ci.low), float(ci.high)


def _all_months(months: Sequence[date]) -> list[date]:
    """Every calendar month from the first to the last, so an empty month shows as empty, not as absent."""
    if not months:
        return []
    first, last = min(months), max(months)
    out, y, m = [], first.year, first.month
    while (y, m) <= (last.year, last.month):
        out.append(date(y, m, 1))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


_SHARE_SCHEMA = {"month": pl.Date, "breakdown": pl.String, "group": pl.String, "postings": pl.Int64,
                 "ai_postings": pl.Int64, "ai_share": pl.Float64, "ci_low": pl.Float64, "ci_high": pl.Float64,
                 "release_month_share": pl.Float64, "sparse": pl.Boolean, "ai_share_board_mix_adjusted": pl.Float64}


def ai_share_by_month(by_month: pl.DataFrame, min_postings: int = DEFAULT_MIN_MONTH_POSTINGS) -> pl.DataFrame:
    """The monthly AI share (TT1 + TT2 + Product + Commercial over all unique postings) with its Wilson
    interval, for all boards (`breakdown` 'all'), per board and per region; every month between the
    first and the last is present. `sparse` marks months with fewer than `min_postings` postings (their
    share is not a finding). `release_month_share`: the share of the month's postings placed by their
    release date rather than their retrieval date.

    `ai_share_board_mix_adjusted` (breakdown 'all'): direct standardisation on the board mix. Each
    board's monthly AI share is weighted by that board's share of all postings over the whole period,
    renormalised over the boards that have postings that month, so a board joining or leaving the
    harvest moves the adjusted series only through its own within-board share. Postings with no known
    month are left out of the series (the report says how many)."""
    by_month = by_month.filter(pl.col("month").is_not_null())
    if by_month.is_empty():
        return pl.DataFrame(schema=_SHARE_SCHEMA)
    months = _all_months(by_month["month"].unique().to_list())
    tagged = by_month.with_columns(
        pl.col("category").is_in(list(AI_CATEGORIES)).alias("is_ai"),
        (pl.col("month_basis") == "release").alias("by_release"),
    )

    def series(frame: pl.DataFrame, breakdown: str, group: str) -> list[dict]:
        agg = frame.group_by("month").agg(
            pl.col("postings").sum().alias("n"),
            pl.col("postings").filter(pl.col("is_ai")).sum().alias("x"),
            pl.col("postings").filter(pl.col("by_release")).sum().alias("r"),
        )
        seen = {row["month"]: row for row in agg.iter_rows(named=True)}
        rows = []
        for m in months:
            n, x, r = (int(seen[m]["n"]), int(seen[m]["x"]), int(seen[m]["r"])) if m in seen else (0, 0, 0)
            lo, hi = wilson_interval(x, n)
            rows.append(dict(month=m, breakdown=breakdown, group=group, postings=n, ai_postings=x,
                             ai_share=x / n if n else None, ci_low=lo, ci_high=hi,
                             release_month_share=r / n if n else None, sparse=n < min_postings,
                             ai_share_board_mix_adjusted=None))
        return rows

    rows = series(tagged, "all", "all boards")
    rows[:] = _with_mix_adjustment(rows, tagged)
    for board in sorted(tagged["source"].unique().to_list()):
        rows += series(tagged.filter(pl.col("source") == board), "board", board)
    for region in REGIONS:
        part = tagged.filter(pl.col("region") == region)
        if part.height:
            rows += series(part, "region", region)
    return pl.DataFrame(rows, schema=_SHARE_SCHEMA)


def _with_mix_adjustment(rows: list[dict], tagged: pl.DataFrame) -> list[dict]:
    board_totals = tagged.group_by("source").agg(pl.col("postings").sum())
    total = int(board_totals["postings"].sum())
    weight = {b: n / total for b, n in board_totals.iter_rows()}
    cells = tagged.group_by("month", "source").agg(
        pl.col("postings").sum().alias("n"), pl.col("postings").filter(pl.col("is_ai")).sum().alias("x"))
    by_month: dict[date, list[tuple[str, int, int]]] = {}
    for m, board, n, x in cells.iter_rows():
        by_month.setdefault(m, []).append((board, int(n), int(x)))
    for row in rows:
        present = [(weight[b], x / n) for b, n, x in by_month.get(row["month"], []) if n]
        w = sum(wt for wt, _ in present)
        row["ai_share_board_mix_adjusted"] = sum(wt * s for wt, s in present) / w if w else None
    return rows


# --- two windows compared ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Window:
    """A comparison window: the postings of one harvest, or the postings live in a span of months."""

    label: str
    harvest_id: str | None = None
    start: date | None = None  # first day of the first month
    end: date | None = None  # last day of the last month

    def mask(self) -> pl.Expr:
        if self.harvest_id is not None:
            return pl.col("harvest_id") == self.harvest_id
        return pl.col("live_date").is_between(self.start, self.end)


_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def _month_start(text: str) -> date:
    m = _MONTH.match(text.strip())
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise ValueError(f"a window month is written YYYY-MM, not {text!r}")
    return date(int(m.group(1)), int(m.group(2)), 1)


def _month_end(first: date) -> date:
    nxt = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
    return date.fromordinal(nxt.toordinal() - 1)


def parse_windows(spec: str) -> tuple[Window, Window]:
    """Two windows from text: `harvest:KEY_A,harvest:KEY_B` or `2022-01..2022-12,2023-01..2023-12`."""
    parts = [p.strip() for p in spec.split(",") if p.strip()]
    if len(parts) != 2:
        raise ValueError(f"give exactly two windows separated by a comma, not {spec!r}")
    out = []
    for p in parts:
        if p.startswith("harvest:"):
            out.append(Window(p, harvest_id=p.removeprefix("harvest:")))
            continue
        lo, sep, hi = p.partition("..")
        first = _month_start(lo)
        last = _month_start(hi) if sep else first
        if last < first:
            raise ValueError(f"window {p!r} ends before it starts")
        out.append(Window(p, start=first, end=_month_end(last)))
    return out[0], out[1]


def default_windows(versions: pl.DataFrame) -> tuple[Window, Window] | None:
    """The two most recent harvests when there are several (ordered by when they were taken); else
    year over year on one harvest: the last 12 months with postings against the 12 before them."""
    harvests = versions.group_by("harvest_id").agg(pl.col("retrieved").min().alias("first"))
    if harvests.height >= 2:
        ids = harvests.sort("first", "harvest_id")["harvest_id"].to_list()[-2:]
        return Window(f"harvest:{ids[0]}", harvest_id=ids[0]), Window(f"harvest:{ids[1]}", harvest_id=ids[1])
    dates = versions["live_date"].drop_nulls()
    if dates.is_empty():
        return None
    last = dates.max()
    last_month = date(last.year, last.month, 1)
    b_start = date(last_month.year - 1 + (last_month.month == 12), last_month.month % 12 + 1, 1)
    a_start = date(b_start.year - 1, b_start.month, 1)
    a_last = date(last_month.year - 1, last_month.month, 1)
    fmt = "{:%Y-%m}".format
    return (Window(f"{fmt(a_start)}..{fmt(a_last)}", start=a_start, end=_month_end(a_last)),
            Window(f"{fmt(b_start)}..{fmt(last_month)}", start=b_start, end=_month_end(last_month)))


SHARE_WITHIN_CATEGORY: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("bachelor or higher", "education_level", ("bachelor", "master", "doctoral")),
    ("no experience", "experience_level", ("no experience",)),
    ("mid or senior (over 5 years)", "experience_level", ("mid", "senior")),
)

_COMPARISON_SCHEMA = {"metric": pl.String, "category": pl.String, "window_a": pl.String, "window_b": pl.String,
                      "n_a": pl.Int64, "n_b": pl.Int64, "value_a": pl.Float64, "value_b": pl.Float64,
                      "difference": pl.Float64, "test": pl.String, "statistic": pl.Float64,
                      "p_value": pl.Float64, "m": pl.Int64, "p_adjusted": pl.Float64, "significant": pl.Boolean}


def window_versions(con) -> pl.DataFrame:
    """Every version of every unique posting with its harvest, live date and the primary's fields."""
    return wh.query_sql(con, "summary_window_postings")


def compare_windows(versions: pl.DataFrame, windows: tuple[Window, Window] | None = None,
                    alpha: float = 0.05) -> pl.DataFrame:
    """Category by category, window A against window B: postings, share of the window's postings
    (two-sample Z-test), the education and experience mix (Z-tests within the category) and median
    annual pay (Wilcoxon rank-sum), Bonferroni-adjusted within each metric. A posting counts once in each
    window it was live in, however many versions of it were harvested there."""
    windows = windows or default_windows(versions)
    if windows is None:
        return pl.DataFrame(schema=_COMPARISON_SCHEMA)
    a, b = (versions.filter(w.mask()).unique("id") for w in windows)
    rows: list[dict] = []
    na_all, nb_all = a.height, b.height
    base = dict(window_a=windows[0].label, window_b=windows[1].label)
    for cat in CATEGORIES:
        ca, cb = a.filter(pl.col("category") == cat), b.filter(pl.col("category") == cat)
        rows.append(dict(base, metric="postings", category=cat, n_a=na_all, n_b=nb_all, value_a=float(ca.height),
                         value_b=float(cb.height), difference=float(cb.height - ca.height)))
        if na_all and nb_all:
            z, p = two_proportion_ztest(ca.height, na_all, cb.height, nb_all)
            rows.append(dict(base, metric="share of postings", category=cat, n_a=na_all, n_b=nb_all,
                             value_a=ca.height / na_all, value_b=cb.height / nb_all,
                             difference=cb.height / nb_all - ca.height / na_all, test="two-sample Z",
                             statistic=z, p_value=p))
        if not (ca.height and cb.height):
            continue
        for metric, col, levels in SHARE_WITHIN_CATEGORY:
            xa = ca.filter(pl.col(col).is_in(list(levels))).height
            xb = cb.filter(pl.col(col).is_in(list(levels))).height
            z, p = two_proportion_ztest(xa, ca.height, xb, cb.height)
            rows.append(dict(base, metric=f"{metric} (share of category)", category=cat, n_a=ca.height,
                             n_b=cb.height, value_a=xa / ca.height, value_b=xb / cb.height,
                             difference=xb / cb.height - xa / ca.height, test="two-sample Z", statistic=z, p_value=p))
        for metric, col in (("median minimum annual salary (CNY)", "salary_min_annual"),
                            ("median maximum annual salary (CNY)", "salary_max_annual")):
            pa, pb = ca[col].drop_nulls(), cb[col].drop_nulls()
            if pa.is_empty() or pb.is_empty():
                continue
            stat, p = ranksum_test(pa.to_numpy(), pb.to_numpy())
            rows.append(dict(base, metric=metric, category=cat, n_a=pa.len(), n_b=pb.len(), value_a=float(pa.median()),
                             value_b=float(pb.median()), difference=float(pb.median() - pa.median()),
                             test="Wilcoxon rank-sum", statistic=stat, p_value=p))
    df = pl.DataFrame(rows, schema={k: v for k, v in _COMPARISON_SCHEMA.items()
                                    if k not in ("m", "p_adjusted", "significant")})
    out = []
    for metric in df["metric"].unique(maintain_order=True).to_list():
        part = df.filter(pl.col("metric") == metric)
        tested = part["p_value"].drop_nulls()
        adj = iter(bonferroni(tested.to_list()))
        p_adj = [None if p is None else next(adj) for p in part["p_value"].to_list()]
        out.append(part.with_columns(
            pl.lit(tested.len() or None, dtype=pl.Int64).alias("m"),
            pl.Series("p_adjusted", p_adj, dtype=pl.Float64),
            pl.Series("significant", [None if p is None else p < alpha for p in p_adj], dtype=pl.Boolean),
        ))
    return pl.concat(out).select(list(_COMPARISON_SCHEMA))
