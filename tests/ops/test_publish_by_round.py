"""A publication after an incremental build replaces only the changed rounds in a copy of the
published file, and the file it gives equals one written whole, table by table (mtm.publish.publish).

The built sample warehouse (rounds 1-3, published by `mtm build`, which records what it published)
is copied; a new B2 file supersedes round 2's; dbt rebuilds round 2; the publication patches
rounds 2 and later into a copy of the published file. A fresh publication of the same working copy,
written whole, is the reference: same tables, definitions, comments and rows (the publication record
aside: its id and time are new each time). A DuckDB 1.1 client reads the patched file. A published
file that is not the one recorded (put there by hand) is written whole again, and so is a copy that
would hold too much free space.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from mtm.core import warehouse
from mtm.pipeline import build
from mtm.publish import compact, publish
from tests.conftest import copy_warehouse, run_mtm
from tests.ops.duckdb_client import OLD_DUCKDB, read_with_old_duckdb

# differ between any two publications: compared without them
PER_PUBLICATION = {"marts.publication": None, "marts.publication_files": ("publication_id",)}


def published_tables(con: duckdb.DuckDBPyConnection, catalog: str) -> dict[str, tuple[str, str | None]]:
    """schema.table -> (definition, comment) of an attached published file."""
    rows = con.execute("select schema_name, table_name, sql, comment from duckdb_tables() where database_name = ?",
                       [catalog]).fetchall()
    return {f"{s}.{t}": (sql, comment) for s, t, sql, comment in rows}


def column_comments(con: duckdb.DuckDBPyConnection, catalog: str) -> set[tuple[str, str, str, str | None]]:
    return set(con.execute("select schema_name, table_name, column_name, comment from duckdb_columns()"
                           " where database_name = ?", [catalog]).fetchall())


def differences(patched: Path, whole: Path) -> dict[str, str]:
    """Per published table, how the patched file differs from the one written whole."""
    con = duckdb.connect()
    try:
        con.execute(f"attach '{patched}' as p (read_only)")
        con.execute(f"attach '{whole}' as w (read_only)")
        found: dict[str, str] = {}
        mine, theirs = published_tables(con, "p"), published_tables(con, "w")
        for name in sorted(set(mine) ^ set(theirs)):
            found[name] = "only in the " + ("patched file" if name in mine else "file written whole")
        for name in sorted(set(mine) & set(theirs)):
            if mine[name] != theirs[name]:
                found[name] = "another definition or comment"
                continue
            if name in PER_PUBLICATION and PER_PUBLICATION[name] is None:
                continue
            schema, table = name.split(".")
            skip = PER_PUBLICATION.get(name) or ()
            columns = ", ".join(f'"{c}"' for (c,) in con.execute(
                "select column_name from duckdb_columns() where database_name = 'w' and schema_name = ?"
                " and table_name = ? order by column_index", [schema, table]).fetchall() if c not in skip)
            extra, missing = (con.execute(
                f'select count(*) from (select {columns} from {a}."{schema}"."{table}"'
                f' except all select {columns} from {b}."{schema}"."{table}")').fetchall()[0][0]
                for a, b in (("p", "w"), ("w", "p")))
            if extra or missing:
                found[name] = f"{extra} rows only in the patched file, {missing} only in the one written whole"
        if column_comments(con, "p") != column_comments(con, "w"):
            found["column comments"] = "differ"
        assert sum(name.startswith("marts.") for name in theirs) >= 30  # the comparison saw the warehouse
        return found
    finally:
        con.close()


def written_whole(paths: warehouse.WarehousePaths, folder: Path) -> Path:
    """The published file of ``paths``'s working copy, written whole in another folder."""
    folder.mkdir(parents=True)
    other = warehouse.resolve(folder / paths.published.name)
    shutil.copy2(paths.working, other.working)
    publication = publish.publish(other)
    assert not publication.patched
    return other.published


def publication_id(path: Path) -> str:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return str(con.execute("select publication_id from marts.publication").fetchall()[0][0])
    finally:
        con.close()


@pytest.fixture(scope="module")
def second_round2_b2(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Another B2 export of round 2 (another seed): a new file that supersedes the first."""
    out = tmp_path_factory.mktemp("round2-again")
    run_mtm("sample", "--round", "2", "--seed", "11", "--out", str(out))
    return next(out.glob("*_b2.xlsx"))


@pytest.mark.builds
def test_a_publication_after_an_incremental_build_patches_the_changed_rounds_and_equals_one_written_whole(
        built_sample_warehouse: warehouse.WarehousePaths, second_round2_b2: Path, tmp_path: Path) -> None:
    paths = copy_warehouse(built_sample_warehouse, tmp_path / "wh")
    run_mtm("load", str(second_round2_b2), "--round", "2", "--warehouse", str(paths.published))
    plan = build.run_dbt_build(paths.working)
    assert plan.changed_rounds == (2,) and not plan.full_refresh, plan.describe()
    before = publication_id(paths.published)

    # rounds 2 and 3 of 3 replaced: over a fifth of the copy is free space, so by default it would
    # be written whole (the last test); allowed here to compare the patched file
    patched = publish.publish(paths, by_round=True, max_free_share=0.9)
    assert patched.patched and patched.patched_from_round == 2, patched.describe()
    assert publication_id(paths.published) == patched.publication_id != before
    assert differences(paths.published, written_whole(paths, tmp_path / "whole-1")) == {}
    seen = read_with_old_duckdb(paths.published)  # a BI tool's DuckDB 1.1 still reads every table
    assert seen["version"] == OLD_DUCKDB and seen["tables"]["marts.community_population"] > 0

    again = publish.publish(paths, by_round=True, max_free_share=0.9)  # nothing changed since: no round replaced
    assert again.patched and again.patched_from_round is None, again.describe()
    assert differences(paths.published, written_whole(paths, tmp_path / "whole-2")) == {}


@pytest.mark.builds
def test_a_published_file_that_is_not_the_last_publication_is_written_whole(
        built_sample_warehouse: warehouse.WarehousePaths, tmp_path: Path) -> None:
    paths = copy_warehouse(built_sample_warehouse, tmp_path / "wh")
    assert publish.publish(paths, by_round=True, max_free_share=0.9).patched  # the recorded publication: patched
    elsewhere = written_whole(paths, tmp_path / "elsewhere")
    shutil.copy2(elsewhere, paths.published)  # another publication put in its place by hand
    replaced = publish.publish(paths, by_round=True, max_free_share=0.9)
    assert not replaced.patched, replaced.describe()
    assert differences(paths.published, elsewhere) == {}


@pytest.mark.builds
def test_a_patched_copy_that_would_be_mostly_free_space_is_written_whole(
        built_sample_warehouse: warehouse.WarehousePaths, second_round2_b2: Path, tmp_path: Path) -> None:
    paths = copy_warehouse(built_sample_warehouse, tmp_path / "wh")
    run_mtm("load", str(second_round2_b2), "--round", "2", "--warehouse", str(paths.published))
    build.run_dbt_build(paths.working)
    replaced = publish.publish(paths, by_round=True)  # two rounds of three replaced: too much free space
    assert not replaced.patched, replaced.describe()
    assert differences(paths.published, written_whole(paths, tmp_path / "whole")) == {}
    con = duckdb.connect()
    try:
        con.execute(f"attach '{paths.published}' as p (read_only)")
        assert compact.file_use(con, "p").free_share <= publish.MAX_PATCHED_FREE_SHARE
    finally:
        con.close()
