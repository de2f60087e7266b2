"""The quality gate ``mtm build`` runs after dbt: blocking GX suites, then the warnings.

``run_gate(working_db_path, reconcile=False)`` opens the working DuckDB file, validates the
rows of the blocking checks' models (``checks.frames``) with the committed GX checkpoints
(``expectations/gx``), selects the warnings' rows, stores everything in schema ``quality``
(``checks.store``), builds GX Data Docs under ``expectations/gx/uncommitted/data_docs`` and
returns a ``GateOutcome`` whose ``blocking_failed`` lists the failed blocking checks (empty =
publishable).

``fetch=`` runs the same gate on another engine: the checks' rows are selected through that
fetcher (a Spark build's ``quality`` views, selected inside Spark) and only the results are
stored in the DuckDB file ``working_db_path``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from mtm.checks import frames, registry, store
from mtm.checks.store import CheckResult, OffendingRow
from mtm.core import progress, warehouse
from mtm.core.errors import WarehouseBusy


@dataclass
class GateOutcome:
    """What the gate found; ``blocking_failed`` empty means the build may be published."""

    run_id: str
    blocking_failed: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    results: list[CheckResult] = field(default_factory=list)
    data_docs: Path | None = None
    checked_rounds: list[int] = field(default_factory=list)  # the others' stored results were kept


def _per_round(check: registry.Check, frame: pd.DataFrame, offending: dict[int, list[str]],
               rounds: list[int], status_if_found: str,
               checked: dict[int, int] | None = None) -> list[CheckResult]:
    """Split one check's frame and offending rows into one result per round. ``checked``: the
    rows checked per round, when the frame holds only the candidate rows (``Check.candidates``)."""
    frame_rounds = frame["round_id"] if "round_id" in frame.columns else pd.Series(dtype="Int64")
    present = sorted({int(r) for r in frame_rounds.dropna().unique()} | set(rounds) | set(checked or ()))
    results = []
    records = frame.to_dict("records") if offending else []
    for round_id in present:
        in_round = frame.index[frame_rounds == round_id]
        rows = [
            OffendingRow(round_id=round_id,
                         values={k: store.clean_value(v) for k, v in records[i].items()},
                         problem="; ".join(offending[i]))
            for i in in_round if i in offending
        ]
        total = len(in_round) if checked is None else checked.get(round_id, 0)
        results.append(CheckResult(
            check_name=check.name, severity=check.severity, tool=check.tool, title=check.title,
            round_id=round_id, status=status_if_found if rows else "pass",
            rows_checked=total, offending=rows,
            message=f"{len(rows)} of {total} rows" if rows and status_if_found == "fail" else ""))
    return results


def _error(check: registry.Check, message: str) -> CheckResult:
    return CheckResult(check_name=check.name, severity=check.severity, tool=check.tool,
                       title=check.title, round_id=None, status="error", rows_checked=0,
                       message=message)


def _blocking(fetch: frames.Fetch, context: object, check: registry.Check,
              rounds: list[int], parameters: dict[str, object], scoped: bool) -> list[CheckResult]:
    from mtm.checks import gx_context

    scope = rounds if scoped and not check.reconcile_only else None
    try:
        frame = frames.frame(fetch, check, scope)
        # a check of rows one by one: DuckDB counts the rows, only the candidates reach GX
        checked = frames.rows_per_round(fetch, check, scope) if check.candidates else None
    except frames.FetchError as exc:
        return [_error(check, f"could not compute the frame: {exc}")]
    frame = frame.reset_index(drop=True)
    outcome = gx_context.run_checkpoint(context, check.name, frame, dict(parameters))
    if not outcome.success and not outcome.offending:
        return [_error(check, "; ".join(outcome.failed_expectations) or "validation failed")]
    # reconciliation reports on the round its figures are about (the rounds of its rows)
    check_rounds = [] if check.reconcile_only else rounds
    return _per_round(check, frame, outcome.offending, check_rounds, "fail", checked)


def _warning(fetch: frames.Fetch, check: registry.Check,
             rounds: list[int], assessed: dict[int, int], scoped: bool) -> list[CheckResult]:
    try:
        found = frames.frame(fetch, check, rounds if scoped else None)
    except frames.FetchError as exc:
        return [_error(check, f"could not compute the warning: {exc}")]
    found = found.reset_index(drop=True)
    problems: dict[int, list[str]] = {i: [] for i in found.index}  # the check's title says it all
    results = _per_round(check, found, problems, rounds, "warn")
    for result in results:
        result.rows_checked = assessed.get(result.round_id, 0) if result.round_id is not None else 0
    return results


def _check_all(fetch: frames.Fetch, context: object, reconcile: bool, rounds: list[int],
               assessed: dict[int, int], scoped: bool) -> list[CheckResult]:
    """Every active check's results for ``rounds``, its rows selected through ``fetch`` (only
    those rounds' rows when ``scoped``)."""
    parameters: dict[str, object] = {"known_oblast_codes": frames.known_oblast_codes(fetch)}
    results: list[CheckResult] = []
    for check in registry.active_checks(reconcile=reconcile):
        if check.severity == "blocking":
            results.extend(_blocking(fetch, context, check, rounds, parameters, scoped))
        else:
            results.extend(_warning(fetch, check, rounds, assessed, scoped))
    return results


def rounds_to_check(changed: set[int], rounds: list[int]) -> list[int]:
    """The rounds whose results a scoped gate recomputes: the changed ones and, for the checks
    across consecutive rounds (population jumps), the next round after each (also after a round
    that is gone)."""
    scope = set(changed) & set(rounds)
    for round_id in changed:
        later = [r for r in rounds if r > round_id]
        if later:
            scope.add(later[0])
    return sorted(scope)


def run_gate(working_db_path: str | Path, reconcile: bool = False, *,
             context_root: Path | None = None, data_docs: bool = True,
             fetch: frames.Fetch | None = None, changed_rounds: set[int] | None = None,
             copy_definitions: bool = False) -> GateOutcome:
    """Run every active check on the working warehouse and store the results in it.

    ``context_root`` is the GX project root (default ``expectations/``); tests pass a copy.
    ``fetch``: select the checks' rows through it (another engine's build) instead of from
    ``working_db_path``, which then only receives the results.
    ``changed_rounds``: only the rounds that changed since the last gate run (its stored results
    are valid for the others; ``mtm build`` knows which) are checked, with the next round of each;
    the stored results of every other round are kept. None: every round.
    ``copy_definitions``: copy the committed GX definitions into ``context_root`` first, when a
    check runs (a gate with nothing to check does not load Great Expectations at all).
    """
    run_at = datetime.now(UTC).replace(tzinfo=None)
    outcome = GateOutcome(run_id=uuid.uuid4().hex[:12])
    try:
        con = duckdb.connect(str(working_db_path), config=warehouse.duckdb_config())
    except duckdb.IOException as exc:
        raise WarehouseBusy("another process holds the working copy (a load or build still running); "
                            "nothing was published, run `mtm build` again when it is over",
                            file=str(working_db_path)) from exc
    with con:
        fetch = fetch or frames.duckdb_fetcher(con)
        assessed = frames.communities_assessed(fetch)
        # rounds with assessed communities (or, failing that, loaded)
        rounds = sorted(assessed) if assessed else frames.loaded_rounds(fetch)
        scoped = changed_rounds is not None and store.reusable(con)
        checked = rounds_to_check(changed_rounds or set(), rounds) if scoped else rounds
        kept = sorted(set(rounds) - set(checked)) if scoped else []
        outcome.checked_rounds = checked
        context: Any = None
        if scoped and not checked:
            progress.step("quality gate: no round changed since the last gate run; its results stand")
        else:
            from mtm.checks import gx_context

            if copy_definitions and context_root is not None:
                gx_context.copy_context(context_root)
            context = gx_context.get_context(context_root or gx_context.PROJECT_ROOT)
            outcome.results = _check_all(fetch, context, reconcile, checked, assessed, scoped)
        rerun = {r.check_name for r in outcome.results if r.round_id not in checked}  # reconciliation
        active = [c.name for c in registry.active_checks(reconcile=reconcile) if c.name not in rerun]
        outcome.results.extend(store.kept_results(con, kept, active))
        store.write(con, outcome.run_id, run_at, reconcile, outcome.results)
    for result in outcome.results:
        failed = result.status in ("fail", "error")
        if result.severity == "blocking" and failed and result.check_name not in outcome.blocking_failed:
            outcome.blocking_failed.append(result.check_name)
        if result.severity == "warning" and result.status != "pass" and result.check_name not in outcome.warnings:
            outcome.warnings.append(result.check_name)
    if data_docs and context is not None:
        sites = context.build_data_docs()
        local = sites.get("local_site") if isinstance(sites, dict) else None
        outcome.data_docs = Path(local.removeprefix("file://")) if local else None
        if outcome.data_docs:
            progress.step(f"GX Data Docs: {outcome.data_docs}")
    progress.step(f"quality gate: {len(outcome.blocking_failed)} blocking failed, "
                  f"{len(outcome.warnings)} warnings")
    return outcome
