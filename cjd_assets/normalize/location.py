"""Location strings -> continent / country / province / prefecture / county / township / zone / details,
each in Chinese and English, plus the administrative code and level.

Divisions, codes, aliases and renames come from jionlp's bundled dictionaries (china_location: the
National Bureau of Statistics' division codes with towns; china_location_change: renames since 2002,
e.g. 襄樊 -> 襄阳). A fast resolver walks the string left to right matching province, prefecture, county
and township names (full names and aliases) consistently with each other; only strings it cannot
resolve go to jionlp.parse_location. Both are done once per distinct string and cached in a module dict
that lives across calls (the asset normalizes in batches).

Levels: 'country', 'province', 'prefecture', 'county', 'township'. The code is the NBS code of the
deepest level that has one (towns carry their county's code). Municipalities repeat the province as the
prefecture (上海市 / 上海市), as the NBS tables do.
English: official province names; prefectures, counties and townships as pinyin of the name's stem (its
jionlp alias) plus the translated suffix (北仑区 -> Beilun District, 宁波市 -> Ningbo City).
details_zh is what follows the deepest recognised level (street, building, area); details_en is left
null (no translation of free text).
Zones: national economic-technological development zones, high-tech industrial development zones and
border economic cooperation zones, from cjd_assets/data/national_zones.csv (its header names the source).
Statuses: 'resolved', 'multiple' (several places listed; the first is used), 'nationwide' (全国),
'unspecified' (异地招聘 and the like: China, no place), 'remote', 'foreign' (海外: outside China, no
place), 'missing', 'unparsed'.
"""

from __future__ import annotations

import csv
import re
import threading
from functools import lru_cache
from pathlib import Path

import polars as pl

LOCATION_STATUSES: tuple[str, ...] = (
    "resolved",
    "multiple",
    "nationwide",
    "unspecified",
    "remote",
    "foreign",
    "missing",
    "unparsed",
)

LOCATION_OUTPUT_COLUMNS: tuple[str, ...] = tuple(
    f"location_{lvl}_{lang}_norm"
    for lvl in ("continent", "country", "province", "prefecture", "county", "township", "zone", "details")
    for lang in ("en", "zh")
) + ("location_code_norm", "location_level_norm", "location_status_norm")

ZONES_FILE = Path(__file__).resolve().parent.parent / "data" / "national_zones.csv"

PROVINCE_EN: dict[str, str] = {
    "北京市": "Beijing Municipality",
    "天津市": "Tianjin Municipality",
    "上海市": "Shanghai Municipality",
    "重庆市": "Chongqing Municipality",
    "河北省": "Hebei Province",
    "山西省": "Shanxi Province",
    "辽宁省": "Liaoning Province",
    "吉林省": "Jilin Province",
    "黑龙江省": "Heilongjiang Province",
    "江苏省": "Jiangsu Province",
    "浙江省": "Zhejiang Province",
    "安徽省": "Anhui Province",
    "福建省": "Fujian Province",
    "江西省": "Jiangxi Province",
    "山东省": "Shandong Province",
    "河南省": "Henan Province",
    "湖北省": "Hubei Province",
    "湖南省": "Hunan Province",
    "广东省": "Guangdong Province",
    "海南省": "Hainan Province",
    "四川省": "Sichuan Province",
    "贵州省": "Guizhou Province",
    "云南省": "Yunnan Province",
    "陕西省": "Shaanxi Province",
    "甘肃省": "Gansu Province",
    "青海省": "Qinghai Province",
    "台湾省": "Taiwan Province",
    "内蒙古自治区": "Inner Mongolia Autonomous Region",
    "广西壮族自治区": "Guangxi Zhuang Autonomous Region",
    "西藏自治区": "Tibet Autonomous Region",
    "宁夏回族自治区": "Ningxia Hui Autonomous Region",
    "新疆维吾尔自治区": "Xinjiang Uygur Autonomous Region",
    "香港特别行政区": "Hong Kong Special Administrative Region",
    "澳门特别行政区": "Macao Special Administrative Region",
}
# Province-level units with no prefecture level below them: each is one city (the report ranks them so too).
ONE_CITY_PROVINCES = frozenset({"北京市", "天津市", "上海市", "重庆市", "香港特别行政区", "澳门特别行政区"})
_MUNICIPALITIES = ONE_CITY_PROVINCES

# longest first: the first suffix that ends the name wins
_SUFFIX_EN: list[tuple[str, str]] = [
    ("高新技术产业开发区", "High-tech Industrial Development Zone"),
    ("经济技术开发区", "Economic and Technological Development Zone"),
    ("边境经济合作区", "Border Economic Cooperation Zone"),
    ("特别行政区", "Special Administrative Region"),
    ("自治州", "Autonomous Prefecture"),
    ("自治县", "Autonomous County"),
    ("自治旗", "Autonomous Banner"),
    ("开发区", "Development Zone"),
    ("工业区", "Industrial Zone"),
    ("园区", "Park"),
    ("街道", "Subdistrict"),
    ("林区", "Forestry District"),
    ("特区", "Special District"),
    ("新区", "New Area"),
    ("地区", "Prefecture"),
    ("矿区", "Mining District"),
    ("市", "City"),
    ("区", "District"),
    ("县", "County"),
    ("盟", "League"),
    ("旗", "Banner"),
    ("镇", "Town"),
    ("乡", "Township"),
]

# Job postings concentrate in these cities, so an ambiguous bare district name (南山区, 白云区, 朝阳区) is
# read as the one in the first of them that has it: municipalities, then sub-provincial cities and
# provincial capitals, then the largest other job markets.
_MAJOR_CITIES: dict[str, int] = {
    name: rank
    for rank, name in enumerate(
        "北京市 上海市 深圳市 广州市 天津市 重庆市 杭州市 南京市 成都市 武汉市 西安市 苏州市 长沙市 郑州市 "
        "济南市 青岛市 宁波市 厦门市 福州市 合肥市 沈阳市 大连市 长春市 哈尔滨市 石家庄市 太原市 南昌市 "
        "昆明市 贵阳市 南宁市 海口市 兰州市 西宁市 银川市 乌鲁木齐市 拉萨市 呼和浩特市 东莞市 佛山市".split()
    )
}

_SEPARATORS = set(" -·・•,，/|、;；:：()（）[]【】<>《》_—–")
_MULTI_SPLIT = re.compile(r"[,，/、;；|]+")
_NATIONWIDE = re.compile(r"^(?:全国|全国各地|全国范围|全国各省市?|不限|各地|nationwide|anywhere in china)$", re.I)
_UNSPECIFIED = re.compile(r"异地招聘|异地|待定|不限地点|多地|多个城市|若干城市", re.I)
_FOREIGN = re.compile(r"^(?:海外|国外|境外|overseas|abroad)$", re.I)
_REMOTE = re.compile(r"远程|居家办公|在家办公|\bremote\b|work from home", re.I)
_CHINA_PREFIX = re.compile(r"^(?:中国大陆|中华人民共和国|中国|china)[\s·\-,，]*", re.I)
_TOWN_SUFFIX = re.compile(r"(街道|镇|乡|民族乡|苏木|地区办事处|办事处)$")

_NULL_ROW = (None,) * (len(LOCATION_OUTPUT_COLUMNS) - 1)
# BOSS list cards glue experience and education to the area (鲁谷经验不限本科): not part of the place
_TRAILING_REQUIREMENTS = re.compile(
    r"(?:经验不限|无经验|在校/?应届|应届生?|\d+(?:-\d+)?年(?:以上)?)?"
    r"(?:学历不限|不限|本科|大专|硕士|博士|中专/中技|中专|中技|高中|初中及以下)$"
)


# jionlp's pinyin misses or mis-reads these place-name characters
_PINYIN_OVERRIDES: dict[str, str] = {
    "珲春": "Hunchun",
    "畹町": "Wanding",
    "六安": "Lu'an",
    "蚌埠": "Bengbu",
    "朝阳": "Chaoyang",
    "乐清": "Yueqing",
    "乐亭": "Laoting",
    "单县": "Shanxian",
    "莘县": "Shenxian",
    "铅山": "Yanshan",
    "涡阳": "Guoyang",
    "大埔": "Dabu",
    "东阿": "Dong'e",
    "歙县": "Shexian",
    "都江堰": "Dujiangyan",
    "长安": "Chang'an",
    "长宁": "Changning",
    "长寿": "Changshou",
    "长兴": "Changxing",
    "重庆": "Chongqing",
    "厦门": "Xiamen",
    "番禺": "Panyu",
    "尉氏": "Weishi",
    "荥阳": "Xingyang",
    "盱眙": "Xuyi",
    "曲阜": "Qufu",
    "济南": "Jinan",
    "六合": "Luhe",
}
# characters whose place-name reading differs from the common one jionlp gives (成都, 郫都, 蚌山)
_CHAR_READINGS: dict[str, str] = {"都": "du", "蚌": "beng"}


@lru_cache(maxsize=None)
def pinyin_name(text: str) -> str:
    """One capitalised pinyin word without tones (西安 -> Xi'an, 吕梁 -> Lüliang)."""
    import jionlp as jio

    if text in _PINYIN_OVERRIDES:
        return _PINYIN_OVERRIDES[text]

    out: list[str] = []
    syllables = jio.pinyin(text, formater="simple")
    chars = list(text) if len(syllables) == len(text) else [""] * len(syllables)
    for ch, syl in zip(chars, syllables):
        if syl.startswith("<"):
            continue
        syl = _CHAR_READINGS.get(ch) or re.sub(r"\d", "", syl).replace("v", "ü")
        if out and syl[:1] in ("a", "e", "o"):
            syl = "'" + syl
        out.append(syl)
    word = "".join(out)
    return word[:1].upper() + word[1:]


def english_name(full: str, alias: str | None = None) -> str:
    for suffix, en in _SUFFIX_EN:
        if full.endswith(suffix) and len(full) > len(suffix):
            stem = full[: -len(suffix)]
            # the alias drops ethnic and other inner parts (延边朝鲜族自治州 -> 延边); generic aliases
            # (高新区 for 长春高新技术产业开发区) do not start the full name and are ignored
            if alias and len(alias) >= 2 and stem.startswith(alias):
                stem = alias
            return f"{pinyin_name(stem)} {en}"
    return pinyin_name(full)


class _Index:
    """Name tables built once from jionlp's dictionaries."""

    def __init__(self) -> None:
        import jionlp as jio

        loc = jio.china_location_loader()
        self.provinces: dict[str, str] = {}
        self.cities: dict[str, list[tuple[str, str]]] = {}
        self.counties: dict[str, list[tuple[str, str, str]]] = {}
        self.county_alias: dict[str, list[tuple[str, str, str]]] = {}
        self.codes: dict[tuple, str] = {}
        self.alias: dict[str, str] = {}
        self.old: dict[str, tuple[str, str | None, str | None]] = {}
        for prov, pd in loc.items():
            if prov.startswith("_"):
                continue
            self.provinces[prov] = prov
            if pd.get("_alias"):
                self.provinces[pd["_alias"]] = prov
            self.codes[(prov,)] = pd["_admin_code"]
            for city, cd in pd.items():
                if city.startswith("_"):
                    continue
                self.codes[(prov, city)] = cd["_admin_code"]
                aliases = cd.get("_alias") or []
                aliases = [aliases] if isinstance(aliases, str) else list(aliases)
                if aliases:
                    self.alias[city] = aliases[0]
                for name in {city, *aliases}:
                    if len(name) >= 2:
                        self.cities.setdefault(name, []).append((prov, city))
                for county, cod in cd.items():
                    if county.startswith("_"):
                        continue
                    self.codes[(prov, city, county)] = cod["_admin_code"]
                    self.counties.setdefault(county, []).append((prov, city, county))
                    a = cod.get("_alias")
                    if isinstance(a, str) and len(a) >= 2 and a != county:
                        self.alias.setdefault(county, a)
                        self.county_alias.setdefault(a, []).append((prov, city, county))
        for item in jio.china_location_change_loader():
            new = item["new_loc"]
            new_t = (new[0], new[1] if len(new) > 1 else None, new[2] if len(new) > 2 else None)
            old = item["old_loc"]
            # an old prefecture or county name (full or alias) that no longer exists
            deepest = old[2] if old[2][0] else old[1]
            if deepest[0] is None:
                continue
            for name in deepest:
                if name and len(name) >= 2 and name not in self.cities and name not in self.counties:
                    self.old.setdefault(name, new_t)
        self.maxlen = max(len(k) for d in (self.provinces, self.cities, self.counties, self.old) for k in d)
        self._towns: dict[tuple[str, str, str], dict[str, str]] | None = None
        self._global_towns: dict[str, list[tuple[tuple[str, str, str], str]]] | None = None
        self.zones, self.zone_re = _load_zones()

    def global_towns(self) -> dict[str, list[tuple[tuple[str, str, str], str]]]:
        if self._global_towns is None:
            self.towns(("", "", ""))
            g: dict[str, list[tuple[tuple[str, str, str], str]]] = {}
            for key, names in (self._towns or {}).items():
                for name, full in names.items():
                    lst = g.setdefault(name, [])
                    if not any(k == key for k, _ in lst):
                        lst.append((key, full))
            self._global_towns = g
        return self._global_towns

    def towns(self, key: tuple[str, str, str]) -> dict[str, str]:
        if self._towns is None:
            import jionlp as jio

            towns: dict[tuple[str, str, str], dict[str, str]] = {}
            for prov, city, county, cod in iter_counties(jio.china_location_loader(detail=True)):
                names: dict[str, str] = {}
                for town in cod:
                    if town.startswith("_"):
                        continue
                    names[town] = town
                    stem = _TOWN_SUFFIX.sub("", town)
                    if len(stem) >= 2:
                        names.setdefault(stem, town)
                towns[(prov, city, county)] = names
            self._towns = towns
        return self._towns.get(key, {})



def iter_counties(detail: dict):
    """(province, prefecture, county, county entry) of every county in jionlp's detailed division tree
    (`china_location_loader(detail=True)`), whose keys starting with `_` are metadata, not divisions."""
    for prov, pd in detail.items():
        if prov.startswith("_"):
            continue
        for city, cd in pd.items():
            if city.startswith("_"):
                continue
            for county, cod in cd.items():
                if not county.startswith("_"):
                    yield prov, city, county, cod


_GENERIC_ZONES = [
    (re.compile(r"高新区|高新技术产业开发区|高新技术开发区"), "high-tech industrial development zone"),
    (re.compile(r"经开区|经济技术开发区"), "economic-technological development zone"),
]
_ZONES_BY_CITY: dict[tuple[str, str, str], list[tuple[str, str]]] = {}


def _load_zones() -> tuple[dict[str, tuple[str, str]], re.Pattern | None]:
    zones: dict[str, tuple[str, str]] = {}
    if ZONES_FILE.exists():
        with ZONES_FILE.open(encoding="utf-8") as fh:
            rows = csv.DictReader(line for line in fh if not line.startswith("#"))
            for row in rows:
                zh, en = row["name_zh"], row["name_en"]
                key = (row["province_zh"], row["prefecture_zh"], row["kind"])
                if (zh, en) not in _ZONES_BY_CITY.setdefault(key, []):
                    _ZONES_BY_CITY[key].append((zh, en))
                for alias in {zh, *(a for a in row.get("aliases", "").split("|") if len(a) >= 4)}:
                    zones.setdefault(alias, (zh, en))
    if not zones:
        return zones, None
    pattern = re.compile("|".join(re.escape(k) for k in sorted(zones, key=len, reverse=True)))
    return zones, pattern


_INDEX: _Index | None = None
_INDEX_LOCK = threading.Lock()
_CACHE: dict[str, tuple] = {}
# bounds the cache on corpora with millions of distinct street addresses (a refill costs one resolve each)
CACHE_MAX: int = 1_000_000


def _index() -> _Index:
    global _INDEX
    if _INDEX is None:
        with _INDEX_LOCK:
            if _INDEX is None:
                _INDEX = _Index()
    return _INDEX


def warm_up() -> None:
    """Load every dictionary the location resolver reads lazily, before threads share it: jionlp's pinyin
    and address parsers mark themselves loaded before they finish loading, so a second thread that calls
    them meanwhile reads half a table (an English name came out as ' City')."""
    import jionlp as jio

    with _INDEX_LOCK:
        jio.pinyin("北京", formater="simple")
        jio.parse_location("北京市海淀区", change2new=True)
    _index().global_towns()


_ROAD_NEXT = set("路街巷弄道桥")
_ADMIN_END = ("省", "市", "区", "县", "旗", "盟", "州", "镇", "乡", "街道")


def _road(text: str, end: int, name: str) -> bool:
    """南京路, 福山路, 望京东路, 番禺大道, 海淀大街: a place name that is part of a street name is not a place."""
    if name.endswith(_ADMIN_END) or end >= len(text):
        return False
    nxt = text[end]
    two = text[end + 1] if end + 1 < len(text) else ""
    return nxt in _ROAD_NEXT or (nxt in "东西南北中大" and two != "" and two in _ROAD_NEXT)


# what may follow a bare township or area name for it to be that place: a zone or park word (燕郊开发区,
# 漕河泾开发区); anything else in Chinese makes it part of another name (安宁庄东路, 科技园高新南四道)
_AREA_WORDS = ("开发区", "高新区", "园区", "工业区", "新区", "经济区", "产业园", "商务区")


def _whole_place(text: str, end: int, key: str, full: str) -> bool:
    """A township or area name met without its county stands alone: its full name (燕郊镇, 望京街道),
    or the name ending the token, or followed by Latin text (望京soho) or a zone word."""
    if key == full or end >= len(text) or text[end] in _SEPARATORS:
        return True
    nxt = text[end]
    if not ("\u4e00" <= nxt <= "\u9fff"):
        return True
    return text.startswith(_AREA_WORDS, end)


def _token_end(text: str, end: int) -> bool:
    """The name ends a token: string end, a separator, or an old suffix (莱芜市, 吴江市) then one of those."""
    if end >= len(text) or text[end] in _SEPARATORS:
        return True
    return text[end] in "市县区" and (end + 1 >= len(text) or text[end + 1] in _SEPARATORS)


def _walk(ix: _Index, text: str) -> tuple[str | None, str | None, str | None, str | None, str]:
    """Greedy left-to-right match of province, prefecture, county, township; returns the rest as details."""
    prov = city = county = town = None
    i, n = 0, len(text)
    while i < n:
        if text[i] in _SEPARATORS:
            i += 1
            continue
        hit = None
        for L in range(min(ix.maxlen, n - i), 1, -1):
            t = text[i : i + L]
            if _road(text, i + L, t):
                continue
            if county is None:
                p = ix.provinces.get(t)
                if p is not None and (prov is None or prov == p):
                    hit = (p, city if prov == p else (p if p in _MUNICIPALITIES else None), None)
                    break
                cands = [c for c in ix.cities.get(t, ()) if prov is None or c[0] == prov]
                if city is not None:
                    cands = [c for c in cands if c[1] == city]
                if len(cands) == 1:
                    hit = (cands[0][0], cands[0][1], None)
                    break
                cands = [c for c in ix.counties.get(t, ()) if (prov is None or c[0] == prov) and (city is None or c[1] == city)]
                if len(cands) > 1 and prov is None:
                    ranked = sorted((_MAJOR_CITIES[c[1]], c) for c in cands if c[1] in _MAJOR_CITIES)
                    cands = [ranked[0][1]] if ranked else cands
                if len(cands) != 1 and city is not None:
                    cands = [c for c in ix.county_alias.get(t, ()) if c[0] == prov and c[1] == city]
                elif not cands and prov is None and _token_end(text, i + L):
                    # a bare short county name (通州, 思茅, 莱芜市 after a merger) standing as a whole token
                    cands = list(ix.county_alias.get(t, ()))
                    if len(cands) > 1:
                        ranked = sorted((_MAJOR_CITIES[c[1]], c) for c in cands if c[1] in _MAJOR_CITIES)
                        cands = [ranked[0][1]] if ranked else cands
                    if len(cands) == 1 and i + L < n and text[i + L] in "市县区":
                        L += 1  # the old suffix goes with the name
                if len(cands) == 1:
                    hit = cands[0]
                    break
                new = ix.old.get(t)
                if new is not None and (prov is None or new[0] == prov) and (city is None or new[1] in (None, city)):
                    hit = new
                    break
            elif town is None:
                full = ix.towns((prov, city, county)).get(t)
                # 南山区南山区…: a repeated county name is not its namesake town (南山街道)
                if full is not None and not (i + L < n and text[i + L] in "区县市旗" and not full.startswith(t + text[i + L])):
                    town = full
                    i += L
                    hit = ()
                    break
        if hit is None and prov is None:
            # a bare township or area name (望京, 张江, 燕郊) that exists in exactly one county
            for L in range(min(12, n - i), 1, -1):
                key = text[i : i + L]
                # subdistricts named after a street (南京路街道) need their county as context
                where = None if key[-1] in _ROAD_NEXT else ix.global_towns().get(key)
                if where is not None and len(where) > 1:
                    # 望京: a Beijing subdistrict and a village town in Sichuan; a job is in the big city
                    # when exactly one of the places lies in one of the main job markets
                    where = [w for w in where if w[0][1] in _MAJOR_CITIES]
                if where and len(where) == 1 and not _road(text, i + L, key) and _whole_place(text, i + L, key, where[0][1]):
                    (prov, city, county), town = where[0]
                    i += L
                    hit = ()
                    break
        if hit is None:
            break
        if hit:
            prov, city = hit[0], hit[1] or city
            county = hit[2] or county
            i += L
            # an alias followed by an older or colloquial suffix (红谷滩新区 for 红谷滩区)
            for suffix in ("新区", "市", "区", "县"):
                if text.startswith(suffix, i) and _token_end(text, i + len(suffix)) and not t.endswith(suffix):
                    i += len(suffix)
                    break
            if prov in _MUNICIPALITIES and city is None:
                city = prov
    rest = text[i:].strip("".join(_SEPARATORS))
    return prov, city, county, town, rest


def _fallback(ix: _Index, text: str):
    try:
        import jionlp as jio

        r = jio.parse_location(text, change2new=True)
    except Exception:  # jionlp on odd input: treat as unresolved
        return None, None, None, None, text
    prov, city, county = r.get("province"), r.get("city"), r.get("county")
    if prov is None or not _named(ix, text, (prov, city, county)):
        return None, None, None, None, text
    return prov, city, county, None, (r.get("detail") or "").strip("".join(_SEPARATORS))


def _named(ix: _Index, text: str, units: tuple[str | None, ...]) -> bool:
    """jionlp's answer is a place only where the text names one of its units: a full name (天河区), or
    an alias that is not part of a street or landmark (天山西路, 中山大学, 天河客运站) but ends a token or
    runs into a lower unit's name (广州天河区)."""
    names: list[tuple[str, bool]] = []
    for unit in units:
        if not unit:
            continue
        names.append((unit, True))
        alias = ix.alias.get(unit) or next((a for a, p in ix.provinces.items() if p == unit and a != unit), None)
        if alias and len(alias) >= 2:
            names.append((alias, False))
    for name, full in names:
        start = text.find(name)
        while start >= 0:
            end = start + len(name)
            if not _road(text, end, name) and (
                full or _token_end(text, end) or any(text.startswith(o, end) for o, _ in names if o != name)
            ):
                return True
            start = text.find(name, start + 1)
    return False


def _row(ix: _Index, prov, city, county, town, rest, status, raw) -> tuple:
    if rest:
        rest = _TRAILING_REQUIREMENTS.sub("", rest).strip("".join(_SEPARATORS))
    if (prov, city) not in ix.codes and city is not None:
        city = None
    if county and (prov, city, county) not in ix.codes:
        # a rename target spelled with another suffix (玉环县 -> 玉环区 in the change list, 玉环市 today)
        same = [c for c in ix.county_alias.get(county[:-1], ()) if c[:2] == (prov, city)]
        county = same[0][2] if len(same) == 1 else None
    code = ix.codes.get((prov, city, county)) or ix.codes.get((prov, city)) or ix.codes.get((prov,))
    level = "township" if town else "county" if county else "prefecture" if city else "province"
    if city and "直辖" in city:
        # 省直辖行政区划: county-level cities under the province (琼海, 仙桃) have no prefecture
        city = None
        if level == "prefecture":
            level = "province"
    zone_zh = zone_en = None
    if ix.zone_re is not None:
        m = ix.zone_re.search(raw)
        if m is None and county:
            m = ix.zone_re.search(county)
        if m is not None:
            zone_zh, zone_en = ix.zones[m.group(0)]
    if zone_zh is None and city:
        # 昆明五华区高新区: a generic zone word plus the city's only zone of that kind
        for pattern, kind in _GENERIC_ZONES:
            options = _ZONES_BY_CITY.get((prov, city, kind), [])
            if len(options) == 1 and pattern.search(raw):
                zone_zh, zone_en = options[0]
                break
    return (
        "Asia",
        "亚洲",
        "China",
        "中国",
        PROVINCE_EN.get(prov),
        prov,
        english_name(city, ix.alias.get(city)) if city else None,
        city,
        english_name(county, ix.alias.get(county)) if county else None,
        county,
        english_name(town) if town else None,
        town,
        zone_en,
        zone_zh,
        None,
        rest or None,
        code,
        level,
        status,
    )


def _country_only(status: str, raw: str) -> tuple:
    return ("Asia", "亚洲", "China", "中国") + (None,) * 12 + (None, "country", status)


def resolve_location(text: str | None) -> tuple:
    """One location string -> a tuple in LOCATION_OUTPUT_COLUMNS order (cached)."""
    if text is None:
        return _NULL_ROW + ("missing",)
    hit = _CACHE.get(text)
    if hit is not None:
        return hit
    try:
        out = _resolve(text)
    except Exception:  # never let one odd string stop a batch
        out = _NULL_ROW + ("unparsed",)
    if len(_CACHE) >= CACHE_MAX:
        _CACHE.clear()
    _CACHE[text] = out
    return out


def _resolve(text: str) -> tuple:
    raw = text.strip()
    if not raw:
        return _NULL_ROW + ("missing",)
    if _NATIONWIDE.match(raw):
        return _country_only("nationwide", raw)
    ix = _index()
    s = _CHINA_PREFIX.sub("", raw)
    parts = [p for p in _MULTI_SPLIT.split(s) if p.strip()]
    status = "resolved"
    prov, city, county, town, rest = _walk(ix, s)
    if prov is not None and len(parts) > 1:
        other = _walk(ix, parts[1])
        if other[0] is not None and (other[0], other[1]) != (prov, city):
            status = "multiple"
    if prov is None:
        if _FOREIGN.match(raw):
            return _NULL_ROW + ("foreign",)
        if _REMOTE.search(raw):
            return _country_only("remote", raw)
        if _UNSPECIFIED.search(raw):
            return _country_only("unspecified", raw)
        prov, city, county, town, rest = _fallback(ix, s)
    if prov is None:
        return _NULL_ROW + ("unparsed",)
    return _row(ix, prov, city, county, town, rest, status, raw)


def resolve_locations(values: list[str | None]) -> pl.DataFrame:
    """Distinct strings -> a frame with `location_key` and the location columns."""
    rows = [resolve_location(v) for v in values]
    cols = list(zip(*rows)) if rows else [[] for _ in LOCATION_OUTPUT_COLUMNS]
    data = {"location_key": values}
    for name, col in zip(LOCATION_OUTPUT_COLUMNS, cols):
        data[name] = list(col)
    return pl.DataFrame(data, schema={"location_key": pl.String, **{c: pl.String for c in LOCATION_OUTPUT_COLUMNS}})
