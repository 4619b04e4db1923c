"""Provinces, regional clusters and the China map the report draws.

Province matching is by the Chinese short name at the start of `location_province_zh_norm`
('广东省' and '广东' both match 广东), which is unambiguous for China's 34 province-level units and
does not depend on how the normalizer spells the English suffix ('Province', 'Autonomous Region').
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from cjd_assets.normalize.location import ONE_CITY_PROVINCES

# (code, Chinese short name, English short name, tile-grid column, tile-grid row).
# Codes are the ISO 3166-2:CN letters that pygal-maps-china uses for its shapes. The grid places each
# province near its real position (row 0 = north) so the fallback map still reads as China.
PROVINCES: tuple[tuple[str, str, str, int, int], ...] = (
    ("HL", "黑龙江", "Heilongjiang", 9, 0),
    ("JL", "吉林", "Jilin", 9, 1),
    ("NM", "内蒙古", "Inner Mongolia", 6, 1),
    ("XJ", "新疆", "Xinjiang", 1, 2),
    ("LN", "辽宁", "Liaoning", 9, 2),
    ("BJ", "北京", "Beijing", 7, 2),
    ("TJ", "天津", "Tianjin", 8, 3),
    ("HE", "河北", "Hebei", 7, 3),
    ("SX", "山西", "Shanxi", 6, 3),
    ("NX", "宁夏", "Ningxia", 5, 3),
    ("GS", "甘肃", "Gansu", 4, 3),
    ("QH", "青海", "Qinghai", 3, 4),
    ("XZ", "西藏", "Tibet", 2, 5),
    ("SN", "陕西", "Shaanxi", 5, 4),
    ("HA", "河南", "Henan", 6, 4),
    ("SD", "山东", "Shandong", 7, 4),
    ("JS", "江苏", "Jiangsu", 8, 5),
    ("AH", "安徽", "Anhui", 7, 5),
    ("HB", "湖北", "Hubei", 6, 5),
    ("SC", "四川", "Sichuan", 4, 5),
    ("CQ", "重庆", "Chongqing", 5, 5),
    ("SH", "上海", "Shanghai", 9, 5),
    ("ZJ", "浙江", "Zhejiang", 8, 6),
    ("JX", "江西", "Jiangxi", 7, 6),
    ("HN", "湖南", "Hunan", 6, 6),
    ("GZ", "贵州", "Guizhou", 5, 6),
    ("YN", "云南", "Yunnan", 4, 7),
    ("GX", "广西", "Guangxi", 5, 7),
    ("GD", "广东", "Guangdong", 6, 7),
    ("FJ", "福建", "Fujian", 7, 7),
    ("TW", "台湾", "Taiwan", 8, 7),
    ("HK", "香港", "Hong Kong", 7, 8),
    ("MO", "澳门", "Macau", 6, 8),
    ("HI", "海南", "Hainan", 5, 8),
)
PROVINCE_EN: dict[str, str] = {zh: en for _, zh, en, _, _ in PROVINCES}


def province_short_zh(name: str | None) -> str | None:
    """The short Chinese name ('广东') of a normalized province name ('广东省'), or None."""
    if not name:
        return None
    for _, zh, _, _, _ in PROVINCES:
        if name.startswith(zh):
            return zh
    return None


# Province-level units that count as one city in city rankings: the normalizer's list, by short name.
ONE_CITY_UNITS: tuple[str, ...] = tuple(sorted(province_short_zh(n) for n in ONE_CITY_PROVINCES))


def province_en(name_zh: str | None, fallback_en: str | None = None) -> str | None:
    """English short name for labels (CJK glyphs may be missing in the plotting fonts)."""
    short = province_short_zh(name_zh)
    if short is not None:
        return PROVINCE_EN[short]
    if fallback_en:
        return short_en(fallback_en)
    return name_zh


# The English suffixes of administrative units, dropped for labels ('Guangdong Province' -> 'Guangdong').
_EN_SUFFIX = re.compile(r"\s+(Province|City|Municipality|Autonomous Region|Special Administrative Region|"
                        r"Autonomous Prefecture|Prefecture|League|Region)$")


def short_en(name: str | None) -> str | None:
    """An English place name without its administrative suffix."""
    return _EN_SUFFIX.sub("", name) if name else name


# The regional clusters of CSET's 2023 follow-up are data: `cjd_assets/data/regions.csv` (one row per
# whole province or per prefecture-level city, with its official source), read by `load_regions`.
REGIONS_FILE = Path(__file__).resolve().parent.parent / "data" / "regions.csv"


@dataclass(frozen=True)
class Region:
    name: str
    name_zh: str
    provinces: tuple[str, ...]  # whole provinces (Chinese short names)
    cities: tuple[tuple[str, str], ...]  # (province short name, prefecture short name)
    city_en: tuple[str, ...] = ()  # English names of `cities`, in order

    def describe(self) -> str:
        """'Shanghai; Jiangsu' / 'Guangdong: Guangzhou, Shenzhen': the members in English."""
        parts = [PROVINCE_EN.get(p, p) for p in self.provinces]
        by_province: dict[str, list[str]] = {}
        for (prov, city), en in zip(self.cities, self.city_en or tuple(c for _, c in self.cities)):
            by_province.setdefault(prov, []).append(en or city)
        parts += [f"{PROVINCE_EN.get(p, p)}: {', '.join(cs)}" for p, cs in by_province.items()]
        return "; ".join(parts)


@lru_cache(maxsize=4)
def load_regions(path: Path = REGIONS_FILE) -> tuple[Region, ...]:
    """The regional clusters of `regions.csv`, in file order. A row with an empty prefecture_zh puts
    the whole province in the region; otherwise only that prefecture."""
    import polars as pl

    df = pl.read_csv(path, infer_schema=False)
    out = []
    for name in df["region"].unique(maintain_order=True).to_list():
        rows = list(df.filter(pl.col("region") == name).iter_rows(named=True))
        cities = [r for r in rows if r["prefecture_zh"]]
        out.append(Region(name, rows[0]["region_zh"], tuple(r["province_zh"] for r in rows if not r["prefecture_zh"]),
                          tuple((r["province_zh"], r["prefecture_zh"]) for r in cities),
                          tuple(r.get("prefecture_en") or "" for r in cities)))
    return tuple(out)


def region_of(province_zh: str | None, prefecture_zh: str | None, regions: tuple[Region, ...] | None = None) -> str | None:
    """Region of a location ('广东省', '深圳市' -> 'Pearl River Delta'); None outside every region or unknown."""
    if not province_zh:
        return None
    for reg in regions or load_regions():
        if any(province_zh.startswith(p) for p in reg.provinces):
            return reg.name
        if prefecture_zh and any(province_zh.startswith(p) and prefecture_zh.startswith(c) for p, c in reg.cities):
            return reg.name
    return None


# --- the map -------------------------------------------------------------------------------------

_NUM = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?")
_TOKEN = re.compile(r"[MmLlHhVvCcSsZz]|[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?")


def parse_svg_path(d: str) -> tuple[list[tuple[float, float]], list[int]]:
    """Vertices and matplotlib Path codes of an SVG path (M, L, H, V, C, S, Z, absolute or relative)."""
    from matplotlib.path import Path as MPath

    tokens = _TOKEN.findall(d)
    verts: list[tuple[float, float]] = []
    codes: list[int] = []
    i = 0
    cmd = None
    x = y = 0.0
    start = (0.0, 0.0)
    last_ctrl: tuple[float, float] | None = None

    def num() -> float:
        nonlocal i
        v = float(tokens[i])
        i += 1
        return v

    while i < len(tokens):
        if tokens[i].isalpha():
            cmd = tokens[i]
            i += 1
            if cmd in "Zz":
                verts.append(start)
                codes.append(MPath.CLOSEPOLY)
                x, y = start
                last_ctrl = None
                continue
        rel = cmd.islower()
        ox, oy = (x, y) if rel else (0.0, 0.0)
        c = cmd.upper()
        if c == "M":
            x, y = ox + num(), oy + num()
            verts.append((x, y))
            codes.append(MPath.MOVETO)
            start = (x, y)
            cmd = "l" if rel else "L"  # further pairs after M are line-tos
            last_ctrl = None
        elif c == "L":
            x, y = ox + num(), oy + num()
            verts.append((x, y))
            codes.append(MPath.LINETO)
            last_ctrl = None
        elif c == "H":
            x = ox + num()
            verts.append((x, y))
            codes.append(MPath.LINETO)
            last_ctrl = None
        elif c == "V":
            y = oy + num()
            verts.append((x, y))
            codes.append(MPath.LINETO)
            last_ctrl = None
        elif c in "CS":
            if c == "C":
                c1 = (ox + num(), oy + num())
            else:  # the first control point reflects the previous curve's second one
                c1 = (2 * x - last_ctrl[0], 2 * y - last_ctrl[1]) if last_ctrl else (x, y)
            c2 = (ox + num(), oy + num())
            end = (ox + num(), oy + num())
            verts.extend([c1, c2, end])
            codes.extend([MPath.CURVE4] * 3)
            last_ctrl = c2
            x, y = end
        else:
            raise ValueError(f"unsupported SVG path command {cmd!r}")
    return verts, codes


@lru_cache(maxsize=1)
def province_shapes() -> dict[str, tuple[tuple[tuple[float, float], ...], tuple[int, ...]]] | None:
    """Province outlines keyed by code, from the SVG shipped by the PyPI package pygal-maps-china
    (no download at run time); None when that package is not installed (the tile grid is used)."""
    try:
        from importlib.resources import files

        svg = files("pygal_maps_china").joinpath("china.svg").read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError, OSError):
        return None
    shapes = {}
    for m in re.finditer(r'class="CN-([A-Z]{2}) region[^"]*">\s*<path\s+d="([^"]+)"', svg):
        verts, codes = parse_svg_path(m.group(2))
        shapes[m.group(1)] = (tuple(verts), tuple(codes))
    return shapes or None
