"""`mtm build` stops with exit 1 on a blocking failure and leaves the published warehouse alone."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest

from mtm import cli
from mtm.checks import gx_context
from mtm.core import warehouse
from mtm.pipeline import build


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture()
def warehouse_pair(built_sample_warehouse: warehouse.WarehousePaths, tmp_path: Path, gx_root: Path,
                   monkeypatch: pytest.MonkeyPatch) -> warehouse.WarehousePaths:
    """A copy of the built sample (published + working). dbt is replaced by a no-op that succeeds,
    so the gate alone decides (dbt's own failures are the models' tests)."""
    paths = warehouse.resolve(tmp_path / "mtm.duckdb")
    shutil.copyfile(built_sample_warehouse.published, paths.published)
    shutil.copyfile(built_sample_warehouse.working, paths.working)

    def fake_dbt(path: Path, *args: str, **options: object) -> subprocess.CompletedProcess[str]:
        assert path == paths.working
        return subprocess.CompletedProcess(args=list(args), returncode=0, stdout="", stderr="")

    monkeypatch.setattr(build, "run_dbt", fake_dbt)
    monkeypatch.setattr(gx_context, "PROJECT_ROOT", gx_root)
    return paths


def test_blocking_failure_exits_1_and_publishes_nothing(warehouse_pair: warehouse.WarehousePaths,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    with duckdb.connect(str(warehouse_pair.working)) as con:
        con.execute("update marts.reason_scores set mean_score = -1 where round_id = 2")
    before = _digest(warehouse_pair.published)
    code = cli.main(["build", "--warehouse", str(warehouse_pair.published)])
    assert code == 1
    err = capsys.readouterr().err
    assert "reason_means_within_0_5" in err and "published warehouse is unchanged" in err
    assert _digest(warehouse_pair.published) == before
    # the failed build's results stay in the working copy for the quality report
    with duckdb.connect(str(warehouse_pair.working), read_only=True) as con:
        failed = con.execute("select distinct check_name from quality.check_results "
                             "where status = 'fail'").fetchall()
    assert failed == [("reason_means_within_0_5",)]


def test_passing_gate_publishes(warehouse_pair: warehouse.WarehousePaths) -> None:
    before = _digest(warehouse_pair.published)
    assert cli.main(["--quiet", "build", "--warehouse", str(warehouse_pair.published)]) == 0
    assert _digest(warehouse_pair.published) != before
    with duckdb.connect(str(warehouse_pair.published), read_only=True) as con:
        assert con.execute("select count(*) from quality.check_results where status in ('fail', 'error')"
                           ).fetchone()[0] == 0
        last = con.execute("select blocking_failed, reconcile from quality.gate_runs "
                           "order by run_at desc limit 1").fetchone()
    assert last == (0, False)
