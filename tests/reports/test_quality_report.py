"""The quality report: verdict first, load summary, failed checks with rows; offline in Chromium."""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

import duckdb
import pytest

from mtm import cli
from tests.browser import BrowserUnavailable, chromium_path, render

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "checks"))
import marts_fixture

needs_chromium = pytest.mark.skipif(chromium_path() is None, reason="chromium not installed (make browser)")


@pytest.fixture(scope="module")
def failed_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse whose working copy failed the gate (a rayon total off by 7); nothing published."""
    from checks import gate, gx_context

    root = tmp_path_factory.mktemp("failed")
    published = root / "mtm.duckdb"
    working = marts_fixture.build(root / "mtm.work.duckdb")
    with duckdb.connect(str(working)) as con:
        con.execute("update marts.rayon_population set persons = persons + 7 where round_id = 3 "
                    "and rayon_code = 'chu_sokuluk' and population_group = 'emigrants'")
    outcome = gate.run_gate(working, context_root=gx_context.copy_context(root / "gx"), data_docs=False)
    assert "totals_community_to_rayon" in outcome.blocking_failed
    return published


@pytest.fixture(scope="module")
def report(failed_build: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report") / "quality-round-3.html"
    code = cli.main(["--quiet", "report", "quality", "--round", "3", "--warehouse", str(failed_build),
                     "--out", str(out)])
    assert code == 0
    return out


def test_report_reads_the_working_copy_and_opens_with_the_verdict(report: Path) -> None:
    text = report.read_text(encoding="utf-8")
    assert "NOT PUBLISHABLE" in text
    verdict, loads, failed = (text.index(s) for s in ("Verdict", "Load summary", "Failed blocking checks"))
    assert verdict < loads < failed
    assert "Community totals add up to rayon totals" in text
    # the offending rayon is listed with both numbers: 42 in the rayon table, 35 + 7 -> 49 vs 42
    failed_part = text[failed:]
    assert "chu_sokuluk" in failed_part and "49" in failed_part and "42" in failed_part


def test_load_summary_lists_files_hashes_rows_and_personal_columns(report: Path) -> None:
    text = report.read_text(encoding="utf-8")
    assert "bma_b2_round3.xlsx" in text
    assert "a3f1c2d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90" in text
    assert "ki/ki_phone" in text and "ki: 6" in text
    assert "header missing" in text  # the refused load says why
    assert "bma_b2_round2.xlsx" not in text  # another round's load


def test_report_references_nothing_outside_the_file(report: Path) -> None:
    text = report.read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", text, re.IGNORECASE)
    assert "<script" not in text.lower()


def test_missing_warehouse_is_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["report", "quality", "--round", "3", "--warehouse", str(tmp_path / "none.duckdb"),
                     "--out", str(tmp_path / "q.html")])
    assert code == 2 and "none.duckdb" in capsys.readouterr().err


def test_published_file_is_read_when_there_is_no_working_copy(failed_build: Path, tmp_path: Path) -> None:
    published = tmp_path / "pub.duckdb"
    shutil.copyfile(failed_build.with_name("mtm.work.duckdb"), published)
    out = tmp_path / "q.html"
    assert cli.main(["--quiet", "report", "quality", "--round", "3", "--warehouse", str(published),
                     "--out", str(out)]) == 0
    assert "pub.duckdb" in out.read_text(encoding="utf-8")


@needs_chromium
def test_report_renders_offline_in_chromium(report: Path, tmp_path: Path) -> None:
    result = render(report, tmp_path / "quality-report.png")
    assert result.requests and result.requests[0].startswith("file://")
    assert result.network_requests == []
    assert result.title == "Data quality, round 3: MTM Kyrgyzstan"
    assert result.screenshot.stat().st_size > 20_000  # a real page, not a blank one


@needs_chromium
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
