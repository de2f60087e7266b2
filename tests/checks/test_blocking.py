"""Each blocking check fails on its own injected fault, and only that check; a clean sample passes.

Faults are injected into a copy of the built sample warehouse's marts (the session fixture
``built_sample_warehouse``) and only the gate runs: no rebuild per fault.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from mtm.checks import gate, registry
from mtm.core import warehouse

Fault = Callable[[duckdb.DuckDBPyConnection], str]


def _one(con: duckdb.DuckDBPyConnection, sql: str) -> tuple:
    row = con.execute(sql).fetchone()
    assert row is not None, f"the sample has no row for: {sql}"
    return row


def rayon_shift(con: duckdb.DuckDBPyConnection) -> str:
    """+5 on one rayon, -5 on another rayon of the same oblast: oblast totals still add up."""
    oblast, group = _one(con, """
        select oblast_code, population_group from marts.rayon_population
        where round_id = 3 and persons >= 5 group by all having count(*) >= 2 order by all limit 1""")
    a, b = (r[0] for r in con.execute("""
        select rayon_code from marts.rayon_population where round_id = 3 and oblast_code = ?
        and population_group = ? and persons >= 5 order by rayon_code limit 2""", [oblast, group]).fetchall())
    con.execute("update marts.rayon_population set persons = persons + 5 where round_id = 3 "
                "and population_group = ? and rayon_code = ?", [group, a])
    con.execute("update marts.rayon_population set persons = persons - 5 where round_id = 3 "
                "and population_group = ? and rayon_code = ?", [group, b])
    return b


def oblast_shift(con: duckdb.DuckDBPyConnection) -> str:
    """+3 on one oblast, -3 on another: the national total still adds up."""
    group = _one(con, """select population_group from marts.oblast_population
        where round_id = 3 and persons >= 3 group by all having count(*) >= 2 order by all limit 1""")[0]
    a, b = (r[0] for r in con.execute("""select oblast_code from marts.oblast_population
        where round_id = 3 and population_group = ? and persons >= 3 order by oblast_code limit 2""",
                                      [group]).fetchall())
    con.execute("update marts.oblast_population set persons = persons + 3 where round_id = 3 "
                "and population_group = ? and oblast_code = ?", [group, a])
    con.execute("update marts.oblast_population set persons = persons - 3 where round_id = 3 "
                "and population_group = ? and oblast_code = ?", [group, b])
    return b


def national_internal(con: duckdb.DuckDBPyConnection) -> str:
    """The internal migrants' national total off by one (no breakdown table reads it)."""
    con.execute("update marts.national_population set persons = persons + 1 "
                "where round_id = 3 and population_group = 'internal_migrants'")
    return "internal_migrants"


def country_plus_two(con: duckdb.DuckDBPyConnection) -> str:
    group, country = _one(con, "select population_group, country_code from marts.population_by_country "
                               "where round_id = 3 order by persons desc limit 1")
    con.execute("update marts.population_by_country set persons = persons + 2 where round_id = 3 "
                "and population_group = ? and country_code = ?", [group, country])
    return group


def year_minus_one(con: duckdb.DuckDBPyConnection) -> str:
    group, year = _one(con, "select population_group, year from marts.population_by_year "
                            "where round_id = 2 and persons > 0 order by all limit 1")
    con.execute("update marts.population_by_year set persons = persons - 1 where round_id = 2 "
                "and population_group = ? and year = ?", [group, year])
    return group


def share_plus_half(con: duckdb.DuckDBPyConnection) -> str:
    group, oblast = _one(con, "select population_group, oblast_code from marts.oblast_population "
                              "where round_id = 3 and persons > 0 order by all limit 1")
    con.execute("update marts.oblast_population set pct_of_national = pct_of_national + 0.5 "
                "where round_id = 3 and population_group = ? and oblast_code = ?", [group, oblast])
    return "oblast_population"


def unknown_oblast(con: duckdb.DuckDBPyConnection) -> str:
    community = _one(con, "select min(community_id) from marts.communities where round_id = 3")[0]
    con.execute("update marts.communities set oblast_code = 'KG-X' where round_id = 3 and community_id = ?",
                [community])
    return community


def negative_households(con: duckdb.DuckDBPyConnection) -> str:
    community = _one(con, "select max(community_id) from marts.communities where round_id = 2")[0]
    con.execute("update marts.communities set households = -3 where round_id = 2 and community_id = ?",
                [community])
    return community


def mean_above_5(con: duckdb.DuckDBPyConnection) -> str:
    group, reason = _one(con, "select population_group, reason_code from marts.reason_scores "
                              "where round_id = 3 order by all limit 1")
    con.execute("update marts.reason_scores set mean_score = 5.5 where round_id = 3 "
                "and population_group = ? and reason_code = ?", [group, reason])
    return reason


FAULTS: dict[str, Fault] = {
    "totals_community_to_rayon": rayon_shift,
    "totals_rayon_to_oblast": oblast_shift,
    "totals_oblast_to_national": national_internal,
    "country_sums_to_national": country_plus_two,
    "year_sums_to_national": year_minus_one,
    "shares_add_to_100": share_plus_half,
    "communities_known_rayon_oblast": unknown_oblast,
    "counts_non_negative": negative_households,
    "reason_means_within_0_5": mean_above_5,
}


@pytest.fixture(scope="module")
def sample_working(built_sample_warehouse: warehouse.WarehousePaths) -> Path:
    """The built sample's working copy (read-only here: faults go into copies)."""
    return built_sample_warehouse.working


@pytest.fixture()
def sample_copy(sample_working: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "mtm.work.duckdb"
    shutil.copyfile(sample_working, copy)
    return copy


def test_every_blocking_check_has_a_fault() -> None:
    expected = {c.name for c in registry.BLOCKING if not c.reconcile_only}
    assert set(FAULTS) == expected


def test_clean_sample_passes_every_blocking_check(sample_copy: Path, gx_root: Path) -> None:
    outcome = gate.run_gate(sample_copy, reconcile=True, context_root=gx_root)
    assert outcome.blocking_failed == []
    per_check: dict[str, list] = {}
    for result in outcome.results:
        if result.severity == "blocking":
            per_check.setdefault(result.check_name, []).append(result)
    assert set(per_check) == {c.name for c in registry.BLOCKING}
    for name, results in per_check.items():
        rounds = {3} if name == "reconcile_published_figures" else {1, 2, 3}
        assert {r.round_id for r in results} == rounds, name
        assert all(r.status == "pass" and r.rows_checked > 0 for r in results), name
    assert outcome.data_docs is not None and outcome.data_docs.exists()
    with duckdb.connect(str(sample_copy), read_only=True) as con:
        stored = con.execute("select count(*) from quality.check_results where severity = 'blocking' "
                             "and status = 'pass'").fetchone()[0]
    assert stored == sum(len(r) for r in per_check.values())


@pytest.mark.parametrize("check_name", sorted(FAULTS))
def test_fault_fails_its_check_and_only_it(check_name: str, sample_copy: Path, gx_root: Path) -> None:
    with duckdb.connect(str(sample_copy)) as con:
        shown = FAULTS[check_name](con)
    outcome = gate.run_gate(sample_copy, context_root=gx_root, data_docs=False)
    assert outcome.blocking_failed == [check_name]
    failed = [r for r in outcome.results if r.check_name == check_name and r.status == "fail"]
    assert failed and all(r.offending for r in failed)
    assert shown in {str(v) for r in failed for row in r.offending for v in row.values.values()}
    with duckdb.connect(str(sample_copy), read_only=True) as con:
        stored = con.execute("select row_json from quality.offending_rows where check_name = ?",
                             [check_name]).fetchall()
    assert stored and any(shown in json.loads(r[0]).values() for r in stored)


def test_missing_mart_is_a_blocking_error(marts_copy: Path, gx_root: Path) -> None:
    with duckdb.connect(str(marts_copy)) as con:
        con.execute("drop table marts.reason_scores")
    outcome = gate.run_gate(marts_copy, context_root=gx_root, data_docs=False)
    # the two checks that read reason_scores cannot run: both block, saying why
    assert set(outcome.blocking_failed) == {"reason_means_within_0_5", "counts_non_negative"}
    for name in outcome.blocking_failed:
        error = next(r for r in outcome.results if r.check_name == name)
        assert error.status == "error" and "reason_scores" in error.message
