"""The board's own occupation label (`board_occupation`) from the export and the saved pages, through
raw_postings and the dedup to the classifier's input. Expected values are computed here from the raw
`extra` JSON and page text (json.loads and str methods), not by the project's parsers."""

from __future__ import annotations

import json
import re

import duckdb
import numpy as np
import polars as pl
import pytest

from cjd_assets import dedup
from cjd_assets.harvest import parse_page, parse_pages, records_to_raw_pages
from cjd_assets.harvest.boards import parse_zhaopin_state
from cjd_assets.harvest.export_format import extra_fields, summarize_extra
from cjd_assets.schema import CLASSIFIER_INPUT_COLUMNS, EXTRACTED_COLUMNS


def _expected(source: str, extra: str | None, body: str | None) -> str | None:
    """The board label as a reader of PROVENANCE.md would take it from one export row."""
    d = json.loads(extra) if extra else {}
    d = d if isinstance(d, dict) else {}
    if d.get("job_type_l3"):  # Zhaopin: one occupation name
        return d["job_type_l3"].strip()
    if d.get("main_category") and d.get("sub_category"):  # BOSS: category / sub-category
        parts = [d["main_category"].strip(), d["sub_category"].strip()]
        return parts[0] if parts[0] == parts[1] else "/".join(parts)
    if d.get("job_category"):  # '技术#后端开发#Java', repeats dropped
        out: list[str] = []
        for p in re.split(r"#(?=[^/ ])", d["job_category"]):  # 'C#' ends a name
            if p.strip() and p.strip() not in out:
                out.append(p.strip())
        return "/".join(out)
    if body and "职能类别" in body:  # 51job page text: '职能类别：数据分析师微信分享'
        rest = body.rsplit("职能类别", 1)[1].lstrip(":： ").split("\n", 1)[0]
        for end in ("关键字", "微信分享", "工作地址", "上班地址"):
            rest = rest.split(end, 1)[0]
        return rest.strip() or None
    return None


@pytest.fixture(scope="module")
def sample(real_postings: pl.DataFrame) -> pl.DataFrame:
    """Up to 1,500 real rows of every board (and of each source that carries a label)."""
    return pl.concat([g.head(1500) for _, g in real_postings.group_by("source_board", "source_repo", maintain_order=True)])


@pytest.mark.shared
def test_export_rows_carry_the_boards_label(sample):
    pages = records_to_raw_pages(sample, "h-board", "postings.parquet")
    postings, quarantine = parse_pages(pages)
    assert postings.height + quarantine.height == sample.height  # no row lost
    assert "board_occupation" in postings.columns
    want = [_expected(s, e, b) for s, e, b in zip(sample["source_board"], sample["extra"], sample["body"])]
    want_by_page = dict(zip(pages["page_id"], want))
    mismatched = [(want_by_page[p], g) for p, g in zip(postings["page_id"], postings["board_occupation"])
                  if want_by_page[p] != g]
    assert not mismatched[:5], f"{len(mismatched)} rows differ, e.g. {mismatched[:5]}"
    by_board = {b: sum(1 for w, s in zip(want, sample["source_board"]) if w and s == b) for b in ("zhaopin", "boss", "51job", "unknown")}
    assert all(n > 100 for n in by_board.values()), by_board  # each labelling board is really exercised


@pytest.mark.shared
def test_the_label_reaches_the_deduplicated_postings(sample):
    postings, _ = parse_pages(records_to_raw_pages(sample.head(3000), "h-dedup", "postings.parquet"))
    con = duckdb.connect()
    arrow = postings.to_arrow()  # noqa: F841
    con.execute("CREATE TABLE raw_postings AS SELECT * FROM arrow")
    dedup.deduplicate(con)
    back = pl.from_arrow(con.sql("SELECT id, board_occupation FROM deduplicated_postings").to_arrow_table())
    assert back.height == postings.height
    assert dict(back.iter_rows()) == dict(zip(postings["id"], postings["board_occupation"]))
    assert back["board_occupation"].is_not_null().sum() > 0


@pytest.mark.shared
def test_51job_detail_pages_give_their_occupation_links(html_samples):
    for name in ("wzl1368611_51job_flask__detail_121597465.html", "wzl1368611_51job_flask__detail_122802043.html"):
        raw = (html_samples / "51job" / name).read_bytes()
        rec = parse_page(raw, "https://jobs.51job.com/nanjing/121597465.html", "51job")
        text = raw.decode("gbk")
        block = text.split("职能类别", 1)[1].split("</p>", 1)[0]
        links = re.findall(r"<a[^>]*>([^<]+)</a>", block)
        assert links and rec["board_occupation"] == " / ".join(links)
        assert "职能类别" not in (rec["body_extracted"] or "")  # the description stays as it was


@pytest.mark.shared
def test_zhaopin_detail_state_gives_its_occupation(html_samples):
    state = json.loads((html_samples / "zhaopin" / "MarshBear_boss_data__tmp.json").read_text(encoding="utf-8"))
    rec = parse_zhaopin_state(state, "https://jobs.zhaopin.com/CC1.htm")
    assert rec["board_occupation"] == state["jobInfo"]["jobDetail"]["detailedPosition"]["jobTypeLevelName"]


def test_pages_without_a_label_and_old_records_read_null():
    assert EXTRACTED_COLUMNS[-1] == "board_occupation"  # appended: the older columns keep their places
    # a raw_pages record written before the column existed (no key in its JSON) parses, with a null label
    from cjd_assets.harvest.raw import CODEC, compress, raw_pages_frame

    old = {c: None for c in EXTRACTED_COLUMNS if c != "board_occupation"} | {"title_extracted": "销售经理", "source": "zhaopin"}
    page = raw_pages_frame([{"page_id": "p1", "harvest_id": "h", "board": "zhaopin", "page_kind": "record",
                             "content": compress(json.dumps(old, ensure_ascii=False).encode()), "content_codec": CODEC,
                             "crawl_state": "fetched"}])
    postings, quarantine = parse_pages(page)
    assert quarantine.height == 0 and postings["board_occupation"].to_list() == [None]


def test_extra_occupation_keys_are_reported_as_mapped():
    rows = [json.dumps({"job_type_l3": "销售顾问", "welfare": "五险一金"}, ensure_ascii=False),
            json.dumps({"main_category": "产品", "sub_category": "产品经理"}, ensure_ascii=False),
            json.dumps({"job_category": "技术##后端开发#后端开发"}, ensure_ascii=False),
            json.dumps({"job_category": "技术#后端开发#C#"}, ensure_ascii=False), json.dumps({"job_type_l3": "C#"}),
            "{broken", None]
    assert extra_fields(pl.Series(rows, dtype=pl.String))["board_occupation"].to_list() == [
        "销售顾问", "产品/产品经理", "技术/后端开发", "技术/后端开发/C#", "C#", None, None]
    s = summarize_extra(rows)
    assert s["mapped"]["job_type_l3"] == {"to": "board_occupation", "rows": 2}
    assert "welfare" in s["left"]


@pytest.mark.shared
def test_classifier_input_carries_the_label(real_postings, shared):
    from cjd_assets.classify import load_annotations
    from cjd_assets.classify.fast import FastModel, FastParams
    from cjd_assets.classify.model import labels_to_index

    df = load_annotations([shared / "data" / "annotations" / "train.jsonl"], real_postings)
    assert set(CLASSIFIER_INPUT_COLUMNS) <= set(df.columns)
    by_uid = real_postings.select("uid", "source_board", "extra", "body").join(df.select("uid", "board_occupation"), on="uid")
    want = [_expected(s, e, b) for s, e, b in zip(by_uid["source_board"], by_uid["extra"], by_uid["body"])]
    assert by_uid["board_occupation"].to_list() == want
    assert sum(w is not None for w in want) > 500
    # the fast backend reads it: the same texts without it score differently where it was given
    train = df.filter(pl.col("split") == "train").head(800)
    m = FastModel(FastParams(oof_folds=0)).fit(train, labels_to_index(train["label"]), 5)
    test = df.filter((pl.col("split") == "test") & pl.col("board_occupation").is_not_null()).head(50)
    assert test.height == 50
    with_label = m.scores_df(test)
    without = m.scores_df(test.with_columns(pl.lit(None, pl.Utf8).alias("board_occupation")))
    # rows whose body has no 职能类别 lose the board view entirely without the column
    assert not np.allclose(with_label, without)


def test_annotation_texts_of_mixed_files_keep_every_label():
    # texts of an export (`extra`) beside an export-sample's texts (board_occupation column): both kept
    from cjd_assets.classify.annotations import texts_from_postings

    export = pl.DataFrame({"uid": ["1", "2"], "title": ["销售经理", "数据分析"], "body": ["", "……职能类别：数据分析师微信分享"],
                           "extra": [json.dumps({"job_type_l3": "销售团队经理"}, ensure_ascii=False), None]})
    sampled = pl.DataFrame({"uid": ["3"], "title": ["产品经理"], "body": [""], "board_occupation": ["产品/产品经理"]})
    t = texts_from_postings(pl.concat([export, sampled], how="diagonal_relaxed"))
    assert t["board_occupation"].to_list() == ["销售团队经理", "数据分析师", "产品/产品经理"]
