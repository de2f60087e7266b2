"""Build the warehouse on Spark: the same dbt project, `--target spark` (docs/spark.md).

The loads land in DuckDB as always (every landing rule lives there); `mtm.loaders.lake.sync` copies
them to a Parquet lake folder; dbt-spark registers the lake as schema `raw` (macro register_lake,
run at the start of every dbt run) and builds staging -> marts as Parquet tables.

Readers never see a build that failed the gate: each build writes its marts into a schema of its
own, `marts_<build id>` (var marts_schema); the quality gate runs on it; only when no blocking check
failed are the reader views `marts.<table>` replaced, one `create or replace view` each, pointing at
the new build (macro publish_marts). Until then readers keep the previous build. The gate's checks
are still the Python-held SQL of mtm/checks, so here they run on DuckDB over the build's Parquet
files (`gate_database`), not inside Spark; only each check's rows reach Python and GX.

dbt-spark and pyspark live in their own environment (`make spark-setup` creates .venv-spark; pyspark
is 345 MB and pins its own dependencies): this module runs that environment's `dbt` as a subprocess,
found at $MTM_SPARK_DBT or .venv-spark/bin/dbt. The local target keeps its table files and its Derby
metastore in the Spark folder, `spark/` beside the warehouse file (or $MTM_SPARK_DIR).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from mtm.core import progress, warehouse
from mtm.core.errors import InputError, QualityGateFailed
from mtm.core.paths import PROJECT_DIR
from mtm.loaders import lake

SPARK_TARGET = "spark"
READER_SCHEMA = "marts"
KEEP_BUILDS = 2  # the published build and the one before it (a reader's query may still be on it)


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


def run_spark_dbt(spark: SparkLayout, *args: str, extra_vars: dict[str, object] | None = None
                  ) -> subprocess.CompletedProcess[str]:
    """Run a dbt command of the Spark environment on the project, target spark; output captured."""
    env = dict(os.environ)
    env["MTM_SPARK_DIR"] = str(spark.root)
    env.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    env.setdefault("DBT_TARGET_PATH", str(spark.root / "target"))
    env.setdefault("DBT_LOG_PATH", str(spark.root / "logs"))
    variables = json.dumps({"lake_dir": str(spark.lake), "lake_relations": lake.relations(spark.lake),
                            **(extra_vars or {})})
    cmd = [str(spark_dbt()), *args, "--target", SPARK_TARGET, "--vars", variables,
           "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR)]
    return subprocess.run(cmd, env=env, cwd=PROJECT_DIR, text=True, capture_output=True, check=False)


def build_schema(build_id: str) -> str:
    """The schema one build writes its marts into."""
    return f"{READER_SCHEMA}_{build_id}".lower()  # Spark folds names to lower case


def table_files(spark: SparkLayout, schema: str, table: str) -> list[str]:
    """The Parquet files of a table of the local target."""
    return sorted(str(p) for p in (spark.tables / f"{schema}.db" / table).glob("*.parquet"))


def _view(con: duckdb.DuckDBPyConnection, schema: str, name: str, files: list[str]) -> None:
    con.execute(f'create or replace view {schema}."{name}" as select * from read_parquet({files!r})')


def gate_database(spark: SparkLayout, schema: str) -> Path:
    """A DuckDB file whose schemas are views over one Spark build's files, for the quality gate:
    marts (the build's schema), staging, intermediate and seeds as Spark wrote them, raw.load_log
    from the lake. Nothing is copied."""
    path = spark.root / "gate" / f"{schema}.duckdb"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    with duckdb.connect(str(path)) as con:
        for reader_schema, spark_schema in ((READER_SCHEMA, schema), ("staging", "staging"),
                                            ("intermediate", "intermediate"), ("seeds", "seeds")):
            con.execute(f"create schema {reader_schema}")
            folder = spark.tables / f"{spark_schema}.db"
            for table in sorted(p.name for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []:
                files = table_files(spark, spark_schema, table)
                if files:
                    _view(con, reader_schema, table, files)
        con.execute("create schema raw")
        _view(con, "raw", "load_log", sorted(str(p) for p in (spark.lake / "load_log").glob("*.parquet")))
    return path


def build(paths: warehouse.WarehousePaths, *, reconcile: bool = False, gate: bool = True,
          publish: bool = True) -> SparkLayout:
    """Sync the lake from the working copy, `dbt build --target spark` into a new build schema, run the
    quality gate on it, and switch the reader views to it when nothing blocking failed."""
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
    if gate:
        from mtm.checks import gate as quality_gate  # imported late: Great Expectations takes seconds

        outcome = quality_gate.run_gate(gate_database(spark, schema), reconcile=reconcile, data_docs=False)
        if outcome.blocking_failed:
            raise QualityGateFailed(f"{', '.join(outcome.blocking_failed)}; readers keep the previous build")
    if publish:
        result = run_spark_dbt(spark, "run-operation", "publish_marts", "--no-use-colors",
                               "--args", json.dumps({"build_schema": schema, "keep": KEEP_BUILDS}))
        if result.returncode != 0:
            sys.stderr.write(result.stdout[-6000:] + result.stderr[-3000:])
            raise QualityGateFailed("switching the reader views failed")
        progress.step(f"readers now see {schema} through the views {READER_SCHEMA}.*")
    return spark
