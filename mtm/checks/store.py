"""Gate results in the warehouse: schema ``quality`` of the working DuckDB file.

Tables (replaced by every gate run; they travel with the warehouse when it is published):

- ``quality.gate_runs``: one row per gate run kept so far (``run_id``, ``run_at``,
  ``reconcile``, ``blocking_failed``, ``warnings``).
- ``quality.check_results``: one row per check and round of the last run: ``check_name``,
  ``severity`` (blocking | warning), ``tool``, ``title``, ``round_id`` (NULL when the check could
  not run at all), ``status`` (pass | fail | warn | error), ``rows_checked``, ``offending_rows``,
  ``message``.
- ``quality.offending_rows``: the rows behind each failure or warning of the last run:
  ``check_name``, ``round_id``, ``row_number``, ``community_id`` (when the row is about one),
  ``problem`` (which expectation or rule), ``row_json`` (the row, column order kept).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import duckdb
import pandas as pd

DDL = """
create schema if not exists quality;
create table if not exists quality.gate_runs (
    run_id varchar, run_at timestamp, reconcile boolean, blocking_failed integer, warnings integer
);
create or replace table quality.check_results (
    run_id varchar, check_name varchar, severity varchar, tool varchar, title varchar,
    round_id integer, status varchar, rows_checked bigint, offending_rows bigint, message varchar
);
create or replace table quality.offending_rows (
    run_id varchar, check_name varchar, round_id integer, row_number integer,
    community_id varchar, problem varchar, row_json varchar
);
comment on table quality.gate_runs is 'Quality gate runs kept so far (grain: run_id): when, with or without --reconcile, how many blocking checks failed and how many warnings were raised.';
comment on column quality.gate_runs.run_id is 'Id of the gate run.';
comment on column quality.gate_runs.run_at is 'When the gate ran (local time of the build machine).';
comment on column quality.gate_runs.reconcile is 'True when round 3 was also reconciled with every published figure (--reconcile).';
comment on column quality.gate_runs.blocking_failed is 'Blocking checks that failed (0: the warehouse was publishable).';
comment on column quality.gate_runs.warnings is 'Field-data warnings raised.';
comment on table quality.check_results is 'One row per check and round of the last gate run (grain: check_name, round_id): blocking checks (Great Expectations) and field-data warnings (SQL).';
comment on column quality.check_results.run_id is 'Id of the gate run (quality.gate_runs).';
comment on column quality.check_results.check_name is 'Name of the check (docs/quality.md).';
comment on column quality.check_results.severity is '`blocking` (a failure stops publishing) or `warning` (listed in the quality report).';
comment on column quality.check_results.tool is 'What ran the check: Great Expectations or SQL.';
comment on column quality.check_results.title is 'What the check guards, in a sentence.';
comment on column quality.check_results.round_id is 'Round checked; NULL when the check could not run at all.';
comment on column quality.check_results.status is '`pass`, `fail`, `warn` or `error`.';
comment on column quality.check_results.rows_checked is 'Rows the check looked at.';
comment on column quality.check_results.offending_rows is 'Rows that broke the check (listed in quality.offending_rows).';
comment on column quality.check_results.message is 'Explanation of the outcome.';
comment on table quality.offending_rows is 'The rows behind each failure or warning of the last gate run (grain: check_name, round_id, row_number).';
comment on column quality.offending_rows.run_id is 'Id of the gate run (quality.gate_runs).';
comment on column quality.offending_rows.check_name is 'The check the row broke (quality.check_results).';
comment on column quality.offending_rows.round_id is 'Round of the row.';
comment on column quality.offending_rows.row_number is 'Number of the row within the check and round (1, 2, ...).';
comment on column quality.offending_rows.community_id is 'MTM community code when the row is about one community.';
comment on column quality.offending_rows.problem is 'Which expectation or rule the row broke.';
comment on column quality.offending_rows.row_json is 'The row itself as JSON, column order kept.';
"""


@dataclass
class OffendingRow:
    """One row behind a failure or a warning."""

    round_id: int | None
    values: dict[str, Any]
    problem: str = ""

    @property
    def community_id(self) -> str | None:
        value = self.values.get("community_id")
        return None if value is None else str(value)


@dataclass
class CheckResult:
    """The outcome of one check for one round (round None: the check could not run)."""

    check_name: str
    severity: str
    tool: str
    title: str
    round_id: int | None
    status: str
    rows_checked: int
    offending: list[OffendingRow] = field(default_factory=list)
    message: str = ""
    # a result kept from the last run (``kept_results``): its offending rows stay in the store, not
    # in ``offending``; ``write`` copies them inside DuckDB
    kept_offending: int = 0


def _json_default(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "item"):
        return value.item()
    return str(value)


def clean_value(value: Any) -> Any:
    """A JSON-friendly Python value (NaN/NA -> None, numpy scalars -> Python)."""
    if value is None or type(value).__name__ in ("NAType", "NaTType"):
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):
        return value.item()
    return value


KEPT_ROWS = "kept_offending_rows"  # a temporary table while ``write`` replaces the results


def write(con: duckdb.DuckDBPyConnection, run_id: str, run_at: datetime, reconcile: bool,
          results: list[CheckResult]) -> None:
    """Replace the last run's results with ``results`` and append the run to gate_runs. The
    offending rows of results kept from the last run (``kept_results``) are copied in DuckDB."""
    kept = sorted({(r.check_name, r.round_id) for r in results if r.kept_offending})
    if kept:
        con.execute(f"create or replace temp table {KEPT_ROWS} as select * from quality.offending_rows"
                    " where (check_name, round_id) in (select unnest(?), unnest(?))",
                    [[name for name, _ in kept], [round_id for _, round_id in kept]])
    con.execute(DDL)
    blocking = sum(1 for r in results if r.severity == "blocking" and r.status in ("fail", "error"))
    warnings = sum(1 for r in results if r.status == "warn")
    con.execute("insert into quality.gate_runs values (?, ?, ?, ?, ?)",
                [run_id, run_at, reconcile, blocking, warnings])
    results_frame = pd.DataFrame(
        [[run_id, r.check_name, r.severity, r.tool, r.title, r.round_id, r.status,
          r.rows_checked, len(r.offending) + r.kept_offending, r.message] for r in results],
        columns=["run_id", "check_name", "severity", "tool", "title", "round_id", "status",
                 "rows_checked", "offending_rows", "message"])
    con.register("results_frame", results_frame)
    con.execute("insert into quality.check_results select * from results_frame")
    con.unregister("results_frame")
    rows_frame = pd.DataFrame(
        [[run_id, r.check_name, row.round_id, number, row.community_id, row.problem,
          json.dumps(row.values, default=_json_default, ensure_ascii=False)]
         for r in results
         for number, row in enumerate(r.offending, start=1)],
        columns=["run_id", "check_name", "round_id", "row_number", "community_id", "problem", "row_json"])
    if not rows_frame.empty:
        con.register("rows_frame", rows_frame)
        con.execute("insert into quality.offending_rows select * from rows_frame")
        con.unregister("rows_frame")
    if kept:
        con.execute("insert into quality.offending_rows select ?, check_name, round_id, row_number, community_id,"
                    f" problem, row_json from {KEPT_ROWS} order by check_name, round_id, row_number", [run_id])
        con.execute(f"drop table {KEPT_ROWS}")


def reusable(con: duckdb.DuckDBPyConnection) -> bool:
    """The last run's results can stand for the rounds that did not change: they exist and every
    check ran (no result without a round, none in error)."""
    try:
        rows = con.execute("select count(*), count(*) filter (where round_id is null or status = 'error')"
                           " from quality.check_results").fetchall()
    except duckdb.CatalogException:
        return False
    return bool(rows[0][0]) and not rows[0][1]


def kept_results(con: duckdb.DuckDBPyConnection, rounds: list[int], check_names: list[str]) -> list[CheckResult]:
    """The last run's results of ``rounds`` and ``check_names``: a gate that checks only the changed
    rounds keeps them for the others. Their offending rows stay in the store (``kept_offending``
    counts them; ``write`` copies them) rather than travelling through Python."""
    if not rounds or not check_names:
        return []
    return [CheckResult(check_name=r[0], severity=r[1], tool=r[2], title=r[3], round_id=r[4], status=r[5],
                        rows_checked=r[6], message=r[7], kept_offending=int(r[8] or 0))
            for r in con.execute(
                "select check_name, severity, tool, title, round_id, status, rows_checked, message, offending_rows"
                " from quality.check_results where round_id in (select unnest(?))"
                " and check_name in (select unnest(?)) order by check_name, round_id",
                [rounds, check_names]).fetchall()]
