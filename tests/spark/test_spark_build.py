"""The sample rounds 1-3 built on Spark (local[2]) give the DuckDB build's marts, gate and reports.

The DuckDB build is the demo's (`built_sample_warehouse`: rounds 1-3 and the gap workbook loaded,
built, gated with --reconcile, published). A copy of that warehouse is built on Spark
(`mtm.pipeline.spark.build`): its raw layer goes to a Parquet lake, dbt-spark builds the same
project into a build schema (seeds, models, quality views, dbt tests, contracts), the quality gate
selects the quality views' rows in Spark and validates them with the same GX checkpoints
(--reconcile: round 3 equals every published figure), the Spark reader views are switched to the
build and the copy's published DuckDB file is written from it.

Compared with the DuckDB build: every public mart table by table (the Spark tables' Parquet files,
read directly: same columns in the same order, same rows, doubles equal to 1e-9 relative), the
gate's results check by check, the published file's marts (types, comments, rows) and the round
report rendered from it. Last, a build that fails the gate (a rayon total off by one) leaves the
Spark views and the published file on the build before it.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from mtm.core import warehouse
from mtm.core.errors import QualityGateFailed
from mtm.pipeline import spark
from mtm.reports import round as round_report
from tests.conftest import copy_warehouse

REL_TOL = 1e-9


@pytest.fixture(scope="module")
def spark_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("spark")
    before = os.environ.get("MTM_SPARK_DIR")
    os.environ["MTM_SPARK_DIR"] = str(root)
    yield root
    if before is None:
        os.environ.pop("MTM_SPARK_DIR", None)
    else:
        os.environ["MTM_SPARK_DIR"] = before


@pytest.fixture(scope="module")
def spark_warehouse(built_sample_warehouse: warehouse.WarehousePaths,
                    tmp_path_factory: pytest.TempPathFactory) -> warehouse.WarehousePaths:
    """A copy of the DuckDB-built warehouse whose published file the Spark build replaces."""
    return copy_warehouse(built_sample_warehouse, tmp_path_factory.mktemp("spark-warehouse"))


@pytest.fixture(scope="module")
def spark_build(spark_warehouse: warehouse.WarehousePaths, spark_dir: Path) -> spark.SparkLayout:
    started = time.monotonic()
    built = spark.build(spark_warehouse, reconcile=True)
    print(f"\nSpark: lake sync + dbt build --target spark + gate + reader switch + publish: "
          f"{time.monotonic() - started:.0f} s")
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


def _same_rows(expected: list[tuple], got: list[tuple], what: str) -> int:
    expected, got = sorted(expected, key=_key), sorted(got, key=_key)
    assert len(got) == len(expected), what
    for want, have in zip(expected, got, strict=True):
        assert all(_equal(w, h) for w, h in zip(want, have, strict=True)), (what, want, have)
    return len(expected)


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
            expected_rows = expected.fetchall()
            files = spark.table_files(spark_build, spark_build.build_schema, mart)
            assert files, mart
            got = con.execute("select * from read_parquet(?)", [files])
            assert [d[0] for d in got.description] == columns, mart
            compared += _same_rows(expected_rows, got.fetchall(), mart)
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


RESULT_COLUMNS = "check_name, severity, round_id, status, rows_checked, offending_rows"


def _gate_results(path: Path) -> tuple[list[tuple], list[tuple]]:
    with duckdb.connect(str(path), read_only=True) as con:
        results = con.execute(f"select {RESULT_COLUMNS} from quality.check_results").fetchall()
        rows = con.execute("select check_name, round_id, community_id, problem, row_json"
                           " from quality.offending_rows").fetchall()
    return results, rows


def _canonical(row: tuple) -> tuple:
    """An offending row with its values parsed, numbers to 9 significant digits (5 and 5.0 alike)."""
    *key, row_json = row
    values = json.loads(row_json)
    return (*key, tuple((k, f"{float(v):.9g}" if isinstance(v, int | float) and not isinstance(v, bool) else v)
                        for k, v in values.items()))


def test_the_gate_on_spark_finds_what_the_duckdb_gate_found(
        spark_build: spark.SparkLayout, spark_warehouse: warehouse.WarehousePaths,
        built_sample_warehouse: warehouse.WarehousePaths) -> None:
    """Same checks (reconciliation included), rounds, statuses, rows checked and offending rows:
    the quality views built and selected in Spark, validated by the same GX checkpoints."""
    spark_results, spark_rows = _gate_results(spark_warehouse.published)
    duck_results, duck_rows = _gate_results(built_sample_warehouse.published)
    assert sorted(spark_results, key=_key) == sorted(duck_results, key=_key)
    assert any(r[0] == "reconcile_published_figures" and r[3] == "pass" for r in spark_results)
    assert {r[3] for r in spark_results if r[1] == "blocking"} == {"pass"}
    assert any(r[3] == "warn" for r in spark_results) and spark_rows
    assert sorted(map(_canonical, spark_rows), key=_key) == sorted(map(_canonical, duck_rows), key=_key)
    # the gate's own results travel with the build's DuckDB file
    assert _gate_results(spark_build.build_database)[0] == spark_results


def _marts_of(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple]]:
    tables = [t for (t,) in con.execute(
        "select table_name from duckdb_tables() where schema_name = 'marts'"
        " and table_name not in ('publication', 'publication_files') order by 1").fetchall()]
    return {t: con.execute("select column_name, data_type, comment from duckdb_columns()"
                           " where schema_name = 'marts' and table_name = ? order by column_index", [t]).fetchall()
            for t in tables}


def test_the_published_file_of_the_spark_build_holds_the_duckdb_marts(
        spark_build: spark.SparkLayout, spark_warehouse: warehouse.WarehousePaths,
        built_sample_warehouse: warehouse.WarehousePaths) -> None:
    """Readers of the published file (BI tools, `mtm report`, `mtm export`) get the same marts:
    same tables, column types and comments, rows; the publication record names the same loads."""
    with duckdb.connect(str(spark_warehouse.published), read_only=True) as got, \
            duckdb.connect(str(built_sample_warehouse.published), read_only=True) as want:
        got_marts, want_marts = _marts_of(got), _marts_of(want)
        assert got_marts == want_marts
        for table in want_marts:
            assert got.execute(f"select comment from duckdb_tables() where schema_name = 'marts' and table_name = '{table}'"
                               ).fetchall() == want.execute(f"select comment from duckdb_tables() where "
                                                            f"schema_name = 'marts' and table_name = '{table}'").fetchall()
            _same_rows(want.execute(f"select * from marts.{table}").fetchall(),
                       got.execute(f"select * from marts.{table}").fetchall(), table)
        files = "select load_id, form, round_id, country_code, file_name, file_sha256 from marts.publication_files"
        assert sorted(got.execute(files).fetchall(), key=_key) == sorted(want.execute(files).fetchall(), key=_key)
        assert got.execute("select rounds, storage_version from marts.publication").fetchall() == [("1,2,3", "v1.1.0")]
        storage = "select tags['storage_version'] from duckdb_databases() where database_name = current_database()"
        assert got.execute(storage).fetchall() == want.execute(storage).fetchall() == [("v1.0.0+",)]


def test_the_round_report_from_the_spark_build_is_the_duckdb_one(
        spark_build: spark.SparkLayout, spark_warehouse: warehouse.WarehousePaths,
        built_sample_warehouse: warehouse.WarehousePaths, tmp_path: Path) -> None:
    from_spark = round_report.render(spark_warehouse.published, 3, tmp_path / "spark.html", "en")
    from_duckdb = round_report.render(built_sample_warehouse.published, 3, tmp_path / "duckdb.html", "en")
    assert from_spark.read_bytes() == from_duckdb.read_bytes()


def test_readers_see_the_gated_build_through_the_marts_views(
        spark_build: spark.SparkLayout, built_sample_warehouse: warehouse.WarehousePaths) -> None:
    """A Spark reader (its own session, after dbt) reads `marts.<table>`: the build that passed."""
    sql = "select (select count(*) from marts.communities), (select count(*) from marts.rayon_population)"
    with spark.SparkSql(spark_build, app="mtm-reader") as reader:
        got = reader.rows(sql)
    with duckdb.connect(str(built_sample_warehouse.published), read_only=True) as con:
        expected = con.execute(sql).fetchall()
    assert got == [list(expected[0])]


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_build_that_fails_the_gate_is_never_what_readers_see(
        spark_build: spark.SparkLayout, spark_warehouse: warehouse.WarehousePaths, spark_dir: Path) -> None:
    """A second build whose rayon_population is off by one person in one rayon fails the gate
    (totals_community_to_rayon); the Spark views `marts.*` stay on the first build and the published
    file is not touched. (To spare a second whole dbt build, the faulty build's marts are views over
    the first build's tables, one of them changed, and dbt rebuilds only the check's view on them.)"""
    good = spark_build.build_schema
    faulty = spark.SparkLayout(spark_dir, spark.build_schema("99990101T000000"))
    published_before = _digest(spark_warehouse.published)
    with duckdb.connect(str(spark_warehouse.working), read_only=True) as con:
        columns = [c for (c,) in con.execute("select column_name from duckdb_columns() where schema_name = 'marts'"
                                             " and table_name = 'rayon_population' order by column_index").fetchall()]
    changed = ", ".join(f"persons + case when rayon_code = (select min(rayon_code) from {good}.communities)"
                        " and round_id = 3 then 1 else 0 end as persons" if c == "persons" else c for c in columns)
    with spark.SparkSql(faulty, app="mtm-fault") as session:
        session.rows(f"create database {faulty.build_schema}")
        for (table,) in [(row[1],) for row in session.rows(f"show tables in {good}")]:
            select = (f"select {changed} from {good}.{table}" if table == "rayon_population"
                      else f"select * from {good}.{table}")
            session.rows(f"create view {faulty.build_schema}.{table} as {select}")
    result = spark.run_spark_dbt(faulty, "run", "--select", "qc_totals_community_to_rayon", "--no-use-colors",
                                 extra_vars={"marts_schema": faulty.build_schema, "lake_dir": None})
    assert result.returncode == 0, result.stdout[-3000:]
    try:
        with pytest.raises(QualityGateFailed, match="totals_community_to_rayon"):
            spark.gate_and_publish(spark_warehouse, faulty)
        with spark.SparkSql(faulty, app="mtm-reader") as reader:
            view = "\n".join(str(row[0]) for row in reader.rows("show create table marts.rayon_population"))
            assert f"{good}.rayon_population" in view and faulty.build_schema not in view
        assert _digest(spark_warehouse.published) == published_before
        failed, _ = _gate_results(faulty.build_database)
        assert ("totals_community_to_rayon", "blocking", 3, "fail") in {r[:4] for r in failed}
    finally:
        with spark.SparkSql(faulty, app="mtm-cleanup") as session:
            session.rows(f"drop database if exists {faulty.build_schema} cascade")
