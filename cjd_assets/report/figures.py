"""The study's figures as PNG bytes (matplotlib, Agg backend), labelled in English.

Each `figure_<n>` takes the frame of the matching function in `tables` and returns PNG bytes, which
the report embeds and the assets attach to their materialization metadata.
"""

from __future__ import annotations

import functools
import io
import math
import warnings
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")  # headless: no display on the pipeline's machines
import matplotlib.pyplot as plt  # noqa: E402
import polars as pl  # noqa: E402
from matplotlib.patches import PathPatch, Patch, Rectangle  # noqa: E402
from matplotlib.path import Path as MPath  # noqa: E402

from cjd_assets.report.geography import PROVINCES, province_shapes, province_short_zh  # noqa: E402
from cjd_assets.schema import CATEGORIES, CATEGORY_NAMES, EDUCATION_LEVELS, EXPERIENCE_LEVELS  # noqa: E402

# The study's legend bins for Figures 5 and 6 (postings per province): < 10,000; 10,000-40,000;
# 40,000-60,000; >= 60,000. Edges between classes.
STUDY_MAP_BINS: tuple[float, ...] = (10_000, 40_000, 60_000)
MAP_COLORS = ("#deebf7", "#9ecae1", "#4292c6", "#08519c")
NO_POSTINGS_COLOR = "#f0f0f0"
PALETTE = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#bab0ac")


@functools.lru_cache(maxsize=1)
def _rc() -> dict:
    """Labels are English, but a city with no English name keeps its Chinese one: fall back to a CJK
    font (Debian's fonts-noto-cjk) for those glyphs when one is installed."""
    from matplotlib import font_manager

    names = {f.name for f in font_manager.fontManager.ttflist}
    cjk = [n for n in ("Noto Sans CJK SC", "Noto Sans CJK JP", "WenQuanYi Zen Hei", "Droid Sans Fallback") if n in names]
    return {"font.family": ["DejaVu Sans", *cjk]}  # a family list: matplotlib falls back glyph by glyph


def _styled(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with matplotlib.rc_context(_rc()), warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Glyph .* missing from font")
            return fn(*args, **kwargs)

    return wrapper


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def _empty(title: str) -> bytes:
    fig, ax = plt.subplots(figsize=(6, 2))
    ax.axis("off")
    ax.text(0.5, 0.5, f"{title}\n(no data)", ha="center", va="center")
    return _png(fig)


def _stacked_shares(df: pl.DataFrame, level_col: str, levels: Sequence[str], title: str, xlabel: str) -> bytes:
    if df.is_empty() or df["postings"].sum() == 0:
        return _empty(title)
    cats = [c for c in CATEGORIES if c in set(df["category"].to_list())]
    extra = [lv for lv in df[level_col].unique().to_list() if lv not in levels]
    levels = [*levels, *sorted(extra)]
    fig, ax = plt.subplots(figsize=(9, 0.6 * len(cats) + 1.8))
    left = [0.0] * len(cats)
    for i, level in enumerate(levels):
        shares = []
        for c in cats:
            s = df.filter((pl.col("category") == c) & (pl.col(level_col) == level))["share"]
            shares.append(float(s[0]) * 100 if len(s) else 0.0)
        color = "#cccccc" if level == "no data" else PALETTE[i % len(PALETTE)]
        bars = ax.barh([CATEGORY_NAMES.get(c, c) for c in cats], shares, left=left, color=color, label=level)
        for bar, s in zip(bars, shares):
            if s >= 6:
                ax.text(bar.get_x() + bar.get_width() / 2, bar.get_y() + bar.get_height() / 2, f"{s:.0f}%",
                        ha="center", va="center", fontsize=8)
        left = [a + b for a, b in zip(left, shares)]
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel(xlabel)
    ax.set_title(title)
    ax.legend(ncol=min(len(levels), 7), loc="upper center", bbox_to_anchor=(0.5, -0.18 - 0.02 * len(cats) / 5),
              fontsize=8, frameon=False)
    return _png(fig)


@_styled
def figure_1(education: pl.DataFrame) -> bytes:
    """Figure 1: desired education by category (from `tables.education_by_category`)."""
    return _stacked_shares(education, "education_level", [*EDUCATION_LEVELS, "no data"],
                           "Figure 1. Desired education by category", "share of the category's postings (%)")


@_styled
def figure_2(experience: pl.DataFrame) -> bytes:
    """Figure 2: desired experience level by category (from `tables.experience_by_category`)."""
    return _stacked_shares(experience, "experience_level", [*EXPERIENCE_LEVELS, "no data"],
                           "Figure 2. Desired experience by category", "share of the category's postings (%)")


@_styled
def figure_3(table3: pl.DataFrame, ppp_rate: float = 4.187) -> bytes:
    """Figure 3: median minimum and maximum annual salary by category, CNY with a PPP USD axis."""
    title = "Figure 3. Median annual salary by category"
    df = table3.filter(pl.col("median_min_annual_cny").is_not_null() | pl.col("median_max_annual_cny").is_not_null())
    if df.is_empty():
        return _empty(title)
    names = [CATEGORY_NAMES.get(c, c) for c in df["category"]]
    mins = [v or 0.0 for v in df["median_min_annual_cny"].to_list()]
    maxs = [v or 0.0 for v in df["median_max_annual_cny"].to_list()]
    fig, ax = plt.subplots(figsize=(9, 4.5))
    x = range(len(names))
    ax.bar([i - 0.2 for i in x], mins, width=0.4, label="median minimum", color=PALETTE[0])
    ax.bar([i + 0.2 for i in x], maxs, width=0.4, label="median maximum", color=PALETTE[1])
    for i, (a, b) in enumerate(zip(mins, maxs)):
        ax.text(i - 0.2, a, f"{a:,.0f}", ha="center", va="bottom", fontsize=7)
        ax.text(i + 0.2, b, f"{b:,.0f}", ha="center", va="bottom", fontsize=7)
    ax.set_xticks(list(x), names, fontsize=9)
    ax.set_ylabel("annual salary (CNY)")
    ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.set_ylim(0, max(mins + maxs + [1.0]) * 1.2)  # headroom for the value labels and the legend
    sec = ax.secondary_yaxis("right", functions=(lambda v: v / ppp_rate, lambda v: v * ppp_rate))
    sec.set_ylabel(f"PPP USD (rate {ppp_rate:g})")
    sec.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.set_title(title)
    ax.legend(frameon=False, loc="upper center", ncol=2)
    return _png(fig)


@_styled
def figure_4(province_salary: pl.DataFrame, ppp_rate: float = 4.187, category: str = "TT1", min_n: int = 100) -> bytes:
    """Figure 4: median salary range (minimum to maximum) per province (from `tables.tt1_salary_by_province`)."""
    title = f"Figure 4. {CATEGORY_NAMES.get(category, category)}: median annual salary by province (n >= {min_n})"
    df = province_salary.filter(pl.col("median_min_annual_cny").is_not_null() & pl.col("median_max_annual_cny").is_not_null())
    if df.is_empty():
        return _empty(title)
    df = df.sort("median_max_annual_cny", "median_min_annual_cny")
    fig, ax = plt.subplots(figsize=(9, 0.32 * df.height + 1.6))
    labels = [f"{en or zh} (n={n:,})" for en, zh, n in zip(df["province_en"], df["province_zh"], df["n_salary"])]
    lo, hi = df["median_min_annual_cny"].to_list(), df["median_max_annual_cny"].to_list()
    ax.barh(labels, [h - l for l, h in zip(lo, hi)], left=lo, color=PALETTE[0], height=0.6)
    ax.scatter(lo, labels, color=PALETTE[0], zorder=3, s=12)
    ax.scatter(hi, labels, color=PALETTE[1], zorder=3, s=12, label="median maximum")
    ax.set_xlim(left=0)
    ax.set_xlabel("annual salary (CNY), bar from median minimum to median maximum")
    ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:,.0f}"))
    sec = ax.secondary_xaxis("top", functions=(lambda v: v / ppp_rate, lambda v: v * ppp_rate))
    sec.set_xlabel(f"PPP USD (rate {ppp_rate:g})")
    ax.tick_params(axis="y", labelsize=8)
    ax.set_title(title, pad=28)
    return _png(fig)


def bin_labels(bins: Sequence[float], integer: bool = False) -> list[str]:
    """Legend labels: '< a', 'a–b', ..., '>= z'. With `integer` (counts of postings) the classes are
    closed integer ranges that start at 1 (0 has its own 'no postings' colour): '1–4', '5', '6–19', '≥ 20'."""
    def f(v: float) -> str:
        return f"{v:,.0f}"
    if not integer:
        labels = [f"< {f(bins[0])}"]
        labels += [f"{f(a)}–{f(b)}" for a, b in zip(bins[:-1], bins[1:])]
        labels.append(f">= {f(bins[-1])}")
        return labels
    edges = [1, *[int(math.ceil(b)) for b in bins]]
    labels = [f(a) if b - 1 == a else f"{f(a)}–{f(b - 1)}" for a, b in zip(edges[:-1], edges[1:])]
    return [*labels, f"≥ {f(edges[-1])}"]


def count_bins(counts: Sequence[int], quantiles: Sequence[float] = (0.5, 0.75, 0.9)) -> tuple[float, ...]:
    """Class edges for a map of posting counts, from the counts themselves: the given quantiles of the
    provinces with postings, rounded to 2 significant digits, kept only when each class holds at least
    one whole number (> 1, increasing, <= the largest count). A handful of postings gets one or two
    edges, never the degenerate '< 1, 1–2, 2–3'."""
    pos = sorted(int(v) for v in counts if v and v > 0)
    if not pos:
        return (2.0,)
    edges: list[int] = []
    for q in quantiles:
        v = pos[min(len(pos) - 1, int(q * len(pos)))]
        v = int(round(v, -int(math.floor(math.log10(v))) + 1)) if v >= 100 else v
        if v > (edges[-1] if edges else 1) and v <= pos[-1]:
            edges.append(v)
    return tuple(float(e) for e in (edges or [pos[-1] + 1]))


def bin_index(value: float, bins: Sequence[float]) -> int:
    """Class of a count: 0 for < bins[0], ..., len(bins) for >= bins[-1]."""
    return sum(1 for edge in bins if value >= edge)


# Where the labels of small, crowded provinces go (SVG coordinates of pygal-maps-china's map, y down):
# out to sea or over a large neighbour, joined to the province by a leader line. Beijing, Tianjin and
# Hebei share one spot on the map, as do Shanghai, Jiangsu, Zhejiang and Anhui, and Guangdong, Hong Kong
# and Macau.
LABEL_ANCHORS: dict[str, tuple[float, float]] = {
    "BJ": (350, 150), "TJ": (505, 190), "HE": (370, 215), "SH": (545, 285), "JS": (525, 240),
    "ZJ": (535, 330), "AH": (395, 262), "HK": (475, 445), "MO": (375, 440), "TW": (540, 395),
    "FJ": (480, 370), "SD": (470, 215), "LN": (500, 150),
}


def _centroid(shape) -> tuple[float, float]:
    vs = [v for v, c in zip(*shape) if c != MPath.CLOSEPOLY]
    return sum(v[0] for v in vs) / len(vs), sum(v[1] for v in vs) / len(vs)


def _overlaps(a, b) -> bool:
    return a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1


def _label_provinces(fig, ax, shapes, labels: dict[str, str]) -> list:
    """Label the given provinces: at the centroid, or for crowded ones at LABEL_ANCHORS with a leader
    line; a label that still touches an earlier one moves down (y grows downwards) until it is clear.
    Returns the labels' boxes in display pixels."""
    ax.set_xlim(-5, 600)  # room to the east for labels set out to sea
    ax.set_ylim(480, -5)
    ax.set_aspect("equal")
    ax.apply_aspect()  # final axes box now, so label boxes measured below stay true in the saved image
    placed: list = []
    renderer = fig.canvas.get_renderer()
    for code, text in labels.items():
        if code not in shapes:
            continue
        cx, cy = _centroid(shapes[code])
        tx, ty = LABEL_ANCHORS.get(code, (cx, cy))
        for _ in range(12):
            leader = (tx, ty) != (cx, cy)
            ann = ax.annotate(
                text, (cx, cy), xytext=(tx, ty), ha="center", va="center", fontsize=7,
                bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="#999999" if leader else "none", alpha=0.85),
                arrowprops=dict(arrowstyle="-", color="#555555", lw=0.6, shrinkA=0, shrinkB=1) if leader else None,
            )
            # The text's own box (an Annotation's extent would include its leader line), with the pad.
            box = matplotlib.text.Text.get_window_extent(ann, renderer).expanded(1.08, 1.15)
            if not any(_overlaps(box, other) for other in placed):
                placed.append(box)
                break
            ann.remove()
            ty += 14
        else:
            placed.append(box)  # give up after 12 moves (never seen on the 34 provinces)
            ax.add_artist(ann)
    return placed


@_styled
def figure_province_map(
    counts: pl.DataFrame, category: str, bins: Sequence[float] = STUDY_MAP_BINS, title: str | None = None,
    _label_boxes: list | None = None,
) -> bytes:
    """Choropleth of a category's postings per province (from `tables.province_counts`), with the
    missing-location share. Province shapes come from pygal-maps-china; without it, a tile grid."""
    if len(bins) + 1 > len(MAP_COLORS) + 4 or list(bins) != sorted(bins):
        raise ValueError("bins must be increasing edges, at most 7")
    colors = list(MAP_COLORS) if len(bins) == 3 else [plt.cm.Blues(0.15 + 0.8 * i / len(bins)) for i in range(len(bins) + 1)]
    df = counts.filter(pl.col("category") == category)
    total = int(df["postings"].sum()) if df.height else 0
    missing = int(df.filter(pl.col("province_zh").is_null())["postings"].sum()) if df.height else 0
    per_code: dict[str, int] = {}
    code_of = {zh: code for code, zh, _, _, _ in PROVINCES}
    for zh, n in df.filter(pl.col("province_zh").is_not_null()).select("province_zh", "postings").iter_rows():
        short = province_short_zh(zh)
        if short is not None:
            per_code[code_of[short]] = per_code.get(code_of[short], 0) + n
    name = CATEGORY_NAMES.get(category, category)
    title = title or f"{name}: postings by province"
    fig, ax = plt.subplots(figsize=(9, 7))
    shapes = province_shapes()
    en_of = {code: en for code, _, en, _, _ in PROVINCES}
    ranked = sorted(per_code, key=lambda c: -per_code[c])[:8]

    def color(code: str):
        n = per_code.get(code, 0)
        return NO_POSTINGS_COLOR if n == 0 else colors[bin_index(n, bins)]

    if shapes:
        for code, (verts, codes) in shapes.items():
            ax.add_patch(PathPatch(MPath(verts, codes), facecolor=color(code), edgecolor="#555555", linewidth=0.5))
        label_boxes = _label_provinces(fig, ax, shapes, {c: f"{en_of[c]}\n{per_code[c]:,}" for c in ranked})
        if _label_boxes is not None:
            _label_boxes.extend(label_boxes)
        # (the axis limits, y inverted as SVG y grows downwards, are set by _label_provinces)
        source = "province outlines: pygal-maps-china"
    else:
        for code, _, en, col, row in PROVINCES:
            ax.add_patch(Rectangle((col, -row), 0.95, 0.95, facecolor=color(code), edgecolor="#555555"))
            ax.text(col + 0.475, -row + 0.6, code, ha="center", va="center", fontsize=9, weight="bold")
            ax.text(col + 0.475, -row + 0.3, f"{per_code.get(code, 0):,}", ha="center", va="center", fontsize=7)
        ax.set_xlim(0, 11)
        ax.set_ylim(-9, 1)
        source = "tile grid: one square per province, placed near its position"
    ax.set_aspect("equal")
    ax.axis("off")
    handles = [Patch(facecolor=c, edgecolor="#555555", label=lbl)
               for c, lbl in zip(colors, bin_labels(bins, integer=True))]
    handles.append(Patch(facecolor=NO_POSTINGS_COLOR, edgecolor="#555555", label="no postings"))
    ax.legend(handles=handles, loc="lower left", title="postings", fontsize=8, title_fontsize=8, frameon=False)
    share = missing / total if total else 0.0
    ax.set_title(f"{title}\n{total:,} postings; location missing: {missing:,} ({share:.1%})", fontsize=11)
    fig.text(0.99, 0.01, source, ha="right", fontsize=6, color="#777777")
    return _png(fig)


@_styled
def figure_5(counts: pl.DataFrame, bins: Sequence[float] = STUDY_MAP_BINS) -> bytes:
    """Figure 5: Technical Team 1 postings by province."""
    return figure_province_map(counts, "TT1", bins, "Figure 5. Technical Team 1 postings by province")


@_styled
def figure_6(counts: pl.DataFrame, bins: Sequence[float] = STUDY_MAP_BINS) -> bytes:
    """Figure 6: Technical Team 2 postings by province."""
    return figure_province_map(counts, "TT2", bins, "Figure 6. Technical Team 2 postings by province")


def _keyword_education(df: pl.DataFrame, category: str, title: str) -> bytes:
    part = df.filter(pl.col("category") == category)
    if part.is_empty() or part["postings"].sum() == 0:
        return _empty(title)
    levels = [*EDUCATION_LEVELS, "no data"]
    fig, ax = plt.subplots(figsize=(9, 4))
    x = range(len(levels))
    for j, group in enumerate(("all postings", "keyword postings")):
        g = part.filter(pl.col("postings_group") == group)
        n = int(g["postings"].sum())
        vals = []
        for lv in levels:
            s = g.filter(pl.col("education_level") == lv)["share"]
            vals.append(float(s[0]) * 100 if len(s) else 0.0)
        ax.bar([i - 0.2 + 0.4 * j for i in x], vals, width=0.4, color=PALETTE[j], label=f"{group} (n={n:,})")
    ax.set_xticks(list(x), levels)
    ax.set_ylabel("share of postings (%)")
    ax.set_title(title)
    ax.legend(frameon=False)
    return _png(fig)


@_styled
def figure_7(keyword_edu: pl.DataFrame) -> bytes:
    """Figure 7: education of Technical Team 1 postings with an AI keyword vs all of them."""
    return _keyword_education(keyword_edu, "TT1", "Figure 7. Technical Team 1: education, AI-keyword postings vs all")


@_styled
def figure_8(keyword_edu: pl.DataFrame) -> bytes:
    """Figure 8: education of Technical Team 2 postings with an AI keyword vs all of them."""
    return _keyword_education(keyword_edu, "TT2", "Figure 8. Technical Team 2: education, AI-keyword postings vs all")


@_styled
def figure_top_cities(top: pl.DataFrame) -> bytes:
    """Top cities by AI postings (from `tables.top_cities`)."""
    title = "Top cities by AI-category postings"
    if top.is_empty():
        return _empty(title)
    fig, ax = plt.subplots(figsize=(8, 0.35 * top.height + 1.4))
    labels = [f"{r}. {en}" for r, en in zip(top["rank"], top["city_en"])]
    ax.barh(labels, top["postings"].to_list(), color=PALETTE[0])
    for i, (n, s) in enumerate(zip(top["postings"], top["share"])):
        ax.text(n, i, f" {n:,} ({s:.1%})", va="center", fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("postings")
    ax.set_title(title)
    return _png(fig)


@_styled
def figure_demand_over_time(ai_share: pl.DataFrame) -> bytes:
    """Change over time: the monthly AI share with its 95 % interval (all boards; sparse months as hollow
    grey markers, not joined to the line), the board-mix-adjusted share, and postings per month by board
    (from `timeseries.ai_share_by_month`)."""
    title = "AI-category share of postings by month"
    rows = ai_share.filter(pl.col("breakdown") == "all").sort("month")
    if rows.is_empty() or rows["postings"].sum() == 0:
        return _empty(title)
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(10, 6.5), sharex=True, height_ratios=(3, 2))
    solid = rows.with_columns(
        pl.when(pl.col("sparse")).then(None).otherwise(pl.col(c)).alias(c)
        for c in ("ai_share", "ci_low", "ci_high", "ai_share_board_mix_adjusted"))
    months = solid["month"].to_list()
    pct = lambda col: [None if v is None else 100 * v for v in solid[col].to_list()]  # noqa: E731
    lo, hi = pct("ci_low"), pct("ci_high")
    top.fill_between(months, [float("nan") if v is None else v for v in lo],
                     [float("nan") if v is None else v for v in hi], color=PALETTE[0], alpha=0.2,
                     label="95 % interval (Wilson)")
    top.plot(months, pct("ai_share"), color=PALETTE[0], marker="o", ms=3, label="AI share, all boards")
    top.plot(months, pct("ai_share_board_mix_adjusted"), color=PALETTE[1], ls="--",
             label="adjusted to the overall board mix")
    sparse = rows.filter(pl.col("sparse") & (pl.col("postings") > 0))
    if sparse.height:
        top.scatter(sparse["month"].to_list(), [100 * v for v in sparse["ai_share"].to_list()], facecolors="none",
                    edgecolors="#888888", label="too few postings to read", zorder=3)
    top.set_ylabel("AI categories, % of postings")
    top.set_ylim(0, 100)
    top.set_title(title)
    top.legend(fontsize=8, frameon=False, loc="upper left")
    boards = ai_share.filter(pl.col("breakdown") == "board").rename({"group": "source"})
    bottom_edge = {m: 0 for m in rows["month"].to_list()}
    for i, board in enumerate(sorted(boards["source"].unique().to_list())):
        part = dict(boards.filter(pl.col("source") == board).select("month", "postings").iter_rows())
        heights = [part.get(m, 0) for m in bottom_edge]
        bottom.bar(list(bottom_edge), heights, width=25, bottom=list(bottom_edge.values()),
                   color=PALETTE[i % len(PALETTE)], label=board)
        bottom_edge = {m: b + h for (m, b), h in zip(bottom_edge.items(), heights)}
    bottom.set_ylabel("unique postings")
    bottom.legend(fontsize=8, frameon=False, ncol=4, loc="upper left")
    fig.autofmt_xdate()
    return _png(fig)
