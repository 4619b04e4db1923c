"""PNG figures of the follow-up's cluster tables (`analysis.clusters`): a province map (the report's
choropleth) and a top-cities bar chart."""

from __future__ import annotations

import io
import math

import polars as pl


def map_bins(max_postings: int) -> tuple[float, ...]:
    """Three increasing class edges for a map whose busiest province has `max_postings`: about 5 %,
    20 % and 50 % of it (2 significant digits), never below 1, so small tagged subsets still get
    distinct classes."""
    out: list[float] = []
    for frac in (0.05, 0.2, 0.5):
        v = max_postings * frac
        v = round(round(v, -int(math.floor(math.log10(v))) + 1)) if v >= 1 else 1  # counts are integers
        out.append(float(max(v, (out[-1] + 1) if out else 1)))
    return tuple(out)


def figure_cluster_map(provinces: pl.DataFrame, title: str) -> bytes:
    """Choropleth of postings per province from an `analysis.clusters.by_province` frame (its null-province row
    becomes the map's missing share)."""
    from cjd_assets.report.figures import figure_province_map

    counts = provinces.select(pl.lit(title).alias("category"), "province_zh", "postings")
    located = counts.filter(pl.col("province_zh").is_not_null())["postings"]
    bins = map_bins(int(located.max()) if located.len() else 1)
    return figure_province_map(counts, title, bins=bins, title=title)


def figure_cluster_cities(cities: pl.DataFrame, title: str) -> bytes:
    """Horizontal bars of a `tables.by_city` frame: postings, share and cumulative share per city."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 0.35 * max(cities.height, 1) + 1.4))
    try:
        if cities.is_empty():
            ax.text(0.5, 0.5, "no postings", ha="center", va="center", transform=ax.transAxes)
            ax.set_axis_off()
        else:
            labels = [f"{r}. {en or zh}" for r, en, zh in zip(cities["rank"], cities["city_en"], cities["city"])]
            ax.barh(labels, cities["postings"].to_list(), color="#4e79a7")
            for i, (n, s, c) in enumerate(zip(cities["postings"], cities["share"], cities["cumulative_share"])):
                ax.text(n, i, f" {n:,} ({s:.1%}; cum. {c:.1%})", va="center", fontsize=8)
            ax.invert_yaxis()
            ax.set_xlabel("postings")
            ax.margins(x=0.3)
        ax.set_title(title)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
        return buf.getvalue()
    finally:
        plt.close(fig)
