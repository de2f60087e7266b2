"""Keep the working copy from growing without bound: rewrite it compactly when it is mostly free space.

Every build replaces most of the working copy's tables (dbt writes a new table, then drops the
old one), and DuckDB keeps the freed blocks in the file to reuse them later: the file grows by
what a build rewrites and does not shrink (``CHECKPOINT`` folds the write-ahead log in but gives
nothing back; DuckDB has no ``VACUUM`` that shrinks a file). :func:`compact` measures the file's
free blocks (``pragma database_size``) and, when more than ``max_free_share`` of it is free
space, writes every schema, table, view, sequence and macro into a fresh file beside it
(``COPY FROM DATABASE``, the same engine that writes the published file fresh) and renames the
fresh file onto the working copy (:func:`os.replace`, atomic), all while holding the working
copy open read-only, so no writer can change it meanwhile; a working copy with an unapplied
write-ahead log, or in use by a writer, is left as it is. Nothing is lost: the fresh file holds
the same objects and rows (``tests/ops/test_compact.py`` compares them).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import duckdb

from mtm.core.warehouse import duckdb_config

MAX_FREE_SHARE = 0.5  # rewrite when more than half of the file's blocks are free: it stays under 2 x its data


@dataclass(frozen=True)
class FileUse:
    """A database file's blocks: in use and free (``pragma database_size``)."""

    total_blocks: int
    free_blocks: int
    block_size: int

    @property
    def free_share(self) -> float:
        return self.free_blocks / self.total_blocks if self.total_blocks else 0.0

    @property
    def live_bytes(self) -> int:
        return (self.total_blocks - self.free_blocks) * self.block_size


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _wal(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


def file_use(con: duckdb.DuckDBPyConnection, catalog: str) -> FileUse:
    """Blocks of an attached database ``catalog``."""
    rows = con.execute("select block_size, total_blocks, free_blocks from pragma_database_size() "
                       "where database_name = ?", [catalog]).fetchall()
    block_size, total, free = rows[0]
    return FileUse(int(total), int(free), int(block_size))


def compact(working: Path, *, max_free_share: float = MAX_FREE_SHARE, force: bool = False) -> FileUse | None:
    """Rewrite ``working`` into a fresh file when more than ``max_free_share`` of it is free
    (always with ``force``). Returns the rewritten file's use, or None when nothing was done."""
    try:  # fold the write-ahead log in first (a writer holding the file: try next build)
        con = duckdb.connect(str(working), config=duckdb_config())
        con.execute("checkpoint")
        con.close()
    except duckdb.Error:  # held by a writer (another process, or this one)
        return None
    fresh = working.with_name(working.name + ".compact")
    fresh.unlink(missing_ok=True)
    _wal(fresh).unlink(missing_ok=True)
    con = duckdb.connect(config=duckdb_config())
    try:
        con.execute("set enable_progress_bar = false")
        try:
            con.execute(f"attach {_literal(str(working))} as w (read_only)")
        except duckdb.Error:
            return None
        if _wal(working).exists() and _wal(working).stat().st_size > 0:
            return None
        use = file_use(con, "w")
        if not force and use.free_share <= max_free_share:
            return None
        con.execute(f"attach {_literal(str(fresh))} as c")
        con.execute("copy from database w to c")
        con.execute("checkpoint c")
        after = file_use(con, "c")
        con.execute("detach c")
        with open(fresh, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(fresh, working)  # still holding the old file read-only: no writer in between
        return after
    finally:
        con.close()
        fresh.unlink(missing_ok=True)
        _wal(fresh).unlink(missing_ok=True)
