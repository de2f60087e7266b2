"""`mtm build`: dbt on the working copy, then the quality gate, then publish.

The published file (what BI tools read) is replaced only when dbt and every blocking check pass.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from mtm.core import progress, warehouse
from mtm.core.errors import InputError, QualityGateFailed
from mtm.core.paths import PROJECT_DIR


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `mtm build`."""
    parser.add_argument("--warehouse", help="published warehouse file (default warehouse/mtm.duckdb)")
    parser.add_argument("--reconcile", action="store_true",
                        help="also require round 3 to match every published figure (blocking)")
    parser.add_argument("--no-publish", action="store_true",
                        help="build and check the working copy only; leave the published file alone")
    parser.add_argument("--target", choices=("duckdb", "spark"), default="duckdb",
                        help="engine (a profiles.yml target): duckdb (default) or spark, which builds the "
                             "loads of the working copy on Spark (docs/spark.md)")


def dbt_env(working: Path) -> dict[str, str]:
    """Environment for a dbt subprocess that builds the given working database."""
    env = dict(os.environ)
    env["MTM_DBT_PATH"] = str(working)
    env.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    env.setdefault("DBT_PARTIAL_PARSE", "true")
    return env


def run_dbt(working: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run a dbt command on the project against ``working``; output is captured."""
    dbt = Path(sys.executable).with_name("dbt")
    cmd = [str(dbt), *args, "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR)]
    return subprocess.run(cmd, env=dbt_env(working), cwd=PROJECT_DIR, text=True,
                          capture_output=True, check=False)


def build(paths: warehouse.WarehousePaths, *, reconcile: bool = False, publish: bool = True) -> int:
    """Build the working copy, run the gate, publish on success. Returns the exit code."""
    if not paths.working.exists():
        raise InputError("nothing loaded yet: run `mtm load` first", file=str(paths.working))
    progress.step(f"dbt build on {paths.working}")
    result = run_dbt(paths.working, "build", "--quiet", "--no-use-colors")
    if result.returncode != 0:
        sys.stderr.write(result.stdout[-6000:] + result.stderr[-3000:])
        raise QualityGateFailed("dbt build failed (models or dbt tests); the published warehouse is unchanged")
    from mtm.checks import gate  # imported late: Great Expectations takes seconds to import

    progress.step("quality gate")
    outcome = gate.run_gate(paths.working, reconcile=reconcile)
    if outcome.blocking_failed:
        names = ", ".join(outcome.blocking_failed)
        raise QualityGateFailed(f"{names}; the published warehouse is unchanged")
    if publish:
        from mtm.publish import publish as publisher

        publisher.publish(paths)
        progress.step(f"published {paths.published}")
    return 0


def run(args: argparse.Namespace) -> int:
    """Entry point of `mtm build`."""
    if args.target == "spark":
        from mtm.pipeline import spark

        spark.build(warehouse.resolve(args.warehouse), reconcile=args.reconcile, publish=not args.no_publish)
        return 0
    return build(warehouse.resolve(args.warehouse), reconcile=args.reconcile, publish=not args.no_publish)
