"""A reader on the local Spark target: prints JSON rows of one query. Run with .venv-spark's python:

    .venv-spark/bin/python tests/spark/spark_reader.py <spark dir> "<sql>"

Same warehouse folder and Derby metastore as the `spark` target of profiles.yml (one Spark process
at a time: run it when no dbt is running on that folder).
"""

import json
import sys

from pyspark.sql import SparkSession

root, sql = sys.argv[1], sys.argv[2]
session = (SparkSession.builder.master("local[1]").appName("mtm-reader").enableHiveSupport()
           .config("spark.sql.warehouse.dir", f"{root}/tables")
           .config("spark.hadoop.javax.jdo.option.ConnectionURL",
                   f"jdbc:derby:;databaseName={root}/metastore_db;create=true")
           .config("spark.driver.extraJavaOptions", f"-Dderby.system.home={root}")
           .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
           .getOrCreate())
session.sparkContext.setLogLevel("ERROR")
print(json.dumps([list(row) for row in session.sql(sql).collect()], default=str))
session.stop()
