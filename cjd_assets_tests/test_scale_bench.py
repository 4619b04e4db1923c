"""The real-shaped benchmark input (resampled real postings) and the trained-model cache."""

from __future__ import annotations

import types

import polars as pl
import pytest

from cjd_assets import model_cache
from cjd_assets.dedup import normalize_url
from cjd_assets.demo import resample


def _posting_keys(df: pl.DataFrame) -> pl.Series:
    """Dedup keys counted independently of the pipeline's SQL: the URL rule table's Python twin for rows
    with a URL, the whitespace-free content (board, company, title, location, pay, body) for the others."""
    url_keys = [normalize_url(u)[1] if u else None for u in df["url"].fill_null("").to_list()]

    def bare(c: str) -> pl.Expr:
        return pl.col(c).fill_null("").str.replace_all(r"\s", "")

    content = pl.concat_str([pl.col("source_board"), bare("company"), bare("title"),
                             bare("location_text").str.to_lowercase(), bare("salary_text").str.to_lowercase(),
                             bare("body")], separator="\x1f")
    return df.with_columns(pl.Series("k", url_keys)).select(pl.coalesce("k", content))["k"]


@pytest.mark.shared
def test_resampled_harvest_keeps_real_values_and_the_unique_share(real_postings):
    real = real_postings.sample(5000, seed=3)
    p = resample.plan(30_000, rows_per_file=10_000)
    files = [resample.harvest_file(real, p, f) for f in range(p.files)]
    df = pl.concat(files)
    assert df.height == 30_000 and df.columns == real.columns
    assert df["uid"].n_unique() == df.height  # every record has its own key, re-crawls included
    # The dedup keys the pipeline would use: unique share as planned, less the real file's own
    # duplicates that every copy carries along.
    real_share = _posting_keys(real).n_unique() / real.height
    share = _posting_keys(df).n_unique() / df.height
    assert share == pytest.approx(p.unique / p.harvested * real_share, abs=0.01)
    # Values as found: pay, place, education and the board are real values, in about their real shares.
    for col in ("salary_text", "location_text", "education_text", "source_board"):
        assert set(df[col].drop_nulls().unique()) <= set(real[col].drop_nulls().unique())
    boards = df["source_board"].value_counts(normalize=True).sort("source_board")
    real_boards = real["source_board"].value_counts(normalize=True).sort("source_board")
    assert (boards["proportion"] - real_boards["proportion"]).abs().max() < 0.03
    # A copy differs from its real row only in the posting's identity: a URL id, or a posting-number line.
    copies = df.filter(pl.col("uid").str.contains("-u") & ~pl.col("uid").str.contains("-r"))
    assert copies.height > 0
    base = copies.with_columns(pl.col("uid").str.replace(r"-u\d+$", "")).join(real, on="uid", suffix="_real")
    assert base.height == copies.height
    changed_url = base.filter(pl.col("url") != pl.col("url_real"))
    assert changed_url.height and all(normalize_url(a)[1] != normalize_url(b)[1]
                                      for a, b in changed_url.select("url", "url_real").iter_rows())
    same = base.filter(pl.col("url") == pl.col("url_real"))
    assert (same["body"].str.contains("职位编号：") | same["title"].str.contains("（编号")).all()
    assert (base["salary_text"].fill_null("") == base["salary_text_real"].fill_null("")).all()


def test_cached_model_retrains_only_when_its_inputs_change(tmp_path):
    trained = []

    def run(rows: pl.DataFrame, settings: dict, version: str = "v1", code=()):
        def train():
            trained.append(rows.height)
            return {"mean": rows["y"].mean()}

        return model_cache.cached(
            tmp_path, "m", rows, settings, version, train,
            lambda m, p: p.write_text(str(m["mean"])), lambda p: {"mean": float(p.read_text())}, code=code)

    rows = pl.DataFrame({"id": ["a", "b", "c"], "y": [1.0, 2.0, 6.0]})
    m, reused = run(rows, {"k": 1})
    assert (m["mean"], reused, len(trained)) == (3.0, False, 1)
    m, reused = run(rows.clone(), {"k": 1})  # same values: loaded, not trained
    assert (m["mean"], reused, len(trained)) == (3.0, True, 1)
    assert run(rows.with_columns(pl.Series("y", [1.0, 2.0, 9.0])), {"k": 1})[1] is False  # one value
    assert run(rows.reverse(), {"k": 1})[1] is False  # row order
    assert run(rows, {"k": 2})[1] is False  # a setting
    assert run(rows, {"k": 1}, version="v2")[1] is False  # the version string
    assert len(trained) == 5
    # a code change (the trainer's source) retrains without a version bump
    mod = types.ModuleType("fake_trainer")
    src = tmp_path / "fake_trainer.py"
    src.write_text("A = 1\n")
    mod.__file__ = str(src)
    assert run(rows, {"k": 1}, code=(mod,))[1] is False
    assert run(rows, {"k": 1}, code=(mod,))[1] is True
    src.write_text("A = 2\n")
    assert run(rows, {"k": 1}, code=(mod,))[1] is False
    # a damaged entry is trained again, not a crash
    entry = tmp_path / f"m-{model_cache.cache_key(rows, {'k': 1}, 'v1')}"
    assert (entry / "model").read_text() == "3.0"
    (entry / "model").write_text("not a number")
    before = len(trained)
    assert run(rows, {"k": 1})[1] is False and len(trained) == before + 1


def test_salary_predictions_only_for_new_changed_or_other_model_rows(tmp_path):
    from datetime import datetime, timezone

    from cjd_assets.salary import incremental as salary_incremental
    from cjd_assets import warehouse as wh

    class DoublingModel:
        """Predicts twice its input; records which ids it was asked about."""

        def __init__(self, version: str):
            self.version, self.seen = version, []

        def predict(self, df: pl.DataFrame) -> pl.DataFrame:
            self.seen += df["id"].to_list()
            return df.select("id", (pl.col("x") * 2.0).alias("salary_exact_monthly_value_pr"))

    now = datetime.now(timezone.utc)
    feats = "SELECT id, x FROM feats WHERE keep"
    with wh.connect(tmp_path / "w.duckdb") as con:
        con.execute("CREATE TABLE feats AS SELECT i::VARCHAR AS id, i::DOUBLE AS x, true AS keep FROM range(10) t(i)")
        m = DoublingModel("v1")
        assert salary_incremental.update_predictions(con, m, feats, None, now, batch_size=4) == 10
        assert salary_incremental.update_predictions(con, m, feats, None, now) == 0  # nothing changed: nothing predicted
        con.execute("UPDATE feats SET x = 100 WHERE id = '3'")
        con.execute("UPDATE feats SET keep = false WHERE id = '5'")
        con.execute("INSERT INTO feats VALUES ('10', 10, true)")
        m.seen.clear()
        assert salary_incremental.update_predictions(con, m, feats, None, now) == 2
        assert sorted(m.seen) == ["10", "3"]
        rows = dict(con.execute("SELECT id, salary_exact_monthly_value_pr FROM salary_predictions").fetchall())
        assert "5" not in rows and rows["3"] == 200.0 and rows["10"] == 20.0 and len(rows) == 10
        m2 = DoublingModel("v2")  # a new model predicts every row again
        assert salary_incremental.update_predictions(con, m2, feats, None, now) == 10
        assert con.execute("SELECT count(DISTINCT salary_model_version) FROM salary_predictions").fetchall()[0][0] == 1
