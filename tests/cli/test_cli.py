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


@pytest.mark.parametrize(("gate_loaded", "code"), [(True, 0), (True, 1), (False, 1), (True, 2)])
def test_the_program_flushes_its_output_and_keeps_the_exit_code(gate_loaded: bool, code: int) -> None:
    """``run`` (the ``mtm`` program) after a command that loaded Great Expectations (stood in for by
    an empty module here) ends without Python's teardown: output written but not flushed still
    arrives, the exit code is the command's, and exit handlers are skipped; on an error exit (2), or
    without it, Python exits as usual."""
    script = (
        "import atexit, sys, types\n"
        f"if {gate_loaded}: sys.modules['great_expectations'] = types.ModuleType('great_expectations')\n"
        "atexit.register(lambda: print('torn down'))\n"
        "from mtm.cli import app\n"
        f"app.main = lambda argv=None: (sys.stdout.write('built'), sys.stderr.write('one line'), {code})[-1]\n"
        "app.run()\n")
    result = subprocess.run([sys.executable, "-c", script], check=False, capture_output=True, text=True)
    assert result.returncode == code and result.stderr == "one line", result
    fast = gate_loaded and code in (0, 1)
    assert result.stdout == ("built" if fast else "builttorn down\n"), result.stdout
