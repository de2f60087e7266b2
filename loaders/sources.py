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
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
from python_calamine import CalamineError, CalamineWorkbook

from mtm.errors import InputError

CHUNK_ROWS = 65_536
CSV_DELIM = ";"
_HASH_BLOCK = 1 << 20


@dataclass
class Chunk:
    """A block of consecutive data rows: one text array per requested column, and the
    spreadsheet row number of each row (header = 1, so the first data row is 2)."""

    columns: list[pa.Array]
    source_rows: pa.Array  # int32


@dataclass
class SheetSource:
    """One sheet of an export: its name, header cells, and a way to read chosen columns."""

    name: str
    file_name: str  # lineage `_file_name` of this sheet's rows
    header: list[str]
    read: Callable[[list[int]], Iterator[Chunk]] = field(repr=False)


@dataclass
class ExportSource:
    """An opened export: the file the operator gave, its SHA-256, and its sheets in order."""

    path: Path
    file_name: str
    sha256: str
    sheet_names: list[str]
    open_sheet: Callable[[str], SheetSource] = field(repr=False)
    cleanup: Callable[[], None] = field(default=lambda: None, repr=False)


def _sha256_files(paths: list[Path]) -> str:
    h = hashlib.sha256()
    for p in paths:
        with p.open("rb") as fh:
            while block := fh.read(_HASH_BLOCK):
                h.update(block)
    return h.hexdigest()


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


def _numbers_text(num: pa.Array) -> pa.Array:
    """Float cells as text: whole numbers without ``.0``, others in shortest round-trip form."""
    whole = pc.and_(pc.equal(pc.floor(num), num), pc.less(pc.abs(num), 1e15))
    ints = pc.cast(pc.cast(pc.if_else(whole, num, pa.scalar(None, pa.float64())), pa.int64()), pa.string())
    return pc.if_else(whole, ints, pc.cast(num, pa.string()))


def _empty_to_null(arr: pa.Array) -> pa.Array:
    return pc.if_else(pc.equal(arr, ""), pa.scalar(None, pa.string()), arr)


def column_text(values: tuple | list) -> pa.Array:
    """A column of calamine cell values as an Arrow string array (vectorised for text and floats)."""
    kinds = set(map(type, values))
    if kinds == {str}:
        return _empty_to_null(pa.array(values, pa.string()))
    if kinds <= {str, float}:
        text = _numbers_text(pa.array([None if v.__class__ is str else v for v in values], pa.float64()))
        if str in kinds:
            strings = pa.array([v if v.__class__ is str else None for v in values], pa.string())
            text = pc.coalesce(text, _empty_to_null(strings))
        return text
    return pa.array([_cell_text(v) for v in values], pa.string())


def header_text(cells: list[Any]) -> list[str]:
    """Header cells as strings ('' for an empty header cell)."""
    return [(_cell_text(c) or "") for c in cells]


# ---------------------------------------------------------------- XLSX

def _xlsx_error(path: Path, exc: Exception, sheet: str | None = None) -> InputError:
    return InputError(f"not a readable .xlsx workbook (corrupt, truncated or another format): "
                      f"{str(exc).splitlines()[0] if str(exc) else type(exc).__name__}",
                      file=path.name, sheet=sheet)


def open_xlsx(path: Path) -> ExportSource:
    """Open a workbook with calamine; sheets are parsed one at a time when opened."""
    try:
        wb = CalamineWorkbook.from_path(str(path))
        names = list(wb.sheet_names)
    except (CalamineError, OSError, ValueError) as exc:
        raise _xlsx_error(path, exc) from exc

    def open_sheet(name: str) -> SheetSource:
        try:
            sheet = wb.get_sheet_by_name(name)
            rows = sheet.iter_rows()
            first = next(rows, None)
        except (CalamineError, ValueError) as exc:
            raise _xlsx_error(path, exc, name) from exc
        start_row = (sheet.start or (0, 0))[0] + 1 if first is not None else 1
        header = header_text(first) if first is not None else []

        def read(keep: list[int]) -> Iterator[Chunk]:
            row_no = start_row + 1
            while True:
                block = list(islice(rows, CHUNK_ROWS))
                if not block:
                    return
                numbers = [row_no + i for i, r in enumerate(block) if r.count("") != len(r)]
                if len(numbers) != len(block):
                    block = [r for r in block if r.count("") != len(r)]
                row_no += CHUNK_ROWS
                if not block:
                    continue
                width = len(header)
                block = [r if len(r) >= width else [*r, *([""] * (width - len(r)))] for r in block]
                cols = list(zip(*block))
                yield Chunk([column_text(cols[i]) for i in keep], pa.array(numbers, pa.int32()))
        return SheetSource(name=name, file_name=path.name, header=header, read=read)

    return ExportSource(path=path, file_name=path.name, sha256=_sha256_files([path]),
                        sheet_names=names, open_sheet=open_sheet, cleanup=wb.close)


# ---------------------------------------------------------------- CSV folder / zip

def _csv_header(path: Path, label: str) -> list[str]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            return next(csv.reader(fh, delimiter=CSV_DELIM), [])
    except UnicodeDecodeError as exc:
        raise InputError("not UTF-8 text (export the CSV as UTF-8)", file=label, row=1) from exc
    except csv.Error as exc:
        raise InputError(f"unreadable CSV header: {exc}", file=label, row=1) from exc


_LINE_RE = re.compile(r"[Ll]ine:?\s*(\d+)")


def _csv_error(exc: Exception, label: str, sheet: str) -> InputError:
    text = str(exc)
    m = _LINE_RE.search(text)
    first = next((ln.strip() for ln in text.splitlines() if ln.strip()), type(exc).__name__)
    return InputError(f"unreadable CSV: {first}", file=label, sheet=sheet,
                      row=int(m.group(1)) if m else None)


def _csv_sheet(path: Path, name: str, label: str) -> SheetSource:
    header = _csv_header(path, label)

    def read(keep: list[int]) -> Iterator[Chunk]:
        con = duckdb.connect()
        try:
            src = ("read_csv(?, delim=';', header=true, all_varchar=true, quote='\"', escape='\"', "
                   "skip=0, strict_mode=true, null_padding=false, encoding='utf-8', "
                   "auto_detect=false, columns=?)")
            cols = {f"c{i}": "VARCHAR" for i in range(len(header))}
            select = ", ".join(f"c{i}" for i in keep) or "NULL AS c_none"
            try:
                reader = con.sql(f"SELECT {select} FROM {src}", params=[str(path), cols]) \
                    .to_arrow_reader(CHUNK_ROWS)
                row_no = 2
                for batch in reader:
                    n = batch.num_rows
                    arrays = [batch.column(j) for j in range(len(keep))]
                    numbers = pa.array(range(row_no, row_no + n), pa.int32())
                    row_no += n
                    yield _drop_empty_rows(arrays, numbers)
            except duckdb.Error as exc:
                raise _csv_error(exc, label, name) from exc
        finally:
            con.close()
    return SheetSource(name=name, file_name=label, header=header, read=read)


def _drop_empty_rows(arrays: list[pa.Array], numbers: pa.Array) -> Chunk:
    """Rows whose kept cells are all null or empty carry nothing: leave them out."""
    if not arrays:
        return Chunk(arrays, numbers)
    arrays = [pc.if_else(pc.equal(a, ""), pa.scalar(None, pa.string()), a)
              if a.null_count < len(a) else a for a in arrays]
    mask = pc.is_valid(arrays[0])
    for a in arrays[1:]:
        mask = pc.or_(mask, pc.is_valid(a))
    if pc.all(mask).as_py() in (True, None):
        return Chunk(arrays, numbers)
    return Chunk([pc.filter(a, mask) for a in arrays], pc.filter(numbers, mask))


def _csv_export(path: Path, files: list[Path], label_of: Callable[[Path], str], sha: str,
                cleanup: Callable[[], None]) -> ExportSource:
    by_name = {f.stem: f for f in files}
    if not by_name:
        cleanup()
        raise InputError("no .csv sheets found", file=path.name)

    def open_sheet(name: str) -> SheetSource:
        f = by_name[name]
        return _csv_sheet(f, name, label_of(f))
    return ExportSource(path=path, file_name=path.name, sha256=sha, sheet_names=list(by_name),
                        open_sheet=open_sheet, cleanup=cleanup)


def open_csv_folder(path: Path) -> ExportSource:
    """A folder of ``<sheet>.csv`` files; hashed as the sheets concatenated in sorted name order."""
    files = sorted((f for f in path.iterdir() if f.is_file() and f.suffix.lower() == ".csv"),
                   key=lambda f: f.name)
    return _csv_export(path, files, lambda f: f"{path.name}/{f.name}", _sha256_files(files),
                       lambda: None)


def open_zip(path: Path) -> ExportSource:
    """A ``.zip`` of CSV sheets, extracted to a temporary folder; hashed as the zip file."""
    sha = _sha256_files([path])
    tmp = tempfile.TemporaryDirectory(prefix="mtm_load_")
    try:
        with zipfile.ZipFile(path) as zf:
            members = [m for m in zf.infolist() if not m.is_dir()
                       and m.filename.lower().endswith(".csv") and "__MACOSX" not in m.filename]
            files = []
            for m in sorted(members, key=lambda m: m.filename):
                target = Path(tmp.name) / Path(m.filename).name
                with zf.open(m) as src, target.open("wb") as dst:
                    while block := src.read(_HASH_BLOCK):
                        dst.write(block)
                files.append(target)
    except (zipfile.BadZipFile, EOFError, OSError, zipfile.LargeZipFile) as exc:
        tmp.cleanup()
        raise InputError(f"not a readable .zip (corrupt or truncated): {exc}", file=path.name) from exc
    return _csv_export(path, files, lambda f: f"{path.name}!{f.name}", sha, tmp.cleanup)


def open_export(path: Path) -> ExportSource:
    """Open an export by what it is: a workbook, a folder of CSV sheets, or a zip of them."""
    path = Path(path)
    if not path.exists():
        raise InputError("no such file or folder", file=str(path))
    if path.is_dir():
        return open_csv_folder(path)
    suffix = path.suffix.lower()
    if suffix == ".zip":
        return open_zip(path)
    if suffix in (".xlsx", ".xlsm"):
        return open_xlsx(path)
    raise InputError("expected a .xlsx workbook, a folder of .csv sheets or a .zip of them",
                     file=path.name)
