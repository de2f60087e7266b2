"""The ``raw`` schema's shared pieces: lineage columns, ``raw.load_log`` and ``raw.load_sheets``,
the views that give every landed row its full lineage (docs/architecture.md)."""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from mtm.core.errors import InputError, WarehouseBusy

SCHEMA = "raw"

LINEAGE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("_load_id", "VARCHAR"),
    ("_round_id", "INTEGER"),
    ("_form", "VARCHAR"),
    ("_file_name", "VARCHAR"),
    ("_file_sha256", "VARCHAR"),
    ("_sheet_name", "VARCHAR"),
    ("_source_row", "INTEGER"),
)

# What a Kobo sheet table stores on each row. The rest of the lineage is constant for a sheet of a
# load and is stored once, in raw.load_sheets and raw.load_log; the view raw.<table> puts it back on
# every row (LINEAGE_COLUMNS, in that order). Writing five constant text columns on every one of a
# million rows costs about a tenth of a landing's time and nothing in the warehouse needs it.
ROW_LINEAGE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("_load_id", "VARCHAR"),
    ("_source_row", "INTEGER"),
)

# The physical table behind the view raw.<table> of a Kobo sheet.
ROWS_SUFFIX = "__rows"

LOAD_SHEETS_COLUMNS: tuple[tuple[str, str], ...] = (
    ("load_id", "VARCHAR"),
    ("table_name", "VARCHAR"),
    ("sheet_name", "VARCHAR"),
    ("file_name", "VARCHAR"),
    ("rows_landed", "INTEGER"),
)

LOAD_LOG_COLUMNS: tuple[tuple[str, str], ...] = (
    ("load_id", "VARCHAR"),
    ("attempted_at", "TIMESTAMP"),
    ("round_id", "INTEGER"),
    ("form", "VARCHAR"),
    ("file_name", "VARCHAR"),
    ("file_path", "VARCHAR"),
    ("file_sha256", "VARCHAR"),
    ("status", "VARCHAR"),
    ("message", "VARCHAR"),
    ("rows_per_sheet", "VARCHAR"),
    ("personal_columns_dropped", "VARCHAR"),
    ("unknown_columns", "VARCHAR"),
    ("superseded_load_id", "VARCHAR"),
)

LOADED, DUPLICATE, REFUSED = "loaded", "duplicate", "refused"


def quote(identifier: str) -> str:
    """A DuckDB identifier in double quotes."""
    return '"' + identifier.replace('"', '""') + '"'


def new_load_id() -> str:
    """A sortable, unique load id: UTC time of the attempt plus a random suffix."""
    return dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]


def ensure_load_log(con: duckdb.DuckDBPyConnection) -> None:
    """Create schema ``raw`` and ``raw.load_log`` when missing (no-op otherwise)."""
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
    cols = ", ".join(f"{quote(n)} {t}" for n, t in LOAD_LOG_COLUMNS)
    con.execute(f"CREATE TABLE IF NOT EXISTS {SCHEMA}.load_log ({cols})")


def ensure_load_sheets(con: duckdb.DuckDBPyConnection) -> None:
    """Create ``raw.load_sheets`` (one row per sheet of a landed load) when missing.

    Called inside a load's transaction, so a refused first load leaves no trace of it."""
    cols = ", ".join(f"{quote(n)} {t}" for n, t in LOAD_SHEETS_COLUMNS)
    con.execute(f"CREATE TABLE IF NOT EXISTS {SCHEMA}.load_sheets ({cols})")


def write_load_sheet(con: duckdb.DuckDBPyConnection, values: list) -> None:
    """Insert one raw.load_sheets row: values in the order of LOAD_SHEETS_COLUMNS."""
    names = ", ".join(quote(n) for n, _ in LOAD_SHEETS_COLUMNS)
    marks = ", ".join("?" for _ in LOAD_SHEETS_COLUMNS)
    con.execute(f"INSERT INTO {SCHEMA}.load_sheets ({names}) VALUES ({marks})", values)


def sheet_view_sql(table: str) -> str:
    """``CREATE OR REPLACE VIEW raw.<table>``: the rows of ``raw.<table>__rows`` with the full
    lineage (LINEAGE_COLUMNS) first, then every landed column. Only loads logged as ``loaded``
    join, so a row appears exactly once."""
    literal = "'" + table.replace("'", "''") + "'"
    return (
        f"CREATE OR REPLACE VIEW {SCHEMA}.{quote(table)} AS SELECT r._load_id, l.round_id AS _round_id, "
        "l.form AS _form, s.file_name AS _file_name, l.file_sha256 AS _file_sha256, "
        "s.sheet_name AS _sheet_name, r._source_row, r.* EXCLUDE (_load_id, _source_row) "
        f"FROM {SCHEMA}.{quote(table + ROWS_SUFFIX)} AS r "
        f"INNER JOIN {SCHEMA}.load_sheets AS s ON s.load_id = r._load_id AND s.table_name = {literal} "
        f"INNER JOIN {SCHEMA}.load_log AS l ON l.load_id = r._load_id AND l.status = '{LOADED}'")


@dataclass
class Attempt:
    """One row of ``raw.load_log``."""

    load_id: str
    round_id: int | None
    form: str | None
    file_name: str
    file_path: str
    file_sha256: str | None
    status: str = REFUSED
    message: str = ""
    rows_per_sheet: dict[str, int] = field(default_factory=dict)
    personal_columns_dropped: list[str] = field(default_factory=list)
    unknown_columns: list[str] = field(default_factory=list)
    superseded_load_id: str | None = None
    attempted_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC).replace(tzinfo=None))


def first_row(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> tuple[Any, ...]:
    """The first row of a query that always has one (an aggregate, an UPDATE's or DELETE's count)."""
    rows = con.execute(sql, params or []).fetchall()
    if not rows:
        raise RuntimeError(f"the query returned no row: {sql[:80]}")
    return rows[0]


def first_row_or_none(con: duckdb.DuckDBPyConnection, sql: str,
                      params: list[Any] | None = None) -> tuple[Any, ...] | None:
    """The first row of a query, or None when it has none (results read to the end)."""
    rows = con.execute(sql, params or []).fetchall()
    return rows[0] if rows else None


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> Any:
    """The first value of the first row of a query that always has one row."""
    return first_row(con, sql, params)[0]


def write_attempt(con: duckdb.DuckDBPyConnection, a: Attempt) -> None:
    """Insert one load_log row (by name, so a log with extra columns still takes it)."""
    values = [a.load_id, a.attempted_at, a.round_id, a.form, a.file_name, a.file_path, a.file_sha256,
              a.status, a.message, json.dumps(a.rows_per_sheet, ensure_ascii=False),
              json.dumps(a.personal_columns_dropped, ensure_ascii=False),
              json.dumps(a.unknown_columns, ensure_ascii=False), a.superseded_load_id]
    names = ", ".join(quote(n) for n, _ in LOAD_LOG_COLUMNS)
    marks = ", ".join("?" for _ in LOAD_LOG_COLUMNS)
    con.execute(f"INSERT INTO {SCHEMA}.load_log ({names}) VALUES ({marks})", values)


def current_load(con: duckdb.DuckDBPyConnection, round_id: int, form: str) -> tuple[str, str] | None:
    """(load_id, file_sha256) of the current load of (round, form): its latest ``loaded`` row."""
    row = con.execute(
        f"SELECT load_id, file_sha256 FROM {SCHEMA}.load_log "
        "WHERE round_id = ? AND form = ? AND status = ? ORDER BY attempted_at DESC, load_id DESC LIMIT 1",
        [round_id, form, LOADED]).fetchone()
    return (row[0], row[1]) if row else None


def connect_working(working: Path) -> duckdb.DuckDBPyConnection:
    """Open the working warehouse for a load (creating its folder), or say clearly why not:
    WarehouseBusy (exit 3) while another process holds it, InputError for any other reason.

    Insertion order is preserved: CSV row numbers are taken from it.
    """
    working.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(working))
    except duckdb.IOException as exc:
        first = str(exc).splitlines()[0]
        if "lock" in first.lower():  # a live process holds it (DuckDB's lock dies with its holder)
            holder = re.search(r"\(PID (\d+)\)", first)
            by = f" (process {holder.group(1)})" if holder else ""
            raise WarehouseBusy(f"another process{by} is using the warehouse (a load or build still "
                                "running?); nothing was loaded, try again when it is over",
                                file=str(working)) from exc
        raise InputError(f"cannot open the warehouse: {first}", file=str(working)) from exc
    con.execute("SET preserve_insertion_order = true")
    return con


def log_refusal(con: duckdb.DuckDBPyConnection, attempt: Attempt, message: str) -> None:
    """Record a refused attempt in its own transaction, after the load's rollback."""
    attempt.status, attempt.message, attempt.rows_per_sheet = REFUSED, message, {}
    con.execute("BEGIN TRANSACTION")
    write_attempt(con, attempt)
    con.execute("COMMIT")
