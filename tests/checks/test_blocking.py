"""Each blocking check fails on its own injected fault, and only that check; clean data passes."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from checks import gate, registry

# check -> (SQL injecting one fault into the clean marts, a value its offending rows must show)
FAULTS: dict[str, tuple[str, str]] = {
    "totals_community_to_rayon": (
        # +5 in one rayon, -5 in another rayon of the same oblast: the oblast total still adds up
        ("update marts.rayon_population set persons = persons + 5 where round_id = 3 "
         "and population_group = 'return_migrants' and rayon_code = 'bat_batken';"
         "update marts.rayon_population set persons = persons - 5 where round_id = 3 "
         "and population_group = 'return_migrants' and rayon_code = 'bat_kadamjay';"),
        "bat_kadamjay"),
    "totals_rayon_to_oblast": (
        ("update marts.oblast_population set persons = persons + 3 where round_id = 3 "
         "and population_group = 'return_migrants' and oblast_code = 'KG-B';"
         "update marts.oblast_population set persons = persons - 3 where round_id = 3 "
         "and population_group = 'return_migrants' and oblast_code = 'KG-C';"),
        "KG-C"),
    "totals_oblast_to_national": (
        ("update marts.national_population set persons = persons + 1 where round_id = 3 "
         "and population_group = 'internal_migrants';"),
        "internal_migrants"),
    "country_sums_to_national": (
        ("update marts.population_by_country set persons = persons + 2 where round_id = 3 "
         "and population_group = 'emigrants' and country_code = 'KAZ';"),
        "emigrants"),
    "year_sums_to_national": (
        ("update marts.population_by_year set persons = persons - 1 where round_id = 2 "
         "and population_group = 'return_migrants' and year = 2022;"),
        "return_migrants"),
    "shares_add_to_100": (
        ("update marts.oblast_population set pct_of_national = pct_of_national + 0.5 where round_id = 3 "
         "and population_group = 'return_migrants' and oblast_code = 'KG-B';"),
        "oblast_population"),
    "communities_known_rayon_oblast": (
        "update marts.communities set oblast_code = 'KG-X' where round_id = 3 and community_id = 'C00004';",
        "C00004"),
    "counts_non_negative": (
        "update marts.communities set households = -3 where round_id = 2 and community_id = 'C00002';",
        "C00002"),
    "reason_means_within_0_5": (
        "update marts.reason_scores set mean_score = 5.5 where round_id = 3 and population_group = 'emigrants';",
        "low_income"),
}


def _blocking_results(outcome: gate.GateOutcome) -> dict[str, list]:
    found: dict[str, list] = {}
    for result in outcome.results:
        if result.severity == "blocking":
            found.setdefault(result.check_name, []).append(result)
    return found


def test_every_blocking_check_has_a_fault() -> None:
    expected = {c.name for c in registry.BLOCKING if not c.reconcile_only}
    assert set(FAULTS) == expected


def test_clean_sample_passes_every_blocking_check(clean_marts: Path, gx_root: Path, tmp_path: Path) -> None:
    copy = tmp_path / "clean.duckdb"
    copy.write_bytes(clean_marts.read_bytes())
    outcome = gate.run_gate(copy, context_root=gx_root)
    assert outcome.blocking_failed == []
    results = _blocking_results(outcome)
    assert set(results) == {c.name for c in registry.BLOCKING if not c.reconcile_only}
    for name, per_round in results.items():
        assert {r.round_id for r in per_round} == {2, 3}, name
        assert all(r.status == "pass" and r.rows_checked > 0 for r in per_round), name
    assert outcome.data_docs is not None and outcome.data_docs.exists()
    with duckdb.connect(str(copy), read_only=True) as con:
        stored = con.execute("select count(*) from quality.check_results where severity = 'blocking' "
                             "and status = 'pass'").fetchone()[0]
        assert stored == 2 * len(results)
        assert con.execute("select count(*) from quality.gate_runs").fetchone()[0] == 1


@pytest.mark.parametrize("check_name", sorted(FAULTS))
def test_fault_fails_its_check_and_only_it(check_name: str, marts_copy: Path, gx_root: Path) -> None:
    sql, shown = FAULTS[check_name]
    with duckdb.connect(str(marts_copy)) as con:
        con.execute(sql)
    outcome = gate.run_gate(marts_copy, context_root=gx_root, data_docs=False)
    assert outcome.blocking_failed == [check_name]
    failed = [r for r in outcome.results if r.check_name == check_name and r.status == "fail"]
    assert failed and all(r.offending for r in failed)
    shown_values = {str(v) for r in failed for row in r.offending for v in row.values.values()}
    assert shown in shown_values
    with duckdb.connect(str(marts_copy), read_only=True) as con:
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
