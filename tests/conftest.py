"""Fixtures shared by every test area.

The expensive pipeline (sample rounds 1-3 -> load -> dbt build -> gate -> publish) runs once per
pytest session; tests that change a warehouse work on a copy (`copy_warehouse`).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mtm import cli
from mtm.core import warehouse

PROJECT_DIR = Path(__file__).resolve().parents[1]
GAP_WORKBOOK = PROJECT_DIR / "data" / "gaps" / "kgz_2024.xlsx"
SAMPLE_ROUNDS = (1, 2, 3)


def run_mtm(*argv: str) -> None:
    """Run one `mtm` command in-process, quietly; fail the test on a non-zero exit code."""
    code = cli.main(["--quiet", *argv])
    assert code == 0, f"`mtm {' '.join(argv)}` exited {code}"


def copy_warehouse(paths: warehouse.WarehousePaths, dest_dir: Path) -> warehouse.WarehousePaths:
    """Copy a warehouse's published and working files into ``dest_dir``; return the copy's paths."""
    dest_dir.mkdir(parents=True, exist_ok=True)
    copy = warehouse.resolve(dest_dir / paths.published.name)
    for src, dst in ((paths.published, copy.published), (paths.working, copy.working)):
        if src.exists():
            shutil.copy2(src, dst)
    return copy


@pytest.fixture(scope="session")
def sample_exports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Messy sample exports (default seed, xlsx) of rounds 1-3 in ``round-<n>/`` folders."""
    root = tmp_path_factory.mktemp("sample")
    for round_id in SAMPLE_ROUNDS:
        run_mtm("sample", "--round", str(round_id), "--out", str(root / f"round-{round_id}"))
    return root


@pytest.fixture(scope="session")
def built_sample_warehouse(sample_exports: Path,
                           tmp_path_factory: pytest.TempPathFactory) -> warehouse.WarehousePaths:
    """Rounds 1-3 and the Kyrgyzstan gap workbook loaded, built, reconciled and published.

    Read-only for tests: copy it with ``copy_warehouse`` before changing anything.
    """
    paths = warehouse.resolve(tmp_path_factory.mktemp("warehouse") / "mtm.duckdb")
    wh = ("--warehouse", str(paths.published))
    for round_id in SAMPLE_ROUNDS:
        exports = sorted((sample_exports / f"round-{round_id}").iterdir())
        run_mtm("load", *map(str, exports), "--round", str(round_id), *wh)
    run_mtm("load-gaps", str(GAP_WORKBOOK), *wh)
    run_mtm("build", "--reconcile", *wh)
    return paths
