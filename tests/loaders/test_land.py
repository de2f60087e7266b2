"""The landing rules of `mtm load` (issue 2), one test or more per rule."""

from __future__ import annotations

import hashlib
import json
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from loader_fixtures import PERSONAL_VALUES, export, make_sheets, snapshot

from mtm.cli.app import main
from mtm.core import forms
from mtm.loaders.raw import LINEAGE_COLUMNS, LOAD_LOG_COLUMNS

ROOT = Path(__file__).resolve().parents[2]
MAIN_B2 = forms.main_sheet_name("b2", 3)


def load(wh: Path, *args: str) -> int:
    return main(["--quiet", "load", *args, "--warehouse", str(wh)])


def query(wh: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(wh.with_name(f"{wh.stem}.work.duckdb")), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def working(wh: Path) -> Path:
    return wh.with_name(f"{wh.stem}.work.duckdb")


def log_rows(wh: Path) -> list[dict]:
    names = [n for n, _ in LOAD_LOG_COLUMNS]
    return [dict(zip(names, r, strict=True)) for r in query(
        wh, f"SELECT {', '.join(names)} FROM raw.load_log ORDER BY attempted_at, load_id")]


def without_log(snap: dict) -> dict:
    return {k: v for k, v in snap.items() if k != "raw.load_log"}


@pytest.fixture
def wh(tmp_path: Path) -> Path:
    return tmp_path / "w.duckdb"


@pytest.fixture(scope="module")
def loaded_b2(tmp_path_factory, exports) -> Path:
    """One warehouse with the round-3 B2 workbook landed (read-only use)."""
    w = tmp_path_factory.mktemp("wh") / "w.duckdb"
    assert load(w, str(exports["b2_r3_xlsx"]), "--round", "3") == 0
    return w


# ---------------------------------------------------------------- every row and column, as text

def test_every_row_and_column_lands_as_text_with_lineage(loaded_b2: Path, exports) -> None:
    sheets = make_sheets("b2", 3)
    for sheet, df in sheets.items():
        table = forms.table_name("b2", sheet)
        assert query(loaded_b2, f"SELECT count(*) FROM raw.{table}")[0][0] == len(df)
        cols = query(loaded_b2, "SELECT column_name, data_type FROM information_schema.columns "
                                f"WHERE table_schema='raw' AND table_name='{table}' ORDER BY ordinal_position")
        assert [c for c, _ in cols[:7]] == [n for n, _ in LINEAGE_COLUMNS]
        data = {c: t for c, t in cols[7:]}
        assert set(data.values()) == {"VARCHAR"}
        for path in df.columns:
            if not forms.is_personal(path):
                assert forms.raw_column_name(path) in data, (sheet, path)
    row = query(loaded_b2, "SELECT _round_id, _form, _file_name, _sheet_name, _source_row, _file_sha256, "
                           "loc__community_id, loc__households, _index, loc__aiyl_aimak "
                           "FROM raw.b2_main ORDER BY _source_row LIMIT 1")[0]
    assert row[:5] == (3, "b2", exports["b2_r3_xlsx"].name, MAIN_B2, 2)
    assert len(row[5]) == 64
    assert row[6:] == ("C00001", "3", "1", "aiyl_aimak_1")  # whole numbers without .0
    texts = query(loaded_b2, "SELECT imw__imw_nat__imw_n_2020 FROM raw.b2_imw_nat ORDER BY _source_row")
    assert (" 12 ",) in texts and ("-99",) in texts  # numbers-as-text verbatim, no trimming
    assert query(loaded_b2, "SELECT min(_source_row), max(_source_row) FROM raw.b2_ki")[0] == (2, 11)


def test_empty_cells_are_null(loaded_b2: Path) -> None:
    assert query(loaded_b2, "SELECT count(*) FROM raw.b2_main WHERE _notes IS NULL")[0][0] == 5
    assert query(loaded_b2, "SELECT count(*) FROM raw.b2_main WHERE _notes = ''")[0][0] == 0


def test_table_has_every_column_of_the_form_over_all_rounds(loaded_b2: Path) -> None:
    cols = {r[0] for r in query(loaded_b2, "SELECT column_name FROM information_schema.columns "
                                           "WHERE table_schema='raw' AND table_name='b2_ret_cty'")}
    assert "ret__ret_cty__ret_n_2024" in cols and "ret__ret_cty__ret_country_other" in cols


def test_csv_folder_and_zip_land_the_same_values_as_the_workbook(exports, tmp_path: Path) -> None:
    values = {}
    for fmt in ("xlsx", "csv", "zip"):
        w = tmp_path / f"{fmt}.duckdb"
        assert load(w, str(exports[f"b2_r3_{fmt}"]), "--round", "3") == 0
        values[fmt] = {t: query(w, f"SELECT * EXCLUDE (_load_id, _file_name, _file_sha256) FROM raw.{t} "
                                   "ORDER BY _source_row")
                       for t in ("b2_main", "b2_ki", "b2_imw_nat", "b2_int_out_dest")}
    assert values["xlsx"] == values["csv"] == values["zip"]
    assert query(tmp_path / "zip.duckdb", "SELECT DISTINCT _file_name FROM raw.b2_ki") == \
        [(f"{exports['b2_r3_zip'].name}!ki.csv",)]


# ---------------------------------------------------------------- load_log

def test_load_log_records_each_attempt(loaded_b2: Path, exports) -> None:
    cols = query(loaded_b2, "SELECT column_name FROM information_schema.columns "
                            "WHERE table_schema='raw' AND table_name='load_log' ORDER BY ordinal_position")
    assert [c for (c,) in cols] == [n for n, _ in LOAD_LOG_COLUMNS]
    (row,) = log_rows(loaded_b2)
    assert row["status"] == "loaded" and row["form"] == "b2" and row["round_id"] == 3
    assert row["file_path"] == str(exports["b2_r3_xlsx"].absolute())
    assert json.loads(row["rows_per_sheet"]) == {s: len(df) for s, df in make_sheets("b2", 3).items()}
    assert set(json.loads(row["personal_columns_dropped"])) == set(forms.PERSONAL_COLUMNS)
    assert json.loads(row["unknown_columns"]) == []
    assert query(loaded_b2, "SELECT DISTINCT _load_id FROM raw.b2_main") == [(row["load_id"],)]


def test_load_log_has_the_sha256_of_loaded_and_refused_files(tmp_path: Path, wh: Path, exports) -> None:
    def sha(*paths: Path) -> str:
        h = hashlib.sha256()
        for p in paths:
            h.update(p.read_bytes())
        return h.hexdigest()
    folder = exports["b2_r3_csv"]
    assert load(wh, str(folder), "--round", "3") == 0
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(exports["b2_r2_xlsx"].read_bytes()[:5000])
    assert load(wh, str(broken), "--round", "2") == 2
    loaded, refused = log_rows(wh)
    assert loaded["file_sha256"] == sha(*sorted(folder.glob("*.csv"), key=lambda f: f.name))
    assert refused["status"] == "refused" and refused["file_sha256"] == sha(broken)
    assert query(wh, "SELECT DISTINCT _file_sha256 FROM raw.b2_ki") == [(loaded["file_sha256"],)]


# ---------------------------------------------------------------- header checks

def test_missing_required_column_refuses_the_file(tmp_path: Path, wh: Path, exports, capsys) -> None:
    assert load(wh, str(exports["b1_r3_xlsx"]), "--round", "3") == 0
    before = snapshot(working(wh))
    sheets = make_sheets("b2", 3)
    sheets[MAIN_B2] = sheets[MAIN_B2].drop(columns=["loc/community_id"])
    bad = export(tmp_path, "b2", 3, name="no_id", sheets=sheets)
    capsys.readouterr()
    assert load(wh, str(bad), "--round", "3") == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "no_id.xlsx" in err and MAIN_B2 in err and "loc/community_id" in err and "row 1" in err
    assert without_log(snapshot(working(wh))) == without_log(before)
    last = log_rows(wh)[-1]
    assert last["status"] == "refused" and "loc/community_id" in last["message"]


def test_missing_parent_index_of_a_repeat_refuses(tmp_path: Path, wh: Path, capsys) -> None:
    sheets = make_sheets("b2", 3)
    sheets["ret_cty"] = sheets["ret_cty"].drop(columns=["_parent_index"])
    bad = export(tmp_path, "b2", 3, "csv", name="no_parent", sheets=sheets)
    assert load(wh, str(bad), "--round", "3") == 2
    err = capsys.readouterr().err
    assert "ret_cty" in err and "_parent_index" in err
    assert {r[0] for r in query(wh, "SELECT table_name FROM information_schema.tables "
                                    "WHERE table_schema='raw'")} == {"load_log"}


def test_missing_repeat_sheet_refuses_when_submissions_call_for_it(tmp_path: Path, wh: Path, capsys) -> None:
    sheets = make_sheets("b2", 3)
    sheets[MAIN_B2]["emi/emi_present"] = ["no", "yes", "no", "no", "no"]
    del sheets["emi_cty"]
    assert load(wh, str(export(tmp_path, "b2", 3, name="no_emi", sheets=sheets)), "--round", "3") == 2
    err = capsys.readouterr().err
    assert "emi_cty" in err and "1 submissions answered emi/emi_present = 'yes'" in err
    sheets = make_sheets("b2", 3)
    del sheets["ki"]  # key informants are always asked
    assert load(wh, str(export(tmp_path, "b2", 3, name="no_ki", sheets=sheets)), "--round", "3") == 2
    assert "'ki'" in capsys.readouterr().err


def test_an_absent_repeat_sheet_is_an_empty_repeat(tmp_path: Path, wh: Path, capsys) -> None:
    sheets = make_sheets("b2", 3)
    sheets[MAIN_B2]["emi/emi_present"] = ["no"] * 5
    del sheets["emi_cty"]
    assert load(wh, str(export(tmp_path, "b2", 3, name="no_emi", sheets=sheets)), "--round", "3") == 0
    assert query(wh, "SELECT count(*) FROM raw.b2_emi_cty")[0][0] == 0
    assert json.loads(log_rows(wh)[-1]["rows_per_sheet"])["emi_cty"] == 0


def test_unknown_columns_are_reported_and_never_written(tmp_path: Path, wh: Path, capsys) -> None:
    sheets = make_sheets("b2", 3)
    sheets["ki"]["ki/ki_remark"] = ["checked"] * (len(sheets["ki"]) - 1) + [None]
    sheets[MAIN_B2]["enumerator_phone"] = ["+996 700 000 001"] * 5
    sheets[MAIN_B2]["respondent_name"] = [PERSONAL_VALUES[0]] * 5  # the three by other names
    sheets["ki"]["ki/ki_phone_2"] = ["+996 555 000 002"] * len(sheets["ki"])
    sheets["Notes (team)"] = pd.DataFrame({"note": ["call back"], "Enumerator_Name": [PERSONAL_VALUES[0]]})
    path = export(tmp_path, "b2", 3, name="extra", sheets=sheets)
    assert main(["load", str(path), "--round", "3", "--warehouse", str(wh)]) == 0
    err = capsys.readouterr().err
    assert "warning" in err and "ki/ki_remark (9 non-empty cells)" in err and "Notes (team)" in err
    assert "enumerator_phone (5 non-empty cells)" in err and "respondent_name (5 non-empty cells)" in err
    assert f"ki/ki_phone_2 ({len(sheets['ki'])} non-empty cells)" in err
    columns = {r[0] for r in query(wh, "SELECT column_name FROM information_schema.columns "
                                       "WHERE table_schema = 'raw'")}
    assert not {"ki__ki_remark", "enumerator_phone", "respondent_name", "ki__ki_phone_2", "note"} & columns
    texts = " ".join(str(v) for (v,) in query(wh, "SELECT message || unknown_columns FROM raw.load_log"))
    assert "+996" not in texts and PERSONAL_VALUES[0] not in texts  # names of columns, never values
    assert not [t for (t,) in query(wh, "SELECT table_name FROM information_schema.tables") if "notes" in t]
    row = log_rows(wh)[-1]
    unknown = json.loads(row["unknown_columns"])
    assert row["status"] == "loaded" and "ki: ki/ki_remark (9 non-empty cells)" in unknown
    assert any(u.startswith("Notes (team): (whole sheet") for u in unknown)
    assert "Enumerator_Name" in json.loads(row["personal_columns_dropped"])


def test_headers_match_whatever_their_case_and_spaces(tmp_path: Path, wh: Path) -> None:
    sheets = make_sheets("b2", 3)
    sheets[MAIN_B2] = sheets[MAIN_B2].rename(columns={"loc/community_id": " LOC/Community_ID "})
    assert load(wh, str(export(tmp_path, "b2", 3, name="case", sheets=sheets)), "--round", "3") == 0
    assert query(wh, "SELECT count(loc__community_id) FROM raw.b2_main")[0][0] == 5


# ---------------------------------------------------------------- rounds

def test_wrong_round_is_refused(wh: Path, exports, capsys) -> None:
    assert load(wh, str(exports["b2_r2_xlsx"]), "--round", "3") == 2
    err = capsys.readouterr().err
    assert "wrong round" in err and "imw_nat" in err and "round 3" in err
    assert load(wh, str(exports["b2_r3_xlsx"]), "--round", "2") == 2
    assert "imw/imw_nat/imw_n_2024" in capsys.readouterr().err
    assert load(wh, str(exports["b2_r2_xlsx"]), "--round", "2") == 0
    assert [r["status"] for r in log_rows(wh)] == ["refused", "refused", "loaded"]


def test_round_missing_from_settings_is_refused(wh: Path, exports, capsys) -> None:
    assert load(wh, str(exports["b2_r3_xlsx"]), "--round", "9") == 2
    assert "round 9" in capsys.readouterr().err and "settings.csv" in log_rows(wh)[-1]["message"]


# ---------------------------------------------------------------- idempotence and superseding

def test_same_file_again_is_a_reported_no_op(wh: Path, exports, capsys) -> None:
    assert load(wh, str(exports["b2_r3_xlsx"]), "--round", "3") == 0
    before = without_log(snapshot(working(wh)))
    capsys.readouterr()
    assert load(wh, str(exports["b2_r3_xlsx"]), "--round", "3") == 0
    assert "duplicate, nothing changed" in capsys.readouterr().out
    assert without_log(snapshot(working(wh))) == before
    assert [r["status"] for r in log_rows(wh)] == ["loaded", "duplicate"]


def test_another_file_supersedes_and_old_rows_stay(wh: Path, exports) -> None:
    assert load(wh, str(exports["b2_r3_xlsx"]), "--round", "3") == 0
    assert load(wh, str(exports["b2_r3_csv"]), "--round", "3") == 0
    first, second = log_rows(wh)
    assert second["superseded_load_id"] == first["load_id"] and first["superseded_load_id"] is None
    counts = dict(query(wh, "SELECT _load_id, count(*) FROM raw.b2_main GROUP BY 1"))
    assert counts == {first["load_id"]: 5, second["load_id"]: 5}
    # a B1 file for the same round is another form: it supersedes nothing
    assert load(wh, str(exports["b1_r3_csv"]), "--round", "3") == 0
    assert log_rows(wh)[-1]["superseded_load_id"] is None


# ---------------------------------------------------------------- form recognition

def test_form_is_recognised_from_sheets_or_columns(tmp_path: Path, wh: Path, exports) -> None:
    assert load(wh, str(exports["b1_r3_xlsx"]), "--round", "3") == 0
    assert log_rows(wh)[-1]["form"] == "b1"
    renamed = {name.replace(forms.main_sheet_name("b1"), "Sheet1"): df
               for name, df in make_sheets("b1", 2).items()}
    assert load(wh, str(export(tmp_path, "b1", 2, name="renamed", sheets=renamed)), "--round", "2") == 0
    assert log_rows(wh)[-1]["form"] == "b1"
    assert query(wh, "SELECT count(*) FROM raw.b1_main WHERE _round_id = 2")[0][0] == 5


# ---------------------------------------------------------------- atomicity

def test_corrupt_or_truncated_workbook_is_refused(tmp_path: Path, wh: Path, exports, capsys) -> None:
    assert load(wh, str(exports["b1_r3_xlsx"]), "--round", "3") == 0
    before = without_log(snapshot(working(wh)))
    data = exports["b2_r3_xlsx"].read_bytes()
    truncated = tmp_path / "truncated.xlsx"
    truncated.write_bytes(data[: len(data) // 2])
    garbage = tmp_path / "garbage.xlsx"
    garbage.write_bytes(b"this is not a workbook" * 100)
    for bad in (truncated, garbage):
        assert load(wh, str(bad), "--round", "3") == 2
        err = capsys.readouterr().err
        assert bad.name in err and "corrupt" in err
    assert without_log(snapshot(working(wh))) == before
    assert [r["status"] for r in log_rows(wh)] == ["loaded", "refused", "refused"]


def test_refusal_in_a_later_sheet_rolls_back_the_earlier_sheets(tmp_path: Path, wh: Path) -> None:
    assert load(wh, str(export(tmp_path, "b2", 3, name="good")), "--round", "3") == 0
    before = without_log(snapshot(working(wh)))
    sheets = make_sheets("b2", 3, n=7)
    sheets["int_out_dest"] = sheets["int_out_dest"].drop(columns=["_index"])  # last sheet
    assert load(wh, str(export(tmp_path, "b2", 3, name="late_error", sheets=sheets)), "--round", "3") == 2
    assert without_log(snapshot(working(wh))) == before


@pytest.mark.parametrize(("fmt", "n"), [("csv", 2000), ("xlsx", 300)])
def test_a_load_killed_mid_transaction_leaves_the_warehouse_as_it_was(tmp_path: Path, wh: Path,
                                                                      fmt: str, n: int) -> None:
    assert load(wh, str(export(tmp_path, "b1", 3, name="b1")), "--round", "3") == 0
    assert load(wh, str(export(tmp_path, "b2", 3, name="first")), "--round", "3") == 0
    before = snapshot(working(wh))
    big = export(tmp_path, "b2", 3, fmt, name="big", n=n, per_parent=3)
    marker = tmp_path / "inside-transaction"
    proc = subprocess.Popen([sys.executable, str(Path(__file__).with_name("pausing_load.py")), str(marker),
                             "--quiet", "load", str(big), "--round", "3", "--warehouse", str(wh)], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not marker.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert marker.exists(), proc.stderr.read().decode() if proc.poll() is not None else "no pause"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert snapshot(working(wh)) == before
    # the warehouse still works: the same file loads afterwards
    assert load(wh, str(big), "--round", "3") == 0
    assert query(wh, "SELECT count(*) FROM raw.b2_main")[0][0] == 5 + n


# ---------------------------------------------------------------- personal data

def test_personal_data_never_reaches_any_table(tmp_path: Path, wh: Path, exports) -> None:
    exported = "".join(f.read_text(encoding="utf-8-sig") for f in exports["b2_r3_csv"].iterdir())
    assert all(v in exported for v in PERSONAL_VALUES)  # the files do carry personal data
    sheets = make_sheets("b2", 2)
    sheets["Team notes"] = pd.DataFrame({"_SUBMITTED_BY": [PERSONAL_VALUES[3]], "ok": ["x"]})
    for path, r in [(exports["b2_r3_xlsx"], "3"), (exports["b2_r3_csv"], "3"),
                    (exports["b1_r3_csv"], "3"), (exports["b2_r3_zip"], "3"),
                    (export(tmp_path, "b2", 2, name="extra", sheets=sheets), "2")]:
        assert load(wh, str(path), "--round", r) == 0
    ragged = export(tmp_path, "b1", 2, "csv", name="ragged")  # a refusal must not quote the bad line
    with (ragged / "villages.csv").open("a", encoding="utf-8") as fh:
        fh.write(";".join([PERSONAL_VALUES[1]] * 40) + "\n")
    assert load(wh, str(ragged), "--round", "2") == 2
    assert log_rows(wh)[-1]["status"] == "refused"
    con = duckdb.connect(str(working(wh)), read_only=True)
    try:
        text_cols = con.execute("SELECT table_schema, table_name, column_name FROM information_schema.columns "
                                "WHERE data_type = 'VARCHAR'").fetchall()
        assert len(text_cols) > 100
        by_table: dict[tuple[str, str], list[str]] = {}
        for s, t, c in text_cols:
            assert not forms.is_personal(c), f"personal column {s}.{t}.{c}"
            by_table.setdefault((s, t), []).append(c)
        for (s, t), cols in by_table.items():
            for c in cols:  # one query per column, every personal value at once
                hits = con.execute(
                    f'SELECT count(*) FROM "{s}"."{t}" WHERE '
                    + " OR ".join(f'contains("{c}", ?)' for _ in PERSONAL_VALUES),
                    list(PERSONAL_VALUES)).fetchone()[0]
                assert hits == 0, f"personal data found in {s}.{t}.{c}"
    finally:
        con.close()


# ---------------------------------------------------------------- bad cells and bad files

def test_bad_cells_never_crash_the_loader(tmp_path: Path, wh: Path) -> None:
    import datetime as dt

    sheets = make_sheets("b1", 3, n=4)
    main_name = forms.main_sheet_name("b1", 3)
    df = sheets[main_name].astype(object)
    df["ki_count"] = [True, dt.datetime(2024, 3, 14, 9, 21, 7), 2.5, "n/a"]
    df["assessment_date"] = [dt.date(2024, 3, 1), "2024-03-02", None, 1e20]
    sheets[main_name] = df
    assert load(wh, str(export(tmp_path, "b1", 3, name="cells", sheets=sheets)), "--round", "3") == 0
    got = query(wh, "SELECT ki_count, assessment_date FROM raw.b1_main ORDER BY _source_row")
    assert [g[0] for g in got] == ["true", "2024-03-14T09:21:07", "2.5", "n/a"]
    assert got[0][1].startswith("2024-03-01") and got[1][1] == "2024-03-02" and got[2][1] is None


def test_empty_rows_are_skipped_and_row_numbers_kept(tmp_path: Path, wh: Path) -> None:
    sheets = make_sheets("b1", 3, n=3)
    main_name = forms.main_sheet_name("b1", 3)
    df = sheets[main_name]
    blank = pd.DataFrame([[None] * df.shape[1]], columns=df.columns, dtype=object)
    sheets[main_name] = pd.concat([df.iloc[:1], blank, df.iloc[1:]], ignore_index=True)
    for fmt in ("xlsx", "csv"):
        w = tmp_path / f"{fmt}.duckdb"
        assert load(w, str(export(tmp_path, "b1", 3, fmt, name=f"blank_{fmt}", sheets=sheets)),
                    "--round", "3") == 0
        assert query(w, "SELECT _source_row, _index FROM raw.b1_main ORDER BY 1") == \
            [(2, "1"), (4, "2"), (5, "3")]


def test_broken_csv_is_refused_naming_file_and_row(tmp_path: Path, wh: Path, capsys) -> None:
    folder = export(tmp_path, "b1", 3, "csv", name="ragged")
    with (folder / "villages.csv").open("a", encoding="utf-8") as fh:
        fh.write("too;many;" * 40 + "\n")
    assert load(wh, str(folder), "--round", "3") == 2
    err = capsys.readouterr().err
    assert "ragged/villages.csv" in err and "row" in err
    latin = export(tmp_path, "b1", 3, "csv", name="latin")
    with (latin / "villages.csv").open("ab") as fh:
        fh.write("Ош;".encode("cp1251") * 22 + b"\n")
    assert load(wh, str(latin), "--round", "3") == 2
    err = capsys.readouterr().err
    assert "latin/villages.csv" in err and "utf-8" in err.lower() and "row 12" in err
    commas = export(tmp_path, "b1", 3, "csv", name="commas")
    text = (commas / "villages.csv").read_text(encoding="utf-8-sig").replace(";", ",")
    (commas / "villages.csv").write_text(text, encoding="utf-8")
    assert load(wh, str(commas), "--round", "3") == 2
    assert "';'-separated" in capsys.readouterr().err
    bad_zip = tmp_path / "bad.zip"
    bad_zip.write_bytes(b"PK\x03\x04 nope")
    assert load(wh, str(bad_zip), "--round", "3") == 2
    assert "bad.zip" in capsys.readouterr().err


def test_zip_with_a_folder_inside_loads(tmp_path: Path, wh: Path) -> None:
    folder = export(tmp_path, "b1", 3, "csv", name="inner")
    z = tmp_path / "nested.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for f in sorted(folder.iterdir()):
            zf.write(f, arcname=f"export/{f.name}")
    assert load(wh, str(z), "--round", "3") == 0
    assert query(wh, "SELECT count(*) FROM raw.b1_villages")[0][0] == 10


# ---------------------------------------------------------------- CLI behaviour

def test_progress_goes_to_stderr_and_quiet_silences_it(wh: Path, exports, capsys) -> None:
    assert main(["load", str(exports["b1_r3_xlsx"]), "--round", "3", "--warehouse", str(wh)]) == 0
    captured = capsys.readouterr()
    assert "raw.b1_villages" in captured.err and "loaded round 3 b1" in captured.out
    assert main(["--quiet", "load", str(exports["b1_r3_csv"]), "--round", "3", "--warehouse", str(wh)]) == 0
    assert capsys.readouterr().err == ""


def test_loads_go_to_the_working_copy_only(wh: Path, exports) -> None:
    assert load(wh, str(exports["b1_r3_xlsx"]), "--round", "3") == 0
    assert working(wh).exists() and not wh.exists()


def test_several_paths_each_load_and_a_refusal_does_not_stop_the_others(tmp_path: Path, wh: Path,
                                                                         exports, capsys) -> None:
    missing = tmp_path / "nope.xlsx"
    code = load(wh, str(missing), str(exports["b1_r3_xlsx"]), "--round", "3")
    assert code == 2 and "nope.xlsx" in capsys.readouterr().err
    assert [r["status"] for r in log_rows(wh)] == ["refused", "loaded"]


def test_forms_copy_is_identical_to_the_shared_forms() -> None:
    shared = ROOT.parent / "shared" / "bma-form"
    if not shared.is_dir():
        pytest.skip("../shared/bma-form is not there")
    ours = sorted(p.name for p in forms.FORMS_DIR.iterdir() if p.is_file())
    theirs = sorted(p.name for p in shared.iterdir() if p.is_file())
    assert ours == theirs
    for name in ours:
        assert (forms.FORMS_DIR / name).read_bytes() == (shared / name).read_bytes(), name


def test_warehouse_env_var_is_honoured(tmp_path: Path, exports, monkeypatch) -> None:
    target = tmp_path / "env" / "mtm.duckdb"
    monkeypatch.setenv("MTM_WAREHOUSE", str(target))
    assert main(["--quiet", "load", str(exports["b1_r3_xlsx"]), "--round", "3"]) == 0
    assert (target.parent / "mtm.work.duckdb").exists()
    shutil.rmtree(target.parent)


def test_a_new_round_needs_only_its_settings_row(tmp_path: Path, wh: Path, monkeypatch, capsys) -> None:
    forms_dir = tmp_path / "bma"
    shutil.copytree(forms.FORMS_DIR, forms_dir)
    with (forms_dir / "settings.csv").open("a", encoding="utf-8") as fh:
        fh.write("b2,bma_kgz_b2,BMA Kyrgyzstan B2 village assessment,r4,4,2021 2022 2023 2024,2023,October 2024\n")
    monkeypatch.setattr(forms, "FORMS_DIR", forms_dir)
    r4 = export(tmp_path, "b2", 4, name="r4")
    r3 = export(tmp_path, "b2", 3, name="r3")
    assert load(wh, str(r3), "--round", "4") == 2
    assert "wrong round" in capsys.readouterr().err
    assert load(wh, str(r4), "--round", "4") == 0
    assert query(wh, "SELECT count(*), count(imw__imw_nat__imw_n_2024), count(imw__imw_nat__imw_n_2020) "
                     "FROM raw.b2_imw_nat WHERE _round_id = 4")[0] == (10, 10, 0)


def test_rows_of_a_large_csv_keep_their_file_row_numbers(tmp_path: Path, wh: Path) -> None:
    folder = export(tmp_path, "b1", 3, "csv", name="large", n=3)
    cols = forms.sheet_columns("b1", "villages", 3)
    lines = [";".join(cols)]
    n = 300_000  # more than two DuckDB row groups
    for i in range(1, n + 1):
        row = ["" for _ in cols]
        row[cols.index("_index")], row[cols.index("_parent_index")] = str(i), str(1 + i % 3)
        row[cols.index("villages/est_imw")] = str(i % 17)
        lines.append(";".join(row))
        if i == 150_000:
            lines.append(";" * (len(cols) - 1))  # a blank row: skipped, numbering goes on
    (folder / "villages.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert load(wh, str(folder), "--round", "3") == 0
    bad = query(wh, "SELECT count(*) FROM raw.b1_villages WHERE _source_row <> "
                    "CAST(_index AS INTEGER) + 1 + CASE WHEN CAST(_index AS INTEGER) > 150000 THEN 1 ELSE 0 END")
    assert bad[0][0] == 0
    assert query(wh, "SELECT count(*) FROM raw.b1_villages")[0][0] == n
    assert json.loads(log_rows(wh)[-1]["rows_per_sheet"])["villages"] == n


def test_an_export_without_submissions_is_refused_unless_allowed(tmp_path: Path, wh: Path, exports,
                                                                  capsys) -> None:
    assert load(wh, str(exports["b2_r3_xlsx"]), "--round", "3") == 0
    before = without_log(snapshot(working(wh)))
    empty = export(tmp_path, "b2", 3, name="headers_only", n=0)
    capsys.readouterr()
    assert load(wh, str(empty), "--round", "3") == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "headers_only.xlsx" in err and "no submissions" in err
    assert without_log(snapshot(working(wh))) == before
    refused = log_rows(wh)[-1]
    assert (refused["status"], refused["file_name"]) == ("refused", "headers_only.xlsx")
    assert "no submissions" in refused["message"] and refused["message"] in err
    assert load(wh, str(empty), "--round", "3", "--allow-empty") == 0
    assert log_rows(wh)[-1]["status"] == "loaded"


def test_an_unregistered_round_names_the_export_given(wh: Path, exports, capsys) -> None:
    assert load(wh, str(exports["b2_r3_xlsx"]), "--round", "9") == 2
    err = capsys.readouterr().err
    assert exports["b2_r3_xlsx"].name in err and "given as round 9" in err
