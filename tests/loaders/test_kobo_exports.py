"""Every export KoboToolbox writes of B1 and B2 lands, and gives the known totals (issue 11).

The fixtures in ``tests/fixtures/kobo/`` were written by KoboToolbox's own export library
(formpack) from synthetic submissions with known totals (``expected.json``), by
``tools/kobo_fixtures.py``; this suite never needs formpack.

- The reference (XML values and headers, Kobo's defaults otherwise) is built with dbt and its
  marts are checked against the known totals.
- Every other layout (labels in three languages, groups on or off, any separator, select_multiple
  single/separate/both, typed or text, all versions) and the saved API pages must land the same
  answers as the reference, cell for cell.
- A labels export (Russian, groups in headers) with a Kyrgyz details-only B1 is built with dbt too:
  its marts equal the reference's, table by table.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import duckdb
import pytest

from mtm.cli.app import main
from mtm.core import forms
from mtm.loaders.land import load_export
from mtm.pipeline.build import run_dbt

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "kobo"
MANIFEST = json.loads((FIXTURES / "manifest.json").read_text(encoding="utf-8"))
EXPECTED = json.loads((FIXTURES / "expected.json").read_text(encoding="utf-8"))
REFERENCE = {
    "b2": "b2_r3__xml__groups-off__sep-slash__multi-both__text-on__versions-all.xlsx",
    "b1": "b1_r3__xml__groups-off__sep-slash__multi-both__text-on__versions-all.xlsx",
}
LABELS = {
    "b2": "b2_r3__label-ru__groups-on__sep-slash__multi-both__text-on__versions-all.xlsx",
    "b1": "b1_r3__label-ky__groups-on__sep-slash__multi-details__text-off__versions-latest.xlsx",
}
NO_INT_OUT = "b2_r3_no_int_out__label-en__groups-off__sep-slash__multi-both__text-on__versions-all.xlsx"
POPULATIONS = {"imw": "international_migrant_workers", "ret": "return_migrants", "emi": "emigrants",
               "int_in": "internal_migrants", "int_out": "internal_out_migrants"}
# Columns a layout legitimately writes differently: `start`/`end` lose their UTC offset when Kobo
# types dates ("store date and number responses as text" off); select_multiple columns exist
# only in the layouts that have them (the staging rule rebuilds the answer from either).
NOT_COMPARED = {"start", "end"}
XLSX = sorted(f["file"] for f in MANIFEST["files"] if f["file"].endswith(".xlsx") and f["round"] == 3
              and "no_int_out" not in f["file"])


def _built(tmp: Path, files: list[Path]) -> Path:
    """Load the files as round 3 into a new warehouse and build the models (tests excluded)."""
    wh = tmp / "w.duckdb"
    for f in files:
        assert main(["--quiet", "load", str(f), "--round", "3", "--warehouse", str(wh)]) == 0
    working = wh.with_name("w.work.duckdb")
    result = run_dbt(working, "build", "--quiet", "--no-use-colors", "--exclude-resource-type", "test",
                     "--exclude-resource-type", "unit_test")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    return working


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _built(tmp_path_factory.mktemp("kobo_ref"), [FIXTURES / REFERENCE["b2"], FIXTURES / REFERENCE["b1"]])


@pytest.fixture(scope="module")
def labels(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _built(tmp_path_factory.mktemp("kobo_labels"), [FIXTURES / LABELS["b2"], FIXTURES / LABELS["b1"]])


def _rows(db: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


# ---------------------------------------------------------------- the reference gives the known totals

def test_reference_marts_equal_the_known_totals(reference: Path) -> None:
    b2 = EXPECTED["b2"]
    persons = dict(_rows(reference, "SELECT population_group, persons FROM marts.national_population "
                                    "WHERE round_id = 3"))
    assert persons == {POPULATIONS[k]: v for k, v in b2["persons_total"].items()}
    assert _rows(reference, "SELECT count(*), sum(key_informants) FROM marts.communities WHERE round_id = 3") \
        == [(b2["communities"], b2["key_informants"])]
    assert _rows(reference, "SELECT sum(informants) FROM marts.key_informants WHERE round_id = 3") \
        == [(b2["key_informants"],)]
    unknown = dict(_rows(reference, "SELECT population_group, sum(unknown_answers) FROM "
                                    "marts.community_population WHERE round_id = 3 GROUP BY 1"))
    expected_unknown = {POPULATIONS[k]: sum(v.values()) for k, v in b2["unknown_answers"].items()}
    assert unknown == expected_unknown
    by_year = {(g, y): p for g, y, p in _rows(reference, "SELECT population_group, year, persons FROM "
                                                         "marts.population_by_year WHERE round_id = 3")}
    for k in ("imw", "ret", "emi"):
        for year, n in b2["persons"][k].items():
            assert by_year[(POPULATIONS[k], int(year))] == n
    # the not-approved submission and the superseded correction are not counted
    chosen = {u for (u,) in _rows(reference, "SELECT m._uuid FROM raw.b2_main m JOIN staging.stg_kobo__b2_submissions s "
                                             "ON s.submission_id = CAST(m._id AS BIGINT) WHERE s.is_valid")}
    assert chosen == set(b2["counted_submission_uuids"])
    b1 = EXPECTED["b1"]
    assert _rows(reference, "SELECT count(DISTINCT rayon_code) FROM marts.b1_coverage WHERE round_id = 3 "
                            "AND is_listed_by_b1") == [(b1["rayons"],)]
    assert _rows(reference, "SELECT count(*), count(flows) FROM staging.stg_kobo__b1_villages") \
        == [(b1["villages"], b1["villages"])]


# ---------------------------------------------------------------- every layout lands the same answers

def _answers(working: Path, form: str) -> dict[str, dict[tuple, dict[str, object]]]:
    """Per raw table of the form: row key (`_index`, or `_parent_index` and `_index`) -> the
    landed answers of the current load, numbers compared as numbers."""
    out: dict[str, dict[tuple, dict[str, object]]] = {}
    con = duckdb.connect(str(working), read_only=True)
    try:
        for key in [forms.MAIN, *forms.repeat_names(form)]:
            table = f"{form}_{key}"
            rel = con.sql(f"SELECT * FROM raw.{table}")
            names = [c for c in rel.columns if not c.startswith(("_load_id", "_round_id", "_form", "_file",
                                                                   "_sheet_name", "_source_row"))]
            rows = {}
            for values in rel.fetchall():
                row = dict(zip(rel.columns, values, strict=True))
                k = (row.get("_parent_index"), row["_index"])
                rows[k] = {n: _value(row[n]) for n in names if n not in NOT_COMPARED}
            out[key] = rows
    finally:
        con.close()
    return out


def _value(v: object) -> object:
    if v is None:
        return None
    try:
        f = float(str(v))
        return f if math.isfinite(f) else str(v)
    except ValueError:
        return str(v)


@pytest.fixture(scope="module")
def reference_answers(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    out = {}
    for form, name in REFERENCE.items():
        wh = tmp_path_factory.mktemp(f"answers_{form}") / "w.work.duckdb"
        load_export(FIXTURES / name, 3, wh)
        out[form] = _answers(wh, form)
    return out


def _same_answers(got: dict, want: dict, label: str) -> None:
    assert set(got) == set(want), label
    for sheet, rows in want.items():
        assert set(got[sheet]) == set(rows), f"{label} {sheet}: other rows"
        for k, answers in rows.items():
            mine = got[sheet][k]
            # a column only one of the two layouts has (select_multiple single/separate) is skipped
            shared = {c for c in answers if c in mine and (answers[c] is not None or mine[c] is not None)}
            only_one = {c for c in shared if (answers[c] is None) != (mine[c] is None)
                        and ("__flows" in c or c.endswith("__flows"))}
            diff = {c: (answers[c], mine[c]) for c in shared - only_one if answers[c] != mine[c]}
            assert not diff, f"{label} {sheet} row {k}: {diff}"


@pytest.mark.parametrize("name", XLSX)
def test_every_layout_lands_the_same_answers_as_the_xml_export(name: str, tmp_path: Path,
                                                               reference_answers: dict) -> None:
    form = name[:2]
    working = tmp_path / "w.work.duckdb"
    result = load_export(FIXTURES / name, 3, working)
    assert result.attempt.status == "loaded"
    assert not result.attempt.unknown_columns, result.attempt.unknown_columns
    _same_answers(_answers(working, form), reference_answers[form], name)


def test_saved_api_pages_land_the_same_answers(tmp_path: Path, reference_answers: dict) -> None:
    for form in ("b2", "b1"):
        folder = tmp_path / form
        folder.mkdir()
        for f in sorted((FIXTURES / "api").glob(f"{form}_page_*.json")):
            (folder / f.name).write_bytes(f.read_bytes())
        working = tmp_path / f"{form}.work.duckdb"
        result = load_export(folder, 3, working)
        assert result.attempt.form == form and not result.attempt.unknown_columns
        _same_answers(_answers(working, form), reference_answers[form], f"api {form}")


def test_a_label_that_matches_no_choice_is_kept_as_it_is(tmp_path: Path) -> None:
    from mtm.core import kobo_layout

    assert kobo_layout.code_of_select("b2", "oblast", "Чуйская область") == "chui"
    assert kobo_layout.code_of_select("b2", "oblast", "Чүй облусу") == "chui"
    assert kobo_layout.code_of_select("b2", "oblast", "chui") is None  # already a name
    assert kobo_layout.code_of_select("b2", "oblast", "Chuy region") is None  # kept as it is
    assert kobo_layout.codes_of_multiple("b1", "flow", "Высокий приток населения Высокий отток населения") \
        == "inflow outflow"
    assert kobo_layout.codes_of_multiple("b1", "flow", "High inflow Low tide") is None
    assert kobo_layout.code_of_validation_status("Not approved") == "validation_status_not_approved"


# ---------------------------------------------------------------- labels and XML: identical marts

PUBLIC_MARTS = ("communities", "community_population", "rayon_population", "oblast_population",
                "national_population", "population_by_country", "population_by_year", "reason_scores",
                "internal_migration", "internal_migration_reasons", "imw_stay_duration", "key_informants",
                "service_availability", "service_distance", "community_services", "b1_coverage",
                "flagged_answers", "unresolved_countries")


def _mart(db: Path, table: str) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        cols = [c for c in con.sql(f"SELECT * FROM marts.{table}").columns
                if not any(t in c for t in ("load_id", "file_name", "source_row", "sheet_name", "file_sha"))]
        return sorted(con.execute(f"SELECT {', '.join(cols)} FROM marts.{table}").fetchall(), key=repr)
    finally:
        con.close()


@pytest.mark.parametrize("table", PUBLIC_MARTS)
def test_a_labels_export_gives_the_same_marts_as_the_xml_export(table: str, reference: Path, labels: Path) -> None:
    assert _mart(labels, table) == _mart(reference, table)


def test_a_round_without_internal_out_migrants_has_no_int_out_sheet_and_loads(tmp_path: Path) -> None:
    working = _built(tmp_path, [FIXTURES / NO_INT_OUT])
    persons = dict(_rows(working, "SELECT population_group, persons FROM marts.national_population"))
    assert persons == {POPULATIONS[k]: v for k, v in EXPECTED["b2_no_int_out"]["persons_total"].items()}


# ---------------------------------------------------------------- Kobo's CSV export is refused

@pytest.mark.parametrize("name", sorted(f["file"] for f in MANIFEST["files"] if f["file"].endswith(".csv")))
def test_kobos_csv_export_is_refused_naming_the_repeat_groups(name: str, tmp_path: Path, capsys) -> None:
    wh = tmp_path / "w.duckdb"
    assert main(["--quiet", "load", str(FIXTURES / name), "--round", "3", "--warehouse", str(wh)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "Kobo's CSV export" in err and "XLS export" in err and name in err
    assert all(r in err for r in forms.repeat_names(name[:2]))
    assert _rows(wh.with_name("w.work.duckdb"), "SELECT status FROM raw.load_log") == [("refused",)]


def test_a_label_edited_by_hand_is_kept_as_written_and_flagged(tmp_path: Path, capsys) -> None:
    import pandas as pd
    from python_calamine import CalamineWorkbook

    from mtm.sample.kobo_export import write_export

    src = FIXTURES / LABELS["b2"]
    wb = CalamineWorkbook.from_path(str(src))
    sheets = {}
    for name in wb.sheet_names:
        rows = wb.get_sheet_by_name(name).to_python()
        sheets[name] = pd.DataFrame(rows[1:], columns=[str(c) for c in rows[0]], dtype=object)
    main_sheet = wb.sheet_names[0]
    oblast = next(c for c in sheets[main_sheet].columns if c.endswith("Область или город республиканского значения"))
    sheets[main_sheet].loc[0, oblast] = "Чуйская обл."  # typed by hand: no choice of the list
    edited = write_export(sheets, tmp_path / "edited.xlsx", "xlsx")
    wh = tmp_path / "w.duckdb"
    assert main(["load", str(edited), "--round", "3", "--warehouse", str(wh)]) == 0
    err = capsys.readouterr().err
    assert "column loc/oblast: 1 cells hold no choice of the list oblast (kept as written, flagged): " \
           "'Чуйская обл.'" in err
    kept = _rows(wh.with_name("w.work.duckdb"), "SELECT loc__oblast FROM raw.b2_main WHERE _source_row = 2")
    assert kept == [("Чуйская обл.",)]
    message = _rows(wh.with_name("w.work.duckdb"), "SELECT message FROM raw.load_log")[0][0]
    assert "kept as written, flagged" in message
