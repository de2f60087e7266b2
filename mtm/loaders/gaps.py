"""Land a Migration Data Gap Analysis workbook into schema ``raw`` (docs/gap-workbook.md).

The workbook has a sheet ``about`` (country and years), one sheet per thematic area holding two
stacked tables (``availability`` then ``sources``, each introduced by a marker row), an optional
sheet ``estimates`` and optional ``readme`` and ``codes`` sheets (help, ignored). It lands in ``raw.gap_about``,
``raw.gap_availability``, ``raw.gap_sources`` and ``raw.gap_estimates``: every cell as text, the
lineage columns of the raw contract (``_form`` = ``gaps``, ``_round_id`` NULL) plus
``_country_code``.

The rules are those of the round files (docs/architecture.md), reusing ``loaders.raw``:
the whole workbook is validated before anything is written, and a bad cell refuses the file with
an error naming file, sheet, column and row; the same file (SHA-256) as the country's current
load is a no-op (``duplicate``); another file supersedes it (older rows stay in raw); one
transaction per file; every attempt is logged in ``raw.load_log``.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa
import pycountry
from python_calamine import CalamineError, CalamineWorkbook

from mtm.core import progress
from mtm.core.errors import InputError
from mtm.core.paths import PROJECT_DIR
from mtm.loaders.lifecycle import LoadResult, run_load
from mtm.loaders.raw import (
    LINEAGE_COLUMNS,
    LOADED,
    SCHEMA,
    Attempt,
    first_row_or_none,
    quote,
    scalar,
)
from mtm.loaders.sources import column_letter, header_text, sha256_files

FORM = "gaps"
SEEDS = PROJECT_DIR / "seeds"

ABOUT_SHEET, ESTIMATES_SHEET = "about", "estimates"
IGNORED_SHEETS = ("readme", "codes")  # help for the people filling the workbook; not data
AVAILABILITY, SOURCES = "availability", "sources"

ABOUT_FIELDS = ("country_code", "country_name", "first_year", "last_year")
AVAILABILITY_COLUMNS = ("measure", "breakdown", "year", "status", "report_silent",
                        "nearest_evidence_year", "evidence", "source_ids", "note")
AVAILABILITY_REQUIRED = ("measure", "breakdown", "year", "status", "evidence")
SOURCES_COLUMNS = ("source_id", "year_from", "year_to", "source", "authors", "institution", "title",
                   "link", "data_source_type", "frequency", "publicly_available", "breakdowns",
                   "definition_used", "language", "published")
SOURCES_REQUIRED = ("source_id", "source", "data_source_type", "publicly_available")
ESTIMATES_COLUMNS = ("estimate_id", "concept", "country_code", "subgroup", "reference_year",
                     "reference_period", "value", "unit", "source_id", "definition", "evidence")
ESTIMATES_REQUIRED = ("estimate_id", "concept", "reference_year", "value", "unit", "source_id",
                      "definition")

SOURCE_TYPES = ("census", "quantitative_survey", "qualitative_data", "administrative_data", "other")
PUBLIC_VALUES = ("yes", "no", "partly")
YES_NO = ("yes", "no")
UNITS = ("persons", "cases", "usd_million")

TABLES = {ABOUT_SHEET: "gap_about", AVAILABILITY: "gap_availability", SOURCES: "gap_sources",
          ESTIMATES_SHEET: "gap_estimates"}
COUNTRY_COLUMN = ("_country_code", "VARCHAR")


# ---------------------------------------------------------------- code lists (seeds)

def _seed_codes(name: str, column: str) -> tuple[str, ...]:
    """The codes of one column of a seed code list (seeds/<name>.csv)."""
    with (SEEDS / f"{name}.csv").open(newline="", encoding="utf-8") as fh:
        return tuple(row[column] for row in csv.DictReader(fh))


@dataclass(frozen=True)
class Codes:
    """The code lists a workbook is checked against."""

    areas: tuple[str, ...]
    measures: tuple[str, ...]
    breakdowns: tuple[str, ...]
    statuses: tuple[str, ...]
    concepts: tuple[str, ...]

    @classmethod
    def from_seeds(cls) -> Codes:
        """Read the gap code lists from seeds/."""
        return cls(areas=_seed_codes("gap_thematic_areas", "thematic_area"),
                   measures=_seed_codes("gap_measures", "measure"),
                   breakdowns=_seed_codes("gap_breakdowns", "breakdown"),
                   statuses=_seed_codes("gap_statuses", "status"),
                   concepts=_seed_codes("gap_estimate_concepts", "concept"))


# ---------------------------------------------------------------- reading

@dataclass
class Table:
    """One table of a sheet: its normalised header and its non-empty data rows.

    ``rows`` holds (spreadsheet row number, {column: text or None}).
    """

    sheet: str
    name: str
    header_row: int
    columns: list[str]
    rows: list[tuple[int, dict[str, str | None]]] = field(default_factory=list)


@dataclass
class GapWorkbook:
    """A read, validated workbook."""

    file_name: str
    sha256: str
    country_code: str
    about: Table
    availability: list[Table]
    sources: list[Table]
    estimates: Table | None
    unknown_columns: list[str]


def normalise_header(text: str) -> str:
    """A header cell as a column name: trimmed, lower case, spaces and dashes as underscores."""
    return "_".join(text.strip().lower().replace("-", " ").split())


def _cell(value: object) -> str | None:
    """One cell as raw text (None when empty), by the raw contract's rules."""
    text = header_text([value])[0]
    return text if text != "" else None


def _sheet_cells(wb: CalamineWorkbook, name: str, file_name: str) -> list[list[str | None]]:
    """Every cell of a sheet as text, rows from spreadsheet row 1 and columns from A."""
    try:
        sheet = wb.get_sheet_by_name(name)
        rows = sheet.to_python(skip_empty_area=False)
    except (CalamineError, ValueError) as exc:
        raise InputError(f"unreadable sheet: {exc}", file=file_name, sheet=name) from exc
    return [[_cell(v) for v in row] for row in rows]


def _is_blank(row: list[str | None]) -> bool:
    return all(v is None or not v.strip() for v in row)


def _table_at(cells: list[list[str | None]], header_index: int, sheet: str, name: str,
              file_name: str, stop_markers: tuple[str, ...] = ()) -> Table:
    """Read the table whose header is at ``cells[header_index]``: rows until a blank row,
    a marker row or the end of the sheet."""
    if header_index >= len(cells) or _is_blank(cells[header_index]):
        raise InputError(f"the {name} table has no header row", file=file_name, sheet=sheet,
                         row=header_index + 1)
    raw_header = cells[header_index]
    columns = [normalise_header(h or "") for h in raw_header]
    last = max(i for i, c in enumerate(columns) if c) + 1
    columns = columns[:last]
    seen: set[str] = set()
    for i, c in enumerate(columns):
        if not c:
            raise InputError(f"empty header cell inside the {name} table header", file=file_name,
                             sheet=sheet, column=column_letter(i), row=header_index + 1)
        if c in seen:
            raise InputError(f"column {c!r} appears twice in the {name} table header", file=file_name,
                             sheet=sheet, column=c, row=header_index + 1)
        seen.add(c)
    table = Table(sheet=sheet, name=name, header_row=header_index + 1, columns=columns)
    for i in range(header_index + 1, len(cells)):
        row = cells[i]
        if _is_blank(row):
            break
        first = (row[0] or "").strip().lower() if row else ""
        if first in stop_markers:
            break
        extra = [j for j, v in enumerate(row[last:], start=last) if v is not None and v.strip()]
        if extra:
            raise InputError(f"a value outside the {name} table (no header above it)", file=file_name,
                             sheet=sheet, column=column_letter(extra[0]), row=i + 1)
        padded = [*row[:last], *([None] * (last - len(row)))]
        table.rows.append((i + 1, dict(zip(columns, padded, strict=True))))
    return table


def _marker_rows(cells: list[list[str | None]]) -> dict[str, int]:
    """Row index of each table marker (``availability``, ``sources``) in column A of a sheet."""
    found: dict[str, int] = {}
    for i, row in enumerate(cells):
        first = (row[0] or "").strip().lower() if row else ""
        if first in (AVAILABILITY, SOURCES) and first not in found:
            found[first] = i
    return found


def _check_columns(table: Table, expected: tuple[str, ...], required: tuple[str, ...],
                   file_name: str) -> list[str]:
    """Refuse a table missing a required column; return its unknown (extra) columns."""
    for c in required:
        if c not in table.columns:
            raise InputError(f"required column is missing from the {table.name} table header",
                             file=file_name, sheet=table.sheet, column=c, row=table.header_row)
    return [c for c in table.columns if c not in expected]


def read_workbook(path: Path, country: str | None = None, codes: Codes | None = None) -> GapWorkbook:
    """Read and validate a gap workbook; raise InputError naming file, sheet, column and row."""
    codes = codes or Codes.from_seeds()
    file_name = path.name
    if not path.exists():
        raise InputError("no such file", file=str(path))
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        raise InputError("expected a .xlsx workbook", file=file_name)
    try:
        wb = CalamineWorkbook.from_path(str(path))
        sheet_names = list(wb.sheet_names)
    except (CalamineError, OSError, ValueError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(f"not a readable .xlsx workbook (corrupt, truncated or another format): {first}",
                         file=file_name) from exc
    try:
        return _read(wb, path, sheet_names, country, codes)
    finally:
        wb.close()


def _read(wb: CalamineWorkbook, path: Path, sheet_names: list[str], country: str | None,
          codes: Codes) -> GapWorkbook:
    file_name = path.name
    by_norm: dict[str, str] = {}
    for s in sheet_names:
        key = s.strip().lower()
        if key in by_norm:
            raise InputError(f"two sheets are named {key!r}", file=file_name, sheet=s)
        by_norm[key] = s
    allowed = {ABOUT_SHEET, ESTIMATES_SHEET, *IGNORED_SHEETS, *codes.areas}
    for key, s in by_norm.items():
        if key not in allowed:
            raise InputError(f"unknown sheet (expected about, estimates, readme, codes or a thematic area: "
                             f"{', '.join(codes.areas)})", file=file_name, sheet=s)
    for required in (ABOUT_SHEET, *codes.areas):
        if required not in by_norm:
            raise InputError("sheet is missing (every thematic area has a sheet, even when nothing "
                             "was found)", file=file_name, sheet=required)

    about = _read_about(wb, by_norm[ABOUT_SHEET], file_name)
    info = {r["field"].strip().lower(): (r["value"] or "").strip() for _, r in about.rows if r["field"]}
    country_code = _check_about(about, info, country, file_name)
    first_year, last_year = int(info["first_year"]), int(info["last_year"])

    unknown: list[str] = []
    availability: list[Table] = []
    sources: list[Table] = []
    source_ids: set[str] = set()
    for area in codes.areas:
        sheet = by_norm[area]
        cells = _sheet_cells(wb, sheet, file_name)
        markers = _marker_rows(cells)
        for m in (AVAILABILITY, SOURCES):
            if m not in markers:
                raise InputError(f"no {m!r} marker row in column A (the {m} table starts below it)",
                                 file=file_name, sheet=sheet, column="A")
        avail = _table_at(cells, markers[AVAILABILITY] + 1, sheet, AVAILABILITY, file_name, (SOURCES,))
        srcs = _table_at(cells, markers[SOURCES] + 1, sheet, SOURCES, file_name, (AVAILABILITY,))
        unknown += [f"{sheet}: {c}" for c in _check_columns(avail, AVAILABILITY_COLUMNS,
                                                           AVAILABILITY_REQUIRED, file_name)]
        unknown += [f"{sheet}: {c}" for c in _check_columns(srcs, SOURCES_COLUMNS, SOURCES_REQUIRED,
                                                           file_name)]
        ids = _validate_sources(srcs, file_name)
        _validate_availability(avail, ids, codes, first_year, last_year, file_name)
        source_ids |= ids
        availability.append(avail)
        sources.append(srcs)

    estimates = None
    if ESTIMATES_SHEET in by_norm:
        sheet = by_norm[ESTIMATES_SHEET]
        cells = _sheet_cells(wb, sheet, file_name)
        start = next((i for i, r in enumerate(cells) if not _is_blank(r)), None)
        if start is not None:
            estimates = _table_at(cells, start, sheet, ESTIMATES_SHEET, file_name)
            unknown += [f"{sheet}: {c}" for c in _check_columns(estimates, ESTIMATES_COLUMNS,
                                                               ESTIMATES_REQUIRED, file_name)]
            _validate_estimates(estimates, source_ids, codes, file_name)
    return GapWorkbook(file_name=file_name, sha256=sha256_files([path]), country_code=country_code,
                       about=about, availability=availability, sources=sources, estimates=estimates,
                       unknown_columns=unknown)


def _read_about(wb: CalamineWorkbook, sheet: str, file_name: str) -> Table:
    cells = _sheet_cells(wb, sheet, file_name)
    about = _table_at(cells, 0, sheet, ABOUT_SHEET, file_name)
    _check_columns(about, ("field", "value"), ("field", "value"), file_name)
    return about


def _about_row(about: Table, name: str) -> int:
    return next((n for n, r in about.rows if (r["field"] or "").strip().lower() == name), about.header_row)


def _check_about(about: Table, info: dict[str, str], country: str | None, file_name: str) -> str:
    """Check the about sheet; return the country code (ISO 3166-1 alpha-3)."""
    for f in ABOUT_FIELDS:
        if not info.get(f):
            raise InputError(f"the about sheet has no {f!r} value", file=file_name, sheet=about.sheet,
                             column="value", row=_about_row(about, f))
    code = info["country_code"].upper()
    if len(code) != 3 or pycountry.countries.get(alpha_3=code) is None:
        raise InputError(f"country_code {info['country_code']!r} is not an ISO 3166-1 alpha-3 code",
                         file=file_name, sheet=about.sheet, column="value",
                         row=_about_row(about, "country_code"))
    if country is not None and country.strip().upper() != code:
        raise InputError(f"--country {country} but the workbook is for {code}", file=file_name,
                         sheet=about.sheet, column="value", row=_about_row(about, "country_code"))
    years = {}
    for f in ("first_year", "last_year"):
        years[f] = _int(info[f])
        if years[f] is None:
            raise InputError(f"{f} {info[f]!r} is not a year", file=file_name, sheet=about.sheet,
                             column="value", row=_about_row(about, f))
    first_year, last_year = years["first_year"], years["last_year"]
    if first_year is not None and last_year is not None and first_year > last_year:
        raise InputError("first_year is after last_year", file=file_name, sheet=about.sheet,
                         column="value", row=_about_row(about, "last_year"))
    return code


def _int(text: str | None) -> int | None:
    """A whole number written as text ('2021', ' 2021 ', '2021.0'), else None."""
    if text is None:
        return None
    t = text.strip()
    try:
        f = float(t)
    except ValueError:
        return None
    return int(f) if f.is_integer() else None


def _code(value: str | None) -> str:
    return (value or "").strip().lower()


def _checked_rows(table: Table, required: tuple[str, ...], file_name: str
                  ) -> Iterator[tuple[int, dict[str, str | None], Callable[..., InputError]]]:
    """Each row of a table with its number and an error maker naming file, sheet, column and row;
    a row with an empty required column is refused first."""
    for row_no, r in table.rows:
        def bad(column: str, message: str, row_no: int = row_no) -> InputError:
            return InputError(message, file=file_name, sheet=table.sheet, column=column, row=row_no)
        for c in required:
            if not (r.get(c) or "").strip():
                raise bad(c, "empty (required)")
        yield row_no, r, bad


def _validate_sources(table: Table, file_name: str) -> set[str]:
    """Check a sources table; return its source ids."""
    ids: dict[str, int] = {}
    for row_no, r, bad in _checked_rows(table, SOURCES_REQUIRED, file_name):
        sid = (r["source_id"] or "").strip()
        if sid in ids:
            raise bad("source_id", f"source_id {sid!r} already used in row {ids[sid]}")
        ids[sid] = row_no
        if _code(r["data_source_type"]) not in SOURCE_TYPES:
            raise bad("data_source_type", f"{r['data_source_type']!r} is not one of {', '.join(SOURCE_TYPES)}")
        if _code(r["publicly_available"]) not in PUBLIC_VALUES:
            raise bad("publicly_available",
                      f"{r['publicly_available']!r} is not one of {', '.join(PUBLIC_VALUES)}")
        for c in ("year_from", "year_to", "published"):
            if r.get(c) is not None and (r[c] or "").strip() and _int(r[c]) is None:
                raise bad(c, f"{r[c]!r} is not a year")
    return set(ids)


def _validate_availability(table: Table, source_ids: set[str], codes: Codes, first_year: int,
                           last_year: int, file_name: str) -> None:
    """Check an availability table: codes, years, statuses, silent-report flags, source ids, and
    that every indicator has exactly one row per year of the mapping."""
    seen: dict[tuple[str, str, int], int] = {}
    indicators: dict[tuple[str, str], int] = {}
    for row_no, r, bad in _checked_rows(table, AVAILABILITY_REQUIRED, file_name):
        measure, breakdown, status = _code(r["measure"]), _code(r["breakdown"]), _code(r["status"])
        if measure not in codes.measures:
            raise bad("measure", f"{r['measure']!r} is not one of {', '.join(codes.measures)}")
        if breakdown not in codes.breakdowns:
            raise bad("breakdown", f"{r['breakdown']!r} is not a breakdown code of seeds/gap_breakdowns.csv")
        if status not in codes.statuses:
            raise bad("status", f"{r['status']!r} is not one of {', '.join(codes.statuses)}")
        year = _int(r["year"])
        if year is None:
            raise bad("year", f"{r['year']!r} is not a year")
        if not first_year <= year <= last_year:
            raise bad("year", f"{year} is outside the mapping's years {first_year}-{last_year} (about sheet)")
        key = (measure, breakdown, year)
        if key in seen:
            raise bad("year", f"{measure} {breakdown} {year} already has a row ({seen[key]})")
        seen[key] = row_no
        indicators.setdefault((measure, breakdown), row_no)
        silent = _code(r.get("report_silent")) or "no"
        if silent not in YES_NO:
            raise bad("report_silent", f"{r['report_silent']!r} is not yes or no")
        nearest = r.get("nearest_evidence_year")
        if silent == "yes":
            ny = _int(nearest)
            if ny is None:
                raise bad("nearest_evidence_year",
                          "report_silent is yes: give the year whose evidence the status was taken from")
            if not first_year <= ny <= last_year or ny == year:
                raise bad("nearest_evidence_year", f"{ny} is not another year of the mapping")
        elif nearest is not None and nearest.strip():
            raise bad("nearest_evidence_year", "only for rows where report_silent is yes")
        for sid in (s.strip() for s in (r.get("source_ids") or "").split(";")):
            if sid and sid not in source_ids:
                raise bad("source_ids", f"source {sid!r} is not in this sheet's sources table")
    for (measure, breakdown), row_no in indicators.items():
        for year in range(first_year, last_year + 1):
            if (measure, breakdown, year) not in seen:
                raise InputError(f"indicator {measure} {breakdown} has no row for {year} (every indicator "
                                 f"needs one row per year {first_year}-{last_year})", file=file_name,
                                 sheet=table.sheet, column="year", row=row_no)


def _validate_estimates(table: Table, source_ids: set[str], codes: Codes, file_name: str) -> None:
    """Check the estimates table."""
    ids: dict[str, int] = {}
    for row_no, r, bad in _checked_rows(table, ESTIMATES_REQUIRED, file_name):
        eid = (r["estimate_id"] or "").strip()
        if eid in ids:
            raise bad("estimate_id", f"estimate_id {eid!r} already used in row {ids[eid]}")
        ids[eid] = row_no
        if _code(r["concept"]) not in codes.concepts:
            raise bad("concept", f"{r['concept']!r} is not a concept of seeds/gap_estimate_concepts.csv")
        if _int(r["reference_year"]) is None:
            raise bad("reference_year", f"{r['reference_year']!r} is not a year")
        try:
            float((r["value"] or "").strip())
        except ValueError:
            raise bad("value", f"{r['value']!r} is not a number") from None
        if _code(r["unit"]) not in UNITS:
            raise bad("unit", f"{r['unit']!r} is not one of {', '.join(UNITS)}")
        if (r["source_id"] or "").strip() not in source_ids:
            raise bad("source_id", f"source {r['source_id']!r} is in no thematic area's sources table")
        cc = (r.get("country_code") or "").strip().upper()
        if cc and pycountry.countries.get(alpha_3=cc) is None:
            raise bad("country_code", f"{r['country_code']!r} is not an ISO 3166-1 alpha-3 code")


# ---------------------------------------------------------------- landing

def current_gap_load(con: duckdb.DuckDBPyConnection, country_code: str) -> tuple[str, str] | None:
    """(load_id, file_sha256) of the current gap load of a country: its latest ``loaded`` row."""
    exists = scalar(con, "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? "
                         "AND table_name = ?", [SCHEMA, TABLES[ABOUT_SHEET]])
    if not exists:
        return None
    row = first_row_or_none(con, 
        f"SELECT l.load_id, l.file_sha256 FROM {SCHEMA}.load_log AS l "
        f"WHERE l.form = ? AND l.status = ? AND l.load_id IN "
        f"(SELECT _load_id FROM {SCHEMA}.{TABLES[ABOUT_SHEET]} WHERE _country_code = ?) "
        "ORDER BY l.attempted_at DESC, l.load_id DESC LIMIT 1", [FORM, LOADED, country_code])
    return (row[0], row[1]) if row else None


@dataclass
class GapLanding:
    """A gap workbook: the lifecycle's Landing (one country's current load at a time)."""

    path: Path
    country: str | None = None
    workbook: GapWorkbook | None = None

    def prepare(self, con: duckdb.DuckDBPyConnection, attempt: Attempt) -> None:
        self.workbook = read_workbook(self.path, self.country)

    def current(self, con: duckdb.DuckDBPyConnection) -> tuple[str, str] | None:
        assert self.workbook is not None
        return current_gap_load(con, self.workbook.country_code)

    def sha256(self) -> str:
        if self.workbook is not None:
            return self.workbook.sha256
        return sha256_files([self.path])

    def land(self, con: duckdb.DuckDBPyConnection, attempt: Attempt) -> list[str]:
        assert self.workbook is not None
        return _land(con, self.workbook, attempt)

    def subject(self) -> str:
        return f"the gap workbook of {self.workbook.country_code if self.workbook else '?'}"

    def describe(self, attempt: Attempt) -> str:
        return f"loaded gap workbook of {self.workbook.country_code if self.workbook else '?'}"

    def result(self, attempt: Attempt, warnings: list[str]) -> LoadResult:
        return LoadResult(attempt, warnings, self.workbook.country_code if self.workbook else None)

    def cleanup(self) -> None:
        pass


def load_gap_workbook(path: Path | str, working: Path, country: str | None = None) -> LoadResult:
    """Land one gap workbook into the working warehouse.

    Returns the attempt (``loaded`` or ``duplicate``); raises InputError when the file is refused,
    after logging the refused attempt in ``raw.load_log``.
    """
    return run_load(Path(path), working, GapLanding(Path(path), country), form=FORM)


def _ensure_table(con: duckdb.DuckDBPyConnection, table: str, columns: list[str]) -> None:
    """Create a raw gap table (lineage, ``_country_code``, text columns) or add new columns."""
    have = [r[0] for r in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ? "
        "ORDER BY ordinal_position", [SCHEMA, table]).fetchall()]
    if not have:
        cols = [f"{quote(n)} {t}" for n, t in (*LINEAGE_COLUMNS, COUNTRY_COLUMN)]
        cols += [f"{quote(c)} VARCHAR" for c in columns]
        con.execute(f"CREATE TABLE {SCHEMA}.{quote(table)} ({', '.join(cols)})")
        return
    for c in columns:
        if c not in have:
            con.execute(f"ALTER TABLE {SCHEMA}.{quote(table)} ADD COLUMN {quote(c)} VARCHAR")


def _insert(con: duckdb.DuckDBPyConnection, table_name: str, t: Table, attempt: Attempt,
            wb: GapWorkbook, standard: tuple[str, ...]) -> int:
    columns = [*standard, *[c for c in t.columns if c not in standard]]
    _ensure_table(con, table_name, columns)
    if not t.rows:
        return 0
    data = {c: pa.array([r.get(c) for _, r in t.rows], pa.string()) for c in columns}
    data["_source_row"] = pa.array([n for n, _ in t.rows], pa.int32())
    tbl = pa.table(data)
    lineage = [attempt.load_id, None, FORM, wb.file_name, wb.sha256, t.sheet, wb.country_code]
    names = [n for n, _ in LINEAGE_COLUMNS if n != "_source_row"] + [COUNTRY_COLUMN[0]]
    types = dict([*LINEAGE_COLUMNS, COUNTRY_COLUMN])
    select = ", ".join(f"?::{types[n]} AS {quote(n)}" for n in names)
    con.register("_mtm_gap_rows", tbl)
    try:
        con.execute(f"INSERT INTO {SCHEMA}.{quote(table_name)} BY NAME SELECT {select}, * FROM _mtm_gap_rows",
                    lineage)
    finally:
        con.unregister("_mtm_gap_rows")
    return len(t.rows)


def _land(con: duckdb.DuckDBPyConnection, wb: GapWorkbook, attempt: Attempt) -> list[str]:
    """Insert the workbook's tables (inside the lifecycle's transaction); return the warnings."""
    warnings = [f"unknown column landed: {u}" for u in wb.unknown_columns]
    attempt.rows_per_sheet[wb.about.sheet] = _insert(con, TABLES[ABOUT_SHEET], wb.about, attempt, wb,
                                                     ("field", "value"))
    for avail, srcs in zip(wb.availability, wb.sources, strict=True):
        n = _insert(con, TABLES[AVAILABILITY], avail, attempt, wb, AVAILABILITY_COLUMNS)
        n += _insert(con, TABLES[SOURCES], srcs, attempt, wb, SOURCES_COLUMNS)
        attempt.rows_per_sheet[avail.sheet] = n
    if wb.estimates is not None:
        attempt.rows_per_sheet[wb.estimates.sheet] = _insert(
            con, TABLES[ESTIMATES_SHEET], wb.estimates, attempt, wb, ESTIMATES_COLUMNS)
    else:
        _ensure_table(con, TABLES[ESTIMATES_SHEET], list(ESTIMATES_COLUMNS))
    attempt.unknown_columns = list(wb.unknown_columns)
    progress.step(f"{wb.file_name}: {sum(attempt.rows_per_sheet.values()):,} rows landed for "
                  f"{wb.country_code}")
    return warnings
