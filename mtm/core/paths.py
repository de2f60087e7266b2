"""Where the project's own files are: the dbt project, the forms, the expectations, shipped data."""

from __future__ import annotations

from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]
FORMS_DIR = PROJECT_DIR / "forms" / "bma"
# A copy of forms/bma to use instead (its settings.csv registering more rounds): Python reads the
# forms from it and `mtm build` gives dbt its settings.csv as the `rounds` seed (mtm.pipeline.project).
FORMS_DIR_ENV = "MTM_FORMS_DIR"
EXPECTATIONS_DIR = PROJECT_DIR / "expectations"
GAP_WORKBOOK = PROJECT_DIR / "data" / "gaps" / "kgz_2024.xlsx"
