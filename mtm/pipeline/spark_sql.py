"""A Spark SQL session for the gate and the publishing of a Spark build: run by the Spark
environment's python (.venv-spark, which has pyspark and not mtm), never imported by mtm.

    .venv-spark/bin/python mtm/pipeline/spark_sql.py

Reads JSON lines on stdin. The first gives the session: ``{"conf": {...}}`` (the profile target's
``server_side_parameters``, so the session sees the same metastore and tables as dbt). Each
further line is one statement, ``{"sql": "...", "out": "<folder>" | null}``:

- with ``out``: the result is written there as Parquet by Spark, with a column ``_mtm_row`` that
  numbers the rows in the query's order (``monotonically_increasing_id`` over the sorted result;
  Parquet parts carry no order of their own), and the answer is ``{"ok": true}``;
- without: the rows are collected and answered as JSON (``{"ok": true, "rows": [[...], ...]}``;
  only for small results, e.g. a reader's count).

A failed statement answers ``{"error": "<first line of Spark's message>"}`` and the session goes
on. Answers are the stdout lines that start with ``MTM-SPARK `` (Spark's own output is never
mistaken for one). End of input closes the session.
"""

import json
import sys

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

MARK = "MTM-SPARK "
ROW = "_mtm_row"


def answer(payload: dict) -> None:
    sys.stdout.write(MARK + json.dumps(payload, default=str) + "\n")
    sys.stdout.flush()


def main() -> None:
    setup = json.loads(sys.stdin.readline())
    builder = SparkSession.builder.appName(setup.get("app", "mtm")).enableHiveSupport()
    for key, value in setup.get("conf", {}).items():
        builder = builder.master(str(value)) if key == "spark.master" else builder.config(key, str(value))
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    answer({"ok": True, "spark": session.version})
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        try:
            frame = session.sql(request["sql"])
            if request.get("out"):
                frame.withColumn(ROW, F.monotonically_increasing_id()).write.mode("overwrite").parquet(
                    request["out"])
                answer({"ok": True})
            else:
                answer({"ok": True, "rows": [list(row) for row in frame.collect()]})
        except Exception as exc:  # every Spark error is answered, the session goes on
            message = str(exc).strip().splitlines()
            answer({"error": message[0] if message else type(exc).__name__})
    session.stop()


if __name__ == "__main__":
    main()
