"""Partner exports of the demo warehouse: Frictionless validates every folder, libhxl reads every HXL
file with hashtags of the HXL core schema, figures rounded as the report rounds them (exact in
Parquet), internal marts only on request, rows without a round kept and said so.

Speed: Frictionless reads Parquet (through pandas) and XLSX (through openpyxl) at about 2,500 rows a
second, so their data are validated on the small hand-made warehouse (every table and column type
the exporter meets) and the demo's descriptors for them as descriptors; CSV and HXL data of the
demo are validated in full. The XLSX and HXL checks use the round 3 export (a third of the rows)."""

from __future__ import annotations

import csv
import json
import re
import zipfile
from pathlib import Path

import duckdb
import frictionless
import hxl
import pyarrow.parquet as pq
import pytest
from hxl.input import InputOptions

from mtm.core import warehouse
from mtm.publish import export, publish
from tests.ops.marts_fixture import make_marts

# The hashtags of the HXL 1.1 core schema (hxlstandard.org, dictionary of hashtags).
HXL_CORE_HASHTAGS = frozenset({
    "#access", "#activity", "#adm1", "#adm2", "#adm3", "#adm4", "#adm5", "#affected", "#beneficiary",
    "#capacity", "#cause", "#channel", "#contact", "#country", "#crisis", "#currency", "#date",
    "#delivery", "#description", "#event", "#frequency", "#geo", "#group", "#impact", "#indicator",
    "#inneed", "#item", "#loc", "#meta", "#modality", "#need", "#operations", "#org", "#output",
    "#population", "#position", "#priority", "#reached", "#region", "#respondee", "#sector", "#service",
    "#severity", "#status", "#subsector", "#targeted", "#value",
})


def hxl_rows(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


@pytest.fixture(scope="module")
def exports(built_sample_warehouse: warehouse.WarehousePaths,
            tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every format of the demo warehouse, one folder each (CSV and Parquet of every round, HXL and
    XLSX of round 3)."""
    root = tmp_path_factory.mktemp("partner")
    for fmt in export.FORMATS:
        export.export(built_sample_warehouse, fmt, root / fmt, round_id=3 if fmt in ("hxl", "xlsx") else None)
    return {fmt: root / fmt for fmt in export.FORMATS}


@pytest.fixture(scope="module")
def small_exports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every format of the small hand-made warehouse."""
    root = tmp_path_factory.mktemp("small")
    wh = warehouse.resolve(root / "mtm.duckdb")
    make_marts(wh.working)
    publish.publish(wh)
    for fmt in export.FORMATS:
        export.export(wh, fmt, root / fmt)
    return {fmt: root / fmt for fmt in export.FORMATS}


def assert_valid(package: Path) -> None:
    report = frictionless.validate(str(package))
    problems = [(t.name, e.message) for t in report.tasks for e in t.errors][:5]
    assert report.valid, problems


@pytest.mark.parametrize("fmt", export.FORMATS)
def test_frictionless_validates_every_folder(exports: dict[str, Path], small_exports: dict[str, Path],
                                             fmt: str) -> None:
    package = exports[fmt] / "datapackage.json"
    if fmt in ("csv", "hxl"):
        assert_valid(package)  # the demo's data, every row
    else:
        assert frictionless.Package.validate_descriptor(str(package)).valid
        assert_valid(small_exports[fmt] / "datapackage.json")
    descriptor = json.loads(package.read_text(encoding="utf-8"))
    assert descriptor["licenses"] and descriptor["sources"]
    assert len(descriptor["sources"]) == 8  # the publisher and the seven loaded files, with SHA-256
    assert all(len(s["sha256"]) == 64 for s in descriptor["sources"][1:])
    assert all(f.get("description") for r in descriptor["resources"] for f in r["schema"]["fields"])
    assert all(r.get("description") for r in descriptor["resources"])


def test_hxl_files_parse_with_core_hashtags_and_valid_values(exports: dict[str, Path]) -> None:
    files = sorted(exports["hxl"].glob("*.hxl.csv"))
    assert len(files) >= 30
    seen: set[str] = set()
    options = InputOptions(allow_local=True)
    for path in files:
        data = hxl.data(str(path), options)
        rows = list(data)
        with open(path, newline="", encoding="utf-8") as handle:
            assert len(rows) == sum(1 for _ in csv.reader(handle)) - 2
        tags = {column.tag for column in data.columns}
        seen |= tags
        assert tags <= HXL_CORE_HASHTAGS, (path.name, tags - HXL_CORE_HASHTAGS)
        report = hxl.validate(hxl.data(str(path), options))  # libhxl's default schema: dates, numbers
        assert report["stats"]["error"] == 0, (path.name, [i["description"] for i in report["issues"]][:3])
    assert "#group" not in seen
    by_year = hxl_rows(exports["hxl"] / "population_by_year.hxl.csv")
    tags = dict(zip(by_year[0], by_year[1], strict=True))
    assert tags["year"] == "#date+year" and tags["is_partial_year"].startswith("#status")
    scores = hxl_rows(exports["hxl"] / "data_gap_mtm_scores.hxl.csv")
    tags = dict(zip(scores[0], scores[1], strict=True))
    assert tags["coverage_score"].startswith("#indicator+pct") and tags["coverage_score_with_mtm"].startswith(
        "#indicator+pct")
    by_country = hxl_rows(exports["hxl"] / "population_by_country.hxl.csv")
    code = by_country[0].index("country_code")
    assert "UNK" not in {row[code] for row in by_country[2:]}  # not an ISO code: left empty, name says Unknown


def test_spreadsheet_figures_are_rounded_as_the_report_and_parquet_is_exact(
        built_sample_warehouse, exports: dict[str, Path]) -> None:
    con = duckdb.connect(str(built_sample_warehouse.published), read_only=True)
    try:
        exact = con.execute("select round_id, population_group, pct_communities_reporting"
                            " from marts.national_population order by 1, 2").fetchall()
    finally:
        con.close()
    assert any(pct != round(pct) for _, _, pct in exact)  # the warehouse keeps unrounded shares
    with open(exports["csv"] / "national_population.csv", newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["pct_communities_reporting"] for r in rows] == [f"{pct:.0f}" for _, _, pct in exact]
    parquet = pq.read_table(exports["parquet"] / "national_population.parquet").to_pydict()
    assert parquet["pct_communities_reporting"] == [pct for _, _, pct in exact]
    with open(exports["csv"] / "reason_scores.csv", newline="", encoding="utf-8-sig") as handle:
        scores = [r["mean_score"] for r in csv.DictReader(handle) if r["mean_score"]]
    assert scores and all(len(s.split(".")[-1]) <= 1 for s in scores)


def test_csv_has_a_byte_order_mark_and_hxl_has_none(exports: dict[str, Path]) -> None:
    assert (exports["csv"] / "dim_oblasts.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert not (exports["hxl"] / "dim_oblasts.hxl.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert "Джалал-Абадская область" in (exports["csv"] / "dim_oblasts.csv").read_text(encoding="utf-8-sig")


def test_internal_marts_only_on_request(built_sample_warehouse, exports: dict[str, Path], tmp_path: Path) -> None:
    internal = {"flagged_answers", "quarantined_repeat_rows", "country_resolutions", "unresolved_countries"}
    assert not {p.name.removesuffix(".csv") for p in exports["csv"].glob("*.csv")} & internal
    files = export.export(built_sample_warehouse, "csv", tmp_path, include_internal=True)
    assert internal <= {p.name.removesuffix(".csv") for p in files}


def test_xlsx_has_a_readme_sheet_frozen_headers_and_no_formula(exports: dict[str, Path]) -> None:
    """Read from the workbook's XML (openpyxl takes half a minute for the demo's sheets)."""
    package = json.loads((exports["xlsx"] / "datapackage.json").read_text(encoding="utf-8"))
    with zipfile.ZipFile(exports["xlsx"] / "mtm.xlsx") as book:
        workbook = book.read("xl/workbook.xml").decode("utf-8")
        names = re.findall(r'<sheet name="([^"]+)"', workbook)
        assert names == ["README"] + [r["name"] for r in package["resources"]]
        sheets = sorted((n for n in book.namelist() if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n)),
                        key=lambda n: int(re.search(r"(\d+)", n.rsplit("/", 1)[1]).group(1)))
        assert len(sheets) == len(names)
        for name, part in zip(names[1:], sheets[1:], strict=True):
            xml = book.read(part).decode("utf-8")
            assert 'topLeftCell="A2"' in xml and 'state="frozen"' in xml, name
            assert "<f>" not in xml and "<f " not in xml, name  # not one formula cell
        strings = book.read("xl/sharedStrings.xml").decode("utf-8")
    assert "Джалал-Абадская область" in strings and "Жалал-Абад облусу" in strings
    assert "Percentages rounded to whole per cent" in strings  # the README sheet


def test_rows_without_a_round_are_kept_and_said(built_sample_warehouse, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    from mtm.core import progress

    was_quiet = progress._quiet
    progress.set_quiet(False)
    try:
        export.export(built_sample_warehouse, "csv", tmp_path, round_id=3)
    finally:
        progress.set_quiet(was_quiet)
    with open(tmp_path / "migration_estimates.csv", newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    without_round = [r for r in rows if r["round_id"] == ""]
    assert len(without_round) == 216
    assert {r["round_id"] for r in rows} == {"", "3"}
    assert "migration_estimates: kept 216 rows without a round" in capsys.readouterr().err
    package = json.loads((tmp_path / "datapackage.json").read_text(encoding="utf-8"))
    estimates = next(r for r in package["resources"] if r["name"] == "migration_estimates")
    assert "216 rows that belong to no round" in estimates["description"]
