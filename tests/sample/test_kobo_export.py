"""sample.kobo_export writes Kobo-shaped workbooks, CSV folders and zips."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pandas as pd
import pytest
from python_calamine import CalamineWorkbook

from mtm.sample.kobo_export import write_export


@pytest.fixture(scope="module")
def sheets() -> dict[str, pd.DataFrame]:
    main = pd.DataFrame({"loc/community_id": ["C00001", " c00002 "],
                         "loc/households": pd.array([12, None], dtype="Int64"),
                         "messy": ["12", 7.5], "_index": [1, 2]})
    ki = pd.DataFrame({"ki/ki_sex": ["male", None], "_parent_index": [1.0, 2.0]})
    return {"BMA Kyrgyzstan B2 village asses": main, "ki": ki}


def test_xlsx_keeps_text_as_text_and_numbers_as_numbers(tmp_path: Path, sheets) -> None:
    out = write_export(sheets, tmp_path / "r.xlsx", "xlsx")
    wb = CalamineWorkbook.from_path(str(out))
    assert wb.sheet_names == list(sheets)
    rows = wb.get_sheet_by_name("BMA Kyrgyzstan B2 village asses").to_python()
    assert rows[0] == ["loc/community_id", "loc/households", "messy", "_index"]
    assert rows[1][:3] == ["C00001", 12, "12"]
    assert rows[2][0] == " c00002 " and rows[2][1] == "" and rows[2][2] == 7.5
    ki = wb.get_sheet_by_name("ki").to_python()
    assert ki[2][0] == "" and ki[2][1] == 2


def test_csv_folder_is_semicolon_utf8_bom(tmp_path: Path, sheets) -> None:
    out = write_export(sheets, tmp_path / "r_csv", "csv")
    raw = (out / "ki.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfki/ki_sex;_parent_index\n")
    assert raw.endswith(b"male;1\n;2\n")  # whole floats without .0, missing as empty
    main = (out / "BMA Kyrgyzstan B2 village asses.csv").read_text(encoding="utf-8-sig")
    assert main.splitlines()[2] == " c00002 ;;7.5;2"


def test_zip_holds_the_csv_sheets(tmp_path: Path, sheets) -> None:
    out = write_export(sheets, tmp_path / "r.zip", "zip")
    with zipfile.ZipFile(out) as zf:
        assert zf.namelist() == [f"{n}.csv" for n in sheets]
        assert zf.read("ki.csv").startswith(b"\xef\xbb\xbf")
    assert [p.name for p in tmp_path.iterdir()] == ["r.zip"]
