"""Publish the working warehouse: a fresh, compact file that BI readers never see half-done.

DuckDB allows one writer or many read-only readers per file. Loads and builds therefore write
the *working* copy (``<stem>.work.duckdb``); BI tools read the *published* file. Publishing:

1. checkpoints the working copy (its write-ahead log is folded into the file) and refuses one that
   holds personal-data columns;
2. attaches the working copy read-only (so no writer can start while it is read) and writes a
   **new** database ``<published>.tmp`` in the published file's own directory, in the storage
   version readers need (default ``v1.1.0``: DuckDB 1.1 and later open it; ``$MTM_STORAGE_VERSION``
   or ``publish(..., storage_version=...)`` choose another). Only what readers need goes in: the
   tables of schemas ``marts`` (public marts, label dimensions ``dim_*``, quality marts) and
   ``quality`` (gate results), each with its comments, plus the publication record
   (``marts.publication``, ``marts.publication_files``). No raw, staging, intermediate or seeds,
   and no space left behind by replaced tables: the file is written fresh every time;
3. opens the copy read-only to prove it is a readable warehouse with its marts;
4. renames the copy onto the published name with :func:`os.replace` (atomic on POSIX).

After an incremental build (``publish(..., by_round=True)``, what ``mtm build`` does) the new file
is not written whole when only some rounds changed since the last publication: step 2 starts from
a **copy** of the published file, replaces in it only the rows of the changed rounds (and of every
later round) of the tables dbt builds by round, rewrites every other table whole, checks that each
table then holds as many rows as the working copy's, and falls back to writing the file whole when
any of that does not hold (no record of the last publication, the published file is not the one
recorded, the dbt project or the storage version changed, a table's definition differs, or more
than ``MAX_PATCHED_FREE_SHARE`` of the copy would be free space). Either way readers only ever see
a complete new file, renamed into place; tests/ops/test_publish_by_round.py proves the patched file
equals one written whole, table by table.

A reader that already had the old file open keeps reading the old file (its inode) until it
reconnects; every new connection sees the new file (docs/bi.md: pooled readers). Nothing ever
writes into the published file.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import duckdb

from mtm.core import forms
from mtm.core.errors import InputError, WarehouseBusy
from mtm.core.warehouse import WarehousePaths, duckdb_config
from mtm.publish import compact


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
    personal = forms.personal_names()
    return sorted(f"{s}.{t}.{c}" for s, t, c in rows if c.lower() in personal)


def _checkpoint(working: Path) -> None:
    """Fold the working copy's WAL into its file and refuse a copy that holds personal data."""
    try:
        con = duckdb.connect(str(working), config=duckdb_config())
    except duckdb.IOException as exc:
        raise WarehouseBusy(f"the working warehouse is in use by another process ({exc})",
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


PUBLISHED_SCHEMAS = ("marts", "quality")
DEFAULT_STORAGE_VERSION = "v1.1.0"
STORAGE_VERSION_ENV = "MTM_STORAGE_VERSION"

PUBLICATION_DDL = """
create table marts.publication (
    publication_id varchar not null primary key,
    published_at timestamp not null,
    rounds varchar,
    loads integer not null,
    code_version varchar not null,
    storage_version varchar not null,
    duckdb_version varchar not null
);
create table marts.publication_files (
    publication_id varchar not null,
    load_id varchar not null primary key,
    form varchar not null,
    round_id integer,
    country_code varchar,
    file_name varchar,
    file_sha256 varchar,
    loaded_at timestamp
);
"""

PUBLICATION_COMMENTS: dict[str, tuple[str, dict[str, str]]] = {
    "publication": (
        ("The publication record: one row, written when this file was published (grain: publication). "
        "A dashboard shows `published_at` as 'data as of' and compares `publication_id` with the one it "
        "read at connect time to detect a stale connection (docs/bi.md)."),
        {
            "publication_id": "Unique id of this publication (changes with every publish).",
            "published_at": "When this file was published (UTC).",
            "rounds": "BMA rounds in the published marts, comma-separated in ascending order.",
            "loads": "How many loads (files) the published marts are built from (rows of publication_files).",
            "code_version": "Version of the mtm package that built and published the file, with its git commit when known.",
            "storage_version": "DuckDB storage version the file is written in (`v1.1.0`: DuckDB 1.1 and later open it).",
            "duckdb_version": "Version of the DuckDB library that wrote the file.",
        }),
    "publication_files": (
        ("The loads the published marts are built from: the current load of each round and form, and of "
        "each gap-analysis country (grain: load_id)."),
        {
            "publication_id": "The publication these loads belong to (marts.publication).",
            "load_id": "Id of the load in the working warehouse's load log.",
            "form": "`b1`, `b2` (Kobo rounds) or `gaps` (Migration Data Gap Analysis workbook).",
            "round_id": "Round of a Kobo load; NULL for a gap workbook.",
            "country_code": "ISO 3166-1 alpha-3 country of a gap workbook; NULL for a Kobo load.",
            "file_name": "Base name of the file that was loaded.",
            "file_sha256": "SHA-256 of the file that was loaded (hex).",
            "loaded_at": "When the file was loaded (UTC).",
        }),
}


@dataclass(frozen=True)
class Publication:
    """What :func:`publish` wrote."""

    publication_id: str
    published_at: datetime
    storage_version: str
    tables: int
    # a patched file: the earliest round replaced (every later one too); None: written whole
    patched_from_round: int | None = None
    patched: bool = False
    build_state: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    def describe(self) -> str:
        """How the file was written, for the progress line."""
        if not self.patched:
            return "written whole"
        if self.patched_from_round is None:
            return "copied; round tables unchanged, the others rewritten"
        return f"copied; rounds {self.patched_from_round} and later replaced, the other tables rewritten"


def resolve_storage_version(explicit: str | None = None) -> str:
    """The storage version to write: ``explicit``, else ``$MTM_STORAGE_VERSION``, else ``v1.1.0``."""
    return explicit or os.environ.get(STORAGE_VERSION_ENV) or DEFAULT_STORAGE_VERSION


def code_version() -> str:
    """The mtm package version, with the git commit of the project when it is a checkout."""
    try:
        version = metadata.version("mtm-warehouse")
    except metadata.PackageNotFoundError:
        version = "unknown"
    try:
        sha = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=Path(__file__).parent,
                             capture_output=True, text=True, timeout=5, check=False).stdout.strip()
    except OSError:
        sha = ""
    return f"{version}+g{sha}" if sha else version


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _published_tables(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str, str | None]]:
    """(schema, table, create sql, comment) of every table the published file carries."""
    schemas = ", ".join(_literal(s) for s in PUBLISHED_SCHEMAS)
    return con.execute(
        "select schema_name, table_name, sql, comment from duckdb_tables()"
        f" where database_name = 'w' and schema_name in ({schemas})"
        " and not (schema_name = 'marts' and table_name in ('publication', 'publication_files'))"
        " order by schema_name, table_name").fetchall()


def _copy_table(con: duckdb.DuckDBPyConnection, schema: str, table: str, sql: str,
                comment: str | None) -> None:
    """Create the table in ``pub`` with the working copy's definition, copy its rows and comments."""
    con.execute(sql)  # the working copy's CREATE TABLE, run with ``pub`` as the default catalog
    target = f"pub.{_quote(schema)}.{_quote(table)}"
    con.execute(f"insert into {target} select * from w.{_quote(schema)}.{_quote(table)}")
    if comment:
        con.execute(f"comment on table {target} is {_literal(comment)}")
    for column, column_comment in con.execute(
            "select column_name, comment from duckdb_columns() where database_name = 'w'"
            " and schema_name = ? and table_name = ? and comment is not null", [schema, table]).fetchall():
        con.execute(f"comment on column {target}.{_quote(column)} is {_literal(column_comment)}")


def _current_loads(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """(load_id, form, round_id, country_code, file_name, file_sha256, loaded_at) of the loads the
    marts are built from, as dbt's staging decided (current Kobo load per round and form, current
    gap workbook per country). Empty when the working copy has no staging (a hand-made warehouse)."""
    present = {t for (t,) in con.execute(
        "select table_name from duckdb_tables() where database_name = 'w' and schema_name = 'staging'"
        " union all select view_name from duckdb_views() where database_name = 'w'"
        " and schema_name = 'staging'").fetchall()}
    parts = []
    if "stg_kobo__load_log" in present:
        parts.append("select load_id, form, round_id, cast(null as varchar) as country_code, file_name,"
                     " file_sha256, attempted_at from w.staging.stg_kobo__load_log"
                     " where is_current and form <> 'gaps'")
    if "stg_gap_analysis__loads" in present:
        parts.append("select load_id, 'gaps', cast(null as integer), country_code, file_name, file_sha256,"
                     " attempted_at from w.staging.stg_gap_analysis__loads where is_current")
    if not parts:
        return []
    return con.execute(" union all ".join(parts) + " order by 2, 3, 4, 1").fetchall()


def _write_publication(con: duckdb.DuckDBPyConnection, version: str) -> Publication:
    """Write ``marts.publication`` and ``marts.publication_files`` into ``pub`` (replacing them)."""
    publication_id = uuid.uuid4().hex
    published_at = datetime.now(UTC).replace(tzinfo=None)
    loads = _current_loads(con)
    rounds = sorted({r for _, form, r, *_ in loads if r is not None})
    con.execute("use pub")
    con.execute("drop table if exists pub.marts.publication")
    con.execute("drop table if exists pub.marts.publication_files")
    con.execute(PUBLICATION_DDL)
    con.execute("insert into pub.marts.publication values (?, ?, ?, ?, ?, ?, ?)",
                [publication_id, published_at, ",".join(map(str, rounds)) or None, len(loads),
                 code_version(), version, duckdb.__version__])
    if loads:
        con.executemany("insert into pub.marts.publication_files values (?, ?, ?, ?, ?, ?, ?, ?)",
                        [[publication_id, *row] for row in loads])
    for table, (table_comment, columns) in PUBLICATION_COMMENTS.items():
        con.execute(f"comment on table pub.marts.{table} is {_literal(table_comment)}")
        for column, text in columns.items():
            con.execute(f"comment on column pub.marts.{table}.{column} is {_literal(text)}")
    return Publication(publication_id, published_at, version, 0)


def _with_working(working: Path) -> duckdb.DuckDBPyConnection:
    """An in-memory connection with the working copy attached read-only as ``w`` (no writer can
    start meanwhile); WarehouseBusy when a writer holds it."""
    con = duckdb.connect(config=duckdb_config())
    try:
        con.execute(f"attach {_literal(str(working))} as w (read_only)")
    except duckdb.IOException as exc:
        con.close()
        raise WarehouseBusy(f"the working warehouse is in use by another process ({exc})",
                            file=str(working)) from exc
    return con


def _write_fresh(working: Path, target: Path, version: str) -> Publication:
    """Write the published database ``target`` from the working copy, in storage ``version``."""
    con = _with_working(working)
    try:
        if _wal(working).exists() and _wal(working).stat().st_size > 0:
            raise WarehouseBusy("the working warehouse still has an unapplied write-ahead log",
                                file=str(working))
        tables = _published_tables(con)
        if not any(schema == "marts" for schema, *_ in tables):
            raise InputError("refusing to publish a warehouse without marts: run `mtm build`",
                             file=str(working))
        try:
            con.execute(f"attach {_literal(str(target))} as pub (storage_version {_literal(version)})")
        except (duckdb.InvalidInputException, duckdb.NotImplementedException, duckdb.BinderException) as exc:
            raise InputError(f"storage version {version!r} cannot be written by DuckDB "
                             f"{duckdb.__version__} ({exc})", file=str(target)) from exc
        con.execute("use pub")
        con.execute("begin transaction")  # one commit, not one per statement
        for schema in PUBLISHED_SCHEMAS:
            con.execute(f"create schema if not exists pub.{_quote(schema)}")
        for schema, table, sql, comment in tables:
            _copy_table(con, schema, table, sql, comment)
        publication = _write_publication(con, version)
        con.execute("commit")
        state = _state(con, BUILD_STATE)
        con.execute("use memory")
        con.execute("checkpoint pub")
        con.execute("detach pub")
        con.execute("detach w")
    finally:
        con.close()
    _fsync_file(target)
    return Publication(publication.publication_id, publication.published_at, version, len(tables) + 2,
                       build_state=state)


# --------------------------------------------------------------------------- by round

BUILD_STATE = "meta.build_state"  # what the working copy's marts were built from (mtm.pipeline.incremental)
PUBLISH_STATE = "meta.publish_state"  # the build state and publication id of the last publication
PUBLICATION_KEY = "publication_id"
VERSION_KEY = "storage_version"
FINGERPRINT_KEY = "fingerprint"
ROUND_PREFIX = "round:"
ROUND_TABLES_KEY = "round_tables"  # JSON list of the schema.table dbt builds incrementally by round
MAX_PATCHED_FREE_SHARE = 0.2  # a patched copy with more free space than this is written whole instead


class _CannotPatch(Exception):
    """The published file cannot be patched; it is written whole (the reason is the message)."""


def _state(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, str]:
    """A key/value table of the attached working copy ``w`` (empty when it has none)."""
    try:
        return dict(con.execute(f"select key, value from w.{table}").fetchall())
    except duckdb.CatalogException:
        return {}


def round_tables(built: dict[str, str]) -> set[tuple[str, str]]:
    """(schema, table) of the models dbt builds incrementally by round, as the build recorded them
    (``mtm.pipeline.incremental``, key ``ROUND_TABLES_KEY``); empty when it did not."""
    try:
        return {tuple(name.split(".", 1)) for name in json.loads(built.get(ROUND_TABLES_KEY, "[]"))}
    except ValueError:
        return set()


def _patch_from(recorded: dict[str, str], built: dict[str, str], version: str) -> int | None:
    """The earliest round whose loads differ between the last publication and the build (None:
    no round differs); _CannotPatch when the file must be written whole."""
    if not recorded or not built:
        raise _CannotPatch("no record of the last publication or of the build")
    if recorded.get(VERSION_KEY) != version:
        raise _CannotPatch("another storage version")
    if recorded.get(FINGERPRINT_KEY) != built.get(FINGERPRINT_KEY):
        raise _CannotPatch("the dbt project changed since the last publication")
    keys = {k for k in (*recorded, *built) if k.startswith(ROUND_PREFIX)}
    changed = [int(k.removeprefix(ROUND_PREFIX)) for k in keys if recorded.get(k) != built.get(k)]
    return min(changed) if changed else None


def _count(con: duckdb.DuckDBPyConnection, relation: str) -> int:
    return int(con.execute(f"select count(*) from {relation}").fetchall()[0][0])


def _write_patched(working: Path, published: Path, target: Path, version: str,
                   max_free_share: float = MAX_PATCHED_FREE_SHARE) -> Publication:
    """Write ``target`` as a copy of ``published`` in which the tables dbt builds by round have the
    working copy's rows of every round from the earliest changed one on, and every other table
    is rewritten whole. _CannotPatch when that would not give the file :func:`_write_fresh` writes."""
    con = _with_working(working)
    try:
        built, recorded = _state(con, BUILD_STATE), _state(con, PUBLISH_STATE)
        first_round = _patch_from(recorded, built, version)
        by_round = round_tables(built)
        recorded_id = recorded.get(PUBLICATION_KEY)
        con.execute(f"attach {_literal(str(published))} as old (read_only)")
        try:
            current_id = con.execute("select publication_id from old.marts.publication").fetchall()
        except duckdb.CatalogException:
            current_id = []
        old_tables = {(sch, t): sql for sch, t, sql in con.execute(
            "select schema_name, table_name, sql from duckdb_tables() where database_name = 'old'").fetchall()}
        if current_id != [(recorded_id,)]:
            raise _CannotPatch("the published file is not the last publication recorded")
        tables = _published_tables(con)
        keep = {(sch, t) for sch, t, sql, _ in tables if (sch, t) in by_round and old_tables.get((sch, t)) == sql}
        if not keep:
            raise _CannotPatch("no table built by round to keep")
        # rows the copy would drop (replaced rounds, tables rewritten whole), against all its rows:
        # past max_free_share the copy would be mostly new anyway, so it is written whole at once
        dropped = total = 0
        for schema, table in old_tables:
            name = f"old.{_quote(schema)}.{_quote(table)}"
            rows = _count(con, name)
            total += rows
            if (schema, table) not in keep:
                dropped += rows
            elif first_round is not None:
                dropped += _count(con, f"{name} where round_id >= {int(first_round)}")
        con.execute("detach old")
        if total and dropped / total > max_free_share:
            raise _CannotPatch("most of the published rows would be replaced")
        shutil.copyfile(published, target)
        con.execute(f"attach {_literal(str(target))} as pub")
        con.execute("use pub")
        con.execute("begin transaction")  # one commit, not one per statement
        for schema, table, sql, comment in tables:
            name = f"{_quote(schema)}.{_quote(table)}"
            if (schema, table) in keep:
                if first_round is not None:
                    con.execute(f"delete from pub.{name} where round_id >= {int(first_round)}")
                    con.execute(f"insert into pub.{name} select * from w.{name} where round_id >= {int(first_round)}")
            else:
                con.execute(f"drop table if exists pub.{name}")
                _copy_table(con, schema, table, sql, comment)
        publication = _write_publication(con, version)
        stale = {key for key in old_tables if key[0] in PUBLISHED_SCHEMAS} - {(sch, t) for sch, t, *_ in tables}
        for schema, table in stale - {("marts", "publication"), ("marts", "publication_files")}:
            con.execute(f"drop table pub.{_quote(schema)}.{_quote(table)}")
        for schema, table, *_ in tables:
            name = f"{_quote(schema)}.{_quote(table)}"
            if _count(con, f"pub.{name}") != _count(con, f"w.{name}"):
                raise _CannotPatch(f"{schema}.{table} would not have the working copy's rows")
        con.execute("commit")
        con.execute("use memory")
        con.execute("checkpoint pub")
        if compact.file_use(con, "pub").free_share > max_free_share:
            raise _CannotPatch("the copy would hold too much free space")
        con.execute("detach pub")
        con.execute("detach w")
    finally:
        con.close()
    _fsync_file(target)
    return Publication(publication.publication_id, publication.published_at, version, len(tables) + 2,
                       patched_from_round=first_round, patched=True, build_state=built)


def _record(working: Path, publication: Publication) -> None:
    """In the working copy: the build state and id of what was just published (the next
    publication patches from it). A working copy without a build state records nothing."""
    if not publication.build_state:
        return
    state = {**publication.build_state, PUBLICATION_KEY: publication.publication_id,
             VERSION_KEY: publication.storage_version}
    try:
        con = duckdb.connect(str(working))
    except duckdb.IOException:  # a writer holds it: the next publication is written whole
        return
    try:
        con.execute("begin transaction")
        con.execute("create schema if not exists meta")
        con.execute(f"create or replace table {PUBLISH_STATE} (key varchar, value varchar)")
        con.executemany(f"insert into {PUBLISH_STATE} values (?, ?)", sorted(state.items()))
        con.execute("commit")
    finally:
        con.close()


def _verify(candidate: Path) -> int:
    """Open the candidate read-only; return how many tables schema ``marts`` has."""
    con = duckdb.connect(str(candidate), read_only=True)
    try:
        ((count,),) = con.execute(
            "select count(*) from information_schema.tables where table_schema = 'marts'"
            " and table_catalog = current_database()"
        ).fetchall()
    finally:
        con.close()
    return int(count)


def publish(paths: WarehousePaths, storage_version: str | None = None, *, by_round: bool = False,
            max_free_share: float = MAX_PATCHED_FREE_SHARE) -> Publication:
    """Replace the published warehouse by a fresh file written from the working copy, atomically.

    ``by_round``: the working copy was built by ``mtm build`` (its ``meta.build_state`` says from
    what): when the published file is the last publication recorded, only the rounds changed
    since then are replaced in a copy of it (see the module's text); else it is written whole. A
    copy with more than ``max_free_share`` of free space (rows of replaced rounds, rewritten tables)
    is written whole instead.

    ``storage_version`` (default ``$MTM_STORAGE_VERSION`` or ``v1.1.0``) is the DuckDB storage
    version of the new file. Leaves the published file untouched and raises
    :class:`mtm.core.errors.InputError` when the working copy is missing, holds personal data or has
    no marts, or the storage version is unknown, and :class:`mtm.core.errors.WarehouseBusy` (exit 3)
    when a writer holds the working copy or the published file was opened for writing (a state that
    passes: try again).
    """
    working, published = paths.working, paths.published
    version = resolve_storage_version(storage_version)
    if not working.exists():
        raise InputError("no working warehouse to publish: run `mtm load` and `mtm build`",
                         file=str(working))
    if _wal(published).exists():
        raise WarehouseBusy("the published warehouse has a write-ahead log: something opened it for "
                            "writing (BI tools must connect read-only); close it and remove the .wal",
                            file=str(_wal(published)))
    published.parent.mkdir(parents=True, exist_ok=True)
    _checkpoint(working)
    tmp = temp_path(published)
    tmp.unlink(missing_ok=True)
    _wal(tmp).unlink(missing_ok=True)
    try:
        publication = None
        if by_round and published.exists():
            try:
                publication = _write_patched(working, published, tmp, version, max_free_share)
            except _CannotPatch:
                tmp.unlink(missing_ok=True)
                _wal(tmp).unlink(missing_ok=True)
        if publication is None:
            publication = _write_fresh(working, tmp, version)
        if _verify(tmp) == 0:
            raise InputError("refusing to publish a warehouse without marts: run `mtm build`",
                             file=str(working))
        os.replace(tmp, published)
    finally:
        tmp.unlink(missing_ok=True)
        _wal(tmp).unlink(missing_ok=True)
    _fsync_dir(published.parent)
    _record(working, publication)
    return publication
