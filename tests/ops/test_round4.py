"""Adding round 4 needs a new row in the round registry and its files, nothing else.

In a copy of the project (the registry files are edited there, never in the repository), an
operator's steps: append round 4's rows to the registry (`forms/bma/settings.csv`, and the dbt seed
`seeds/rounds.csv` when it is a separate file), generate round 4 with the sample generator
(years 2020-2025, internal reference year 2024) next to a round 3, load both, build, and find
round 4 in the marts. No SQL or Python is touched.
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from mtm.core import warehouse

PROJECT = Path(__file__).resolve().parents[2]
COPY_IGNORE = shutil.ignore_patterns(".venv", ".git", "warehouse", "target", "logs", "out", "__pycache__",
                                     ".pytest_cache", ".ruff_cache", "*.egg-info", "uncommitted",
                                     "dbt_packages", "*.duckdb", "*.duckdb.wal")
ROUND4_YEARS = "2020 2021 2022 2023 2024 2025"
ROUND4_ROWS = {
    "b2": {"version": "r4", "round": "4", "reference_years": ROUND4_YEARS, "internal_reference_year": "2024",
           "collection_period": "October 2025"},
    "b1": {"version": "r4", "round": "4", "reference_years": "", "internal_reference_year": "",
           "collection_period": "October 2025"},
}


def add_round_to_registry(project: Path) -> list[Path]:
    """Append round 4 (one row per form, copied from the form's round-3 row) to the registry files."""
    registry = project / "forms" / "bma" / "settings.csv"
    seed = project / "seeds" / "rounds.csv"
    files = [registry]
    if seed.exists() and seed.resolve() != registry.resolve():
        files.append(seed)
    for path in files:
        with open(path, newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
            fields = list(rows[0])
        for form, changes in ROUND4_ROWS.items():
            template = next(r for r in rows if r["form"] == form and r["round"] == "3")
            rows.append({**template, **changes})
        with open(path, "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=fields, lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
    return files


def mtm(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the copy's `mtm` (its own packages first on the path) in the copy."""
    env = dict(os.environ, PYTHONPATH=str(project), DBT_TARGET_PATH=str(project / "target"),
               DBT_LOG_PATH=str(project / "logs"))
    env.pop("MTM_WAREHOUSE", None)
    result = subprocess.run([sys.executable, "-m", "mtm.cli", "--quiet", *args], check=False, cwd=project,
                            env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, f"mtm {' '.join(args)}:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


@pytest.fixture(scope="module")
def round4_warehouse(tmp_path_factory: pytest.TempPathFactory) -> warehouse.WarehousePaths:
    project = tmp_path_factory.mktemp("round4") / "project"
    shutil.copytree(PROJECT, project, ignore=COPY_IGNORE, symlinks=True)
    add_round_to_registry(project)
    wh = warehouse.resolve(project / "warehouse" / "mtm.duckdb")
    for round_id in (3, 4):
        out = project / "warehouse" / "sample" / f"round-{round_id}"
        mtm(project, "sample", "--round", str(round_id), "--out", str(out), "--format", "csv")
        exports = sorted(str(p) for p in out.iterdir())
        mtm(project, "load", *exports, "--round", str(round_id), "--warehouse", str(wh.published))
    mtm(project, "build", "--warehouse", str(wh.published))
    return wh


def query(wh: warehouse.WarehousePaths, sql: str) -> list[tuple]:
    con = duckdb.connect(str(wh.published), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


@pytest.mark.slow
def test_round4_is_in_the_marts(round4_warehouse: warehouse.WarehousePaths) -> None:
    wh = round4_warehouse
    assert query(wh, "select distinct round_id from marts.national_population order by 1") == [(3,), (4,)]
    years = query(wh, "select year, is_partial_year from marts.population_by_year where round_id = 4"
                      " and population_group = 'return_migrants' order by year")
    assert [y for y, _ in years] == [2020, 2021, 2022, 2023, 2024, 2025]
    assert [y for y, partial in years if partial] == [2025]
    assert query(wh, "select distinct reference_year from marts.internal_migration where round_id = 4") == [(2024,)]
    (persons,) = query(wh, "select sum(persons) from marts.national_population where round_id = 4")[0]
    assert persons > 0


@pytest.mark.slow
def test_round4_is_compared_with_round3(round4_warehouse: warehouse.WarehousePaths) -> None:
    wh = round4_warehouse
    statuses = dict(query(wh, "select panel_status, count(*) from marts.round_panel where round_id = 4"
                              " group by 1"))
    assert statuses.get("stayed", 0) > 0
    assert query(wh, "select distinct previous_round_id from marts.round_comparison where round_id = 4") == [(3,)]
    years = query(wh, "select distinct year from marts.round_comparison where round_id = 4"
                      " and population_group = 'emigrants' order by 1")
    assert [y for (y,) in years] == [2020, 2021, 2022, 2023, 2024]  # the years both rounds report
    internal = query(wh, "select distinct year from marts.round_comparison where round_id = 4"
                         " and population_group = 'internal_migrants'")
    assert internal == []  # round 3 asked about 2023, round 4 about 2024: nothing to compare
