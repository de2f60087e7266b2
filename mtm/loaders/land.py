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

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import duckdb
import pyarrow as pa

from mtm.core import forms, kobo_layout, progress
from mtm.core.errors import InputError
from mtm.loaders.lifecycle import LoadResult, run_load
from mtm.loaders.raw import (
    ROW_LINEAGE_COLUMNS,
    ROWS_SUFFIX,
    SCHEMA,
    Attempt,
    current_load,
    ensure_load_sheets,
    first_row,
    quote,
    scalar,
    sheet_view_sql,
    write_load_sheet,
)
from mtm.loaders.readers import open_export
from mtm.loaders.sources import ExportSource, SheetSource, column_letter


@dataclass
class SheetPlan:
    """How one sheet lands: target table, which header positions land under which column."""

    sheet: str
    key: str | None  # forms.MAIN, a repeat name, or None for an unexpected sheet
    table: str
    keep: list[tuple[int, str]]  # (header position, raw column name)
    personal: list[str]
    unknown: list[tuple[int, str]]  # (header position, header text): reported, never written
    missing_optional: list[str]
    style: kobo_layout.Style | None = None


# ---------------------------------------------------------------- form and sheet recognition

def _sheet_matches(form: str, sheet_names: list[str]) -> int:
    """How many of the sheets are named like a sheet of the form (its title or a repeat)."""
    keys = (forms.MAIN, *forms.repeat_names(form))
    return sum(any(kobo_layout.sheet_named(form, k, s) for k in keys) for s in sheet_names)


def detect_form(source: ExportSource) -> str:
    """The form (b1/b2) of an export: by its sheet names (Kobo names repeat sheets after the
    repeat in every language), else by the columns of its first sheet in any Kobo layout."""
    candidates = forms.form_names()
    scores = {f: _sheet_matches(f, source.sheet_names) for f in candidates}
    best = max(scores.values(), default=0)
    winners = [f for f, s in scores.items() if s == best]
    if best > 0 and len(winners) == 1:
        return winners[0]
    if source.sheet_names:
        header = source.open_sheet(source.sheet_names[0]).header
        overlap = {f: kobo_layout.detect_style(f, header)[1] for f in candidates}
        best = max(overlap.values(), default=0)
        winners = [f for f, s in overlap.items() if s == best]
        if best > 0 and len(winners) == 1:
            return winners[0]
    raise InputError("cannot tell which form this export is (no known sheet names or columns); "
                     "give --form b1 or --form b2", file=source.file_name)


# ---------------------------------------------------------------- header checks

def plan_sheet(form: str, round_id: int, sheet: SheetSource) -> SheetPlan:
    """Recognise a sheet by its columns (any Kobo layout), check its header against the form of
    the round, and decide where each column lands.

    Only columns the form or Kobo's metadata define land (an allow-list): personal columns of the
    form are dropped, a column nobody defined is reported and never written. Raises InputError
    for a missing required column or per-year fields of another round.
    """
    style, _ = kobo_layout.detect_style(form, sheet.header)
    mapped = kobo_layout.map_sheet(form, style, sheet.header, sheet.name)
    key = mapped.key
    table = forms.table_name(form, sheet.name) if key is None else f"{form}_{key}"
    if key is not None and not any(h.strip() for h in sheet.header):
        raise InputError("the sheet is empty (no header row)", file=sheet.file_name, sheet=sheet.name, row=1)
    keep: list[tuple[int, str]] = []
    personal: list[str] = []
    unknown: list[tuple[int, str]] = []
    seen: dict[str, str] = {}  # raw column -> header text
    for i, (h, path) in enumerate(zip(sheet.header, mapped.paths, strict=True)):
        if path is not None and forms.is_personal(path) or path is None and forms.is_personal(h):
            personal.append(h)
            continue
        if path is None and h.strip() in kobo_layout.API_ONLY_METADATA:
            continue  # the REST API's own bookkeeping (attachments, instance ids): not answers
        raw = forms.raw_column_name(path) if path is not None else None
        if raw is None or raw in seen:
            unknown.append((i, h.strip() or f"(column {column_letter(i)}, no header)"))
            continue
        seen[raw] = h.strip()
        keep.append((i, raw))
    if key is not None:
        for c in forms.required_columns(form, key, round_id):
            raw = forms.raw_column_name(c)
            # a select_multiple exported as separate columns only: its choice columns stand for it
            if raw not in seen and not any(r.startswith(raw + "__") for r in seen):
                raise InputError("required column is missing from the header", file=sheet.file_name,
                                 sheet=sheet.name, column=c, row=1)
        _check_round(form, round_id, key, sheet, seen)
    expected = forms.sheet_columns(form, key, round_id) if key is not None else []
    missing = [c for c in expected if forms.raw_column_name(c) not in seen and not forms.is_personal(c)]
    return SheetPlan(sheet=sheet.name, key=key, table=table, keep=keep, personal=personal,
                     unknown=unknown, missing_optional=missing, style=style)


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
    return scalar(con, "SELECT count(*) FROM duckdb_tables() WHERE schema_name = ? AND table_name = ?",
                       [SCHEMA, table]) > 0


def _ensure_table(con: duckdb.DuckDBPyConnection, form: str, plan: SheetPlan) -> list[str]:
    """Create the sheet's table raw.<table>__rows (row lineage + every column the form defines for
    the sheet over all rounds + this file's columns) or add this file's new columns, and (re)create
    the view raw.<table> over it; return the columns added."""
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


def _land_sheet(con: duckdb.DuckDBPyConnection, plan: SheetPlan, sheet: SheetSource,
                load_id: str) -> tuple[int, dict[int, int]]:
    """Land one sheet; rows whose cells are all empty are left out. Returns the rows landed and,
    for each unknown column (by header position), how many of its cells are not empty."""
    if sheet.scan is not None:
        return _land_scan(con, plan, sheet, load_id), _count_scan(con, plan, sheet)
    return _land_chunks(con, plan, sheet, load_id)


def _not_empty(names: list[str]) -> str:
    return f"coalesce({', '.join(quote(n) for n in names)}) IS NOT NULL" if names else "false"


def _lineage_sql() -> str:
    """The row lineage set by the INSERT (``_source_row`` comes from the rows)."""
    return ", ".join(f"?::{t} AS {quote(n)}" for n, t in ROW_LINEAGE_COLUMNS if n != "_source_row")


def _land_chunks(con: duckdb.DuckDBPyConnection, plan: SheetPlan, sheet: SheetSource,
                 load_id: str) -> tuple[int, dict[int, int]]:
    """Insert a sheet through Arrow, one INSERT per (large) chunk; the cell -> text conversion runs
    inside the INSERT. Unknown columns are read only to count their non-empty cells."""
    names = [raw for _, raw in plan.keep]
    positions = [i for i, _ in plan.keep] + [i for i, _ in plan.unknown]
    landed = 0
    filled = {i: 0 for i, _ in plan.unknown}
    for chunk in sheet.read(positions):
        if len(chunk.source_rows) == 0:
            continue
        exprs = chunk.exprs if chunk.exprs is not None else list(chunk.arrays)
        values = "".join(f", {e} AS {quote(n)}" for e, n in zip(exprs, names, strict=False))
        sql = (f"INSERT INTO {SCHEMA}.{quote(plan.table + ROWS_SUFFIX)} BY NAME SELECT * FROM ("
               f"SELECT {_lineage_sql()}{values}, _source_row FROM _mtm_chunk) WHERE {_not_empty(names)}")
        con.register("_mtm_chunk", pa.table({**chunk.arrays, "_source_row": chunk.source_rows}))
        try:
            landed += scalar(con, sql, [load_id])
            if plan.unknown:
                counts = ", ".join(f"count({e})" for e in exprs[len(names):])
                for (i, _), n in zip(plan.unknown, first_row(con, f"SELECT {counts} FROM _mtm_chunk"), strict=True):
                    filled[i] += n
        finally:
            con.unregister("_mtm_chunk")
    return landed, filled


def _count_scan(con: duckdb.DuckDBPyConnection, plan: SheetPlan, sheet: SheetSource) -> dict[int, int]:
    """Non-empty cells of each unknown column of a CSV sheet (one more pass, only when there are any)."""
    if not plan.unknown or sheet.scan is None:
        return {}
    scan_sql, scan_params = sheet.scan
    counts = ", ".join(f"count(c{i})" for i, _ in plan.unknown)
    row = first_row(con, f"SELECT {counts} FROM {scan_sql}", scan_params)
    return {i: n for (i, _), n in zip(plan.unknown, row, strict=True)}


def _translate_labels(con: duckdb.DuckDBPyConnection, form: str, plan: SheetPlan, load_id: str) -> list[str]:
    """Turn choice labels (any form language) and Kobo's validation labels in this load's rows
    of the sheet back into choice names and status codes, as an "XML values" export holds them.

    A cell that is already a name is left as it is; one that is neither a name nor a label of its
    list is kept as written and flagged: the returned warnings name the column, the list, how many
    cells and the values (staging then reads it as an unknown code; nothing is dropped)."""
    table = f"{SCHEMA}.{quote(plan.table + ROWS_SUFFIX)}"
    flagged: list[str] = []
    for _, raw in plan.keep:
        path = raw.replace("__", "/")
        translate: Callable[[str], str | None]
        known: Callable[[str], bool]
        if raw in kobo_layout.VALIDATION_COLUMNS:
            translate = kobo_layout.code_of_validation_status
            known = kobo_layout.is_validation_status
            list_name = "Kobo's validation statuses"
        else:
            select = kobo_layout.select_list(form, path)
            if select is None:
                continue
            kind, list_name = select
            multiple = kind == "select_multiple"
            read = kobo_layout.codes_of_multiple if multiple else kobo_layout.code_of_select
            translate = partial(read, form, list_name)
            known = partial(kobo_layout.is_choice, form, list_name, multiple=multiple)
        values = [v for (v,) in con.execute(f"SELECT DISTINCT {quote(raw)} FROM {table} WHERE _load_id = ? "
                                            f"AND {quote(raw)} IS NOT NULL", [load_id]).fetchall()]
        codes = {v: translate(v) for v in values}
        pairs = [(v, code) for v, code in codes.items() if code is not None and code != v]
        unmatched = sorted(v for v, code in codes.items() if code is None and not known(v))
        if unmatched:
            cells = scalar(con, f"SELECT count(*) FROM {table} WHERE _load_id = ? AND {quote(raw)} IN "
                                f"({', '.join('?' for _ in unmatched)})", [load_id, *unmatched])
            shown = ", ".join(repr(v) for v in unmatched[:5]) + (", ..." if len(unmatched) > 5 else "")
            flagged.append(f"sheet {plan.sheet!r}, column {path}: {cells:,} cells hold no choice of the list "
                           f"{list_name} (kept as written, flagged): {shown}")
        if not pairs:
            continue
        con.register("_mtm_labels", pa.table({"label": [v for v, _ in pairs], "code": [c for _, c in pairs]}))
        try:
            scalar(con, f"UPDATE {table} SET {quote(raw)} = m.code FROM _mtm_labels m "
                        f"WHERE {table}._load_id = ? AND {table}.{quote(raw)} = m.label", [load_id])
        finally:
            con.unregister("_mtm_labels")
    return flagged


def _land_scan(con: duckdb.DuckDBPyConnection, plan: SheetPlan, sheet: SheetSource, load_id: str) -> int:
    """Insert a CSV sheet straight from DuckDB's reader (no copy through Python or Arrow).

    DuckDB keeps the file's row order on insert (``preserve_insertion_order``), so the rows of
    this sheet get consecutive row ids in file order: ``_source_row`` is computed from them (and
    checked), then rows whose cells are all empty are removed, all inside the load's transaction.
    """
    names = [raw for _, raw in plan.keep]
    table = f"{SCHEMA}.{quote(plan.table + ROWS_SUFFIX)}"
    assert sheet.scan is not None  # only CSV sheets come here
    scan_sql, scan_params = sheet.scan
    values = "".join(f", c{i} AS {quote(n)}" for i, n in plan.keep)
    mine = "_load_id = ?"  # one sheet per table and load (see _land)
    key = [load_id]
    try:
        con.execute(f"INSERT INTO {table} BY NAME SELECT {_lineage_sql()}{values} FROM {scan_sql}",
                    [load_id, *scan_params])
    except duckdb.Error as exc:
        raise (sheet.errors(exc) if sheet.errors else exc) from exc
    con.execute(f"UPDATE {table} SET _source_row = CAST(rowid - (SELECT min(rowid) FROM {table} "
                f"WHERE {mine}) + 2 AS INTEGER) WHERE {mine}", [*key, *key])
    # row ids are unique, so consecutive numbers 2..n+1 mean each row got its own file line
    n, lo, hi = first_row(con, f"SELECT count(*), min(_source_row), max(_source_row) FROM {table} "
                            f"WHERE {mine}", key)
    if n and (lo != 2 or hi != n + 1):
        raise InputError("internal error: could not number the rows of the sheet in file order",
                         file=sheet.file_name, sheet=sheet.name)
    if names:
        n -= scalar(con, f"DELETE FROM {table} WHERE {mine} AND NOT ({_not_empty(names)})", key)
    return n


@dataclass
class KoboLanding:
    """A Kobo export (any shape a reader opens) for one round: the lifecycle's Landing."""

    path: Path
    round_id: int
    form: str | None = None
    allow_empty: bool = False
    source: ExportSource | None = None
    styles: set[str] = field(default_factory=set)

    def prepare(self, con: duckdb.DuckDBPyConnection, attempt: Attempt) -> None:
        self.source = open_export(self.path)  # starts hashing the file in the background
        if self.form is None:
            self.form = attempt.form = detect_form(self.source)
        if self.form not in forms.form_names():
            raise InputError(f"unknown form {self.form!r} (known: {', '.join(forms.form_names())})",
                             file=self.path.name)
        try:
            forms.round_settings(self.form, self.round_id)
        except InputError as exc:
            raise InputError(f"{exc.args[0]} (the file was given as round {self.round_id})",
                             file=self.path.name) from exc

    def current(self, con: duckdb.DuckDBPyConnection) -> tuple[str, str] | None:
        assert self.form is not None
        return current_load(con, self.round_id, self.form)

    def sha256(self) -> str:
        if self.source is None:
            raise InputError("the export was not opened", file=self.path.name)
        return self.source.sha256

    def land(self, con: duckdb.DuckDBPyConnection, attempt: Attempt) -> list[str]:
        assert self.source is not None and self.form is not None
        warnings, found = _land_sheets(con, self.source, attempt, self.form, self.round_id, self.styles)
        _check_sheets_present(con, self.form, self.source, found, attempt, warnings, self.allow_empty)
        _check_submission_dates(con, self.form, self.round_id, self.source, found, attempt, warnings)
        return warnings

    def subject(self) -> str:
        return f"round {self.round_id} {self.form}"

    def describe(self, attempt: Attempt) -> str:
        styles = f" (Kobo export: {', '.join(sorted(self.styles))})" if self.styles else ""
        return f"loaded as round {self.round_id} {self.form}{styles}"

    def result(self, attempt: Attempt, warnings: list[str]) -> LoadResult:
        return LoadResult(attempt, warnings)

    def cleanup(self) -> None:
        if self.source is not None:
            self.source.cleanup()


def load_export(path: Path, round_id: int, working: Path, form: str | None = None, *,
                allow_empty: bool = False) -> LoadResult:
    """Land one export (xlsx, CSV folder or zip, saved API pages) for a round into the working
    warehouse.

    Returns the attempt (status ``loaded`` or ``duplicate``); raises InputError when the file is
    refused, after logging the refused attempt in ``raw.load_log``.
    """
    return run_load(Path(path), working, KoboLanding(Path(path), round_id, form, allow_empty),
                    round_id=round_id, form=form)


def _land_sheets(con: duckdb.DuckDBPyConnection, source: ExportSource, attempt: Attempt, form: str,
                 round_id: int, styles: set[str]) -> tuple[list[str], dict[str, str]]:
    """Land every sheet of the export that is a sheet of the form (inside the open transaction);
    return the warnings and which sheet holds which sheet of the form (key -> sheet name)."""
    warnings: list[str] = []
    ensure_load_sheets(con)
    found: dict[str, str] = {}  # sheet key -> sheet name
    for name in source.sheet_names:
        sheet = source.open_sheet(name)
        plan = plan_sheet(form, round_id, sheet)
        if plan.key is not None and plan.key in found:
            raise InputError(f"two sheets hold the same sheet of form {form} ({plan.key}): "
                             f"{found[plan.key]!r} and {name!r}", file=source.file_name, sheet=name)
        attempt.personal_columns_dropped += [p for p in plan.personal
                                             if p not in attempt.personal_columns_dropped]
        if plan.key is None:
            attempt.unknown_columns.append(f"{name}: (whole sheet, {len(sheet.header)} columns)")
            warnings.append(f"sheet {name!r} is no sheet of form {form}: not landed")
            continue
        found[plan.key] = name
        if plan.style is not None and plan.key == forms.MAIN:
            styles.add(plan.style.describe())
        if plan.missing_optional:
            warnings.append(f"sheet {name!r}: columns of the form not in the file (left empty): "
                            f"{', '.join(plan.missing_optional)}")
        _ensure_table(con, form, plan)
        n, filled = _land_sheet(con, plan, sheet, attempt.load_id)
        warnings += _translate_labels(con, form, plan, attempt.load_id)
        if plan.unknown:
            described = [f"{h} ({filled.get(i, 0):,} non-empty cells)" for i, h in plan.unknown]
            warnings.append(f"sheet {name!r}: columns the form does not define, not landed: "
                            f"{', '.join(described)}")
            attempt.unknown_columns += [f"{name}: {d}" for d in described]
        write_load_sheet(con, [attempt.load_id, plan.table, name, sheet.file_name, n])
        attempt.rows_per_sheet[name] = n
        progress.step(f"{source.file_name} {name!r} -> raw.{plan.table}: {n:,} rows")
        del sheet
    return warnings, found


def _relevant_condition(relevant: str) -> tuple[str, str] | None:
    """(question, value) of a relevance of the form ``${question}='value'``, else None."""
    m = re.fullmatch(r"\$\{(\w+)\}\s*=\s*'([^']*)'", relevant.strip())
    return (m.group(1), m.group(2)) if m else None


def _check_sheets_present(con: duckdb.DuckDBPyConnection, form: str, source: ExportSource,
                          found: dict[str, str], attempt: Attempt, warnings: list[str],
                          allow_empty: bool = False) -> None:
    """Refuse an export without its main sheet or without a repeat sheet its submissions call for.

    Kobo writes a repeat's sheet only when at least one submission has a row in it: an absent
    repeat sheet is an empty repeat, unless a submission of this load answered the question that
    opens it (``${imw_present}='yes'``) or the repeat is always asked (key informants): then the
    file is incomplete (Kobo's CSV export, or a sheet deleted by hand). An empty repeat still gets
    its raw table, so staging reads it."""
    if forms.MAIN not in found:
        raise InputError(f"no main sheet: no sheet has the columns of the {form} form's main sheet "
                         f"(sheets: {', '.join(source.sheet_names) or 'none'})", file=source.file_name)
    main_table = f"{SCHEMA}.{quote(f'{form}_{forms.MAIN}{ROWS_SUFFIX}')}"
    submissions = scalar(con, f"SELECT count(*) FROM {main_table} WHERE _load_id = ?",
                              [attempt.load_id])
    if submissions == 0 and not allow_empty:
        raise InputError("the export has no submissions (headers only): loading it would replace the "
                         "round's data with nothing; give --allow-empty if that is what you want",
                         file=source.file_name, sheet=found[forms.MAIN], row=2)
    paths = {q.name: q.path for q in forms.questions(form) if q.sheet == forms.MAIN}
    for repeat in forms.repeat_names(form):
        if repeat in found:
            continue
        relevant = forms.repeat_relevant(form, repeat)
        condition = _relevant_condition(relevant) if relevant else None
        if not relevant:
            asking = submissions
            why = f"every submission has rows in it ({submissions:,} submissions)"
        elif condition and condition[0] in paths:
            column = quote(forms.raw_column_name(paths[condition[0]]))
            asking = scalar(con, f"SELECT count(*) FROM {main_table} WHERE _load_id = ? AND "
                                 f"lower(trim({column})) = ?", [attempt.load_id, condition[1]])
            why = f"{asking:,} submissions answered {paths[condition[0]]} = {condition[1]!r}"
        else:
            asking = 0
        if asking:
            raise InputError(f"sheet {repeat!r} of form {form} is missing although {why} "
                             "(is this Kobo's CSV export, or was a sheet deleted? download the XLS export)",
                             file=source.file_name, sheet=repeat)
        _ensure_table(con, form, SheetPlan(sheet=repeat, key=repeat, table=f"{form}_{repeat}", keep=[],
                                           personal=[], unknown=[], missing_optional=[]))
        attempt.rows_per_sheet[repeat] = 0
        warnings.append(f"no sheet {repeat!r}: no submission has a row in it (0 rows)")


# Submissions are sent during the collection period; a late upload or a correction may come
# somewhat later, a pilot somewhat earlier. A file most of whose submissions fall outside the
# period widened by this margin is refused as another round's.
ROUND_DATE_MARGIN_DAYS = 31


def _check_submission_dates(con: duckdb.DuckDBPyConnection, form: str, round_id: int, source: ExportSource,
                            found: dict[str, str], attempt: Attempt, warnings: list[str]) -> None:
    """Refuse a file as "wrong round?" when most of its submissions were sent outside the round's
    collection period (settings.csv, widened by ROUND_DATE_MARGIN_DAYS); warn when a few were."""
    window = forms.collection_dates(form, round_id)
    if window is None:
        return
    first = window[0] - dt.timedelta(days=ROUND_DATE_MARGIN_DAYS)
    last = window[1] + dt.timedelta(days=ROUND_DATE_MARGIN_DAYS)
    table = f"{SCHEMA}.{quote(f'{form}_{forms.MAIN}{ROWS_SUFFIX}')}"
    sent = "CAST(try_cast(left(trim(_submission_time), 19) AS TIMESTAMP) AS DATE)"
    total, outside, low, high = first_row(con, 
        f"SELECT count({sent}), count(*) FILTER (WHERE {sent} NOT BETWEEN ? AND ?), "
        f"min({sent}) FILTER (WHERE {sent} NOT BETWEEN ? AND ?), max({sent}) FILTER (WHERE {sent} NOT BETWEEN ? AND ?) "
        f"FROM {table} WHERE _load_id = ?", [first, last, first, last, first, last, attempt.load_id])
    if not outside:
        return
    period = forms.round_settings(form, round_id).collection_period
    what = (f"{outside:,} of {total:,} submissions were sent between {low} and {high}, outside round "
            f"{round_id}'s collection period ({period}, with {ROUND_DATE_MARGIN_DAYS} days' margin)")
    if outside * 2 > total:
        raise InputError(f"wrong round? {what}", file=source.file_name, sheet=found[forms.MAIN],
                         column="_submission_time")
    warnings.append(what)
