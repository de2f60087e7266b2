"""`mtm demo`: the steps, their order, idempotence, and the closing paths.

The full demo takes a minute (it samples, loads and builds three rounds); it is run by hand and
timed (see the README). Here the commands it calls are recorded instead of run.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from mtm.cli import demo
from mtm.reports.paths import report_path


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """Record every `mtm` command the demo runs; `sample` writes two files, reports write theirs."""
    calls: list[list[str]] = []

    def fake_cli(argv: list[str], quiet: bool) -> None:
        calls.append(list(argv))
        if argv[0] == "sample":
            out = Path(argv[argv.index("--out") + 1])
            out.mkdir(parents=True, exist_ok=True)
            round_id = argv[argv.index("--round") + 1]
            for form in ("b1", "b2"):
                (out / f"bma_r{round_id}_{form}.xlsx").write_bytes(b"xlsx")
        if argv[0] == "report":
            wh = Path(argv[argv.index("--warehouse") + 1])
            lang = argv[argv.index("--lang") + 1]
            out = report_path(wh, argv[1], int(argv[argv.index("--round") + 1]), lang)
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text("<html></html>")

    monkeypatch.setattr(demo, "_cli", fake_cli)
    return calls


def test_demo_steps_in_order(tmp_path: Path, recorded: list[list[str]]) -> None:
    lay = demo.run_demo(demo.layout(tmp_path / "wh" / "mtm.duckdb"))
    names = [c[0] if c[0] != "report" else f"report {c[1]}" for c in recorded]
    assert names == ["sample", "load", "sample", "load", "sample", "load", "load-gaps", "build",
                     *["report quality"] * 3, *["report round"] * 3]
    assert [c[c.index("--lang") + 1] for c in recorded if c[0] == "report"] == ["en", "ru", "ky"] * 2
    wh = str(tmp_path / "wh" / "mtm.duckdb")
    assert all(c[c.index("--warehouse") + 1] == wh for c in recorded if c[0] != "sample")
    load3 = recorded[5]
    assert load3[load3.index("--round") + 1] == "3"
    assert [Path(p).name for p in load3[1:3]] == ["bma_r3_b1.xlsx", "bma_r3_b2.xlsx"]
    assert recorded[7] == ["build", "--reconcile", "--warehouse", wh]
    assert lay.round_report.exists() and lay.quality_report.exists()
    assert lay.sample_dir == tmp_path / "wh" / "sample"


def test_second_demo_reuses_the_sample(tmp_path: Path, recorded: list[list[str]]) -> None:
    lay = demo.layout(tmp_path / "mtm.duckdb")
    demo.run_demo(lay)
    first = [c[0] for c in recorded]
    recorded.clear()
    demo.run_demo(lay)
    assert first.count("sample") == 3
    assert [c[0] for c in recorded].count("sample") == 0  # same files, same hashes: loads are no-ops
    assert [c[0] for c in recorded].count("load") == 3


def test_demo_prints_the_paths(tmp_path: Path, recorded: list[list[str]],
                               capsys: pytest.CaptureFixture[str]) -> None:
    wh = tmp_path / "w" / "mtm.duckdb"
    assert demo.run(argparse.Namespace(warehouse=str(wh), quiet=True)) == 0
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
