"""One load lifecycle for every kind of input (Kobo exports of any shape, gap workbooks).

A load is an attempt with one row in ``raw.load_log``, whatever happens:

1. ``prepare``: read and check the input (it may be refused here);
2. the same file (SHA-256) as the current load it would replace is a no-op, logged ``duplicate``;
3. otherwise ``land`` writes its rows in ONE transaction; the log row is written in the same
   transaction, so a refused, broken or killed load leaves the warehouse exactly as it was;
4. a refusal is logged afterwards, in a transaction of its own, and the InputError goes up.

A kind of load supplies a ``Landing`` (what to read, which load is current, how to write); a new
kind of input is a new landing or, for Kobo exports, a new reader (``mtm.loaders.readers``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import duckdb

from mtm.core import progress
from mtm.core.errors import InputError
from mtm.loaders.raw import (
    DUPLICATE,
    LOADED,
    Attempt,
    connect_working,
    ensure_load_log,
    log_refusal,
    new_load_id,
    write_attempt,
)
from mtm.loaders.sources import sha256_files


@dataclass
class LoadResult:
    """What one attempt did: its load_log row and the warnings to show the operator."""

    attempt: Attempt
    warnings: list[str] = field(default_factory=list)
    country_code: str | None = None  # gap workbooks: the country the workbook is about


class Landing(Protocol):
    """What one kind of input brings to the lifecycle."""

    def prepare(self, con: duckdb.DuckDBPyConnection, attempt: Attempt) -> None:
        """Open and check the input (may set ``attempt.form``); InputError refuses it."""

    def current(self, con: duckdb.DuckDBPyConnection) -> tuple[str, str] | None:
        """(load_id, SHA-256) of the current load this one would supersede, if any."""

    def sha256(self) -> str:
        """The input's SHA-256 (may wait for a background hash)."""

    def land(self, con: duckdb.DuckDBPyConnection, attempt: Attempt) -> list[str]:
        """Write the rows inside the open transaction; fill ``attempt``; return warnings."""

    def subject(self) -> str:
        """What the current load is the current load of (``round 3 b2``)."""

    def describe(self, attempt: Attempt) -> str:
        """The first words of the log message (``loaded as round 3 b2``)."""

    def result(self, attempt: Attempt, warnings: list[str]) -> LoadResult:
        """The result to hand back (the lifecycle's, with anything the kind adds)."""

    def cleanup(self) -> None:
        """Release what ``prepare`` opened."""


def run_load(path: Path, working: Path, landing: Landing, *, round_id: int | None = None,
             form: str | None = None) -> LoadResult:
    """Run one attempt of ``landing`` for the file ``path`` into the working warehouse."""
    path = Path(path).absolute()
    attempt = Attempt(load_id=new_load_id(), round_id=round_id, form=form, file_name=path.name,
                      file_path=str(path), file_sha256=None)
    con = connect_working(working)
    try:
        ensure_load_log(con)
        try:
            progress.step(f"reading {path.name}")
            landing.prepare(con, attempt)
            current = landing.current(con)
            # Only a current load can make this file a duplicate: then wait for the hash and
            # compare; otherwise land while the hash is computed (it is read before the commit).
            if current:
                attempt.file_sha256 = landing.sha256()
            if current and current[1] == attempt.file_sha256:
                attempt.status = DUPLICATE
                attempt.message = (f"same file (SHA-256) as the current load {current[0]} of "
                                   f"{landing.subject()}: nothing changed")
                write_attempt(con, attempt)
                progress.step(f"{path.name}: {attempt.message}")
                return landing.result(attempt, [])
            return _land(con, landing, attempt, current[0] if current else None)
        except InputError as exc:
            _hash_for_log(attempt, landing, path)
            log_refusal(con, attempt, str(exc))
            raise
        except Exception as exc:  # an unexpected failure is still a refused, logged attempt
            _hash_for_log(attempt, landing, path)
            log_refusal(con, attempt, f"{type(exc).__name__}: {exc}")
            raise
        finally:
            landing.cleanup()
    finally:
        con.close()


def _land(con: duckdb.DuckDBPyConnection, landing: Landing, attempt: Attempt,
          superseded: str | None) -> LoadResult:
    # Keep the load's rows in memory until COMMIT instead of writing them to the file as they
    # arrive: a refused or killed load then leaves no orphan blocks behind, and the commit's
    # checkpoint compresses everything in one pass (faster than DuckDB's optimistic writes here).
    con.execute("SET enable_optimistic_write = false")
    con.execute("BEGIN TRANSACTION")
    try:
        warnings = landing.land(con, attempt)
        attempt.file_sha256 = landing.sha256()
        attempt.status = LOADED
        attempt.superseded_load_id = superseded
        attempt.message = "; ".join(
            [landing.describe(attempt) + (f", superseding load {superseded}" if superseded else ""),
             *warnings])
        write_attempt(con, attempt)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return landing.result(attempt, warnings)


def _hash_for_log(attempt: Attempt, landing: Landing, path: Path) -> None:
    """Put the file's SHA-256 on a refused attempt: that of the opened input, or for a file that
    could not even be opened (a corrupt workbook or zip) that of its bytes; none if unreadable."""
    if attempt.file_sha256 is not None:
        return
    try:
        attempt.file_sha256 = landing.sha256()
    except Exception:  # noqa: BLE001 - the input was never opened: hash its bytes instead
        try:
            if path.is_file():
                attempt.file_sha256 = sha256_files([path])
        except OSError:
            pass
