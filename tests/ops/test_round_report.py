"""`mtm report round`: one offline HTML file with the round's figures from the marts."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import duckdb
import pytest

from mtm import cli
from mtm.reports import charts, html
from mtm.reports import round as round_report
from mtm.reports.i18n import Formats
from tests.browser import BrowserUnavailable, render
from tests.ops.marts_fixture import make_marts


@pytest.fixture(scope="module")
def warehouse_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_marts(tmp_path_factory.mktemp("round_report") / "mtm.duckdb", scale=7)


def page_text(path: Path) -> str:
    """The visible text of the page, tags stripped and whitespace collapsed."""
    raw = path.read_text(encoding="utf-8")
    raw = re.sub(r"<style.*?</style>", " ", raw, flags=re.DOTALL)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", raw)).split())


def expected_figures(db: Path, round_id: int) -> dict[str, str]:
    """The figures the page must show, read from the marts independently of the report code."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        totals = dict(con.execute("select population_group, persons from marts.national_population"
                                  " where round_id = ?", [round_id]).fetchall())
        (communities,) = con.execute("select count(*) from marts.communities where round_id = ?",
                                     [round_id]).fetchone()
        (informants,) = con.execute("select sum(informants) from marts.key_informants where round_id = ?",
                                    [round_id]).fetchone()
        top = con.execute("select country_name, pct_of_group from marts.population_by_country"
                          " where round_id = ? and population_group = 'emigrants' and rank = 1",
                          [round_id]).fetchone()
        households = con.execute("select sum(households) from marts.service_distance where round_id = ?"
                                 " and service_code = 'clinic'", [round_id]).fetchone()[0]
    finally:
        con.close()
    out = {group: f"{persons:,}" for group, persons in totals.items()}
    out.update(communities=f"{communities:,}", informants=f"{int(informants):,}",
               top_country=top[0], top_pct=f"{top[1]:.0f}%", clinic_households=f"{int(households):,}")
    return out


def test_report_shows_the_marts_figures(warehouse_file: Path, tmp_path: Path) -> None:
    out = round_report.render(warehouse_file, 3, tmp_path / "r.html")
    text = page_text(out)
    for name, value in expected_figures(warehouse_file, 3).items():
        assert value in text, (name, value)
    for heading in ("Summary of key findings", "Key informants by type and sex", "International mobility",
                    "Internal mobility", "Access to services", "Top five countries (% of persons)",
                    "Importance of each reason", "Distance to the nearest facility"):
        assert heading in text
    assert "partial year" in text  # the round's collection year is flagged, not compared
    assert "+25% on previous year" in text and "-13%" not in text  # a partial year is not compared


def test_report_is_one_offline_file(warehouse_file: Path, tmp_path: Path) -> None:
    out = round_report.render(warehouse_file, 2, tmp_path / "r2.html")
    raw = out.read_text(encoding="utf-8")
    assert "<script" not in raw.lower()
    assert not re.search(r'(src|href)\s*=\s*"(https?:)?//', raw)
    assert raw.count("<svg") == 8  # a map per population, annual trends per international one
    assert raw.count("class=\"area\"") == 5 * 9  # nine areas on each map


def test_unknown_round_and_missing_file(warehouse_file: Path, tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["--quiet", "report", "round", "--round", "9", "--warehouse", str(warehouse_file),
                     "--out", str(tmp_path / "x.html")])
    assert code == 2 and "round 9 is not in the warehouse" in capsys.readouterr().err
    assert not (tmp_path / "x.html").exists()
    code = cli.main(["--quiet", "report", "round", "--round", "3", "--warehouse", str(tmp_path / "no.duckdb"),
                     "--out", str(tmp_path / "x.html")])
    assert code == 2 and "no warehouse" in capsys.readouterr().err


def test_charts_escape_labels_and_scale() -> None:
    bars = charts.bars([("<b>x</b>", 10), ("y", 5)], Formats("en").pct)
    assert bars[0].width == pytest.approx(2 * bars[1].width) and bars[0].text == "10%"
    page = html.render("macros.html.j2", "en")  # the macros module renders nothing by itself
    assert page.strip() == ""
    drawn = html.environment("en").from_string(
        '{% import "macros.html.j2" as m %}{{ m.bars(b) }}').render(b=bars)
    assert "&lt;b&gt;x&lt;/b&gt;" in drawn and "<b>x" not in drawn
    fmt = Formats("en")
    assert fmt.pct(0.3) == "<1%" and fmt.pct(0.9) == "1%" and fmt.pct(56.6) == "57%"
    assert Formats("ru").int(34966) == "34\xa0966" and Formats("ru").score(4.25) in ("4,2", "4,3")


@pytest.mark.browser
def test_report_renders_in_chromium_without_network(warehouse_file: Path, tmp_path: Path) -> None:
    out = round_report.render(warehouse_file, 3, tmp_path / "r.html")
    try:
        result = render(out, tmp_path / "round-report.png")
    except BrowserUnavailable:
        pytest.skip("chromium not installed (make browser)")
    assert result.network_requests == []
    assert result.title.startswith("Kyrgyzstan: Baseline Mobility Assessment, round 3")
    assert result.height > 2000 and result.screenshot.stat().st_size > 50_000
