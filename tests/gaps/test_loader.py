"""`mtm load-gaps`: lineage, idempotence, supersede, atomicity and clear errors (docs/gap-workbook.md)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import pytest
import xlsxwriter

from mtm import cli
from mtm.core import warehouse
from mtm.core.errors import InputError
from mtm.loaders.gaps import load_gap_workbook, read_workbook
from tests.gaps import tiny_workbook as tw

KGZ_WORKBOOK = tw.PROJECT_DIR / "data" / "gaps" / "kgz_2024.xlsx"
KGZ_SOURCE = tw.PROJECT_DIR / "data" / "gaps" / "kgz_2024"


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tw.tiny_workbook(tmp_path_factory.mktemp("gapwb"))


def _rows(working: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(working), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _snapshot(working: Path) -> dict[str, list[tuple]]:
    """Every raw gap table's rows, sorted (the load_log aside)."""
    con = duckdb.connect(str(working), read_only=True)
    try:
        tables = [r[0] for r in con.execute("select table_name from information_schema.tables "
                                            "where table_schema = 'raw' and table_name like 'gap_%'").fetchall()]
        return {t: sorted(map(repr, con.execute(f"select * from raw.{t}").fetchall())) for t in tables}
    finally:
        con.close()


def test_rows_land_as_text_with_lineage(tiny: Path, tmp_path: Path) -> None:
    working = tmp_path / "w.work.duckdb"
    result = load_gap_workbook(tiny, working, country="KGZ")
    assert result.attempt.status == "loaded" and result.country_code == "KGZ"
    sha = hashlib.sha256(tiny.read_bytes()).hexdigest()
    rows = _rows(working, "select _load_id, _round_id, _form, _file_name, _file_sha256, _sheet_name, "
                          "_source_row, _country_code, measure, breakdown, year, status, source_ids "
                          "from raw.gap_availability order by _sheet_name, _source_row")
    assert len(rows) == len(tw.AVAILABILITY)
    assert {r[:5] for r in rows} == {(result.attempt.load_id, None, "gaps", "tiny.xlsx", sha)}
    assert {r[7] for r in rows} == {"KGZ"}
    first_immigration = next(r for r in rows if r[5] == "immigration")
    # marker row 1, header row 2: the first data row is spreadsheet row 3; numbers land as text
    assert first_immigration[6] == 3
    assert first_immigration[8:] == ("stock", "total", "2020", "available", "nsc; desa")
    types = dict(_rows(working, "select column_name, data_type from information_schema.columns "
                                "where table_schema = 'raw' and table_name = 'gap_availability'"))
    assert types["_round_id"] == "INTEGER" and types["_source_row"] == "INTEGER" and types["year"] == "VARCHAR"
    assert _rows(working, "select count(*) from raw.gap_sources")[0][0] == sum(map(len, tw.SOURCES.values()))
    assert _rows(working, "select count(*) from raw.gap_estimates")[0][0] == len(tw.ESTIMATES)
    log = _rows(working, "select status, form, round_id, file_sha256, rows_per_sheet from raw.load_log")
    assert log[0][:4] == ("loaded", "gaps", None, sha) and '"immigration": 6' in log[0][4]  # 4 availability + 2 sources rows


def test_same_file_twice_is_a_duplicate_and_changes_nothing(tiny: Path, tmp_path: Path) -> None:
    working = tmp_path / "w.work.duckdb"
    first = load_gap_workbook(tiny, working)
    before = _snapshot(working)
    again = load_gap_workbook(tiny, working)
    assert again.attempt.status == "duplicate" and first.attempt.load_id in again.attempt.message
    assert _snapshot(working) == before
    assert _rows(working, "select status from raw.load_log order by attempted_at") == [("loaded",), ("duplicate",)]


def test_another_file_supersedes_and_keeps_the_old_rows(tiny: Path, tmp_path: Path) -> None:
    working = tmp_path / "w.work.duckdb"
    first = load_gap_workbook(tiny, working)
    changed = [r if r[:4] != ("emigration", "stock", "total", 2021) else (*r[:4], tw.A, *r[5:])
               for r in tw.AVAILABILITY]
    second_file = tw.tiny_workbook(tmp_path, "tiny_v2", availability=changed)
    second = load_gap_workbook(second_file, working)
    assert second.attempt.status == "loaded" and second.attempt.superseded_load_id == first.attempt.load_id
    counts = dict(_rows(working, "select _load_id, count(*) from raw.gap_availability group by 1"))
    assert counts == {first.attempt.load_id: len(tw.AVAILABILITY), second.attempt.load_id: len(tw.AVAILABILITY)}


def test_corrupt_workbook_is_refused_logged_and_changes_nothing(tiny: Path, tmp_path: Path) -> None:
    working = tmp_path / "w.work.duckdb"
    load_gap_workbook(tiny, working)
    before = _snapshot(working)
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(tiny.read_bytes()[:2000])
    with pytest.raises(InputError, match="not a readable .xlsx workbook") as err:
        load_gap_workbook(broken, working)
    assert err.value.file == "broken.xlsx"
    assert _snapshot(working) == before
    assert _rows(working, "select status, file_name from raw.load_log order by attempted_at")[-1] == \
        ("refused", "broken.xlsx")


def _variant(tmp_path: Path, name: str, **overrides) -> Path:
    return tw.tiny_workbook(tmp_path, name, **overrides)


def _replace(rows, key, **changes):
    fields = ("area", "measure", "breakdown", "year", "status", "silent", "nearest", "ids")
    out = []
    for r in rows:
        if r[:4] == key:
            d = dict(zip(fields, r, strict=True))
            d.update(changes)
            r = tuple(d[f] for f in fields)
        out.append(r)
    return out


ROW_OF_EMIGRATION_2021 = 4  # marker, header, 2020, 2021


@pytest.mark.parametrize(("name", "changes", "column", "message"), [
    ("bad_status", {"status": "mostly"}, "status", "'mostly' is not one of available, partial, not_available"),
    ("bad_breakdown", {"breakdown": "shoe_size"}, "breakdown", "not a breakdown code"),
    ("bad_year", {"year": "twenty"}, "year", "is not a year"),
    ("silent_without_year", {"silent": "yes"}, "nearest_evidence_year", "report_silent is yes"),
    ("unknown_source", {"ids": "mol; nowhere"}, "source_ids", "'nowhere' is not in this sheet's sources"),
])
def test_bad_cell_is_refused_naming_sheet_column_row(tiny: Path, tmp_path: Path, name: str, changes: dict,
                                                      column: str, message: str) -> None:
    working = tmp_path / "w.work.duckdb"
    load_gap_workbook(tiny, working)
    before = _snapshot(working)
    bad = _variant(tmp_path, name, availability=_replace(tw.AVAILABILITY, ("emigration", "stock", "total", 2021),
                                                         **changes))
    with pytest.raises(InputError) as err:
        load_gap_workbook(bad, working)
    e = err.value
    assert (e.file, e.sheet, e.column, e.row) == (f"{name}.xlsx", "emigration", column, ROW_OF_EMIGRATION_2021)
    assert message in str(e)
    assert str(e).startswith(f"file {name}.xlsx, sheet 'emigration', column '{column}', row 4: ")
    assert _snapshot(working) == before
    assert _rows(working, "select status from raw.load_log order by attempted_at")[-1] == ("refused",)


def test_missing_year_and_duplicate_rows_are_refused(tmp_path: Path) -> None:
    missing = [r for r in tw.AVAILABILITY if r[:4] != ("emigration", "stock", "total", 2021)]
    with pytest.raises(InputError, match="no row for 2021") as err:
        read_workbook(_variant(tmp_path, "missing_year", availability=missing))
    assert (err.value.sheet, err.value.column) == ("emigration", "year")
    doubled = [*tw.AVAILABILITY, ("emigration", "stock", "total", 2021, tw.P, "no", "", "")]
    with pytest.raises(InputError, match="already has a row") as err:
        read_workbook(_variant(tmp_path, "doubled", availability=doubled))
    assert err.value.sheet == "emigration"


def test_country_mismatch_and_bad_estimate_are_refused(tiny: Path, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="--country KAZ but the workbook is for KGZ") as err:
        read_workbook(tiny, country="KAZ")
    assert (err.value.sheet, err.value.column, err.value.row) == ("about", "value", 2)
    bad = [*tw.ESTIMATES[:1], ("e2", "emigrant_stock", "RUS", "total", 2020, "2020", "lots", "persons", "mol", "d")]
    with pytest.raises(InputError, match="'lots' is not a number") as err:
        read_workbook(_variant(tmp_path, "bad_estimate", estimates=bad))
    assert (err.value.sheet, err.value.column, err.value.row) == ("estimates", "value", 3)


def test_missing_area_sheet_and_missing_column_are_refused(tmp_path: Path) -> None:
    only_about = tmp_path / "only_about.xlsx"
    wb = xlsxwriter.Workbook(str(only_about))
    ws = wb.add_worksheet("about")
    for i, (f, v) in enumerate([("field", "value"), *tw.ABOUT]):
        ws.write_string(i, 0, f)
        ws.write_string(i, 1, v)
    wb.close()
    with pytest.raises(InputError, match="sheet is missing") as err:
        read_workbook(only_about)
    assert err.value.sheet == "immigration"
    no_status = tmp_path / "no_status.xlsx"
    wb = xlsxwriter.Workbook(str(no_status))
    ws = wb.add_worksheet("about")
    for i, (f, v) in enumerate([("field", "value"), *tw.ABOUT]):
        ws.write_string(i, 0, f)
        ws.write_string(i, 1, v)
    for area in tw.AREAS:
        ws = wb.add_worksheet(area)
        ws.write_string(0, 0, "availability")
        for j, c in enumerate(["measure", "breakdown", "year", "evidence"]):
            ws.write_string(1, j, c)
        ws.write_string(3, 0, "sources")
        for j, c in enumerate(["source_id", "source", "data_source_type", "publicly_available"]):
            ws.write_string(4, j, c)
    wb.close()
    with pytest.raises(InputError, match="required column is missing") as err:
        read_workbook(no_status)
    assert (err.value.sheet, err.value.column, err.value.row) == ("immigration", "status", 2)


def test_cli_loads_and_refuses_with_one_line(tiny: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    published = tmp_path / "w.duckdb"
    assert cli.main(["--quiet", "load-gaps", str(tiny), "--country", "KGZ", "--warehouse", str(published)]) == 0
    assert "loaded gap workbook of KGZ" in capsys.readouterr().out
    assert cli.main(["--quiet", "load-gaps", str(tiny), "--warehouse", str(published)]) == 0
    assert "duplicate, nothing changed" in capsys.readouterr().out
    assert cli.main(["--quiet", "load-gaps", str(tiny), "--country", "UZB", "--warehouse", str(published)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("mtm load-gaps: file tiny.xlsx, sheet 'about'")
    assert warehouse.resolve(published).working.exists() and not published.exists()


def test_kyrgyzstan_workbook_covers_every_area_and_year(tmp_path: Path) -> None:
    wb = read_workbook(KGZ_WORKBOOK, country="KGZ")
    areas = {t.sheet for t in wb.availability}
    assert areas == set(tw.AREAS)
    for table in wb.availability:
        indicators: dict[tuple[str, str], set[int]] = {}
        for _, r in table.rows:
            indicators.setdefault((r["measure"], r["breakdown"]), set()).add(int(r["year"]))
        assert indicators and all(years == set(range(2018, 2024)) for years in indicators.values()), table.sheet
        assert all((r["evidence"] or "").strip() for _, r in table.rows)
    assert not wb.unknown_columns and wb.estimates is not None and len(wb.estimates.rows) > 100


def test_kyrgyzstan_workbook_is_built_from_its_csv_source(tmp_path: Path) -> None:
    rebuilt = tw.build_workbook(KGZ_SOURCE, tmp_path / "kgz_2024.xlsx")
    assert rebuilt.read_bytes() == KGZ_WORKBOOK.read_bytes()


def test_failure_mid_load_rolls_back_every_table(tiny: Path, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    working = tmp_path / "w.work.duckdb"
    load_gap_workbook(tiny, working)
    before = _snapshot(working)
    from mtm.loaders import gaps

    real_insert = gaps._insert
    calls = {"n": 0}

    def failing_insert(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 5:  # about, then two areas' tables have been written in the transaction
            raise RuntimeError("disk full (simulated)")
        return real_insert(*args, **kwargs)

    monkeypatch.setattr(gaps, "_insert", failing_insert)
    changed = _variant(tmp_path, "changed", availability=_replace(
        tw.AVAILABILITY, ("emigration", "stock", "total", 2021), status=tw.A))
    with pytest.raises(RuntimeError, match="disk full"):
        load_gap_workbook(changed, working)
    assert calls["n"] == 5 and _snapshot(working) == before
    assert _rows(working, "select status, message from raw.load_log order by attempted_at")[-1] == \
        ("refused", "RuntimeError: disk full (simulated)")
