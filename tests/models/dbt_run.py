"""Run this area's dbt models on a throw-away warehouse.

The tests copy the models' part of the project (models, macros, seeds of the BMA layers; not the
other areas' dbt files) into a temporary folder, so a test can add a round to the registry without
touching the repository, and other areas' work in progress cannot break these tests.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]
DBT = Path(sys.executable).with_name("dbt")
# The BMA layers' dbt files (the gap analysis and round comparison have their own tests).
MODEL_DIRS = (
    "models/staging/kobo",
    "models/intermediate/rounds",
    "models/intermediate/geo",
    "models/intermediate/b2",
    "models/intermediate/b1",
    "models/intermediate/quality",
    "models/marts/communities",
    "models/marts/population",
    "models/marts/services",
    "models/marts/coverage",
    "models/marts/quality",
)
MODEL_FILES = ("models/marts/_marts__unit_tests.yml",)
MACRO_DIRS = ("macros/cleaning", "macros/introspection", "macros/portable", "macros/tests")
TOP_FILES = ("dbt_project.yml", "profiles.yml", "macros/generate_schema_name.sql")
SEEDS = ("countries", "ki_types", "oblasts", "population_groups", "rayons", "reasons", "rounds",
         "services", "settlement_types", "iso_countries", "country_name_keys", "country_name_tokens",
         "country_search_terms")


def copy_project(dest: Path) -> Path:
    """Copy the BMA part of the dbt project into ``dest``; return ``dest``."""
    for rel in (*MODEL_DIRS, *MACRO_DIRS):
        shutil.copytree(PROJECT_DIR / rel, dest / rel)
    for rel in (*TOP_FILES, *MODEL_FILES, "seeds/_seeds.yml", *(f"seeds/{s}.csv" for s in SEEDS)):
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(PROJECT_DIR / rel, dest / rel)
    return dest


def dbt(project: Path, database: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run a dbt command on ``project`` against the DuckDB file ``database``; output captured."""
    env = dict(os.environ)
    env.update({
        "MTM_DBT_PATH": str(database),
        "DBT_TARGET_PATH": str(project / "target"),
        "DBT_LOG_PATH": str(project / "logs"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    })
    cmd = [str(DBT), *args, "--project-dir", str(project), "--profiles-dir", str(project)]
    return subprocess.run(cmd, env=env, cwd=project, text=True, capture_output=True, check=False)
