"""A non-editable install carries the named SQL: the files stay in the top-level sql/ and ship inside
the package (setup.py maps them to cjd_assets/sql), where the one loader finds them."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from cjd_assets.paths import REPO_ROOT


def test_an_installed_copy_loads_its_sql(tmp_path):
    pytest.importorskip("setuptools", reason="building the package needs setuptools (pip builds it offline)")
    src = tmp_path / "src"
    # a copy of what the build reads, so the build leaves nothing in the checkout
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    shutil.copytree(REPO_ROOT / "cjd_assets", src / "cjd_assets", ignore=ignore)
    shutil.copytree(REPO_ROOT / "sql", src / "sql", ignore=ignore)
    for name in ("pyproject.toml", "setup.py", "README.md"):
        shutil.copy2(REPO_ROOT / name, src / name)
    site = tmp_path / "site"
    build = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation", "--no-index",
         "--target", str(site), str(src)],
        capture_output=True, text=True, timeout=300)
    assert build.returncode == 0, build.stdout + build.stderr

    shipped = sorted(p.name for p in (site / "cjd_assets" / "sql").glob("*.sql"))
    assert shipped == sorted(p.name for p in (REPO_ROOT / "sql").glob("*.sql"))
    assert not (site / "cjd_assets_tests").exists()  # the tests do not ship

    # the installed copy, run from elsewhere, reads its own SQL and runs it (the dedup key of one URL)
    probe = ("import duckdb, cjd_assets.dedup as dd, cjd_assets.warehouse as wh; con = duckdb.connect(); "
             "con.execute(\"CREATE TABLE u AS SELECT 'https://jobs.51job.com/beijing/123456789.html?s=01' AS url\"); "
             "print(wh.__file__); print(wh.sql_dir()); print(con.sql(dd.url_keys_sql('u')).fetchall()[0][2])")
    env = {**os.environ, "PYTHONPATH": str(site)}
    run = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, env=env, capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0, run.stderr
    module, sql_dir, key = run.stdout.splitlines()
    assert module.startswith(str(site)) and sql_dir.startswith(str(site / "cjd_assets" / "sql"))
    assert key == "51job:123456789"
