"""The code-list seeds are the forms' own lists (forms/bma), kept in step by this test."""

from __future__ import annotations

import csv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FORMS = ROOT / "forms" / "bma"
SEEDS = ROOT / "seeds"
LABEL = "label::English (en)"


def read(path: Path) -> list[dict[str, str]]:
    """Rows of a CSV file as dicts."""
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def choices(list_name: str) -> list[dict[str, str]]:
    """The B2 form's choices of one list."""
    return [row for row in read(FORMS / "b2_choices.csv") if row["list_name"] == list_name]


def test_round_registry_is_the_forms_settings() -> None:
    """One registry: the dbt seed is a link to the forms' settings.csv, so a new round is one row."""
    assert (SEEDS / "rounds.csv").is_symlink()
    assert (SEEDS / "rounds.csv").resolve() == (FORMS / "settings.csv").resolve()


def test_places_are_the_form_choices() -> None:
    assert [(r["oblast_choice"], r["oblast_code"], r["oblast_name"]) for r in read(SEEDS / "oblasts.csv")] == [
        (c["name"], c["iso_3166_2"], c[LABEL]) for c in choices("oblast")]
    assert [(r["rayon_code"], r["rayon_name"], r["oblast_choice"]) for r in read(SEEDS / "rayons.csv")] == [
        (c["name"], c[LABEL], c["oblast"]) for c in choices("rayon")]


def test_other_code_lists_are_the_form_choices() -> None:
    assert [(r["country_choice"], r["country_name"]) for r in read(SEEDS / "countries.csv")] == [
        (c["name"], c[LABEL]) for c in choices("country") if c["name"] not in ("other", "dont_know")]
    assert [(r["ki_type"], r["ki_type_label"]) for r in read(SEEDS / "ki_types.csv")] == [
        (c["name"], c[LABEL]) for c in choices("ki_type")]
    assert [r["settlement_type"] for r in read(SEEDS / "settlement_types.csv")] == [
        c["name"] for c in choices("settlement_type")]


def test_reasons_and_services_are_the_form_fields() -> None:
    survey = {row["name"]: row for row in read(FORMS / "b2_survey.csv")}
    for reason in read(SEEDS / "reasons.csv"):
        assert reason["field_name"] in survey, reason
        assert reason["field_name"].endswith("_reason_" + reason["reason_code"])
    reason_fields = {name for name in survey if "_reason_" in name and survey[name]["type"] == "integer"}
    assert {r["field_name"] for r in read(SEEDS / "reasons.csv")} == reason_fields
    services = [r["service_code"] for r in read(SEEDS / "services.csv")]
    assert services == [name[: -len("_avail")] for name in survey if name.endswith("_avail")]
    assert all(f"{code}_dist_km" in survey for code in services)


def test_label_seed_is_generated_from_the_forms() -> None:
    """seeds/labels.csv is exactly what tools/label_seeds.py makes of the forms, in three languages,
    and its English labels are the ones the other seeds (and so the marts) use."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("label_seeds", ROOT / "tools" / "label_seeds.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert (SEEDS / "labels.csv").read_text(encoding="utf-8") == module.render(module.rows())
    labels = read(SEEDS / "labels.csv")
    assert all(row["label_en"] and row["label_ru"] and row["label_ky"] for row in labels)
    english = {(r["list_name"], r["code"]): r["label_en"] for r in labels}
    assert {r["oblast_choice"]: r["oblast_name"] for r in read(SEEDS / "oblasts.csv")} == {
        code: label for (lst, code), label in english.items() if lst == "oblast"}
    assert all(english[("ki_type", r["ki_type"])] == r["ki_type_label"] for r in read(SEEDS / "ki_types.csv"))
    assert all(english[("service", r["service_code"])] == r["service_label"] for r in read(SEEDS / "services.csv"))
    assert all(english[("reason", r["field_name"])] == r["reason_label"] for r in read(SEEDS / "reasons.csv"))
    assert all(english[("population_group", r["population_group"])] == r["population_label"]
               for r in read(SEEDS / "population_groups.csv"))
    assert all(english[("country", r["country_choice"])] == r["country_name"] for r in read(SEEDS / "countries.csv"))
    ru = {(r["list_name"], r["code"]): r["label_ru"] for r in labels}
    assert ru[("oblast", "jalal_abad")] == "Джалал-Абадская область"
    assert ru[("service", "clinic")] == "Поликлиника"
