"""Where the project's own files are: the dbt project, the forms, the expectations, shipped data."""

from __future__ import annotations

from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]
FORMS_DIR = PROJECT_DIR / "forms" / "bma"
EXPECTATIONS_DIR = PROJECT_DIR / "expectations"
GAP_WORKBOOK = PROJECT_DIR / "data" / "gaps" / "kgz_2024.xlsx"
