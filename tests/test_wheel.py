"""The wheel installs one top-level package, ``mtm``, and nothing else (issue 17).

Builds the wheel from a copy of the project's packaging files (so no build folder is left in the
repository), installs it without dependencies into a fresh virtual environment, and compares
that environment's site-packages before and after. About 20 s (a venv and a wheel build).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _run(*args: str | Path, cwd: Path | None = None) -> str:
    done = subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return done.stdout


def _site_packages(python: Path) -> Path:
    return Path(_run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").strip())


@pytest.mark.slow
def test_wheel_adds_only_the_mtm_package(tmp_path: Path) -> None:
    source = tmp_path / "source"
    source.mkdir()
    shutil.copy2(ROOT / "pyproject.toml", source)
    shutil.copytree(ROOT / "mtm", source / "mtm", ignore=shutil.ignore_patterns("__pycache__"))
    _run(sys.executable, "-m", "pip", "wheel", ".", "--no-deps", "--quiet", "-w", tmp_path / "dist", cwd=source)
    (wheel,) = (tmp_path / "dist").glob("mtm_warehouse-*.whl")

    _run(sys.executable, "-m", "venv", tmp_path / "venv")
    python = tmp_path / "venv" / "bin" / "python"
    site = _site_packages(python)
    before = {p.name for p in site.iterdir()}
    _run(python, "-m", "pip", "install", "--no-deps", "--quiet", "--no-index", wheel)
    added = {p.name for p in site.iterdir()} - before

    packages = {name for name in added if not name.endswith((".dist-info", ".pth"))}
    assert packages == {"mtm"}
    assert {name for name in added if name.endswith(".dist-info")} == {wheel.name.split("-py3")[0] + ".dist-info"}
    assert (site / "mtm" / "cli" / "app.py").is_file()
