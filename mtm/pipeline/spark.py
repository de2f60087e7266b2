"""Build the warehouse on Spark: the same dbt project, `--target spark` (docs/spark.md).

The loads land in DuckDB as always (every landing rule lives there); `mtm.loaders.lake.sync` copies
them to a Parquet lake folder; dbt-spark registers the lake as schema `raw` (macro register_lake,
run at the start of every dbt run) and builds staging -> marts as Parquet tables, and the quality
checks (`models/quality`) as views in schema `quality`.

Readers never see a build that failed the gate: each build writes its marts into a schema of its
own, `marts_<build id>` (var marts_schema), and the quality views read that schema. The gate
selects the views' rows inside Spark (one Spark SQL session, `spark_sql.py`, started after dbt:
the local Derby metastore admits one Spark process at a time); only the check rows come to
pandas, where the same Great Expectations checkpoints as on DuckDB validate them
(`mtm.checks.gate.run_gate(..., fetch=...)`). Only when no blocking check failed:

1. the session copies the build's marts (and the two load logs the publication record names) to
   Parquet, and they become a DuckDB file of the build (`builds/<schema>.duckdb`: the marts with
   the contracts' types and descriptions, the gate's results in schema `quality`);
2. Spark readers: the views `marts.<table>` are replaced, one `create or replace view` each,
   pointing at the new build (macro publish_marts); older build schemas are dropped;
3. DuckDB readers (BI tools, `mtm report`, `mtm export`): the published file is written fresh
   from the build's DuckDB file by `mtm.publish` (storage v1.1.0, atomic rename), as for a DuckDB
   build.

dbt-spark and pyspark live in their own environment (`make spark-setup` creates .venv-spark; pyspark
is 345 MB and pins its own dependencies): this module runs that environment's `dbt` and `python`
as subprocesses, found at $MTM_SPARK_DBT or .venv-spark/bin/dbt. The local target keeps its table
files and its Derby metastore in the Spark folder, `spark/` beside the warehouse file (or
$MTM_SPARK_DIR).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import duckdb
import jinja2
import pandas as pd
import yaml  # type: ignore[import-untyped,unused-ignore]  # (dbt-core installs PyYAML, without stubs)

from mtm.core import progress, warehouse
from mtm.core.errors import InputError, QualityGateFailed, WarehouseBusy
from mtm.core.paths import PROJECT_DIR
from mtm.loaders import lake
from mtm.pipeline.build import _die_with_parent

SPARK_TARGET = "spark"
READER_SCHEMA = "marts"
KEEP_BUILDS = 2  # the published build and the one before it (a reader's query may still be on it)
SQL_SESSION = Path(__file__).with_name("spark_sql.py")
MARK = "MTM-SPARK "
ROW = "_mtm_row"
# the load logs marts.publication_files is written from (mtm.publish reads them as on DuckDB)
LOAD_LOGS = (("staging", "stg_kobo__load_log"), ("staging", "stg_gap_analysis__loads"))


@dataclass(frozen=True)
class SparkLayout:
    """Where a Spark build reads and writes."""

    root: Path
    build_schema: str = READER_SCHEMA

    @property
    def lake(self) -> Path:
        """The Parquet lake folder (raw for Spark)."""
        return self.root / "lake"

    @property
    def marts(self) -> Path:
        """The folder of this build's mart tables."""
        return self.tables / f"{self.build_schema}.db"

    @property
    def tables(self) -> Path:
        """spark.sql.warehouse.dir of the local target: one folder per schema (`marts.db/...`)."""
        return self.root / "tables"

    @property
    def build_database(self) -> Path:
        """The DuckDB file of this build: its gate results, and its marts once the gate passed."""
        return self.root / "builds" / f"{self.build_schema}.duckdb"


def layout(paths: warehouse.WarehousePaths) -> SparkLayout:
    """The Spark folder of a warehouse: $MTM_SPARK_DIR, else `spark/` beside the published file."""
    root = os.environ.get("MTM_SPARK_DIR") or str(paths.published.parent / "spark")
    return SparkLayout(Path(root).resolve())


def spark_dbt() -> Path:
    """The dbt executable of the Spark environment."""
    found = Path(os.environ.get("MTM_SPARK_DBT") or PROJECT_DIR / ".venv-spark" / "bin" / "dbt")
    if not found.exists():
        raise InputError("dbt-spark is not installed: run `make spark-setup` (or set MTM_SPARK_DBT)",
                         file=str(found))
    return found


def _spark_env(spark: SparkLayout) -> dict[str, str]:
    env = dict(os.environ)
    env["MTM_SPARK_DIR"] = str(spark.root)
    return env


def run_spark_dbt(spark: SparkLayout, *args: str, extra_vars: dict[str, object] | None = None
                  ) -> subprocess.CompletedProcess[str]:
    """Run a dbt command of the Spark environment on the project, target spark; output captured."""
    env = _spark_env(spark)
    env.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    env.setdefault("DBT_TARGET_PATH", str(spark.root / "target"))
    env.setdefault("DBT_LOG_PATH", str(spark.root / "logs"))
    variables = json.dumps({"lake_dir": str(spark.lake), "lake_relations": lake.relations(spark.lake),
                            **(extra_vars or {})})
    cmd = [str(spark_dbt()), *args, "--target", SPARK_TARGET, "--vars", variables,
           "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR)]
    return subprocess.run(cmd, env=env, cwd=PROJECT_DIR, text=True, capture_output=True, check=False,
                          preexec_fn=_die_with_parent)


def build_schema(build_id: str) -> str:
    """The schema one build writes its marts into."""
    return f"{READER_SCHEMA}_{build_id}".lower()  # Spark folds names to lower case


def table_files(spark: SparkLayout, schema: str, table: str) -> list[str]:
    """The Parquet files of a table of the local target."""
    return sorted(str(p) for p in (spark.tables / f"{schema}.db" / table).glob("*.parquet"))


def session_conf(spark: SparkLayout) -> dict[str, str]:
    """The Spark settings of the profile's `spark` target (its server_side_parameters, env_var()
    resolved with the Spark folder of this build): the SQL session sees what dbt built."""
    env = _spark_env(spark)

    def env_var(name: str, default: str = "") -> str:  # (Jinja also renders the commented targets)
        return env.get(name, default)

    text = (PROJECT_DIR / "profiles.yml").read_text(encoding="utf-8")
    rendered = jinja2.Environment(autoescape=False).from_string(text).render(env_var=env_var)
    target = yaml.safe_load(rendered)["mtm"]["outputs"][SPARK_TARGET]
    return {str(k): str(v) for k, v in (target.get("server_side_parameters") or {}).items()}


class SparkSqlError(Exception):
    """A statement Spark refused (its message, first line)."""


class SparkSql:
    """A Spark SQL session in the Spark environment's python (`spark_sql.py`), for the gate and
    the publishing of a build. Use as a context manager; one at a time (Derby), never beside dbt."""

    def __init__(self, spark: SparkLayout, app: str = "mtm-gate") -> None:
        self.spark = spark
        self.app = app
        self.scratch = spark.root / "fetch"
        self._process: subprocess.Popen[str] | None = None
        self._log: IO[str] | None = None

    def __enter__(self) -> SparkSql:
        python = spark_dbt().with_name("python")
        log_dir = self.spark.root / "logs"
        log_dir.mkdir(parents=True, exist_ok=True)
        self._log = open(log_dir / "spark-sql.log", "a", encoding="utf-8")  # closed in __exit__
        self._process = subprocess.Popen([str(python), str(SQL_SESSION)], stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE, stderr=self._log, text=True,
                                         env=_spark_env(self.spark), cwd=self.spark.root,
                                         preexec_fn=_die_with_parent)
        self._send({"conf": session_conf(self.spark), "app": self.app})
        try:
            self._answer()
        except SparkSqlError as exc:
            self.__exit__(None, None, None)
            raise QualityGateFailed(f"the Spark SQL session did not start: {exc} "
                                    f"(log: {log_dir / 'spark-sql.log'})") from exc
        return self

    def __exit__(self, *exc: object) -> None:
        process, self._process = self._process, None
        if process is not None:
            try:
                if process.stdin:
                    process.stdin.close()
                process.wait(timeout=120)
            except (OSError, subprocess.TimeoutExpired):
                process.kill()
                process.wait()
        if self._log is not None:
            self._log.close()
            self._log = None
        shutil.rmtree(self.scratch, ignore_errors=True)

    def _send(self, payload: dict[str, Any]) -> None:
        assert self._process is not None and self._process.stdin is not None
        self._process.stdin.write(json.dumps(payload) + "\n")
        self._process.stdin.flush()

    def _answer(self) -> dict[str, Any]:
        assert self._process is not None and self._process.stdout is not None
        for line in self._process.stdout:
            if line.startswith(MARK):
                found: dict[str, Any] = json.loads(line[len(MARK):])
                if "error" in found:
                    raise SparkSqlError(found["error"])
                return found
        raise SparkSqlError(f"the Spark SQL session ended (exit {self._process.wait()})")

    def rows(self, sql: str) -> list[list[Any]]:
        """Run a statement; its rows, collected (small results only)."""
        self._send({"sql": sql, "out": None})
        return list(self._answer()["rows"])

    def write(self, sql: str, folder: Path) -> None:
        """Run a select; Spark writes its result to ``folder`` as Parquet (with ``_mtm_row``)."""
        self._send({"sql": sql, "out": str(folder)})
        self._answer()

    def fetch(self, sql: str) -> pd.DataFrame:
        """The gate's fetcher: the select runs in Spark, its rows come back as a pandas frame in
        the select's order (read from Spark's Parquet output as DuckDB reads a table)."""
        from mtm.checks.frames import FetchError

        folder = self.scratch / uuid.uuid4().hex
        try:
            self.write(sql, folder)
        except SparkSqlError as exc:
            raise FetchError(str(exc)) from exc
        try:
            with duckdb.connect() as con:
                return con.execute(rows_sql(folder)).df()
        finally:
            shutil.rmtree(folder, ignore_errors=True)


def rows_sql(folder: Path) -> str:
    """A DuckDB select of the rows Spark wrote to ``folder`` (SparkSql.write), in their order,
    without ``_mtm_row``."""
    files = sorted(str(p) for p in folder.glob("*.parquet"))
    return f"select * exclude ({ROW}) from read_parquet({files!r}) order by {ROW}"


def mart_contracts(spark: SparkLayout) -> dict[str, dict[str, Any]]:
    """The marts of dbt's last manifest (the Spark build's): relation name -> node (description,
    columns with their contract types and descriptions)."""
    manifest = json.loads((spark.root / "target" / "manifest.json").read_text(encoding="utf-8"))
    return {node.get("alias") or node["name"]: node for node in manifest["nodes"].values()
            if node["resource_type"] == "model" and node["config"].get("schema") == READER_SCHEMA}


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _copy_mart(con: duckdb.DuckDBPyConnection, table: str, folder: Path, node: dict[str, Any] | None) -> None:
    """One mart into the build's DuckDB file: the contract's columns and types (as dbt-duckdb
    creates them), the rows Spark wrote, the descriptions as comments (as persist_docs writes them)."""
    rows = rows_sql(folder)
    names = con.sql(rows).columns
    columns = [c for c in (node or {}).get("columns", {}).values() if c.get("data_type")]
    target = f"marts.{_quote(table)}"
    if columns and [c["name"] for c in columns] == names:
        con.execute(f"create table {target} ("
                    + ", ".join(f"{_quote(c['name'])} {c['data_type']}" for c in columns) + ")")
        con.execute(f"insert into {target} {rows}")
    else:  # a mart without a full contract keeps Spark's types
        con.execute(f"create table {target} as {rows}")
    if node and node.get("description"):
        con.execute(f"comment on table {target} is {_literal(node['description'])}")
    for column in (node or {}).get("columns", {}).values():
        if column.get("description") and column["name"] in names:
            con.execute(f"comment on column {target}.{_quote(column['name'])} is {_literal(column['description'])}")


def export_build(session: SparkSql, spark: SparkLayout) -> list[str]:
    """Copy the build's marts and the load logs from Spark into the build's DuckDB file (beside
    the gate's results); returns the marts copied."""
    schema = spark.build_schema
    marts = sorted(str(row[1]) for row in session.rows(f"show tables in {schema}"))
    contracts = mart_contracts(spark)
    export = spark.root / "builds" / schema
    shutil.rmtree(export, ignore_errors=True)
    with duckdb.connect(str(spark.build_database)) as con:
        con.execute("create schema if not exists marts")
        for table in marts:
            session.write(f"select * from {schema}.{table}", export / "marts" / table)
            _copy_mart(con, table, export / "marts" / table, contracts.get(table))
        for log_schema, log_table in LOAD_LOGS:
            try:
                session.write(f"select * from {log_schema}.{log_table}", export / log_schema / log_table)
            except SparkSqlError:
                continue  # not built (no such loads): the publication record lists what there is
            con.execute(f"create schema if not exists {log_schema}")
            con.execute(f"create table {log_schema}.{log_table} as {rows_sql(export / log_schema / log_table)}")
    shutil.rmtree(export, ignore_errors=True)
    return marts


def _prune_build_databases(spark: SparkLayout) -> None:
    """Keep the DuckDB files of the newest KEEP_BUILDS builds (as publish_marts keeps their schemas)."""
    files = sorted((spark.root / "builds").glob(f"{READER_SCHEMA}_*.duckdb"), reverse=True)
    for old in files[KEEP_BUILDS:]:
        if old != spark.build_database:
            old.unlink(missing_ok=True)
            Path(f"{old}.wal").unlink(missing_ok=True)


def gate_and_publish(paths: warehouse.WarehousePaths, spark: SparkLayout, *, reconcile: bool = False,
                     gate: bool = True, publish: bool = True) -> None:
    """The quality gate on the build ``spark.build_schema`` (its quality views selected in Spark,
    GX in Python, results in the build's DuckDB file); when nothing blocking failed and ``publish``:
    the build's DuckDB file, the Spark reader views switched, the published DuckDB file written."""
    from mtm.publish import publish as publisher

    spark.build_database.parent.mkdir(parents=True, exist_ok=True)
    spark.build_database.unlink(missing_ok=True)
    started = time.monotonic()
    with SparkSql(spark) as session:
        progress.step(f"Spark SQL session started in {time.monotonic() - started:.0f} s")
        if gate:
            from mtm.checks import gate as quality_gate  # imported late: Great Expectations takes seconds
            from mtm.checks import gx_context

            gx_root = gx_context.copy_context(paths.runtime_dir / "gx")
            outcome = quality_gate.run_gate(spark.build_database, reconcile=reconcile, context_root=gx_root,
                                            fetch=session.fetch)
            if outcome.blocking_failed:
                raise QualityGateFailed(f"{', '.join(outcome.blocking_failed)}; readers keep the previous build "
                                        f"(results: {spark.build_database})")
        if not publish:
            return
        started = time.monotonic()
        marts = export_build(session, spark)
        progress.step(f"{len(marts)} marts copied from Spark in {time.monotonic() - started:.0f} s")
    result = run_spark_dbt(spark, "run-operation", "publish_marts", "--no-use-colors",
                           "--args", json.dumps({"build_schema": spark.build_schema, "keep": KEEP_BUILDS}))
    if result.returncode != 0:
        sys.stderr.write(result.stdout[-6000:] + result.stderr[-3000:])
        raise QualityGateFailed("switching the reader views failed; readers keep the previous build")
    progress.step(f"Spark readers now see {spark.build_schema} through the views {READER_SCHEMA}.*")
    try:
        publisher.publish(warehouse.WarehousePaths(published=paths.published, working=spark.build_database))
    except (InputError, WarehouseBusy) as exc:
        exc.args = (f"{exc.args[0]} (Spark readers already see {spark.build_schema}; the published file "
                    "is unchanged: run the build again)", *exc.args[1:])
        raise
    progress.step(f"published {paths.published} from {spark.build_schema}")
    _prune_build_databases(spark)


def build(paths: warehouse.WarehousePaths, *, reconcile: bool = False, gate: bool = True,
          publish: bool = True) -> SparkLayout:
    """Sync the lake from the working copy, `dbt build --target spark` into a new build schema, run the
    quality gate on it, and switch the readers to it when nothing blocking failed."""
    spark = layout(paths)
    started = time.monotonic()
    synced = lake.sync(paths.working, spark.lake)
    progress.step(f"lake {spark.lake}: {len(synced.loads_written)} new load(s), "
                  f"{len(synced.records_written)} new log record(s)")
    spark.root.mkdir(parents=True, exist_ok=True)
    schema = build_schema(datetime.now(UTC).strftime("%Y%m%dT%H%M%S"))
    progress.step(f"dbt build --target spark into schema {schema}")
    result = run_spark_dbt(spark, "build", "--no-use-colors", extra_vars={"marts_schema": schema})
    if result.returncode != 0:
        sys.stderr.write(result.stdout[-6000:] + result.stderr[-3000:])
        raise QualityGateFailed("dbt build on Spark failed (models or dbt tests); readers keep the previous build")
    progress.step(f"Spark build done in {time.monotonic() - started:.0f} s")
    spark = SparkLayout(spark.root, schema)
    gate_and_publish(paths, spark, reconcile=reconcile, gate=gate, publish=publish)
    return spark
