"""How raw stores a landed sheet: rows in raw.<table>__rows, per-sheet lineage once in
raw.load_sheets, and the view raw.<table> that puts the whole lineage back on every row
(docs/architecture.md "Raw schema contract")."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
from loader_fixtures import export, make_sheets

from mtm.cli.app import main
from mtm.core import forms
from mtm.loaders.raw import LINEAGE_COLUMNS, ROW_LINEAGE_COLUMNS, ROWS_SUFFIX

LINEAGE = [n for n, _ in LINEAGE_COLUMNS]


def _load(wh: Path, path: Path, round_id: int) -> None:
    assert main(["--quiet", "load", str(path), "--round", str(round_id), "--warehouse", str(wh)]) == 0


def _work(wh: Path) -> Path:
    return wh.with_name(f"{wh.stem}.work.duckdb")


def _query(wh: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(_work(wh)), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def _relations(wh: Path) -> dict[str, str]:
    return dict(_query(wh, "SELECT table_name, table_type FROM information_schema.tables "
                           "WHERE table_schema = 'raw'"))


def _columns(wh: Path, table: str) -> list[str]:
    return [r[0] for r in _query(wh, "SELECT column_name FROM information_schema.columns WHERE "
                                     "table_schema = 'raw' AND table_name = ? ORDER BY ordinal_position",
                                 [table])]


def test_rows_store_row_lineage_and_the_view_gives_the_whole_lineage(tmp_path: Path, exports) -> None:
    wh = tmp_path / "w.duckdb"
    _load(wh, exports["b2_r3_csv"], 3)
    _load(wh, exports["b2_r2_xlsx"], 2)
    relations = _relations(wh)
    log = {r[0]: r[1:] for r in _query(wh, "SELECT load_id, round_id, form, file_sha256, rows_per_sheet "
                                           "FROM raw.load_log")}
    assert len(log) == 2
    for sheet in make_sheets("b2", 3):
        table = forms.table_name("b2", sheet)
        assert relations[table] == "VIEW" and relations[table + ROWS_SUFFIX] == "BASE TABLE"
        stored = _columns(wh, table + ROWS_SUFFIX)
        assert stored[:2] == [n for n, _ in ROW_LINEAGE_COLUMNS]
        assert not set(LINEAGE) - {n for n, _ in ROW_LINEAGE_COLUMNS} & set(stored)
        assert _columns(wh, table)[:7] == LINEAGE and _columns(wh, table)[7:] == stored[2:]
        # every stored row appears once in the view, with the round, form and hash of its load
        assert _query(wh, f"SELECT count(*) FROM raw.{table}") == \
            _query(wh, f"SELECT count(*) FROM raw.{table}{ROWS_SUFFIX}")
        for load_id, round_id, form, sha, file_name, sheet_name in _query(
                wh, f"SELECT DISTINCT _load_id, _round_id, _form, _file_sha256, _file_name, _sheet_name "
                    f"FROM raw.{table}"):
            assert (round_id, form, sha) == log[load_id][:3]
            assert sheet_name in json.loads(log[load_id][3])
            assert file_name.endswith(".xlsx") if round_id == 2 else file_name.endswith(f"/{sheet_name}.csv")
    # raw.load_sheets: one row per sheet of each load, with the rows the log reports
    for load_id, (*_, per_sheet) in log.items():
        got = dict(_query(wh, "SELECT sheet_name, rows_landed FROM raw.load_sheets WHERE load_id = ?",
                          [load_id]))
        assert got == json.loads(per_sheet)


def test_two_sheets_holding_the_same_repeat_are_refused_naming_both(tmp_path: Path, capsys) -> None:
    wh = tmp_path / "w.duckdb"
    sheets = make_sheets("b2", 3)
    sheets["ki (copy)"] = sheets["ki"].copy()
    path = export(tmp_path, "b2", 3, name="twice", sheets=sheets)
    assert main(["--quiet", "load", str(path), "--round", "3", "--warehouse", str(wh)]) == 2
    err = capsys.readouterr().err
    assert "two sheets hold the same sheet of form b2 (ki): 'ki' and 'ki (copy)'" in err
    assert _query(wh, "SELECT status FROM raw.load_log") == [("refused",)]
