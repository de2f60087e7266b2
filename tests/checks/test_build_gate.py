"""`mtm build` stops with exit 1 on a blocking failure and leaves the published warehouse alone."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest

from checks import gx_context
from mtm import build, cli


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture()
def warehouse_pair(clean_marts: Path, tmp_path: Path, gx_root: Path,
                   monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """(published, working): both start as the clean warehouse; dbt is replaced by a no-op that
    succeeds, so the gate alone decides (the dbt side is tested with the models)."""
    published, working = tmp_path / "mtm.duckdb", tmp_path / "mtm.work.duckdb"
    shutil.copyfile(clean_marts, published)
    shutil.copyfile(clean_marts, working)

    def fake_dbt(path: Path, *args: str) -> subprocess.CompletedProcess[str]:
        assert path == working
        return subprocess.CompletedProcess(args=list(args), returncode=0, stdout="", stderr="")

    monkeypatch.setattr(build, "run_dbt", fake_dbt)
    monkeypatch.setattr(gx_context, "PROJECT_ROOT", gx_root)
    return published, working


def test_blocking_failure_exits_1_and_publishes_nothing(warehouse_pair: tuple[Path, Path],
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    published, working = warehouse_pair
    with duckdb.connect(str(working)) as con:
        con.execute("update marts.reason_scores set mean_score = -1 where round_id = 2")
    before = _digest(published)
    code = cli.main(["build", "--warehouse", str(published)])
    assert code == 1
    err = capsys.readouterr().err
    assert "reason_means_within_0_5" in err and "published warehouse is unchanged" in err
    assert _digest(published) == before
    # the failed build's results stay in the working copy for the quality report
    with duckdb.connect(str(working), read_only=True) as con:
        failed = con.execute("select distinct check_name from quality.check_results "
                             "where status = 'fail'").fetchall()
    assert failed == [("reason_means_within_0_5",)]


def test_passing_gate_publishes(warehouse_pair: tuple[Path, Path]) -> None:
    published, _working = warehouse_pair
    assert cli.main(["--quiet", "build", "--warehouse", str(published)]) == 0
    with duckdb.connect(str(published), read_only=True) as con:
        assert con.execute("select count(*) from quality.check_results where status = 'fail'").fetchone()[0] == 0
        assert con.execute("select count(*) from quality.gate_runs").fetchone()[0] == 1
