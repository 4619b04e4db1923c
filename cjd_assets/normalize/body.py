"""Body clean-up, language, and the snippets of the body that the field parsers can read when a field
was not extracted (the study filled education and experience from the description this way)."""

from __future__ import annotations

import polars as pl

# HTML left in some exports, entity escapes, odd blanks.
_LITERALS = (
    ["&nbsp;", "&amp;", "&lt;", "&gt;", "&quot;", "&#39;", "\r\n", "\r", "\t", "\u3000", "\xa0"],
    [" ", "&", "<", ">", '"', "'", "\n", "\n", " ", " ", " "],
)

# bodies matching this need body_norm_expr; the rest only need stripping
DIRTY = r"[<&\r\t\u3000\xa0]|  |\n[ \n]| \n|职能类别|关键字"


def body_norm_expr(body: pl.Expr) -> pl.Expr:
    # ASCII-only character classes after the literal pass: Unicode classes cost several times more
    b = body.cast(pl.String)
    b = b.str.replace_all(r"<br\s*/?>|<BR\s*/?>|</p>|</li>|</div>", "\n").str.replace_all(r"<[^<>]{1,200}>", "")
    b = b.str.replace_many(*_LITERALS)
    b = b.str.replace_all(r" *\n[ \n]*", "\n").str.replace_all(r" {2,}", " ")
    # 51job detail pages end with the category/keyword block and share buttons
    b = b.str.replace(r"\n(?:职能类别|关键字)[:：][\s\S]*", "")
    # a linear chain: referencing `b` twice would evaluate the whole chain twice (callers null out "")
    return b.str.strip_chars()


def language_expr(*texts: pl.Expr) -> pl.Expr:
    """'zh', 'en', 'bilingual' or null, from Han characters vs Latin words of the given texts.

    A Chinese posting naming tools (Python, C++) stays 'zh': about 1.5 Han characters count as one word,
    and a posting is bilingual when Latin words make up 30-85 % of the words (and there are at least
    5 Latin words and 6 Han characters, so "php工程师" stays Chinese). Han characters are
    counted from UTF-8 length (a CJK character is 3 bytes, 2 more than its 1 character) to skip a regex
    over every body; full-width punctuation counts too, which does not move the thresholds.
    """
    wide = pl.sum_horizontal([((t.str.len_bytes() - t.str.len_chars()).cast(pl.Float64) / 2.0).fill_null(0.0) for t in texts])
    lat = pl.sum_horizontal([t.str.count_matches(r"[A-Za-z]{2,}").fill_null(0).cast(pl.Float64) for t in texts])
    return pl.struct(wide.alias("h"), lat.alias("l")).map_batches(
        lambda st: _language_of(st.struct.field("h"), st.struct.field("l")), return_dtype=pl.String
    )


def _language_of(han: pl.Series, lat: pl.Series) -> pl.Series:
    h, lcol = pl.col("h"), pl.col("l")
    share = lcol / (h / 1.5 + lcol)
    return (
        pl.DataFrame({"h": han, "l": lat})
        .select(
            pl.when((h + lcol) == 0)
            .then(pl.lit(None, dtype=pl.String))
            .when((h == 0) | (share > 0.85))
            .then(pl.lit("en"))
            # a title like "php工程师" is Chinese: bilingual needs a few words of each
            .when((share >= 0.3) & (lcol >= 5) & (h >= 6))
            .then(pl.lit("bilingual"))
            .otherwise(pl.lit("zh"))
        )
        .to_series()
    )


# The first mention in the body, as a short string the field parsers understand.
_EDU = r"(学历不限|不限学历|博士|硕士|研究生|MBA|本科|大专|专科|高职|中专|中技|高中|初中)(及以上|以上|或以上)?"
_EXP = (
    r"(经验不限|无需经验|无经验要求|应届毕业生|应届生|"
    r"(?:\d+|[一二两三四五六七八九十]+)\s*(?:-|~|至|到)?\s*(?:\d+|[一二两三四五六七八九十]+)?\s*年(?:以上|及以上)?)"
    r"[^，。；;,\n]{0,15}?经验"
)
_EXP_EN = r"(?i)(\d+\s*\+?\s*(?:-\s*\d+\s*)?years?)(?: of)?(?: \w+){0,3} experience"
_SAL = (
    r"(?:薪资|薪酬|月薪|年薪|工资|待遇|salary)\s*(?:范围|待遇)?\s*[:：]?\s*"
    r"(\d+(?:\.\d+)?\s*[kK千万]?\s*(?:-|~|～|至|到)\s*\d+(?:\.\d+)?\s*[kK千万元]?(?:\s*/\s*[月年天])?)"
)
_LOC = r"(?:工作地点|工作地址|上班地点|办公地点|work location)\s*[:：]\s*([^\n，。；;]{2,40})"


def candidates(body: pl.Expr) -> dict[str, pl.Expr]:
    """Snippets from the body, one per field (null where the body has none)."""
    b = body.cast(pl.String)
    sal = b.str.extract(_SAL, 1)
    # keep 年薪 so the salary parser reads the snippet as annual pay
    sal = pl.when(b.str.contains(r"年薪\s*[:：]?\s*\d")).then(pl.concat_str([sal, pl.lit("/年")])).otherwise(sal)
    return {
        "education": b.str.extract(_EDU, 0),
        "experience": pl.coalesce(b.str.extract(_EXP, 0), b.str.extract(_EXP_EN, 0)),
        "salary": sal,
        "location": b.str.extract(_LOC, 1),
    }
