"""Each field fault, injected into its own community of one raw fixture, raises exactly its warning.

The raw fixture is built once with the real dbt project (seeds, staging -> marts; dbt's own tests
are skipped here, they belong to the models' suite) and gated once.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from mtm.checks import gate, registry
from mtm.pipeline import build
from tests.models.raw_fixture import write_raw

sys.path.insert(0, str(Path(__file__).parent))
import field_fixture


@pytest.fixture(scope="module")
def field_outcome(tmp_path_factory: pytest.TempPathFactory, gx_root: Path) -> tuple[gate.GateOutcome, Path]:
    root = tmp_path_factory.mktemp("field")
    working = root / "mtm.work.duckdb"
    write_raw(working, field_fixture.loads())
    env = build.dbt_env(working) | {"DBT_TARGET_PATH": str(root / "target"), "DBT_LOG_PATH": str(root / "logs")}
    dbt = Path(sys.executable).with_name("dbt")
    done = subprocess.run([str(dbt), "build", "--exclude-resource-type", "test", "unit_test", "--quiet",
                           "--no-use-colors", "--project-dir", str(build.PROJECT_DIR),
                           "--profiles-dir", str(build.PROJECT_DIR)], env=env, cwd=build.PROJECT_DIR,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    return gate.run_gate(working, context_root=gx_root, data_docs=False), working


def _listed(outcome: gate.GateOutcome, check_name: str) -> set[str]:
    found = set()
    for result in outcome.results:
        if result.check_name == check_name:
            for row in result.offending:
                found.add(row.community_id or row.values.get("sheet_name"))
    return found


def test_every_warning_has_a_fault() -> None:
    assert set(field_fixture.EXPECTED) == {c.name for c in registry.WARNINGS}


def test_field_faults_do_not_block(field_outcome: tuple[gate.GateOutcome, Path]) -> None:
    outcome, _ = field_outcome
    assert outcome.blocking_failed == []
    assert [r.check_name for r in outcome.results if r.status == "error"] == []


@pytest.mark.parametrize("check_name", sorted(field_fixture.EXPECTED))
def test_warning_lists_exactly_its_community(check_name: str,
                                             field_outcome: tuple[gate.GateOutcome, Path]) -> None:
    outcome, _ = field_outcome
    assert _listed(outcome, check_name) == field_fixture.EXPECTED[check_name]
    assert check_name in outcome.warnings


def test_warning_rows_name_the_community_and_values(field_outcome: tuple[gate.GateOutcome, Path]) -> None:
    outcome, working = field_outcome
    stay = next(r for r in outcome.results if r.check_name == "stay_duration_vs_nationality" and r.offending)
    row = stay.offending[0].values
    assert (row["community_name"], row["rayon_code"]) == ("Village C00011", "chu_sokuluk")
    assert (row["persons_by_nationality"], row["persons_by_stay"]) == (10, 5)
    jump = next(r for r in outcome.results if r.check_name == "population_jumps" and r.offending)
    assert (jump.offending[0].values["previous_persons"], jump.offending[0].values["persons"]) == (5, 40)
    with duckdb.connect(str(working), read_only=True) as con:
        warned = con.execute("select count(distinct check_name) from quality.check_results "
                             "where status = 'warn'").fetchone()[0]
    assert warned == len(field_fixture.EXPECTED)
