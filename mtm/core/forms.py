"""The project's copy of the BMA forms (``forms/bma/``), read as small typed answers.

Everything here is derived from the XLSForm CSVs and ``settings.csv``; nothing is hard-coded
per round. A new round arrives as a new row of ``settings.csv`` (its reference years decide
which ``<section>_n_<year>`` fields its export carries).

Column paths follow a KoboToolbox "XML values and headers" export (see ``forms/bma/README.md``):
questions by XML path with ``/`` between groups, calculated fields included, a geopoint
followed by its four ``_<name>_<part>`` columns, a select_multiple followed by one 0/1 column
per choice, then Kobo's metadata columns.
"""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

from mtm.core.errors import InputError
from mtm.core.paths import FORMS_DIR, FORMS_DIR_ENV

MAIN = "main"  # the table suffix of a form's main sheet (raw.<form>_main)
SHEET_NAME_MAX = 31  # Excel's limit: the main sheet is the form title cut to this length

MAIN_METADATA: tuple[str, ...] = (
    "_id", "_uuid", "_submission_time", "_validation_status", "_notes", "_status",
    "_submitted_by", "__version__", "_tags", "_index",
)
REPEAT_METADATA: tuple[str, ...] = (
    "_index", "_parent_table_name", "_parent_index", "_submission__id", "_submission__uuid",
    "_submission__submission_time", "_submission__validation_status", "_submission__notes",
    "_submission__status", "_submission__submitted_by", "_submission___version__",
    "_submission__tags",
)
GEOPOINT_PARTS: tuple[str, ...] = ("latitude", "longitude", "altitude", "precision")

# Kobo columns the warehouse cannot do without (besides the form's required questions).
MAIN_STRUCTURAL_REQUIRED: tuple[str, ...] = ("_id", "_submission_time", "_validation_status", "_index")
REPEAT_STRUCTURAL_REQUIRED: tuple[str, ...] = ("_index", "_parent_index")

PERSONAL_COLUMNS: tuple[str, ...] = (
    "enumerator_name", "ki/ki_name", "ki/ki_phone", "_submitted_by", "_submission__submitted_by",
)

PER_YEAR_RE = re.compile(r"^(?P<section>[a-z0-9_]+)_n_(?P<year>\d{4})$")

# question types that produce no column in an export
_NO_COLUMN_TYPES = frozenset({"note", "begin_group", "end_group", "begin_repeat", "end_repeat"})


@dataclass(frozen=True)
class RoundSettings:
    """One row of settings.csv: a form's version for one round."""

    form: str
    form_id: str
    form_title: str
    version: str
    round_id: int
    reference_years: tuple[int, ...]
    internal_reference_year: int | None
    collection_period: str


@dataclass(frozen=True)
class Question:
    """One survey row that yields columns: its XML path, type and where it lives."""

    name: str
    path: str  # XML path with '/' between groups, e.g. 'imw/imw_nat/imw_n_2023'
    type: str  # full type cell, e.g. 'select_one country'
    sheet: str  # MAIN or the enclosing repeat's name
    required: bool
    relevant: str
    labels: dict[str, str] = field(default_factory=dict)  # language -> label (non-empty only)

    @property
    def base_type(self) -> str:
        """The type without its list name ('select_multiple flow' -> 'select_multiple')."""
        return self.type.split()[0] if self.type else ""

    @property
    def list_name(self) -> str | None:
        """The choice list of a select question, else None."""
        parts = self.type.split()
        return parts[1] if len(parts) > 1 and parts[0].startswith("select_") else None

    @property
    def per_year(self) -> tuple[str, int] | None:
        """(section, year) of a ``<section>_n_<year>`` field, else None."""
        return per_year_of(self.name)


@dataclass(frozen=True)
class Choice:
    """One choice of a choice list; ``extra`` holds the non-empty extra columns (oblast, iso_3166_2)."""

    list_name: str
    name: str
    label: str  # the label in the form's first language
    extra: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)  # language -> label (non-empty only)


def _dir(forms_dir: Path | None) -> Path:
    """The forms folder: the one given, else ``$MTM_FORMS_DIR`` (a copy of ``forms/bma`` with more
    rounds registered, e.g. the scale benchmark's), else the project's ``forms/bma``."""
    if forms_dir is not None:
        return Path(forms_dir)
    override = os.environ.get(FORMS_DIR_ENV)
    return Path(override).absolute() if override else FORMS_DIR


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8-sig") as fh:
        return [{k: (v or "") for k, v in row.items()} for row in csv.DictReader(fh)]


LABEL_PREFIX = "label::"


def _labels(row: dict[str, str]) -> dict[str, str]:
    """Language -> label of a survey or choices row (``label::English (en)`` columns; a bare
    ``label`` column counts as the language ``default``); empty labels are left out."""
    out = {}
    for key, value in row.items():
        if key == "label" and value.strip():
            out["default"] = value.strip()
        elif key.startswith(LABEL_PREFIX) and value.strip():
            out[key[len(LABEL_PREFIX):].strip()] = value.strip()
    return out


def raw_column_name(path: str) -> str:
    """The raw table column of a Kobo header: trimmed, lower-cased, ``/`` -> ``__``."""
    return path.strip().lower().replace("/", "__")


def per_year_of(name_or_path: str) -> tuple[str, int] | None:
    """(section, year) if the last path element is a per-year field ``<section>_n_<year>``."""
    last = name_or_path.strip().lower().replace("__", "/").rsplit("/", 1)[-1]
    m = PER_YEAR_RE.match(last)
    return (m["section"], int(m["year"])) if m else None


def personal_names() -> frozenset[str]:
    """Every name a personal-data column can have in a warehouse, lower-cased: its raw column
    name (``ki__ki_name``) and its question name (``ki_name``), as a model would call it."""
    return frozenset({raw_column_name(c) for c in PERSONAL_COLUMNS}
                     | {c.strip().lower().rsplit("/", 1)[-1] for c in PERSONAL_COLUMNS})


def is_personal(column: str) -> bool:
    """True for a personal-data column (given as Kobo path or raw name, any case)."""
    return raw_column_name(column) in {raw_column_name(c) for c in PERSONAL_COLUMNS}


@lru_cache(maxsize=8)
def _settings(forms_dir: Path) -> tuple[RoundSettings, ...]:
    out = []
    for row in _read_csv(forms_dir / "settings.csv"):
        years = tuple(int(y) for y in row["reference_years"].split())
        iry = row["internal_reference_year"].strip()
        out.append(RoundSettings(
            form=row["form"].strip(), form_id=row["form_id"].strip(), form_title=row["form_title"].strip(),
            version=row["version"].strip(), round_id=int(row["round"]), reference_years=years,
            internal_reference_year=int(iry) if iry else None,
            collection_period=row["collection_period"].strip(),
        ))
    return tuple(out)


def settings(forms_dir: Path | None = None) -> list[RoundSettings]:
    """Every row of settings.csv, in file order."""
    return list(_settings(_dir(forms_dir)))


def form_names(forms_dir: Path | None = None) -> list[str]:
    """The forms described by settings.csv ('b2', 'b1'), in first-seen order."""
    return list(dict.fromkeys(s.form for s in _settings(_dir(forms_dir))))


def rounds(form: str, forms_dir: Path | None = None) -> list[int]:
    """The rounds settings.csv knows for a form, ascending."""
    return sorted(s.round_id for s in _settings(_dir(forms_dir)) if s.form == form)


def round_settings(form: str, round_id: int, forms_dir: Path | None = None) -> RoundSettings:
    """The settings row of (form, round); InputError when settings.csv has no such row."""
    for s in _settings(_dir(forms_dir)):
        if s.form == form and s.round_id == round_id:
            return s
    known = ", ".join(str(r) for r in rounds(form, forms_dir)) or "none"
    raise InputError(f"round {round_id} of form {form} is not in forms/bma/settings.csv "
                     f"(known rounds: {known}); add its row first", file="settings.csv")


_MONTHS = {m: i for i, m in enumerate(
    ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
     "november", "december"), start=1)}


def collection_dates(form: str, round_id: int, forms_dir: Path | None = None) -> tuple[date, date] | None:
    """First and last day of a round's collection period from settings.csv (``February-April 2024``
    -> 2024-02-01..2024-04-30; ``2023`` -> the whole year); None when the period names no year."""
    period = round_settings(form, round_id, forms_dir).collection_period.lower()
    years = [int(y) for y in re.findall(r"\b(\d{4})\b", period)]
    if not years:
        return None
    months = [_MONTHS[m] for m in re.findall(r"[a-z]+", period) if m in _MONTHS]
    first_m, last_m = (months[0], months[-1]) if months else (1, 12)
    last_year = years[-1]
    end = date(last_year + (last_m == 12), last_m % 12 + 1, 1) - timedelta(days=1)
    return date(years[0], first_m, 1), end


def reference_years(form: str, round_id: int, forms_dir: Path | None = None) -> tuple[int, ...]:
    """The years the per-year count fields of this round cover (empty for B1)."""
    return round_settings(form, round_id, forms_dir).reference_years


def internal_reference_year(form: str, round_id: int, forms_dir: Path | None = None) -> int | None:
    """The reference year of the internal-mobility questions of this round (None for B1)."""
    return round_settings(form, round_id, forms_dir).internal_reference_year


@lru_cache(maxsize=8)
def _questions(forms_dir: Path, form: str) -> tuple[Question, ...]:
    path = forms_dir / f"{form}_survey.csv"
    if not path.exists():
        raise InputError(f"unknown form {form!r} (no {path.name} in forms/bma)")
    groups: list[str] = []  # enclosing group/repeat names
    repeats: list[str] = []
    out: list[Question] = []
    for row in _read_csv(path):
        qtype, name = row["type"].strip(), row["name"].strip()
        base = qtype.split()[0] if qtype else ""
        if base in ("begin_group", "begin_repeat"):
            groups.append(name)
            if base == "begin_repeat":
                repeats.append(name)
            continue
        if base in ("end_group", "end_repeat"):
            groups.pop()
            if base == "end_repeat":
                repeats.pop()
            continue
        if not qtype or base in _NO_COLUMN_TYPES:
            continue
        out.append(Question(
            name=name, path="/".join([*groups, name]), type=qtype,
            sheet=repeats[-1] if repeats else MAIN,
            required=row.get("required", "").strip().lower() in ("yes", "true", "1"),
            relevant=row.get("relevant", "").strip(),
            labels=_labels(row),
        ))
    return tuple(_with_registered_years(out, forms_dir, form))


def _with_registered_years(questions: list[Question], forms_dir: Path, form: str) -> list[Question]:
    """The questions, plus a ``<section>_n_<year>`` field for every reference year that a round of
    settings.csv registers and the survey has no field for yet (a new round's row arrives before
    the survey copy is updated): ``with_years``."""
    return with_years(questions, {y for s in _settings(forms_dir) if s.form == form for y in s.reference_years})


def with_years(questions: Sequence[Question], years: Iterable[int]) -> list[Question]:
    """The questions, plus a ``<section>_n_<year>`` field for each of ``years`` after a section's
    latest field that the section has no field for: named, placed and labelled like that latest
    year (the one rule for per-year fields of rounds the survey copy does not have yet)."""
    wanted = sorted(set(years))
    out: list[Question] = []
    for i, q in enumerate(questions):
        out.append(q)
        py = q.per_year
        following = questions[i + 1].per_year if i + 1 < len(questions) else None
        if py is None or (following is not None and following[0] == py[0]):
            continue  # not the section's last per-year field
        have = {x.per_year[1] for x in questions if x.per_year and x.per_year[0] == py[0] and x.sheet == q.sheet}
        for year in (y for y in wanted if y > py[1] and y not in have):
            name = f"{py[0]}_n_{year}"
            out.append(Question(
                name=name, path=f"{q.path.rsplit('/', 1)[0]}/{name}" if "/" in q.path else name,
                type=q.type, sheet=q.sheet, required=q.required, relevant=q.relevant,
                labels={lang: text.replace(str(py[1]), str(year)) for lang, text in q.labels.items()}))
    return out


@lru_cache(maxsize=8)
def _group_labels(forms_dir: Path, form: str) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    stack: list[str] = []
    for row in _read_csv(forms_dir / f"{form}_survey.csv"):
        base = row["type"].strip().split()[0] if row["type"].strip() else ""
        if base in ("begin_group", "begin_repeat"):
            stack.append(row["name"].strip())
            out["/".join(stack)] = _labels(row)
        elif base in ("end_group", "end_repeat"):
            stack.pop()
    return out


def group_labels(form: str, forms_dir: Path | None = None) -> dict[str, dict[str, str]]:
    """Group or repeat path (``imw/imw_nat``) -> its labels by language."""
    return _group_labels(_dir(forms_dir), form)


@lru_cache(maxsize=8)
def _languages(forms_dir: Path, form: str) -> tuple[str, ...]:
    with (forms_dir / f"{form}_survey.csv").open(newline="", encoding="utf-8-sig") as fh:
        header = next(csv.reader(fh), [])
    return tuple(h[len(LABEL_PREFIX):].strip() for h in header if h.startswith(LABEL_PREFIX))


def languages(form: str, forms_dir: Path | None = None) -> list[str]:
    """The form's label languages as XLSForm names them (``English (en)``, ``Russian (ru)``, ...)."""
    return list(_languages(_dir(forms_dir), form))


def questions(form: str, forms_dir: Path | None = None) -> list[Question]:
    """Every survey question of a form that yields an export column, in form order (all rounds)."""
    return list(_questions(_dir(forms_dir), form))


@lru_cache(maxsize=8)
def _repeats(forms_dir: Path, form: str) -> tuple[tuple[str, str], ...]:
    """(repeat, parent sheet) in form order; the parent is MAIN or the enclosing repeat."""
    out: list[tuple[str, str]] = []
    stack: list[str] = []
    for row in _read_csv(forms_dir / f"{form}_survey.csv"):
        base = row["type"].strip().split()[0] if row["type"].strip() else ""
        if base == "begin_repeat":
            out.append((row["name"].strip(), stack[-1] if stack else MAIN))
            stack.append(row["name"].strip())
        elif base == "end_repeat":
            stack.pop()
    return tuple(out)


@lru_cache(maxsize=8)
def _repeat_relevance(forms_dir: Path, form: str) -> dict[str, str]:
    return {row["name"].strip(): row.get("relevant", "").strip()
            for row in _read_csv(forms_dir / f"{form}_survey.csv")
            if row["type"].strip().split()[:1] == ["begin_repeat"]}


def repeat_relevant(form: str, repeat: str, forms_dir: Path | None = None) -> str:
    """The ``relevant`` expression of a repeat group ('' when the repeat is always asked)."""
    return _repeat_relevance(_dir(forms_dir), form).get(repeat, "")


def repeat_names(form: str, forms_dir: Path | None = None) -> list[str]:
    """The repeat groups of a form, in form order (each is a sheet of the export)."""
    return [r for r, _ in _repeats(_dir(forms_dir), form)]


def _latest(form: str, forms_dir: Path | None) -> RoundSettings:
    rows = [s for s in _settings(_dir(forms_dir)) if s.form == form]
    if not rows:
        raise InputError(f"form {form!r} has no row in forms/bma/settings.csv")
    return max(rows, key=lambda s: s.round_id)


def main_sheet_name(form: str, round_id: int | None = None, forms_dir: Path | None = None) -> str:
    """The main sheet's name: the form title of that round (default: latest) cut to 31 chars."""
    s = round_settings(form, round_id, forms_dir) if round_id is not None else _latest(form, forms_dir)
    return s.form_title[:SHEET_NAME_MAX]


def expected_sheets(form: str, round_id: int | None = None, forms_dir: Path | None = None) -> list[str]:
    """The sheet names of an export: the main sheet first, then one per repeat in form order."""
    return [main_sheet_name(form, round_id, forms_dir), *repeat_names(form, forms_dir)]


def parent_sheet(form: str, repeat: str, round_id: int | None = None,
                 forms_dir: Path | None = None) -> str:
    """The sheet name a repeat's ``_parent_table_name`` holds (the main sheet or the outer repeat)."""
    parent = dict(_repeats(_dir(forms_dir), form))[repeat]
    return main_sheet_name(form, round_id, forms_dir) if parent == MAIN else parent


def in_round(question: Question, years: tuple[int, ...]) -> bool:
    """Whether a question is part of a round whose per-year fields cover ``years``."""
    py = question.per_year
    return py is None or py[1] in years


def _question_columns(q: Question, forms_dir: Path, form: str) -> list[str]:
    cols = [q.path]
    if q.base_type == "geopoint":
        prefix = q.path.rsplit("/", 1)[0] + "/" if "/" in q.path else ""
        cols += [f"{prefix}_{q.name}_{part}" for part in GEOPOINT_PARTS]
    elif q.base_type == "select_multiple" and q.list_name:
        cols += [f"{q.path}/{c.name}" for c in choices(form, forms_dir).get(q.list_name, [])]
    return cols


def sheet_key(form: str, sheet: str, round_id: int | None = None, forms_dir: Path | None = None) -> str:
    """MAIN for the main sheet's name (or MAIN itself), else the repeat name; InputError if neither."""
    if sheet == MAIN or sheet == main_sheet_name(form, round_id, forms_dir):
        return MAIN
    if sheet in repeat_names(form, forms_dir):
        return sheet
    raise InputError(f"form {form} has no sheet {sheet!r}", sheet=sheet)


def sheet_columns(form: str, sheet: str, round_id: int, forms_dir: Path | None = None) -> list[str]:
    """The column paths of one sheet (main sheet name, MAIN, or a repeat) in a round's export, in order."""
    key = sheet_key(form, sheet, round_id, forms_dir)
    return columns_for_years(form, key, reference_years(form, round_id, forms_dir), forms_dir)


def columns_for_years(form: str, sheet: str, years: Sequence[int], forms_dir: Path | None = None) -> list[str]:
    """The column paths of one sheet (MAIN or a repeat) of an export whose per-year fields cover
    ``years``; a year no survey field or registered round has yet is named like the others
    (``with_years``): what a round that settings.csv does not know yet would export."""
    key = MAIN if sheet == MAIN else sheet_key(form, sheet, None, forms_dir)
    d = _dir(forms_dir)
    wanted = tuple(years)
    known = {q.per_year[1] for q in _questions(d, form) if q.per_year}
    qs = _questions(d, form) if known.issuperset(wanted) else with_years(_questions(d, form), wanted)
    cols: list[str] = []
    for q in qs:
        if q.sheet == key and in_round(q, wanted):
            cols += _question_columns(q, d, form)
    return cols + list(MAIN_METADATA if key == MAIN else REPEAT_METADATA)


def expected_columns(form: str, round_id: int, forms_dir: Path | None = None) -> dict[str, list[str]]:
    """Sheet name -> column paths, for every sheet of a round's export, in sheet order."""
    return {s: sheet_columns(form, s, round_id, forms_dir) for s in expected_sheets(form, round_id, forms_dir)}


def all_sheet_columns(form: str, sheet: str, forms_dir: Path | None = None) -> list[str]:
    """The column paths of one sheet over every round of settings.csv (union, form order)."""
    cols: dict[str, None] = {}
    for r in rounds(form, forms_dir):
        for c in sheet_columns(form, sheet if sheet != MAIN else MAIN, r, forms_dir):
            cols.setdefault(c, None)
    if not cols:  # no round known: the form's columns without per-year fields
        d = _dir(forms_dir)
        key = sheet_key(form, sheet, None, forms_dir)
        for q in _questions(d, form):
            if q.sheet == key:
                for c in _question_columns(q, d, form):
                    cols.setdefault(c, None)
    return list(cols)


def per_year_fields(form: str, round_id: int, forms_dir: Path | None = None) -> list[str]:
    """Paths of the ``<section>_n_<year>`` fields of a round (only its reference years)."""
    years = reference_years(form, round_id, forms_dir)
    return [q.path for q in _questions(_dir(forms_dir), form) if q.per_year and q.per_year[1] in years]


def per_year_sections(form: str, forms_dir: Path | None = None) -> dict[str, str]:
    """Section -> sheet key for every per-year section of the form (e.g. 'imw' -> 'imw_nat')."""
    out: dict[str, str] = {}
    for q in _questions(_dir(forms_dir), form):
        if q.per_year:
            out.setdefault(q.per_year[0], q.sheet)
    return out


def required_columns(form: str, sheet: str, round_id: int | None = None,
                     forms_dir: Path | None = None) -> list[str]:
    """Columns whose absence refuses a file.

    Kobo's structural columns (main: ``_id``, ``_submission_time``, ``_validation_status``,
    ``_index``; repeats: ``_index``, ``_parent_index``) and every question the form marks
    required that is always asked (no ``relevant`` of its own) and is not personal data.
    Per-year fields are checked separately against the round (see ``per_year_fields``).
    """
    key = sheet_key(form, sheet, round_id, forms_dir)
    cols = [q.path for q in _questions(_dir(forms_dir), form)
            if q.sheet == key and q.required and not q.relevant and not q.per_year
            and not is_personal(q.path)]
    return cols + list(MAIN_STRUCTURAL_REQUIRED if key == MAIN else REPEAT_STRUCTURAL_REQUIRED)


def personal_columns() -> list[str]:
    """The personal-data columns (Kobo paths) that never reach the warehouse."""
    return list(PERSONAL_COLUMNS)


@lru_cache(maxsize=8)
def _choices(forms_dir: Path, form: str) -> dict[str, tuple[Choice, ...]]:
    out: dict[str, list[Choice]] = {}
    for row in _read_csv(forms_dir / f"{form}_choices.csv"):
        labels = _labels(row)
        extra = {k: v.strip() for k, v in row.items()
                 if k not in ("list_name", "name", "label") and not k.startswith(LABEL_PREFIX)
                 and v and v.strip()}
        c = Choice(list_name=row["list_name"].strip(), name=row["name"].strip(),
                   label=next(iter(labels.values()), ""), extra=extra, labels=labels)
        out.setdefault(c.list_name, []).append(c)
    return {k: tuple(v) for k, v in out.items()}


def choices(form: str, forms_dir: Path | None = None) -> dict[str, list[Choice]]:
    """List name -> its choices (name, label, extra columns), in file order."""
    return {k: list(v) for k, v in _choices(_dir(forms_dir), form).items()}


def table_name(form: str, sheet: str, round_id: int | None = None, forms_dir: Path | None = None) -> str:
    """The raw table (without schema) of a sheet: ``<form>_main``, ``<form>_<repeat>``, or for an
    unexpected sheet ``<form>_<sanitised sheet name>``."""
    try:
        return f"{form}_{sheet_key(form, sheet, round_id, forms_dir)}"
    except InputError:
        clean = re.sub(r"[^a-z0-9]+", "_", sheet.strip().lower()).strip("_") or "sheet"
        name = f"{form}_{clean}"
        taken = {f"{form}_{MAIN}", *(f"{form}_{r}" for r in repeat_names(form, forms_dir))}
        return f"{name}_extra" if name in taken else name
