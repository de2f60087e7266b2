"""Operations on the real pipeline's warehouse (sample rounds 1-3, built and published once per session):
the round report shows the published Round 3 figures, the round comparison adds up, every mart
exports, and `mtm docs` writes one offline page."""

from __future__ import annotations

import csv
import re
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pytest

from mtm.core import warehouse
from mtm.pipeline import docs
from mtm.publish import export
from mtm.reports import round as round_report
from tests.browser import BrowserUnavailable, render
from tests.conftest import copy_warehouse
from tests.ops.checkout import git_status

PROJECT = Path(__file__).resolve().parents[2]
FIGURES = PROJECT / "seeds" / "published_round3_figures.csv"


def published(dimension: str) -> list[dict[str, str]]:
    """Rows of the transcribed published-figures seed for one dimension."""
    with open(FIGURES, newline="", encoding="utf-8") as handle:
        return [r for r in csv.DictReader(handle) if r["dimension"] == dimension]


class Tables(HTMLParser):
    """Every <table> of a page as rows of cell texts, keyed by its class."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._current: list[list[str]] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self._current = self.tables.setdefault(dict(attrs).get("class") or "", [])
        elif tag == "tr" and self._current is not None:
            self._current.append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._current is not None:
            self._current[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "table":
            self._current = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def page_text(path: Path) -> str:
    raw = re.sub(r"<style.*?</style>", " ", path.read_text(encoding="utf-8"), flags=re.DOTALL)
    return " ".join(re.sub(r"<[^>]+>", " ", raw).split())


@pytest.fixture(scope="module")
def round3_report(built_sample_warehouse: warehouse.WarehousePaths,
                  tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("round_report") / "round-3.html"
    return round_report.render(built_sample_warehouse.published, 3, out)


def test_round_report_key_figures_are_the_published_ones(round3_report: Path) -> None:
    text = page_text(round3_report)
    expected = [*published("total"), *published("key_informants"), *published("communities_assessed"),
                *published("country_persons")]
    assert len(expected) == 8
    for row in expected:
        assert f"{int(float(row['value'])):,}" in text, row["figure_id"]


def test_round_report_distance_table_is_the_published_one(round3_report: Path) -> None:
    parser = Tables()
    parser.feed(round3_report.read_text(encoding="utf-8"))
    table = parser.tables["compact distance"]
    header, body = table[0], table[1:]
    con_labels = {"0-5 km": "0-5 KM", "6-10 km": "6-10 KM", "11-15 km": "11-15 KM", "16-20 km": "16-20 KM",
                  "21-25 km": "21-25 KM", "over 25 km": "Over 25 KM"}
    cells = {(row[0], header[i]): row[i] for row in body for i in range(1, len(row))}
    labels = {"clinic": "Clinic", "hospital": "Hospital", "market": "Market",
              "drinking_water": "Safe drinking water source", "school": "School",
              "employment_center": "Employment center", "bank_atm_post": "Bank, ATM or post office",
              "public_service_center": "Public service center"}
    rows = published("distance_band_households")
    assert len(rows) == 48
    for row in rows:
        service, band = row["key"].split("|")
        assert cells[(con_labels[band], labels[service])] == f"{int(float(row['value'])):,}", row["figure_id"]
    for row in published("distance_total_households"):
        assert cells[("Total households", labels[row["key"]])] == f"{int(float(row['value'])):,}"


def test_round_report_shares_and_scores_as_published(round3_report: Path) -> None:
    parser = Tables()
    parser.feed(round3_report.read_text(encoding="utf-8"))
    services = {r[0]: (r[1], r[2]) for r in parser.tables["compact services"][1:]}
    with_ = {r["key"]: r["value"] for r in published("service_pct_with")}
    assert services["Clinic"] == (f"{float(with_['clinic']):.0f}%", f"{100 - float(with_['clinic']):.0f}%")
    assert services["Hospital"][0] == f"{float(with_['hospital']):.0f}%"
    text = page_text(round3_report)
    for row in published("reason_mean"):
        assert f"{float(row['value']):.1f}" in text, row["figure_id"]
    for row in published("year_pct_change"):
        assert f"+{float(row['value']):.0f}% on previous year" in text, row["figure_id"]


@pytest.mark.browser
def test_round_report_in_chromium(round3_report: Path, tmp_path: Path) -> None:
    try:
        result = render(round3_report, tmp_path / "round-report.png")
    except BrowserUnavailable:
        pytest.skip("chromium not installed (make browser)")
    assert result.network_requests == []
    assert result.height > 4000


def test_round_comparison_adds_up_to_each_rounds_figures(
        built_sample_warehouse: warehouse.WarehousePaths) -> None:
    con = duckdb.connect(str(built_sample_warehouse.published), read_only=True)
    try:
        mismatches = con.execute("""
            with compared as (
                select round_id, previous_round_id, population_group, year,
                       sum(persons_previous_round) as previous_persons,
                       sum(persons_this_round) as this_persons
                from marts.round_comparison group by all
            )
            select compared.*, earlier.persons, latest.persons
            from compared
            left join marts.population_by_year earlier
              on earlier.round_id = compared.previous_round_id
             and earlier.population_group = compared.population_group and earlier.year = compared.year
            left join marts.population_by_year latest
              on latest.round_id = compared.round_id
             and latest.population_group = compared.population_group and latest.year = compared.year
            where earlier.persons is distinct from compared.previous_persons
               or latest.persons is distinct from compared.this_persons
        """).fetchall()
        pairs = con.execute("select distinct round_id, previous_round_id from marts.round_comparison"
                            " order by 1").fetchall()
        panel = {(r, s): n for r, s, n in con.execute(
            "select round_id, panel_status, count(*) from marts.round_panel group by all").fetchall()}
        communities = dict(con.execute("select round_id, count(*) from marts.communities group by 1").fetchall())
        years = con.execute("select distinct year from marts.round_comparison where round_id = 3"
                            " and population_group = 'return_migrants' order by 1").fetchall()
    finally:
        con.close()
    assert pairs == [(2, 1), (3, 2)]
    assert mismatches == []  # stayed+left sum to the earlier round, stayed+entered to the later one
    for round_id, previous in pairs:
        assert panel[(round_id, "stayed")] + panel[(round_id, "left")] == communities[previous]
        assert panel[(round_id, "stayed")] + panel[(round_id, "entered")] == communities[round_id]
        assert panel[(round_id, "entered")] > 0 and panel[(round_id, "left")] > 0
    assert [y for (y,) in years] == [2020, 2021, 2022, 2023]  # round 3 revises round 2's years


def test_every_public_mart_exports(built_sample_warehouse: warehouse.WarehousePaths, tmp_path: Path) -> None:
    files = export.export(built_sample_warehouse, "hxl", tmp_path, round_id=3)
    con = duckdb.connect(str(built_sample_warehouse.published), read_only=True)
    try:
        marts = export.public_marts(con)
        counts = {t: con.execute(f"select count(*) from marts.{t}"
                                 + (" where round_id = 3 or round_id is null"
                                    if "round_id" in [c for c, _ in export.columns_of(con, t)] else "")).fetchone()[0]
                  for t in marts}
    finally:
        con.close()
    assert {"communities", "national_population", "round_comparison", "data_gap_scores", "dim_oblasts"} <= set(marts)
    assert not {"flagged_answers", "quarantined_repeat_rows", "country_resolutions"} & set(marts)
    assert sorted(p.name.removesuffix(".hxl.csv") for p in files if p.name.endswith(".hxl.csv")) == marts
    for path in files[:-1]:
        with open(path, newline="", encoding="utf-8") as handle:
            rows = list(csv.reader(handle))
        assert all(tag.startswith("#") for tag in rows[1])
        assert len(rows) - 2 == counts[path.name.removesuffix(".hxl.csv")]
        assert not any(cell.startswith("'") for row in rows[2:] for cell in row)  # no spreadsheet guard in HXL


@pytest.mark.slow
def test_docs_is_one_offline_file(built_sample_warehouse: warehouse.WarehousePaths, tmp_path: Path) -> None:
    copy = copy_warehouse(built_sample_warehouse, tmp_path / "wh")
    before = git_status()
    page = docs.generate(copy, tmp_path / "docs")
    assert git_status() == before  # dbt's target and logs of `mtm docs` go to a temporary folder
    text = page.read_text(encoding="utf-8")
    assert page.name == "mtm-dbt-docs.html" and "round_comparison" in text and "national_population" in text
    assert "cloudfront" not in text
    try:
        result = render(page, tmp_path / "docs.png", timeout=60)
    except BrowserUnavailable:
        pytest.skip("chromium not installed (make browser)")
    assert result.network_requests == []
    assert result.title == "dbt Docs"
