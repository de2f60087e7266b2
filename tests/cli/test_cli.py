"""The CLI's contract: exit codes and one-line errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from mtm.cli import app as cli
from mtm.core import warehouse


def test_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--help"]) == 0
    out = capsys.readouterr().out
    for name in cli.COMMANDS:
        assert name in out


def test_usage_error_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["no-such-command"]) == 2
    assert "invalid choice" in capsys.readouterr().err


def test_build_without_loads_is_bad_input(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["build", "--warehouse", str(tmp_path / "w.duckdb")])
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "run `mtm load` first" in err[0] and "w.work.duckdb" in err[0]


def test_warehouse_resolution_order(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MTM_WAREHOUSE", raising=False)
    default = warehouse.resolve()
    assert default.published.name == "mtm.duckdb" and default.working.name == "mtm.work.duckdb"
    monkeypatch.setenv("MTM_WAREHOUSE", str(tmp_path / "env.duckdb"))
    assert warehouse.resolve().published == tmp_path / "env.duckdb"
    explicit = warehouse.resolve(tmp_path / "x.duckdb")
    assert explicit.published == tmp_path / "x.duckdb"
    assert explicit.working == tmp_path / "x.work.duckdb"


def test_entry_point_installed() -> None:
    mtm = Path(sys.executable).with_name("mtm")
    result = subprocess.run([str(mtm), "--help"], check=False, capture_output=True, text=True)
    assert result.returncode == 0 and "usage: mtm" in result.stdout


@pytest.mark.parametrize("command", sorted(cli.COMMANDS))
def test_every_command_has_its_options(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main([command, "--help"]) == 0
    assert f"usage: mtm {command}" in capsys.readouterr().out
