"""The submissions of a synthetic round: their shape, the round's years and collection window, and
the B2 submission of one community with its personal columns.

Shared by the generator (``sample.generator``), the round-to-round continuity
(``sample.continuity``) and the messes of real exports (``sample.messes``), which all sit above it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import numpy as np

from mtm.core import forms
from mtm.core.errors import InputError
from mtm.sample.truth import Answers, RoundTruth

B2, B1 = "b2", "b1"

INTERNATIONAL_SECTIONS = {"imw": "imw_nat", "ret": "ret_cty", "emi": "emi_cty"}
INTERNAL_SECTIONS = {"int_in": ("int_in_origin", "int_in_origin_rayon", "int_in_n"),
                     "int_out": ("int_out_dest", "int_out_dest_rayon", "int_out_n")}
VALIDATION = ("validation_status_approved", "validation_status_not_approved", "validation_status_on_hold")

@dataclass
class Submission:
    """One submission of a form: its main-sheet answers and its repeat rows (Kobo paths)."""

    main: dict[str, object]
    repeats: dict[str, list[dict[str, object]]] = field(default_factory=dict)
    time: datetime = datetime(2000, 1, 1)
    status: str = VALIDATION[0]
    order: int = 0  # tie-break of equal submission times: the higher _id goes to the higher order
    personal: dict[str, str] = field(default_factory=dict)  # _submitted_by


@dataclass
class Export:
    """The submissions of one form of one round, plus rows whose parent submission is gone."""

    form: str
    submissions: list[Submission]
    orphans: dict[str, list[dict[str, object]]] = field(default_factory=dict)


# --------------------------------------------------------------------------- round settings

def round_years(round_id: int, reference_years: list[int] | None,
                internal_reference_year: int | None) -> tuple[tuple[int, ...], int]:
    """The per-year fields' years and the internal reference year: given, else from settings.csv."""
    if reference_years is None:
        years = tuple(forms.reference_years(B2, round_id))
    else:
        years = tuple(sorted(int(y) for y in reference_years))
    if internal_reference_year is None:
        try:
            iry = forms.internal_reference_year(B2, round_id)
        except InputError:  # a round settings.csv does not know yet
            iry = None
        internal_reference_year = iry if iry is not None else years[-1] - 1
    return years, int(internal_reference_year)


def collection_window(round_id: int, internal_year: int) -> tuple[date, date]:
    """First and last day of a round's collection: settings.csv's collection_period
    (``forms.collection_dates``), else the whole year after the internal reference year."""
    try:
        dates = forms.collection_dates(B2, round_id)
    except InputError:
        dates = None
    year = internal_year + 1
    return dates or (date(year, 1, 1), date(year, 12, 31))


# --------------------------------------------------------------------------- B2 submissions

def random_timestamp(rng: np.random.Generator, start: date, end: date) -> datetime:
    days = (end - start).days
    d = start + timedelta(days=int(rng.integers(0, days + 1)))
    return datetime(d.year, d.month, d.day, int(rng.integers(6, 18)), int(rng.integers(0, 60)),
                    int(rng.integers(0, 60)))


def b2_submission(a: Answers, truth: RoundTruth, rng: np.random.Generator, when: datetime,
                  enumerator: int) -> Submission:
    """The valid B2 submission of one community, answers as the form's choice names and integers."""
    c = a.community
    years = truth.years
    assess = when.date() - timedelta(days=int(rng.integers(0, 3)))
    m: dict[str, object] = {
        "start": f"{assess.isoformat()}T{when.hour - 1 if when.hour else 0:02d}:{when.minute:02d}:00",
        "end": f"{assess.isoformat()}T{when.hour:02d}:{when.minute:02d}:00",
        "today": assess.isoformat(),
        "deviceid": f"collect:SYNTHETIC{enumerator:04d}",
        "enumerator_name": enumerator_name(enumerator),
        "assessment_date": assess.isoformat(),
        "loc/oblast": c.oblast, "loc/rayon": c.rayon, "loc/aiyl_aimak": c.aiyl_aimak or None,
        "loc/community_name": c.name_cyrillic if rng.random() < 0.3 else c.name,
        "loc/community_id": c.community_id, "loc/settlement_type": c.settlement_type,
        "loc/households": a.households, "loc/population": a.population,
        "loc/gps": f"{c.latitude} {c.longitude} 0 5", "loc/_gps_latitude": c.latitude,
        "loc/_gps_longitude": c.longitude, "loc/_gps_altitude": 0, "loc/_gps_precision": 5,
        "int_in/int_in_ref_year": truth.internal_reference_year,
        "int_out/int_out_ref_year": truth.internal_reference_year,
        "assessment_year": truth.internal_reference_year + 1,
    }
    reps: dict[str, list[dict[str, object]]] = {"ki": []}
    for k, (sex, ktype, other) in enumerate(a.ki):
        reps["ki"].append({"ki/ki_name": ki_name(c.community_id, k), "ki/ki_phone": ki_phone(c.community_id, k),
                           "ki/ki_sex": sex, "ki/ki_type": ktype, "ki/ki_type_other": other or None})
    for section, sheet in INTERNATIONAL_SECTIONS.items():
        m[f"{section}/{section}_present"] = a.present[section]
        rows = []
        for iso3, counts in a.country_rows.get(section, []):
            if sum(counts) == 0:
                continue
            row: dict[str, object] = {f"{section}/{sheet}/{section}_country": _country_choice(iso3),
                                      f"{section}/{sheet}/{section}_country_other": None}
            for y, n in zip(years, counts, strict=True):
                row[f"{section}/{sheet}/{section}_n_{y}"] = int(n)
            rows.append(row)
        reps[sheet] = rows
    if a.stay is not None:
        m["imw/imw_stay_short"], m["imw/imw_stay_long"], m["imw/imw_stay_unknown"] = a.stay
    for section in ("ret", "emi"):
        for code, v in a.reasons.get(section, {}).items():
            m[f"{section}/{section}_reasons/{section}_reason_{code}"] = v
    for section, (sheet, rayon_field, n_field) in INTERNAL_SECTIONS.items():
        m[f"{section}/{section}_present"] = a.present[section]
        reps[sheet] = [{f"{section}/{sheet}/{rayon_field}": r, f"{section}/{sheet}/{n_field}": n}
                       for r, n in a.internal_rows.get(section, [])]
        for code, v in a.internal_reasons.get(section, {}).items():
            m[f"{section}/{section}_reason_{code}"] = v
    for s, (avail, km) in a.services.items():
        m[f"svc/{s}_avail"] = avail
        m[f"svc/{s}_dist_km"] = km
    return Submission(main=m, repeats=reps, time=when, status=random_status(rng),
                      personal={"_submitted_by": submitter(enumerator)})


def _country_choice(iso3: str) -> str:
    return "dont_know" if iso3 == "UNK" else iso3.lower()


def random_status(rng: np.random.Generator) -> str:
    x = rng.random()
    return "" if x < 0.08 else (VALIDATION[2] if x < 0.11 else VALIDATION[0])


def enumerator_name(k: int) -> str:
    """A clearly synthetic enumerator name."""
    return f"Synthetic Enumerator {k:02d}"


def ki_name(community_id: str, k: int) -> str:
    """A clearly synthetic key-informant name."""
    return f"Synthetic Informant {community_id}-{k + 1}"


def ki_phone(community_id: str, k: int) -> str:
    """A clearly synthetic phone number (+996 000 ... is not a Kyrgyz operator prefix)."""
    return f"+996 000 {community_id[1:4]} {community_id[4:]}{k}"


def submitter(k: int) -> str:
    """A clearly synthetic Kobo account."""
    return f"synthetic_enum_{k:02d}"


