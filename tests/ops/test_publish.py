"""Safe publishing: BI readers of the published file never fail and never see a half-built state."""

from __future__ import annotations

import subprocess
import sys
import time
import types
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pytest

from mtm import checks
from mtm.core import warehouse
from mtm.core.errors import InputError, QualityGateFailed, WarehouseBusy
from mtm.pipeline import build
from mtm.publish import publish
from tests.ops.marts_fixture import make_marts

READER = Path(__file__).with_name("reader.py")
OLD_TOTAL, NEW_TOTAL = 7500, 15000  # sum of national persons of make_marts(scale=1) and (scale=2)


@dataclass
class Reader:
    """A polling reader process and what it saw."""

    proc: subprocess.Popen
    out: Path
    stop: Path
    lines: list[str] = field(default_factory=list)

    def wait_started(self, polls: int = 3, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.out.read_text() if self.out.exists() else ""
            if text.count("\n") > polls:
                return
            time.sleep(0.05)
        raise AssertionError(f"reader did not start: {text!r}")

    def finish(self) -> list[str]:
        self.stop.touch()
        self.proc.wait(timeout=20)
        self.lines = [x for x in self.out.read_text().splitlines() if x != "started"]
        return self.lines

    def totals(self) -> list[int]:
        return [int(x.split()[1]) for x in self.lines if x.startswith("ok ")]


@pytest.fixture
def paths(tmp_path: Path) -> warehouse.WarehousePaths:
    """A published warehouse with the old figures, and its working copy."""
    wh = warehouse.resolve(tmp_path / "mtm.duckdb")
    make_marts(wh.working, scale=1)
    publish.publish(wh)
    return wh


@pytest.fixture
def reader(paths: warehouse.WarehousePaths, tmp_path: Path) -> Iterator[Reader]:
    out, stop = tmp_path / "reader.log", tmp_path / "reader.stop"
    proc = subprocess.Popen([sys.executable, str(READER), str(paths.published), str(out), str(stop)])
    r = Reader(proc, out, stop)
    try:
        yield r
    finally:
        stop.touch()
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def published_total(paths: warehouse.WarehousePaths) -> int:
    con = duckdb.connect(str(paths.published), read_only=True)
    try:
        return int(con.execute("select sum(persons) from marts.national_population").fetchone()[0])
    finally:
        con.close()


def slow_rebuild(paths: warehouse.WarehousePaths, scale: int) -> None:
    """What dbt does to the working copy, slowed down: tables dropped and rebuilt one by one."""
    con = duckdb.connect(str(paths.working))
    try:
        for (table,) in con.execute("select table_name from information_schema.tables"
                                    " where table_schema = 'marts'").fetchall():
            con.execute(f"drop table marts.{table}")
            time.sleep(0.02)
    finally:
        con.close()
    make_marts(paths.working, scale=scale)


@pytest.fixture
def fake_pipeline(monkeypatch: pytest.MonkeyPatch):
    """Replace dbt and the gate inside `mtm build` by controllable stand-ins; return the controls."""
    controls = types.SimpleNamespace(scale=2, dbt_fails=False, blocking=[], dbt_calls=0)

    def fake_run_dbt(working: Path, *args: str, environment: dict[str, str] | None = None,
                     ) -> subprocess.CompletedProcess[str]:
        controls.dbt_calls += 1
        slow_rebuild(warehouse.WarehousePaths(published=working, working=working), controls.scale)
        return subprocess.CompletedProcess(args, 1 if controls.dbt_fails else 0, "", "")

    def run_gate(working: Path, reconcile: bool = False, **options: object):
        return types.SimpleNamespace(blocking_failed=list(controls.blocking))

    fake_gate = types.ModuleType("mtm.checks.gate")
    fake_gate.run_gate = run_gate
    monkeypatch.setattr(build, "run_dbt", fake_run_dbt)
    monkeypatch.setitem(sys.modules, "mtm.checks.gate", fake_gate)
    monkeypatch.setattr(checks, "gate", fake_gate, raising=False)
    return controls


def test_reader_sees_old_or_new_during_rebuilds(paths, reader, fake_pipeline) -> None:
    reader.wait_started()
    for i in range(4):
        fake_pipeline.scale = 2 if i % 2 == 0 else 1
        assert build.build(paths) == 0
        time.sleep(0.05)
    fake_pipeline.scale = 2
    assert build.build(paths) == 0
    time.sleep(0.2)
    lines = reader.finish()
    errors = [x for x in lines if not x.startswith("ok ")]
    assert errors == [], errors[:5]
    totals = reader.totals()
    assert len(totals) > 20
    assert set(totals) == {OLD_TOTAL, NEW_TOTAL}  # never a half-built figure, and both were seen
    assert totals[-1] == NEW_TOTAL
    assert all(x.split()[2] == "16" for x in lines)  # every poll saw every mart table (+ publication)


@pytest.mark.parametrize("failure", ["dbt", "gate"])
def test_failed_build_leaves_published_untouched(paths, reader, fake_pipeline, failure: str) -> None:
    before = paths.published.read_bytes()
    reader.wait_started()
    fake_pipeline.dbt_fails = failure == "dbt"
    fake_pipeline.blocking = ["totals_roll_up"] if failure == "gate" else []
    with pytest.raises(QualityGateFailed):
        build.build(paths)
    time.sleep(0.1)
    lines = reader.finish()
    assert fake_pipeline.dbt_calls == 1
    assert [x for x in lines if not x.startswith("ok ")] == []
    assert set(reader.totals()) == {OLD_TOTAL}
    assert paths.published.read_bytes() == before
    assert published_total(paths) == OLD_TOTAL
    assert not publish.temp_path(paths.published).exists()


def test_publish_refuses_personal_data(paths) -> None:
    con = duckdb.connect(str(paths.working))
    con.execute("create schema raw; create table raw.b2_ki (_load_id varchar, ki__ki_phone varchar)")
    con.close()
    make_marts(paths.working, scale=2)
    with pytest.raises(InputError, match="raw.b2_ki.ki__ki_phone"):
        publish.publish(paths)
    assert published_total(paths) == OLD_TOTAL


def test_publish_refuses_while_working_copy_is_written(paths) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('held', flush=True); time.sleep(30)",
         str(paths.working)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(WarehouseBusy, match="in use by another process"):
            publish.publish(paths)
    finally:
        holder.kill()
        holder.wait()
    assert published_total(paths) == OLD_TOTAL


def test_publish_without_marts_or_working_copy_is_refused(tmp_path: Path) -> None:
    wh = warehouse.resolve(tmp_path / "w.duckdb")
    with pytest.raises(InputError, match="no working warehouse"):
        publish.publish(wh)
    duckdb.connect(str(wh.working)).close()
    with pytest.raises(InputError, match="without marts"):
        publish.publish(wh)
    assert not wh.published.exists()


def test_published_copy_is_a_closed_consistent_file(paths) -> None:
    make_marts(paths.working, scale=2)
    con = duckdb.connect(str(paths.working))  # leave something in the WAL
    con.execute("create table marts.extra as select 1 as x")
    con.close()
    publish.publish(paths)
    assert published_total(paths) == NEW_TOTAL
    assert not Path(str(paths.published) + ".wal").exists()
    ro = duckdb.connect(str(paths.published), read_only=True)
    assert ro.execute("select x from marts.extra").fetchall() == [(1,)]
    ro.close()
