"""The Parquet lake (mtm.loaders.lake): raw for Spark, copied from the DuckDB landing.

Read the way Spark's raw views read it (every load's file, columns merged by name, only rows of
loads whose commit record says `loaded`), the lake is exactly DuckDB's raw relations. Runs in
`make test` (DuckDB only, seconds).
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest

from mtm import cli
from mtm.core import warehouse
from mtm.loaders import lake
from tests.conftest import copy_warehouse


def lake_rows(con: duckdb.DuckDBPyConnection, root: Path, relation: str) -> list[tuple]:
    """A relation read from the lake as the Spark view does (macros/portable/spark_raw.sql)."""
    files = str(root / "loads" / "*" / f"{relation}.parquet")
    log = str(root / "load_log" / "*.parquet")
    columns = [d[0] for d in con.execute(f"select * from raw.{relation} limit 0").description]
    select = ", ".join(f'landed."{c}"' for c in columns)
    sql = (f"select {select} from read_parquet(?, union_by_name = true) as landed "
           f"semi join read_parquet(?) as log on landed._load_id = log.load_id and log.status = 'loaded'")
    return sorted(con.execute(sql, [files, log]).fetchall(), key=repr)


@pytest.fixture()
def synced(built_sample_warehouse: warehouse.WarehousePaths, tmp_path: Path) -> tuple[warehouse.WarehousePaths, Path]:
    paths = copy_warehouse(built_sample_warehouse, tmp_path / "wh")
    root = tmp_path / "lake"
    lake.sync(paths.working, root)
    return paths, root


def test_lake_read_like_spark_is_raw(synced: tuple[warehouse.WarehousePaths, Path]) -> None:
    paths, root = synced
    relations = lake.relations(root)
    assert {"b2_main", "b2_imw_nat", "b1_main", "gap_estimates"} <= set(relations)
    with duckdb.connect(str(paths.working), read_only=True) as con:
        for relation in relations:
            expected = sorted(con.execute(f"select * from raw.{relation}").fetchall(), key=repr)
            assert expected and lake_rows(con, root, relation) == expected, relation
        log = con.execute("select * from raw.load_log order by load_id").fetchall()
        lake_log = con.execute("select * from read_parquet(?) order by load_id",
                               [str(root / "load_log" / "*.parquet")]).fetchall()
    assert lake_log == log


def test_sync_is_idempotent_and_never_rewrites(synced: tuple[warehouse.WarehousePaths, Path]) -> None:
    paths, root = synced
    before = {p: p.stat().st_mtime_ns for p in root.rglob("*.parquet")}
    again = lake.sync(paths.working, root)
    assert again.loads_written == [] and again.records_written == []
    assert {p: p.stat().st_mtime_ns for p in root.rglob("*.parquet")} == before
    assert not (root / "tmp").exists()


def test_refused_attempt_is_a_record_without_rows(synced: tuple[warehouse.WarehousePaths, Path],
                                                   tmp_path: Path) -> None:
    paths, root = synced
    loads_before = sorted(p.name for p in (root / "loads").iterdir())
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a workbook")
    assert cli.main(["--quiet", "load", str(broken), "--round", "3", "--warehouse", str(paths.published)]) == 2
    added = lake.sync(paths.working, root)
    assert added.loads_written == [] and len(added.records_written) == 1
    with duckdb.connect(str(paths.working), read_only=True) as con:
        status = con.execute("select status from read_parquet(?)",
                             [str(root / "load_log" / f"{added.records_written[0]}.parquet")]).fetchone()
        assert status == ("refused",)
        for relation in lake.relations(root):
            assert lake_rows(con, root, relation) == sorted(
                con.execute(f"select * from raw.{relation}").fetchall(), key=repr)
    assert sorted(p.name for p in (root / "loads").iterdir()) == loads_before


def test_a_load_without_its_record_is_invisible(synced: tuple[warehouse.WarehousePaths, Path]) -> None:
    """A sync killed between the directory and its record: readers do not see the load."""
    paths, root = synced
    victim = max((root / "loads").iterdir())
    record = root / "load_log" / f"{victim.name}.parquet"
    os.remove(record)
    with duckdb.connect(str(paths.working), read_only=True) as con:
        for relation in (p.stem for p in victim.glob("*.parquet")):
            rows = lake_rows(con, root, relation)
            assert all(row[0] != victim.name for row in rows), relation
    lake.sync(paths.working, root)
    assert record.exists()


def test_sync_of_a_missing_warehouse_is_refused(tmp_path: Path) -> None:
    with pytest.raises(Exception, match="nothing loaded yet"):
        lake.sync(tmp_path / "none.duckdb", tmp_path / "lake")
    assert not (tmp_path / "lake").exists()
