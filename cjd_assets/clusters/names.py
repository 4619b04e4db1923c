"""Company-name normalization, good enough to match employer lists.

`normalize_company_name` gives one canonical form per employer spelling: NFKC (full-width -> half-width,
（） -> ()), whitespace removed, Latin lower-cased, a branch/sub-unit tail dropped (…有限公司北京分公司,
…研究所青岛分所), legal-form suffixes dropped (有限公司, 股份有限公司, 有限责任公司, 公司, Co., Ltd.),
and brackets that only hold a place name dropped (航天精一（广东）信息科技 -> 航天精一信息科技).
Brackets holding anything else are kept: they are often an alias (SenseTime（商汤集团）) or part of
the name (大华（集团）), and `name_variants` exposes the alias for matching.
"""

from __future__ import annotations

import contextlib
import io
import re
import unicodedata
from functools import lru_cache

import polars as pl

_BRACKETS = str.maketrans({"【": "(", "】": ")", "〔": "(", "〕": ")", "[": "(", "]": ")", "{": "(", "}": ")",
                           "〈": "(", "〉": ")", "《": "", "》": "", "“": "", "”": "", '"': "", "'": ""})
_SPACE = re.compile(r"[\s\u3000\xa0]+")
_CN_DIGIT = "〇一二三四五六七八九十"
# 七一0 / 七一〇: postings mix the ASCII zero into Chinese numerals (中国船舶重工集团第七一0研究所)
_ZERO_IN_NUMERAL = re.compile(rf"(?<=[{_CN_DIGIT}])[0oO](?=[{_CN_DIGIT}]|研究)|(?<=第)[0oO](?=[{_CN_DIGIT}])")
_UNIT = r"(?:股份有限公司|有限责任公司|有限公司|公司|研究所|研究院|集团)"
# …有限公司福建分公司 / …研究所青岛分所 / …研究院华东分院 -> the parent (greedy: the unit nearest the
# branch, so …集团公司第二十二研究所青岛分所 keeps its institute)
_BRANCH = re.compile(rf"^(.+{_UNIT})[^()]{{0,16}}?(?:分公司|分所|分院|分部|分中心|分厂|办事处|营业部|分行|支行)$")
# 中国电子系统工程第二建设有限公司-十一公司: a dash-separated sub-unit
_DASH_UNIT = re.compile(rf"^(.+?{_UNIT})[-—–_·][^()]{{1,16}}$")
_LEGAL = re.compile(
    r"(?:股份有限公司|有限责任公司|有限公司|股份公司|责任公司|公司"
    r"|,?co\.?,?ltd\.?|,?co\.?,?limited|,?ltd\.?|,?limited|,?inc\.?|,?corp\.?|,?corporation|,?llc)$"
)
_TRIM = re.compile(r"^[\s\-—–_·.,;:|/]+|[\s\-—–_·.,;:|/]+$")
_PAREN = re.compile(r"\(([^()]*)\)")
_ADMIN_SUFFIX = re.compile(r"^[\u4e00-\u9fff]{1,8}(?:省|市|区|县|自治区|自治州|自治县|盟|旗|特别行政区)$")


@lru_cache(maxsize=1)
def place_names() -> frozenset[str]:
    """Province and prefecture names, full and short (广东省, 广东, 深圳市, 深圳), plus 中国, from jionlp."""
    with contextlib.redirect_stdout(io.StringIO()):  # jionlp prints a banner on import
        import jionlp as jio

        tree = jio.china_location_loader()
    names: set[str] = {"中国", "中国大陆", "大陆", "香港", "澳门", "台湾", "china"}
    for prov in tree.values():
        units = [prov] + [v for k, v in prov.items() if not k.startswith("_")]
        for unit in units:
            names.add(unit["_full_name"])
            alias = unit["_alias"]
            names.update(alias if isinstance(alias, list) else [alias])
    # one-character aliases would strip real name characters
    return frozenset(n for n in names if n and len(n) >= 2)


@lru_cache(maxsize=1)
def _leading_place() -> re.Pattern:
    alternatives = sorted(place_names(), key=len, reverse=True)
    return re.compile("^(?:" + "|".join(map(re.escape, alternatives)) + ")")


def is_place(text: str) -> bool:
    return text in place_names() or bool(_ADMIN_SUFFIX.match(text))


def _strip_legal(s: str) -> str:
    prev = None
    while prev != s:
        prev = s
        s = _LEGAL.sub("", s)
        s = _TRIM.sub("", s)
    return s


def normalize_company_name(name: str | None) -> str | None:
    """Canonical form of a company name for matching, or None for a missing/empty name."""
    if name is None:
        return None
    s = unicodedata.normalize("NFKC", name).translate(_BRACKETS)
    s = _SPACE.sub("", s).lower()
    s = _ZERO_IN_NUMERAL.sub("〇", s)
    s = _PAREN.sub(lambda m: "" if not m.group(1) or is_place(m.group(1)) else m.group(0), s)
    s = s.replace("()", "")
    for pattern in (_BRANCH, _DASH_UNIT):
        m = pattern.match(s)
        if m:
            s = m.group(1)
    s = _strip_legal(s)
    return s or None


def normalize_company_names(s: pl.Series) -> pl.Series:
    """`normalize_company_name` over a Series; each distinct name is normalized once."""
    uniq = s.drop_nulls().unique()
    mapping = {v: normalize_company_name(v) for v in uniq.to_list()}
    return s.replace_strict(mapping, default=None, return_dtype=pl.String).alias(s.name)


def name_variants(canonical: str | None) -> list[str]:
    """The strings employer rules are matched against: the canonical name, each bracketed alias
    (合肥低温电子研究所(中国电子科技集团公司第十六研究所) -> 中国电子科技集团第十六研究所), and each
    of those without a leading place name (杭州海康威视数字技术 -> 海康威视数字技术)."""
    if not canonical:
        return []
    out = [canonical]
    for inner in _PAREN.findall(canonical):
        alias = _strip_legal(inner)
        if alias:
            out.append(alias)
    lead = _leading_place()
    for v in list(out):
        stripped = _TRIM.sub("", lead.sub("", v, count=1))
        if stripped and stripped != v:
            out.append(stripped)
    return list(dict.fromkeys(out))
