"""Build a gap-analysis workbook (``<name>.xlsx``) from its editable CSV source (``<name>/``).

    .venv/bin/python data/gaps/build_workbook.py data/gaps/kgz_2024

The folder holds ``about.csv`` (field,value), ``availability.csv`` and ``sources.csv`` (each with a
``thematic_area`` column: one sheet per area is made from them) and ``estimates.csv``. The layout
written is the one ``mtm load-gaps`` reads (docs/gap-workbook.md). The output is byte-for-byte
reproducible: the workbook's creation date is fixed.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import sys
from pathlib import Path

import xlsxwriter

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
AVAILABILITY_COLUMNS = ["measure", "breakdown", "year", "status", "report_silent", "nearest_evidence_year",
                        "evidence", "source_ids", "note"]
SOURCES_COLUMNS = ["source_id", "year_from", "year_to", "source", "authors", "institution", "title", "link",
                   "data_source_type", "frequency", "publicly_available", "breakdowns", "definition_used",
                   "language", "published"]
NUMERIC = {"year", "nearest_evidence_year", "year_from", "year_to", "published", "reference_year", "value"}
WIDTHS = {"evidence": 70, "note": 30, "title": 45, "definition_used": 45, "definition": 50, "source": 28,
          "institution": 30, "link": 30, "breakdowns": 30, "authors": 22, "source_ids": 26}
FIXED_DATE = dt.datetime(2024, 1, 31)
README = [
    "Migration Data Gap Analysis workbook (format: docs/gap-workbook.md in the MTM warehouse repository).",
    "Sheet 'about': country_code (ISO 3166-1 alpha-3), country_name, first_year, last_year, and free notes.",
    ("One sheet per thematic area, named by its code. Column A holds two marker rows: 'availability' and "
     "'sources'; each table's header is the row below its marker and the table ends at the first empty row."),
    ("availability: one row per indicator (measure x breakdown) and year; status available / partial / "
     "not_available; evidence = the report section and what it says."),
    ("Where the report says nothing about a year: report_silent = yes, the status of the nearest year with "
     "evidence, and that year in nearest_evidence_year."),
    "sources: one row per source (the sources-by-year table); source_ids in availability refer to it.",
    "Sheet 'estimates' (optional): every published numeric estimate, one row each.",
    "Load with: mtm load-gaps FILE [--country XXX]",
]


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _codes(seed: str, column: str) -> list[str]:
    return [r[column] for r in _read(SEEDS / f"{seed}.csv")]


def _value(column: str, text: str) -> str | int | float:
    """Numbers as numbers (so spreadsheet users see numbers), everything else as text."""
    if column in NUMERIC and text.strip():
        try:
            f = float(text)
        except ValueError:
            return text
        return int(f) if f.is_integer() else f
    return text


def _write_table(ws, row: int, columns: list[str], rows: list[dict[str, str]], header_fmt) -> int:
    """Write a header and its rows from ``row``; return the row after the table."""
    for j, c in enumerate(columns):
        ws.write_string(row, j, c, header_fmt)
    for i, r in enumerate(rows, start=row + 1):
        for j, c in enumerate(columns):
            v = _value(c, r.get(c, "") or "")
            if v == "":
                continue
            if isinstance(v, str):
                ws.write_string(i, j, v)
            else:
                ws.write_number(i, j, v)
    return row + 1 + len(rows)


def build(folder: Path, out: Path) -> Path:
    """Write the workbook of ``folder`` to ``out``."""
    areas = _codes("gap_thematic_areas", "thematic_area")
    statuses = _codes("gap_statuses", "status")
    measures = _codes("gap_measures", "measure")
    breakdowns = _codes("gap_breakdowns", "breakdown")
    about = _read(folder / "about.csv")
    availability = _read(folder / "availability.csv")
    sources = _read(folder / "sources.csv")
    estimates = _read(folder / "estimates.csv") if (folder / "estimates.csv").exists() else []
    unknown = {r["thematic_area"] for r in availability + sources} - set(areas)
    if unknown:
        raise SystemExit(f"unknown thematic_area in {folder}: {', '.join(sorted(unknown))}")

    wb = xlsxwriter.Workbook(str(out), {"strings_to_numbers": False, "strings_to_urls": False})
    wb.set_properties({"title": "Migration Data Gap Analysis", "created": FIXED_DATE})
    bold = wb.add_format({"bold": True, "bg_color": "#DDE5F0"})
    marker = wb.add_format({"bold": True, "font_size": 12})

    ws = wb.add_worksheet("readme")
    ws.set_column(0, 0, 120)
    for i, line in enumerate(README):
        ws.write_string(i, 0, line)

    ws = wb.add_worksheet("about")
    ws.set_column(0, 0, 18)
    ws.set_column(1, 1, 90)
    _write_table(ws, 0, ["field", "value"], about, bold)

    for area in areas:
        ws = wb.add_worksheet(area)
        avail = [r for r in availability if r["thematic_area"] == area]
        srcs = [r for r in sources if r["thematic_area"] == area]
        ws.write_string(0, 0, "availability", marker)
        end = _write_table(ws, 1, AVAILABILITY_COLUMNS, avail, bold)
        if avail:
            last = end - 1
            ws.data_validation(2, 0, last, 0, {"validate": "list", "source": measures})
            ws.data_validation(2, 3, last, 3, {"validate": "list", "source": statuses})
            ws.data_validation(2, 4, last, 4, {"validate": "list", "source": ["yes", "no"]})
            ws.data_validation(2, 1, last, 1, {"validate": "list", "source": f"=codes!$A$2:$A${len(breakdowns) + 1}"})
        start = end + 1
        ws.write_string(start, 0, "sources", marker)
        _write_table(ws, start + 1, SOURCES_COLUMNS, srcs, bold)
        for j, c in enumerate(AVAILABILITY_COLUMNS):
            ws.set_column(j, j, WIDTHS.get(c, 14))
        ws.freeze_panes(2, 0)

    if estimates:
        ws = wb.add_worksheet("estimates")
        columns = list(estimates[0].keys())
        _write_table(ws, 0, columns, estimates, bold)
        for j, c in enumerate(columns):
            ws.set_column(j, j, WIDTHS.get(c, 14))
        ws.freeze_panes(1, 0)

    ws = wb.add_worksheet("codes")
    ws.write_string(0, 0, "breakdown", bold)
    for i, b in enumerate(breakdowns, start=1):
        ws.write_string(i, 0, b)
    wb.close()
    return out


def main(argv: list[str] | None = None) -> int:
    """Command line: build the workbook of one folder (``<folder>.xlsx`` beside it by default)."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("folder", type=Path)
    p.add_argument("--out", type=Path, default=None)
    args = p.parse_args(argv)
    out = args.out or args.folder.with_suffix(".xlsx")
    print(build(args.folder, out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
