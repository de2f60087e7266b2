"""`mtm build --target spark` without the Spark environment: one clear line, exit 2, nothing built."""

from __future__ import annotations

from pathlib import Path

import pytest

from mtm import cli
from mtm.core import warehouse
from tests.conftest import copy_warehouse


def test_build_on_spark_without_dbt_spark_is_refused(built_sample_warehouse: warehouse.WarehousePaths,
                                                      tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    paths = copy_warehouse(built_sample_warehouse, tmp_path / "wh")
    monkeypatch.setenv("MTM_SPARK_DBT", str(tmp_path / "missing" / "dbt"))
    monkeypatch.setenv("MTM_SPARK_DIR", str(tmp_path / "spark"))
    code = cli.main(["--quiet", "build", "--target", "spark", "--warehouse", str(paths.published)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert len(err) == 1 and "make spark-setup" in err[0] and "Traceback" not in err[0]
    assert not (tmp_path / "spark" / "tables").exists()


def test_target_defaults_to_duckdb() -> None:
    from mtm.cli import app

    args = app._parser("build").parse_args(["build"])
    assert args.target == "duckdb"
