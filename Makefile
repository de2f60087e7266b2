# Two commands for a newcomer: `make demo` and `make test`. Both create .venv when it is missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup demo test lint browser office bench clean

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

test: $(STAMP) browser office ## the whole suite: lint (ruff, mypy, sqlfluff), then every pytest area
	$(MAKE) --no-print-directory lint
	$(BIN)/python -m pytest -q

lint: $(STAMP) ## ruff (with import order, pyupgrade, bugbear), mypy on mtm/, sqlfluff on the models
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/sqlfluff lint models

bench: $(STAMP) ## speed and memory targets (not part of `make test`)
	$(BIN)/python benchmarks/bench_load.py

clean:
	rm -rf warehouse target logs out
