"""The raw layer as a Parquet lake folder, for Spark (or any engine that reads Parquet).

`mtm load` and `mtm load-gaps` land into DuckDB's schema `raw` with every rule of the landing
(lineage, idempotence, supersede, refusal with nothing changed, allow-listed columns, personal data
dropped). `sync` copies what landed into a folder, without re-deciding any of it:

    <lake>/loads/<load_id>/<relation>.parquet   one immutable directory per landed load: the rows of
                                                each relation of that load as raw.<relation> shows
                                                them (full lineage on every row)
    <lake>/load_log/<load_id>.parquet           the commit record: that attempt's raw.load_log row

A load's directory is written under `<lake>/tmp/` and renamed into `loads/` whole; its log record is
written after it (also renamed into place). Readers join the rows to `load_log`, so a load whose
record is not there yet is invisible, and a half-written directory never is in `loads/`. Refused
and duplicate attempts get their log record and no directory. Nothing in the lake is rewritten:
`sync` adds the attempts it has not copied yet, so running it twice changes nothing.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from mtm.core.errors import InputError

LOADS = "loads"
LOAD_LOG = "load_log"
TMP = "tmp"
GAP_TABLES = ("gap_about", "gap_availability", "gap_sources", "gap_estimates")


@dataclass
class SyncResult:
    """What one `sync` added."""

    loads_written: list[str] = field(default_factory=list)
    records_written: list[str] = field(default_factory=list)


def relations(lake: Path) -> list[str]:
    """Every relation name that has rows in some load of the lake, sorted."""
    folder = lake / LOADS
    if not folder.is_dir():
        return []
    return sorted({p.stem for p in folder.glob("*/*.parquet")})


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _existing_tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = con.execute("select table_name from information_schema.tables where table_schema = 'raw'").fetchall()
    return {name for (name,) in rows}


def _load_relations(con: duckdb.DuckDBPyConnection, load_id: str, form: str | None,
                    tables: set[str]) -> list[str]:
    """The raw relations that hold rows of one landed load."""
    if form == "gaps":
        return [t for t in GAP_TABLES if t in tables]
    if "load_sheets" not in tables:
        return []
    rows = con.execute("select distinct table_name from raw.load_sheets where load_id = ? order by 1",
                       [load_id]).fetchall()
    return [name for (name,) in rows if name in tables]


def _write_load(con: duckdb.DuckDBPyConnection, lake: Path, load_id: str, names: list[str]) -> None:
    staging = lake / TMP / load_id
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    for name in names:
        con.execute(f"copy (select * from raw.{_quote(name)} where _load_id = ?) "
                    f"to {_literal(staging / (name + '.parquet'))} (format parquet)", [load_id])
    os.replace(staging, lake / LOADS / load_id)


def _write_record(con: duckdb.DuckDBPyConnection, lake: Path, load_id: str) -> None:
    staging = lake / TMP / f"{load_id}.parquet"
    con.execute(f"copy (select * from raw.load_log where load_id = ?) to {_literal(staging)} (format parquet)",
                [load_id])
    os.replace(staging, lake / LOAD_LOG / f"{load_id}.parquet")


def sync(working: Path, lake: Path) -> SyncResult:
    """Copy every attempt of the working warehouse's raw.load_log not yet in the lake; see the module."""
    if not Path(working).exists():
        raise InputError("nothing loaded yet: run `mtm load` first", file=str(working))
    lake = Path(lake)
    for sub in (LOADS, LOAD_LOG, TMP):
        (lake / sub).mkdir(parents=True, exist_ok=True)
    result = SyncResult()
    with duckdb.connect(str(working), read_only=True) as con:
        tables = _existing_tables(con)
        if "load_log" not in tables:
            raise InputError("the warehouse has no raw.load_log: run `mtm load` first", file=str(working))
        attempts = con.execute("select load_id, status, form from raw.load_log order by attempted_at, load_id")
        for load_id, status, form in attempts.fetchall():
            if (lake / LOAD_LOG / f"{load_id}.parquet").exists():
                continue
            if status == "loaded" and not (lake / LOADS / load_id).exists():
                _write_load(con, lake, load_id, _load_relations(con, load_id, form, tables))
                result.loads_written.append(load_id)
            _write_record(con, lake, load_id)
            result.records_written.append(load_id)
    shutil.rmtree(lake / TMP, ignore_errors=True)
    return result
