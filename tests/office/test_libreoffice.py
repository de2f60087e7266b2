"""LibreOffice (Debian's libreoffice-calc, headless) opens the CSV and XLSX exports as a spreadsheet
user would: Cyrillic names intact, and not one formula cell, even for values built to be formulas.

Installed by `make office` (part of `make test`); skipped, saying why, when `soffice` is absent.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import duckdb
import openpyxl
import pytest

from mtm.core import warehouse
from mtm.publish import export, publish
from tests.ops.marts_fixture import make_marts

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
pytestmark = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice is not installed: run `make office` "
                                "(apt-get install libreoffice-calc) to check the exports in a real spreadsheet")
EVIL = '=HYPERLINK("http://x","click")'
CYRILLIC = "Кара-Суу"


# CSV import as a user picks it: comma-separated, double-quoted, character set left to LibreOffice
# (0: detect; headless LibreOffice without any filter option reads the system's 8-bit set instead).
CSV_IMPORT = "CSV:44,34,0"


def open_in_libreoffice(files: list[Path], out: Path, profile: Path, infilter: str | None = None) -> None:
    """Let LibreOffice open each file and save it as XLSX into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        [SOFFICE, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
         *([f"--infilter={infilter}"] if infilter else []),
         "--convert-to", "xlsx", "--outdir", str(out), *map(str, files)],
        capture_output=True, text=True, timeout=180, check=False)
    assert result.returncode == 0, result.stderr[-2000:]


def cells(path: Path) -> list[openpyxl.cell.Cell]:
    book = openpyxl.load_workbook(path)
    return [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]


@pytest.fixture(scope="module")
def evil_warehouse(tmp_path_factory: pytest.TempPathFactory) -> warehouse.WarehousePaths:
    wh = warehouse.resolve(tmp_path_factory.mktemp("office") / "mtm.duckdb")
    make_marts(wh.working, evil_name=EVIL)
    con = duckdb.connect(str(wh.working))
    con.execute(f"insert into marts.communities values (3, 'C00003', '{CYRILLIC}', 'village', 'x', '-5+2',"
                " 'KG-O', '@SUM(A1)', 1, 1)")
    con.close()
    publish.publish(wh)
    return wh


def test_libreoffice_opens_csv_and_xlsx_with_cyrillic_and_no_formula(evil_warehouse, tmp_path: Path) -> None:
    export.export(evil_warehouse, "csv", tmp_path / "csv")
    export.export(evil_warehouse, "xlsx", tmp_path / "xlsx")
    profile = tmp_path / "lo-profile"
    open_in_libreoffice([tmp_path / "csv" / "communities.csv"], tmp_path / "from-csv", profile, CSV_IMPORT)
    open_in_libreoffice([tmp_path / "xlsx" / "mtm.xlsx"], tmp_path / "from-xlsx", profile)
    for converted in (tmp_path / "from-csv" / "communities.xlsx", tmp_path / "from-xlsx" / "mtm.xlsx"):
        seen = cells(converted)
        formulas = [c.coordinate for c in seen if c.data_type == "f"]
        assert formulas == [], (converted.name, formulas[:5])
        values = {str(c.value) for c in seen if c.value is not None}
        assert CYRILLIC in values, converted.name  # not garbled by the import
        assert any(EVIL in v for v in values), converted.name  # the text is there, as text
        assert not any(v.startswith("click") for v in values)  # the formula never ran
    book = openpyxl.load_workbook(tmp_path / "from-xlsx" / "mtm.xlsx")
    assert book.sheetnames[0] == "README" and "communities" in book.sheetnames
