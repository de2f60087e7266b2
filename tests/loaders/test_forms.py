"""loaders.forms answers from the project's copy of the forms."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mtm.core import forms
from mtm.core.errors import InputError


def test_rounds_and_years_come_from_settings() -> None:
    assert forms.rounds("b2") == [1, 2, 3]
    assert forms.reference_years("b2", 1) == (2020, 2021, 2022)
    assert forms.reference_years("b2", 3) == (2020, 2021, 2022, 2023, 2024)
    assert forms.internal_reference_year("b2", 3) == 2023
    assert forms.reference_years("b1", 2) == ()
    with pytest.raises(InputError, match="round 9"):
        forms.round_settings("b2", 9)


def test_sheets_and_main_sheet_name() -> None:
    assert forms.expected_sheets("b2", 3) == [
        "BMA Kyrgyzstan B2 village asses", "ki", "imw_nat", "ret_cty", "emi_cty",
        "int_in_origin", "int_out_dest"]
    assert forms.expected_sheets("b1") == ["BMA Kyrgyzstan B1 district asse", "villages"]
    assert len(forms.main_sheet_name("b2")) == 31


def test_main_columns_follow_kobo_layout() -> None:
    cols = forms.sheet_columns("b2", forms.MAIN, 3)
    assert cols[:6] == ["start", "end", "today", "deviceid", "enumerator_name", "assessment_date"]
    gps = cols.index("loc/gps")
    assert cols[gps:gps + 5] == ["loc/gps", "loc/_gps_latitude", "loc/_gps_longitude",
                                 "loc/_gps_altitude", "loc/_gps_precision"]
    assert "int_in/int_in_ref_year" in cols and "assessment_year" in cols  # calculated fields
    assert "ret/ret_reasons/ret_reason_family" in cols
    assert cols[-10:] == list(forms.MAIN_METADATA)
    assert not any(c.startswith("ki/") for c in cols)  # repeat fields live in their sheet


def test_repeat_columns_and_per_year_fields_by_round() -> None:
    r1 = forms.sheet_columns("b2", "imw_nat", 1)
    assert r1 == ["imw/imw_nat/imw_country", "imw/imw_nat/imw_country_other",
                  "imw/imw_nat/imw_n_2020", "imw/imw_nat/imw_n_2021", "imw/imw_nat/imw_n_2022",
                  *forms.REPEAT_METADATA]
    assert "ret/ret_cty/ret_n_2024" in forms.sheet_columns("b2", "ret_cty", 3)
    assert "ret/ret_cty/ret_n_2024" not in forms.sheet_columns("b2", "ret_cty", 2)
    assert forms.per_year_fields("b2", 2)[-1] == "emi/emi_cty/emi_n_2023"
    assert forms.per_year_of("imw__imw_nat__imw_n_2023") == ("imw", 2023)
    assert forms.per_year_of("int_in_n") is None


def test_select_multiple_has_one_column_per_choice() -> None:
    cols = forms.sheet_columns("b1", "villages", 1)
    i = cols.index("villages/flows")
    assert cols[i:i + 3] == ["villages/flows", "villages/flows/inflow", "villages/flows/outflow"]
    assert cols[-12:] == list(forms.REPEAT_METADATA)


def test_required_personal_and_raw_names() -> None:
    req = forms.required_columns("b2", forms.MAIN)
    assert "loc/community_id" in req and "_index" in req
    assert "enumerator_name" not in req
    assert forms.required_columns("b2", "ki")[-2:] == ["_index", "_parent_index"]
    assert forms.is_personal("KI/ki_phone") and forms.is_personal("_submission__submitted_by")
    assert not forms.is_personal("ki/ki_sex")
    assert forms.raw_column_name("imw/imw_nat/imw_n_2023") == "imw__imw_nat__imw_n_2023"
    assert forms.raw_column_name("__version__") == "__version__"
    assert forms.table_name("b2", "BMA Kyrgyzstan B2 village asses") == "b2_main"
    assert forms.table_name("b2", "ki") == "b2_ki"
    assert forms.table_name("b2", "Notes (old)") == "b2_notes_old"


def test_choices_carry_extra_columns() -> None:
    oblast = {c.name: c for c in forms.choices("b2")["oblast"]}
    assert oblast["jalal_abad"].label == "Jalal-Abad"
    assert oblast["jalal_abad"].extra == {"iso_3166_2": "KG-J"}
    rayon = forms.choices("b2")["rayon"][0]
    assert rayon.extra.get("oblast")


def test_a_new_round_is_a_new_settings_row(tmp_path: Path) -> None:
    d = tmp_path / "bma"
    shutil.copytree(forms.FORMS_DIR, d)
    with (d / "settings.csv").open("a", encoding="utf-8") as fh:
        fh.write("b2,bma_kgz_b2,BMA Kyrgyzstan B2 village assessment,r4,4,"
                 "2021 2022 2023 2024,2023,October 2024\n")
    assert forms.rounds("b2", d) == [1, 2, 3, 4]
    cols = forms.sheet_columns("b2", "emi_cty", 4, d)
    assert "emi/emi_cty/emi_n_2020" not in cols and "emi/emi_cty/emi_n_2024" in cols
