"""Read saved pages of KoboToolbox's REST API (``/api/v2/assets/<uid>/data/?format=json``) as an export.

A page is ``{"count": N, "next": URL or null, "previous": ..., "results": [...]}``; each result is
one submission keyed by the question's full path (``loc/oblast``), repeats as arrays of objects
keyed by full path, ``_validation_status`` an object (``{"uid": ..., "label": ...}``) or ``{}``
(``forms/bma/README.md``, "REST API"). The pages are flattened into the sheets an XLSX export with
groups in its headers would have: the main sheet, one sheet per repeat with ``_index``,
``_parent_index`` and the ``_submission__`` metadata, so they land through the same lifecycle and
header recognition as every other export. A submission in several pages counts once (its
latest copy, by page order).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa

from mtm.core import forms, kobo_layout
from mtm.core.errors import InputError
from mtm.loaders.sources import Chunk, ExportSource, SheetSource, hash_in_background

MAIN_SHEET = "main"
SUBMISSION_METADATA = ("_id", "_uuid", "_submission_time", "_validation_status", "_notes", "_status",
                       "_submitted_by", "__version__", "_tags")


def page_files(path: Path) -> list[Path]:
    """The page files of a saved export: the file itself, or a folder's ``.json`` files in
    natural order (``page_2`` before ``page_10``)."""
    if path.is_file():
        return [path]
    files = [f for f in path.iterdir() if f.is_file() and f.suffix.lower() == ".json"]

    def natural(f: Path) -> list[Any]:
        return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", f.name)]
    return sorted(files, key=natural)


def is_api_export(path: Path) -> bool:
    """A ``.json`` file, or a folder holding ``.json`` pages and no ``.csv`` sheet."""
    if path.is_file():
        return path.suffix.lower() == ".json"
    if path.is_dir():
        names = [f.suffix.lower() for f in path.iterdir() if f.is_file()]
        return ".json" in names and ".csv" not in names
    return False


def read_submissions(files: list[Path]) -> list[dict[str, Any]]:
    """Every submission of the pages, once each (by ``_id``; a later page's copy wins), in
    ``_id`` order; InputError naming the file for anything that is not a page of the API."""
    by_id: dict[Any, dict[str, Any]] = {}
    for f in files:
        try:
            page = json.loads(f.read_text(encoding="utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise InputError(f"not a JSON page of the KoboToolbox API: {exc}", file=f.name) from exc
        results = page.get("results") if isinstance(page, dict) else page if isinstance(page, list) else None
        if not isinstance(results, list) or not all(isinstance(r, dict) for r in results):
            raise InputError("not a page of the KoboToolbox API (no \"results\" list of submissions)",
                             file=f.name)
        for k, r in enumerate(results):
            by_id[r.get("_id", f"{f.name}#{k}")] = r
    form_ids = {r["_xform_id_string"] for r in by_id.values() if r.get("_xform_id_string")}
    if len(form_ids) > 1:
        raise InputError(f"the pages hold submissions of more than one form ({', '.join(sorted(form_ids))}): "
                         "load each form's pages on their own", file=files[0].parent.name)
    return sorted(by_id.values(), key=lambda r: (str(type(r.get("_id"))), r.get("_id") or 0))


def _text(value: Any) -> str | None:
    """A JSON value as raw text: strings verbatim, numbers as written, objects as JSON."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, dict) and "uid" in value:  # _validation_status
        return _text(value.get("uid"))
    if isinstance(value, (dict, list)) and not value:
        return None
    if isinstance(value, list) and all(isinstance(v, str) for v in value):  # _tags, as the XLSX writes them
        return ", ".join(value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


_GEOPOINT = re.compile(r"^-?\d+(\.\d+)?( -?\d+(\.\d+)?){3}$")


def _geopoint_parts(key: str, value: Any) -> dict[str, str | None]:
    """The four columns an XLSX export splits a geopoint into (``loc/_gps_latitude``, ...), for a
    value shaped like one ("lat lon alt precision"); the API sends only the whole point."""
    if not isinstance(value, str) or not _GEOPOINT.match(value.strip()):
        return {}
    group, _, name = key.rpartition("/")
    prefix = f"{group}/" if group else ""
    return {f"{prefix}_{name}_{part}": v for part, v in zip(forms.GEOPOINT_PARTS, value.split(), strict=True)}


def _is_repeat(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


class _Sheet:
    """Rows of one flattened sheet, columns in first-seen order."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.columns: dict[str, None] = {}
        self.rows: list[dict[str, str | None]] = []

    def add(self, row: dict[str, str | None]) -> int:
        for c in row:
            self.columns.setdefault(c, None)
        self.rows.append(row)
        return len(self.rows)


def flatten(submissions: list[dict[str, Any]], form_title: str = "") -> dict[str, _Sheet]:
    """The sheets an XLSX export (groups in headers, separator ``/``) of these submissions has."""
    sheets: dict[str, _Sheet] = {MAIN_SHEET: _Sheet(MAIN_SHEET)}

    def walk(record: dict[str, Any], sheet: _Sheet, meta: dict[str, str | None],
             extra: dict[str, str | None]) -> None:
        row: dict[str, str | None] = {}
        nested: list[tuple[str, list[dict[str, Any]]]] = []
        for key, value in record.items():
            if _is_repeat(value):
                nested.append((key, value))
            else:
                row[key] = _text(value)
                row.update(_geopoint_parts(key, value))
        index = sheet.add({**row, **extra, "_index": None})
        sheet.rows[-1]["_index"] = str(index)
        for key, rows in nested:
            name = key.rsplit("/", 1)[-1]
            child = sheets.setdefault(name, _Sheet(name))
            for r in rows:
                walk(r, child, meta, {"_parent_table_name": form_title or sheet.name,
                                      "_parent_index": str(index),
                                      **{f"_submission_{m}": meta.get(m) for m in SUBMISSION_METADATA}})

    for s in submissions:
        meta = {m: _text(s.get(m)) for m in SUBMISSION_METADATA}
        walk(s, sheets[MAIN_SHEET], meta, {})
    return sheets


def _form_title(submissions: list[dict[str, Any]]) -> str:
    """The title of the form whose questions the submissions answer (what an XLSX export puts in
    ``_parent_table_name``); '' when no form matches."""
    keys = list(dict.fromkeys(k for s in submissions[:50] for k in s))
    scores = {f: kobo_layout.detect_style(f, keys)[1] for f in forms.form_names()}
    form = max(scores, key=lambda f: scores[f], default=None)
    if form is None or scores[form] == 0:
        return ""
    return max((s for s in forms.settings() if s.form == form), key=lambda s: s.round_id).form_title


def _sheet_source(sheet: _Sheet, file_name: str) -> SheetSource:
    header = list(sheet.columns)

    def read(keep: list[int]) -> Iterator[Chunk]:
        if not sheet.rows:
            return
        arrays = {f"c{k}": pa.array([r.get(header[i]) for r in sheet.rows], pa.string())
                  for k, i in enumerate(keep)}
        yield Chunk(arrays, None, pa.array(range(2, len(sheet.rows) + 2), pa.int32()))
    return SheetSource(name=sheet.name, file_name=file_name, header=header, read=read)


def open_api_pages(path: Path) -> ExportSource:
    """A saved page (``data.json``) or a folder of pages, as an export of flattened sheets."""
    files = page_files(path)
    if not files:
        raise InputError("no .json pages of the KoboToolbox API found", file=path.name)
    submissions = read_submissions(files)
    sheets = flatten(submissions, _form_title(submissions))
    label = path.name

    def open_sheet(name: str) -> SheetSource:
        return _sheet_source(sheets[name], f"{label}/{name}" if path.is_dir() else f"{label}!{name}")
    return ExportSource(path=path, file_name=path.name, hasher=hash_in_background(files),
                        sheet_names=list(sheets), open_sheet=open_sheet)
