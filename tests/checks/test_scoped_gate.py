"""A gate that checks only the rounds changed since its last run gives the results of a full one.

The session's sample warehouse (rounds 1-3, built and gated with --reconcile) is copied; a new file
supersedes round 2's B2 load; the incremental build rebuilds round 2, and the gate checks rounds 2
and 3 (3: the checks across consecutive rounds) and keeps its stored results of round 1. Then a full
gate run on the same working copy must store the same results and offending rows, and a run with
nothing changed must keep them all.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from mtm.checks import gate
from mtm.core import warehouse
from mtm.pipeline import build, incremental
from tests.conftest import copy_warehouse, run_mtm

STORED = {
    "check_results": "check_name, severity, tool, title, round_id, status, rows_checked, offending_rows, message",
    "offending_rows": "check_name, round_id, row_number, community_id, problem, row_json",
}


def stored(working: Path) -> dict[str, list[tuple[object, ...]]]:
    """The gate's stored results (without the run id), sorted."""
    con = duckdb.connect(str(working), read_only=True)
    try:
        return {table: sorted(con.execute(f"select {columns} from quality.{table}").fetchall(), key=repr)
                for table, columns in STORED.items()}
    finally:
        con.close()


@pytest.fixture(scope="module")
def superseded(built_sample_warehouse: warehouse.WarehousePaths,
               tmp_path_factory: pytest.TempPathFactory) -> warehouse.WarehousePaths:
    """A copy of the sample warehouse whose round 2 B2 load a new file superseded, rebuilt by dbt."""
    root = tmp_path_factory.mktemp("scoped-gate")
    run_mtm("sample", "--round", "2", "--seed", "7", "--out", str(root / "round-2"))
    paths = copy_warehouse(built_sample_warehouse, root / "warehouse")
    run_mtm("load", str(next((root / "round-2").glob("*_b2.xlsx"))), "--round", "2",
            "--warehouse", str(paths.published))
    return paths


def test_scoped_gate_keeps_the_results_of_unchanged_rounds(superseded: warehouse.WarehousePaths,
                                                           gx_root: Path) -> None:
    plan = build.run_dbt_build(superseded.working)
    assert plan.changed_rounds == (2,) and not plan.full_refresh
    changed = incremental.gate_scope(superseded.working, plan, reconcile=True)
    assert changed == {2}
    before = stored(superseded.working)
    scoped = gate.run_gate(superseded.working, reconcile=True, context_root=gx_root, data_docs=False,
                           changed_rounds=changed)
    assert scoped.checked_rounds == [2, 3]
    after_scoped = stored(superseded.working)
    assert [r for r in after_scoped["check_results"] if r[4] == 1] == [r for r in before["check_results"] if r[4] == 1]
    assert after_scoped != before  # round 2's rows changed, and so did its results

    full = gate.run_gate(superseded.working, reconcile=True, context_root=gx_root, data_docs=False)
    assert full.checked_rounds == [1, 2, 3]
    assert stored(superseded.working) == after_scoped
    assert sorted(full.blocking_failed) == sorted(scoped.blocking_failed)

    unchanged = gate.run_gate(superseded.working, reconcile=True, context_root=gx_root, data_docs=False,
                              changed_rounds=set())
    assert unchanged.checked_rounds == [] and stored(superseded.working) == after_scoped
    assert sorted(unchanged.blocking_failed) == sorted(full.blocking_failed)
