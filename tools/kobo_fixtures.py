"""Write genuine KoboToolbox exports of the BMA forms as small test fixtures.

KoboToolbox writes every export (the "Downloads" page of a project, the export API) with its
open-source library formpack. This script builds the B1 and B2 XLSForms of ``forms/bma`` (labels
in English, Russian and Kyrgyz) into a formpack ``FormPack`` the way KoboToolbox's server (KPI)
does, feeds it deterministic synthetic submissions with known totals, and lets formpack write:

* XLSX workbooks for a pairwise-covering set of the download options (value and header format,
  groups in headers, group separator, select_multiple layout, numbers and dates as text, data
  from all versions): every value of every option, every pair of values of two options;
* Kobo's CSV export (main sheet only, ``;``-separated, every field quoted, CRLF, UTF-8 without
  byte-order mark);
* a B2 variant in which no community had internal out-migrants (Kobo then writes no
  ``int_out_dest`` sheet).

It also writes the same submissions as saved pages of the REST API
(``/api/v2/assets/<uid>/data/?format=json``), ``manifest.json`` (every file and its options),
``expected.json`` (totals computed here in plain Python from the submissions, not from any
export) and a short ``README.md``. Finally it opens every workbook with python-calamine, prints
its sheets and header row, and checks the facts that the input contract
(``forms/bma/README.md``) states about Kobo's exports against what formpack really wrote.

formpack is GPL-3.0 and is not on the package index: it is installed into a virtual
environment outside the project and only imported here; none of its code is copied. The test
suite reads the generated files and never needs formpack. Re-run with::

    python3 -m venv /work/kobo-venv
    /work/kobo-venv/bin/pip install "git+file://<a git copy of kobotoolbox/formpack>@<commit>" \
        python-dateutil python-calamine
    /work/kobo-venv/bin/python tools/kobo_fixtures.py

(formpack's setup.py does not list python-dateutil, which it imports.) Installed from git, pip
records formpack's commit, and the script writes it into ``manifest.json``; installed from a
plain folder, pass it with ``--formpack-commit``. Other options: ``--forms DIR`` (the XLSForm
CSV files; default ``forms/bma`` if it carries labels in all three languages, else the
contract folder ``../shared/bma-form``), ``--out DIR`` (default ``tests/fixtures/kobo``),
``--no-check`` (skip the calamine report). Every run writes the same bytes.

How KPI calls formpack (mirrored in ``export_options_for_kpi``): ``FormPack(versions, title=
<asset name>, id_string=<asset uid>)`` with the deployed versions oldest first, and
``pack.export(versions=<all loaded>, lang=..., group_sep=..., hierarchy_in_labels=...,
multiple_select=..., copy_fields=<metadata columns>, force_index=True,
tag_cols_for_header=['hxl'], filter_fields=[], xls_types_as_text=..., include_media_url=False)``.
"XML values and headers" is ``lang=False`` (``formpack.constants.UNSPECIFIED_TRANSLATION``); a
language is its name (``'Russian (ru)'``). With "Include data from all versions" off, KPI
loads only the newest version and assigns every submission to it; with it on, KPI loads every
deployed version and matches each submission to its version through ``__version__``.
"""

from __future__ import annotations

import argparse
import copy
import csv
import datetime as dt
import hashlib
import itertools
import json
import random
import re
import shutil
import sys
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any
from unittest import mock

try:
    import xlsxwriter
    from formpack import FormPack
    from formpack.constants import UNSPECIFIED_TRANSLATION
    from formpack.schema.fields import (
        IdCopyField,
        NotesCopyField,
        SubmissionTimeCopyField,
        TagsCopyField,
        ValidationStatusCopyField,
    )
except ImportError as error:  # pragma: no cover - depends on the machine
    raise SystemExit(
        f"{error}. This script needs KoboToolbox's formpack (GPL-3.0, not on the package index): "
        "install a checkout of github.com/kobotoolbox/formpack with python-dateutil and "
        "python-calamine into a virtual environment outside the project and run the script with "
        "that environment's python."
    ) from error

Submission = dict[str, Any]

REPO = Path(__file__).resolve().parents[1]
DEFAULT_OUT = REPO / "tests" / "fixtures" / "kobo"
FORM_DIR_CANDIDATES = (REPO / "forms" / "bma", REPO.parent / "shared" / "bma-form")

LANGUAGES = ("English (en)", "Russian (ru)", "Kyrgyz (ky)")
LANG_SLUGS = {"xml": "xml", "English (en)": "label-en", "Russian (ru)": "label-ru", "Kyrgyz (ky)": "label-ky"}
ROUND = 3
SEED = 20240301
SERVER = "https://kf.kobotoolbox.org"
API_PAGE_SIZE = 5
# Pinned into every workbook's document properties so that a re-run writes identical bytes.
EXPORT_CREATED = dt.datetime(2024, 5, 2, 8, 0, 0, tzinfo=dt.UTC)
# The submission key KPI uses to tell formpack which form version a submission belongs to.
INFERRED_VERSION_KEY = "__inferred_version__"
# KPI's metadata columns, in the order the contract lists them (`__version__` after `_submitted_by`).
COPY_FIELDS: tuple[Any, ...] = (
    IdCopyField,
    "_uuid",
    SubmissionTimeCopyField,
    ValidationStatusCopyField,
    NotesCopyField,
    "_status",
    "_submitted_by",
    "__version__",
    TagsCopyField,
)
VALIDATION_LABELS = {
    "validation_status_approved": "Approved",
    "validation_status_not_approved": "Not approved",
    "validation_status_on_hold": "On hold",
}
YEAR_FIELD = re.compile(r"^(?P<section>[a-z]+)_n_(?P<year>\d{4})$")


# --------------------------------------------------------------------------------------------
# The forms
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RoundSettings:
    """One row of ``settings.csv``."""

    round: int
    version: str
    reference_years: tuple[int, ...]
    internal_reference_year: int | None
    collection_period: str


@dataclass(frozen=True)
class Form:
    """One XLSForm (``b1`` or ``b2``) as read from the contract's CSV files."""

    key: str
    form_id: str
    title: str
    asset_uid: str
    survey: tuple[dict[str, str], ...]
    choices: tuple[dict[str, str], ...]
    rounds: dict[int, RoundSettings]

    def content(self, round_no: int) -> dict[str, Any]:
        """The form of one round as formpack content (XLSForm rows with ``label::<lang>`` keys).

        The files hold the newest form. A round's form has the per-year count fields of that
        round's reference years only (the contract: a later round adds the new year's field and
        keeps the older ones), so older versions are the newest form without the later years.
        """
        years = self.rounds[round_no].reference_years
        survey = []
        for row in self.survey:
            match = YEAR_FIELD.match(row.get("name", ""))
            if match and years and int(match["year"]) not in years:
                continue
            survey.append(_non_empty(row))
        settings = {"form_title": self.title, "version": self.rounds[round_no].version}
        return {"survey": survey, "choices": [_non_empty(c) for c in self.choices], "settings": settings}

    def question_header(self, name: str, lang: str | None, group_sep: str | None) -> str:
        """The header formpack writes for question ``name`` (``group_sep`` None: groups off)."""
        path: list[str] = []
        for row in self.survey:
            if row["type"] in ("begin_group", "begin_repeat"):
                path.append(row[f"label::{lang}"] or row["name"] if lang else row["name"])
            elif row["type"] in ("end_group", "end_repeat"):
                path.pop()
            elif row["name"] == name:
                own = row[f"label::{lang}"] or name if lang else name
                return group_sep.join([*path, own]) if group_sep is not None else own
        raise KeyError(name)

    def choice_names(self, list_name: str) -> list[str]:
        return [c["name"] for c in self.choices if c["list_name"] == list_name]


def _non_empty(row: dict[str, str]) -> dict[str, str]:
    return {key: value for key, value in row.items() if value != ""}


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def find_form_dir(explicit: Path | None) -> Path:
    """The folder of XLSForm CSV files: ``--forms``, else the first candidate with all languages."""
    candidates = [explicit] if explicit else list(FORM_DIR_CANDIDATES)
    for folder in candidates:
        survey = folder / "b2_survey.csv"
        if survey.is_file():
            header = survey.read_text(encoding="utf-8").splitlines()[0]
            if all(f"label::{lang}" in header for lang in LANGUAGES):
                return folder
    raise SystemExit(f"no form folder with labels in {', '.join(LANGUAGES)} among {candidates}")


def load_forms(form_dir: Path) -> dict[str, Form]:
    settings = _read_csv(form_dir / "settings.csv")
    forms: dict[str, Form] = {}
    for key in ("b1", "b2"):
        rows = [row for row in settings if row["form"] == key]
        rounds = {
            int(row["round"]): RoundSettings(
                round=int(row["round"]),
                version=row["version"],
                reference_years=tuple(int(y) for y in row["reference_years"].split()),
                internal_reference_year=int(row["internal_reference_year"])
                if row["internal_reference_year"]
                else None,
                collection_period=row["collection_period"],
            )
            for row in rows
        }
        forms[key] = Form(
            key=key,
            form_id=rows[0]["form_id"],
            title=rows[0]["form_title"],
            # A KPI asset uid: 'a' and 21 letters and digits, fixed per form.
            asset_uid="a" + _token(random.Random(f"{SEED}-{key}-asset"), 21),
            survey=tuple(_read_csv(form_dir / f"{key}_survey.csv")),
            choices=tuple(_read_csv(form_dir / f"{key}_choices.csv")),
            rounds=rounds,
        )
    return forms


def _token(rng: random.Random, length: int) -> str:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    return "".join(rng.choice(alphabet) for _ in range(length))


# --------------------------------------------------------------------------------------------
# Synthetic submissions, shaped like the REST API's JSON (keys are full XML paths)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Community:
    """A B2 community to assess (plausible places; the figures are all synthetic)."""

    community_id: str
    oblast: str
    rayon: str
    aiyl_aimak: str
    name: str
    settlement_type: str
    lat: float
    lon: float
    alt: int


COMMUNITIES = (
    Community("C00001", "chui", "chu_sokuluk", "Sokuluk", "Sokuluk", "village", 42.857, 74.303, 810),
    Community("C00002", "chui", "chu_sokuluk", "Shopokov", "Shopokov", "town", 42.820, 74.330, 850),
    Community("C00003", "chui", "chu_sokuluk", "Kyzyl-Tuu", "Kyzyl-Tuu", "village", 42.880, 74.180, 760),
    Community("C00004", "osh", "osh_kara_suu", "Kara-Suu", "Kara-Suu", "town", 40.704, 72.867, 870),
    Community("C00005", "osh", "osh_kara_suu", "Nariman", "Nariman", "village", 40.600, 72.820, 900),
    Community(
        "C00006", "osh", "osh_kara_suu", "Kashgar-Kyshtak", "Kashgar-Kyshtak", "village", 40.650, 72.780, 880
    ),
    Community("C00007", "jalal_abad", "jal_suzak", "Suzak", "Suzak", "village", 40.897, 72.905, 860),
    Community("C00008", "jalal_abad", "jal_suzak", "Barpy", "Barpy", "village", 40.950, 72.980, 830),
    Community(
        "C00009", "jalal_abad", "jal_suzak", "Kok-Abad", "Blagoveshchenka", "village", 40.990, 73.050, 890
    ),
    Community("C00010", "batken", "bat_leilek", "Isfana", "Isfana", "town", 39.838, 69.529, 1300),
    Community("C00011", "batken", "bat_leilek", "Katran", "Katran", "village", 39.750, 69.640, 1600),
    Community("C00012", "batken", "bat_leilek", "Kulundu", "Kulundu", "village", 40.050, 69.700, 1050),
    Community("C00013", "naryn", "nar_kochkor", "Kochkor", "Kochkor", "village", 42.215, 75.755, 1800),
)
# The edge cases of the B2 data set, each in one community.
FIRST_WITHOUT_IMW = "C00001"  # first submission: no migrant workers, so `imw_nat` is not the 2nd sheet
UNKNOWN_COUNT = "C00002"  # one count is -99 (the key informants did not know)
CORRECTED = "C00004"  # submitted twice; the later submission (a correction) wins
OTHER_COUNTRY = "C00006"  # a return country answered as `other` with free text
DONT_KNOW_COUNTRY = "C00009"  # an emigration country answered `dont_know`
NOT_APPROVED = "C00013"  # validation_status_not_approved: kept in every file, never counted
INTERNAL_DONT_KNOW = "C00008"  # answers `dont_know` when asked about internal out-migrants and had none

MALE_NAMES = (
    "Aibek Toktogulov", "Bakyt Sadykov", "Nurlan Abdyraimov", "Ulan Mamatov", "Azamat Joldoshev",
    "Kubanychbek Osmonov", "Erlan Ismailov", "Talant Kadyrov", "Rustam Yusupov", "Sergey Petrov",
    "Almaz Asanov", "Maksat Beishenaliev",
)  # fmt: skip
FEMALE_NAMES = (
    "Nurgul Asanova", "Aigul Bekova", "Gulnara Tashieva", "Cholpon Abdrakhmanova", "Jyldyz Omurova",
    "Elmira Sultanova", "Aizada Kasymova", "Dinara Abdullaeva", "Natalya Ivanova", "Mairam Toktosunova",
)  # fmt: skip
ENUMERATORS = ("Asel Mambetova", "Timur Alymkulov", "Zarina Rakhimova", "Adilet Kurmanbekov")
KI_TYPES = ("local_gov", "migrant_leader", "trader", "religious", "employment_agency", "humanitarian_org")
IMW_NATIONALITIES = ("uzb", "tjk", "chn", "tur", "afg", "pak", "ind")
RETURN_COUNTRIES = ("rus", "kaz", "tur", "kor")
EMIGRATION_COUNTRIES = ("rus", "kaz", "kor", "tur", "deu", "usa", "gbr")
RET_REASONS = (
    "family", "contract_completed", "patent", "deportation", "currency_depreciation", "mobilization",
    "job_home", "health", "debts", "sanctions", "conflict_abroad", "human_rights_abroad",
    "low_income_abroad", "no_opportunities_abroad", "disasters_abroad", "other",
)  # fmt: skip
EMI_REASONS = (
    "low_income", "no_opportunities", "job_abroad", "living_conditions", "debts", "work_contract",
    "economy_currency", "family", "education", "medical", "sanctions", "conflict_home",
    "human_rights_home", "disasters",
)  # fmt: skip
INTERNAL_REASONS = ("economic", "housing", "education", "family", "environmental", "unknown")
SERVICES = (
    "clinic", "hospital", "internet", "market", "drinking_water", "school", "employment_center",
    "bank_atm_post", "public_service_center",
)  # fmt: skip
LOCAL_TZ = dt.timezone(dt.timedelta(hours=6))  # Kyrgyzstan


def _split(total: int, parts: int, rng: random.Random) -> list[int]:
    """``total`` cut into ``parts`` non-negative integers (deterministic for a given rng)."""
    cuts = sorted(rng.randint(0, total) for _ in range(parts - 1))
    return [b - a for a, b in zip([0, *cuts], [*cuts, total], strict=True)]


def _odk_time(moment: dt.datetime) -> str:
    """An ODK ``start``/``end`` value: local time with milliseconds and offset."""
    return moment.isoformat(timespec="milliseconds")


def _utc_text(moment: dt.datetime) -> str:
    """A ``_submission_time``: UTC, ISO 8601 without offset, as Kobo stores it."""
    return moment.astimezone(dt.UTC).replace(tzinfo=None).isoformat(timespec="seconds")


class SubmissionMaker:
    """Builds Kobo submissions (REST API JSON objects) with deterministic random content."""

    def __init__(self, form: Form, seed: str) -> None:
        self.form = form
        self.rng = random.Random(seed)
        self.next_id = 318_400_000 + self.rng.randint(0, 9_999)
        self.formhub_uuid = uuid.UUID(int=self.rng.getrandbits(128)).hex
        self.version = form.rounds[ROUND].version

    def metadata(
        self,
        fields: Submission,
        submitted: dt.datetime,
        status: str | None,
        submitted_by: str | None,
        geolocation: tuple[float, float] | None,
    ) -> Submission:
        """``fields`` wrapped with Kobo's metadata, keys in the order the REST API gives them."""
        rng = self.rng
        submission_uuid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        self.next_id += rng.randint(3, 400)
        validation: dict[str, Any] = {}
        if status:
            checked = submitted + dt.timedelta(days=rng.randint(1, 6), minutes=rng.randint(0, 600))
            validation = {
                "timestamp": int(checked.timestamp()),
                "uid": status,
                "by_whom": "mtm_kg_supervisor",
                "label": VALIDATION_LABELS[status],
            }
        return {
            "_id": self.next_id,
            "formhub/uuid": self.formhub_uuid,
            **fields,
            "__version__": self.version,
            "meta/instanceID": f"uuid:{submission_uuid}",
            "_xform_id_string": self.form.asset_uid,
            "_uuid": submission_uuid,
            "_attachments": [],
            "_status": "submitted_via_web",
            "_geolocation": list(geolocation) if geolocation else [None, None],
            "_submission_time": _utc_text(submitted),
            "_tags": [],
            "_notes": [],
            "_validation_status": validation,
            "_submitted_by": submitted_by,
        }

    def times(self, day: dt.date) -> tuple[dict[str, str], dt.datetime]:
        """``start``/``end``/``today``/``deviceid`` of an interview on ``day`` and its upload time."""
        rng = self.rng
        start = dt.datetime.combine(day, dt.time(9, 0), LOCAL_TZ) + dt.timedelta(
            minutes=rng.randint(0, 240), seconds=rng.randint(0, 59), milliseconds=rng.randint(0, 999)
        )
        end = start + dt.timedelta(minutes=rng.randint(35, 95), seconds=rng.randint(0, 59))
        uploaded = end + dt.timedelta(hours=rng.randint(0, 50), minutes=rng.randint(1, 59))
        fields = {
            "start": _odk_time(start),
            "end": _odk_time(end),
            "today": day.isoformat(),
            "deviceid": "collect:" + _token(rng, 16),
        }
        return fields, uploaded


# ---- B2 --------------------------------------------------------------------------------------


def _key_informants(rng: random.Random, other_type: bool) -> list[Submission]:
    rows = []
    for index in range(rng.randint(2, 4)):
        sex = rng.choice(("male", "female"))
        name = rng.choice(MALE_NAMES if sex == "male" else FEMALE_NAMES)
        row: Submission = {"ki/ki_name": name}
        if rng.random() < 0.8:
            prefix = rng.choice(("555", "700", "707", "770", "772", "550", "999"))
            row["ki/ki_phone"] = f"+996 {prefix} {rng.randint(100, 999)} {rng.randint(100, 999)}"
        row["ki/ki_sex"] = sex
        if other_type and index == 0:
            row["ki/ki_type"] = "other"
            row["ki/ki_type_other"] = "School teacher"
        else:
            row["ki/ki_type"] = rng.choice(KI_TYPES)
        rows.append(row)
    return rows


def _country_rows(
    rng: random.Random, section: str, repeat: str, countries: Sequence[str], years: Sequence[int], scale: int
) -> list[Submission]:
    rows = []
    for country in countries:
        row: Submission = {f"{section}/{repeat}/{section}_country": country}
        if country == "other":
            row[f"{section}/{repeat}/{section}_country_other"] = "Россия"
        for year in years:
            high = scale if year < years[-1] else max(1, scale // 4)  # the last year is partial
            row[f"{section}/{repeat}/{section}_n_{year}"] = str(rng.randint(0, high))
        rows.append(row)
    return rows


def _internal_section(
    rng: random.Random, section: str, repeat: str, rayon_field: str, count_field: str, rayons: Sequence[str]
) -> Submission:
    """The answers of ``int_in`` or ``int_out`` when people moved: places, counts and reasons."""
    rows: list[Submission] = [
        {
            f"{section}/{repeat}/{rayon_field}": rayon,
            f"{section}/{repeat}/{count_field}": str(rng.randint(1, 40)),
        }
        for rayon in rayons
    ]
    total = sum(int(row[f"{section}/{repeat}/{count_field}"]) for row in rows)
    answers: Submission = {f"{section}/{section}_present": "yes", f"{section}/{repeat}": rows}
    for reason, count in zip(INTERNAL_REASONS, _split(total, len(INTERNAL_REASONS), rng), strict=True):
        answers[f"{section}/{section}_reason_{reason}"] = str(count)
    return answers


def b2_fields(form: Form, community: Community, day: dt.date, rng: random.Random) -> Submission:
    """The answers of one B2 interview, keyed like the REST API (``loc/oblast``)."""
    years = form.rounds[ROUND].reference_years
    all_rayons = form.choice_names("rayon")
    cid = community.community_id
    gps = (
        round(community.lat + rng.uniform(-0.005, 0.005), 6),
        round(community.lon + rng.uniform(-0.005, 0.005), 6),
    )
    households = rng.randint(250, 3200)
    answers: Submission = {
        "enumerator_name": rng.choice(ENUMERATORS),
        "assessment_date": day.isoformat(),
        "loc/oblast": community.oblast,
        "loc/rayon": community.rayon,
        "loc/aiyl_aimak": community.aiyl_aimak,
        "loc/community_name": community.name,
        "loc/community_id": cid,
        "loc/settlement_type": community.settlement_type,
        "loc/households": str(households),
    }
    if rng.random() < 0.75:
        answers["loc/population"] = str(households * rng.randint(4, 6))
    answers["loc/gps"] = f"{gps[0]} {gps[1]} {community.alt}.0 {rng.choice((3.9, 4.8, 5.0, 9.6))}"
    answers["ki"] = _key_informants(rng, other_type=cid == "C00007")

    # International migrant workers.
    if cid == FIRST_WITHOUT_IMW:
        answers["imw/imw_present"] = "no"
    elif cid == "C00011":
        answers["imw/imw_present"] = "dont_know"
    else:
        answers["imw/imw_present"] = "yes"
        nationalities = rng.sample(IMW_NATIONALITIES, rng.randint(1, 3))
        rows = _country_rows(rng, "imw", "imw_nat", nationalities, years, 25)
        answers["imw/imw_nat"] = rows
        total = sum(int(v) for row in rows for k, v in row.items() if YEAR_FIELD.match(k.rsplit("/", 1)[1]))
        short, long_, unknown = _split(total, 3, rng)
        answers |= {"imw/imw_stay_short": str(short), "imw/imw_stay_long": str(long_)}
        answers["imw/imw_stay_unknown"] = str(unknown)

    # Return migrants.
    answers["ret/ret_present"] = "yes"
    countries = rng.sample(RETURN_COUNTRIES, rng.randint(1, 3))
    if cid == OTHER_COUNTRY:
        countries.append("other")
    rows = _country_rows(rng, "ret", "ret_cty", countries, years, 60)
    if cid == UNKNOWN_COUNT:
        rows[0][f"ret/ret_cty/ret_n_{years[1]}"] = "-99"
    answers["ret/ret_cty"] = rows
    for reason in RET_REASONS:
        answers[f"ret/ret_reasons/ret_reason_{reason}"] = str(rng.choice((0, 0, 3, 4, 5)))

    # Emigrants.
    if cid in ("C00005", "C00012"):
        answers["emi/emi_present"] = "no"
    else:
        answers["emi/emi_present"] = "yes"
        countries = rng.sample(EMIGRATION_COUNTRIES, rng.randint(1, 3))
        if cid == DONT_KNOW_COUNTRY:
            countries.append("dont_know")
        answers["emi/emi_cty"] = _country_rows(rng, "emi", "emi_cty", countries, years, 30)
        for reason in EMI_REASONS:
            answers[f"emi/emi_reasons/emi_reason_{reason}"] = str(rng.choice((0, 0, 3, 4, 5)))

    # Internal migrants (reference year: the year before the assessment).
    reference_year = str(day.year - 1)
    answers["int_in/int_in_ref_year"] = reference_year
    if rng.random() < 0.7:
        origins = [community.rayon, *rng.sample(all_rayons, rng.randint(0, 2))]
        answers |= _internal_section(
            rng, "int_in", "int_in_origin", "int_in_origin_rayon", "int_in_n", origins
        )
    else:
        answers["int_in/int_in_present"] = rng.choice(("no", "dont_know"))

    # Internal out-migrants.
    answers["int_out/int_out_ref_year"] = reference_year
    if rng.random() < 0.6:
        destinations = rng.sample(all_rayons, rng.randint(1, 3))
        answers |= _internal_section(
            rng, "int_out", "int_out_dest", "int_out_dest_rayon", "int_out_n", destinations
        )
    else:
        answers["int_out/int_out_present"] = "dont_know" if cid == INTERNAL_DONT_KNOW else "no"

    # Access to services.
    for service in SERVICES:
        available = rng.random() < 0.55
        answers[f"svc/{service}_avail"] = "yes" if available else "no"
        if not available:
            answers[f"svc/{service}_dist_km"] = str(rng.randint(1, 65))
    answers["assessment_year"] = str(day.year)
    return answers


def b2_submissions(form: Form) -> list[Submission]:
    """Round 3 of B2: one submission per community, one correction, one not approved."""
    maker = SubmissionMaker(form, f"{SEED}-b2")
    rng = maker.rng
    statuses = ("validation_status_approved", "validation_status_approved", None)
    submissions: list[Submission] = []
    day = dt.date(2024, 2, 12)
    for community in COMMUNITIES:
        day += dt.timedelta(days=rng.randint(2, 5))
        times, uploaded = maker.times(day)
        fields = {**times, **b2_fields(form, community, day, rng)}
        status = rng.choice(statuses)
        if community.community_id == CORRECTED:
            status = "validation_status_on_hold"
        if community.community_id == NOT_APPROVED:
            status = "validation_status_not_approved"
        submitted_by = f"mtm_kg_{community.oblast}" if rng.random() < 0.8 else None
        submissions.append(maker.metadata(fields, uploaded, status, submitted_by, _geo(fields)))

    # The correction: the same community interviewed again later with other figures.
    original = next(s for s in submissions if s["loc/community_id"] == CORRECTED)
    community = next(c for c in COMMUNITIES if c.community_id == CORRECTED)
    day += dt.timedelta(days=3)
    times, uploaded = maker.times(day)
    fields = {**times, **b2_fields(form, community, day, rng)}
    fields["enumerator_name"] = original["enumerator_name"]
    correction = maker.metadata(
        fields, uploaded, "validation_status_approved", original["_submitted_by"], _geo(fields)
    )
    correction["_tags"] = ["correction"]
    submissions.append(correction)
    return submissions


def without_internal_out_migrants(submissions: Sequence[Submission]) -> list[Submission]:
    """The same submissions as if no community had had internal out-migrants (no ``int_out_dest``)."""
    changed = []
    for submission in submissions:
        kept = "int_out/int_out_ref_year"
        fields = {k: v for k, v in submission.items() if k == kept or not k.startswith("int_out/")}
        present = "dont_know" if submission["loc/community_id"] == INTERNAL_DONT_KNOW else "no"
        position = list(fields).index(kept) + 1
        items = list(fields.items())
        items.insert(position, ("int_out/int_out_present", present))
        changed.append(copy.deepcopy(dict(items)))
    return changed


def _geo(fields: Submission) -> tuple[float, float] | None:
    gps = fields.get("loc/gps")
    if not gps:
        return None
    lat, lon = gps.split()[:2]
    return float(lat), float(lon)


# ---- B1 --------------------------------------------------------------------------------------

# Per rayon: its communities (name, MTM code or "" if not coded yet, flows). B1 lists the places
# B2 then visits, and a few more.
B1_VILLAGES: dict[str, tuple[tuple[str, str, str], ...]] = {
    "chu_sokuluk": (
        ("Sokuluk", "C00001", "inflow"),
        ("Shopokov", "C00002", "inflow outflow"),
        ("Kyzyl-Tuu", "C00003", "outflow"),
        ("Novopokrovka", "", "inflow"),
    ),
    "osh_kara_suu": (
        ("Kara-Suu", "C00004", "inflow outflow"),
        ("Nariman", "C00005", "outflow"),
        ("Kashgar-Kyshtak", "C00006", "outflow"),
    ),
    "jal_suzak": (
        ("Suzak", "C00007", "outflow"),
        ("Barpy", "C00008", "inflow outflow"),
        ("Blagoveshchenka", "C00009", "outflow"),
        ("Tashtak", "", "outflow"),
    ),
    "bat_leilek": (
        ("Isfana", "C00010", "inflow outflow"),
        ("Katran", "C00011", "outflow"),
        ("Kulundu", "C00012", "outflow"),
    ),
}
B1_OBLAST = {"chu_sokuluk": "chui", "osh_kara_suu": "osh", "jal_suzak": "jalal_abad", "bat_leilek": "batken"}
B1_STATUSES = (
    "validation_status_approved",
    None,
    "validation_status_on_hold",
    "validation_status_approved",
)
B1_UNKNOWN = ("jal_suzak", "Barpy", "est_int_out")  # the one -99 of B1
ESTIMATES = ("est_imw", "est_ret", "est_emi", "est_int_in", "est_int_out")


def b1_submissions(form: Form) -> list[Submission]:
    """Round 3 of B1: one submission per rayon, listing its communities with high flows."""
    maker = SubmissionMaker(form, f"{SEED}-b1")
    rng = maker.rng
    submissions = []
    day = dt.date(2024, 2, 5)
    for (rayon, villages), status in zip(B1_VILLAGES.items(), B1_STATUSES, strict=True):
        day += dt.timedelta(days=rng.randint(1, 3))
        times, uploaded = maker.times(day)
        rows = []
        for name, code, flows in villages:
            row: Submission = {"villages/community_name": name}
            if code:
                row["villages/community_id"] = code
            row["villages/flows"] = flows
            for estimate in ESTIMATES:
                value = rng.randint(5, 400) if estimate in ("est_ret", "est_emi") else rng.randint(0, 120)
                row[f"villages/{estimate}"] = str(value)
            if (rayon, name) == B1_UNKNOWN[:2]:
                row[f"villages/{B1_UNKNOWN[2]}"] = "-99"
            rows.append(row)
        fields = {
            **times,
            "enumerator_name": rng.choice(ENUMERATORS),
            "assessment_date": day.isoformat(),
            "oblast": B1_OBLAST[rayon],
            "rayon": rayon,
            "ki_count": str(rng.randint(3, 6)),
            "villages": rows,
        }
        del fields["deviceid"]  # the B1 form has no deviceid question
        submissions.append(maker.metadata(fields, uploaded, status, f"mtm_kg_{B1_OBLAST[rayon]}", None))
    return submissions


# --------------------------------------------------------------------------------------------
# Known totals, in plain Python from the submissions
# --------------------------------------------------------------------------------------------

B2_POPULATIONS = {
    # population: (repeat path, count field name or None for per-year fields)
    "imw": ("imw/imw_nat", None),
    "ret": ("ret/ret_cty", None),
    "emi": ("emi/emi_cty", None),
    "int_in": ("int_in/int_in_origin", "int_in_n"),
    "int_out": ("int_out/int_out_dest", "int_out_n"),
}


def counted(submissions: Iterable[Submission], key: str) -> list[Submission]:
    """The submissions a round counts: per ``key``, the latest one that is not "not approved"."""
    latest: dict[str, Submission] = {}
    for submission in submissions:
        if submission["_validation_status"].get("uid") == "validation_status_not_approved":
            continue
        kept = latest.get(submission[key])
        if kept is None or submission["_submission_time"] > kept["_submission_time"]:
            latest[submission[key]] = submission
    return sorted(latest.values(), key=lambda s: s[key])


def _status_counts(submissions: Sequence[Submission]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for submission in submissions:
        uid = submission["_validation_status"].get("uid", "")
        counts[uid or "none"] = counts.get(uid or "none", 0) + 1
    return dict(sorted(counts.items()))


def b2_expected(form: Form, submissions: Sequence[Submission]) -> dict[str, Any]:
    settings = form.rounds[ROUND]
    kept = counted(submissions, "loc/community_id")
    persons: dict[str, dict[str, int]] = {}
    unknown: dict[str, dict[str, int]] = {}
    rows: dict[str, int] = {}
    for population, (repeat, count_field) in B2_POPULATIONS.items():
        prefix = repeat.split("/")[0]
        if count_field:
            year_fields = {str(settings.internal_reference_year): f"{repeat}/{count_field}"}
        else:
            year_fields = {str(y): f"{repeat}/{prefix}_n_{y}" for y in settings.reference_years}
        persons[population] = dict.fromkeys(year_fields, 0)
        unknown[population] = dict.fromkeys(year_fields, 0)
        rows[population] = 0
        for submission in kept:
            for row in submission.get(repeat, []):
                rows[population] += 1
                for year, path in year_fields.items():
                    value = row.get(path)
                    if value is None:
                        continue
                    if int(value) == -99:
                        unknown[population][year] += 1
                    else:
                        persons[population][year] += int(value)
    return {
        "form": form.key,
        "round": ROUND,
        "unit": "community (loc/community_id)",
        "submissions": len(submissions),
        "submissions_by_validation_status": _status_counts(submissions),
        "communities": len(kept),
        "counted_submission_uuids": [s["_uuid"] for s in kept],
        "key_informants": sum(len(s.get("ki", [])) for s in kept),
        "repeat_rows": {"ki": sum(len(s.get("ki", [])) for s in kept), **rows},
        "persons": persons,
        "persons_total": {population: sum(years.values()) for population, years in persons.items()},
        "unknown_answers": unknown,
        "unknown_answers_total": sum(sum(years.values()) for years in unknown.values()),
    }


def b1_expected(form: Form, submissions: Sequence[Submission]) -> dict[str, Any]:
    kept = counted(submissions, "rayon")
    persons = dict.fromkeys((e.removeprefix("est_") for e in ESTIMATES), 0)
    unknown = dict.fromkeys(persons, 0)
    for submission in kept:
        for row in submission["villages"]:
            for estimate in ESTIMATES:
                value = int(row[f"villages/{estimate}"])
                population = estimate.removeprefix("est_")
                if value == -99:
                    unknown[population] += 1
                else:
                    persons[population] += value
    return {
        "form": form.key,
        "round": ROUND,
        "unit": "rayon",
        "submissions": len(submissions),
        "submissions_by_validation_status": _status_counts(submissions),
        "rayons": len(kept),
        "counted_submission_uuids": [s["_uuid"] for s in kept],
        "villages": sum(len(s["villages"]) for s in kept),
        "villages_coded": sum(1 for s in kept for row in s["villages"] if "villages/community_id" in row),
        "persons": persons,
        "unknown_answers": unknown,
        "unknown_answers_total": sum(unknown.values()),
    }


# --------------------------------------------------------------------------------------------
# Exports, written by formpack as KPI calls it
# --------------------------------------------------------------------------------------------

OPTION_VALUES: dict[str, tuple[Any, ...]] = {
    "lang": ("xml", *LANGUAGES),
    "groups": (False, True),
    "sep": ("/", "."),
    "multiple_select": ("summary", "details", "both"),
    "text": (True, False),
    "versions": ("all", "latest"),
}


@dataclass(frozen=True)
class ExportOptions:
    """One combination of Kobo's download options."""

    lang: str  # "xml" or a form language, e.g. "Russian (ru)"
    groups: bool  # "Include groups in headers"
    sep: str  # "Group separator"
    multiple_select: str  # "Export select_multiple as": summary | details | both
    text: bool  # "Store date and number responses as text"
    versions: str  # "Include data from all versions": all | latest

    def slug(self) -> str:
        sep = {"/": "slash", ".": "dot"}.get(self.sep, "other")
        return "__".join(
            (
                LANG_SLUGS[self.lang],
                f"groups-{'on' if self.groups else 'off'}",
                f"sep-{sep}",
                f"multi-{self.multiple_select}",
                f"text-{'on' if self.text else 'off'}",
                f"versions-{self.versions}",
            )
        )

    def describe(self) -> dict[str, Any]:
        return {
            "format": "xml" if self.lang == "xml" else "labels",
            "lang": None if self.lang == "xml" else self.lang,
            "groups": self.groups,
            "sep": self.sep,
            "multiple_select": self.multiple_select,
            "text": self.text,
            "versions": self.versions,
        }


# KPI's defaults when a download names no option: labels in the form's first language, groups
# off, "/", both, text on, all versions.
KOBO_DEFAULTS = ExportOptions("English (en)", False, "/", "both", True, "all")
XML_DEFAULTS = ExportOptions("xml", False, "/", "both", True, "all")
RUSSIAN_WITH_GROUPS = ExportOptions("Russian (ru)", True, "/", "both", True, "all")
# Rows every run must contain (contrasting shapes); the rest is filled pairwise.
SEED_ROWS = (
    XML_DEFAULTS,
    ExportOptions("xml", True, "/", "both", True, "all"),
    ExportOptions("xml", True, ".", "both", True, "all"),
    RUSSIAN_WITH_GROUPS,
    ExportOptions("xml", False, "/", "details", True, "all"),
    KOBO_DEFAULTS,
)
CSV_EXPORTS = (("b1", XML_DEFAULTS), ("b2", XML_DEFAULTS), ("b2", RUSSIAN_WITH_GROUPS))


def covering_options(seeds: Sequence[ExportOptions] = SEED_ROWS) -> list[ExportOptions]:
    """``seeds`` plus greedy rows until every pair of values of two options occurs in some row."""
    names = list(OPTION_VALUES)

    def pairs(row: Sequence[Any]) -> set[tuple[int, Any, int, Any]]:
        return {(i, row[i], j, row[j]) for i, j in itertools.combinations(range(len(row)), 2)}

    candidates = list(itertools.product(*OPTION_VALUES.values()))
    uncovered = set().union(*(pairs(c) for c in candidates))
    rows = [tuple(getattr(seed, n) for n in names) for seed in seeds]
    for row in rows:
        uncovered -= pairs(row)
    while uncovered:
        best = max(candidates, key=lambda c: len(pairs(c) & uncovered))  # first best: deterministic
        rows.append(best)
        uncovered -= pairs(best)
    return [ExportOptions(*row) for row in rows]


def build_pack(form: Form, all_versions: bool) -> FormPack:
    """The FormPack KPI builds: every deployed version (oldest first), or only the newest."""
    round_numbers = sorted(r for r in form.rounds if r <= ROUND)
    if not all_versions:
        round_numbers = round_numbers[-1:]
    schemas = [
        {
            "content": form.content(r),
            "version": form.rounds[r].version,
            "version_id_key": INFERRED_VERSION_KEY,
        }
        for r in round_numbers
    ]
    return FormPack(versions=schemas, title=form.title, id_string=form.asset_uid)


def kpi_stream(pack: FormPack, submissions: Iterable[Submission], all_versions: bool) -> Iterator[Submission]:
    """Submissions as KPI hands them to formpack: each tagged with the version it belongs to.

    KPI assigns every submission to the newest version when "all versions" is off, and to the
    version named in its ``__version__`` (falling back to the newest) when it is on.
    """
    version_ids = list(pack.versions.keys())
    for submission in submissions:
        tagged = copy.deepcopy(submission)
        version = tagged.get("__version__")
        tagged[INFERRED_VERSION_KEY] = version if all_versions and version in version_ids else version_ids[-1]
        yield tagged


def export_options_for_kpi(pack: FormPack, options: ExportOptions) -> dict[str, Any]:
    """The keyword arguments KPI passes to ``FormPack.export`` for these download options."""
    return {
        "versions": list(pack.versions.keys()),
        "lang": UNSPECIFIED_TRANSLATION if options.lang == "xml" else options.lang,
        "group_sep": options.sep,
        "hierarchy_in_labels": options.groups,
        "multiple_select": options.multiple_select,
        "copy_fields": COPY_FIELDS,
        "force_index": True,
        "tag_cols_for_header": ["hxl"],
        "filter_fields": [],
        "xls_types_as_text": options.text,
        "include_media_url": False,
    }


class _ReproducibleWorkbook(xlsxwriter.Workbook):  # type: ignore[misc]
    """xlsxwriter's workbook with a pinned creation date (else every run changes the bytes)."""

    def __init__(self, filename: str, options: dict[str, Any] | None = None) -> None:
        super().__init__(filename, options)
        self.set_properties({"created": EXPORT_CREATED})


@contextmanager
def reproducible_xlsx() -> Iterator[None]:
    with mock.patch.object(xlsxwriter, "Workbook", _ReproducibleWorkbook):
        yield


def write_xlsx(form: Form, submissions: Sequence[Submission], options: ExportOptions, path: Path) -> None:
    all_versions = options.versions == "all"
    pack = build_pack(form, all_versions)
    export = pack.export(**export_options_for_kpi(pack, options))
    with reproducible_xlsx():
        export.to_xlsx(str(path), kpi_stream(pack, submissions, all_versions))


def write_kobo_csv(form: Form, submissions: Sequence[Submission], options: ExportOptions, path: Path) -> None:
    """Kobo's CSV export: formpack's ``to_csv`` lines, each ended by CRLF, UTF-8 without BOM."""
    all_versions = options.versions == "all"
    pack = build_pack(form, all_versions)
    export = pack.export(**export_options_for_kpi(pack, options))
    with path.open("wb") as handle:
        for line in export.to_csv(kpi_stream(pack, submissions, all_versions)):
            handle.write((line + "\r\n").encode("utf-8"))


def write_api_pages(form: Form, submissions: Sequence[Submission], folder: Path) -> list[Path]:
    """Saved pages of ``GET /api/v2/assets/<uid>/data/?format=json&limit=N`` (start/limit paging)."""
    folder.mkdir(parents=True, exist_ok=True)
    ordered = sorted(submissions, key=lambda s: s["_id"])
    base = f"{SERVER}/api/v2/assets/{form.asset_uid}/data/?format=json&limit={API_PAGE_SIZE}"
    paths = []
    for number, start in enumerate(range(0, len(ordered), API_PAGE_SIZE), 1):
        following = start + API_PAGE_SIZE
        if start == 0:
            previous = None
        elif start - API_PAGE_SIZE <= 0:
            previous = base  # Django REST framework drops `start` when it would be 0
        else:
            previous = f"{base}&start={start - API_PAGE_SIZE}"
        page = {
            "count": len(ordered),
            "next": f"{base}&start={following}" if following < len(ordered) else None,
            "previous": previous,
            "results": ordered[start:following],
        }
        path = folder / f"{form.key}_page_{number}.json"
        path.write_text(json.dumps(page, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        paths.append(path)
    return paths


# --------------------------------------------------------------------------------------------
# The fixture set
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Written:
    """A file written and its manifest entry."""

    path: Path
    entry: dict[str, Any]


def generate(forms: dict[str, Form], out: Path) -> list[Written]:
    """Write every fixture into ``out`` and return what was written."""
    data = {
        "b1": b1_submissions(forms["b1"]),
        "b2": b2_submissions(forms["b2"]),
    }
    no_int_out = without_internal_out_migrants(data["b2"])
    written: list[Written] = []

    def base(form: Form, data_set: str) -> dict[str, Any]:
        return {"form": form.key, "round": ROUND, "data_set": data_set, "title": form.title}

    for key in ("b1", "b2"):
        form = forms[key]
        for options in covering_options():
            path = out / f"{key}_r{ROUND}__{options.slug()}.xlsx"
            write_xlsx(form, data[key], options, path)
            entry = {**base(form, key), "kind": "xlsx", **options.describe()}
            written.append(Written(path, entry))

    for key, options in CSV_EXPORTS:
        form = forms[key]
        path = out / f"{key}_r{ROUND}__{options.slug()}.csv"
        write_kobo_csv(form, data[key], options, path)
        written.append(Written(path, {**base(form, key), "kind": "kobo_csv", **options.describe()}))

    form = forms["b2"]
    for options in (KOBO_DEFAULTS, XML_DEFAULTS):
        path = out / f"b2_r{ROUND}_no_int_out__{options.slug()}.xlsx"
        write_xlsx(form, no_int_out, options, path)
        written.append(Written(path, {**base(form, "b2_no_int_out"), "kind": "xlsx", **options.describe()}))

    for key in ("b1", "b2"):
        form = forms[key]
        pages = write_api_pages(form, data[key], out / "api")
        for number, path in enumerate(pages, 1):
            entry = {
                **base(form, key),
                "kind": "api_json",
                "asset_uid": form.asset_uid,
                "page": number,
                "pages": len(pages),
                "page_size": API_PAGE_SIZE,
            }
            written.append(Written(path, entry))

    expected = {
        "about": (
            "Known totals of the synthetic submissions, computed by tools/kobo_fixtures.py in plain "
            "Python from the submissions (not from any export). Counted: per community (B2) or rayon "
            "(B1) the submission with the latest _submission_time among those not "
            "validation_status_not_approved. -99 is an unknown answer: left out of persons and "
            "counted in unknown_answers. B2 persons are per reference year (int_in/int_out: the "
            "internal reference year)."
        ),
        "b1": b1_expected(forms["b1"], data["b1"]),
        "b2": b2_expected(forms["b2"], data["b2"]),
        "b2_no_int_out": b2_expected(forms["b2"], no_int_out),
    }
    expected_path = out / "expected.json"
    expected_path.write_text(json.dumps(expected, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    written.append(Written(expected_path, {"kind": "expected_totals"}))
    return written


def form_fingerprint(form_dir: Path) -> dict[str, str]:
    """sha256 of each form file, so a test can tell when the fixtures are older than the forms."""
    names = ("settings.csv", "b1_survey.csv", "b1_choices.csv", "b2_survey.csv", "b2_choices.csv")
    return {name: hashlib.sha256((form_dir / name).read_bytes()).hexdigest() for name in names}


def formpack_commit(explicit: str | None) -> str | None:
    """The formpack commit: ``--formpack-commit``, else the one pip recorded for a git install."""
    if explicit:
        return explicit
    try:
        direct_url = metadata.distribution("formpack").read_text("direct_url.json")
    except metadata.PackageNotFoundError:
        return None
    commit = json.loads(direct_url or "{}").get("vcs_info", {}).get("commit_id")
    return str(commit) if commit else None


def write_manifest(
    out: Path, written: Sequence[Written], forms: dict[str, Form], form_dir: Path, commit: str | None
) -> Path:
    files = [
        {"file": w.path.relative_to(out).as_posix(), "bytes": w.path.stat().st_size, **w.entry}
        for w in sorted(written, key=lambda w: w.path.relative_to(out).as_posix())
    ]
    manifest = {
        "generator": "tools/kobo_fixtures.py",
        "writer": {
            "library": "formpack (github.com/kobotoolbox/formpack, GPL-3.0), imported, not copied",
            "version": _dist_version("formpack"),
            "commit": commit,
        },
        "seed": SEED,
        "forms": {
            key: {
                "title": form.title,
                "form_id": form.form_id,
                "asset_uid": form.asset_uid,
                "version": form.rounds[ROUND].version,
                "versions_when_all": [form.rounds[r].version for r in sorted(form.rounds) if r <= ROUND],
            }
            for key, form in forms.items()
        },
        "form_files_sha256": form_fingerprint(form_dir),
        "fields": {
            "kind": "xlsx | kobo_csv (Kobo's CSV export: main sheet only) | api_json (a saved REST API "
            "page) | expected_totals",
            "data_set": "the submissions in the file; expected.json has the totals of each data set",
            "format": "xml (XML values and headers) | labels",
            "lang": "the labels' language; null for XML values and headers",
            "groups": "Include groups in headers",
            "sep": "Group separator",
            "multiple_select": "Export select_multiple as: summary (single column), details (separate "
            "columns), both",
            "text": "Store date and number responses as text",
            "versions": "Include data from all versions: all | latest",
        },
        "files": files,
    }
    path = out / "manifest.json"
    path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path


def _dist_version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


README = """\
# KoboToolbox export fixtures (generated)

Written by `tools/kobo_fixtures.py` with KoboToolbox's own export library formpack
(github.com/kobotoolbox/formpack, imported by the script, not part of this project), from the
forms in `forms/bma` and deterministic synthetic submissions: the places are real, every
person's name, phone number and every figure is made up. Do not edit by hand: re-run the
script (it writes the same bytes every time).

- `b1_r3__*.xlsx`, `b2_r3__*.xlsx`: XLSX downloads of round 3 in a pairwise-covering set of
  Kobo's download options (every value of every option, every pair of values of two options).
  The file name spells the options: value/header format (`xml`, `label-en`, `label-ru`,
  `label-ky`), groups in headers, group separator (`slash`, `dot`), select_multiple layout,
  numbers and dates as text, data from all versions.
- `b2_r3_no_int_out__*.xlsx`: a B2 round in which no community had internal out-migrants, so
  Kobo wrote no `int_out_dest` sheet.
- `*.csv`: Kobo's CSV export (main sheet only: it cannot carry a round).
- `api/<form>_page_<n>.json`: the same submissions as saved pages of
  `/api/v2/assets/<uid>/data/?format=json&limit=5`.
- `manifest.json`: every file with its form, round, data set and options.
- `expected.json`: the known totals of each data set, computed from the submissions.
"""


# --------------------------------------------------------------------------------------------
# The check: open every workbook with calamine and compare formpack's output with the contract
# --------------------------------------------------------------------------------------------


def _sheets(path: Path) -> dict[str, list[list[Any]]]:
    from python_calamine import CalamineWorkbook  # only the check needs it

    workbook = CalamineWorkbook.from_path(str(path))
    return {name: workbook.get_sheet_by_name(name).to_python() for name in workbook.sheet_names}


class Report:
    """What the check saw: facts to print (deduplicated) and differences from the contract."""

    def __init__(self) -> None:
        self.facts: dict[str, set[str]] = {}
        self.findings: set[str] = set()

    def fact(self, topic: str, text: str) -> None:
        self.facts.setdefault(topic, set()).add(text)

    def differs(self, text: str) -> None:
        self.findings.add(text)


def check(out: Path, manifest_path: Path, forms: dict[str, Form]) -> Report:
    """Open every workbook with calamine, print its sheets and main header, check the contract."""
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    report = Report()
    print("\n== workbooks (calamine) ==")
    for entry in manifest["files"]:
        if entry["kind"] == "xlsx":
            sheets = _sheets(out / entry["file"])
            header = next(iter(sheets.values()))[0]
            print(f"{entry['file']}\n    sheets: {list(sheets)}")
            print(f"    main header ({len(header)} columns): {' | '.join(map(str, header))[:300]} ...")
            _check_workbook(entry, sheets, forms[entry["form"]], report)
        elif entry["kind"] == "kobo_csv":
            _check_csv(out / entry["file"], report)
    return report


def _label(form: Form, list_name: str, name: str, lang: str | None) -> str:
    """A choice's label in ``lang``, or its name for XML values."""
    if lang is None:
        return name
    return next(
        c[f"label::{lang}"] for c in form.choices if c["list_name"] == list_name and c["name"] == name
    )


def _check_workbook(
    entry: dict[str, Any], sheets: dict[str, list[list[Any]]], form: Form, report: Report
) -> None:
    names = list(sheets)
    lang, sep, groups = entry["lang"], entry["sep"], entry["groups"]
    options = f"{entry['form']} lang={lang or 'xml'} groups={'on' if groups else 'off'} sep={sep!r}"
    expected_name = form.title if len(form.title) <= 31 else form.title[:28] + "..."
    if names[0] != expected_name:
        report.differs(f"main sheet is {names[0]!r}, the contract says {expected_name!r}")
    report.fact("main sheet names", f"{form.title!r} -> {names[0]!r}")
    report.fact("sheet order", f"{entry['data_set']}: {names}")
    main_header, main_rows = sheets[names[0]][0], sheets[names[0]][1:]
    meta = ["_id", "_uuid", "_submission_time", "_validation_status", "_notes", "_status", "_submitted_by",
            "__version__", "_tags", "_index"]  # fmt: skip
    if main_header[-len(meta) :] != meta:
        report.differs(
            f"main sheet ends with {main_header[-len(meta) :]}, not the contract's metadata columns"
        )
    status = main_header.index("_validation_status")
    cells = sorted({str(r[status]) for r in main_rows})
    report.fact("_validation_status cells", f"{entry['form']} lang={lang or 'xml'}: {cells}")
    for name in names[1:]:
        header = sheets[name][0]
        parents = {row[header.index("_parent_table_name")] for row in sheets[name][1:]}
        report.fact("_parent_table_name", f"{name}: {sorted(parents)}")
        if parents != {form.title}:
            report.differs(f"{name}: _parent_table_name holds {parents}, not the form title")
    if entry["data_set"] == "b2_no_int_out":
        report.fact(
            "repeat sheet absent",
            f"{entry['file']}: int_out_dest {'present' if 'int_out_dest' in names else 'absent'}",
        )
        if "int_out_dest" in names:
            report.differs("an int_out_dest sheet is written although no submission has a row in it")
    if entry["form"] == "b2":
        gps = [str(h) for h in main_header if "gps" in str(h).lower()]
        report.fact("geopoint columns", f"{options}: {gps}")
        if lang is None and gps[0] != "gps":
            report.differs(f"the geopoint column is {gps[0]!r}, not 'gps'")
        first = dict(zip(main_header, main_rows[0], strict=True))
        text = "on" if entry["text"] else "off"
        report.fact("typed cells", f"text={text}: _submission_time={first['_submission_time']!r}, "
                    f"start={first['start']!r}, _id={first['_id']!r}")  # fmt: skip
        if not entry["text"] and isinstance(first["_submission_time"], dt.datetime):
            report.differs(
                "with 'store date and number responses as text' off, _submission_time is a date-time cell "
                "(number format yyyy-mm-dd), not ISO text; start/end are local date-times without their "
                "UTC offset"
            )
    if entry["form"] == "b1":
        _check_select_multiple(entry, sheets, form, report)


def _check_select_multiple(
    entry: dict[str, Any], sheets: dict[str, list[list[Any]]], form: Form, report: Report
) -> None:
    """How B1's select_multiple ``flows`` looks in the ``villages`` sheet of this export."""
    lang, sep, mode = entry["lang"], entry["sep"], entry["multiple_select"]
    header, rows = sheets["villages"][0], sheets["villages"][1:]
    question = form.question_header("flows", lang, sep if entry["groups"] else None)
    summary = [question] if mode in ("summary", "both") else []
    details = [f"{question}{sep}{_label(form, 'flow', n, lang)}" for n in ("inflow", "outflow")]
    details = details if mode in ("details", "both") else []
    if any(column not in header for column in summary + details):
        report.differs(f"{entry['file']}: select_multiple columns {summary + details} not all in {header}")
        return
    row = next(r for r in rows if r[0] == "Shopokov")  # a community with both flows high
    shown = "; ".join(f"{column!r}={row[header.index(column)]!r}" for column in summary + details)
    text = "on" if entry["text"] else "off"
    report.fact("select_multiple", f"{mode}, lang={lang or 'xml'}, sep={sep!r}, text={text}: {shown}")
    if details and sep != "/":
        report.differs(
            "separate select_multiple columns take the group separator, with or without groups in "
            f"headers: {details[0]!r} (the contract shows 'flows/inflow')"
        )
    if summary and lang is not None:
        report.differs(
            "in a labels export the single select_multiple column joins the choice labels with spaces "
            f"({row[header.index(summary[0])]!r}): it cannot be split on spaces"
        )


def _check_csv(path: Path, report: Report) -> None:
    raw = path.read_bytes()
    lines = raw.split(b"\r\n")
    bom = raw.startswith(b"\xef\xbb\xbf")
    crlf = lines[-1] == b"" and all(b"\n" not in line for line in lines)
    quoted = all(line.startswith(b'"') and line.endswith(b'"') for line in lines[:-1])
    separated = all(b'";"' in line for line in lines[:-1])
    report.fact(
        "Kobo CSV",
        f"{path.name}: byte-order mark={bom}, CRLF={crlf}, every field quoted={quoted}, "
        f"';'-separated={separated}, data rows={len(lines) - 2}",
    )
    if bom or not crlf or not quoted or not separated:
        report.differs(f"{path.name} is not ';'-separated, fully quoted, CRLF, without byte-order mark")


# --------------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------------


def clear_previous(out: Path) -> None:
    """Remove the files a previous run listed in its manifest (nothing else)."""
    manifest = out / "manifest.json"
    if not manifest.is_file():
        return
    for entry in json.loads(manifest.read_text(encoding="utf-8")).get("files", []):
        (out / entry["file"]).unlink(missing_ok=True)
    manifest.unlink()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--forms", type=Path, help="folder of the XLSForm CSV files and settings.csv")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where to write the fixtures")
    parser.add_argument("--no-check", action="store_true", help="skip the calamine report")
    parser.add_argument("--formpack-commit", help="the formpack commit, recorded in manifest.json")
    args = parser.parse_args(argv)

    form_dir = find_form_dir(args.forms)
    forms = load_forms(form_dir)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    clear_previous(out)
    if (out / "api").is_dir() and not any((out / "api").iterdir()):
        shutil.rmtree(out / "api")
    print(f"forms: {form_dir}\nout:   {out}")

    written = generate(forms, out)
    (out / "README.md").write_text(README, encoding="utf-8")
    manifest = write_manifest(out, written, forms, form_dir, formpack_commit(args.formpack_commit))

    total = 0
    for path in sorted([w.path for w in written] + [manifest, out / "README.md"]):
        size = path.stat().st_size
        total += size
        print(f"{size:>9,}  {path.relative_to(out)}")
    print(f"{total:>9,}  total ({len(written) + 2} files)")

    if not args.no_check:
        report = check(out, manifest, forms)
        for topic, facts in report.facts.items():
            print(f"\n== {topic} ==")
            print("\n".join(f"- {fact}" for fact in sorted(facts)))
        print("\n== formpack's output against the contract ==")
        print("\n".join(f"- {f}" for f in sorted(report.findings)) or "- no difference found")
    return 0


if __name__ == "__main__":
    sys.exit(main())
