"""`mtm build`: dbt on the working copy, then the quality gate, then publish.

The published file (what BI tools read) is replaced only when dbt and every blocking check pass.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

from mtm.core import progress, warehouse
from mtm.core.errors import InputError, QualityGateFailed, WarehouseBusy
from mtm.core.paths import PROJECT_DIR
from mtm.pipeline import incremental, project

OUT_OF_MEMORY = "Out of Memory Error"  # what DuckDB says past its memory_limit


def dbt_env(working: Path) -> dict[str, str]:
    """Environment for a dbt subprocess that builds the given working database: its target and
    logs go to the warehouse's run-time folder (one per warehouse, never the checkout).

    ``run_dbt`` runs dbt in the working copy's folder and names it by its file name alone (so
    dbt's profile, part of what its partial parse checks, is the same for every warehouse of that
    name), and shares dbt's parse state between warehouses (``project.parse_state_file``):
    switching ``--warehouse`` keeps the parse."""
    env = dict(os.environ)
    runtime = warehouse.runtime_dir_of(working)
    env["MTM_DBT_PATH"] = str(working)
    env.setdefault("DBT_TARGET_PATH", str(runtime / "dbt-target"))
    env.setdefault("DBT_LOG_PATH", str(runtime / "dbt-logs"))
    env.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    env.setdefault("DBT_PARTIAL_PARSE", "true")
    env[warehouse.MEMORY_LIMIT_ENV] = warehouse.memory_limit()
    return env


def _die_with_parent() -> None:
    """In the dbt child, before it starts: be killed when the `mtm` process that started it dies
    (even by SIGKILL), so no dbt is left writing the working copy (Linux ``PR_SET_PDEATHSIG``)."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:  # not Linux: the child may outlive a killed parent
        pass


def run_dbt(working: Path, *args: str, environment: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run a dbt command on the project against ``working``; output is captured. ``environment``:
    variables added to dbt's (the build plan's).

    dbt dies with this process. A dbt that cannot start (missing, not executable) is one line
    (InputError, exit 2); a working copy locked by another live process is one line (WarehouseBusy,
    exit 3: try again); never a traceback."""
    dbt = Path(sys.executable).with_name("dbt")
    project_dir = project.dbt_project_dir(warehouse.runtime_dir_of(working))  # the checkout's, or $MTM_FORMS_DIR's
    cmd = [str(dbt), *args, "--project-dir", str(project_dir), "--profiles-dir", str(PROJECT_DIR)]
    env = dbt_env(working)
    env["MTM_DBT_PATH"] = working.name  # relative to the folder dbt runs in (cwd below)
    for name in (incremental.PLAN_ENV, incremental.SAME_COLUMNS_ENV):
        env.pop(name, None)  # only the plan passed here: never one left in the shell
    env.update(environment or {})
    shared = project.parse_state_file(working, project_dir)
    project.restore_parse_state(shared, Path(env["DBT_TARGET_PATH"]))
    try:
        result = subprocess.run(cmd, env=env, cwd=working.parent, text=True,
                                capture_output=True, check=False, preexec_fn=_die_with_parent)
    except OSError as exc:
        raise InputError(f"dbt could not start ({exc.strerror or exc}); is the environment installed "
                         "(make setup)?", file=str(dbt)) from exc
    project.save_parse_state(shared, Path(env["DBT_TARGET_PATH"]))
    if result.returncode != 0 and "Could not set lock on file" in result.stdout + result.stderr:
        raise WarehouseBusy("another process is writing the working copy (a load or build still "
                            "running); nothing was changed, try again when it is over", file=str(working))
    return result


def _dbt_build(working: Path, plan: incremental.BuildPlan) -> subprocess.CompletedProcess[str]:
    """One dbt build of the plan; its state is recorded only when dbt succeeded."""
    result = run_dbt(working, "build", "--quiet", "--no-use-colors", *plan.dbt_arguments(),
                     environment=plan.dbt_environment())
    if result.returncode == 0:
        incremental.record_build(working, plan, Path(dbt_env(working)["DBT_TARGET_PATH"]))
    return result


def _preload_checks() -> threading.Thread:
    """Import the quality gate (Great Expectations: seconds of imports) in a thread while dbt
    runs in its own process; join it before the gate."""

    def load() -> None:
        from mtm.checks import gate, gx_context  # noqa: F401 - imported for their import time only

    thread = threading.Thread(target=load, name="preload-quality-gate", daemon=True)
    thread.start()
    return thread


def run_dbt_build(working: Path, plan: incremental.BuildPlan | None = None, *,
                  full_refresh: bool = False) -> incremental.BuildPlan:
    """dbt build of the rounds whose loads changed since the last successful build (every model
    with ``full_refresh``, or when the project changed); nothing when no load changed. ``plan``:
    the ``incremental.plan`` of the working copy, when the caller made it already."""
    plan = plan or incremental.plan(working, full_refresh=full_refresh)
    if plan.up_to_date:
        progress.step(f"dbt: {plan.describe()}; nothing to rebuild")
        return plan
    progress.step(f"dbt build on {working} ({plan.describe()})")
    result = _dbt_build(working, plan)
    reshaped = incremental.reshaped_models(result.stdout) if result.returncode != 0 and not plan.full_refresh else []
    if reshaped:
        # new raw columns (a newly registered round's per-year fields) widen these models: they are
        # rebuilt whole (every round), then the incremental build runs again
        progress.step(f"dbt: {', '.join(reshaped)} gain columns; rebuilt for every round")
        refreshed = run_dbt(working, "run", "--full-refresh", "--quiet", "--no-use-colors", "--select", *reshaped)
        result = _dbt_build(working, plan) if refreshed.returncode == 0 else refreshed
    if result.returncode != 0:
        sys.stderr.write(result.stdout[-6000:] + result.stderr[-3000:])
        if OUT_OF_MEMORY in result.stdout + result.stderr:
            raise QualityGateFailed(
                f"dbt build failed: DuckDB ran out of its memory limit ({warehouse.MEMORY_LIMIT_ENV}="
                f"{warehouse.memory_limit()}); raise it (e.g. {warehouse.MEMORY_LIMIT_ENV}=6GB mtm build) and "
                "build again; the published warehouse is unchanged")
        raise QualityGateFailed("dbt build failed (models or dbt tests); the published warehouse is unchanged")
    return plan


def build(paths: warehouse.WarehousePaths, *, reconcile: bool = False, publish: bool = True,
          full_refresh: bool = False) -> int:
    """Build the working copy, run the gate, publish on success. Returns the exit code."""
    if not paths.working.exists():
        raise InputError("nothing loaded yet: run `mtm load` first", file=str(paths.working))
    plan = incremental.plan(paths.working, full_refresh=full_refresh)
    preload = None if plan.up_to_date else _preload_checks()
    run_dbt_build(paths.working, plan)
    if preload is not None:
        preload.join()
    from mtm.checks import gate  # imported late: Great Expectations takes seconds to import

    progress.step("quality gate")
    changed = incremental.gate_scope(paths.working, plan, reconcile=reconcile)
    outcome = gate.run_gate(paths.working, reconcile=reconcile, context_root=paths.runtime_dir / "gx",
                            changed_rounds=changed, copy_definitions=True)  # results beside the warehouse
    incremental.record_gate(paths.working, plan, reconcile=reconcile)
    if outcome.blocking_failed:
        names = ", ".join(outcome.blocking_failed)
        raise QualityGateFailed(f"{names}; the published warehouse is unchanged")
    if publish:
        from mtm.publish import publish as publisher

        progress.step("publishing")
        publication = publisher.publish(paths, by_round=not plan.full_refresh)
        progress.step(f"published {paths.published} ({publication.describe()})")
    reclaim(paths.working)
    return 0


def reclaim(working: Path) -> None:
    """After a successful build: rewrite the working copy compactly when it is mostly free space
    (``mtm.publish.compact``), so it does not grow from build to build."""
    from mtm.publish import compact

    rewritten = compact.compact(working)
    if rewritten is not None:
        progress.step(f"compacted {working} to {rewritten.live_bytes / 1e6:,.0f} MB")

