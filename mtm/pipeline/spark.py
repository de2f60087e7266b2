"""Build the warehouse on Spark: the same dbt project, `--target spark` (docs/spark.md).

The loads land in DuckDB as always (every landing rule lives there); `mtm.loaders.lake.sync` copies
them to a Parquet lake folder; dbt-spark registers the lake as schema `raw` (macro register_lake,
run at the start of every dbt run) and builds staging -> marts as Parquet tables.

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
from pathlib import Path

from mtm.core import progress, warehouse
from mtm.core.errors import InputError, QualityGateFailed
from mtm.core.paths import PROJECT_DIR
from mtm.loaders import lake

SPARK_TARGET = "spark"


@dataclass(frozen=True)
class SparkLayout:
    """Where a Spark build reads and writes."""

    root: Path

    @property
    def lake(self) -> Path:
        """The Parquet lake folder (raw for Spark)."""
        return self.root / "lake"

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


def run_spark_dbt(spark: SparkLayout, *args: str) -> subprocess.CompletedProcess[str]:
    """Run a dbt command of the Spark environment on the project, target spark; output captured."""
    env = dict(os.environ)
    env["MTM_SPARK_DIR"] = str(spark.root)
    env.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    env.setdefault("DBT_TARGET_PATH", str(spark.root / "target"))
    env.setdefault("DBT_LOG_PATH", str(spark.root / "logs"))
    variables = json.dumps({"lake_dir": str(spark.lake), "lake_relations": lake.relations(spark.lake)})
    cmd = [str(spark_dbt()), *args, "--target", SPARK_TARGET, "--vars", variables,
           "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR)]
    return subprocess.run(cmd, env=env, cwd=PROJECT_DIR, text=True, capture_output=True, check=False)


def build(paths: warehouse.WarehousePaths) -> SparkLayout:
    """Sync the lake from the working copy, then `dbt build --target spark`. Returns the layout."""
    spark = layout(paths)
    started = time.monotonic()
    synced = lake.sync(paths.working, spark.lake)
    progress.step(f"lake {spark.lake}: {len(synced.loads_written)} new load(s), "
                  f"{len(synced.records_written)} new log record(s)")
    spark.root.mkdir(parents=True, exist_ok=True)
    progress.step("dbt build --target spark")
    result = run_spark_dbt(spark, "build", "--no-use-colors")
    if result.returncode != 0:
        sys.stderr.write(result.stdout[-6000:] + result.stderr[-3000:])
        raise QualityGateFailed("dbt build on Spark failed (models or dbt tests)")
    progress.step(f"Spark build done in {time.monotonic() - started:.0f} s")
    return spark
