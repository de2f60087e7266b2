"""Incremental builds by round equal a from-scratch build of the same loads, table by table.

One working copy goes through a sequence of loads and builds (round 1 and the gap workbook; a new
round 2 and a new file superseding round 1's B2; nothing changed; round 1's B2 reloaded from the
earlier file and a new round 3). After each incremental build, a copy of the same working copy is
rebuilt with ``--full-refresh`` and every relation dbt built (staging, intermediate, marts, seeds,
the quality views) is compared with it as a multiset of rows. The scoped gate is compared with a
full one in test_scoped_gate_keeps_the_results_of_unchanged_rounds.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from mtm.core import warehouse
from mtm.core.paths import FORMS_DIR_ENV, PROJECT_DIR
from mtm.pipeline import build, incremental
from mtm.sample import registry
from tests.conftest import GAP_WORKBOOK, copy_warehouse, run_mtm

COMPARED_SCHEMAS = ("staging", "intermediate", "marts", "seeds", "quality")
GATE_TABLES = ("gate_runs", "check_results", "offending_rows")  # the gate's results (not run here)


def relations(con: duckdb.DuckDBPyConnection, catalog: str) -> list[str]:
    """Every relation dbt built in an attached working copy, as schema.name."""
    rows = con.execute(
        "select table_schema, table_name from information_schema.tables"
        " where table_catalog = ? and table_schema in (select unnest(?)) order by 1, 2",
        [catalog, list(COMPARED_SCHEMAS)]).fetchall()
    return [f"{s}.{t}" for s, t in rows if not (s == "quality" and t in GATE_TABLES)]


def comparable_columns(con: duckdb.DuckDBPyConnection, name: str) -> str:
    """The select list that compares a relation's rows: doubles rounded to 9 decimals (a sum of
    doubles depends on the order DuckDB's threads add them: two full builds differ in the last bit)."""
    schema, table = name.split(".")
    rows = con.execute("select column_name, data_type from information_schema.columns"
                       " where table_catalog = 'ref' and table_schema = ? and table_name = ? order by ordinal_position",
                       [schema, table]).fetchall()
    return ", ".join(f'round("{c}", 9)' if t in ("DOUBLE", "FLOAT") else f'"{c}"' for c, t in rows)


def differences(incremental_db: Path, scratch_db: Path) -> dict[str, str]:
    """Per relation, how the incremental working copy differs from the from-scratch one."""
    con = duckdb.connect()
    try:
        con.execute(f"attach '{incremental_db}' as inc (read_only)")
        con.execute(f"attach '{scratch_db}' as ref (read_only)")
        found: dict[str, str] = {}
        inc, ref = relations(con, "inc"), relations(con, "ref")
        for name in sorted(set(inc) ^ set(ref)):
            found[name] = "only in " + ("the incremental build" if name in inc else "the from-scratch build")
        for name in sorted(set(inc) & set(ref)):
            columns = comparable_columns(con, name)
            extra, missing = (con.execute(
                f"select count(*) from (select {columns} from {a}.{name} except all select {columns} from {b}.{name})"
            ).fetchall()[0][0] for a, b in (("inc", "ref"), ("ref", "inc")))
            if extra or missing:
                found[name] = f"{extra} rows only in the incremental build, {missing} only from scratch"
        assert len(inc) > 60, inc  # the comparison saw the whole warehouse
        return found
    finally:
        con.close()


def rebuild_and_compare(paths: warehouse.WarehousePaths, scratch_dir: Path) -> incremental.BuildPlan:
    """Build ``paths`` incrementally (dbt build: models and the scoped tests), then every model of
    a copy from scratch (dbt run --full-refresh: the tests passed on the same rows in the
    incremental build), compare them, and return the incremental build's plan."""
    plan = build.run_dbt_build(paths.working)
    scratch_dir.mkdir(parents=True)
    scratch = warehouse.resolve(scratch_dir / paths.published.name)
    shutil.copy2(paths.working, scratch.working)
    result = build.run_dbt(scratch.working, "run", "--full-refresh", "--quiet", "--no-use-colors")
    assert result.returncode == 0, result.stdout[-3000:]
    assert differences(paths.working, scratch.working) == {}
    return plan


def load(paths: warehouse.WarehousePaths, round_id: int, *files: Path) -> None:
    run_mtm("load", *map(str, files), "--round", str(round_id), "--warehouse", str(paths.published))


@pytest.fixture(scope="module")
def second_round1_b2(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Another B2 export of round 1 (another seed): a new file that supersedes the first."""
    out = tmp_path_factory.mktemp("round1-again")
    run_mtm("sample", "--round", "1", "--seed", "7", "--out", str(out))
    return next(out.glob("*_b2.xlsx"))


@pytest.mark.builds
def test_incremental_builds_equal_builds_from_scratch(sample_exports: Path, second_round1_b2: Path,
                                                      tmp_path: Path) -> None:
    paths = warehouse.resolve(tmp_path / "inc" / "mtm.duckdb")
    exports = {r: sorted((sample_exports / f"round-{r}").iterdir()) for r in (1, 2, 3)}
    load(paths, 1, *exports[1])
    run_mtm("load-gaps", str(GAP_WORKBOOK), "--warehouse", str(paths.published))
    first = build.run_dbt_build(paths.working)
    assert first.full_refresh and first.reason == "no record of a previous build"

    load(paths, 2, *exports[2])  # a new round
    load(paths, 1, second_round1_b2)  # a new file supersedes round 1's B2 load
    assert rebuild_and_compare(paths, tmp_path / "after-round-2").changed_rounds == (1, 2)

    unchanged = build.run_dbt_build(paths.working)  # nothing changed: dbt does not run
    assert unchanged.up_to_date and not unchanged.full_refresh

    first_round1_b2 = next(p for p in exports[1] if p.name.endswith("_b2.xlsx"))
    load(paths, 1, first_round1_b2)  # the earlier file again: a reload, current once more
    load(paths, 3, *exports[3])  # a new round after the others (its pair with round 2 is new)
    assert rebuild_and_compare(paths, tmp_path / "after-round-3").changed_rounds == (1, 3)

    load(paths, 1, second_round1_b2)  # supersede round 1 again: no raw column is new this time
    again = rebuild_and_compare(paths, tmp_path / "after-round-1-again")
    assert again.changed_rounds == (1,) and not again.columns_added
    # the models' columns are known to be their tables': inserted by name, without comparing them
    assert again.dbt_environment() == {incremental.PLAN_ENV: "1", incremental.SAME_COLUMNS_ENV: "1"}


def mtm_with_forms(forms_dir: Path, *argv: str) -> None:
    """Run `mtm` in a child process whose round registry is ``forms_dir``'s (``$MTM_FORMS_DIR``):
    the forms are read afresh, as a data officer's next command would after registering a round."""
    env = {**os.environ, FORMS_DIR_ENV: str(forms_dir)}
    result = subprocess.run([sys.executable, "-m", "mtm.cli", "--quiet", *argv], env=env, cwd=PROJECT_DIR,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]


@pytest.mark.builds
def test_a_newly_registered_round_with_new_year_columns_builds_incrementally(
        built_sample_warehouse: warehouse.WarehousePaths, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Round 4 registered after rounds 1-3 were built: its first file adds raw columns (the per-year
    fields of its new reference year). The staging models they widen are refused by the incremental
    materialization (macros/materializations/incremental.sql) and rebuilt whole; the build still
    rebuilds round 4 only, and equals a build from scratch."""
    paths = copy_warehouse(built_sample_warehouse, tmp_path / "wh")
    forms_dir = registry.write_forms_dir(4, tmp_path / "forms")
    monkeypatch.setenv(FORMS_DIR_ENV, str(forms_dir))
    con = duckdb.connect(str(paths.working), read_only=True)
    try:
        columns_before = incremental.raw_columns(con)
    finally:
        con.close()
    mtm_with_forms(forms_dir, "sample", "--round", "4", "--out", str(tmp_path / "round-4"))
    mtm_with_forms(forms_dir, "load", *map(str, sorted((tmp_path / "round-4").iterdir())), "--round", "4",
                   "--warehouse", str(paths.published))
    con = duckdb.connect(str(paths.working), read_only=True)
    try:
        added = set(incremental.raw_columns(con).split("\n")) - set(columns_before.split("\n"))
    finally:
        con.close()
    assert any("2025" in c for c in added), added  # the new reference year's fields landed as new columns
    steps: list[str] = []
    monkeypatch.setattr(build.progress, "step", steps.append)
    plan = rebuild_and_compare(paths, tmp_path / "scratch")
    assert not plan.full_refresh and plan.changed_rounds == (4,) and plan.columns_added, plan.describe()
    assert incremental.SAME_COLUMNS_ENV not in plan.dbt_environment()  # the columns are compared
    widened = [s for s in steps if s.endswith("gain columns; rebuilt for every round")]
    assert len(widened) == 1 and "stg_kobo__b2_imw_nat" in widened[0], steps  # its per-year fields
