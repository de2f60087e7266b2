"""Names the reports show, in the reader's language, from the forms' own label columns.

The XLSForms in ``forms/bma/`` carry every label in three languages (``label::English (en)``,
``label::Russian (ru)``, ``label::Kyrgyz (ky)``): oblasts, rayons, countries and key-informant
types are choices; the five populations are the labels of their groups (``imw``, ``ret``, ...:
"International migrant workers (foreign nationals who ...)": name, then its definition in
brackets); reasons and services are the labels of their questions; the 0-5 scale is spelt out
in the label of the ``ret_reasons`` group. Everything is read through ``mtm.core.forms``
(``choices``, ``questions``, ``group_labels``, each with its labels by language). Nothing here is
a second list of names: a label missing in one language falls back to English, then to the
mart's own name, then to the code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from mtm.core import forms
from mtm.core.paths import FORMS_DIR

FORM = "b2"
GROUP_OF_POPULATION: dict[str, str] = {
    "international_migrant_workers": "imw", "return_migrants": "ret", "emigrants": "emi",
    "internal_migrants": "int_in", "internal_out_migrants": "int_out",
}
REASON_PREFIX: dict[str, str] = {"return_migrants": "ret", "emigrants": "emi",
                                 "internal_migrants": "int_in", "internal_out_migrants": "int_out"}
SCALE_GROUP = "ret_reasons"
_LANG_RE = re.compile(r"\((?P<lang>[a-z]{2,3})\)$")


def _pick(labels: dict[str, str], lang: str) -> str:
    """The label in ``lang`` (keys as the forms name languages: ``Russian (ru)``), else English,
    else the first one."""
    by_code = {(m["lang"] if (m := _LANG_RE.search(key)) else key): text for key, text in labels.items()}
    return by_code.get(lang) or by_code.get("en") or next(iter(by_code.values()), "")


def split_definition(label: str) -> tuple[str, str]:
    """``"Return migrants (Kyrgyz nationals ...)"`` -> (``"Return migrants"``, ``"Kyrgyz nationals ..."``)."""
    match = re.fullmatch(r"(?P<name>[^(]+?)\s*\((?P<definition>.*)\)\s*", label, re.DOTALL)
    if not match:
        return label, ""
    return match["name"], match["definition"]


def sentence(text: str) -> str:
    """First letter upper-cased (the rest untouched)."""
    return text[:1].upper() + text[1:] if text else text


def after_colon(label: str) -> str:
    """``"Internal migrants whose main reason was: Education"`` -> ``"Education"``."""
    return sentence(label.split(":", 1)[1].strip()) if ":" in label else label


def before_colon(label: str) -> str:
    """``"Clinic: available within the community?"`` -> ``"Clinic"``."""
    return label.split(":", 1)[0].strip()


@dataclass(frozen=True)
class Labels:
    """Every label of the forms in one language (``lang``)."""

    lang: str
    choices: dict[tuple[str, str], str] = field(default_factory=dict)
    questions: dict[str, str] = field(default_factory=dict)
    iso_of_oblast: dict[str, str] = field(default_factory=dict)
    oblast_of_rayon: dict[str, str] = field(default_factory=dict)

    def oblast(self, iso_code: str, fallback: str | None = None) -> str:
        """Oblast or city by ISO 3166-2 code (``KG-B`` -> Batken / Баткенская область)."""
        choice = next((name for name, iso in self.iso_of_oblast.items() if iso == iso_code), None)
        return self.choices.get(("oblast", choice or ""), fallback or iso_code)

    def rayon(self, code: str, fallback: str | None = None) -> str:
        """Rayon by its choice name (``bat_batken``)."""
        return self.choices.get(("rayon", code), fallback or code)

    def rayon_oblast(self, code: str) -> str | None:
        """ISO code of the rayon's oblast (from the choice list's ``oblast`` column)."""
        oblast = self.oblast_of_rayon.get(code)
        return self.iso_of_oblast.get(oblast) if oblast else None

    def country(self, iso3: str, fallback: str | None = None) -> str:
        """Country by ISO 3166-1 alpha-3 (the form's country choices are its lower-cased codes)."""
        return self.choices.get(("country", (iso3 or "").lower()), fallback or iso3)

    def population(self, group: str) -> str:
        """The population's name (``Return migrants``)."""
        return split_definition(self.questions.get(GROUP_OF_POPULATION.get(group, ""), group))[0]

    def definition(self, group: str) -> str:
        """The population's definition as the form states it, as a sentence."""
        text = split_definition(self.questions.get(GROUP_OF_POPULATION.get(group, ""), ""))[1]
        return sentence(text)

    def reason(self, group: str, code: str, fallback: str | None = None) -> str:
        """A reason of a population (``ret_reason_family``, ``int_in_reason_economic``)."""
        label = self.questions.get(f"{REASON_PREFIX.get(group, '')}_reason_{code}")
        if label is None:
            return fallback or code
        return after_colon(label) if group in ("internal_migrants", "internal_out_migrants") else label

    def service(self, code: str) -> str:
        """A service (``clinic_avail`` -> Clinic)."""
        label = self.questions.get(f"{code}_avail")
        return before_colon(label) if label else code

    def ki_type(self, code: str) -> str:
        """A key-informant type; the long "Other (...)" label keeps its name only."""
        label = self.choices.get(("ki_type", code), code)
        return split_definition(label)[0] if code == "other" else label

    def sex(self, code: str) -> str:
        """Male / Female."""
        return self.choices.get(("sex", code), code)

    def scale(self) -> list[tuple[int, str]]:
        """The 0-5 importance scale as the form spells it: [(0, 'not applicable'), ...]."""
        text = self.questions.get(SCALE_GROUP, "")
        return [(int(n), words.strip()) for n, words in re.findall(r"(\d)\s*=\s*([^,)]+)", text)]


@lru_cache(maxsize=8)
def _load(forms_dir: Path, lang: str) -> Labels:
    labels = Labels(lang=lang)
    for list_name, choices in forms.choices(FORM, forms_dir).items():
        for choice in choices:
            labels.choices[(list_name, choice.name)] = _pick(choice.labels, lang) or choice.label
            if list_name == "oblast" and choice.extra.get("iso_3166_2"):
                labels.iso_of_oblast[choice.name] = choice.extra["iso_3166_2"]
            if list_name == "rayon" and choice.extra.get("oblast"):
                labels.oblast_of_rayon[choice.name] = choice.extra["oblast"]
    for path, group in forms.group_labels(FORM, forms_dir).items():
        labels.questions.setdefault(path.rsplit("/", 1)[-1], _pick(group, lang))
    for question in forms.questions(FORM, forms_dir):
        labels.questions.setdefault(question.name, _pick(question.labels, lang))
    return labels


def labels(lang: str, forms_dir: Path | None = None) -> Labels:
    """The forms' labels in ``lang`` (cached per folder and language)."""
    return _load(Path(forms_dir or FORMS_DIR).resolve(), lang)
