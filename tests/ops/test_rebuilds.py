"""Rebuilding (issue 15): the working copy does not grow from build to build, dbt's parse survives a
change of warehouse, and a registry given by $MTM_FORMS_DIR reaches dbt without touching the checkout.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from mtm import cli
from mtm.core import warehouse
from mtm.core.paths import FORMS_DIR, FORMS_DIR_ENV, PROJECT_DIR
from mtm.pipeline import build, project
from mtm.publish import compact
from mtm.sample.registry import write_forms_dir
from tests.conftest import copy_warehouse

# compact() rewrites a file more than half free: the file stays below 1 / (1 - 0.5) of its live size
BOUND = 1 / (1 - compact.MAX_FREE_SHARE) + 0.05


def inventory(path: Path) -> dict[str, object]:
    """Every table with its rows and comment, every view with its columns, comments on columns."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = con.execute("select schema_name, table_name, comment from duckdb_tables() "
                             "where database_name = current_database() order by all").fetchall()
        rows = {f"{s}.{t}": con.execute(f'select count(*) from "{s}"."{t}"').fetchall()[0][0] for s, t, _ in tables}
        views = {f"{s}.{v}": [d[0] for d in con.execute(f'select * from "{s}"."{v}" limit 0').description]
                 for s, v in con.execute("select schema_name, view_name from duckdb_views() "
                                         "where database_name = current_database() and not internal").fetchall()}
        columns = con.execute("select schema_name, table_name, column_name, data_type, comment from duckdb_columns()"
                              " where database_name = current_database() order by all").fetchall()
    finally:
        con.close()
    return {"tables": tables, "rows": rows, "views": views, "columns": columns}


def use(path: Path) -> compact.FileUse:
    con = duckdb.connect()
    try:
        con.execute(f"attach '{path}' as w (read_only)")
        return compact.file_use(con, "w")
    finally:
        con.close()


def rewrite_like_a_build(path: Path) -> None:
    """What a dbt build does to the file: every model's table written anew, the old one dropped."""
    con = duckdb.connect(str(path))
    try:
        tables = con.execute("select schema_name, table_name from duckdb_tables() where database_name = "
                             "current_database() and schema_name in ('staging', 'intermediate', 'marts')").fetchall()
        for schema, table in tables:
            con.execute(f'create table "{schema}"."{table}__dbt_tmp" as select * from "{schema}"."{table}"')
            con.execute(f'drop table "{schema}"."{table}"')
            con.execute(f'alter table "{schema}"."{table}__dbt_tmp" rename to "{table}"')
    finally:
        con.close()


def test_rewrites_keep_the_working_copy_near_its_compact_size_and_lose_nothing(
        built_sample_warehouse: warehouse.WarehousePaths, tmp_path: Path) -> None:
    paths = copy_warehouse(built_sample_warehouse, tmp_path / "wh")
    before = inventory(paths.working)
    compact.compact(paths.working, force=True)
    compact_size = paths.working.stat().st_size
    assert inventory(paths.working) == before  # the compact rewrite keeps every object and row
    for _ in range(5):
        rewrite_like_a_build(paths.working)
        build.reclaim(paths.working)
        assert paths.working.stat().st_size <= BOUND * compact_size
    rewrite_like_a_build(paths.working)
    grown, rewritten = paths.working.stat().st_size, inventory(paths.working)
    assert use(paths.working).free_share > 0.1  # the rewrites leave free space behind ...
    assert compact.compact(paths.working, max_free_share=0.1) is not None  # ... which a rewrite gives back
    assert paths.working.stat().st_size < grown and paths.working.stat().st_size <= 1.05 * compact_size
    assert inventory(paths.working) == rewritten
    assert not paths.working.with_name(paths.working.name + ".compact").exists()


def test_a_real_rebuild_stays_within_the_bound(built_sample_warehouse: warehouse.WarehousePaths,
                                               tmp_path: Path) -> None:
    paths = copy_warehouse(built_sample_warehouse, tmp_path / "wh")
    compact.compact(paths.working, force=True)
    compact_size = paths.working.stat().st_size
    assert cli.main(["--quiet", "build", "--warehouse", str(paths.published)]) == 0
    assert paths.working.stat().st_size <= BOUND * compact_size
    con = duckdb.connect(str(paths.published), read_only=True)
    assert con.execute("select count(*) from marts.communities").fetchall()[0][0] > 0
    con.close()


def test_a_working_copy_in_use_is_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "x.work.duckdb"
    con = duckdb.connect(str(path))
    con.execute("create table t as select range as i, md5(range::varchar) as s from range(600000)")
    con.execute("create table kept as select range as i, md5(range::varchar) as s from range(200000)")
    con.execute("checkpoint")
    con.execute("drop table t")  # its blocks, before kept's, stay in the file as free space
    con.execute("checkpoint")
    con.close()
    holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
                               "print('held', flush=True); time.sleep(60)", str(path)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        size = path.stat().st_size
        assert compact.compact(path, force=True) is None  # another process writes it: not now
        assert path.stat().st_size == size
    finally:
        holder.kill()
        holder.wait()
    assert use(path).free_share > compact.MAX_FREE_SHARE
    assert compact.compact(path) is not None
    assert path.stat().st_size < size


def _dbt_log_since(working: Path, offset: int) -> str:
    log = warehouse.runtime_dir_of(working) / "dbt-logs" / "dbt.log"
    return log.read_text(errors="replace")[offset:] if log.exists() else ""


def test_another_warehouse_keeps_dbts_parse(built_sample_warehouse: warehouse.WarehousePaths,
                                            tmp_path: Path) -> None:
    """The session's build saved dbt's parse state; a new warehouse folder reuses it (dbt's own log
    says so), and its profile names the working copy relative to the folder dbt runs in."""
    shared = project.parse_state_file(built_sample_warehouse.working)
    assert shared.exists()
    other = warehouse.resolve(tmp_path / "elsewhere" / built_sample_warehouse.published.name)
    other.working.parent.mkdir(parents=True)
    result = build.run_dbt(other.working, "parse", "--no-use-colors")
    assert result.returncode == 0, result.stdout[-3000:]
    log = _dbt_log_since(other.working, 0)
    assert re.search(r"Partial parsing enabled", log), log[-3000:]
    assert "Unable to do partial parsing" not in log
    assert not (PROJECT_DIR / other.working.name).exists()  # dbt ran in the warehouse's folder


@pytest.mark.parametrize("limit", ["5GB", "2GB"])
def test_another_memory_limit_keeps_dbts_parse(built_sample_warehouse: warehouse.WarehousePaths,
                                               tmp_path: Path, monkeypatch: pytest.MonkeyPatch, limit: str) -> None:
    """``$MTM_MEMORY_LIMIT`` reaches DuckDB when a run starts, not through the profile: a build with
    another limit (twice in a row, two limits) keeps dbt's parse."""
    monkeypatch.setenv(warehouse.MEMORY_LIMIT_ENV, limit)
    other = warehouse.resolve(tmp_path / "limited" / built_sample_warehouse.published.name)
    other.working.parent.mkdir(parents=True)
    result = build.run_dbt(other.working, "parse", "--no-use-colors")
    assert result.returncode == 0, result.stdout[-3000:]
    log = _dbt_log_since(other.working, 0)
    assert "Partial parsing enabled" in log and "Unable to do partial parsing" not in log, log[-3000:]


def test_a_registry_in_mtm_forms_dir_reaches_dbt_through_an_overlay(tmp_path: Path, monkeypatch) -> None:
    assert project.dbt_project_dir(tmp_path / "rt") == PROJECT_DIR  # no override: the checkout
    forms_dir = write_forms_dir(5, tmp_path / "forms")
    monkeypatch.setenv(FORMS_DIR_ENV, str(forms_dir))
    overlay = project.dbt_project_dir(tmp_path / "rt")
    assert overlay != PROJECT_DIR
    assert (overlay / "seeds" / "rounds.csv").resolve() == (forms_dir / "settings.csv").resolve()
    assert (overlay / "models").resolve() == (PROJECT_DIR / "models").resolve()
    seeds = {p.name for p in (PROJECT_DIR / "seeds").iterdir()}
    assert {p.name for p in (overlay / "seeds").iterdir()} == seeds
    assert (PROJECT_DIR / "seeds" / "rounds.csv").resolve() == (FORMS_DIR / "settings.csv").resolve()
    assert project.dbt_project_dir(tmp_path / "rt") == overlay  # made once, then reused
    monkeypatch.setenv(FORMS_DIR_ENV, str(FORMS_DIR))
    assert project.dbt_project_dir(tmp_path / "rt") == PROJECT_DIR


def test_an_overlay_copied_with_its_links_followed_is_made_of_links_again(tmp_path: Path, monkeypatch) -> None:
    """A warehouse folder copied by a tool that follows links (``shutil.copytree``, ``cp -rL``) has
    real folders where the overlay had links; the next build puts the links back."""
    monkeypatch.setenv(FORMS_DIR_ENV, str(write_forms_dir(4, tmp_path / "forms")))
    overlay = project.dbt_project_dir(tmp_path / "rt")
    copied = tmp_path / "copy" / "rt"
    shutil.copytree(tmp_path / "rt", copied)  # follows the links
    assert (copied / "dbt-project" / "models").is_dir() and not (copied / "dbt-project" / "models").is_symlink()
    again = project.dbt_project_dir(copied)
    assert (again / "models").is_symlink() and (again / "models").resolve() == (PROJECT_DIR / "models").resolve()
    assert (again / "seeds" / "rounds.csv").resolve() == (overlay / "seeds" / "rounds.csv").resolve()


@pytest.mark.parametrize("rounds", [5])
def test_a_build_with_the_overlay_knows_the_extra_rounds(tmp_path: Path, monkeypatch, rounds: int) -> None:
    """dbt reads the overlay's registry: its rounds seed has every registered round."""
    forms_dir = write_forms_dir(rounds, tmp_path / "forms")
    monkeypatch.setenv(FORMS_DIR_ENV, str(forms_dir))
    paths = warehouse.resolve(tmp_path / "wh" / "mtm.duckdb")
    paths.working.parent.mkdir(parents=True)
    duckdb.connect(str(paths.working)).close()
    result = build.run_dbt(paths.working, "seed", "--select", "rounds", "--no-use-colors")
    assert result.returncode == 0, result.stdout[-3000:]
    con = duckdb.connect(str(paths.working), read_only=True)
    got = con.execute("select form, max(round) from seeds.rounds group by form order by form").fetchall()
    con.close()
    assert got == [("b1", rounds), ("b2", rounds)]
