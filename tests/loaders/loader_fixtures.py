"""Small Kobo exports built from the form definitions, for the loader tests."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pandas as pd

from mtm.core import forms, kobo_layout
from mtm.sample.kobo_export import write_export

PERSONAL_VALUES = ("Aibek Enumeratorov", "Gulnara Informantova", "+996 555 123 456", "kobo_officer_7")


def _value(column: str, row: int, parent: int, round_id: int = 3) -> object:
    """A plausible cell for a column path (numbers as numbers, a few numbers-as-text)."""
    name = column.rsplit("/", 1)[-1]
    if column == "enumerator_name":
        return PERSONAL_VALUES[0]
    if column == "ki/ki_name":
        return PERSONAL_VALUES[1]
    if column == "ki/ki_phone":
        return PERSONAL_VALUES[2]
    if column in ("_submitted_by", "_submission__submitted_by"):
        return PERSONAL_VALUES[3]
    if column in ("_notes", "_tags", "_submission__notes", "_submission__tags"):
        return None
    if column == "_index":
        return row
    if column in ("_parent_index", "_submission__id"):
        return parent
    if column == "_id":
        return 1000 + row
    if column.endswith("community_id"):
        return f"C{row:05d}"
    if column.endswith("submission_time"):  # within the round's collection period
        start = (forms.collection_dates("b2", round_id) or (dt.date(2024, 3, 1),))[0]
        return f"{start + dt.timedelta(days=row % 28)}T09:21:07"
    if name in ("households", "population", "ki_count"):
        return row * 3
    if forms.per_year_of(name) or name.endswith("_n") or name.startswith("est_"):
        return " 12 " if row % 5 == 0 else (-99 if row % 7 == 0 else row * 3)
    if name.endswith("_country"):
        return "rus"
    if name == "_parent_table_name":
        return "parent"
    if name.endswith("validation_status"):
        return "validation_status_approved"
    for form in ("b2", "b1"):  # a select question: a choice of its list, as Kobo writes it
        select = kobo_layout.select_list(form, column)
        if select is not None:
            names = [c.name for c in forms.choices(form)[select[1]]]
            return names[row % len(names)]
    return f"{name}_{row}"


def make_sheets(form: str, round_id: int, n: int = 5, per_parent: int = 2) -> dict[str, pd.DataFrame]:
    """A tiny export of a form and round: ``n`` submissions, ``per_parent`` rows in each repeat."""
    out: dict[str, pd.DataFrame] = {}
    for sheet, cols in forms.expected_columns(form, round_id).items():
        key = forms.sheet_key(form, sheet, round_id)
        if key == forms.MAIN:
            rows = [[_value(c, i, i, round_id) for c in cols] for i in range(1, n + 1)]
        else:
            rows = [[_value(c, (p - 1) * per_parent + k, p, round_id) for c in cols]
                    for p in range(1, n + 1) for k in range(1, per_parent + 1)]
        out[sheet] = pd.DataFrame(rows, columns=cols, dtype=object)
    return out


def export(tmp: Path, form: str, round_id: int, fmt: str = "xlsx", name: str | None = None,
           sheets: dict[str, pd.DataFrame] | None = None, **kw) -> Path:
    """Write a tiny export and return its path."""
    sheets = sheets if sheets is not None else make_sheets(form, round_id, **kw)
    suffix = {"xlsx": ".xlsx", "zip": ".zip", "csv": ""}[fmt]
    return write_export(sheets, tmp / f"{name or f'{form}_r{round_id}_{fmt}'}{suffix}", fmt)


def snapshot(db: Path) -> dict[str, list]:
    """Every table of a warehouse file with all its rows, sorted (for before/after equality)."""
    if not db.exists():
        return {}
    con = duckdb.connect(str(db), read_only=True)
    try:
        tables = con.execute("SELECT table_schema, table_name FROM information_schema.tables "
                             "ORDER BY 1, 2").fetchall()
        out = {}
        for s, t in tables:
            cols = [r[0] for r in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_schema=? AND table_name=? "
                "ORDER BY ordinal_position", [s, t]).fetchall()]
            rows = con.execute(f'SELECT * FROM "{s}"."{t}"').fetchall()
            out[f"{s}.{t}"] = [cols, sorted(rows, key=repr)]
        return out
    finally:
        con.close()
