"""Write seeds/labels.csv: every code a fact mart uses, with its label in English, Russian and Kyrgyz,
taken from the forms' own label columns (forms/bma/*_choices.csv and b2_survey.csv).

Run after the forms change (`.venv/bin/python tools/label_seeds.py`: it needs pycountry from the
project's environment); `--check` exits 1 when the seed is not what the forms say
(tests/models/test_seeds.py runs the same comparison).

Where each list comes from:

- `oblast`, `rayon`, `country`, `ki_type`, `settlement_type`, `sex`: the B2 form's choice lists
  (codes are the choice names; `country` without `other` and `dont_know`, plus `unk` for the
  contract's `UNK`, labelled as the form labels an unknown main reason: "Unknown"). Every other
  ISO 3166-1 country (free-text answers resolve to them; the gap analysis is about `KGZ`) follows
  with pycountry's names and the iso-codes translations it ships (`label_source` `iso-codes`; a
  name iso-codes does not translate stays English).
- `population_group`: the label of the form's group of each target population (`imw`, `ret`, `emi`,
  `int_in`, `int_out`), up to its explanation in brackets.
- `service`: the `<service>_avail` question's label up to the colon ("Clinic: available ...").
- `reason`: the reason field's label (code: the field name); the internal-migration reason fields read
  "Internal migrants whose main reason was: Family issues", whose part after the colon is the label.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FORMS = ROOT / "forms" / "bma"
SEED = ROOT / "seeds" / "labels.csv"
LANGUAGES = {"en": "English (en)", "ru": "Russian (ru)", "ky": "Kyrgyz (ky)"}
HEADER = ["list_name", "code", "sort_order", "label_en", "label_ru", "label_ky", "label_source"]
CHOICE_LISTS = ("oblast", "rayon", "country", "ki_type", "settlement_type", "sex")
NOT_A_COUNTRY = ("other", "dont_know")
# population_group code (shared/contract/MARTS.md) -> the form's group of that population
POPULATION_GROUPS = {
    "international_migrant_workers": "imw",
    "return_migrants": "ret",
    "emigrants": "emi",
    "internal_migrants": "int_in",
    "internal_out_migrants": "int_out",
}
UNKNOWN_LABEL_FIELD = "int_in_reason_unknown"


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _labels(row: dict[str, str]) -> dict[str, str]:
    return {lang: (row.get(f"label::{column}") or "").strip() for lang, column in LANGUAGES.items()}


def _cut(labels: dict[str, str], *, before: str | None = None, after: str | None = None) -> dict[str, str]:
    """Each label cut at the first ``before`` (kept: the part before) or after ``after``."""
    out = {}
    for lang, text in labels.items():
        if before is not None and before in text:
            text = text.split(before, 1)[0]
        if after is not None and after in text:
            text = text.split(after, 1)[1]
        text = text.strip()
        out[lang] = text[:1].upper() + text[1:]
    return out


def _iso_countries(listed: set[str]) -> list[tuple[str, dict[str, str]]]:
    """(lower-case alpha-3, labels) of every ISO 3166-1 country the form does not list."""
    import gettext

    import pycountry

    translations = {lang: gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang], fallback=True)
                    for lang in ("ru", "ky")}
    found = []
    for country in sorted(pycountry.countries, key=lambda c: c.alpha_3):
        code = country.alpha_3.lower()
        if code not in listed:
            found.append((code, {"en": country.name, **{lang: t.gettext(country.name)
                                                         for lang, t in translations.items()}}))
    return found


def rows(forms: Path = FORMS) -> list[list[str]]:
    """The seed's rows (header first), computed from the forms."""
    choices = _read(forms / "b2_choices.csv")
    survey: dict[str, dict[str, str]] = {}
    for row in _read(forms / "b2_survey.csv"):  # first row of a name: `begin_group`, not `end_group`
        if row.get("name"):
            survey.setdefault(row["name"], row)
    out: list[list[str]] = [HEADER]

    def add(list_name: str, code: str, order: int, labels: dict[str, str], source: str = "form") -> None:
        out.append([list_name, code, str(order), labels["en"], labels["ru"], labels["ky"], source])

    for list_name in CHOICE_LISTS:
        listed = [c for c in choices if c["list_name"] == list_name
                  and not (list_name == "country" and c["name"] in NOT_A_COUNTRY)]
        for order, choice in enumerate(listed, start=1):
            add(list_name, choice["name"], order, _labels(choice))
        if list_name == "country":
            add("country", "unk", len(listed) + 1, _cut(_labels(survey[UNKNOWN_LABEL_FIELD]), after=":"))
            for order, (code, labels) in enumerate(_iso_countries({c["name"] for c in listed}),
                                                   start=len(listed) + 2):
                add("country", code, order, labels, "iso-codes")
    for order, (code, group) in enumerate(POPULATION_GROUPS.items(), start=1):
        add("population_group", code, order, _cut(_labels(survey[group]), before=" ("))
    services = [name for name in survey if name.endswith("_avail")]
    for order, name in enumerate(services, start=1):
        add("service", name.removesuffix("_avail"), order, _cut(_labels(survey[name]), before=":"))
    reasons = [name for name, row in survey.items() if "_reason_" in name and row["type"] == "integer"]
    for order, name in enumerate(reasons, start=1):
        labels = _labels(survey[name])
        if name.startswith("int_"):
            labels = _cut(labels, after=":")
        add("reason", name, order, labels)
    return out


def render(table: list[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(table)
    return buffer.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when seeds/labels.csv is stale")
    args = parser.parse_args(argv)
    text = render(rows())
    if args.check:
        current = SEED.read_text(encoding="utf-8") if SEED.exists() else ""
        if current != text:
            print(f"{SEED} is stale: run python tools/label_seeds.py", file=sys.stderr)
            return 1
        return 0
    SEED.write_text(text, encoding="utf-8")
    print(f"wrote {SEED} ({len(text.splitlines()) - 1} labels)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
