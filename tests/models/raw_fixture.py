"""Raw tables as `mtm load` lands them (docs/architecture.md, "Raw schema contract"), for tests.

The models' tests build their own raw schema from hand-written rows so that they do not depend on
the loader or the sample generator.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from mtm.loaders.raw import LOAD_LOG_COLUMNS

LINEAGE = (
    ("_load_id", "VARCHAR"),
    ("_round_id", "INTEGER"),
    ("_form", "VARCHAR"),
    ("_file_name", "VARCHAR"),
    ("_file_sha256", "VARCHAR"),
    ("_sheet_name", "VARCHAR"),
    ("_source_row", "INTEGER"),
)

SHEETS = {
    "b2_main": ("b2", "BMA Kyrgyzstan B2 village asses"),
    "b2_ki": ("b2", "ki"),
    "b2_imw_nat": ("b2", "imw_nat"),
    "b2_ret_cty": ("b2", "ret_cty"),
    "b2_emi_cty": ("b2", "emi_cty"),
    "b2_int_in_origin": ("b2", "int_in_origin"),
    "b2_int_out_dest": ("b2", "int_out_dest"),
    "b1_main": ("b1", "BMA Kyrgyzstan B1 district asse"),
    "b1_villages": ("b1", "villages"),
}

def column_name(kobo_path: str) -> str:
    """Raw column name of a Kobo path: lower-cased, `/` -> `__`."""
    return kobo_path.lower().replace("/", "__")


@dataclass
class Load:
    """One load attempt and the rows it landed, per raw table (rows keyed by Kobo path)."""

    load_id: str
    round_id: int
    form: str
    attempted_at: str
    status: str = "loaded"
    rows: dict[str, list[dict[str, str | None]]] = field(default_factory=dict)


def write_raw(path: Path, loads: list[Load]) -> None:
    """Create schema `raw` in the DuckDB file ``path`` with every table of the contract."""
    con = duckdb.connect(str(path))
    try:
        con.execute("create schema if not exists raw")
        cols = ", ".join(f'"{n}" {t}' for n, t in LOAD_LOG_COLUMNS)
        con.execute(f"create or replace table raw.load_log ({cols})")
        for table, (form, sheet) in SHEETS.items():
            names: list[str] = []
            for load in loads:
                for row in load.rows.get(table, []):
                    for key in row:
                        name = column_name(key)
                        if name not in names:
                            names.append(name)
            defs = [f'"{n}" {t}' for n, t in LINEAGE] + [f'"{n}" VARCHAR' for n in names]
            con.execute(f"create or replace table raw.{table} ({', '.join(defs)})")
            for load in loads:
                rows = load.rows.get(table, [])
                for number, row in enumerate(rows, start=2):
                    values = {column_name(k): v for k, v in row.items()}
                    record = [load.load_id, load.round_id, form, f"{load.load_id}.xlsx", "sha", sheet, number]
                    record += [values.get(n) for n in names]
                    marks = ", ".join("?" for _ in record)
                    con.execute(f"insert into raw.{table} values ({marks})", record)
        for load in loads:
            counts = {t: len(r) for t, r in load.rows.items()}
            con.execute(
                "insert into raw.load_log values (?, ?, ?, ?, ?, ?, 'sha', ?, '', ?, '[]', '[]', null)",
                [load.load_id, load.attempted_at, load.round_id, load.form, f"{load.load_id}.xlsx",
                 f"/in/{load.load_id}.xlsx", load.status, json.dumps(counts)],
            )
    finally:
        con.close()
