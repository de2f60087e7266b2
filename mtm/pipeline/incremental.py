"""Which rounds a build must rebuild (docs/architecture.md, "Incremental builds").

After dbt succeeds, ``mtm build`` records in the working copy (``meta.build_state``) what that build
was made from: per round, its ``loaded`` loads (ids and forms); the gap workbooks' loads; and a
fingerprint of everything else dbt's result depends on (the dbt project's files, seeds included;
dbt's and DuckDB's versions) and the columns of the raw relations. The next build compares them
with the load log now:

The registry (``seeds/rounds.csv``) counts per round: registering round N changes round N only.

- fingerprint different, a raw column gone or retyped, no record (first build, or a working copy
  built before this), or ``--full-refresh``: every model is rebuilt (``dbt build --full-refresh``);
- raw columns only added (a newly registered round's per-year fields, landed with its first file):
  still incremental. The staging models whose own columns widen with them stop with dbt's
  ``on_schema_change: fail``; ``mtm build`` rebuilds those models for every round
  (``reshaped_models``) and runs the incremental build again. Models after staging read only the
  years each round asked, so their earlier rounds' rows do not change
  (tests/ops/test_incremental.py proves both against a from-scratch build);
- otherwise the rounds whose loads differ (a new round, a new file superseding a round's load, a
  reload, a round whose loads are gone) are passed to dbt in ``$MTM_BUILD_ROUNDS``, and the
  incremental models delete and insert only those (``macros/portable/by_round.sql``);
- nothing different: dbt is not run at all.
"""

from __future__ import annotations

import csv
import hashlib
import importlib.metadata
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from mtm.core.errors import WarehouseBusy
from mtm.core.paths import PROJECT_DIR
from mtm.pipeline import project

STATE_TABLE = "meta.build_state"
PLAN_ENV = "MTM_BUILD_ROUNDS"  # the rounds to rebuild, for dbt (macros/portable/by_round.sql)
# "1": no raw column was added since the last build, so every incremental model's columns are the
# ones its table has (macros/materializations/incremental.sql then skips comparing them)
SAME_COLUMNS_ENV = "MTM_BUILD_SAME_COLUMNS"
# what dbt's result depends on besides the loads (followed through links: seeds/rounds.csv)
PROJECT_PARTS = ("models", "macros", "seeds", "tests/dbt", "dbt_project.yml", "profiles.yml", "packages.yml")
# the round registry (a link to forms/bma/settings.csv): each round's rows are part of its signature,
# so registering round N rebuilds round N only (models join the registry by round)
REGISTRY = PROJECT_DIR / "seeds" / "rounds.csv"
FINGERPRINT = "fingerprint"
RAW_COLUMNS = "raw_columns"
ROUND_TABLES = "round_tables"  # recorded after dbt: the tables built by round (mtm.publish patches them)
# what dbt says when an incremental model's columns would change (on_schema_change: fail)
SCHEMA_CHANGED = "The source and target schemas on this incremental model are out of sync"
REGISTRY_KEY = "registry"
GAPS = "gaps"
GATE_STATE_TABLE = "meta.gate_state"
# what the gate's results depend on besides the dbt build
GATE_PARTS = ("expectations", "mtm/checks")


@dataclass(frozen=True)
class BuildPlan:
    """What a build rebuilds, and the state to record once dbt has succeeded."""

    full_refresh: bool
    reason: str
    changed_rounds: tuple[int, ...] = ()
    gaps_changed: bool = False
    registry_changed: bool = False
    state: dict[str, str] = field(default_factory=dict)
    columns_added: bool = False  # raw columns added since the last build (a newly registered round's)

    def dbt_arguments(self) -> list[str]:
        """``--full-refresh``; or, for an incremental build, only what the changed inputs reach:
        the models and tests downstream of the Kobo sources (rounds changed), of the gap-analysis
        sources (gap workbooks changed) and of the round registry (``rounds`` seed changed). The
        rest (labels, dimensions, gap marts when no workbook changed) depends only on files in
        the fingerprint: unchanged. Left out too: the unit tests (the model code is the one the
        last build tested); unless the registry changed, the seeds; and unless raw columns were
        added, the views (a view is a stored query of the project, whose every change is a full
        build; their tests still run on the new rows)."""
        if self.full_refresh:
            return ["--full-refresh"]
        roots = [*(["source:kobo+"] if self.changed_rounds else []),
                 *(["source:gap_analysis+"] if self.gaps_changed else []),
                 *([f"{REGISTRY.stem}+"] if self.registry_changed else [])]
        kinds = ("resource_type:test", "resource_type:seed", "resource_type:snapshot",
                 "config.materialized:table", "config.materialized:incremental")
        selected = roots if self.columns_added else [f"{root},{kind}" for root in roots for kind in kinds]
        # --no-write-json: the manifest is the last full build's (the same project); its run_results
        # stay too. Writing them costs dbt about 0.7 s at 30 rounds, a tenth of a new round's dbt
        return ["--no-write-json", "--select", *selected,
                "--exclude", "resource_type:unit_test", *([] if self.registry_changed else ["resource_type:seed"])]

    def dbt_environment(self) -> dict[str, str]:
        """The plan for dbt's macros, for an incremental build only: the rounds to rebuild
        (``$MTM_BUILD_ROUNDS``, comma-separated); and ``$MTM_BUILD_SAME_COLUMNS=1`` when no raw column
        was added since the last build. A model's columns then cannot differ from its table's: the
        project is the one of the last build (any change is a full build), and the models' columns
        follow the raw tables' columns, never their values. Without the rounds (a full refresh, or
        dbt run by hand) every incremental model rebuilds every round."""
        if self.full_refresh:
            return {}
        return {PLAN_ENV: ",".join(map(str, self.changed_rounds)), **({} if self.columns_added else {SAME_COLUMNS_ENV: "1"})}

    @property
    def up_to_date(self) -> bool:
        """Nothing changed since the last successful build: dbt need not run."""
        return not (self.full_refresh or self.changed_rounds or self.gaps_changed or self.registry_changed)

    def describe(self) -> str:
        if self.full_refresh:
            return f"full: {self.reason}"
        if self.up_to_date:
            return "no load changed since the last build"
        parts = []
        if self.changed_rounds:
            parts.append("rounds " + ", ".join(map(str, self.changed_rounds)))
        if self.gaps_changed:
            parts.append("gap workbooks")
        if self.registry_changed:
            parts.append("round registry")
        return "incremental: " + " and ".join(parts)


def _connect(working: Path) -> duckdb.DuckDBPyConnection:
    try:
        return duckdb.connect(str(working))
    except duckdb.IOException as exc:
        raise WarehouseBusy("another process is writing the working copy (a load or build still running); "
                            "nothing was changed, try again when it is over", file=str(working)) from exc


def _project_files(parts: tuple[str, ...]) -> list[Path]:
    files: list[Path] = []
    for part in parts:
        path = PROJECT_DIR / part
        if path.is_file():
            files.append(path)
        elif path.is_dir():
            files.extend(p for p in path.rglob("*") if p.is_file()
                         and not {"__pycache__", "uncommitted"} & set(p.relative_to(path).parts))
    return sorted(files)


def _hash_files(digest: hashlib._Hash, parts: tuple[str, ...]) -> None:
    for path in _project_files(parts):
        if path == REGISTRY:  # per round, in the round's signature
            continue
        digest.update(str(path.relative_to(PROJECT_DIR)).encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())


def fingerprint(con: duckdb.DuckDBPyConnection) -> str:
    """A hash of everything besides the loads that dbt's result depends on."""
    digest = hashlib.sha256()
    _hash_files(digest, PROJECT_PARTS)
    for package in ("dbt-core", "dbt-duckdb"):
        digest.update(f"{package}={importlib.metadata.version(package)}\0".encode())
    digest.update(f"duckdb={duckdb.__version__}\0".encode())
    return digest.hexdigest()


def raw_columns(con: duckdb.DuckDBPyConnection) -> str:
    """The raw relations' columns and types, as JSON lines (one per column, sorted)."""
    columns = con.execute(
        "select table_name, column_name, data_type from information_schema.columns"
        " where table_schema = 'raw' and table_catalog = current_database()").fetchall()
    return "\n".join(sorted(json.dumps(list(c)) for c in columns))


def reshaped_models(dbt_output: str) -> list[str]:
    """The models dbt refused to build incrementally because their columns changed
    (``on_schema_change: fail``), from its output."""
    found = re.findall(r"Compilation Error in model (\w+) \([^)]*\)\s+" + re.escape(SCHEMA_CHANGED), dbt_output)
    return sorted(set(found))


def registry_file() -> Path:
    """The registry dbt's ``rounds`` seed is built from: the checkout's, or ``$MTM_FORMS_DIR``'s
    (``mtm.pipeline.project``)."""
    override = project.forms_override()
    return override / "settings.csv" if override is not None else REGISTRY


def _registry_rows() -> dict[str, list[str]]:
    rows: dict[str, list[str]] = {}
    with open(registry_file(), newline="", encoding="utf-8-sig") as handle:
        for row in csv.DictReader(handle):
            rows.setdefault(f"round:{int(row['round'])}", []).append(json.dumps(row, sort_keys=True))
    return rows


def load_signatures(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Per round (``round:<n>``): its landed loads and its rows of the registry; for the gap
    workbooks (``gaps``): their landed loads. As text."""
    try:
        rows = con.execute(
            "select round_id, string_agg(form || ':' || load_id, ',' order by form, load_id)"
            " from raw.load_log where status = 'loaded' group by round_id").fetchall()
    except duckdb.CatalogException:
        rows = []
    loads = {(GAPS if round_id is None else f"round:{int(round_id)}"): text for round_id, text in rows}
    registry = _registry_rows()
    signatures = {key: json.dumps({"loads": loads.get(key), "registry": sorted(registry.get(key, []))})
                  for key in {*registry, *loads} if key != GAPS}
    if GAPS in loads:
        signatures[GAPS] = loads[GAPS]
    signatures[REGISTRY_KEY] = hashlib.sha256(registry_file().read_bytes()).hexdigest()
    return signatures


def recorded_state(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """The state the last successful build recorded (empty when none)."""
    try:
        return dict(con.execute(f"select key, value from {STATE_TABLE}").fetchall())
    except duckdb.CatalogException:
        return {}


def plan(working: Path, *, full_refresh: bool = False) -> BuildPlan:
    """Compare the working copy's loads with the last successful build's record."""
    con = _connect(working)
    try:
        state = load_signatures(con)
        state[FINGERPRINT] = fingerprint(con)
        state[RAW_COLUMNS] = raw_columns(con)
        before = recorded_state(con)
    finally:
        con.close()
    if full_refresh:
        return BuildPlan(True, "--full-refresh", state=state)
    if not before:
        return BuildPlan(True, "no record of a previous build", state=state)
    if before.get(FINGERPRINT) != state[FINGERPRINT]:
        return BuildPlan(True, "the dbt project, seeds or dbt changed since the last build", state=state)
    columns_before, columns_now = (set(filter(None, x.split("\n"))) for x in (before.get(RAW_COLUMNS, ""),
                                                                              state[RAW_COLUMNS]))
    if not columns_before <= columns_now:
        return BuildPlan(True, "a raw column is gone or has another type since the last build", state=state)
    keys = {k for k in (*state, *before) if k.startswith("round:")}
    changed = tuple(sorted(int(k.split(":")[1]) for k in keys if state.get(k) != before.get(k)))
    if ROUND_TABLES in before:  # the same project: the same tables by round
        state[ROUND_TABLES] = before[ROUND_TABLES]
    return BuildPlan(False, "", changed, state.get(GAPS) != before.get(GAPS),
                     state.get(REGISTRY_KEY) != before.get(REGISTRY_KEY), state,
                     columns_added=columns_before != columns_now)


def round_tables(target_dir: Path) -> list[str]:
    """``schema.table`` of every model dbt builds incrementally by round (strategy ``round_replace``),
    from the manifest dbt just wrote in ``target_dir``: what ``mtm.publish`` may patch by round."""
    try:
        nodes = json.loads((target_dir / "manifest.json").read_text(encoding="utf-8"))["nodes"].values()
    except (OSError, ValueError, KeyError):
        return []
    return sorted(f"{n['schema']}.{n.get('alias') or n['name']}" for n in nodes
                  if n.get("resource_type") == "model" and n["config"].get("materialized") == "incremental"
                  and n["config"].get("incremental_strategy") == "round_replace")


def record_build(working: Path, build_plan: BuildPlan, target_dir: Path) -> None:
    """After dbt succeeded: record what the build was made from, and the tables it builds by round
    (from the manifest a full build writes in dbt's ``target_dir``; an incremental build writes no
    manifest and keeps the last build's list: the project is the same)."""
    state = {**build_plan.state}
    state.setdefault(ROUND_TABLES, json.dumps(round_tables(target_dir)))  # plan() carries it when incremental
    con = _connect(working)
    try:
        con.execute("begin transaction")
        con.execute("create schema if not exists meta")
        con.execute(f"create or replace table {STATE_TABLE} (key varchar, value varchar)")
        con.executemany(f"insert into {STATE_TABLE} values (?, ?)", sorted(state.items()))
        con.execute("commit")
    finally:
        con.close()


def _gate_state(build_plan: BuildPlan, reconcile: bool) -> dict[str, str]:
    digest = hashlib.sha256(f"{build_plan.state.get(FINGERPRINT)}\0reconcile={reconcile}\0".encode())
    _hash_files(digest, GATE_PARTS)
    return {**build_plan.state, FINGERPRINT: digest.hexdigest()}


def gate_scope(working: Path, build_plan: BuildPlan, *, reconcile: bool) -> set[int] | None:
    """The rounds whose loads changed since the last completed gate run (its stored results stand
    for the others); None: check every round (no such run, a full rebuild, or the checks, the
    expectations, the dbt project or ``--reconcile`` changed)."""
    if build_plan.full_refresh:
        return None
    con = _connect(working)
    try:
        before = dict(con.execute(f"select key, value from {GATE_STATE_TABLE}").fetchall())
    except duckdb.CatalogException:
        return None
    finally:
        con.close()
    now = _gate_state(build_plan, reconcile)
    if before.get(FINGERPRINT) != now[FINGERPRINT]:
        return None
    keys = {k for k in (*now, *before) if k.startswith("round:")}
    return {int(k.split(":")[1]) for k in keys if now.get(k) != before.get(k)}


def record_gate(working: Path, build_plan: BuildPlan, *, reconcile: bool) -> None:
    """After a completed gate run (passed or not): the state its stored results describe."""
    con = _connect(working)
    try:
        con.execute("begin transaction")
        con.execute("create schema if not exists meta")
        con.execute(f"create or replace table {GATE_STATE_TABLE} (key varchar, value varchar)")
        con.executemany(f"insert into {GATE_STATE_TABLE} values (?, ?)",
                        sorted(_gate_state(build_plan, reconcile).items()))
        con.execute("commit")
    finally:
        con.close()
