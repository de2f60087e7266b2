"""Builds that die and run-time files (issue 12, points 6 and 8).

- dbt's target and logs and GX's results live beside the warehouse (``<folder>/.mtm/<stem>/``),
  never in the checkout: ``git status --ignored`` is the same before and after a build run with
  ``--warehouse`` in a temporary folder;
- ``kill -9`` of ``mtm build`` while dbt runs leaves no dbt behind, the next build succeeds and
  the published file still opens with the previous data meanwhile.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from mtm.core import warehouse

PROJECT_DIR = Path(__file__).resolve().parents[2]


def copy_warehouse(paths: warehouse.WarehousePaths, dest_dir: Path) -> warehouse.WarehousePaths:
    dest_dir.mkdir(parents=True, exist_ok=True)
    copy = warehouse.resolve(dest_dir / paths.published.name)
    shutil.copy2(paths.published, copy.published)
    shutil.copy2(paths.working, copy.working)
    return copy


def git_status() -> str:
    if shutil.which("git") is None or not (PROJECT_DIR / ".git").exists():
        pytest.skip("not a git checkout")
    return subprocess.run(["git", "status", "--ignored", "--porcelain"], cwd=PROJECT_DIR, text=True,
                          capture_output=True, check=True).stdout


def children(pid: int) -> list[int]:
    out = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        text = (task / "children").read_text() if (task / "children").exists() else ""
        out += [int(p) for p in text.split()]
    return out


def is_alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split()[2]
    except OSError:
        return False
    return state != "Z"


def published_rows(paths: warehouse.WarehousePaths) -> int:
    con = duckdb.connect(str(paths.published), read_only=True)
    try:
        return con.execute("SELECT count(*) FROM marts.communities").fetchall()[0][0]
    finally:
        con.close()


@pytest.mark.slow
def test_a_killed_build_leaves_no_dbt_and_the_next_build_and_run_time_files_are_beside_it(
        built_sample_warehouse: warehouse.WarehousePaths, tmp_path: Path) -> None:
    paths = copy_warehouse(built_sample_warehouse, tmp_path / "wh")
    before_rows = published_rows(paths)
    before = git_status()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DBT_", "MTM_WAREHOUSE"))}
    # --full-refresh: nothing changed in the copy, and an incremental build would not start dbt
    proc = subprocess.Popen([sys.executable, "-m", "mtm.cli", "--quiet", "build", "--full-refresh", "--warehouse",
                             str(paths.published)], cwd=PROJECT_DIR, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    dbt: list[int] = []
    while time.monotonic() < deadline and proc.poll() is None and not dbt:
        dbt = children(proc.pid)
        time.sleep(0.05)
    assert dbt, "dbt never started"
    time.sleep(3)  # dbt is parsing or building by now
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    deadline = time.monotonic() + 15
    while any(is_alive(p) for p in dbt) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(is_alive(p) for p in dbt), "dbt outlived the killed mtm build"
    assert published_rows(paths) == before_rows  # readers still see the previous data
    result = subprocess.run([sys.executable, "-m", "mtm.cli", "--quiet", "build", "--full-refresh", "--warehouse",
                             str(paths.published)], cwd=PROJECT_DIR, env=env, capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    assert published_rows(paths) == before_rows
    assert git_status() == before  # nothing in the checkout, ignored files included
    runtime = paths.runtime_dir
    assert (runtime / "dbt-target" / "manifest.json").exists() and (runtime / "dbt-logs").is_dir()
    assert any((runtime / "gx" / "gx" / "uncommitted" / "validations").rglob("*.json"))
