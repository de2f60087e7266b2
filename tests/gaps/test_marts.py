"""The data-gap marts on the tiny hand-made workbook, with scores worked out by hand.

The gap models are built in a copy of the dbt project that holds only them, the macros, the gap
seeds and stand-ins for the BMA population marts (same model names as the real ones: the gap
models' ref()s are unchanged), each reading a tiny hand-made table. Then the dbt checks are shown
to fail on a corrupted matrix and scores.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from mtm.loaders.gaps import load_gap_workbook
from mtm.reports.gap_heatmap import render_gap_heatmap
from tests.gaps import tiny_workbook as tw

PROJECT = tw.PROJECT_DIR

# stand-in BMA marts: (table, columns, rows)
STANDINS: dict[str, tuple[str, list[tuple]]] = {
    "population_by_year": (
        "round_id integer, population_group varchar, year integer, persons bigint, is_partial_year boolean",
        [(1, "return_migrants", 2020, 10, False), (1, "return_migrants", 2021, 5, False),
         (1, "return_migrants", 2022, 7, True), (1, "emigrants", 2020, 0, False),
         (1, "emigrants", 2021, 60, False)]),
    "population_by_country": (
        "round_id integer, population_group varchar, country_code varchar, persons bigint",
        [(1, "return_migrants", "RUS", 20), (1, "return_migrants", "UNK", 2),
         (1, "emigrants", "RUS", 80), (1, "emigrants", "KAZ", 20)]),
    "oblast_population": (
        "round_id integer, population_group varchar, oblast_code varchar, persons bigint",
        [(1, "return_migrants", "KG-B", 22)]),
    "national_population": (
        "round_id integer, population_group varchar, persons bigint",
        [(1, "return_migrants", 22), (1, "emigrants", 100)]),
    "internal_migration": (
        "round_id integer, population_group varchar, reference_year integer, persons bigint",
        [(1, "internal_migrants", 2021, 30)]),
    "internal_migration_reasons": (
        "round_id integer, population_group varchar, reason_code varchar, persons bigint", []),
    "reason_scores": (
        "round_id integer, population_group varchar, reason_code varchar, communities_scoring bigint", []),
}


def _copy_project(dest: Path) -> None:
    for name in ("dbt_project.yml", "profiles.yml"):
        shutil.copy(PROJECT / name, dest / name)
    shutil.copytree(PROJECT / "macros", dest / "macros")
    (dest / "seeds").mkdir()
    for seed in (PROJECT / "seeds").glob("gap_*.csv"):
        shutil.copy(seed, dest / "seeds" / seed.name)
    shutil.copy(PROJECT / "seeds" / "_gap__seeds.yml", dest / "seeds" / "_gap__seeds.yml")
    for sub in ("staging/gap_analysis", "intermediate/gap_analysis", "marts/data_gaps"):
        shutil.copytree(PROJECT / "models" / sub, dest / "models" / sub)
    standins = dest / "models" / "marts" / "population"
    standins.mkdir(parents=True)
    for name in STANDINS:
        (standins / f"{name}.sql").write_text(f"select * from standin.{name}\n")


def _dbt(project: Path, working: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, MTM_DBT_PATH=str(working), DBT_TARGET_PATH=str(project / "target"),
               DBT_LOG_PATH=str(project / "logs"), DBT_SEND_ANONYMOUS_USAGE_STATS="false")
    dbt = Path(sys.executable).with_name("dbt")
    return subprocess.run([str(dbt), *args, "--project-dir", str(project), "--profiles-dir", str(project),
                           "--no-use-colors"], env=env, cwd=project, text=True, capture_output=True, check=False)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(project copy, working warehouse) with the tiny workbook loaded and the gap models built."""
    root = tmp_path_factory.mktemp("gapdbt")
    project = root / "project"
    project.mkdir()
    _copy_project(project)
    working = root / "w.work.duckdb"
    load_gap_workbook(tw.tiny_workbook(root), working)
    con = duckdb.connect(str(working))
    con.execute("create schema standin")
    for name, (columns, rows) in STANDINS.items():
        con.execute(f"create table standin.{name} ({columns})")
        if rows:
            marks = ", ".join("?" for _ in rows[0])
            con.executemany(f"insert into standin.{name} values ({marks})", rows)
    con.close()
    result = _dbt(project, working, "build")
    assert result.returncode == 0, result.stdout[-5000:]
    return project, working


def _query(working: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(working), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_matrix_has_every_row_once_with_source_counts(built) -> None:
    _, working = built
    rows = _query(working, "select thematic_area, indicator_code, year, status, source_count, report_silent, "
                           "nearest_evidence_year from marts.data_gap_matrix")
    assert len(rows) == len(tw.AVAILABILITY) == len({r[:3] for r in rows})
    by_key = {r[:3]: r[3:] for r in rows}
    assert by_key[("immigration", "stock_total", 2020)] == ("available", 2, False, None)
    assert by_key[("immigration", "flow_total", 2021)] == ("not_available", 0, True, 2020)
    assert by_key[("return_migration", "flow_country_of_return", 2020)] == ("not_available", 0, False, None)


def test_scores_are_the_hand_computed_ones(built) -> None:
    _, working = built
    rows = _query(working, "select thematic_area, year, indicators, available, partial, not_available, "
                           "coverage_score from marts.data_gap_scores")
    assert {(a, y): s for a, y, *_, s in rows} == pytest.approx(tw.EXPECTED_SCORES)
    immigration_2021 = next(r for r in rows if r[:2] == ("immigration", 2021))
    assert immigration_2021[2:6] == (2, 0, 1, 1)


def test_sources_count_their_citations(built) -> None:
    _, working = built
    rows = {(a, s): n for a, s, n in _query(
        working, "select thematic_area, source_id, indicator_years_cited from marts.data_gap_sources")}
    assert rows[("immigration", "nsc")] == 2 and rows[("immigration", "desa")] == 1
    assert rows[("return_migration", "survey")] == 1 and len(rows) == sum(map(len, tw.SOURCES.values()))


def test_mtm_coverage_is_computed_from_the_marts(built) -> None:
    _, working = built
    rows = _query(working, "select thematic_area, indicator_code, year, in_gap_analysis, status_published, "
                           "mtm_supplied, status_with_mtm, mtm_persons from marts.data_gap_mtm_coverage")
    by_key = {r[:3]: r[3:] for r in rows}
    assert by_key[("return_migration", "flow_total", 2020)] == (True, "partial", True, "available", 10)
    assert by_key[("return_migration", "flow_total", 2021)] == (True, "not_available", True, "available", 5)
    # by country: the years the round covers for the group; UNK does not count
    assert by_key[("return_migration", "flow_country_of_return", 2021)] == \
        (True, "not_available", True, "available", 20)
    # a year only the BMA covers
    assert by_key[("return_migration", "flow_total", 2022)] == (False, None, True, "available", 7)
    # emigrants: zero persons in 2020 is no supply; in 2021 the BMA's status (partial) does not beat partial
    assert by_key[("emigration", "stock_total", 2020)] == (True, "partial", False, "partial", None)
    assert by_key[("emigration", "stock_total", 2021)] == (True, "partial", True, "partial", 100)
    assert by_key[("immigration", "stock_total", 2020)][2] is False
    assert len(by_key) == len(rows)


def test_scores_with_mtm_are_the_hand_computed_ones(built) -> None:
    _, working = built
    rows = _query(working, "select thematic_area, year, coverage_score, coverage_score_with_mtm, "
                           "indicators_improved_by_mtm from marts.data_gap_mtm_scores")
    assert {(a, y): b for a, y, b, _, _ in rows} == pytest.approx(tw.EXPECTED_SCORES)
    assert {(a, y): w for a, y, _, w, _ in rows} == pytest.approx(tw.EXPECTED_WITH_MTM)
    improved = {(a, y): n for a, y, _, _, n in rows if n}
    assert improved == {("return_migration", 2020): 3, ("return_migration", 2021): 3}


def test_migration_estimates_put_published_and_bma_side_by_side(built) -> None:
    _, working = built
    rows = _query(working, "select concept, partner_country_code, reference_year, reference_period, "
                           "estimate_value, source_kind, round_id from marts.migration_estimates "
                           "order by concept, source_kind, partner_country_code nulls first, reference_year")
    emigrant_stock = [r for r in rows if r[0] == "emigrant_stock"]
    assert emigrant_stock == [
        ("emigrant_stock", None, 2021, "2020-2021", 100.0, "mtm_bma", 1),
        ("emigrant_stock", "RUS", 2021, "2020-2021", 80.0, "mtm_bma", 1),  # KAZ: no published estimate
        ("emigrant_stock", None, 2020, "2020", 500.0, "published", None),
        ("emigrant_stock", "RUS", 2020, "2020", 400.0, "published", None),
    ]
    flows = [(r[2], r[3], r[4]) for r in rows if r[0] == "return_migrant_flow"]
    assert flows == [(2020, "2020", 10.0), (2021, "2021", 5.0),
                     (2022, "2022 (part of the year, to the assessment)", 7.0)]
    assert [r[4] for r in rows if r[0] == "internal_migrant_flow"] == [30.0]
    assert len(rows) == 11


def test_heatmap_section_draws_every_area_and_year(built) -> None:
    _, working = built
    con = duckdb.connect(str(working), read_only=True)
    try:
        section = render_gap_heatmap(con)
    finally:
        con.close()
    assert section.count("<svg") == 2 and 'id="data-gaps"' in section
    assert "Return migration 2021: 100" in section and "Return migration 2021: 0" in section
    assert "http" not in section.replace("http://www.w3.org/2000/svg", "")


def test_dbt_checks_fail_on_a_broken_matrix_and_scores(built, tmp_path: Path) -> None:
    project, working = built
    broken = tmp_path / "broken.duckdb"
    shutil.copy(working, broken)
    con = duckdb.connect(str(broken))
    con.execute("delete from marts.data_gap_matrix where thematic_area = 'emigration' and year = 2021")
    con.execute("update marts.data_gap_matrix set status = 'mostly' "
                "where thematic_area = 'remittances' and year = 2020")
    con.execute("update marts.data_gap_scores set coverage_score = 99 "
                "where thematic_area = 'immigration' and year = 2020")
    con.close()
    result = _dbt(project, broken, "test", "--select", "data_gap_matrix", "data_gap_scores")
    assert result.returncode != 0
    results = json.loads((project / "target" / "run_results.json").read_text())["results"]
    failed = {r["unique_id"].split(".")[2] for r in results if r["status"] == "fail"}
    assert any(name.startswith("gap_matrix_complete") for name in failed)
    assert any(name.startswith("accepted_values_data_gap_matrix_status") for name in failed)
    assert any(name.startswith("gap_scores_match_matrix") for name in failed)


def test_heatmap_section_without_gap_marts_says_so() -> None:
    con = duckdb.connect()
    try:
        section = render_gap_heatmap(con)
    finally:
        con.close()
    assert 'id="data-gaps"' in section and "mtm load-gaps" in section and "<svg" not in section
