"""The quality report: verdict first, load summary, failed checks with rows; offline in Chromium."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import duckdb
import pytest

from mtm import cli
from mtm.core import warehouse
from tests.browser import BrowserUnavailable, chromium_path, render


@pytest.fixture(scope="module")
def failed_build(built_sample_warehouse: warehouse.WarehousePaths,
                 tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """A copy of the sample whose working copy failed the gate (one rayon total raised by 7);
    nothing published. Returns the published path and the facts the report must show."""
    from mtm.checks import gate, gx_context

    root = tmp_path_factory.mktemp("failed")
    paths = warehouse.resolve(root / "mtm.duckdb")
    shutil.copyfile(built_sample_warehouse.working, paths.working)
    with duckdb.connect(str(paths.working)) as con:
        rayon, group, persons = con.execute(
            "select rayon_code, population_group, persons from marts.rayon_population "
            "where round_id = 3 order by persons desc limit 1").fetchone()
        con.execute("update marts.rayon_population set persons = persons + 7 where round_id = 3 "
                    "and rayon_code = ? and population_group = ?", [rayon, group])
        loads = con.execute("select file_name, file_sha256, personal_columns_dropped from raw.load_log "
                            "where round_id = 3 and status = 'loaded'").fetchall()
        other = con.execute("select file_name from raw.load_log where round_id = 1").fetchall()
    outcome = gate.run_gate(paths.working, context_root=gx_context.copy_context(root / "gx"), data_docs=False)
    assert outcome.blocking_failed == ["totals_community_to_rayon", "totals_rayon_to_oblast"]
    return {"published": paths.published, "rayon": rayon, "persons": persons, "loads": loads,
            "other_files": [r[0] for r in other]}


@pytest.fixture(scope="module")
def report(failed_build: dict[str, object], tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report") / "quality-round-3.html"
    code = cli.main(["--quiet", "report", "quality", "--round", "3", "--warehouse",
                     str(failed_build["published"]), "--out", str(out)])
    assert code == 0
    return out


def test_report_reads_the_working_copy_and_opens_with_the_verdict(report: Path,
                                                                  failed_build: dict[str, object]) -> None:
    text = report.read_text(encoding="utf-8")
    assert "NOT PUBLISHABLE" in text
    summary, call_back, technical, operator = (text.index(f'id="{s}"') for s in
                                               ("summary", "call-back", "technical", "operator"))
    assert summary < call_back < technical < operator
    assert "Community totals add up to rayon totals" in text[summary:call_back]
    assert text.index('id="data-gaps"') > operator  # the gap heatmap closes the report
    # the offending rayon is listed with both numbers in the folded technical detail
    failed_part = text[text.index('id="check-totals_community_to_rayon"'):operator]
    persons = int(failed_build["persons"])
    assert str(failed_build["rayon"]) in failed_part
    assert f">{persons + 7}<" in failed_part and f">{persons}<" in failed_part  # raw values


def test_load_summary_lists_files_hashes_and_personal_columns(report: Path,
                                                               failed_build: dict[str, object]) -> None:
    text = report.read_text(encoding="utf-8")
    loads = failed_build["loads"]
    assert loads
    for file_name, sha256, personal in loads:
        assert file_name in text and sha256 in text
        for column in json.loads(personal):
            assert column in text
    assert "Rows quarantined and why" in text[text.index('id="technical"'):]
    for other_round_file in failed_build["other_files"]:
        assert other_round_file not in text


def test_report_references_nothing_outside_the_file(report: Path) -> None:
    text = report.read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", text, re.IGNORECASE)
    assert "<script" not in text.lower()


def test_missing_warehouse_is_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["report", "quality", "--round", "3", "--warehouse", str(tmp_path / "none.duckdb"),
                     "--out", str(tmp_path / "q.html")])
    assert code == 2 and "none.duckdb" in capsys.readouterr().err


def test_unknown_round_is_bad_input(failed_build: dict[str, object], tmp_path: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["report", "quality", "--round", "9", "--warehouse", str(failed_build["published"]),
                     "--out", str(tmp_path / "q.html")])
    assert code == 2 and "round 9 was never loaded" in capsys.readouterr().err
    assert not (tmp_path / "q.html").exists()


def test_published_file_is_read_when_there_is_no_working_copy(failed_build: dict[str, object],
                                                              tmp_path: Path) -> None:
    published = tmp_path / "pub.duckdb"
    shutil.copyfile(Path(str(failed_build["published"])).with_name("mtm.work.duckdb"), published)
    out = tmp_path / "q.html"
    assert cli.main(["--quiet", "report", "quality", "--round", "3", "--warehouse", str(published),
                     "--out", str(out)]) == 0
    assert "pub.duckdb" in out.read_text(encoding="utf-8")


@pytest.mark.browser
@pytest.mark.skipif(chromium_path() is None, reason="chromium not installed (make browser)")
def test_report_renders_offline_in_chromium(report: Path, tmp_path: Path) -> None:
    result = render(report, tmp_path / "quality-report.png")
    assert result.requests and result.requests[0].startswith("file://")
    assert result.network_requests == []
    assert result.title == "Data quality, round 3: MTM Kyrgyzstan"
    assert result.screenshot.stat().st_size > 20_000  # a real page, not a blank one


@pytest.mark.browser
@pytest.mark.skipif(chromium_path() is None, reason="chromium not installed (make browser)")
def test_network_detector_sees_a_remote_request(tmp_path: Path) -> None:
    """The offline assertion above would catch a page that fetches something."""
    page = tmp_path / "remote.html"
    page.write_text('<!DOCTYPE html><title>remote</title><img src="http://192.0.2.1/x.png">'
                    '<link rel="stylesheet" href="https://example.invalid/a.css">', encoding="utf-8")
    try:
        result = render(page, tmp_path / "remote.png", timeout=20)
    except BrowserUnavailable:
        pytest.skip("chromium not installed")
    assert "http://192.0.2.1/x.png" in result.network_requests
    assert "https://example.invalid/a.css" in result.network_requests
