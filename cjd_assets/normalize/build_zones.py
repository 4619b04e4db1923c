"""Regenerate cjd_assets/data/national_zones.csv: `python -m cjd_assets.normalize.build_zones`.

Sources:
- Economic-technological development zones (经济技术开发区) and high-tech industrial development zones
  (高新技术产业开发区) are taken from the statistical division units of the National Bureau of Statistics
  (统计用区划代码, county- and town-level units created for development zones), as bundled in
  jionlp's china_location dictionary. National-level zones carry exactly these official names (MOFCOM
  approves 国家级经济技术开发区, MOST/the State Council 国家高新技术产业开发区); provincial zones are
  mostly named 经济开发区 / 工业园区 / 高新技术产业园区 and are therefore left out. This is an
  approximation of the national lists: a national zone that is not an NBS statistical unit is absent,
  and a provincial zone that uses the full national-style name would be included.
- Border economic cooperation zones (边境经济合作区): the 17 approved by the State Council
  (MOFCOM list), entered by hand below.
"""

from __future__ import annotations

import csv
import io

from .location import ZONES_FILE, iter_counties, pinyin_name

_KINDS = [
    ("高新技术产业开发区", "high-tech industrial development zone", "High-tech Industrial Development Zone"),
    ("高技术产业开发区", "high-tech industrial development zone", "High-tech Industrial Development Zone"),
    ("经济技术开发区", "economic-technological development zone", "Economic and Technological Development Zone"),
    ("边境经济合作区", "border economic cooperation zone", "Border Economic Cooperation Zone"),
]

# (name, province, prefecture): State Council approvals 1992 (14), 2011 吉木乃, 2013 临沧, 2015 和龙.
BORDER_ZONES: list[tuple[str, str, str]] = [
    ("黑河边境经济合作区", "黑龙江省", "黑河市"),
    ("绥芬河边境经济合作区", "黑龙江省", "牡丹江市"),
    ("满洲里边境经济合作区", "内蒙古自治区", "呼伦贝尔市"),
    ("二连浩特边境经济合作区", "内蒙古自治区", "锡林郭勒盟"),
    ("珲春边境经济合作区", "吉林省", "延边朝鲜族自治州"),
    ("和龙边境经济合作区", "吉林省", "延边朝鲜族自治州"),
    ("丹东边境经济合作区", "辽宁省", "丹东市"),
    ("伊宁边境经济合作区", "新疆维吾尔自治区", "伊犁哈萨克自治州"),
    ("博乐边境经济合作区", "新疆维吾尔自治区", "博尔塔拉蒙古自治州"),
    ("塔城边境经济合作区", "新疆维吾尔自治区", "塔城地区"),
    ("吉木乃边境经济合作区", "新疆维吾尔自治区", "阿勒泰地区"),
    ("凭祥边境经济合作区", "广西壮族自治区", "崇左市"),
    ("东兴边境经济合作区", "广西壮族自治区", "防城港市"),
    ("河口边境经济合作区", "云南省", "红河哈尼族彝族自治州"),
    ("畹町边境经济合作区", "云南省", "德宏傣族景颇族自治州"),
    ("瑞丽边境经济合作区", "云南省", "德宏傣族景颇族自治州"),
    ("临沧边境经济合作区", "云南省", "临沧市"),
]


def _kind(name: str):
    for suffix, kind, en in _KINDS:
        if name.endswith(suffix) and len(name) > len(suffix):
            return suffix, kind, en
    return None


def _english(name: str, suffix: str, en: str) -> str:
    stem = name[: -len(suffix)]
    if "国家" in stem:  # 昆明国家高新技术产业开发区 -> Kunming National High-tech ...
        return f"{pinyin_name(stem.replace('国家', ''))} National {en}"
    return f"{pinyin_name(stem)} {en}"


def _aliases(name: str, suffix: str) -> list[str]:
    stem = name[: -len(suffix)]
    short = {"高新技术产业开发区": "高新区", "高技术产业开发区": "高新区", "经济技术开发区": "经开区", "边境经济合作区": "边合区"}[suffix]
    out = {stem + short}
    if "国家" in stem:  # 昆明国家高新区 is also written 昆明高新区
        out |= {stem.replace("国家", "") + suffix, stem.replace("国家", "") + short}
    return sorted(a for a in out if a != name)


def build_rows() -> list[dict[str, str]]:
    import jionlp as jio

    rows: dict[str, dict[str, str]] = {}
    for prov, city, county, cod in iter_counties(jio.china_location_loader(detail=True)):
        candidates = [(county, "county", cod.get("_admin_code", ""))]
        candidates += [(t, "township", "") for t in cod if not t.startswith("_")]
        for name, level, code in candidates:
            k = _kind(name)
            if k is None or name in rows:
                continue
            suffix, kind, en = k
            rows[name] = {
                "name_zh": name,
                "name_en": _english(name, suffix, en),
                "kind": kind,
                "province_zh": prov,
                "prefecture_zh": city,
                "county_zh": county if level == "township" else "",
                "nbs_level": level,
                "code": code,
                "aliases": "|".join(_aliases(name, suffix)),
                "source": "NBS statistical division units via jionlp china_location",
            }
    for name, prov, city in BORDER_ZONES:
        suffix, kind, en = _kind(name)
        rows.setdefault(
            name,
            {
                "name_zh": name,
                "name_en": _english(name, suffix, en),
                "kind": kind,
                "province_zh": prov,
                "prefecture_zh": city,
                "county_zh": "",
                "nbs_level": "",
                "code": "",
                "aliases": "|".join(_aliases(name, suffix)),
                "source": "State Council approvals of border economic cooperation zones (MOFCOM list)",
            },
        )
    return sorted(rows.values(), key=lambda r: (r["kind"], r["province_zh"], r["name_zh"]))


def main() -> None:
    rows = build_rows()
    buf = io.StringIO()
    buf.write(
        "# National development zones (zone category of location_zone_*_norm).\n"
        "# Generated by `python -m cjd_assets.normalize.build_zones`; see that module's docstring for the\n"
        "# sources (NBS statistical division units as bundled in jionlp; State Council border-zone list).\n"
    )
    w = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    ZONES_FILE.parent.mkdir(parents=True, exist_ok=True)
    ZONES_FILE.write_text(buf.getvalue(), encoding="utf-8")
    print(f"{len(rows)} zones -> {ZONES_FILE}")


if __name__ == "__main__":
    main()
