"""mtm sample --communities N and rounds beyond 3 from a registry given by $MTM_FORMS_DIR.

Read back with the tests' own plain-pandas reading of the written files (``independent_reading``).
"""

from __future__ import annotations

from pathlib import Path

import independent_reading as ir
import pandas as pd
import pytest

from mtm.cli.app import main as mtm_main
from mtm.core import forms
from mtm.core.paths import FORMS_DIR, FORMS_DIR_ENV
from mtm.sample import generator
from mtm.sample.generator import DEFAULT_SEED
from mtm.sample.registry import write_forms_dir
from mtm.sample.scale import CODE_STRIDE
from mtm.sample.truth import master_communities

B2_MAIN = forms.main_sheet_name("b2", 3)


def _sample(out: Path, *args: str) -> dict[str, pd.DataFrame]:
    assert mtm_main(["sample", "--quiet", "--format", "csv", "--clean", "--out", str(out), *args]) == 0
    return ir.read_csv_folder(out / f"bma_r{args[args.index('--round') + 1]}_b2")


def _codes(values: pd.Series) -> set[str]:
    return {c for c in (ir.code(v) for v in values) if c}


@pytest.fixture(scope="module")
def base_and_scaled(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, dict, Path]:
    d = tmp_path_factory.mktemp("scale")
    base = _sample(d / "base", "--round", "3")
    scaled = _sample(d / "scaled", "--round", "3", "--communities", "2500")
    return base, scaled, d


def test_round3_assesses_exactly_the_communities_asked_for(base_and_scaled) -> None:
    base, scaled, _ = base_and_scaled
    main = scaled[B2_MAIN]
    assert len(main) == 2500 and len(_codes(main["loc/community_id"])) == 2500
    assert len(base[B2_MAIN]) == 999
    # the first copy is the base round itself; the others are its communities under new codes
    base_codes = _codes(base[B2_MAIN]["loc/community_id"])
    assert base_codes <= _codes(main["loc/community_id"])
    master = {c.community_id for c in master_communities(DEFAULT_SEED)}
    copies = _codes(main["loc/community_id"]) - base_codes
    assert len(copies) == 2500 - 999
    assert all(int(c[1:]) >= CODE_STRIDE and f"C{int(c[1:]) % CODE_STRIDE:05d}" in master for c in copies)


def test_copies_are_communities_of_the_real_rayons_with_their_own_rows(base_and_scaled) -> None:
    base, scaled, _ = base_and_scaled
    main = scaled[B2_MAIN]
    rayons = {c.name for c in forms.choices("b2")["rayon"]}
    assert set(main["loc/rayon"].map(ir.code)) <= rayons
    assert main["_id"].is_unique and main["_uuid"].is_unique and main["_index"].is_unique
    for sheet in forms.repeat_names("b2"):
        rows = scaled[sheet]
        assert rows["_index"].is_unique, sheet
        assert set(rows["_parent_index"]) <= set(main["_index"]), sheet  # clean: no orphans
        # each community copy has its original's rows: about 2.5 times the base round's
        assert 2.2 * len(base[sheet]) <= len(rows) <= 2.8 * len(base[sheet]), sheet
    persons = main["loc/population"].map(ir.count)
    assert persons.sum() > 2.2 * base[B2_MAIN]["loc/population"].map(ir.count).sum()


def test_fewer_communities_than_round3_and_determinism(tmp_path: Path) -> None:
    small = _sample(tmp_path / "a", "--round", "3", "--communities", "300")
    again = _sample(tmp_path / "b", "--round", "3", "--communities", "300")
    assert len(_codes(small[B2_MAIN]["loc/community_id"])) == 300
    for sheet, frame in small.items():
        pd.testing.assert_frame_equal(frame, again[sheet], obj=sheet)


def test_b1_lists_the_copies_too(base_and_scaled) -> None:
    _, scaled, d = base_and_scaled
    b1 = ir.read_csv_folder(d / "scaled" / "bma_r3_b1")
    listed = _codes(b1["villages"]["villages/community_id"])
    assessed = _codes(scaled[B2_MAIN]["loc/community_id"])
    base_b1 = ir.read_csv_folder(d / "base" / "bma_r3_b1")
    main_sheet = forms.main_sheet_name("b1", 3)
    assert len(b1[main_sheet]) == len(base_b1[main_sheet]) == 45  # still one submission per rayon
    assert 0.8 * len(assessed) <= len(listed & assessed) <= 0.95 * len(assessed)
    assert b1["villages"]["_index"].is_unique


def test_bad_number_of_communities_is_one_line(tmp_path: Path, capsys) -> None:
    assert mtm_main(["sample", "--quiet", "--round", "3", "--communities", "0", "--out", str(tmp_path)]) == 2
    assert "--communities" in capsys.readouterr().err


# --------------------------------------------------------------------------- rounds beyond 3

def test_rounds_beyond_3_come_from_the_registry_in_mtm_forms_dir(tmp_path: Path, monkeypatch) -> None:
    before = (FORMS_DIR / "settings.csv").read_bytes()
    forms_dir = write_forms_dir(6, tmp_path / "forms")
    assert (FORMS_DIR / "settings.csv").read_bytes() == before  # the checkout's registry is untouched
    assert mtm_main(["sample", "--quiet", "--round", "5", "--out", str(tmp_path / "no")]) == 2  # not registered
    monkeypatch.setenv(FORMS_DIR_ENV, str(forms_dir))
    assert forms.rounds("b2") == forms.rounds("b1") == [1, 2, 3, 4, 5, 6]
    assert forms.reference_years("b2", 5) == (2021, 2022, 2023, 2024, 2025)  # two rounds a year
    years = forms.reference_years("b2", 6)
    assert years == (2022, 2023, 2024, 2025, 2026) and forms.internal_reference_year("b2", 6) == 2025
    assert forms.collection_dates("b2", 6) is not None
    out = _sample(tmp_path / "r6", "--round", "6", "--communities", "1200")
    emi = out["emi_cty"]
    assert [c for c in emi.columns if c.startswith("emi/emi_cty/emi_n_")] == [
        f"emi/emi_cty/emi_n_{y}" for y in years]
    assert 1100 <= len(out[B2_MAIN]) <= 1300
    assert emi["emi/emi_cty/emi_n_2026"].map(ir.count).sum() > 0


def test_one_rule_for_the_columns_of_a_rounds_years() -> None:
    """The generator's columns are the forms' (no second copy of the per-year rule)."""
    for round_id in forms.rounds("b2"):
        years = forms.reference_years("b2", round_id)
        for sheet in (forms.MAIN, *forms.repeat_names("b2")):
            assert generator.sheet_columns("b2", sheet, years) == forms.sheet_columns("b2", sheet, round_id)
    later = forms.columns_for_years("b2", "ret_cty", (2023, 2024, 2025, 2026))
    assert [c for c in later if "_n_" in c] == [f"ret/ret_cty/ret_n_{y}" for y in (2023, 2024, 2025, 2026)]
    labels = {q.name: q.labels for q in forms.with_years(forms.questions("b2"), [2026])}
    assert "2026" in next(iter(labels["ret_n_2026"].values()))
