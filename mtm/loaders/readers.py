"""Which reader opens an export: one entry per shape, the first that recognises the path wins.

Every reader returns an ``ExportSource`` (sheets with headers and rows as text) and feeds the one
load lifecycle (``mtm.loaders.land``); a new shape is a new entry here, nothing else.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from mtm.core import forms, kobo_layout
from mtm.core.errors import InputError
from mtm.loaders import kobo_api, sources
from mtm.loaders.sources import ExportSource


@dataclass(frozen=True)
class Reader:
    """One export shape: how to recognise it and how to open it."""

    shape: str
    recognises: Callable[[Path], bool]
    open: Callable[[Path], ExportSource]


def _is_xlsx(path: Path) -> bool:
    return path.is_file() and path.suffix.lower() in (".xlsx", ".xlsm")


def _is_zip(path: Path) -> bool:
    return path.is_file() and path.suffix.lower() == ".zip"


def _is_csv_file(path: Path) -> bool:
    return path.is_file() and path.suffix.lower() == ".csv"


def refuse_kobo_csv(path: Path, form: str | None = None) -> ExportSource:
    """Kobo's CSV export holds the main sheet only: refuse it, naming the repeat groups it lacks."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            header = next(csv.reader(fh, delimiter=";"), [])
    except (OSError, UnicodeDecodeError, csv.Error):
        header = []
    if form is None:
        scores = {f: kobo_layout.detect_style(f, header)[1] for f in forms.form_names()}
        form = max(scores, key=lambda f: scores[f]) if header and max(scores.values()) > 0 else None
    repeats = forms.repeat_names(form) if form else sorted({r for f in forms.form_names()
                                                             for r in forms.repeat_names(f)})
    raise InputError(
        "this is Kobo's CSV export, which holds the main sheet only and leaves out the repeat groups "
        f"({', '.join(repeats)}) where the counts and lists live; download the XLS export instead "
        "(or give a folder or .zip with one CSV file per sheet)", file=path.name, row=1)


READERS: tuple[Reader, ...] = (
    Reader("xlsx workbook", _is_xlsx, sources.open_xlsx),
    Reader("zip of CSV sheets", _is_zip, sources.open_zip),
    Reader("saved pages of the KoboToolbox API (.json)", kobo_api.is_api_export, kobo_api.open_api_pages),
    Reader("folder of CSV sheets", Path.is_dir, sources.open_csv_folder),
    Reader("Kobo's CSV export (refused)", _is_csv_file, refuse_kobo_csv),
)


def open_export(path: Path) -> ExportSource:
    """Open an export with the first reader that recognises it; InputError for any other path."""
    path = Path(path)
    if not path.exists():
        raise InputError("no such file or folder", file=str(path))
    for reader in READERS:
        if reader.recognises(path):
            return reader.open(path)
    raise InputError("expected a .xlsx workbook, a folder or .zip of .csv sheets, or saved .json pages "
                     "of the KoboToolbox API", file=path.name)
