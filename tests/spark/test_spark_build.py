"""The sample rounds 1-3 built on Spark (local[2]) give the DuckDB build's marts, table by table.

The DuckDB build is the demo's (`built_sample_warehouse`: rounds 1-3 and the gap workbook loaded,
built, gated, published). Its raw layer goes to a Parquet lake (mtm.loaders.lake), dbt-spark builds
the same project on it into a build schema (`mtm.pipeline.spark.build`: seeds, models, dbt tests,
contracts), the quality gate runs on that build with --reconcile (round 3 equals every published
figure), the reader views are switched to it, and every table of the DuckDB schema `marts` is
compared with the Spark build's: same columns in the same order, same rows; doubles equal to
1e-9 relative. Spark's tables are Parquet files under spark.sql.warehouse.dir/marts.db, read here
directly (the Derby metastore admits one Spark process, and it is dbt's while the build runs).
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import time
from pathlib import Path

import duckdb
import pytest

from mtm.core import warehouse
from mtm.pipeline import spark

REL_TOL = 1e-9


@pytest.fixture(scope="module")
def spark_build(built_sample_warehouse: warehouse.WarehousePaths,
                tmp_path_factory: pytest.TempPathFactory) -> spark.SparkLayout:
    root = tmp_path_factory.mktemp("spark")
    before = os.environ.get("MTM_SPARK_DIR")
    os.environ["MTM_SPARK_DIR"] = str(root)
    try:
        started = time.monotonic()
        built = spark.build(built_sample_warehouse, reconcile=True)
        print(f"\nSpark: lake sync + dbt build --target spark + gate + reader switch: "
              f"{time.monotonic() - started:.0f} s")
    finally:
        if before is None:
            os.environ.pop("MTM_SPARK_DIR", None)
        else:
            os.environ["MTM_SPARK_DIR"] = before
    return built


def duckdb_marts(paths: warehouse.WarehousePaths) -> list[str]:
    """The marts dbt built on DuckDB (the working copy: the published file adds its publication record)."""
    with duckdb.connect(str(paths.working), read_only=True) as con:
        rows = con.execute("select table_name from information_schema.tables where table_schema = 'marts'"
                           " order by 1").fetchall()
    return [name for (name,) in rows]


def _key(row: tuple) -> tuple:
    """Sort key that survives the last bits of a double and nulls."""
    return tuple((v is None, f"{v:.9g}" if isinstance(v, float) else str(v)) for v in row)


def _equal(a: object, b: object) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        if a is None or b is None:
            return a is b
        both_nan = math.isnan(float(a)) and math.isnan(float(b))
        return both_nan or math.isclose(float(a), float(b), rel_tol=REL_TOL, abs_tol=0.0)
    return a == b


def test_every_public_mart_equals_the_duckdb_build(spark_build: spark.SparkLayout,
                                                   built_sample_warehouse: warehouse.WarehousePaths) -> None:
    marts = duckdb_marts(built_sample_warehouse)
    spark_tables = sorted(p.name for p in spark_build.marts.iterdir() if p.is_dir())
    assert marts and spark_tables == marts
    compared = 0
    with duckdb.connect(str(built_sample_warehouse.working), read_only=True) as con:
        for mart in marts:
            expected = con.execute(f"select * from marts.{mart}")
            columns = [d[0] for d in expected.description]
            expected_rows = sorted(expected.fetchall(), key=_key)
            files = spark.table_files(spark_build, spark_build.build_schema, mart)
            assert files, mart
            got = con.execute("select * from read_parquet(?)", [files])
            assert [d[0] for d in got.description] == columns, mart
            got_rows = sorted(got.fetchall(), key=_key)
            assert len(got_rows) == len(expected_rows), mart
            for want, have in zip(expected_rows, got_rows, strict=True):
                assert all(_equal(w, h) for w, h in zip(want, have, strict=True)), (mart, want, have)
            compared += len(expected_rows)
    assert compared > 1000


def test_the_lake_holds_every_landed_load(spark_build: spark.SparkLayout,
                                          built_sample_warehouse: warehouse.WarehousePaths) -> None:
    with duckdb.connect(str(built_sample_warehouse.working), read_only=True) as con:
        loaded = {r[0] for r in con.execute("select load_id from raw.load_log where status = 'loaded'").fetchall()}
        attempts = {r[0] for r in con.execute("select load_id from raw.load_log").fetchall()}
    assert {p.name for p in (spark_build.lake / "loads").iterdir()} == loaded
    assert {p.stem for p in (spark_build.lake / "load_log").iterdir()} == attempts


def test_spark_tables_are_parquet(spark_build: spark.SparkLayout) -> None:
    files = list((spark_build.marts / "communities").glob("*.parquet"))
    assert files and all(f.read_bytes()[:4] == b"PAR1" for f in files)


def test_the_gate_ran_on_the_spark_build(spark_build: spark.SparkLayout) -> None:
    gate_db = spark_build.root / "gate" / f"{spark_build.build_schema}.duckdb"
    with duckdb.connect(str(gate_db), read_only=True) as con:
        runs = con.execute("select count(*) from quality.gate_runs").fetchone()
        failed = con.execute("select count(*) from quality.check_results"
                             " where severity = 'blocking' and status in ('fail', 'error')").fetchone()
        checked = con.execute("select count(*) from quality.check_results where severity = 'blocking'").fetchone()
    assert runs == (1,) and failed == (0,) and checked[0] > 10


def test_readers_see_the_gated_build_through_the_marts_views(
        spark_build: spark.SparkLayout, built_sample_warehouse: warehouse.WarehousePaths) -> None:
    """A Spark reader (its own process, after dbt) reads `marts.<table>`: the build that passed."""
    sql = "select (select count(*) from marts.communities), (select count(*) from marts.rayon_population)"
    python = spark.spark_dbt().with_name("python")
    result = subprocess.run([str(python), str(Path(__file__).with_name("spark_reader.py")), str(spark_build.root), sql],
                            text=True, capture_output=True, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    with duckdb.connect(str(built_sample_warehouse.published), read_only=True) as con:
        expected = con.execute(sql).fetchone()
    assert json.loads(result.stdout.strip().splitlines()[-1]) == [list(expected)]
