"""`cjd ingest` loses no row: Chinese file names, the same name with new content, identical copies and a
file cut short (then given whole) each end in the warehouse or, for the cut one, in `rejected/` with a reason."""

import os
import subprocess
import sys

import duckdb
import polars as pl
import pytest

from cjd_assets import cli

EXPORT_COLUMNS = ["uid", "source_board", "title", "company", "body", "salary_text", "location_text",
                  "education_text", "experience_text", "release_date_text", "url"]


def _files(real_postings, root):
    rows = real_postings.select(EXPORT_COLUMNS)
    liepin, zhilian, zhilian2, cut = rows.slice(0, 150), rows.slice(150, 120), rows.slice(270, 80), rows.slice(350, 20)
    for d in ("a", "b", "c", "d", "e"):
        (root / d).mkdir()
    liepin.write_csv(root / "a" / "猎聘.csv")
    zhilian.write_csv(root / "a" / "智联.csv")
    zhilian2.write_csv(root / "b" / "智联.csv")  # the next export, same name
    liepin.write_csv(root / "c" / "猎聘 副本.csv")  # the same bytes under another name
    text = cut.write_csv()
    # A copy that stopped 10 characters into the 13th body.
    (root / "d" / "导出.csv").write_text(text[: text.index(cut["body"][12][:30]) + 10], encoding="utf-8")
    (root / "e" / "导出.csv").write_text(text, encoding="utf-8")  # the whole file
    files = [root / "a" / "猎聘.csv", root / "a" / "智联.csv", root / "b" / "智联.csv", root / "c" / "猎聘 副本.csv",
             root / "d" / "导出.csv", root / "e" / "导出.csv"]
    return files, liepin.height + zhilian.height + zhilian2.height + cut.height


def _env(tmp):
    return {"CJD_DUCKDB": str(tmp / "cjd.duckdb"), "CJD_LAKE_DIR": str(tmp / "lake"),
            "CJD_LANDING_DIR": str(tmp / "landing"), "DAGSTER_HOME": str(tmp / "dagster_home")}


def _check_warehouse(tmp, expected):
    with duckdb.connect(str(tmp / "cjd.duckdb"), read_only=True) as con:
        n, parts = con.execute("SELECT count(*), count(DISTINCT harvest_id) FROM raw_postings").fetchall()[0]
        cut_bodies = con.execute("SELECT count(*) FROM raw_postings WHERE length(body_extracted) <= 10").fetchall()[0][0]
    assert (n, parts) == (expected, 4)
    assert cut_bodies == 0
    [reason] = (tmp / "landing" / "rejected").rglob("导出.csv.reason.txt")
    assert "incomplete" in reason.read_text(encoding="utf-8")


def test_ingest_keeps_every_row(real_postings, tmp_path, monkeypatch, capsys):
    """In process; the analysis stage after the harvests is left out (its own tests run it)."""
    files, expected = _files(real_postings, tmp_path)
    for k, v in _env(tmp_path).items():
        monkeypatch.setenv(k, v)
    real_run = cli._run
    monkeypatch.setattr(cli, "_run", lambda defs, job, instance, partition_key=None:
                        None if job == "analysis_job" else real_run(defs, job, instance, partition_key))
    monkeypatch.setattr(cli, "_print_outputs", lambda resources: None)
    with pytest.raises(SystemExit, match="not ingested: .*导出.csv"):
        cli.main(["ingest", *map(str, files)])
    out = capsys.readouterr().out
    assert "猎聘 副本.csv: same content as harvest file-猎聘.csv-" in out
    _check_warehouse(tmp_path, expected)
    assert all(f.exists() for f in files)  # the user's files stay where they were
    # Given again, nothing is ingested twice, and there is nothing to run.
    monkeypatch.setattr(cli, "_run", lambda *a, **k: pytest.fail("nothing to run"))
    cli.main(["ingest", str(files[0]), str(files[2])])
    assert "nothing new to ingest" in capsys.readouterr().out
    _check_warehouse(tmp_path, expected)


@pytest.mark.slow
def test_cjd_ingest_command(real_postings, shared, tmp_path):
    """The command as a user types it, analysis included; exit status 1 for the file cut short."""
    files, expected = _files(real_postings, tmp_path)
    # The classifier learns from 100 real labels per category: the command's path is the same as with all
    # 5,500, in a fraction of the time (the acceptance tests train on all of them).
    labels = pl.read_ndjson(shared / "data" / "annotations" / "train.jsonl")
    labels.filter(pl.int_range(pl.len()).over("label") < 100).write_ndjson(tmp_path / "labels.jsonl")
    env = {**os.environ, **_env(tmp_path), "CJD_BOOTSTRAP": "20", "CJD_ANNOTATIONS": str(tmp_path / "labels.jsonl")}
    proc = subprocess.run([sys.executable, "-m", "cjd_assets.cli", "ingest", *map(str, files)], env=env,
                          cwd=tmp_path, capture_output=True, text=True, timeout=1800)
    assert proc.returncode == 1, proc.stderr[-3000:]
    assert "not ingested:" in proc.stderr and "导出.csv" in proc.stderr
    _check_warehouse(tmp_path, expected)
    with duckdb.connect(str(tmp_path / "cjd.duckdb"), read_only=True) as con:
        primaries = con.execute("SELECT count(*) FROM deduplicated_postings").fetchall()[0][0]
    assert primaries == expected
    assert pl.read_csv(files[0]).height == 150
