# Two commands for a newcomer: `make demo` and `make test`. Both create .venv when it is missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

SPARK_VENV := .venv-spark
SPARK_STAMP := $(SPARK_VENV)/.installed
JAVA_HOME ?= $(shell test -d /usr/lib/jvm/java-17-openjdk-amd64 && echo /usr/lib/jvm/java-17-openjdk-amd64)
export JAVA_HOME

.PHONY: setup demo test test-builds lint browser office bench bench-scale clean java spark-setup test-spark

setup: $(STAMP) ## create .venv and install the pinned dependencies (nothing else)

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

demo: $(STAMP) ## sample rounds 1-3, load, build, publish and write the reports
	$(BIN)/mtm demo

browser: ## headless chromium for the report tests (Debian package), installed when missing
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

office: ## LibreOffice Calc (Debian package, headless) for the export tests, installed when missing (~80 s)
	@command -v soffice >/dev/null 2>&1 || { \
	  echo "installing Debian's libreoffice-calc for the export tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	    libreoffice-calc >/dev/null; }

test: $(STAMP) browser office ## lint (ruff, mypy, sqlfluff), then every pytest area but the whole-build suites
	$(MAKE) --no-print-directory lint
	$(BIN)/python -m pytest -q -m "not builds"

test-builds: $(STAMP) ## builds killed at three moments; incremental builds against builds from scratch (~6 min)
	$(BIN)/python -m pytest -q -m builds

java: ## Java 17 for Spark (Debian's openjdk-17-jre-headless), installed when missing
	@java -version 2>&1 | grep -q 'version "17' || { \
	  echo "installing Debian's openjdk-17-jre-headless for Spark"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless >/dev/null; }

spark-setup: $(SPARK_STAMP) java ## .venv-spark: pyspark 3.5 + dbt-spark 1.11 in their own environment

$(SPARK_STAMP): constraints-spark.txt
	@test -x $(SPARK_VENV)/bin/python || $(PYTHON) -m venv $(SPARK_VENV)
	$(SPARK_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(SPARK_VENV)/bin/python -m pip install --quiet -c constraints-spark.txt \
	  'dbt-core>=1.11,<1.12' 'dbt-spark[session]==1.11.0' 'pyspark>=3.5,<3.6'
	@touch $(SPARK_STAMP)

test-spark: $(STAMP) spark-setup ## sample rounds 1-3 on local Spark, every public mart compared with DuckDB
	MTM_SPARK_TESTS=1 $(BIN)/python -m pytest -q -s -p no:cacheprovider --basetemp=.spark-tmp tests/spark

lint: $(STAMP) ## ruff (with import order, pyupgrade, bugbear), mypy on mtm/, sqlfluff on the models
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/sqlfluff lint models

bench: $(STAMP) ## speed and memory targets (not part of `make test`)
	$(BIN)/python benchmarks/bench_load.py

BENCH_ROUNDS ?= 5
BENCH_COMMUNITIES ?= 2000
bench-scale: $(STAMP) ## R rounds x C communities, then one round more (BENCH_ROUNDS=30 BENCH_COMMUNITIES=10000)
	$(BIN)/python benchmarks/bench_scale.py --rounds $(BENCH_ROUNDS) --communities $(BENCH_COMMUNITIES)

clean:
	rm -rf warehouse target logs out expectations/gx/uncommitted expectations/uncommitted
