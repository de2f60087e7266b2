"""Land one Kobo export into schema ``raw`` of the working warehouse, atomically.

The rules (docs/loading.md, docs/architecture.md "Raw schema contract"):

- every row and column lands as text with lineage; personal-data columns are never read into
  the warehouse;
- headers are checked against the form of the round: a missing required column or a missing
  sheet refuses the file, unknown columns land and are warned about, per-year fields that do
  not match the round's reference years refuse the file as the wrong round;
- the same file (same SHA-256) as the current load of the round and form is a no-op;
  another file supersedes it (its rows stay in raw);
- one DuckDB transaction per file: a refused or broken file leaves every raw table exactly as
  it was; the refused attempt is logged afterwards, in a transaction of its own.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from mtm.core import forms, progress
from mtm.core.errors import InputError
from mtm.loaders.raw import (
    DUPLICATE,
    LINEAGE_COLUMNS,
    LOAD_SHEETS_COLUMNS,
    LOADED,
    ROW_LINEAGE_COLUMNS,
    ROWS_SUFFIX,
    SCHEMA,
    Attempt,
    connect_working,
    current_load,
    ensure_load_log,
    ensure_load_sheets,
    log_refusal,
    new_load_id,
    quote,
    sheet_view_sql,
    write_attempt,
    write_load_sheet,
)
from mtm.loaders.sources import ExportSource, SheetSource, open_export, sha256_files

# Test-only hook: when set to a path, the loader creates that file after its first insert
# and then waits inside the open transaction (so a test can kill the process mid-load).
PAUSE_ENV = "MTM_LOAD_TEST_PAUSE_FILE"


@dataclass
class LoadResult:
    """What one attempt did: its load_log row and the warnings to show the operator."""

    attempt: Attempt
    warnings: list[str] = field(default_factory=list)


@dataclass
class SheetPlan:
    """How one sheet lands: target table, which header positions land under which column."""

    sheet: str
    key: str | None  # forms.MAIN, a repeat name, or None for an unexpected sheet
    table: str
    keep: list[tuple[int, str]]  # (header position, raw column name)
    personal: list[str]
    unknown: list[str]
    missing_optional: list[str]


def _excel_letter(i: int) -> str:
    out = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        out = chr(65 + r) + out
    return out


# ---------------------------------------------------------------- form and sheet recognition

def _norm(name: str) -> str:
    return name.strip().casefold()


def _main_names(form: str) -> set[str]:
    names = {_norm(forms.main_sheet_name(form, r)) for r in forms.rounds(form)}
    return names | {_norm(forms.MAIN)}


def _sheet_matches(form: str, sheet_names: list[str]) -> int:
    known = _main_names(form) | {_norm(r) for r in forms.repeat_names(form)}
    return sum(_norm(s) in known for s in sheet_names)


def detect_form(source: ExportSource) -> str:
    """The form (b1/b2) of an export: by its sheet names, else by the first sheet's columns."""
    candidates = forms.form_names()
    scores = {f: _sheet_matches(f, source.sheet_names) for f in candidates}
    best = max(scores.values(), default=0)
    winners = [f for f, s in scores.items() if s == best]
    if best > 0 and len(winners) == 1:
        return winners[0]
    if source.sheet_names:
        header = {forms.raw_column_name(h) for h in source.open_sheet(source.sheet_names[0]).header}
        overlap = {}
        for f in candidates:
            known = {forms.raw_column_name(c) for c in forms.all_sheet_columns(f, forms.MAIN)}
            for r in forms.repeat_names(f):
                known |= {forms.raw_column_name(c) for c in forms.all_sheet_columns(f, r)}
            overlap[f] = len(header & (known - {forms.raw_column_name(c) for c in
                                                 (*forms.MAIN_METADATA, *forms.REPEAT_METADATA)}))
        best = max(overlap.values(), default=0)
        winners = [f for f, s in overlap.items() if s == best]
        if best > 0 and len(winners) == 1:
            return winners[0]
    raise InputError("cannot tell which form this export is (no known sheet names or columns); "
                     "give --form b1 or --form b2", file=source.file_name)


def map_sheets(form: str, round_id: int, source: ExportSource) -> dict[str, str | None]:
    """Sheet name -> forms.MAIN / repeat name / None (unexpected); refuse when a sheet is missing."""
    mains, repeats = _main_names(form), {_norm(r): r for r in forms.repeat_names(form)}
    out: dict[str, str | None] = {}
    for s in source.sheet_names:
        if _norm(s) in mains and forms.MAIN not in out.values():
            out[s] = forms.MAIN
        elif _norm(s) in repeats and repeats[_norm(s)] not in out.values():
            out[s] = repeats[_norm(s)]
        else:
            out[s] = None
    if forms.MAIN not in out.values():
        others = [s for s, k in out.items() if k is None]
        if len(others) == 1:  # the main sheet, renamed by hand
            out[others[0]] = forms.MAIN
        else:
            raise InputError(f"no main sheet {forms.main_sheet_name(form, round_id)!r} "
                             f"(sheets: {', '.join(source.sheet_names) or 'none'})",
                             file=source.file_name, sheet=forms.main_sheet_name(form, round_id))
    for r in forms.repeat_names(form):
        if r not in out.values():
            raise InputError(f"sheet {r!r} of form {form} is missing (every repeat group has a sheet "
                             "in a Kobo export, even when empty)", file=source.file_name, sheet=r)
    return out


# ---------------------------------------------------------------- header checks

def plan_sheet(form: str, round_id: int, sheet: SheetSource, key: str | None) -> SheetPlan:
    """Check a sheet's header against the form of the round and decide where each column lands.

    Raises InputError for a missing required column or per-year fields of another round.
    """
    table = forms.table_name(form, sheet.name) if key is None else f"{form}_{key}"
    if key is not None and not any(h.strip() for h in sheet.header):
        raise InputError("the sheet is empty (no header row)", file=sheet.file_name, sheet=sheet.name, row=1)
    expected = forms.sheet_columns(form, key, round_id) if key is not None else []
    expected_raw = {forms.raw_column_name(c): c for c in expected}
    keep: list[tuple[int, str]] = []
    personal: list[str] = []
    unknown: list[str] = []
    seen: set[str] = set()
    for i, h in enumerate(sheet.header):
        path = h.strip()
        if forms.is_personal(path):
            personal.append(h)
            continue
        raw = forms.raw_column_name(path) if path else f"column_{_excel_letter(i).lower()}"
        if raw in seen:
            k = 2
            while f"{raw}__{k}" in seen:
                k += 1
            raw = f"{raw}__{k}"
            unknown.append(h or raw)
        elif key is not None and raw not in expected_raw:
            unknown.append(h or raw)
        seen.add(raw)
        keep.append((i, raw))
    if key is not None:
        for c in forms.required_columns(form, key, round_id):
            if forms.raw_column_name(c) not in seen:
                raise InputError("required column is missing from the header", file=sheet.file_name,
                                 sheet=sheet.name, column=c, row=1)
        _check_round(form, round_id, key, sheet, {raw: sheet.header[i].strip() for i, raw in keep})
    missing = [c for r, c in expected_raw.items() if r not in seen and not forms.is_personal(c)]
    return SheetPlan(sheet=sheet.name, key=key, table=table, keep=keep, personal=personal,
                     unknown=unknown, missing_optional=missing)


def _years_text(years: set[int] | tuple[int, ...]) -> str:
    return ", ".join(str(y) for y in sorted(years)) or "none"


def _check_round(form: str, round_id: int, key: str, sheet: SheetSource, seen: dict[str, str]) -> None:
    """Refuse a sheet whose per-year fields are not exactly those of the round's reference years.

    ``seen`` maps the sheet's raw column names to their header text.
    """
    wanted = set(forms.reference_years(form, round_id))
    for section, section_key in forms.per_year_sections(form).items():
        if section_key != key:
            continue
        found: dict[int, str] = {}
        for raw, header in seen.items():
            py = forms.per_year_of(raw)
            if py and py[0] == section:
                found[py[1]] = header
        if set(found) != wanted:
            extra, missing = sorted(set(found) - wanted), sorted(wanted - set(found))
            expected = {forms.per_year_of(p): p for p in forms.per_year_fields(form, round_id)}
            column = found[extra[0]] if extra else expected.get((section, missing[0]))
            raise InputError(
                f"wrong round? the {section}_n_<year> fields cover {_years_text(set(found))} but round "
                f"{round_id} of {form} covers {_years_text(wanted)} (forms/bma/settings.csv)",
                file=sheet.file_name, sheet=sheet.name, column=column, row=1)


# ---------------------------------------------------------------- writing

def _table_columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str] | None:
    """The columns of base table raw.<table> in order, or None when there is no such table."""
    rows = con.execute("SELECT column_name FROM duckdb_columns() WHERE schema_name = ? "
                       "AND table_name = ? ORDER BY column_index", [SCHEMA, table]).fetchall()
    return [r[0] for r in rows] or None


def _is_base_table(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    return con.execute("SELECT count(*) FROM duckdb_tables() WHERE schema_name = ? AND table_name = ?",
                       [SCHEMA, table]).fetchone()[0] > 0


def _migrate_legacy_table(con: duckdb.DuckDBPyConnection, table: str) -> None:
    """Bring a sheet table of the first raw layout (all seven lineage columns stored on every row,
    under the name raw.<table>) to the current one, inside the load's transaction: the table becomes
    raw.<table>__rows, its per-sheet lineage moves to raw.load_sheets, no row is lost."""
    legacy = {n for n, _ in LINEAGE_COLUMNS} - {n for n, _ in ROW_LINEAGE_COLUMNS}
    if not _is_base_table(con, table) or not legacy <= set(_table_columns(con, table) or []):
        return
    names = ", ".join(quote(n) for n, _ in LOAD_SHEETS_COLUMNS)
    con.execute(f"INSERT INTO {SCHEMA}.load_sheets ({names}) SELECT _load_id, ?, min(_sheet_name), "
                f"min(_file_name), count(*) FROM {SCHEMA}.{quote(table)} GROUP BY _load_id", [table])
    con.execute(f"ALTER TABLE {SCHEMA}.{quote(table)} RENAME TO {quote(table + ROWS_SUFFIX)}")
    for name in sorted(legacy):
        con.execute(f"ALTER TABLE {SCHEMA}.{quote(table + ROWS_SUFFIX)} DROP COLUMN {quote(name)}")


def _ensure_table(con: duckdb.DuckDBPyConnection, form: str, plan: SheetPlan) -> list[str]:
    """Create the sheet's table raw.<table>__rows (row lineage + every column the form defines for
    the sheet over all rounds + this file's columns) or add this file's new columns, and (re)create
    the view raw.<table> over it; return the columns added."""
    _migrate_legacy_table(con, plan.table)
    physical = plan.table + ROWS_SUFFIX
    have = _table_columns(con, physical)
    wanted: dict[str, None] = {}
    if plan.key is not None:
        for c in forms.all_sheet_columns(form, plan.key):
            if not forms.is_personal(c):
                wanted.setdefault(forms.raw_column_name(c), None)
    for _, raw in plan.keep:
        wanted.setdefault(raw, None)
    added: list[str] = []
    if have is None:
        cols = [f"{quote(n)} {t}" for n, t in ROW_LINEAGE_COLUMNS] + [f"{quote(c)} VARCHAR" for c in wanted]
        con.execute(f"CREATE TABLE {SCHEMA}.{quote(physical)} ({', '.join(cols)})")
    else:
        added = [raw for _, raw in plan.keep if raw not in set(have)]
        for raw in added:
            con.execute(f"ALTER TABLE {SCHEMA}.{quote(physical)} ADD COLUMN {quote(raw)} VARCHAR")
    con.execute(sheet_view_sql(plan.table))
    return added


def _pause_for_tests() -> None:
    marker = os.environ.get(PAUSE_ENV)
    if marker and not Path(marker).exists():
        Path(marker).write_text(str(os.getpid()))
        time.sleep(60)


def _land_sheet(con: duckdb.DuckDBPyConnection, plan: SheetPlan, sheet: SheetSource, load_id: str) -> int:
    """Land one sheet; rows whose cells are all empty are left out. Returns the rows landed."""
    if sheet.scan is not None:
        return _land_scan(con, plan, sheet, load_id)
    return _land_chunks(con, plan, sheet, load_id)


def _not_empty(names: list[str]) -> str:
    return f"coalesce({', '.join(quote(n) for n in names)}) IS NOT NULL" if names else "false"


def _lineage_sql() -> str:
    """The row lineage set by the INSERT (``_source_row`` comes from the rows)."""
    return ", ".join(f"?::{t} AS {quote(n)}" for n, t in ROW_LINEAGE_COLUMNS if n != "_source_row")


def _land_chunks(con: duckdb.DuckDBPyConnection, plan: SheetPlan, sheet: SheetSource, load_id: str) -> int:
    """Insert a sheet through Arrow, one INSERT per (large) chunk; the cell -> text conversion runs
    inside the INSERT."""
    names = [raw for _, raw in plan.keep]
    landed = 0
    for chunk in sheet.read([i for i, _ in plan.keep]):
        if len(chunk.source_rows) == 0:
            continue
        exprs = chunk.exprs if chunk.exprs is not None else list(chunk.arrays)
        values = "".join(f", {e} AS {quote(n)}" for e, n in zip(exprs, names))
        sql = (f"INSERT INTO {SCHEMA}.{quote(plan.table + ROWS_SUFFIX)} BY NAME SELECT * FROM ("
               f"SELECT {_lineage_sql()}{values}, _source_row FROM _mtm_chunk) WHERE {_not_empty(names)}")
        con.register("_mtm_chunk", pa.table({**chunk.arrays, "_source_row": chunk.source_rows}))
        try:
            landed += con.execute(sql, [load_id]).fetchone()[0]
        finally:
            con.unregister("_mtm_chunk")
        _pause_for_tests()
    return landed


def _land_scan(con: duckdb.DuckDBPyConnection, plan: SheetPlan, sheet: SheetSource, load_id: str) -> int:
    """Insert a CSV sheet straight from DuckDB's reader (no copy through Python or Arrow).

    DuckDB keeps the file's row order on insert (``preserve_insertion_order``), so the rows of
    this sheet get consecutive row ids in file order: ``_source_row`` is computed from them (and
    checked), then rows whose cells are all empty are removed, all inside the load's transaction.
    """
    names = [raw for _, raw in plan.keep]
    table = f"{SCHEMA}.{quote(plan.table + ROWS_SUFFIX)}"
    scan_sql, scan_params = sheet.scan
    values = "".join(f", c{i} AS {quote(n)}" for i, n in plan.keep)
    mine = "_load_id = ?"  # one sheet per table and load (see _land)
    key = [load_id]
    try:
        con.execute(f"INSERT INTO {table} BY NAME SELECT {_lineage_sql()}{values} FROM {scan_sql}",
                    [load_id, *scan_params])
    except duckdb.Error as exc:
        raise (sheet.errors(exc) if sheet.errors else exc) from exc
    _pause_for_tests()
    con.execute(f"UPDATE {table} SET _source_row = CAST(rowid - (SELECT min(rowid) FROM {table} "
                f"WHERE {mine}) + 2 AS INTEGER) WHERE {mine}", [*key, *key])
    # row ids are unique, so consecutive numbers 2..n+1 mean each row got its own file line
    n, lo, hi = con.execute(f"SELECT count(*), min(_source_row), max(_source_row) FROM {table} "
                            f"WHERE {mine}", key).fetchone()
    if n and (lo != 2 or hi != n + 1):
        raise InputError("internal error: could not number the rows of the sheet in file order",
                         file=sheet.file_name, sheet=sheet.name)
    if names:
        n -= con.execute(f"DELETE FROM {table} WHERE {mine} AND NOT ({_not_empty(names)})", key).fetchone()[0]
    return n


def load_export(path: Path, round_id: int, working: Path, form: str | None = None) -> LoadResult:
    """Land one export (xlsx, CSV folder or zip) for a round into the working warehouse.

    Returns the attempt (status ``loaded`` or ``duplicate``); raises InputError when the file is
    refused, after logging the refused attempt in ``raw.load_log``.
    """
    path = Path(path).absolute()
    attempt = Attempt(load_id=new_load_id(), round_id=round_id, form=form, file_name=path.name,
                      file_path=str(path), file_sha256=None)
    con = connect_working(working)
    try:
        ensure_load_log(con)
        source: ExportSource | None = None
        try:
            progress.step(f"reading {path.name}")
            source = open_export(path)  # starts hashing the file in the background
            if form is None:
                form = attempt.form = detect_form(source)
            if form not in forms.form_names():
                raise InputError(f"unknown form {form!r} (known: {', '.join(forms.form_names())})",
                                 file=path.name)
            forms.round_settings(form, round_id)
            current = current_load(con, round_id, form)
            # Only a current load can make this file a duplicate: then wait for the hash and
            # compare; otherwise land while the hash is computed (it is read before the commit).
            if current:
                attempt.file_sha256 = source.sha256
            if current and current[1] == attempt.file_sha256:
                attempt.status = DUPLICATE
                attempt.message = (f"same file (SHA-256) as the current load {current[0]} of round "
                                   f"{round_id} {form}: nothing changed")
                write_attempt(con, attempt)
                progress.step(f"{path.name}: {attempt.message}")
                return LoadResult(attempt)
            return _land(con, source, attempt, form, round_id, current[0] if current else None)
        except InputError as exc:
            _hash_for_log(attempt, source, path)
            log_refusal(con, attempt, str(exc))
            raise
        except Exception as exc:  # an unexpected failure is still a refused, logged attempt
            _hash_for_log(attempt, source, path)
            log_refusal(con, attempt, f"{type(exc).__name__}: {exc}")
            raise
        finally:
            if source is not None:
                source.cleanup()
    finally:
        con.close()


def _unused_table(table: str, used: set[str]) -> str:
    """``table``, or ``table_2``, ``table_3``... when a sheet of this load already lands there (two
    unexpected sheets whose names differ only in case or punctuation); adds the result to ``used``."""
    name, k = table, 2
    while name in used:
        name, k = f"{table}_{k}", k + 1
    used.add(name)
    return name


def _hash_for_log(attempt: Attempt, source: ExportSource | None, path: Path) -> None:
    """Put the file's SHA-256 on a refused attempt: that of the opened export, or for a file that
    could not even be opened (a corrupt workbook or zip) that of its bytes; none if unreadable."""
    if attempt.file_sha256 is not None:
        return
    try:
        if source is not None:
            attempt.file_sha256 = source.sha256
        elif path.is_file():
            attempt.file_sha256 = sha256_files([path])
    except OSError:
        pass


def _land(con: duckdb.DuckDBPyConnection, source: ExportSource, attempt: Attempt, form: str,
          round_id: int, superseded: str | None) -> LoadResult:
    sheet_keys = map_sheets(form, round_id, source)
    warnings: list[str] = []
    # Keep the load's rows in memory until COMMIT instead of writing them to the file as they
    # arrive: a refused or killed load then leaves no orphan blocks behind, and the commit's
    # checkpoint compresses everything in one pass (faster than DuckDB's optimistic writes here).
    con.execute("SET enable_optimistic_write = false")
    con.execute("BEGIN TRANSACTION")
    try:
        ensure_load_sheets(con)
        used: set[str] = set()
        for name, key in sheet_keys.items():
            sheet = source.open_sheet(name)
            plan = plan_sheet(form, round_id, sheet, key)
            plan.table = _unused_table(plan.table, used)
            if key is None:
                warnings.append(f"unexpected sheet {name!r} landed as raw.{plan.table}")
            if plan.unknown:
                warnings.append(f"sheet {name!r}: unknown columns landed: {', '.join(plan.unknown)}")
            if plan.missing_optional:
                warnings.append(f"sheet {name!r}: columns of the form not in the file (left empty): "
                                f"{', '.join(plan.missing_optional)}")
            _ensure_table(con, form, plan)
            n = _land_sheet(con, plan, sheet, attempt.load_id)
            write_load_sheet(con, [attempt.load_id, plan.table, name, sheet.file_name, n])
            attempt.rows_per_sheet[name] = n
            attempt.personal_columns_dropped += [p for p in plan.personal
                                                 if p not in attempt.personal_columns_dropped]
            attempt.unknown_columns += [f"{name}: {u}" for u in plan.unknown]
            progress.step(f"{source.file_name} {name!r} -> raw.{plan.table}: {n:,} rows")
            del sheet
        attempt.file_sha256 = source.sha256
        attempt.status = LOADED
        attempt.superseded_load_id = superseded
        attempt.message = "; ".join(
            [f"loaded as round {round_id} {form}"
             + (f", superseding load {superseded}" if superseded else ""), *warnings])
        write_attempt(con, attempt)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return LoadResult(attempt, warnings)
