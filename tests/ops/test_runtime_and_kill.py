"""Builds that die and run-time files (issue 12, points 6 and 8).

- ``kill -9`` of ``mtm build`` at three moments (while dbt builds the working copy, while the
  quality gate runs, while publishing writes the new file) leaves no process behind (dbt dies with
  it), no lock (DuckDB's lock is the holder's OS lock: it goes with the process), the published file
  opening with the previous data, and the next build succeeding;
- dbt's target and logs and GX's results live beside the warehouse (``<folder>/.mtm/<stem>/``),
  never in the checkout: ``git status --ignored`` is the same before and after;
- a dbt that cannot start is one line and exit 2; a working copy held by a live process is one
  line and exit 3 (``WarehouseBusy``: try again).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from mtm.core import warehouse
from mtm.publish import publish
from tests.conftest import copy_warehouse
from tests.ops.checkout import PROJECT_DIR, git_status

PAUSING_BUILD = Path(__file__).with_name("pausing_build.py")
MARTS_COMPARED = ("national_population", "communities", "population_by_country")


def forget_last_build(paths: warehouse.WarehousePaths) -> None:
    """Make the next build run dbt in full: an incremental build records what it was built from
    in schema ``meta`` and skips dbt when no load changed since."""
    con = duckdb.connect(str(paths.working))
    try:
        con.execute("drop schema if exists meta cascade")
    finally:
        con.close()


def clean_env() -> dict[str, str]:
    """The test's environment without dbt's or mtm's own settings (the command line decides), and
    without Python's byte-code caches (a new ``__pycache__`` in the checkout is not mtm's doing)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DBT_", "MTM_WAREHOUSE"))}
    return {**env, "PYTHONDONTWRITEBYTECODE": "1"}


def descendants(pid: int) -> set[int]:
    """Every live process below ``pid`` (children, their children, ...), from /proc."""
    found: set[int] = set()
    todo = [pid]
    while todo:
        for task in Path(f"/proc/{todo.pop()}/task").glob("*"):
            try:
                kids = [int(p) for p in (task / "children").read_text().split()]
            except OSError:
                continue
            todo += [k for k in kids if k not in found]
            found.update(kids)
    return found


def is_alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def processes_using(folder: Path) -> list[str]:
    """Live processes (other than this one) whose command line or environment names ``folder``:
    an `mtm build` of the test's warehouse, or a dbt started for it (``MTM_DBT_PATH``)."""
    needle = str(folder).encode()
    found = []
    for proc in Path("/proc").glob("[0-9]*"):
        if int(proc.name) == os.getpid() or not is_alive(int(proc.name)):
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes()
            environ = (proc / "environ").read_bytes()
        except OSError:
            continue
        if needle in cmdline or needle in environ:
            command = cmdline.replace(b"\0", b" ").decode(errors="replace")[:200]
            found.append(f"{proc.name}: {command}")
    return found


def published_state(paths: warehouse.WarehousePaths) -> tuple[str, dict[str, list[tuple]]]:
    """(publication id, every row of a few marts) of the published file, opened read-only."""
    con = duckdb.connect(str(paths.published), read_only=True)
    try:
        ((publication_id,),) = con.execute("select publication_id from marts.publication").fetchall()
        rows = {m: sorted(con.execute(f"select * from marts.{m}").fetchall(), key=repr) for m in MARTS_COMPARED}
    finally:
        con.close()
    return publication_id, rows


def wait_for_dbt_building(proc: subprocess.Popen, log: Path, models: int = 5, timeout: float = 180) -> None:
    """Wait until the dbt child of ``proc`` has written ``models`` models into the working copy
    (its debug log says so): the kill then lands in the middle of dbt's writing."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        done = log.read_bytes().count(b"Finished running node model.") if log.exists() else 0
        if done >= models and descendants(proc.pid):
            return
        time.sleep(0.2)
    raise AssertionError(f"dbt never got to build (mtm build exited {proc.poll()})")


def wait_for(path: Path, proc: subprocess.Popen, timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert path.exists(), f"the pause was never reached (mtm build exited {proc.poll()})"


@pytest.mark.builds
@pytest.mark.parametrize("moment", ["dbt", "gate", "publish"])
def test_mtm_build_killed_at_any_moment_leaves_nothing_behind_and_the_next_build_succeeds(
        moment: str, built_sample_warehouse: warehouse.WarehousePaths, tmp_path: Path) -> None:
    paths = copy_warehouse(built_sample_warehouse, tmp_path / "wh")
    if moment == "dbt":
        forget_last_build(paths)
    before_id, before_rows = published_state(paths)
    before_git = git_status()
    marker = tmp_path / "paused"
    proc = subprocess.Popen([sys.executable, str(PAUSING_BUILD), str(marker), moment, "--quiet", "build",
                             "--warehouse", str(paths.published)], cwd=PROJECT_DIR, env=clean_env(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        if moment == "dbt":
            wait_for_dbt_building(proc, paths.runtime_dir / "dbt-logs" / "dbt.log")
        else:
            wait_for(marker, proc)
        below = descendants(proc.pid)
        assert bool(below) == (moment == "dbt")  # dbt is the only child, and only while it runs
        if moment == "publish":
            assert publish.temp_path(paths.published).exists()  # the new file is half written
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    deadline = time.monotonic() + 15
    while (processes_using(tmp_path) or any(map(is_alive, below))) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(map(is_alive, below)), "dbt outlived the killed mtm build"
    assert processes_using(tmp_path) == []
    # readers still open the previous file, with the previous data
    assert published_state(paths) == (before_id, before_rows)
    # no stale lock: the next build, right away, succeeds and publishes the same figures
    result = subprocess.run([sys.executable, "-m", "mtm.cli", "--quiet", "build", "--warehouse",
                             str(paths.published)], cwd=PROJECT_DIR, env=clean_env(), capture_output=True,
                            text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    after_id, after_rows = published_state(paths)
    assert after_id != before_id and after_rows == before_rows
    assert not publish.temp_path(paths.published).exists()
    assert git_status() == before_git  # nothing in the checkout, ignored files included
    runtime = paths.runtime_dir
    if moment == "dbt":  # the copy was built already: only the dbt case runs dbt (incremental builds)
        assert (runtime / "dbt-target" / "manifest.json").exists() and (runtime / "dbt-logs").is_dir()
    assert any((runtime / "gx" / "gx" / "uncommitted" / "validations").rglob("*.json"))


@pytest.mark.slow
def test_every_command_with_a_warehouse_outside_the_checkout_leaves_the_checkout_alone(
        built_sample_warehouse: warehouse.WarehousePaths, tmp_path: Path) -> None:
    """`git status --ignored` is the same after sample, load, load-gaps, report and export with
    --warehouse in a temporary folder (build: the kill test; docs: test_sample_warehouse), and every
    file they wrote is beside the warehouse."""
    paths = copy_warehouse(built_sample_warehouse, tmp_path / "wh")
    wh = ("--warehouse", str(paths.published))
    before = git_status()
    sample = paths.output_dir("sample") / "round-3"
    commands = [
        ("sample", "--round", "3", "--format", "csv", *wh),
        ("load", str(sample / "bma_r3_b1"), "--round", "3", *wh),
        ("load-gaps", str(PROJECT_DIR / "data" / "gaps" / "kgz_2024.xlsx"), *wh),
        ("report", "quality", "--round", "3", *wh),
        ("report", "round", "--round", "3", *wh),
        ("export", "--format", "csv", "--round", "3", *wh),
    ]
    for command in commands:
        result = subprocess.run([sys.executable, "-m", "mtm.cli", "--quiet", *command], cwd=PROJECT_DIR,
                                env=clean_env(), capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, (command, result.stderr[-2000:])
    assert git_status() == before
    written = {p.relative_to(paths.published.parent).parts[0] for p in paths.published.parent.rglob("*")}
    assert {"sample", "reports", "exports"} <= written <= {"sample", "reports", "exports", ".mtm",
                                                          paths.published.name, paths.working.name}


def one_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in stderr, stderr[-2000:]
    return lines[0]


@pytest.mark.parametrize("broken", ["missing", "not executable"])
def test_a_dbt_that_cannot_start_is_one_line_and_exit_2(broken: str, tmp_path: Path) -> None:
    """`mtm build` finds dbt beside its Python; here that folder has no dbt, or a dbt no one may run."""
    paths = warehouse.resolve(tmp_path / "mtm.duckdb")
    duckdb.connect(str(paths.working)).close()  # something loaded: the build gets as far as dbt
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    if broken == "not executable":
        (bin_dir / "dbt").write_text("#!/bin/sh\nexit 0\n")
        (bin_dir / "dbt").chmod(0o644)
    code = ("import sys; from mtm.cli.app import main; sys.executable = sys.argv[1]; "
            "sys.exit(main(sys.argv[2:]))")
    result = subprocess.run([sys.executable, "-c", code, str(bin_dir / "python"), "--quiet", "build",
                             "--warehouse", str(paths.published)], cwd=PROJECT_DIR, env=clean_env(),
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    line = one_line(result.stderr)
    assert line.startswith(f"mtm build: file {bin_dir / 'dbt'}: dbt could not start (")
    reason = "No such file or directory" if broken == "missing" else "Permission denied"
    assert reason in line and "make setup" in line
    assert not paths.published.exists()


def test_a_build_past_duckdbs_memory_limit_says_how_to_raise_it(
        built_sample_warehouse: warehouse.WarehousePaths, tmp_path: Path) -> None:
    """DuckDB's memory limit (``$MTM_MEMORY_LIMIT``) far too low for the models: dbt's output, then
    one line that names the variable; exit 1 and the published file unchanged."""
    paths = copy_warehouse(built_sample_warehouse, tmp_path / "wh")
    before = paths.published.read_bytes()
    env = {**clean_env(), warehouse.MEMORY_LIMIT_ENV: "4MB"}
    result = subprocess.run([sys.executable, "-m", "mtm.cli", "--quiet", "build", "--full-refresh",
                             "--warehouse", str(paths.published)], cwd=PROJECT_DIR, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 1, result.stderr[-2000:]
    assert "Out of Memory Error" in result.stderr and "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("mtm build: ") and "MTM_MEMORY_LIMIT=4MB" in last and "raise it" in last, last
    assert paths.published.read_bytes() == before


HOLD_WORKING_COPY = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])
print("holding", flush=True)
time.sleep(300)
"""


@pytest.mark.slow
def test_a_working_copy_held_by_a_live_process_is_busy_exit_3(built_sample_warehouse, tmp_path: Path) -> None:
    """A lock held by a live process is a state that passes: one line, exit 3, nothing published."""
    paths = copy_warehouse(built_sample_warehouse, tmp_path / "wh")
    before = published_state(paths)
    holder = subprocess.Popen([sys.executable, "-c", HOLD_WORKING_COPY, str(paths.working)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
        result = subprocess.run([sys.executable, "-m", "mtm.cli", "--quiet", "build", "--warehouse",
                                 str(paths.published)], cwd=PROJECT_DIR, env=clean_env(),
                                capture_output=True, text=True, timeout=600)
    finally:
        holder.kill()
        holder.wait(timeout=30)
    assert result.returncode == 3
    line = one_line(result.stderr)
    assert line.startswith(f"mtm build: file {paths.working}: another process is writing the working copy")
    assert "try again" in line
    assert published_state(paths) == before
