"""Fixtures of the quality-gate tests: a clean hand-built warehouse and a private GX context."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import marts_fixture


@pytest.fixture(scope="session")
def gx_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the committed GX definitions, so results and docs stay out of the repository."""
    from mtm.checks import gx_context

    return gx_context.copy_context(tmp_path_factory.mktemp("gx"))


@pytest.fixture(scope="session")
def clean_marts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The clean hand-built warehouse (never modified; copy it before injecting a fault)."""
    return marts_fixture.build(tmp_path_factory.mktemp("clean") / "clean.duckdb")


@pytest.fixture()
def marts_copy(clean_marts: Path, tmp_path: Path) -> Path:
    """A private copy of the clean warehouse, ready for one injected fault."""
    copy = tmp_path / "w.work.duckdb"
    shutil.copyfile(clean_marts, copy)
    return copy
