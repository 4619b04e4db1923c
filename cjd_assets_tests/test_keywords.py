"""AI keywords of Appendix D: every term, English case, \\bAI\\b and the Chinese false friends, real postings."""

from __future__ import annotations

import re

import polars as pl
import pytest

from cjd_assets.keywords import _AUTONOMOUS_ZH, AI_KEYWORDS, KEYWORDS_VERSION, match_ai_keywords


def _match(*bodies: str, title: str = "工程师") -> pl.DataFrame:
    return match_ai_keywords(pl.DataFrame({
        "id": list(range(len(bodies))), "title_extracted": [title] * len(bodies), "body_extracted": list(bodies),
    }))


def _keywords(body: str, title: str = "工程师") -> set[str]:
    return set(_match(body, title=title)["keyword_en"])


# Appendix D, term by term: (keyword_en, term)
# a term given as a pattern is tried on an example of it
EXAMPLES = {_AUTONOMOUS_ZH: "系统的自主性"}
TERMS = [(k.en, EXAMPLES.get(t, t)) for k in AI_KEYWORDS for t in k.zh] + [
    ("artificial intelligence", "Artificial Intelligence"), ("AI", "AI"), ("machine learning", "machine learning"),
    ("supervised learning", "supervised learning"), ("unsupervised learning", "unsupervised learning"),
    ("reinforcement learning", "Reinforcement Learning"), ("deep learning", "DEEP LEARNING"),
    ("neural network", "neural networks"), ("computer vision", "Computer Vision"),
    ("natural language processing", "natural language processing"), ("facial recognition", "facial recognition"),
    ("biometric", "biometrics"), ("robotics", "Robotics"), ("augmented reality", "augmented reality"),
    ("autonomous", "autonomous vehicles"), ("human machine", "human-machine"),
    ("learning algorithm", "learning algorithms"), ("classification algorithm", "classification algorithm"),
    ("image recognition", "image recognition"), ("data mining", "Data Mining"), ("text mining", "text mining"),
    ("topic model", "topic modeling"), ("sentiment analysis", "sentiment analysis"),
    ("opinion mining", "opinion mining"), ("pattern recognition", "Pattern Recognition"),
]


def test_keyword_list_is_appendix_d():
    assert KEYWORDS_VERSION
    assert len(AI_KEYWORDS) == 25
    assert sum(len(k.zh) for k in AI_KEYWORDS) == 36
    assert {k.en for k in AI_KEYWORDS} >= {  # Table 4 spellings
        "artificial intelligence", "machine learning", "deep learning", "robotics", "data mining",
        "learning algorithm", "computer vision", "pattern recognition", "human machine",
        "natural language processing", "autonomous", "facial recognition"}


@pytest.mark.parametrize(("keyword", "term"), TERMS)
def test_every_term_matches_its_keyword(keyword, term):
    got = _match(f"岗位职责：负责{term}相关工作。")
    assert keyword in set(got["keyword_en"])
    row = got.filter(pl.col("keyword_en") == keyword).row(0, named=True)
    assert row["matched_term"] == term
    assert (row["in_title"], row["in_body"]) == (False, True)
    # a term alone gives its own keyword only, except where one term holds another's
    extra = set(got["keyword_en"]) - {keyword}
    assert extra <= {"machine learning", "learning algorithm"}


def test_title_and_body_flags_and_one_row_per_keyword():
    got = _match("熟悉机器学习，深度学习；machine learning", title="机器学习工程师")
    assert got.rows() == [(0, "machine learning", "机器学习", True, True), (0, "deep learning", "深度学习", False, True)]
    assert _match("无关内容").height == 0
    assert _match("").columns == ["id", "keyword_en", "matched_term", "in_title", "in_body"]


@pytest.mark.parametrize("text", [
    "负责AI算法研发", "AI工程师", "the AI team", "AI/ML", "（AI）方向", "AI, big data", "人工智能AI", "AI-driven",
])
def test_ai_as_a_word(text):
    assert "AI" in _keywords(text)


@pytest.mark.parametrize("text", [
    "发送EMAIL", "MAIL服务器", "AIR", "CHAIN", "BLOCKCHAIN", "PAINT", "AIX系统管理", "AI5", "MAINTAIN", "ai",
    # Adobe Illustrator next to other design software
    "熟练使用PS、AI等设计软件", "熟练PS/AI/CDR", "精通AI、PS", "会使用Photoshop和AI", "Illustrator（AI）", "Adobe AI",
])
def test_ai_false_friends(text):
    assert "AI" not in _keywords(text)


@pytest.mark.parametrize(("text", "absent", "present"), [
    ("负责无人机飞控开发", "human machine", None),
    ("无人机与人机交互", None, "human machine"),
    ("提供合伙人机会", "human machine", None),
    ("私人机构", "human machine", None),
    ("机器人机械臂调试", "human machine", "robotics"),
    ("工人机床操作", "human machine", None),
    ("人机料法环", "human machine", None),
    ("人机界面开发", None, "human machine"),
    ("熟悉无监督学习", "supervised learning", "unsupervised learning"),
    ("半监督学习、自监督学习、弱监督学习、非监督学习", "supervised learning", None),
    ("有监督学习与无监督学习", None, "supervised learning"),
    ("semi-supervised learning, self-supervised learning", "supervised learning", None),
    ("unsupervised learning", "supervised learning", "unsupervised learning"),
    ("负责机器人流程自动化（RPA）", "robotics", None),
    ("robotic process automation", "robotics", None),
    ("扫地机器人算法", None, "robotics"),
    ("公司提供4个月的强化学习培训", "reinforcement learning", None),
    ("不断强化学习，提升能力", "reinforcement learning", None),
    ("深度学习、强化学习算法", None, "reinforcement learning"),
    # issue 13: common non-AI compounds of Appendix D's Chinese terms on the real postings
    ("有较强的自主性和工作规划能力", "autonomous", None),
    ("我们期待自主性强、结果导向的同学", "autonomous", None),
    ("有优秀的学习能力及自主性", "autonomous", None),
    ("提升自动驾驶系统的自主性", None, "autonomous"),
    ("针对日益复杂的风控及人机验证（如基于 AI 的验证码）", "human machine", None),
    ("业务人机挑战系统设计和开发", "human machine", None),
    ("为人机灵，能灵活处理问题", "human machine", None),
    ("负责开发服务机器人机身应用程序", "human machine", "robotics"),
    ("特别是在人机料方面的规划", "human machine", None),
    ("打造更高效的人机协作运营工具", None, "human machine"),
    ("参与分布式数据仓库的主题模型设计和宽表开发", "topic model", None),
    ("掌握主题建模、维度建模理论", "topic model", None),
    ("理解主题模型建设方法", "topic model", None),
    ("关键词提取、情感识别、主题模型等", None, "topic model"),
    ("验证码、限流以及浏览器指纹识别等问题", "biometric", None),
    ("负责指纹识别算法研究", None, "biometric"),
    ("电控失效分析；进行故障模式识别", "pattern recognition", None),
    ("图像处理、模式识别相关专业", None, "pattern recognition"),
    ("结构分析法、综合评价分析法、因素分析法", "sentiment analysis", None),
    ("能独立完成较为深度的评论分析型文章", "sentiment analysis", None),
    ("建立客户评价分析模型", None, "sentiment analysis"),
    ("Guangxi Zhuang Autonomous Region", "autonomous", None),
    ("If you're a creative and autonomous engineer", "autonomous", None),
    ("Can work autonomously to produce quality work", "autonomous", None),
    ("Autonomous and proactive attitude", "autonomous", None),
    ("path planning for autonomous driving", None, "autonomous"),
    ("autonomous vehicles", None, "autonomous"),
])
def test_chinese_and_english_false_friends(text, absent, present):
    got = _keywords(text)
    if absent:
        assert absent not in got
    if present:
        assert present in got


@pytest.fixture(scope="module")
def real_matches(real_postings) -> tuple[pl.DataFrame, pl.DataFrame]:
    df = real_postings.select(
        pl.col("uid").alias("id"), pl.col("title").alias("title_extracted"), pl.col("body").alias("body_extracted")
    )
    return df, match_ai_keywords(df)


def test_real_postings_counts(real_matches):
    _, m = real_matches
    assert m.height == 8_551
    assert m["id"].n_unique() == 5_401
    assert m.select(pl.struct("id", "keyword_en").is_unique().all()).item()
    per_keyword = dict(m.group_by("keyword_en").len().iter_rows())
    assert per_keyword == {
        "data mining": 2_479, "machine learning": 1_570, "AI": 910, "artificial intelligence": 764,
        "deep learning": 643, "learning algorithm": 533, "robotics": 446, "natural language processing": 261,
        "neural network": 176, "computer vision": 159, "facial recognition": 126, "image recognition": 112,
        "human machine": 91, "pattern recognition": 90, "autonomous": 12, "text mining": 51,
        "reinforcement learning": 39, "sentiment analysis": 29, "biometric": 18, "unsupervised learning": 14,
        "classification algorithm": 11, "supervised learning": 9, "topic model": 1, "augmented reality": 7,
    }
    assert (m["in_title"].sum(), m["in_body"].sum()) == (1_223, 7_680)
    # issue 13: the applicant's self-motivation and captchas are not AI keywords
    autonomous = m.filter(pl.col("keyword_en") == "autonomous")["matched_term"]
    assert not autonomous.str.contains("自主性|(?i:autonomously)").any()


def test_real_postings_agree_with_a_per_row_reference(real_matches):
    """Python `re` (which has look-behind) row by row, for \\bAI\\b and 人机, against the vectorized masks."""
    df, m = real_matches
    apps = r"(?:PS|Photoshop|PhotoShop|CDR|CorelDRAW|CorelDraw|Coreldraw|ID|InDesign|Indesign|C4D|AE|PR|Sketch|Figma|XD|Illustrator|CAD|3DMAX|3D ?Max)"
    sep = r"\s*[、/,，和及与+\s]\s*"
    ai = re.compile(r"(?<![A-Za-z0-9_])AI(?![A-Za-z0-9_])")
    illustrator = re.compile(
        rf"(?<![A-Za-z0-9_]){apps}{sep}AI(?![A-Za-z0-9_])|(?<![A-Za-z0-9_])AI{sep}{apps}(?![A-Za-z0-9_])"
        r"|(?i:Illustrator)\s*[（(]\s*AI\s*[)）]|(?i:Adobe)\s*AI(?![A-Za-z0-9_])")
    hm = re.compile(r"(?<!无)人机(?!会|构|遇|密|票|场|关|制|理|能|要|率|组|械|动|床|房|电|油|车|灵|身|器|型|台|位|具"
                    r"|务|舱|料|验证|识别|挑战)")
    ref_ai, ref_hm = set(), set()
    for pid, title, body in df.iter_rows():
        for text in (title or "", body or ""):
            if ai.search(illustrator.sub("\x00", text)):
                ref_ai.add(pid)
            if hm.search(text) or re.search(r"human[\s\-‐–_]*machine", text, re.I):
                ref_hm.add(pid)
    assert set(m.filter(pl.col("keyword_en") == "AI")["id"]) == ref_ai
    assert set(m.filter(pl.col("keyword_en") == "human machine")["id"]) == ref_hm
    # real drones are there, and none of them counts as human-machine on its own
    drones = set(df.filter(pl.col("body_extracted").str.contains("无人机"))["id"])
    assert len(drones) == 84
    assert len(drones - ref_hm) == 83
