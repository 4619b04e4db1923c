"""The report a policy analyst can cite, rendered from the stored summary tables (no recomputation).

`build_document` turns the `summary_*` tables (and the classifier's evaluation, the follow-up's cluster
tables and the data checks) into one self-contained HTML page through a Jinja2 template with autoescape:
findings in plain sentences generated from the numbers, the study's figure beside ours wherever the study
has one, numbered captions with n, human labels with units, a Source line under every table, small samples
flagged, and a data-and-methods section. `print_pdf` prints it with headless Chromium.
"""

from __future__ import annotations

import base64
import logging
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
import polars as pl

from cjd_assets.report.present import Shown, present
from cjd_assets.schema import CATEGORIES, CATEGORY_NAMES

log = logging.getLogger(__name__)

STUDY = "CSET, China's AI Workforce (Nov 2022)"
FOLLOW_UP = "CSET, Assessing China's AI Workforce: Regional, Military, and Surveillance Geographic Clusters (Nov 2023)"
AI_CATEGORIES = ("TT1", "TT2", "PRODUCT", "COMMERCIAL")
# Below this many postings a subset is listed in a table with a warning, not mapped.
MIN_MAP_POSTINGS = 100

# The study's published values (../shared/docs/study-reference.md), shown beside ours for the shape.
STUDY_TABLE1 = {"TT1": (364_358, 0.054), "TT2": (591_074, 0.087), "PRODUCT": (453_230, 0.066),
                "COMMERCIAL": (692_420, 0.102), "NOT_AI": (4_707_216, 0.691), "TOTAL": (6_808_298, 1.0)}
STUDY_TABLE2 = {"less than bachelor": (0.312, 0.455), "bachelor or higher": (0.613, 0.475), "no data": (0.075, 0.070)}
STUDY_TABLE3 = {"NOT_AI": (72_000, 96_000), "TT1": (120_000, 180_000), "TT2": (96_000, 132_000),
                "PRODUCT": (72_000, 120_000), "COMMERCIAL": (84_000, 120_000)}
STUDY_TABLE4 = {
    "TT1": [("artificial intelligence", 11_904), ("machine learning", 10_111), ("deep learning", 8_322),
            ("robotics", 7_762), ("data mining", 7_658), ("learning algorithm", 4_021), ("computer vision", 3_500),
            ("pattern recognition", 2_685), ("human machine", 2_619), ("natural language processing", 1_688)],
    "TT2": [("robotics", 12_352), ("human machine", 5_483), ("artificial intelligence", 1_811),
            ("machine learning", 433), ("data mining", 327), ("deep learning", 312), ("autonomous", 279),
            ("facial recognition", 222), ("pattern recognition", 158), ("computer vision", 141)],
}
STUDY_TABLE4_TOTALS = {"TT1": (34_406, 36_198), "TT2": (21_603, 22_031)}
STUDY_TABLE_C1 = {"desired_education_exact_level_norm": 0.158, "desired_experience_exact_level_norm": 0.063,
                  "salary_minimum_value_norm": 0.049, "salary_minimum_annual_value_norm": 0.065,
                  "salary_maximum_value_norm": 0.039, "salary_maximum_annual_value_norm": 0.063,
                  "location_province_en_norm": 0.018, "location_province_zh_norm": 0.018}
STUDY_AI_SHARE = 1 - 0.691
STUDY_CLUSTER_SHARE, STUDY_CITIES, STUDY_TOP10_SHARE = 0.78, 248, 0.71
CLUSTER_VIEWS = {
    "clusters_ai_related": "AI-related postings",
    "clusters_defense": "AI-related postings of defense-affiliated employers",
    "clusters_surveillance": "AI-related postings in the surveillance sector",
}


@dataclass
class ReportInputs:
    """Everything the report shows, read from the warehouse by the report asset."""

    tables: dict[str, pl.DataFrame]  # summary name -> stored summary_<name> table
    figures: dict[str, tuple[str, bytes]]  # figure key -> (title, PNG), drawn from those tables
    clusters: dict[str, dict[str, pl.DataFrame]] = field(default_factory=dict)  # view -> regions/provinces/cities
    classifier: dict | None = None  # the latest job_classifier row
    evaluation: pl.DataFrame | None = None  # classifier_evaluation
    confusion: pl.DataFrame | None = None  # classifier_confusion
    harvested: int | None = None  # postings before dedup
    tag_rules: dict[str, int] = field(default_factory=dict)  # list name -> number of rules
    failed_checks: list[str] = field(default_factory=list)
    ppp_rate: float = 4.187
    min_province_n: int = 100
    min_month_postings: int = 30
    pay_basis: str = "stated pay"


@dataclass
class Item:
    kind: str  # table | figure | text
    caption: str = ""
    shown: Shown | None = None
    b64: str = ""
    source: str = ""
    more: str = ""
    text: str = ""


@dataclass
class Section:
    id: str
    title: str
    paragraphs: list[str] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    warning: str = ""
    bullets: list[str] = field(default_factory=list)


def _pct(v: float | None, digits: int = 1) -> str:
    return "—" if v is None else f"{v:.{digits}%}"


def _n(v) -> str:
    return "—" if v is None else f"{int(round(v)):,}"


class Numbers:
    """Table and figure numbers: the study's own (Table 1, Figure 5) where it has the item, else the
    next of our own series (Table A1, Figure A1) in page order."""

    def __init__(self):
        self.extra = {"Table": 0, "Figure": 0}

    def __call__(self, kind: str, study: str | None = None) -> str:
        if study:
            return f"{kind} {study}"
        self.extra[kind] += 1
        return f"{kind} A{self.extra[kind]}"


class _Builder:
    def __init__(self, inp: ReportInputs):
        self.inp = inp
        self.t = inp.tables
        self.num = Numbers()
        corpus = self.t.get("corpus_by_source", pl.DataFrame())
        self.unique = int(corpus["postings"].sum()) if corpus.height else 0
        boards = corpus.filter(pl.col("source") != "unknown")["source"].to_list() if corpus.height else []
        firsts = [d for d in corpus["first_release_date"].to_list() if d] if corpus.height else []
        lasts = [d for d in corpus["last_release_date"].to_list() if d] if corpus.height else []
        self.span = f"{min(firsts):%b %Y} – {max(lasts):%b %Y}" if firsts and lasts else "dates not stated"
        self.boards = ", ".join(boards) or "no board named"
        self.source = f"cjd harvest, {self.unique:,} unique postings ({self.boards}; released {self.span})"

    # --- items -------------------------------------------------------------------------------------
    def table(self, title: str, df: pl.DataFrame, study: str | None = None, source: str = "", max_rows: int | None = None,
              **present_kw) -> Item:
        shown = present(df.head(max_rows) if max_rows else df, **present_kw)
        more = f"{df.height - max_rows:,} more rows are in the stored table." if max_rows and df.height > max_rows else ""
        return Item("table", f"{self.num('Table', study)}. {title}", shown, source=source or self.source, more=more)

    def figure(self, key: str, what: str, n_text: str, study: str | None = None, source: str = "",
               png: bytes | None = None) -> Item | None:
        if png is None:
            if key not in self.inp.figures:
                return None
            png = self.inp.figures[key][1]
        caption = f"{self.num('Figure', study)}. {what} ({n_text})."
        return Item("figure", caption, b64=base64.b64encode(png).decode("ascii"), source=source or self.source + ".")

    # --- helpers on the tables ---------------------------------------------------------------------
    def cat_row(self, name: str, cat: str) -> dict | None:
        df = self.t.get(name)
        if df is None or "category" not in df.columns:
            return None
        part = df.filter(pl.col("category") == cat)
        return part.row(0, named=True) if part.height else None

    # --- text --------------------------------------------------------------------------------------
    def caveat(self) -> list[str]:
        inp = self.inp
        dedup = (f"{inp.harvested:,} postings were harvested; {inp.harvested - self.unique:,} were duplicates of "
                 f"another posting on the same board and are left out, leaving {self.unique:,} unique postings. "
                 if inp.harvested else f"{self.unique:,} unique postings (one per duplicate group). ")
        t1 = self.t.get("table1_by_category")
        ai = (float(t1.filter(pl.col("category").is_in(AI_CATEGORIES))["share"].sum()) if t1 is not None
              and t1.height else None)
        skew = ""
        if ai is not None:
            skew = (f"AI categories make up {_pct(ai)} of this sample against {_pct(STUDY_AI_SHARE)} of the study's "
                    "6.8 million postings: ")
            skew += ("the harvest's searches lean towards IT and engineering jobs, so shares describe this sample, "
                     "not China's job market." if ai > STUDY_AI_SHARE + 0.05 else
                     "read shares as shares of this sample, not of China's job market.")
        return [
            f"A scraped sample, not a census: {dedup}Boards: {self.boards}; postings released {self.span}. "
            "What is in the sample depends on which searches the crawlers (or the third-party scrapes ingested) "
            "ran on which boards.",
            skew,
            "Categories are a classifier's predictions, not labels: each posting was assigned to one of the study's "
            "five categories by a model trained on annotated postings; its test scores and error-corrected counts "
            "are in the data-and-methods section. Where the study reports a figure, it is printed beside ours for "
            "the shape of the result; the study's corpus (6.8 million postings from 51job, CJOL, LinkedIn and "
            "Liepin, Sep 2016 – Jul 2021) differs from this one.",
        ]

    def findings(self) -> list[str]:
        out: list[str] = []
        t1 = self.t.get("table1_by_category")
        if t1 is not None and t1.height:
            parts = [f"{CATEGORY_NAMES[c]} {_pct(r['share'])} (study {_pct(STUDY_TABLE1[c][1])})"
                     for c in AI_CATEGORIES if (r := self.cat_row("table1_by_category", c))]
            ai = float(t1.filter(pl.col("category").is_in(AI_CATEGORIES))["share"].sum())
            out.append(f"Of {self.unique:,} unique postings, {_pct(ai)} fall in the four AI-workforce categories: "
                       + "; ".join(parts) + ".")
            tt1 = self.cat_row("table1_by_category", "TT1")
            if tt1 and tt1.get("corrected_share") is not None and tt1.get("correction_reliable", True) is not False:
                out.append(f"Corrected for the classifier's measured errors, Technical Team 1 is {_pct(tt1['corrected_share'])} "
                           f"of postings ({_n(tt1['ci_low'])}–{_n(tt1['ci_high'])} postings, 95 % interval) against "
                           f"{_pct(tt1['share'])} as classified.")
        t2 = self.t.get("table2_education")
        if t2 is not None and t2.height:
            def ba(cat):
                r = t2.filter((pl.col("category") == cat) & (pl.col("bucket") == "bachelor or higher"))
                return float(r["share"][0]) if r.height else None
            a, b = ba("TT1"), ba("TT2")
            if a is not None and b is not None:
                out.append(f"Technical Team 1 postings ask for a bachelor's degree or higher in {_pct(a, 0)} of cases "
                           f"(study 61%), Technical Team 2 postings in {_pct(b, 0)} (study 48%).")
        t3 = self.t.get("table3_salary")
        if t3 is not None and t3.height:
            r1, r0 = self.cat_row("table3_salary", "TT1"), self.cat_row("table3_salary", "NOT_AI")
            if r1 and r1["median_min_annual_cny"] is not None and r1["median_max_annual_cny"] is not None:
                text = (f"Technical Team 1 postings offer a median {_n(r1['median_min_annual_cny'])}–"
                        f"{_n(r1['median_max_annual_cny'])} CNY a year ({_n(r1['median_min_annual_ppp_usd'])}–"
                        f"{_n(r1['median_max_annual_ppp_usd'])} PPP USD; n = {r1['n_min']:,})")
                if r0 and r0["median_min_annual_cny"] is not None:
                    text += (f", against {_n(r0['median_min_annual_cny'])}–{_n(r0['median_max_annual_cny'])} CNY "
                             "for postings outside the AI categories")
                out.append(text + " (study: 120,000–180,000 against 72,000–96,000 CNY).")
        regions = self.inp.clusters.get("clusters_ai_related", {}).get("regions")
        if regions is not None and regions.height:
            known = regions.filter(pl.col("region").is_in([r for r in regions["region"].to_list()
                                                           if r not in ("Other provinces", "Location unknown")]))
            share = float(known["share"].sum())
            text = (f"{_pct(share, 0)} of AI-related postings with a known province are in the three regional "
                    f"clusters (Pearl River Delta, Beijing–Tianjin–Hebei, Yangtze River Delta; 2023 follow-up: 78%)")
            cities = self.inp.clusters["clusters_ai_related"].get("cities")
            if cities is not None and cities.height:
                lead = ", ".join((cities["city_en"].fill_null(cities["city"])).head(3).to_list())
                text += (f"; the top {cities.height} cities hold {_pct(float(cities['cumulative_share'][-1]), 0)} "
                         f"(follow-up: 71% in the top ten), led by {lead}")
            n = int(self.inp.clusters["clusters_ai_related"]["provinces"]["postings"].sum()) \
                if "provinces" in self.inp.clusters["clusters_ai_related"] else None
            out.append(text + (f" (n = {n:,})." if n else "."))
        t4 = self.t.get("table4_keywords")
        if t4 is not None and t4.height:
            alld = t4.filter((pl.col("row_kind") == "all_distinct") & (pl.col("category") == "TT1"))
            top = t4.filter((pl.col("row_kind") == "keyword") & (pl.col("category") == "TT1")).sort("rank")
            if alld.height and alld["share_of_category"][0] is not None:
                out.append(f"{_pct(alld['share_of_category'][0])} of Technical Team 1 postings name at least one AI "
                           f"keyword (study about 10%); the most frequent are "
                           + ", ".join(top["keyword_en"].head(3).to_list()) + ".")
        for view, label in list(CLUSTER_VIEWS.items())[1:]:
            prov = self.inp.clusters.get(view, {}).get("provinces")
            if prov is not None:
                n = int(prov["postings"].sum())
                if n < MIN_MAP_POSTINGS:
                    out.append(f"Only {n:,} {label} were found: too few to say where such demand is; the "
                               "section lists them with a warning instead of a map.")
        if self.inp.failed_checks:
            out.append(f"{len(self.inp.failed_checks)} data check(s) failed; see the notice above.")
        return out or ["No postings have been analysed yet."]

    # --- sections ----------------------------------------------------------------------------------
    def sections(self) -> list[Section]:
        out = [self.s_categories(), self.s_education(), self.s_experience(), self.s_salary(), self.s_geography(),
               self.s_keywords(), *self.s_followup(), self.s_time(), self.s_methods()]
        return [s for s in out if s is not None and (s.items or s.paragraphs)]

    def s_categories(self) -> Section:
        s = Section("categories", "Demand by category")
        t1 = self.t.get("table1_by_category")
        if t1 is None:
            return s
        study = t1.with_columns(
            pl.col("category").replace_strict({k: v[1] for k, v in STUDY_TABLE1.items()}, default=None,
                                              return_dtype=pl.Float64).alias("study_share"))
        has_corr = "corrected_count" in t1.columns
        s.paragraphs.append(
            "Unique postings per category as the classifier assigned them"
            + (", and corrected for its measured errors (see Methods): a corrected count estimates how many postings "
               "truly belong to the category, with a 95 % bootstrap interval." if has_corr else "."))
        s.items.append(self.table(
            f"Unique postings by AI-workforce category (n = {self.unique:,})", study, study="1",
            labels={"study_share": "Study share", "postings": "Postings", "share": "Share"},
            source=f"{self.source}; study: {STUDY}, Table 1 (6,808,298 postings)."))
        return s

    def _share_pivot(self, df: pl.DataFrame, index: str, label_: str) -> pl.DataFrame:
        cats = [c for c in CATEGORIES if c in set(df["category"].to_list())]
        wide = df.pivot(on="category", index=index, values="share", sort_columns=False)
        return wide.select(pl.col(index).alias(label_), *[pl.col(c).alias(CATEGORY_NAMES[c]) for c in cats])

    def _total(self, df: pl.DataFrame, cat: str) -> int:
        return int(df.filter(pl.col("category") == cat)["postings"].sum())

    def s_education(self) -> Section:
        s = Section("education", "Desired education")
        t2, edu = self.t.get("table2_education"), self.t.get("education_by_category")
        if t2 is None:
            return s
        s.paragraphs.append("A posting's level is its exact level, else its minimum; 'none' (no requirement) counts "
                            "as less than a bachelor's degree and only a posting that states nothing is 'no data'.")
        wide = self._share_pivot(t2, "bucket", "Education").with_columns(
            pl.col("Education").replace_strict({k: v[0] for k, v in STUDY_TABLE2.items()}, default=None,
                                               return_dtype=pl.Float64).alias("Study, Technical Team 1"),
            pl.col("Education").replace_strict({k: v[1] for k, v in STUDY_TABLE2.items()}, default=None,
                                               return_dtype=pl.Float64).alias("Study, Technical Team 2"))
        kinds = {c: "share" for c in wide.columns if c != "Education"}
        n1, n2 = self._total(t2, "TT1"), self._total(t2, "TT2")
        s.items.append(self.table(
            f"Desired education in the study's three groups, share of each category's postings "
            f"(Technical Team 1 n = {n1:,}; Technical Team 2 n = {n2:,})", wide, study="2", kinds=kinds,
            source=f"{self.source}; study: {STUDY}, Table 2."))
        if edu is not None:
            if (f := self.figure("figure_1", "Desired education level by category, share of each category's postings",
                                 f"n = {int(edu['postings'].sum()):,} postings", study="1")):
                s.items.append(f)
            w = self._share_pivot(edu, "education_level", "Education level")
            s.items.append(self.table("Desired education level by category, share of each category's postings", w,
                                      kinds={c: "share" for c in w.columns[1:]}))
        return s

    def s_experience(self) -> Section:
        s = Section("experience", "Desired experience")
        exp = self.t.get("experience_by_category")
        if exp is None:
            return s
        s.paragraphs.append("Exact level, else the minimum: no experience = 0 years, junior 0–5, mid 5–15, "
                            "senior more than 15. Study: about two thirds of each AI category ask for 1–5 years; "
                            "almost a third of Not-AI postings ask for no experience.")
        if (f := self.figure("figure_2", "Desired experience level by category, share of each category's postings",
                             f"n = {int(exp['postings'].sum()):,} postings", study="2")):
            s.items.append(f)
        w = self._share_pivot(exp, "experience_level", "Experience level")
        s.items.append(self.table("Desired experience level by category, share of each category's postings", w,
                                  kinds={c: "share" for c in w.columns[1:]}))
        return s

    def s_salary(self) -> Section:
        s = Section("salary", "Salary")
        t3 = self.t.get("table3_salary")
        if t3 is None:
            return s
        r = self.inp.ppp_rate
        s.paragraphs.append(f"Median minimum and maximum annual salary in CNY (a single stated salary is both) and in "
                            f"purchasing-power-parity US dollars at {r:g} CNY per dollar (OECD 2021, as the study). "
                            f"Pay basis: {self.inp.pay_basis}.")
        lo = {k: float(v[0]) for k, v in STUDY_TABLE3.items()}
        hi = {k: float(v[1]) for k, v in STUDY_TABLE3.items()}
        disp = t3.drop("pay_basis", strict=False).with_columns(
            pl.col("category").replace_strict(lo, default=None, return_dtype=pl.Float64).alias("study_min"),
            pl.col("category").replace_strict(hi, default=None, return_dtype=pl.Float64).alias("study_max"))
        n = int(t3["n_min"].sum()) if "n_min" in t3.columns else 0
        s.items.append(self.table(
            f"Median annual salary by category, CNY and PPP USD (n = {n:,} postings stating pay)", disp, study="3",
            labels={"study_min": "Study median minimum (CNY)", "study_max": "Study median maximum (CNY)"},
            kinds={"study_min": "count", "study_max": "count"},
            source=f"{self.source}; study: {STUDY}, Table 3."))
        if (f := self.figure("figure_3", "Median minimum and maximum annual salary by category, CNY (left axis) and "
                             "PPP USD (right axis)", f"n = {n:,} postings stating pay", study="3")):
            s.items.append(f)
        prov = self.t.get("tt1_salary_by_province")
        if prov is not None:
            np_ = int(prov["n_salary"].sum()) if prov.height else 0
            if (f := self.figure("figure_4", f"Technical Team 1 median annual salary by province, provinces with at "
                                 f"least {self.inp.min_province_n} postings stating pay",
                                 f"n = {np_:,} postings in {prov.height} provinces", study="4")):
                s.items.append(f)
            s.items.append(self.table(
                f"Technical Team 1 median annual salary by province (provinces with at least "
                f"{self.inp.min_province_n} postings stating pay; n = {np_:,})",
                prov.drop("pay_basis", strict=False),
                source=f"{self.source}; study: highest Shanghai (PPP 34,392–57,320), lowest Heilongjiang "
                       "(14,330–22,928)."))
        return s

    def s_geography(self) -> Section:
        s = Section("geography", "Where the technical postings are")
        pc = self.t.get("province_counts")
        if pc is None:
            return s
        s.paragraphs.append("Postings per province; the maps' classes are set from the counts themselves, so each "
                            "class holds provinces (the study's classes were < 10,000, 10,000–40,000, 40,000–60,000, "
                            "≥ 60,000 postings). Study: Guangdong, Shanghai, Jiangsu and Zhejiang hold 65 % of "
                            "Technical Team 1 and 69 % of Technical Team 2 postings; 2.0 % and 1.9 % lack a location.")
        for key, cat, num in (("figure_5", "TT1", "5"), ("figure_6", "TT2", "6")):
            part = pc.filter(pl.col("category") == cat)
            n, missing = int(part["postings"].sum()), int(part.filter(pl.col("province_zh").is_null())["postings"].sum())
            if (f := self.figure(key, f"{CATEGORY_NAMES[cat]} postings by province",
                                 f"n = {n:,}; {missing:,} without a location", study=num)):
                s.items.append(f)
        top = (pc.filter(pl.col("province_zh").is_not_null()).sort("postings", descending=True)
               .group_by("category", maintain_order=True).head(10))
        s.items.append(self.table("The ten provinces with the most Technical Team 1 and 2 postings, share of the "
                                  "team's postings (location missing included in the denominator)",
                                  top.sort(pl.col("category").replace_strict({"TT1": 0, "TT2": 1}, default=2),
                                           maintain_order=True),
                                  drop=("province_zh",)))
        rc, tc = self.t.get("regional_clusters"), self.t.get("top_cities")
        if rc is not None:
            s.items.append(self.table(
                "All AI-category postings (the four categories, as classified) by regional cluster, share of all "
                "their postings including those without a location", rc,
                source=f"{self.source}; cluster extents as in the 2023 follow-up (its own definition of AI-related "
                       "postings is used in the follow-up section below)."))
        if tc is not None and tc.height:
            n = int(tc["postings"].sum() / tc["cumulative_share"][-1]) if tc["cumulative_share"][-1] else 0
            if (f := self.figure("figure_top_cities", "Cities with the most AI-category postings (the four "
                                 "categories), with each city's share and the cumulative share",
                                 f"n = {n:,} AI-category postings")):
                s.items.append(f)
            s.items.append(self.table("Cities with the most AI-category postings (the four categories)", tc,
                                      drop=("city_zh",)))
        return s

    def s_keywords(self) -> Section:
        s = Section("keywords", "AI keywords in technical postings")
        t4 = self.t.get("table4_keywords")
        if t4 is None:
            return s
        s.paragraphs.append("Technical Team 1 and 2 postings searched for the study's Appendix D keywords (English "
                            "and Chinese); counts are distinct postings per keyword, then the distinct postings "
                            "matching any of the top ten and any keyword at all.")
        rows = []
        kws = {c: t4.filter((pl.col("category") == c) & (pl.col("row_kind") == "keyword")).sort("rank")
               for c in ("TT1", "TT2")}
        n = max((k.height for k in kws.values()), default=0)
        for i in range(max(n, 10)):
            row = {"Rank": str(i + 1)}
            for c in ("TT1", "TT2"):
                k = kws[c]
                name = CATEGORY_NAMES[c]
                row[f"{name}: keyword"] = k["keyword_en"][i] if i < k.height else None
                row[f"{name}: postings"] = int(k["postings"][i]) if i < k.height else None
                sk = STUDY_TABLE4[c][i] if i < len(STUDY_TABLE4[c]) else None
                row[f"{name}: study"] = f"{sk[0]} ({sk[1]:,})" if sk else None
            rows.append(row)
        for kind, label_, idx in (("top_distinct", "top ten, distinct postings", 0),
                                  ("all_distinct", "all keywords, distinct postings", 1)):
            row = {"Rank": label_}
            for c in ("TT1", "TT2"):
                name = CATEGORY_NAMES[c]
                part = t4.filter((pl.col("category") == c) & (pl.col("row_kind") == kind))
                row[f"{name}: keyword"] = (f"{_pct(part['share_of_category'][0])} of the team"
                                           if part.height and part["share_of_category"][0] is not None else None)
                row[f"{name}: postings"] = int(part["postings"][0]) if part.height else None
                row[f"{name}: study"] = f"{STUDY_TABLE4_TOTALS[c][idx]:,}"
            rows.append(row)
        wide = pl.DataFrame(rows, infer_schema_length=None)
        s.items.append(self.table("AI keywords in Technical Team 1 and 2 postings, distinct postings per keyword, "
                                  "with the study's ranking beside ours", wide, study="4",
                                  source=f"{self.source}; study: {STUDY}, Table 4."))
        ke = self.t.get("keyword_education")
        if ke is not None and ke.height:
            def grad(group: str) -> float | None:
                part = ke.filter((pl.col("category") == "TT1") & (pl.col("postings_group") == group))
                total = int(part["postings"].sum())
                n = int(part.filter(pl.col("education_level").is_in(["master", "doctoral"]))["postings"].sum())
                return n / total if total else None
            s.items.append(Item("text", text=(
                f"A graduate degree is asked for in {_pct(grad('all postings'))} of all Technical Team 1 postings and "
                f"{_pct(grad('keyword postings'))} of those naming an AI keyword (study: 4% and 17%).")))
        for key, cat, num in (("figure_7", "TT1", "7"), ("figure_8", "TT2", "8")):
            if ke is None:
                break
            part = ke.filter(pl.col("category") == cat)
            nk = int(part.filter(pl.col("postings_group") == "keyword postings")["postings"].sum())
            na = int(part.filter(pl.col("postings_group") == "all postings")["postings"].sum())
            if (f := self.figure(key, f"Desired education of {CATEGORY_NAMES[cat]} postings that name an AI keyword, "
                                 f"against all {CATEGORY_NAMES[cat]} postings",
                                 f"n = {nk:,} keyword postings, {na:,} in all", study=num)):
                s.items.append(f)
        ex = self.t.get("keyword_examples")
        if ex is not None and ex.height:
            s.items.append(self.table("Example technical postings naming the most AI keywords (posting text as "
                                      "found, escaped)", ex, drop=("id",)))
        return s

    def s_followup(self) -> list[Section]:
        out = []
        rules = self.inp.tag_rules
        tagging = ("Employers were tagged by their company name against hand-kept lists kept with the code "
                   f"(cjd_assets/data/employers_defense.csv, {rules.get('defense', 0)} rules: defense conglomerates, "
                   f"their institutes and subsidiaries; employers_surveillance.csv, {rules.get('surveillance', 0)} "
                   "rules: surveillance vendors), each rule with its public source; surveillance postings are also "
                   f"tagged by surveillance applications named in their text (surveillance_keywords.csv, "
                   f"{rules.get('surveillance_keywords', 0)} rules). A posting counts once however many rules fire.")
        for view, label_ in CLUSTER_VIEWS.items():
            parts = self.inp.clusters.get(view)
            if not parts:
                continue
            regions, provinces, cities = parts.get("regions"), parts.get("provinces"), parts.get("cities")
            n = int(provinces["postings"].sum()) if provinces is not None else 0
            s = Section(view.replace("_", "-"), f"2023 follow-up: {label_}")
            s.paragraphs.append("AI-related = Technical Team 1 or 2 postings naming at least one Appendix D keyword "
                                "(the follow-up's definition). Region and province shares are of postings with a known "
                                "province, city shares of postings with a known city.")
            if view != "clusters_ai_related":
                s.paragraphs.append(tagging)
            small = n < MIN_MAP_POSTINGS
            if small:
                s.warning = (f"Small sample: only {n:,} postings (fewer than {MIN_MAP_POSTINGS}). The tables list "
                             "them as found; no map is drawn and no regional pattern should be read from them.")
            src = f"{self.source}; follow-up: {FOLLOW_UP}."
            if regions is not None:
                cap = (f"{label_} by regional cluster (the follow-up's definition; n = {n:,})"
                       + (" — small sample, not a finding" if small else ""))
                s.items.append(self.table(cap, regions, drop=("region_zh",), source=src
                                          + (" The follow-up found 78 % of 58,229 AI-related postings in the three "
                                             "clusters." if view == "clusters_ai_related" else "")))
            if not small and provinces is not None:
                from cjd_assets.clusters import figures as CF

                s.items.append(self.figure(f"{view}_map", f"{label_} by province", f"n = {n:,}",
                                           png=CF.figure_cluster_map(provinces, f"{label_} by province")))
            elif provinces is not None:
                s.items.append(self.table(f"{label_} by province (n = {n:,}; small sample)", provinces,
                                          drop=("province_zh",)))
            if cities is not None and cities.height:
                if not small:
                    from cjd_assets.clusters import figures as CF

                    s.items.append(self.figure(f"{view}_cities", f"{label_}: cities with the most postings and the "
                                               "cumulative share", f"n = {n:,}",
                                               png=CF.figure_cluster_cities(cities, f"{label_}: top cities")))
                s.items.append(self.table(
                    f"{label_}: top {cities.height} cities" + (" (small sample)" if small else ""), cities,
                    drop=("city", "province"),
                    source=src + (" The follow-up found postings in 248 cities, 71 % in the top ten (led by "
                                  "Shanghai, Shenzhen and Beijing)." if view == "clusters_ai_related" else "")))
            out.append(s)
        return out

    def s_time(self) -> Section | None:
        from cjd_assets.report import timeseries as TS

        ai = self.t.get("ai_share_by_month")
        if ai is None:
            return None
        comp = self.t.get("window_comparison", pl.DataFrame())
        s = Section("change-over-time", "Change over time")
        by_month = self.t.get("postings_by_month")
        undated = int(by_month.filter(pl.col("month").is_null())["postings"].sum()) if by_month is not None else 0
        s.paragraphs.append(TS.change_over_time_text(ai, comp, self.inp.min_month_postings, undated=undated))
        overall = ai.filter(pl.col("breakdown") == "all").select(
            "month", "postings", "ai_postings", "ai_share", "ci_low", "ci_high", "ai_share_board_mix_adjusted",
            "release_month_share", "sparse")
        n = int(overall["postings"].sum())
        empty = overall.filter(pl.col("postings") == 0).height
        overall = overall.filter(pl.col("postings") > 0)
        if (f := self.figure("figure_demand_over_time", "AI-category share of unique postings by month with its "
                             "95 % interval, and postings per month by board", f"n = {n:,} postings")):
            s.items.append(f)
        if empty:
            s.paragraphs.append(f"{empty} months between the first and the last have no postings and are left out "
                                "of the table (the stored table keeps them).")
        s.items.append(self.table(f"AI-category share of unique postings by month, all boards (n = {n:,})", overall,
                                  kinds={"ci_low": "share", "ci_high": "share", "month": "month"},
                                  labels={"ci_low": "AI share, 95 % interval low", "ci_high": "AI share, 95 % interval high"}))
        if comp.height:
            s.items.append(self.table("Two windows compared, category by category", comp.drop("pay_basis", strict=False)))
        return s

    def s_methods(self) -> Section:
        s = Section("methods", "Data and methods")
        inp = self.inp
        corpus = self.t.get("corpus_by_source")
        s.paragraphs.append(
            f"Sources and dates. {self.unique:,} unique postings from {self.boards}, released {self.span}. "
            "Postings are deduplicated the study's way: the posting's id comes from its URL with the varying "
            "suffix removed (else from its title, employer and location), one posting is kept per id and board, "
            "the longest version; the non-deduplicated set stays in the warehouse.")
        if corpus is not None:
            s.items.append(self.table("Unique postings by board, with the span of their release dates", corpus,
                                      source=f"{self.source}; study: ~95 % of 6,808,298 postings from 51job."))
        c = inp.classifier or {}
        if c:
            s.paragraphs.append(
                f"Classifier. Backend '{c.get('backend')}' (model {c.get('model_version')}), trained on "
                f"{c.get('train_rows', 0):,} annotated postings and scored on a held-out test split: accuracy "
                f"{_pct(c.get('test_accuracy'))}, macro-F1 {_pct(c.get('test_macro_f1'))} (the study used "
                "bert-base-chinese, scored on 485 test postings, favouring precision over recall). Per-class "
                "precision is the share of postings predicted as a category that truly belong to it.")
        if inp.evaluation is not None and inp.evaluation.height:
            s.items.append(self.table("Classifier test scores by category", inp.evaluation.drop("model_version",
                                                                                               strict=False),
                                      kinds={"support": "count", "predicted": "count"},
                                      source="cjd classifier evaluation on the annotated test split."))
        if inp.confusion is not None and inp.confusion.height:
            conf = inp.confusion.rename({col: f"Predicted: {CATEGORY_NAMES.get(col.removeprefix('predicted_'), col)}"
                                         for col in inp.confusion.columns if col.startswith("predicted_")})
            s.items.append(self.table("Confusion matrix of the classifier on the test split (rows: annotated "
                                      "category; columns: predicted category; cells: test postings)", conf,
                                      source="cjd classifier evaluation on the annotated test split."))
        s.paragraphs.append(
            "Corrected counts. A classifier's errors do not cancel out: a category that absorbs more false positives "
            "than it loses looks bigger than it is. The corrected count inverts the test confusion matrix on the "
            "predicted counts (constrained adjusted classify-and-count) and its 95 % interval resamples both the "
            "predicted counts and the test postings behind each error rate. A correction flagged unreliable (too "
            "few test postings) reads 'too uncertain' instead of a number.")
        c1 = self.t.get("table_c1_nulls")
        if c1 is not None:
            disp = c1.with_columns(pl.col("field").replace_strict(STUDY_TABLE_C1, default=None,
                                                                  return_dtype=pl.Float64).alias("study_share"))
            s.items.append(self.table("Normalization coverage: postings missing each normalized field", disp,
                                      study="C1", labels={"study_share": "Study share missing", "share": "Share missing"},
                                      source=f"{self.source}; study: {STUDY}, Table C1."))
        sig = self.t.get("significance_tests")
        if sig is not None and sig.height:
            s.paragraphs.append("Significance. Each AI category against Not AI, as in the study: shares by pooled "
                                "two-sample Z-tests, median salaries by Wilcoxon rank-sum tests, Bonferroni-adjusted "
                                "within each family; significant at 5 % after adjustment.")
            s.items.append(self.table("Significance tests, each AI category against postings outside the AI "
                                      "categories (Not AI)", sig, drop=("group_b",)))
        s.paragraphs.append("Known limits:")
        s.bullets = [
            "The sample is what the harvests collected: third-party scrapes and crawls lean to IT searches and to "
            "some boards and cities, so shares are shares of this sample, not of China's job market.",
            "Categories are predicted; small categories carry the widest errors (see the corrected counts).",
            "Release dates are missing on some boards; those postings are dated by retrieval.",
            "Salary is stated pay unless the settings fill gaps with predicted pay; extreme hourly and daily values "
            "are treated as errors, as in the study.",
            f"Subsets under {MIN_MAP_POSTINGS} postings (e.g. defense-affiliated or surveillance employers) are "
            "listed, not mapped; employer tagging matches names against lists and misses employers not on them.",
        ]
        return s


def key_findings(inp: ReportInputs) -> list[str]:
    """The report's opening findings, in plain sentences generated from the stored tables."""
    return _Builder(inp).findings()


def build_document(inp: ReportInputs, title: str, generated_at: str) -> str:
    """The report's HTML (one file, figures embedded, every string autoescaped by Jinja2)."""
    b = _Builder(inp)
    env = jinja2.Environment(loader=jinja2.PackageLoader("cjd_assets.report", "templates"),
                             autoescape=True, undefined=jinja2.StrictUndefined)
    sections = b.sections()
    return env.get_template("report.html.j2").render(
        title=title, generated_at=generated_at,
        subtitle=f"A reproduction of {STUDY} on {b.unique:,} unique job postings",
        caveat=[p for p in b.caveat() if p], findings=b.findings(), sections=sections,
        findings_lead=(f"From a scraped sample of {b.unique:,} unique postings ({b.boards}; released {b.span}): "
                       "shares are shares of this sample, not of China's job market (see 'What these data are')."),
        failed_checks=inp.failed_checks,
    )


def read_inputs(con, settings, failed_checks: list[str] | None = None) -> ReportInputs:
    """What the report shows, read from the warehouse's stored tables (the summaries, the follow-up's cluster
    tables, the classifier's evaluation); the figures are drawn from those tables. `settings` has the
    ReportSettings attributes."""
    from cjd_assets import clusters as C
    from cjd_assets import warehouse as wh
    from cjd_assets.report import summaries as S

    tables = S.load_summaries(con)
    clusters = {}
    for name in CLUSTER_VIEWS:
        kinds = [k for k in ("regions", "provinces", "cities") if wh.table_exists(con, f"{name}_{k}")]
        if kinds:
            clusters[name] = {k: wh.read_frame(con, f"SELECT * FROM {name}_{k}") for k in kinds}
    classifier = None
    if wh.table_exists(con, "job_classifier"):
        rows = wh.read_frame(con, "SELECT * EXCLUDE (metrics_json) FROM job_classifier ORDER BY trained_at DESC LIMIT 1")
        classifier = rows.row(0, named=True) if rows.height else None

    def stored(name: str) -> pl.DataFrame | None:
        # without the bookkeeping columns every stage's table carries
        return wh.read_frame(con, f"SELECT * FROM {name}").drop(
            "model_version", "pipeline_version", "pipeline_date_updated", strict=False) if wh.table_exists(con, name) else None

    rules = {k: int(v) for k, v in C.load_employer_rules().group_by("list").len().iter_rows()}
    rules["surveillance_keywords"] = C.load_keyword_rules().height
    pay = {t["pay_basis"][0] for t in tables.values() if "pay_basis" in t.columns and t.height}
    return ReportInputs(
        tables=tables, figures=S.summary_figures(tables, settings), clusters=clusters, classifier=classifier,
        evaluation=stored("classifier_evaluation"), confusion=stored("classifier_confusion"),
        harvested=wh.row_count(con, "deduplicated_postings") if wh.table_exists(con, "deduplicated_postings") else None,
        tag_rules=rules, failed_checks=list(failed_checks or []), ppp_rate=settings.ppp_rate,
        min_province_n=settings.min_province_n, min_month_postings=settings.min_month_postings,
        pay_basis=next((p for p in pay if p != S.PAY_BASIS_STATED), S.PAY_BASIS_STATED),
    )


def find_chromium() -> str | None:
    for name in (os.environ.get("CJD_CHROMIUM"), "chromium", "chromium-browser", "google-chrome", "chrome"):
        if name and (path := shutil.which(name)):
            return path
    return None


def print_pdf(html_path: Path, pdf_path: Path, chromium: str | None = None, timeout_s: int = 180) -> Path | None:
    """Print the report to PDF with headless Chromium (the page's print stylesheet applies). Returns the
    PDF's path, or None (logged) when Chromium is absent or fails: the PDF is a convenience, not a result."""
    chromium = chromium or find_chromium()
    if chromium is None:
        log.warning("no chromium found: the report's PDF is skipped (install Debian's chromium)")
        return None
    profile = pdf_path.parent / ".chromium-profile"
    cmd = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync",
           "--disable-background-networking", "--disable-component-update", f"--user-data-dir={profile}",
           "--no-pdf-header-footer", f"--print-to-pdf={pdf_path}", html_path.resolve().as_uri()]
    try:
        pdf_path.unlink(missing_ok=True)
        subprocess.run(cmd, check=True, capture_output=True, timeout=timeout_s)
    except (OSError, subprocess.SubprocessError) as e:
        log.warning(f"chromium could not print the report to PDF: {e}")
        return None
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    if not pdf_path.is_file() or pdf_path.stat().st_size == 0:
        log.warning("chromium printed no PDF")
        return None
    return pdf_path
