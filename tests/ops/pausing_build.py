"""Run ``mtm build`` with a pause at one moment, so a test can kill it there.

Usage: ``python pausing_build.py MARKER MOMENT mtm-arguments...``. MOMENT is

- ``gate``: in the quality gate, right after the first blocking check was validated by GX (the
  gate holds the working copy open for writing, GX has written a result);
- ``publish``: while publishing, right after the first table was copied into the new file
  ``<published>.tmp`` (half written, the working copy attached);
- ``dbt``: no pause (the test watches dbt itself, a child process of this one).

At the pause this creates MARKER and sleeps; the test then kills the process. The pauses are
patched in here: production code has no test hook. To reach the gate or the publishing sooner,
those two moments skip dbt (the test's working copy is already built by dbt: what the gate and
publish find is what a dbt run would leave); the build after the kill runs everything.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mtm.cli import app
from mtm.pipeline import build


def pausing(marker: Path, real: Callable[..., Any]) -> Callable[..., Any]:
    """``real``, then (the first time only) create ``marker`` and sleep."""

    def pause_once(*args: Any, **kwargs: Any) -> Any:
        result = real(*args, **kwargs)
        if not marker.exists():
            marker.write_text("paused")
            time.sleep(120)
        return result

    return pause_once


def dbt_already_ran(working: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Stands for ``build.run_dbt`` on a working copy dbt has already built: a successful run."""
    return subprocess.CompletedProcess(["dbt", *args], 0, "", "")


def main() -> int:
    marker, moment = Path(sys.argv[1]), sys.argv[2]
    if moment in ("gate", "publish"):
        build.run_dbt = dbt_already_ran
    if moment == "gate":
        from mtm.checks import gx_context

        gx_context.run_checkpoint = pausing(marker, gx_context.run_checkpoint)
    elif moment == "publish":
        from mtm.publish import publish

        publish._copy_table = pausing(marker, publish._copy_table)
    elif moment != "dbt":
        raise SystemExit(f"unknown moment {moment!r}")
    return app.main(sys.argv[3:])


if __name__ == "__main__":
    sys.exit(main())
