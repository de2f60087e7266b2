"""Write sheets as a KoboToolbox export: an ``.xlsx`` workbook, a folder of CSV sheets, or a ``.zip``.

The layout follows ``forms/bma/README.md`` ("How an export looks"): one sheet per table, the
header row holding the column paths; CSV files are ``;``-separated UTF-8 with a byte-order mark,
one ``<sheet>.csv`` per sheet. Values are written as given: a string stays a string (so "12" or
" 12 " stays text), numbers of numeric columns are written as numbers (whole floats without
``.0`` in CSV), missing values and empty strings as empty cells.
"""

from __future__ import annotations

import math
import shutil
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

import pandas as pd
import xlsxwriter
from pandas.api import types as ptypes

Format = Literal["xlsx", "csv", "zip"]
CSV_SEP = ";"
CSV_ENCODING = "utf-8-sig"  # UTF-8 with a byte-order mark, as Kobo/Excel write it


def write_export(sheets: dict[str, pd.DataFrame], out: Path, fmt: Format) -> Path:
    """Write ``sheets`` (sheet name -> table, in order) as a Kobo export and return the path written.

    ``out`` is the workbook file (xlsx), the folder to fill (csv) or the zip file (zip); its
    parent folders are created.
    """
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "xlsx":
        return _write_xlsx(sheets, out)
    if fmt == "csv":
        return _write_csv_folder(sheets, out)
    if fmt == "zip":
        return _write_zip(sheets, out)
    raise ValueError(f"unknown export format {fmt!r} (xlsx, csv or zip)")


def _is_missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and value == ""


def _cell_writer(ws: Any, series: pd.Series) -> Callable[[int, int, Any], None]:
    """The fastest correct xlsxwriter call for a column, skipping missing values."""
    write_number, write_string, write = ws.write_number, ws.write_string, ws.write
    if ptypes.is_bool_dtype(series.dtype):
        def w_bool(r: int, c: int, v: Any) -> None:
            if not _is_missing(v):
                ws.write_boolean(r, c, bool(v))
        return w_bool
    if ptypes.is_numeric_dtype(series.dtype):
        def w_num(r: int, c: int, v: Any) -> None:
            if v is not None and v is not pd.NA and not math.isnan(v):
                write_number(r, c, v)
        return w_num

    def w_obj(r: int, c: int, v: Any) -> None:
        if v.__class__ is str:
            if v:
                write_string(r, c, v)
        elif _is_missing(v):
            return
        elif isinstance(v, (int, float)) and not isinstance(v, bool):
            write_number(r, c, v)
        elif hasattr(v, "isoformat"):
            write_string(r, c, v.isoformat())
        else:
            write(r, c, v)
    return w_obj


def _column_values(series: pd.Series) -> list[Any]:
    if ptypes.is_datetime64_any_dtype(series.dtype):
        return [None if pd.isna(v) else v.isoformat() for v in series]
    return series.tolist()


def _write_xlsx(sheets: dict[str, pd.DataFrame], out: Path) -> Path:
    tmp = out.with_name(out.name + ".part")
    wb = xlsxwriter.Workbook(str(tmp), {"constant_memory": True, "strings_to_numbers": False,
                                        "strings_to_formulas": False, "strings_to_urls": False})
    try:
        for name, df in sheets.items():
            ws = wb.add_worksheet(name)
            for c, col in enumerate(df.columns):
                ws.write_string(0, c, str(col))
            writers = [_cell_writer(ws, df.iloc[:, i]) for i in range(df.shape[1])]
            columns = [_column_values(df.iloc[:, i]) for i in range(df.shape[1])]
            pairs = list(enumerate(zip(writers, columns, strict=True)))
            for r in range(len(df)):
                row = r + 1
                for c, (w, values) in pairs:
                    w(row, c, values[r])
    finally:
        wb.close()
    tmp.replace(out)
    return out


def _csv_ready(df: pd.DataFrame) -> pd.DataFrame:
    """Whole-number float columns become nullable integers so CSV shows ``12``, not ``12.0``."""
    out = df
    for i in range(df.shape[1]):
        s = df.iloc[:, i]
        if ptypes.is_float_dtype(s.dtype):
            vals = s.dropna()
            if len(vals) == 0 or ((vals % 1) == 0).all():
                if out is df:
                    out = df.copy()
                out.isetitem(i, s.astype("Int64"))
    return out


def _write_csv_folder(sheets: dict[str, pd.DataFrame], out: Path) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    for name, df in sheets.items():
        _csv_ready(df).to_csv(out / f"{name}.csv", sep=CSV_SEP, encoding=CSV_ENCODING,
                              index=False, na_rep="", lineterminator="\n")
    return out


def _write_zip(sheets: dict[str, pd.DataFrame], out: Path) -> Path:
    tmpdir = Path(tempfile.mkdtemp(prefix="kobo_export_", dir=out.parent))
    try:
        _write_csv_folder(sheets, tmpdir)
        tmp = out.with_name(out.name + ".part")
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for name in sheets:
                zf.write(tmpdir / f"{name}.csv", arcname=f"{name}.csv")
        tmp.replace(out)
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)
    return out
