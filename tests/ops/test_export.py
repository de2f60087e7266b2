"""`mtm export`: every public mart, in Parquet, CSV, XLSX and HXL; the formula guard only where a
spreadsheet reads the file."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from mtm import cli
from mtm.core import warehouse
from mtm.publish import export, publish
from tests.ops.marts_fixture import make_marts

EVIL = '=cmd|"/c calc"!A1'


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> warehouse.WarehousePaths:
    root = tmp_path_factory.mktemp("export")
    wh = warehouse.resolve(root / "mtm.duckdb")
    make_marts(wh.working, evil_name=EVIL)
    con = duckdb.connect(str(wh.working))
    con.execute("insert into marts.communities values (3, 'C00003', '+1-2', 'village', 'x', '@SUM(A1)',"
                " 'KG-O', '\tTab', 1, 1), (3, 'C00004', '-5', 'village', 'x', chr(13) || 'cr', 'KG-O', 'ok', 1, 1)")
    con.close()
    publish.publish(wh)
    return wh


def mart_counts(wh: warehouse.WarehousePaths, round_id: int | None = None) -> dict[str, int]:
    con = duckdb.connect(str(wh.published), read_only=True)
    try:
        out = {}
        for table in export.public_marts(con):
            cols = [c for c, _ in export.columns_of(con, table)]
            where = (f" where round_id = {round_id} or round_id is null"
                     if round_id is not None and "round_id" in cols else "")
            out[table] = con.execute(f"select count(*) from marts.{table}{where}").fetchone()[0]
        return out
    finally:
        con.close()


def read_csv(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8-sig") as handle:
        return list(csv.reader(handle))


def test_parquet_has_every_mart_with_every_row(published, tmp_path: Path) -> None:
    files = [p for p in export.export(published, "parquet", tmp_path) if p.suffix == ".parquet"]
    counts = mart_counts(published)
    assert sorted(p.stem for p in files) == sorted(counts)
    for path in files:
        table = pq.read_table(path)
        assert table.num_rows == counts[path.stem]
    communities = pq.read_table(tmp_path / "communities.parquet").to_pydict()
    assert EVIL in communities["community_name"]  # Parquet keeps values exactly as they are


def test_csv_neutralises_formulas(published, tmp_path: Path) -> None:
    export.export(published, "csv", tmp_path)
    rows = read_csv(tmp_path / "communities.csv")
    header, data = rows[0], rows[1:]
    names = [r[header.index("community_name")] for r in data]
    rayons = [r[header.index("rayon_name")] for r in data]
    oblasts = [r[header.index("oblast_name")] for r in data]
    assert "'" + EVIL in names and EVIL not in names
    assert "'=HYPERLINK(\"http://x\")" in names
    assert "'+1-2" in names and "'-5" in names
    assert "'@SUM(A1)" in rayons and "'\rcr" in rayons
    assert "'\tTab" in oblasts
    assert "Kara-Suu" in rayons and "Bishkek city" in oblasts  # plain text is untouched
    every_cell = [cell for r in data for cell in r]
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in every_cell)


def test_csv_keeps_negative_numbers_as_numbers(published, tmp_path: Path) -> None:
    export.export(published, "csv", tmp_path)
    rows = read_csv(tmp_path / "population_by_year.csv")
    col = rows[0].index("pct_change_from_previous_year")
    assert "-12" in [r[col] for r in rows[1:]]  # a number cannot carry a formula (-12.5: whole per cent)


def test_hxl_second_row_tags(published, tmp_path: Path) -> None:
    files = export.export(published, "hxl", tmp_path)
    assert files[-1].name == "datapackage.json"
    files = files[:-1]
    assert all(p.name.endswith(".hxl.csv") for p in files)
    counts = mart_counts(published)
    for path in files:
        rows = read_csv(path)
        header, tags = rows[0], rows[1]
        assert len(tags) == len(header)
        assert all(t.startswith("#") and " " not in t for t in tags)
        assert len(rows) - 2 == counts[path.name.removesuffix(".hxl.csv")]
    oblast = read_csv(tmp_path / "oblast_population.hxl.csv")
    tag_of = dict(zip(oblast[0], oblast[1], strict=True))
    assert tag_of["oblast_code"] == "#adm1+code"
    assert tag_of["persons"].startswith("#affected")
    assert tag_of["pct_of_national"].startswith("#indicator+pct")
    assert tag_of["communities_assessed"].startswith("#indicator+num")
    by_country = read_csv(tmp_path / "population_by_country.hxl.csv")
    assert dict(zip(by_country[0], by_country[1], strict=True))["country_code"] == "#country+code"
    by_year = read_csv(tmp_path / "population_by_year.hxl.csv")
    assert dict(zip(by_year[0], by_year[1], strict=True))["year"] == "#date+year"


def test_round_filter(published, tmp_path: Path) -> None:
    export.export(published, "csv", tmp_path, round_id=2)
    counts = mart_counts(published, round_id=2)
    rows = read_csv(tmp_path / "communities.csv")
    assert {r[0] for r in rows[1:]} == {"2"}
    assert len(rows) - 1 == counts["communities"] == 2
    gaps = read_csv(tmp_path / "data_gap_scores.csv")  # no round_id: exported whole
    assert len(gaps) - 1 == counts["data_gap_scores"] == 1


def test_cli_export_and_unknown_round(published, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["--quiet", "export", "--format", "hxl", "--round", "3", "--out", str(tmp_path / "x"),
                     "--warehouse", str(published.published)])
    assert code == 0
    printed = capsys.readouterr().out.split()
    assert len(printed) == len(mart_counts(published)) + 1 and all(Path(p).exists() for p in printed)
    code = cli.main(["--quiet", "export", "--format", "csv", "--round", "9", "--out", str(tmp_path / "y"),
                     "--warehouse", str(published.published)])
    assert code == 2
    assert "round 9 is not in the published warehouse" in capsys.readouterr().err


def test_neutralise_unit() -> None:
    assert export.neutralise("=1+1") == "'=1+1"
    assert export.neutralise("plain") == "plain"
    assert export.neutralise(-3) == -3 and export.neutralise(False) == "false"
    assert export.hxl_tag("round_comparison", "persons_this_round", "BIGINT") == "#affected+ind+this_round"
    assert export.hxl_tag("x", "pct_same_rayon", "DOUBLE") == "#indicator+pct+pct_same_rayon"
    assert export.hxl_tag("population_by_year", "is_partial_year", "BOOLEAN") == "#status+is_partial_year"
    assert export.hxl_tag("population_by_year", "pct_change_from_previous_year", "DOUBLE").startswith("#indicator+pct")
    assert export.hxl_tag("data_gap_sources", "year_from", "INTEGER") == "#date+year+year_from"
    assert export.hxl_tag("key_informants", "ki_sex", "VARCHAR") == "#respondee+sex+code"
    assert export.hxl_tag("migration_estimates", "partner_country_code", "VARCHAR") == "#country+code+partner"
    assert export.hxl_tag("dim_oblasts", "label_ky", "VARCHAR") == "#adm1+name+i_ky"
    assert export.hxl_tag("communities", "households", "INTEGER") == "#population+hh"
