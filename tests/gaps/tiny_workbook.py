"""A hand-made tiny gap workbook (years 2020-2021, every thematic area) and its scores by hand.

It is written as the CSV source folder of ``data/gaps/build_workbook.py`` and built with it, so the
shipped build script is exercised too. ``EXPECTED_SCORES`` and ``EXPECTED_WITH_MTM`` are worked
out by hand from ``AVAILABILITY`` (available 1, partial 0.5, not available 0, in per cent) and from
the stand-in BMA marts of ``tests/gaps/test_marts.py``.
"""

from __future__ import annotations

import csv
import importlib.util
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]
BUILD_SCRIPT = PROJECT_DIR / "data" / "gaps" / "build_workbook.py"

AREAS = ("immigration", "emigration", "return_migration", "undocumented_migration", "refugees_in",
         "refugees_from", "internal_displacement", "internal_migration", "remittances", "big_data")

ABOUT = [("country_code", "KGZ"), ("country_name", "Kyrgyzstan"), ("first_year", "2020"),
         ("last_year", "2021")]

A, P, N = "available", "partial", "not_available"

# (area, measure, breakdown, year, status, report_silent, nearest_evidence_year, source_ids)
AVAILABILITY: list[tuple[str, str, str, int, str, str, str, str]] = [
    ("immigration", "stock", "total", 2020, A, "no", "", "nsc; desa"),
    ("immigration", "stock", "total", 2021, P, "no", "", "nsc"),
    ("immigration", "flow", "total", 2020, N, "no", "", ""),
    ("immigration", "flow", "total", 2021, N, "yes", "2020", ""),
    ("emigration", "stock", "total", 2020, P, "no", "", "mol"),
    ("emigration", "stock", "total", 2021, P, "no", "", "mol"),
    ("return_migration", "flow", "total", 2020, P, "no", "", "survey"),
    ("return_migration", "flow", "total", 2021, N, "no", "", ""),
    ("return_migration", "flow", "country_of_return", 2020, N, "no", "", ""),
    ("return_migration", "flow", "country_of_return", 2021, N, "no", "", ""),
    ("return_migration", "stock", "total", 2020, N, "no", "", ""),
    ("return_migration", "stock", "total", 2021, N, "no", "", ""),
]
for _area in AREAS[3:]:
    AVAILABILITY += [(_area, "stock", "total", 2020, A, "no", "", "src"),
                     (_area, "stock", "total", 2021, N, "no", "", "")]

SOURCES: dict[str, list[str]] = {
    "immigration": ["nsc", "desa"], "emigration": ["mol"], "return_migration": ["survey"],
    **{a: ["src"] for a in AREAS[3:]},
}

ESTIMATES = [
    ("e1", "emigrant_stock", "", "total", 2020, "2020", "500", "persons", "mol", "living abroad (ministry)"),
    ("e2", "emigrant_stock", "RUS", "total", 2020, "2020", "400", "persons", "mol", "living abroad (ministry)"),
]

# (area, year) -> coverage_score, by hand
EXPECTED_SCORES = {
    ("immigration", 2020): 50.0,            # available + not_available -> 1 / 2
    ("immigration", 2021): 25.0,            # partial + not_available -> 0.5 / 2
    ("emigration", 2020): 50.0,             # partial -> 0.5 / 1
    ("emigration", 2021): 50.0,
    ("return_migration", 2020): 100 * 0.5 / 3,   # partial + 2 not_available
    ("return_migration", 2021): 0.0,
    **{(a, 2020): 100.0 for a in AREAS[3:]},
    **{(a, 2021): 0.0 for a in AREAS[3:]},
}

# the stand-in marts supply return migrants (year 2020, 2021, 2022; by country; national) ->
# return_migration: all three indicators `available` in 2020 and 2021
EXPECTED_WITH_MTM = {**EXPECTED_SCORES, ("return_migration", 2020): 100.0, ("return_migration", 2021): 100.0}


def _build_module():
    spec = importlib.util.spec_from_file_location("gap_build_workbook", BUILD_SCRIPT)
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


def write_source(folder: Path, availability=None, sources=None, estimates=None, about=None) -> Path:
    """Write the CSV source folder of a workbook (defaults: the tiny workbook above)."""
    folder.mkdir(parents=True, exist_ok=True)
    availability = AVAILABILITY if availability is None else availability
    sources = SOURCES if sources is None else sources
    estimates = ESTIMATES if estimates is None else estimates
    about = ABOUT if about is None else about
    with (folder / "about.csv").open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["field", "value"])
        w.writerows(about)
    with (folder / "availability.csv").open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["thematic_area", "measure", "breakdown", "year", "status", "report_silent",
                    "nearest_evidence_year", "evidence", "source_ids", "note"])
        for area, measure, breakdown, year, status, silent, nearest, ids in availability:
            w.writerow([area, measure, breakdown, year, status, silent, nearest, f"section of {area}", ids, ""])
    with (folder / "sources.csv").open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["thematic_area", "source_id", "year_from", "year_to", "source", "authors", "institution",
                    "title", "link", "data_source_type", "frequency", "publicly_available", "breakdowns",
                    "definition_used", "language", "published"])
        for area, ids in sources.items():
            for sid in ids:
                w.writerow([area, sid, 2020, 2021, f"Source {sid}", "", "Agency", f"Title {sid}", "",
                            "administrative_data", "annual", "yes", "total", "def", "en", 2022])
    with (folder / "estimates.csv").open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["estimate_id", "concept", "country_code", "subgroup", "reference_year", "reference_period",
                    "value", "unit", "source_id", "definition", "evidence"])
        for row in estimates:
            w.writerow([*row, "3.2"])
    return folder


def build_workbook(folder: Path, out: Path) -> Path:
    """Build ``out`` from a CSV source folder with the shipped build script."""
    return _build_module().build(folder, out)


def tiny_workbook(tmp: Path, name: str = "tiny", **overrides) -> Path:
    """The tiny workbook (or a variant with overridden tables) as ``<tmp>/<name>.xlsx``."""
    folder = write_source(tmp / name, **overrides)
    return build_workbook(folder, tmp / f"{name}.xlsx")
