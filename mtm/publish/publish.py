"""Publish the working warehouse: an atomic file replacement that BI readers never see half-done.

DuckDB allows one writer or many read-only readers per file. Loads and builds therefore write
the *working* copy (``<stem>.work.duckdb``); BI tools read the *published* file. Publishing:

1. checkpoints the working copy (its write-ahead log is folded into the file);
2. holds a read-only connection on it (so no writer can start) while copying its bytes to
   ``<published>.tmp`` in the published file's own directory, and flushes that copy to disk;
3. opens the copy read-only to prove it is a readable warehouse with its marts;
4. renames the copy onto the published name with :func:`os.replace` (atomic on POSIX).

A reader that already had the old file open keeps reading the old file (its inode) until it
reconnects; every new connection sees the new file. Nothing ever writes into the published file.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb

from mtm.core.errors import InputError
from mtm.core.warehouse import WarehousePaths

# Columns that carry personal data in Kobo exports, as the loaders would name them in raw.
PERSONAL_COLUMNS = frozenset({
    "enumerator_name",
    "ki__ki_name",
    "ki__ki_phone",
    "ki_name",
    "ki_phone",
    "_submitted_by",
    "_submission__submitted_by",
})


def _wal(path: Path) -> Path:
    """The write-ahead log DuckDB keeps beside a database file."""
    return path.with_name(path.name + ".wal")


def temp_path(published: Path) -> Path:
    """Where the next published file is prepared (same directory, so the rename is atomic)."""
    return published.with_name(published.name + ".tmp")


def personal_columns(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every ``schema.table.column`` of the open database whose name is a personal-data column."""
    rows = con.execute(
        "select table_schema, table_name, column_name from information_schema.columns"
        " where table_catalog = current_database()"
    ).fetchall()
    return sorted(f"{s}.{t}.{c}" for s, t, c in rows if c.lower() in PERSONAL_COLUMNS)


def _checkpoint(working: Path) -> None:
    """Fold the working copy's WAL into its file and refuse a copy that holds personal data."""
    try:
        con = duckdb.connect(str(working))
    except duckdb.IOException as exc:
        raise InputError(f"the working warehouse is in use by another process ({exc})",
                         file=str(working)) from exc
    try:
        found = personal_columns(con)
        if found:
            raise InputError("refusing to publish: personal-data columns present: " + ", ".join(found),
                             file=str(working))
        con.execute("checkpoint")
    finally:
        con.close()


def _fsync_file(path: Path) -> None:
    with open(path, "rb+") as handle:
        os.fsync(handle.fileno())


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # some platforms cannot open directories; the rename is still atomic
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _copy_quiescent(working: Path, target: Path) -> None:
    """Copy the working file while a read-only connection keeps writers out."""
    try:
        guard = duckdb.connect(str(working), read_only=True)
    except duckdb.IOException as exc:
        raise InputError(f"the working warehouse is in use by another process ({exc})",
                         file=str(working)) from exc
    try:
        if _wal(working).exists() and _wal(working).stat().st_size > 0:
            raise InputError("the working warehouse still has an unapplied write-ahead log",
                             file=str(working))
        shutil.copyfile(working, target)
        _fsync_file(target)
    finally:
        guard.close()


def _verify(candidate: Path) -> int:
    """Open the candidate read-only; return how many tables schema ``marts`` has."""
    con = duckdb.connect(str(candidate), read_only=True)
    try:
        (count,) = con.execute(
            "select count(*) from information_schema.tables where table_schema = 'marts'"
            " and table_catalog = current_database()"
        ).fetchone()
    finally:
        con.close()
    return int(count)


def publish(paths: WarehousePaths) -> None:
    """Replace the published warehouse by the current working copy, atomically.

    Raises :class:`mtm.errors.InputError` (and leaves the published file untouched) when the
    working copy is missing, in use by a writer, holds personal data or has no marts.
    """
    working, published = paths.working, paths.published
    if not working.exists():
        raise InputError("no working warehouse to publish: run `mtm load` and `mtm build`",
                         file=str(working))
    if _wal(published).exists():
        raise InputError("the published warehouse has a write-ahead log: something opened it for "
                         "writing (BI tools must connect read-only); close it and remove the .wal",
                         file=str(_wal(published)))
    published.parent.mkdir(parents=True, exist_ok=True)
    _checkpoint(working)
    tmp = temp_path(published)
    tmp.unlink(missing_ok=True)
    try:
        _copy_quiescent(working, tmp)
        if _verify(tmp) == 0:
            raise InputError("refusing to publish a warehouse without marts: run `mtm build`",
                             file=str(working))
        os.replace(tmp, published)
    finally:
        tmp.unlink(missing_ok=True)
    _fsync_dir(published.parent)
