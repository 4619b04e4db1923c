"""The classifier's input text: title, company and the start of the body, cleaned the same way for every backend.

Besides the three extracted columns, the fast backend reads two derived views: `title_core` (the title
without the place, pay, headcount, perks and job codes boards put into it) and `board` (the board's own
occupation label: an optional `board_occupation` input column, else 51job's "职能类别：..." line, which
sits at the end of the body where the body view never reaches).
"""

from __future__ import annotations

import polars as pl

from cjd_assets.harvest.export_format import occupation_from_body
from cjd_assets.schema import CLASSIFIER_TEXT_COLUMNS

TITLE, COMPANY, BODY = CLASSIFIER_TEXT_COLUMNS[0], CLASSIFIER_TEXT_COLUMNS[1], CLASSIFIER_TEXT_COLUMNS[2]
# Optional input column: the board's occupation label (schema.EXTRACTED_COLUMNS; the export mapping fills
# it from Zhaopin job_type_l3, BOSS main/sub_category, ..., export_format.OCCUPATION_KEYS).
BOARD_OCCUPATION = "board_occupation"

# Place names boards append to titles ("测试专家-北京", "销售-杭州"): provinces, the largest cities and
# regions. Only stripped as a whole separated segment, so "北京大学" or "华东理工" inside a title stay.
_PLACES = (
    "北京|上海|天津|重庆|广州|深圳|杭州|南京|苏州|成都|武汉|西安|长沙|郑州|济南|青岛|合肥|福州|厦门|宁波|无锡|"
    "东莞|佛山|珠海|大连|沈阳|长春|哈尔滨|石家庄|太原|昆明|贵阳|南宁|南昌|海口|兰州|银川|西宁|乌鲁木齐|呼和浩特|"
    "拉萨|香港|澳门|台北|常州|南通|徐州|温州|绍兴|嘉兴|金华|台州|烟台|潍坊|惠州|中山|泉州|广东|江苏|浙江|山东|"
    "河南|河北|湖北|湖南|四川|福建|安徽|江西|辽宁|吉林|黑龙江|山西|陕西|云南|贵州|广西|海南|甘肃|青海|宁夏|新疆|"
    "西藏|内蒙古|全国|华东|华南|华北|华中|西南|西北|东北"
)
_SEP = r"[-—–|/·+_ ,，、]"
_TITLE_NOISE = [
    r"[（(【\[<《][^）)】\]>》]*[）)】\]>》]?",  # bracketed asides: place, perks, team, codes
    r"职位编号[:：]?\s*[0-9a-z]*",
    # pay: 7-14k, 6千-1.2万, 15000-20000元/月, 5k起, 底薪5500+, 月薪7200起
    r"\d+(?:\.\d+)?\s*[k千万w]?\s*[-~～至到]\s*\d+(?:\.\d+)?\s*[k千万w](?:/月|/年|元)?\+?",
    r"(?:无责任?)?(?:底薪|月薪|年薪|保底|综合薪资)\s*\d*(?:\.\d+)?[k千万w]?\+?起?",
    r"\d+(?:\.\d+)?[k千万w]\+?(?:起|以上)?",
    r"[0-9a-z]*\d{3,}[0-9a-z]*",  # job codes (J10315, G00123) and bare amounts (7500)
    # hiring slogans and perks; 招聘 itself is kept (招聘专员 is a job)
    r"急急急|急招|急聘|诚聘|直招|高薪|包吃住|包住|供宿|周末双休|双休|五险一金|六险一金|不加班|待遇好|[招聘]\d+人",
    # twice: two places in a row share the separator between them
    *[rf"(?:^|{_SEP})(?:{_PLACES})(?:市|省|office|地区|区域)?(?:$|{_SEP})"] * 2,
]


def _clean(col: str, max_chars: int | None) -> pl.Expr:
    e = pl.col(col).cast(pl.Utf8).fill_null("")
    if max_chars is not None:
        e = e.str.slice(0, 2 * max_chars + 20)  # cleaning long bodies whole would cost more than the model
    # NFKC folds full-width Latin (Ｊａｖａ) into ASCII so one n-gram covers both spellings
    e = e.str.normalize("NFKC").str.to_lowercase().str.replace_all(r"\s+", " ").str.strip_chars()
    if max_chars is not None:
        e = e.str.slice(0, max_chars)
    return e


def board_label(df: pl.DataFrame) -> pl.Expr:
    """The board's occupation label: `board_occupation` where the input has it, else 51job's 职能类别 line."""
    from_body = occupation_from_body(pl.col(BODY))
    e = from_body
    if BOARD_OCCUPATION in df.columns:
        given = pl.col(BOARD_OCCUPATION).cast(pl.Utf8).str.strip_chars()
        e = pl.when(given.is_not_null() & (given != "")).then(given).otherwise(from_body)
    return e.fill_null("").str.normalize("NFKC").str.to_lowercase().str.slice(0, 60)


def text_fields(df: pl.DataFrame, body_chars: int = 300, title_noise: bool = True) -> pl.DataFrame:
    """Cleaned title, company, body start (cut at `body_chars`), title_core and board, one row per input row.

    title_noise=False keeps the older title_core (brackets and long codes only stripped).
    """
    missing = [c for c in CLASSIFIER_TEXT_COLUMNS if c not in df.columns]
    if missing:
        raise ValueError(f"classifier input lacks columns {missing}")
    return df.select(
        _clean(TITLE, 200).alias("title"),
        _clean(COMPANY, 100).alias("company"),
        _clean(BODY, body_chars).alias("body"),
        board_label(df).alias("board"),
    ).with_columns(title_core("title", title_noise))


def title_core(col: str, strip_noise: bool = True) -> pl.Expr:
    """The title without bracketed asides, place, pay, headcount, perks and job codes, between ^ and $.

    Chinese job titles end in their head noun (销售经理 vs 销售代表), so n-grams that touch the end
    marker carry most of the category; the markers let the model see where the title starts and ends.
    Expects a cleaned (NFKC, lower-case) title.
    """
    core = pl.col(col)
    if not strip_noise:  # exactly the classify-2 title_core, for models saved before title_noise
        core = (core.str.replace_all(_TITLE_NOISE[0], " ").str.replace_all(r"[0-9a-z]*\d{3,}[0-9a-z]*", " ")
                .str.replace_all(r"\s+", " ").str.strip_chars(" -_/|·,，.。:："))
        return pl.concat_str([pl.lit("^"), core, pl.lit("$")]).alias("title_core")
    for pat in _TITLE_NOISE:
        core = core.str.replace_all(pat, " ")
    core = (
        # separators left around removed parts ("+" is not one: c++)
        core.str.replace_all(r"(?:\s*[-—–|/_,，、]\s*){2,}", " ")
        .str.replace_all(r"\s+", " ")
        .str.strip_chars(" -—–_/|·,，.。:：+、")
    )
    return pl.concat_str([pl.lit("^"), core, pl.lit("$")]).alias("title_core")


def joined_text(df: pl.DataFrame, body_chars: int = 500) -> list[str]:
    """One string per row for sequence models: title；company；body start."""
    f = text_fields(df, body_chars)
    return f.select(pl.concat_str(["title", "company", "body"], separator="；")).to_series().to_list()
