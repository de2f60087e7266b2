"""A warehouse where only some sheets ever landed (no B1, no `int_out_dest` repeat) still builds:
the missing sheets read as empty, nothing else changes."""

from __future__ import annotations

import duckdb
import pytest

from tests.models import dbt_run, raw_fixture, tiny_round

pytestmark = pytest.mark.slow


def test_build_without_b1_and_a_repeat_sheet(tmp_path) -> None:
    project = dbt_run.copy_project(tmp_path / "project")
    database = tmp_path / "b2only.work.duckdb"
    raw_fixture.write_raw(database, [tiny_round.round3_b2()])
    con = duckdb.connect(str(database))
    for table in ("b1_main", "b1_villages", "b2_int_out_dest"):
        con.execute(f"drop table raw.{table}")
    con.close()
    result = dbt_run.dbt(project, database, "build", "--no-use-colors", "--resource-type", "seed",
                         "--resource-type", "model")
    assert result.returncode == 0, result.stdout[-5000:]
    con = duckdb.connect(str(database), read_only=True)
    try:
        national = dict(con.execute("select population_group, persons from marts.national_population").fetchall())
        assert national["internal_out_migrants"] == 0
        assert national["international_migrant_workers"] == 25
        assert con.execute("select count(*) from marts.b1_coverage").fetchall() == [(0,)]
    finally:
        con.close()
