"""`mtm demo`: the steps, their order, idempotence, and the closing paths.

The full demo takes a minute (it samples, loads and builds three rounds); it is run by hand and
timed (see the README). Here the step functions it calls are recorded instead of run.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import pytest

from mtm.cli import demo as demo_cli
from mtm.core import warehouse
from mtm.core.errors import QualityGateFailed
from mtm.pipeline import build, demo, steps

Call = tuple[str, dict[str, Any]]


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> list[Call]:
    """Record every step the demo runs; sampling writes two files, reports write theirs."""
    calls: list[Call] = []

    def sample_round(round_id: int, out_dir: Path) -> list[Path]:
        calls.append(("sample", {"round_id": round_id, "out_dir": out_dir}))
        out_dir.mkdir(parents=True, exist_ok=True)
        for form in ("b1", "b2"):
            (out_dir / f"bma_r{round_id}_{form}.xlsx").write_bytes(b"xlsx")
        return sorted(out_dir.iterdir())

    def load_exports(exports: list[Path], round_id: int, paths: warehouse.WarehousePaths) -> steps.LoadOutcome:
        calls.append(("load", {"exports": exports, "round_id": round_id, "paths": paths}))
        return steps.LoadOutcome()

    def load_gaps(workbook: Path, paths: warehouse.WarehousePaths) -> Any:
        calls.append(("load-gaps", {"workbook": workbook, "paths": paths}))
        return None

    def fake_build(paths: warehouse.WarehousePaths, *, reconcile: bool = False, publish: bool = True) -> int:
        calls.append(("build", {"paths": paths, "reconcile": reconcile, "publish": publish}))
        return 0

    def write_report(kind: str, paths: warehouse.WarehousePaths, round_id: int, out: Path, lang: str) -> Path:
        calls.append((f"report {kind}", {"paths": paths, "round_id": round_id, "out": out, "lang": lang}))
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text("<html></html>")
        return out

    monkeypatch.setattr(steps, "sample_round", sample_round)
    monkeypatch.setattr(steps, "load_exports", load_exports)
    monkeypatch.setattr(steps, "load_gaps", load_gaps)
    monkeypatch.setattr(steps, "describe_load", lambda result: "loaded")
    monkeypatch.setattr(build, "build", fake_build)
    monkeypatch.setattr(steps, "write_report", write_report)
    return calls


def test_demo_steps_in_order(tmp_path: Path, recorded: list[Call]) -> None:
    lay = demo.run_demo(demo.layout(tmp_path / "wh" / "mtm.duckdb"))
    assert [name for name, _ in recorded] == ["sample", "load", "sample", "load", "sample", "load", "load-gaps",
                                              "build", *["report quality"] * 3, *["report round"] * 3]
    assert [kwargs["lang"] for name, kwargs in recorded if name.startswith("report")] == ["en", "ru", "ky"] * 2
    wh = warehouse.resolve(tmp_path / "wh" / "mtm.duckdb")
    assert all(kwargs["paths"] == wh for _, kwargs in recorded if "paths" in kwargs)
    load3 = recorded[5][1]
    assert load3["round_id"] == 3
    assert [p.name for p in load3["exports"]] == ["bma_r3_b1.xlsx", "bma_r3_b2.xlsx"]
    assert recorded[7][1] == {"paths": wh, "reconcile": True, "publish": True}
    assert lay.round_report.exists() and lay.quality_report.exists()
    assert lay.sample_dir == tmp_path / "wh" / "sample"


def test_second_demo_reuses_the_sample(tmp_path: Path, recorded: list[Call]) -> None:
    lay = demo.layout(tmp_path / "mtm.duckdb")
    demo.run_demo(lay)
    first = [name for name, _ in recorded]
    recorded.clear()
    demo.run_demo(lay)
    assert first.count("sample") == 3
    assert [name for name, _ in recorded].count("sample") == 0  # same files, same hashes: loads are no-ops
    assert [name for name, _ in recorded].count("load") == 3


def test_a_failing_step_keeps_its_error(tmp_path: Path, recorded: list[Call],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    def failing_build(paths: warehouse.WarehousePaths, **_: Any) -> int:
        raise QualityGateFailed("reason_means_within_0_5; the published warehouse is unchanged")

    monkeypatch.setattr(build, "build", failing_build)
    with pytest.raises(QualityGateFailed, match="reason_means_within_0_5"):
        demo.run_demo(demo.layout(tmp_path / "mtm.duckdb"))
    assert "report quality" not in [name for name, _ in recorded]


def test_demo_prints_the_paths(tmp_path: Path, recorded: list[Call],
                               capsys: pytest.CaptureFixture[str]) -> None:
    wh = tmp_path / "w" / "mtm.duckdb"
    assert demo_cli.run(argparse.Namespace(warehouse=str(wh), quiet=True)) == 0
    out = capsys.readouterr().out
    for path in (wh, wh.with_name("mtm.work.duckdb"), wh.parent / "reports" / "bma-round-3.ru.html",
                 wh.parent / "reports" / "quality-round-3.ky.html", wh.parent / "sample"):
        assert str(path) in out
    assert out.splitlines()[0].startswith("mtm demo finished in")


def test_round_exports_finds_files_and_csv_folders(tmp_path: Path) -> None:
    (tmp_path / "bma_r1_b2.xlsx").write_bytes(b"x")
    (tmp_path / "~$bma_r1_b2.xlsx").write_bytes(b"lock")
    (tmp_path / "bma_r1_b1").mkdir()
    (tmp_path / "bma_r1_b1" / "main.csv").write_text("a")
    (tmp_path / "notes.txt").write_text("n")
    assert [p.name for p in demo.round_exports(tmp_path)] == ["bma_r1_b1", "bma_r1_b2.xlsx"]
    assert demo.round_exports(tmp_path / "missing") == []
