"""Hostile and careless inputs (issue 12): zips that would fill the disk, sheets that would
replace each other, files of another round, a warehouse another process holds. Each is one clear
line and a warehouse left as it was; a refusal is exit 2 with a ``refused`` row in ``load_log``
saying why (whenever the warehouse could be opened), a busy warehouse is exit 3 and no row."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import duckdb
import pytest
from loader_fixtures import export, make_sheets, snapshot

from mtm.cli.app import main
from mtm.loaders import sources


def load(wh: Path, path: Path) -> int:
    return main(["--quiet", "load", str(path), "--round", "3", "--warehouse", str(wh)])


def refused_line(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    return err


def log(wh: Path) -> list[tuple[str, str, str]]:
    """(status, file name, message) of every load_log row, oldest first."""
    con = duckdb.connect(str(wh.with_name(f"{wh.stem}.work.duckdb")), read_only=True)
    try:
        return con.execute("SELECT status, file_name, message FROM raw.load_log"
                           " ORDER BY attempted_at, load_id").fetchall()
    finally:
        con.close()


def statuses(wh: Path) -> list[str]:
    return [status for status, _, _ in log(wh)]


def assert_refusal_logged(wh: Path, path: Path, line: str) -> None:
    """The last load_log row is the refusal of ``path``, with the reason the user was shown."""
    status, file_name, message = log(wh)[-1]
    assert (status, file_name) == ("refused", path.name)
    assert message and message in line


def bomb(path: Path, member_bytes: int) -> Path:
    """A zip whose one member is ``member_bytes`` of zeros, written by streaming (never in memory)."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf, \
            zf.open("ki.csv", "w", force_zip64=True) as member:
        block = b"0" * (1 << 20)
        for _ in range(member_bytes // len(block)):
            member.write(block)
    return path


def test_a_zip_bomb_is_stopped_while_unpacking(tmp_path: Path, monkeypatch, capsys) -> None:
    wh = tmp_path / "w.duckdb"
    assert load(wh, export(tmp_path, "b2", 3, name="good")) == 0
    before = snapshot(wh.with_name("w.work.duckdb"))
    path = bomb(tmp_path / "bomb.zip", 64 << 20)  # 64 MiB of zeros: about 64 KiB compressed
    assert path.stat().st_size < 1 << 20
    assert load(wh, path) == 2
    err = refused_line(capsys)
    assert "bomb.zip!ki.csv" in err and "possible zip bomb" in err and "200 times" in err
    assert_refusal_logged(wh, path, err)
    assert {k: v for k, v in snapshot(wh.with_name("w.work.duckdb")).items() if k != "raw.load_log"} == \
        {k: v for k, v in before.items() if k != "raw.load_log"}
    assert statuses(wh) == ["loaded", "refused"]
    # the size limits hold too, checked on the bytes actually unpacked
    monkeypatch.setattr(sources, "ZIP_MAX_RATIO", 10**9)
    monkeypatch.setattr(sources, "ZIP_MAX_MEMBER_BYTES", 8 << 20)
    assert load(wh, path) == 2
    assert "one member's limit (8 MiB)" in refused_line(capsys)
    monkeypatch.setattr(sources, "ZIP_MAX_MEMBER_BYTES", 1 << 30)
    monkeypatch.setattr(sources, "ZIP_MAX_TOTAL_BYTES", 16 << 20)
    assert load(wh, path) == 2
    assert "the archive's limit for all members (16 MiB)" in refused_line(capsys)


@pytest.mark.parametrize("fmt", ["zip", "csv"])
def test_two_files_that_would_land_as_one_sheet_are_refused_naming_both(fmt: str, tmp_path: Path,
                                                                       capsys) -> None:
    wh = tmp_path / "w.duckdb"
    good = export(tmp_path, "b2", 3, "zip", name="good")
    path = tmp_path / "twice.zip"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(path, "w") as dst:
        for m in src.infolist():
            dst.writestr(m.filename, src.read(m))
        dst.writestr("old/ki.csv", src.read("ki.csv")[:200])
    if fmt == "csv":  # a folder cannot hold two ki.csv: the same sheet twice by letter case
        folder = export(tmp_path, "b2", 3, "csv", name="folder")
        (folder / "KI.csv").write_bytes((folder / "ki.csv").read_bytes())
        path = folder
    assert load(wh, path) == 2
    err = refused_line(capsys)
    assert "two" in err and ("old/ki.csv" in err or "'KI' and 'ki'" in err)
    assert statuses(wh) == ["refused"]
    assert_refusal_logged(wh, path, err)


def test_an_export_with_only_the_main_sheet_names_what_is_missing(tmp_path: Path, capsys) -> None:
    sheets = make_sheets("b2", 3)
    main_only = {name: df for name, df in sheets.items() if name not in ("ki", "imw_nat", "ret_cty",
                                                                         "emi_cty", "int_in_origin",
                                                                         "int_out_dest")}
    path = export(tmp_path, "b2", 3, "csv", name="main_only", sheets=main_only)
    assert load(tmp_path / "w.duckdb", path) == 2
    err = refused_line(capsys)
    assert "sheet 'ki' of form b2 is missing" in err
    assert_refusal_logged(tmp_path / "w.duckdb", path, err)


def test_a_file_of_another_round_is_refused_by_its_submission_dates(tmp_path: Path, capsys) -> None:
    wh = tmp_path / "w.duckdb"
    b1_round3 = export(tmp_path, "b1", 3, name="b1_r3")  # B1 has no per-year fields to tell
    assert load(wh, b1_round3) == 0
    assert main(["--quiet", "load", str(b1_round3), "--round", "2", "--warehouse", str(wh)]) == 2
    err = refused_line(capsys)
    assert "wrong round? 5 of 5 submissions were sent between 2024-02-02 and 2024-02-06" in err
    assert "round 2's collection period (2023, with 31 days' margin)" in err and "_submission_time" in err
    assert_refusal_logged(wh, b1_round3, err)
    # a few late uploads are a warning, not a refusal
    sheets = make_sheets("b1", 3)
    main_sheet = next(iter(sheets))
    sheets[main_sheet].loc[0, "_submission_time"] = "2024-09-30T10:00:00"
    assert main(["load", str(export(tmp_path, "b1", 3, name="late", sheets=sheets)), "--round", "3",
                 "--warehouse", str(wh)]) == 0
    assert "1 of 5 submissions were sent between 2024-09-30 and 2024-09-30" in capsys.readouterr().err


def test_a_b2_with_the_rounds_years_but_another_rounds_dates_is_refused(tmp_path: Path, capsys) -> None:
    """B2's per-year fields are right for round 3, but it was sent in 2023 (round 2's period)."""
    wh = tmp_path / "w.duckdb"
    sheets = make_sheets("b2", 3)
    main_sheet = next(iter(sheets))
    sheets[main_sheet]["_submission_time"] = [f"2023-06-{day:02d}T10:00:00" for day in range(1, 6)]
    path = export(tmp_path, "b2", 3, name="b2_sent_2023", sheets=sheets)
    assert load(wh, path) == 2
    err = refused_line(capsys)
    assert "wrong round? 5 of 5 submissions were sent between 2023-06-01 and 2023-06-05" in err
    assert "round 3's collection period (February-April 2024, with 31 days' margin)" in err
    assert "b2_sent_2023.xlsx" in err and main_sheet in err and "_submission_time" in err
    assert_refusal_logged(wh, path, err)
    assert statuses(wh) == ["refused"]


HOLD_WAREHOUSE = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])
print("holding", flush=True)
time.sleep(300)
"""


def test_a_warehouse_held_by_another_process_is_busy_exit_3_and_no_log_row(tmp_path: Path, capsys) -> None:
    """While another process holds the working copy it cannot be opened, so no load_log row can be
    written: one line, exit 3 (a state that passes: try again), and the log as it was."""
    wh = tmp_path / "w.duckdb"
    good = export(tmp_path, "b2", 3, name="good")
    assert load(wh, export(tmp_path, "b1", 3, name="b1")) == 0
    before = snapshot(wh.with_name("w.work.duckdb"))
    holder = subprocess.Popen([sys.executable, "-c", HOLD_WAREHOUSE, str(wh.with_name("w.work.duckdb"))],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
        capsys.readouterr()
        assert main(["--quiet", "load", str(good), str(good), "--round", "3", "--warehouse", str(wh)]) == 3
    finally:
        holder.kill()
        holder.wait(timeout=30)
    err = refused_line(capsys)
    assert err.startswith(f"mtm load: file {wh.with_name('w.work.duckdb')}: another process "
                          f"(process {holder.pid}) is using the warehouse")
    assert "try again" in err
    assert snapshot(wh.with_name("w.work.duckdb")) == before  # load_log included: no row
    assert load(wh, good) == 0  # the holder was killed (-9): no stale lock, the same file loads
    assert statuses(wh) == ["loaded", "loaded"]
