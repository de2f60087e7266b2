"""Read the sheets of a Kobo export (``.xlsx``, a folder of CSV sheets, or a ``.zip`` of them).

Every value comes out as text (Arrow ``string``): empty cells are null, other values verbatim
(no trimming); XLSX whole numbers are written without ``.0``, dates and times as ISO 8601,
booleans as ``true``/``false``. A bad cell never raises: raw is text.

Readers never materialise a whole sheet as Python objects: rows come in chunks of
``CHUNK_ROWS`` so memory stays bounded on large exports.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import re
import tempfile
import threading
import zipfile
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import chain, islice
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
from python_calamine import CalamineError, CalamineWorkbook

from mtm.core.errors import InputError

CHUNK_ROWS = 131_072
CSV_BATCH_ROWS = 1_048_576
CSV_DELIM = ";"
_HASH_BLOCK = 1 << 20


@dataclass
class Chunk:
    """A block of consecutive data rows of the requested columns.

    ``arrays`` holds Arrow arrays named ``c<k>`` (and ``c<k>_s``); ``exprs[k]`` is the SQL
    expression (over those names) that gives requested column ``k`` as text, so the final cell
    to text conversion runs inside DuckDB, vectorised; ``exprs`` is None when ``arrays`` already
    are the text of the requested columns, in order. ``source_rows`` holds the spreadsheet row
    number of each row (header = 1, so the first data row is 2).
    """

    arrays: dict[str, pa.Array]
    exprs: list[str] | None
    source_rows: pa.Array  # int32


@dataclass
class SheetSource:
    """One sheet of an export: its name, header cells, and a way to read chosen columns."""

    name: str
    file_name: str  # lineage `_file_name` of this sheet's rows
    header: list[str]
    read: Callable[[list[int]], Iterator[Chunk]] = field(repr=False)
    # For CSV sheets: the DuckDB table-function call (SQL, params) that yields every column as
    # text named c0, c1, ... in file order, so a loader can INSERT straight from it.
    scan: tuple[str, list[Any]] | None = field(default=None, repr=False)
    errors: Callable[[Exception], InputError] | None = field(default=None, repr=False)


@dataclass
class ExportSource:
    """An opened export: the file the operator gave, its SHA-256, and its sheets in order.

    The hash is computed on a background thread from the moment the export is opened; reading
    ``sha256`` waits for it. A loader that does not need it yet (no current load to compare with)
    lands rows meanwhile."""

    path: Path
    file_name: str
    hasher: Future[str] = field(repr=False)
    sheet_names: list[str]
    open_sheet: Callable[[str], SheetSource] = field(repr=False)
    cleanup: Callable[[], None] = field(default=lambda: None, repr=False)

    @property
    def sha256(self) -> str:
        return self.hasher.result()


def sha256_files(paths: list[Path]) -> str:
    """Hex SHA-256 of the files' bytes, concatenated in the order given, read in blocks."""
    h = hashlib.sha256()
    for p in paths:
        with p.open("rb") as fh:
            while block := fh.read(_HASH_BLOCK):
                h.update(block)  # hashlib releases the GIL for large blocks
    return h.hexdigest()


def hash_in_background(paths: list[Path]) -> Future[str]:
    """Start hashing ``paths`` (concatenated, in order) on a thread of its own; the future's result
    is the hex SHA-256, or the OSError that stopped it."""
    future: Future[str] = Future()

    def run() -> None:
        try:
            future.set_result(sha256_files(paths))
        except Exception as exc:  # noqa: BLE001 (not swallowed: re-raised to the reader of the hash)
            future.set_exception(exc)
    threading.Thread(target=run, name="mtm-sha256", daemon=True).start()
    return future


# ---------------------------------------------------------------- cell -> text (XLSX)

def _float_text(v: float) -> str:
    if v.is_integer() and -1e15 < v < 1e15:
        return str(int(v))
    return repr(v)


def _str_text(v: str) -> str | None:
    return v if v else None


_CONVERT: dict[type, Callable[[Any], str | None]] = {
    str: _str_text,
    float: _float_text,
    int: str,
    bool: lambda v: "true" if v else "false",
    dt.datetime: lambda v: v.isoformat(),
    dt.date: lambda v: v.isoformat(),
    dt.time: lambda v: v.isoformat(),
    dt.timedelta: str,
}


def _cell_text(v: Any) -> str | None:
    """One XLSX cell as raw text (null for an empty cell); never raises."""
    if v is None:
        return None
    conv = _CONVERT.get(type(v))
    try:
        return conv(v) if conv else str(v)
    except Exception:  # noqa: BLE001 - a bad cell is text, never a crash
        return repr(v)


def number_text_sql(col: str) -> str:
    """SQL turning a DOUBLE column into raw text: whole numbers without ``.0``, others as Python's
    repr would write them (DuckDB formats doubles the same shortest round-trip way)."""
    return (f"CASE WHEN {col} = floor({col}) AND abs({col}) < 1e15 "
            f"THEN CAST(CAST({col} AS BIGINT) AS VARCHAR) ELSE CAST({col} AS VARCHAR) END")


def encode_column(values: tuple | list, name: str) -> tuple[dict[str, pa.Array], str]:
    """Calamine cell values of one column as Arrow arrays plus the SQL expression giving text.

    Text and numbers take vectorised paths (Arrow builds the arrays in C, DuckDB formats the
    numbers) with as few passes over the cells as possible (on large sheets each pass costs more
    than the work done in it); other cell kinds (booleans, dates, times) are converted cell by cell.
    """
    n = len(values)
    if n and values[0].__class__ is str:
        try:  # a text column: one pass
            return {name: pa.array(values, pa.string())}, f"nullif({name}, '')"
        except (pa.ArrowTypeError, pa.ArrowInvalid):
            pass
    numbers = pa.array([v if v.__class__ is float else None for v in values], pa.float64(),
                       from_pandas=True)
    if numbers.null_count == 0:
        return {name: numbers}, number_text_sql(name)
    texts = pa.array([v if v.__class__ is str else None for v in values], pa.string())
    if (n - numbers.null_count) + (n - texts.null_count) == n:  # only numbers and text
        text_name = f"{name}_s"
        return ({name: numbers, text_name: texts},
                f"coalesce({number_text_sql(name)}, nullif({text_name}, ''))")
    return {name: pa.array([_cell_text(v) for v in values], pa.string())}, name


def encode_block(block: list[list[Any]], width: int, keep: list[int]) -> tuple[dict[str, pa.Array], list[str]]:
    """Rows of calamine cells (all ``width`` long) as Arrow arrays + SQL text expressions of the
    ``keep`` columns (see ``Chunk``).

    Cells are touched in the order calamine created them (row by row), which on wide sheets is
    several times faster than walking each column; numbers go through numpy, text through Arrow.
    """
    n = len(block)
    flat = list(chain.from_iterable(block))
    nan = float("nan")
    floats = np.fromiter((v if v.__class__ is float else nan for v in flat), np.float64, n * width)
    floats = floats.reshape(n, width)
    is_float = ~np.isnan(floats)
    flat_cells = np.empty(n * width, dtype=object)
    flat_cells[:] = flat
    del flat
    cells = flat_cells.reshape(n, width)
    arrays: dict[str, pa.Array] = {}
    exprs: list[str] = []
    for k, i in enumerate(keep):
        name, float_mask = f"c{k}", is_float[:, i]
        n_float = int(float_mask.sum())
        if n_float == n:
            arrays[name] = pa.array(floats[:, i])
            exprs.append(number_text_sql(name))
            continue
        column = cells[:, i]
        if n_float:
            column = column.copy()
            column[float_mask] = None
        try:
            texts = pa.array(column, pa.string(), from_pandas=True)
        except (pa.ArrowTypeError, pa.ArrowInvalid):  # booleans, dates, ...: cell by cell
            column_arrays, expr = encode_column(tuple(cells[:, i]), name)
            arrays.update(column_arrays)
            exprs.append(expr)
            continue
        if n_float:
            arrays[name] = pa.array(floats[:, i], mask=~float_mask)
            arrays[f"{name}_s"] = texts
            exprs.append(f"coalesce({number_text_sql(name)}, nullif({name}_s, ''))")
        else:
            arrays[name] = texts
            exprs.append(f"nullif({name}, '')")
    return arrays, exprs


def column_text(values: tuple | list) -> pa.Array:
    """A column of calamine cell values as an Arrow string array (the same text a load gives)."""
    return _text_via_duckdb(*encode_column(values, "c"))


def _text_via_duckdb(arrays: dict[str, pa.Array], expr: str) -> pa.Array:
    con = duckdb.connect()
    try:
        con.register("_cells", pa.table(arrays))
        return con.sql(f"SELECT {expr} AS t FROM _cells").to_arrow_table().column("t").combine_chunks()
    finally:
        con.close()


def column_letter(i: int) -> str:
    """The spreadsheet column letter of a 0-based column index (0 -> A, 26 -> AA)."""
    out = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        out = chr(65 + r) + out
    return out


def header_text(cells: list[Any]) -> list[str]:
    """Header cells as strings ('' for an empty header cell)."""
    return [(_cell_text(c) or "") for c in cells]


# ---------------------------------------------------------------- XLSX

def _xlsx_error(path: Path, exc: Exception, sheet: str | None = None) -> InputError:
    return InputError(f"not a readable .xlsx workbook (corrupt, truncated or another format): "
                      f"{str(exc).splitlines()[0] if str(exc) else type(exc).__name__}",
                      file=path.name, sheet=sheet)


def _xlsx_sheet(path: Path, name: str, sheet: Any) -> SheetSource:
    """A parsed calamine sheet as a SheetSource (rows converted chunk by chunk)."""
    try:
        rows = sheet.iter_rows()
        first = next(rows, None)
    except (CalamineError, ValueError) as exc:
        raise _xlsx_error(path, exc, name) from exc
    start_row = (sheet.start or (0, 0))[0] + 1 if first is not None else 1
    header = header_text(first) if first is not None else []

    def read(keep: list[int]) -> Iterator[Chunk]:
        row_no = start_row + 1
        width = len(header)
        while block := list(islice(rows, CHUNK_ROWS)):
            numbers = pa.array(range(row_no, row_no + len(block)), pa.int32())
            row_no += len(block)
            if any(len(r) != width for r in block):
                block = [r[:width] if len(r) >= width else [*r, *([""] * (width - len(r)))] for r in block]
            arrays, exprs = encode_block(block, width, keep)
            del block
            yield Chunk(arrays, exprs, numbers)
    return SheetSource(name=name, file_name=path.name, header=header, read=read)


def open_xlsx(path: Path) -> ExportSource:
    """Open a workbook with calamine.

    Sheets are parsed when opened, and the next sheet is parsed in a background thread
    meanwhile (calamine releases the GIL), so parsing overlaps landing.
    """
    try:
        wb = CalamineWorkbook.from_path(str(path))
        names = list(wb.sheet_names)
    except (CalamineError, OSError, ValueError) as exc:
        raise _xlsx_error(path, exc) from exc
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="calamine")
    pending: dict[str, Future] = {}

    def parse(name: str) -> Future:
        return pending.pop(name, None) or pool.submit(wb.get_sheet_by_name, name)

    def open_sheet(name: str) -> SheetSource:
        future = parse(name)
        i = names.index(name)
        if i + 1 < len(names) and names[i + 1] not in pending:
            pending[names[i + 1]] = pool.submit(wb.get_sheet_by_name, names[i + 1])
        try:
            sheet = future.result()
        except (CalamineError, ValueError) as exc:
            raise _xlsx_error(path, exc, name) from exc
        return _xlsx_sheet(path, name, sheet)

    def cleanup() -> None:
        pool.shutdown(wait=True, cancel_futures=True)
        pending.clear()
        wb.close()

    return ExportSource(path=path, file_name=path.name, hasher=hash_in_background([path]),
                        sheet_names=names, open_sheet=open_sheet, cleanup=cleanup)


# ---------------------------------------------------------------- CSV folder / zip

def _csv_header(path: Path, label: str) -> list[str]:
    """The header fields of a CSV sheet (first line only; a byte-order mark is dropped)."""
    with path.open("rb") as fh:
        first = fh.readline()
    try:
        text = first.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError("not UTF-8 text (export the CSV as UTF-8)", file=label, row=1) from exc
    try:
        header = next(csv.reader([text.rstrip("\r\n")], delimiter=CSV_DELIM), [])
    except csv.Error as exc:
        raise InputError(f"unreadable CSV header: {exc}", file=label, row=1) from exc
    if len(header) == 1 and "," in header[0]:
        raise InputError("the CSV sheet is not ';'-separated (save it as CSV with ';' between fields)",
                         file=label, row=1)
    return header


_LINE_RE = re.compile(r"[Ll]ine:?\s*(\d+)")


def _csv_error(exc: Exception, label: str, sheet: str) -> InputError:
    """DuckDB's CSV error as one line: the reason and the line, never the line's content."""
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    m = _LINE_RE.search(lines[0]) if lines else None
    reasons = [ln for ln in lines[1:] if not ln.startswith(("Original Line", "Possible", "*"))
               and "=" not in ln]
    reason = reasons[0] if reasons else (lines[0] if lines else type(exc).__name__)
    return InputError(f"unreadable CSV: {reason}", file=label, sheet=sheet,
                      row=int(m.group(1)) if m else None)


CSV_SCAN = ("read_csv(?, delim=';', header=true, all_varchar=true, quote='\"', escape='\"', "
            "skip=0, strict_mode=true, null_padding=false, encoding='utf-8', auto_detect=false, columns=?)")


def _csv_sheet(path: Path, name: str, label: str) -> SheetSource:
    header = _csv_header(path, label)
    params = [str(path), {f"c{i}": "VARCHAR" for i in range(len(header))}]

    def read(keep: list[int]) -> Iterator[Chunk]:
        con = duckdb.connect()
        try:
            select = ", ".join(f"c{i}" for i in keep) or "NULL AS c_none"
            try:
                reader = con.sql(f"SELECT {select} FROM {CSV_SCAN}", params=params) \
                    .to_arrow_reader(CSV_BATCH_ROWS)
                row_no = 2
                for batch in reader:
                    n = batch.num_rows
                    # DuckDB reads empty fields (quoted or not) as NULL: the arrays are final text
                    yield Chunk({f"c{k}": batch.column(k) for k in range(len(keep))}, None,
                                pa.array(range(row_no, row_no + n), pa.int32()))
                    row_no += n
            except duckdb.Error as exc:
                raise _csv_error(exc, label, name) from exc
        finally:
            con.close()
    return SheetSource(name=name, file_name=label, header=header, read=read, scan=(CSV_SCAN, params),
                       errors=lambda exc: _csv_error(exc, label, name))


def _csv_export(path: Path, files: list[tuple[str, Path]], hasher: Future[str],
                cleanup: Callable[[], None]) -> ExportSource:
    """An export of CSV sheets: (label naming the sheet in its container, file) pairs; a sheet is
    named after its file's stem, and two files with one stem (``old/ki.csv``, ``ki.csv``) refuse
    the export, naming both."""
    by_name: dict[str, tuple[str, Path]] = {}
    for label, f in files:
        stem = Path(label.rsplit("!", 1)[-1]).stem
        if stem in by_name:
            cleanup()
            raise InputError(f"two files would land as the same sheet {stem!r}: {by_name[stem][0]} and {label}",
                             file=path.name, sheet=stem)
        by_name[stem] = (label, f)
    if not by_name:
        cleanup()
        raise InputError("no .csv sheets found", file=path.name)

    def open_sheet(name: str) -> SheetSource:
        label, f = by_name[name]
        return _csv_sheet(f, name, label)
    return ExportSource(path=path, file_name=path.name, hasher=hasher, sheet_names=list(by_name),
                        open_sheet=open_sheet, cleanup=cleanup)


def open_csv_folder(path: Path) -> ExportSource:
    """A folder of ``<sheet>.csv`` files; hashed as the sheets concatenated in sorted name order."""
    files = sorted((f for f in path.iterdir() if f.is_file() and f.suffix.lower() == ".csv"),
                   key=lambda f: f.name)
    return _csv_export(path, [(f"{path.name}/{f.name}", f) for f in files], hash_in_background(files),
                       lambda: None)


# Limits on a .zip of CSV sheets, checked while each member is unpacked (never trusting the sizes
# the archive declares): a zip bomb is stopped before it fills the disk. A real export of 50,000
# communities is about 200 MB of CSV compressed about 8 times.
ZIP_MAX_TOTAL_BYTES = 8 << 30  # all members together, unpacked
ZIP_MAX_MEMBER_BYTES = 4 << 30  # one member, unpacked
ZIP_MAX_RATIO = 200  # unpacked bytes per compressed byte, for members past ZIP_RATIO_FLOOR
ZIP_RATIO_FLOOR = 16 << 20  # small members may compress better than that (a header and few rows)


def _unpack_member(zf: zipfile.ZipFile, member: zipfile.ZipInfo, target: Path, budget: int,
                   archive: str) -> int:
    """Unpack one member within the limits; return the bytes written."""
    ratio_cap = max(ZIP_RATIO_FLOOR, member.compress_size * ZIP_MAX_RATIO)
    written = 0
    with zf.open(member) as src, target.open("wb") as dst:
        while block := src.read(_HASH_BLOCK):
            written += len(block)
            too_big = ("one member's limit" if written > ZIP_MAX_MEMBER_BYTES else
                       "the archive's limit for all members" if written > budget else None)
            if too_big:
                raise InputError(f"the .zip unpacks to more than {too_big} "
                                 f"({min(ZIP_MAX_MEMBER_BYTES, budget) >> 20:,} MiB): refused as a possible "
                                 "zip bomb", file=f"{archive}!{member.filename}")
            if written > ratio_cap:
                raise InputError(f"the member unpacks to over {ZIP_MAX_RATIO} times its compressed size: "
                                 "refused as a possible zip bomb", file=f"{archive}!{member.filename}")
            dst.write(block)
    return written


def open_zip(path: Path) -> ExportSource:
    """A ``.zip`` of CSV sheets, unpacked within limits to a temporary folder; hashed as the zip
    file. Members are named by their path inside the archive (``bma!old/ki.csv``)."""
    sha = hash_in_background([path])
    tmp = tempfile.TemporaryDirectory(prefix="mtm_load_")
    try:
        with zipfile.ZipFile(path) as zf:
            members = [m for m in zf.infolist() if not m.is_dir()
                       and m.filename.lower().endswith(".csv") and "__MACOSX" not in m.filename]
            files: list[tuple[str, Path]] = []
            budget = ZIP_MAX_TOTAL_BYTES
            for k, m in enumerate(sorted(members, key=lambda m: m.filename)):
                target = Path(tmp.name) / f"{k:05d}.csv"  # never a path taken from the archive
                budget -= _unpack_member(zf, m, target, budget, path.name)
                files.append((f"{path.name}!{m.filename}", target))
    except (zipfile.BadZipFile, EOFError, OSError, zipfile.LargeZipFile) as exc:
        tmp.cleanup()
        raise InputError(f"not a readable .zip (corrupt or truncated): {exc}", file=path.name) from exc
    except InputError:
        tmp.cleanup()
        raise
    return _csv_export(path, files, sha, tmp.cleanup)
