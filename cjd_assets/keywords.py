"""The study's AI keywords (Appendix D) found in a posting's title and body.

One row per (posting, keyword). English terms match case-insensitively from a word start; `AI` only
as a whole upper-case word. Word boundaries are ASCII ones (`(?-u:\\b)`): with Unicode boundaries
Chinese characters count as letters and `负责AI算法` would not contain the word AI.

Chinese has no word boundaries, so a term found inside a longer word that means something else (人机
in 无人机, a drone; 监督学习 in 无监督学习) is masked before that term is searched. The Rust regex engine
behind Polars has no look-behind, hence masking rather than a negative context in the pattern. Masks
beyond plain substrings are ours, not the study's: Adobe Illustrator next to other design software
(`PS、AI`), 机器人流程自动化 (RPA, software bots), Chinese "autonomous region" in English, 强化学习 as
"intensive study".

Every Appendix D Chinese term was read in context on the 111,999 real postings for its common non-AI
compounds (issue 13). Found and excluded: 自主性 is the applicant's self-motivation (自主性强, 学习能力及
自主性: all 30 real uses), so it counts as "autonomous" only when a machine is autonomous (系统的自主性,
机器人自主性), and English "autonomous" likewise only before a machine (autonomous driving, not "an
autonomous engineer" or "work autonomously"); 人机验证/人机识别/人机挑战 are captchas and bot checks,
and 人机 also splits as …人|机… (为人机灵, 机器人机身); 主题模型/主题建模 next to a data warehouse are its subject-area models
(数据仓库的主题模型设计, 主题建模、维度建模); 浏览器指纹识别 is browser fingerprinting against crawlers;
故障模式识别 is failure-mode analysis; 综合评价分析法 and 评论分析型文章 are an evaluation method and
commentary writing, not sentiment analysis. The other terms had no common false friend.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

KEYWORDS_VERSION = "keywords-2"

_B = r"(?-u:\b)"  # ASCII word boundary
_SEP = r"[\s\-‐–_]*"  # between English words: human-machine, human machine, human–machine
# design software that Adobe Illustrator ("AI") is listed with: 熟练使用PS、AI、CDR
_DESIGN_APPS = (r"(?:PS|Photoshop|PhotoShop|CDR|CorelDRAW|CorelDraw|Coreldraw|ID|InDesign|Indesign|C4D|AE|PR"
                r"|Sketch|Figma|XD|Illustrator|CAD|3DMAX|3D ?Max)")
_DESIGN_SEP = r"\s*[、/,，和及与+\s]\s*"


@dataclass(frozen=True)
class Keyword:
    en: str  # the study's English keyword (Table 4 spelling)
    zh: tuple[str, ...]  # Chinese terms of Appendix D
    en_pattern: str | None  # English regex (case-insensitive unless it says otherwise)
    masks: tuple[str, ...] = ()  # false friends: regexes masked before this keyword is searched

    @property
    def pattern(self) -> str:
        parts = list(self.zh)
        if self.en_pattern:
            parts.insert(0, self.en_pattern)
        return "|".join(parts)


# 自主性 of a machine: the system, robot, vehicle or agent is autonomous, not the applicant
_AUTONOMOUS_ZH = ("(?:系统|机器人|机器|无人|车辆|汽车|智能体|设备|飞行器|算法|AI|智能|驾驶|决策)"
                  "(?:的)?(?:高度|更高的?)?自主性")


# the same in English: "an autonomous engineer", "work autonomously" describe the applicant
_AUTONOMOUS_EN = (f"(?i:{_B}autonomous{_SEP}(?:driv|vehic|car|system|robot|navig|agent|mobil|truck|drone|"
                  "flight|machine|weapon|ship|vessel|aircraft|uav|agv|technolog|control|decision)[a-z]*)")


def _en(*words: str) -> str:
    """Case-insensitive English words from a word start; the last may continue (recog → recognition,
    network → networks), as the study's stems do."""
    return f"(?i:{_B}{_SEP.join(words)}[a-z]*)"  # [a-z]*: matched_term is the whole word


AI_KEYWORDS: tuple[Keyword, ...] = (
    Keyword("artificial intelligence", ("人工智能",), _en("artificial", "intelligence")),
    # \bAI\b: upper case, a whole ASCII word (not MAIL, AIR, CHAIN, AIX, AI5); not Adobe Illustrator
    Keyword("AI", (), f"{_B}AI{_B}", masks=(
        f"{_B}{_DESIGN_APPS}{_DESIGN_SEP}AI{_B}", f"{_B}AI{_DESIGN_SEP}{_DESIGN_APPS}{_B}",
        r"(?i:Illustrator)\s*[（(]\s*AI\s*[)）]", rf"(?i:Adobe)\s*AI{_B}",
    )),
    Keyword("machine learning", ("机器学习",), _en("machine", "learning")),
    Keyword("supervised learning", ("监督学习",), _en("supervised", "learning"), masks=(
        "无监督学习", "非监督学习", "半监督学习", "自监督学习", "弱监督学习",
        r"(?i:(?:un|semi|self|weakly|weak)[\s\-‐–]*supervised)",
    )),
    Keyword("unsupervised learning", ("无监督学习",), _en("unsupervised", "learning")),
    Keyword("reinforcement learning", ("强化学习",), _en("reinforcement", "learning"), masks=(
        # 强化 "intensify" + 学习 "study"
        "强化学习(?:培训|能力|意识|氛围|教育)", "(?:不断|持续|进一步|加强|注重)强化学习",
    )),
    Keyword("deep learning", ("深度学习", "深层学习"), _en("deep", "learning")),
    Keyword("neural network", ("神经网络",), _en("neural", "network")),
    Keyword("computer vision", ("计算机视觉",), _en("computer", "vision")),
    Keyword("natural language processing", ("自然语言处理",), _en("natural", "language", "processing")),
    Keyword("facial recognition", ("人脸识别", "面部识别", "面像识别", "面容识别", "面孔识别"),
            _en("facial", "recog")),
    Keyword("biometric", ("生物识别", "指纹识别"), _en("biometric"), masks=(
        "(?:浏览器|设备|终端|客户端|TLS|JA3|[Cc]anvas)指纹识别",  # fingerprinting a browser or device
    )),
    Keyword("robotics", ("机器人技术", "机器人"), _en("robotics"), masks=(
        "机器人流程自动化",  # RPA: software bots
        r"(?i:robotic\s+process\s+automation)",
    )),
    Keyword("augmented reality", ("增强现实",), _en("augmented", "reality")),
    # Appendix D's 自主性, but only of a machine: alone in a posting it is the applicant's self-motivation
    Keyword("autonomous", (_AUTONOMOUS_ZH,), _AUTONOMOUS_EN, masks=(
        r"(?i:autonomous\s+(?:region|prefecture|county|banner))",  # 自治区/州/县/旗
    )),
    Keyword("human machine", ("人机交互", "人机"), _en("human", "machine"), masks=(
        "无人机",  # drone
        # a word ending in 人 before a word starting with 机: 合伙人机会, 私人机构, 机器人机械臂, 工人机床
        "人机(?:会|构|遇|密|票|场|关|制|理|能|要|率|组|械|动|床|房|电|油|车|灵|身|器|型|台|位|具|务|舱)",
        "人机料",  # 人机料法环: man, machine, material, method, environment (quality management)
        "人机(?:验证|识别|挑战)",  # captchas and bot checks: telling people from scripts
    )),
    Keyword("learning algorithm", ("学习算法",), _en("learning", "algorithm")),
    Keyword("classification algorithm", ("分类算法",), _en("classification", "algorithm")),
    Keyword("image recognition", ("图像识别",), _en("image", "recog")),
    Keyword("data mining", ("数据挖掘",), _en("data", "mining")),
    Keyword("text mining", ("文本挖掘",), _en("text", "mining")),
    Keyword("topic model", ("主题建模", "主题模型"), _en("topic", "model"), masks=(
        # a data warehouse's subject-area models (数据仓库的主题模型设计, 主题建模、维度建模)
        "(?:数据仓库|数仓|数据仓)[^。；;\n]{0,20}主题(?:建模|模型)",
        "主题(?:建模|模型)[^。；;\n]{0,15}(?:维度建模|宽表|元数据|数仓|数据仓库)",
        "(?:数据|业务)主题(?:建模|模型)", "主题模型(?:建设|设计)",
    )),
    Keyword("sentiment analysis", ("情感分析", "评论分析", "评价分析"), _en("sentiment", "analys"), masks=(
        "(?:综合|合理|客观|科学|全面|准确)评价分析",  # 评价 "to evaluate": 综合评价分析法
        "评论分析(?:型|类)",  # commentary writing: 评论分析型文章
    )),
    Keyword("opinion mining", ("意见挖掘", "观点挖掘"), _en("opinion", "mining")),
    Keyword("pattern recognition", ("模式识别",), _en("pattern", "recog"), masks=(
        "(?:故障|失效|失败)模式识别",  # failure-mode analysis (FMEA)
    )),
)

_MASK = "\x00"
_ANY = "|".join(k.pattern for k in AI_KEYWORDS)

OUTPUT_SCHEMA = {"keyword_en": pl.String, "matched_term": pl.String, "in_title": pl.Boolean, "in_body": pl.Boolean}


def _find(text: pl.Expr, kw: Keyword) -> pl.Expr:
    """The first match of the keyword in `text`, after its false friends are masked; null if none."""
    for mask in kw.masks:
        text = text.str.replace_all(mask, _MASK)
    return text.str.extract(f"({kw.pattern})", 1)


def match_ai_keywords(df: pl.DataFrame) -> pl.DataFrame:
    """One row per (posting, Appendix D keyword) found in `title_extracted` or `body_extracted`.

    Columns: `id`, `keyword_en`, `matched_term` (the text matched, the title's first), `in_title`,
    `in_body`. Postings without any keyword give no row; the order is posting, then AI_KEYWORDS order.
    """
    frame = df.select(
        "id",
        pl.col("title_extracted").cast(pl.String).fill_null("").alias("_t"),
        pl.col("body_extracted").cast(pl.String).fill_null("").alias("_b"),
    ).with_row_index("_row")
    # one pass over every text for any term; the per-keyword passes only run on the postings it keeps
    frame = frame.filter(pl.col("_t").str.contains(_ANY) | pl.col("_b").str.contains(_ANY))
    if frame.height == 0:
        return pl.DataFrame(schema={"id": df.schema["id"], **OUTPUT_SCHEMA})
    found = frame.select(
        "_row", "id",
        *[
            pl.struct(
                _find(pl.col("_t"), kw).alias("t"), _find(pl.col("_b"), kw).alias("b")
            ).alias(str(i))
            for i, kw in enumerate(AI_KEYWORDS)
        ],
    )
    long = found.unpivot(index=["_row", "id"], variable_name="_k", value_name="m").unnest("m")
    names = pl.DataFrame({"_k": [str(i) for i in range(len(AI_KEYWORDS))],
                          "_order": list(range(len(AI_KEYWORDS))),
                          "keyword_en": [k.en for k in AI_KEYWORDS]})
    return (
        long.filter(pl.col("t").is_not_null() | pl.col("b").is_not_null())
        .join(names, on="_k")
        .sort("_row", "_order")
        .select(
            "id", "keyword_en",
            pl.coalesce("t", "b").alias("matched_term"),
            pl.col("t").is_not_null().alias("in_title"),
            pl.col("b").is_not_null().alias("in_body"),
        )
    )
