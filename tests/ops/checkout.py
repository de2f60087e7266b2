"""The checkout as git sees it: a test compares it before and after an `mtm` command."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parents[2]


def git_status() -> str:
    """``git status --ignored --porcelain`` of the checkout (ignored files included); the test is
    skipped outside a git checkout."""
    if shutil.which("git") is None or not (PROJECT_DIR / ".git").exists():
        pytest.skip("not a git checkout")
    return subprocess.run(["git", "status", "--ignored", "--porcelain"], cwd=PROJECT_DIR, text=True,
                          capture_output=True, check=True).stdout
