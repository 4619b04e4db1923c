"""A failed ERROR-severity asset check is never invisible: `cjd` names it (check, asset, what failed) on
the terminal, the report opens with it, and the command exits non-zero (issue 13, item 10)."""

from __future__ import annotations

import dagster as dg
import pytest

from cjd_assets import cli
from cjd_assets.definitions import build_definitions


def test_every_check_has_a_description():
    graph = build_definitions().resolve_asset_graph()
    keys = graph.asset_check_keys
    assert len(keys) >= 8
    for key in keys:
        assert (graph.get_check_spec(key).description or "").strip(), key


def test_failed_error_checks_are_listed_with_asset_and_what_failed():
    @dg.asset(check_specs=[dg.AssetCheckSpec("shares_in_range", asset="toy", description="shares in [0, 1]"),
                           dg.AssetCheckSpec("soft", asset="toy", description="a warning only")])
    def toy():
        return dg.MaterializeResult(check_results=[
            dg.AssetCheckResult(check_name="shares_in_range", passed=False, description="field x: 1.7",
                                metadata={"worst_field": "x"}),
            dg.AssetCheckResult(check_name="soft", passed=False, severity=dg.AssetCheckSeverity.WARN),
        ])

    result = dg.materialize([toy], raise_on_error=False)
    assert result.success  # a failed check does not fail the run: only the CLI's report of it can show it
    lines = cli._failed_error_checks(result)
    assert lines == ["shares_in_range on toy: field x: 1.7 [worst_field=x]"]


@pytest.mark.slow
def test_a_failed_error_check_makes_cjd_exit_non_zero(tmp_path, monkeypatch, capsys):
    from cjd_assets.assets import normalize as normalize_asset

    # Every variable `cjd demo` sets is registered here first, so it is restored after the test.
    for name in ("CJD_ANNOTATIONS", "CJD_ANNOTATION_TEXTS", "CJD_CRAWL_SEEDS", "CJD_CRAWL_PROXY", "CJD_CRAWL_RATE",
                 "CJD_CRAWL_CONCURRENCY"):
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)
    for name, sub in (("CJD_DATA_DIR", "data"), ("DAGSTER_HOME", "dagster_home"), ("CJD_LAKE_DIR", "lake"),
                      ("CJD_LANDING_DIR", "landing")):
        monkeypatch.setenv(name, str(tmp_path / sub))
    monkeypatch.setenv("CJD_DUCKDB", str(tmp_path / "cjd.duckdb"))
    monkeypatch.setenv("CJD_BOOTSTRAP", "20")
    # no share can be at most -1: the real check fails on the real demo data, as on the real postings
    monkeypatch.setattr(normalize_asset, "TABLE_C1_MAX_NULL_SHARE", -1.0)

    with pytest.raises(SystemExit) as exit_info:
        cli.main(["demo", "--postings", "60"])
    assert exit_info.value.code not in (0, None)
    out, err = capsys.readouterr()
    message = f"{err}\n{exit_info.value.code}"
    assert "table_c1_null_shares on normalized_postings" in message
    assert "desired_education_exact_level_norm" in message  # the fields it failed on are named
    assert "analysis_job: 1 ERROR check(s) FAILED" in out and "analysis_job: ok" not in out
    assert "Table 1" in out  # the outputs are still written and shown
    report = (tmp_path / "lake" / "report" / "report.html").read_text(encoding="utf-8")
    assert "Data checks: FAILED" in report
    assert "table_c1_null_shares" in report and "normalized_postings" in report
