"""mtm sample: synthetic rounds whose round 3 reproduces every published figure, messes included.

The figures are computed by an independent plain-pandas reading of the written files
(``independent_reading.py``), never by the warehouse's code.
"""

from __future__ import annotations

import re
from pathlib import Path

import independent_reading as ir
import pandas as pd
import pytest
from python_calamine import CalamineWorkbook

from mtm.cli.app import main as mtm_main
from mtm.core import forms
from mtm.sample.generator import DEFAULT_SEED, generate_round
from mtm.sample.kobo_export import write_export

B2_MAIN = forms.main_sheet_name("b2", 3)
CYRILLIC = re.compile("[\u0400-\u04ff]")


@pytest.fixture(scope="module")
def out_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("sample")
    assert mtm_main(["sample", "--quiet", "--round", "3", "--out", str(d / "messy")]) == 0
    assert mtm_main(["sample", "--quiet", "--round", "3", "--out", str(d / "messy_csv"), "--format", "csv"]) == 0
    assert mtm_main(["sample", "--quiet", "--round", "3", "--out", str(d / "clean"), "--format", "csv",
                     "--clean"]) == 0
    return d


@pytest.fixture(scope="module")
def messy(out_dir: Path) -> dict[str, pd.DataFrame]:
    return ir.read_xlsx(out_dir / "messy" / "bma_r3_b2.xlsx")


@pytest.fixture(scope="module")
def clean(out_dir: Path) -> dict[str, pd.DataFrame]:
    return ir.read_csv_folder(out_dir / "clean" / "bma_r3_b2")


# --------------------------------------------------------------------------- the published figures

def test_the_seed_is_well_formed() -> None:
    rows = ir.seed_rows()
    assert len(rows) > 250
    assert len({r["figure_id"] for r in rows}) == len(rows)
    assert {r["rounding"] for r in rows} <= {"exact", "integer_percent", "one_decimal", "less_than_1", "more_than"}
    totals = {r["population_group"]: float(r["value"]) for r in rows if r["dimension"] == "total"}
    assert totals == {"international_migrant_workers": 34966, "return_migrants": 128661, "emigrants": 227629,
                      "internal_migrants": 44391, "internal_out_migrants": 48805}


def test_messy_round3_reproduces_every_published_figure(messy) -> None:
    assert ir.mismatches(messy) == []


def test_clean_round3_reproduces_every_published_figure(clean) -> None:
    assert ir.mismatches(clean) == []


def test_another_seed_reproduces_them_too(tmp_path: Path) -> None:
    sheets = generate_round(3, seed=7)["b2"]
    write_export(sheets, tmp_path / "b2", "csv")
    assert ir.mismatches(ir.read_csv_folder(tmp_path / "b2")) == []


def test_headline_figures_are_exact(messy) -> None:
    f = ir.figures(messy)
    assert f[("", "communities_assessed", "")] == 999
    assert f[("", "rayons_assessed", "")] == 45
    assert f[("", "key_informants", "")] == 1159
    assert f[("emigrants", "country_persons", "RUS")] == 207098
    assert f[("international_migrant_workers", "communities_reporting", "")] == 321
    assert f[("", "distance_band_households", "employment_center|over 25 km")] == 132095


# --------------------------------------------------------------------------- determinism, files, columns

def test_deterministic_for_a_seed(out_dir: Path, messy) -> None:
    again = ir.read_csv_folder(out_dir / "messy_csv" / "bma_r3_b2")
    assert sorted(again) == sorted(messy)
    for name, df in messy.items():
        pd.testing.assert_frame_equal(again[name].reset_index(drop=True), df.reset_index(drop=True),
                                      check_dtype=False)


def test_a_different_seed_gives_different_rows() -> None:
    a = generate_round(1, seed=DEFAULT_SEED)["b2"]["ret_cty"]
    b = generate_round(1, seed=DEFAULT_SEED + 1)["b2"]["ret_cty"]
    assert not a.equals(b)


def test_file_names_and_sheets(out_dir: Path) -> None:
    assert sorted(p.name for p in (out_dir / "messy").iterdir()) == ["bma_r3_b1.xlsx", "bma_r3_b2.xlsx"]
    assert sorted(p.name for p in (out_dir / "clean").iterdir()) == ["bma_r3_b1", "bma_r3_b2"]
    wb = CalamineWorkbook.from_path(str(out_dir / "messy" / "bma_r3_b2.xlsx"))
    assert wb.sheet_names == forms.expected_sheets("b2", 3)


@pytest.mark.parametrize("round_id", [1, 2, 3])
def test_columns_and_years_follow_the_form_and_settings(round_id: int) -> None:
    out = generate_round(round_id, clean=True)
    for form in ("b2", "b1"):
        expected = forms.expected_columns(form, round_id)
        assert list(out[form]) == list(expected)
        for sheet, cols in expected.items():
            assert list(out[form][sheet].columns) == cols
    main = out["b2"][forms.main_sheet_name("b2", round_id)]
    years = forms.reference_years("b2", round_id)
    assert [int(c.rsplit("_", 1)[1]) for c in out["b2"]["ret_cty"].columns if "_n_" in c] == list(years)
    assert set(main["int_in/int_in_ref_year"]) == {forms.internal_reference_year("b2", round_id)}
    assessed_years = {d[:4] for d in main["assessment_date"]}
    assert assessed_years == {str(forms.internal_reference_year("b2", round_id) + 1)}


def test_communities_recur_across_rounds() -> None:
    ids = {r: set(generate_round(r, clean=True)["b2"][forms.main_sheet_name("b2", r)]["loc/community_id"])
           for r in (1, 2, 3)}
    assert len(ids[3]) == 999
    for r in (1, 2):
        revisited = ids[r] & ids[3]
        assert len(revisited) > 0.8 * len(ids[r])  # most communities are revisited
        assert ids[r] - ids[3]  # some were assessed then but not in round 3
        assert ids[3] - ids[r]  # some are new in round 3


def test_a_later_round_can_be_generated_with_its_years() -> None:
    out = generate_round(4, reference_years=[2020, 2021, 2022, 2023, 2024, 2025], internal_reference_year=2024)
    cols = list(out["b2"]["emi_cty"].columns)
    assert "emi/emi_cty/emi_n_2025" in cols and "emi/emi_cty/emi_n_2020" in cols
    main = next(iter(out["b2"].values()))
    assert {ir.count(v) for v in main["int_out/int_out_ref_year"]} == {2024}


def test_b1_lists_most_b2_communities_some_not_and_some_unassessed(out_dir: Path) -> None:
    b1 = ir.read_xlsx(out_dir / "messy" / "bma_r3_b1.xlsx")
    b2 = ir.read_xlsx(out_dir / "messy" / "bma_r3_b2.xlsx")
    main = b1[forms.main_sheet_name("b1", 3)]
    assert main["rayon"].map(ir.code).nunique() == 45
    listed = {str(v).strip().upper() for v in b1["villages"]["villages/community_id"] if v}
    assessed = {str(v).strip().upper() for v in b2[B2_MAIN]["loc/community_id"]}
    assert len(listed & assessed) > 0.8 * 999
    assert assessed - listed and listed - assessed


# --------------------------------------------------------------------------- the messes

def _valid_rows(sheets: dict[str, pd.DataFrame], sheet: str) -> pd.DataFrame:
    return ir.Round(sheets).repeats[sheet]


def test_minus_99_answers(messy, clean) -> None:
    def minus99(sheets: dict[str, pd.DataFrame]) -> int:
        return sum(int((df.map(lambda v: str(v).strip() in ("-99", "-99.0"))).to_numpy().sum())
                   for df in sheets.values())
    assert minus99(messy) > 20
    assert minus99(clean) == 0
    for sheet in ("imw_nat", "ret_cty", "emi_cty", "int_in_origin", "int_out_dest"):
        assert (messy[sheet].map(lambda v: str(v).strip() == "-99")).to_numpy().any(), sheet


def test_numbers_stored_as_text(out_dir: Path) -> None:
    wb = CalamineWorkbook.from_path(str(out_dir / "messy" / "bma_r3_b2.xlsx"))
    rows = wb.get_sheet_by_name("ret_cty").to_python()
    header = rows[0]
    count_cols = [i for i, c in enumerate(header) if "_n_" in str(c)]
    text_numbers = [r[i] for r in rows[1:] for i in count_cols if isinstance(r[i], str) and r[i]]
    assert text_numbers and all(ir.count(v) is not None or v.strip() == "-99" for v in text_numbers)
    assert any(v != v.strip() or v.endswith(".0") for v in text_numbers)


def test_codes_with_stray_spaces_and_case(messy, clean) -> None:
    def odd(sheets: dict[str, pd.DataFrame]) -> set[str]:
        found = set()
        for col in ("loc/oblast", "loc/rayon", "loc/community_id"):
            vals = [v for v in sheets[B2_MAIN][col] if v]
            want = str.upper if col == "loc/community_id" else str.lower
            if any(v != want(v.strip()) for v in vals):
                found.add(col)
        for sheet, col in (("ret_cty", "ret/ret_cty/ret_country"), ("ki", "ki/ki_sex")):
            if any(v != v.strip().lower() for v in sheets[sheet][col] if v):
                found.add(col)
        return found
    assert odd(messy) == {"loc/oblast", "loc/rayon", "loc/community_id", "ret/ret_cty/ret_country", "ki/ki_sex"}
    assert odd(clean) == set()


def test_corrections_submitted_twice_and_not_approved(messy, clean) -> None:
    main = messy[B2_MAIN]
    cid = main["loc/community_id"].map(lambda v: str(v).strip().upper())
    status = main["_validation_status"].map(ir.code)
    counted = cid[status != ir.NOT_APPROVED]
    assert counted.duplicated().sum() >= 10  # corrections: earlier submissions superseded
    assert (status == ir.NOT_APPROVED).sum() >= 6
    assert (status == "validation_status_on_hold").any()
    assert len(set(cid[status == ir.NOT_APPROVED]) - set(counted)) == 1  # a community only rejected
    cmain = clean[B2_MAIN]
    assert not cmain["loc/community_id"].duplicated().any()
    assert (cmain["_validation_status"].map(ir.code) != ir.NOT_APPROVED).all()


def test_orphan_repeat_rows(messy, clean) -> None:
    assert all(n >= 1 for n in ir.Round(messy).orphans.values())
    assert all(n == 0 for n in ir.Round(clean).orphans.values())


def test_free_text_countries_latin_cyrillic_and_dont_know(messy, clean) -> None:
    texts = []
    for section, sheet in (("imw", "imw_nat"), ("ret", "ret_cty"), ("emi", "emi_cty")):
        df = messy[sheet]
        other = df[df[f"{section}/{sheet}/{section}_country"].map(ir.code) == "other"]
        texts += list(other[f"{section}/{sheet}/{section}_country_other"])
    resolved = {t: ir.resolve_country("other", t) for t in texts}
    assert any(CYRILLIC.search(t) for t in texts) and any(not CYRILLIC.search(t) for t in texts)
    unresolved = [t for t, iso in resolved.items() if iso == "UNK"]
    assert len(unresolved) == 1  # one deliberately unresolvable name, counted as UNK
    assert all(re.fullmatch("[A-Z]{3}", iso) for iso in resolved.values())
    assert (messy["ret_cty"]["ret/ret_cty/ret_country"].map(ir.code) == "dont_know").any()
    assert not (clean["ret_cty"]["ret/ret_cty/ret_country"].map(ir.code) == "other").any()


def test_contradicting_answers(messy, clean) -> None:
    def contradictions(sheets: dict[str, pd.DataFrame]) -> dict[str, int]:
        rd = ir.Round(sheets)
        m = rd.main
        out = {}
        for section, sheet in (("imw", "imw_nat"), ("int_in", "int_in_origin")):
            with_rows = set(rd.repeats[sheet]["cid"])
            present = m[f"{section}/{section}_present"].map(ir.code)
            out[f"{section}_no_with_rows"] = int(((present == "no") & m.index.isin(with_rows)).sum())
            if section == "int_in":  # imw's 321 reporting communities leave no room for one
                out[f"{section}_yes_without_rows"] = int(((present == "yes") & ~m.index.isin(with_rows)).sum())
        imw = rd.persons("international_migrant_workers").groupby("cid")["n"].sum()
        stay = sum(m[c].map(lambda v: ir.count(v) or 0) for c in ir.STAY)
        out["stay_not_adding_up"] = int((stay[imw.index] != imw).sum())
        for group, section in (("internal_migrants", "int_in"), ("internal_out_migrants", "int_out")):
            n = rd.persons(group).groupby("cid")["n"].sum()
            reasons = sum(m[c].map(lambda v: ir.count(v) or 0) for c in m.columns
                          if c.startswith(f"{section}/{section}_reason_"))
            out[f"{section}_reasons_not_adding_up"] = int((reasons[n.index] != n).sum())
        return out
    got = contradictions(messy)
    assert all(v > 0 for v in got.values()), got
    assert all(v == 0 for v in contradictions(clean).values())


def test_personal_data_in_its_columns_only_when_messy(messy, clean) -> None:
    for sheet, col in ((B2_MAIN, "enumerator_name"), ("ki", "ki/ki_name"), ("ki", "ki/ki_phone"),
                       (B2_MAIN, "_submitted_by"), ("ki", "_submission__submitted_by")):
        vals = [v for v in messy[sheet][col] if v]
        assert vals and all("ynthetic" in v or v.startswith("+996 000") for v in vals), col
        assert not any(clean[sheet][col].map(bool)), col


def test_cli_refuses_an_unknown_round(tmp_path: Path, capsys) -> None:
    assert mtm_main(["sample", "--round", "9", "--out", str(tmp_path)]) == 2
    assert "settings.csv" in capsys.readouterr().err
