"""How the headers and cells of a KoboToolbox export map back to the form (``forms/bma/``).

KoboToolbox writes an export in one of many layouts (``forms/bma/README.md``, "How an export
arrives"): headers as XML names or as labels in one of the form's languages, with or without the
group path, joined by any separator, select_multiple as one column, one column per choice or
both. Every layout is recognised here from the form itself, never from a hand-kept list:

- ``detect_style`` finds the layout of a sheet (language, groups, separator) by building the
  headers each layout would have and keeping the one that matches most;
- ``map_sheet`` tells which sheet of the form a sheet is (main or which repeat) from its columns,
  and the canonical Kobo path (``loc/oblast``) of each header, or None for a column nobody
  defined;
- ``code_of_select`` and ``codes_of_multiple`` turn choice labels (any language) back into
  choice names; ``VALIDATION_STATUS_LABELS`` does the same for Kobo's own validation labels.

The raw tables keep Kobo's "XML values and headers" names (docs/architecture.md), so every
layout lands in the same columns.
"""

from __future__ import annotations

from collections import Counter, deque
from dataclasses import dataclass
from functools import lru_cache

from mtm.core import forms

# Kobo's validation statuses: the label KoboToolbox stores with a submission (in every export
# language) -> the status code an "XML values" export holds.
VALIDATION_STATUS_LABELS: dict[str, str] = {
    "approved": "validation_status_approved",
    "not approved": "validation_status_not_approved",
    "on hold": "validation_status_on_hold",
}
VALIDATION_COLUMNS = ("_validation_status", "_submission__validation_status")
# Metadata only the REST API adds to a submission (forms/bma/README.md, "REST API"): Kobo's own
# bookkeeping, not answers; recognised and not landed (nothing the warehouse reports reads them).
API_ONLY_METADATA = frozenset({"_attachments", "_geolocation", "meta/instanceID", "meta/rootUuid",
                               "meta/deprecatedID", "formhub/uuid", "_xform_id_string", "_bamboo_dataset_id",
                               "_media_all_received", "_total_media", "_media_count", "_supplementalDetails"})
DEFAULT_SEPARATOR = "/"
PARENT_INDEX = "_parent_index"


def norm(text: str) -> str:
    """A header or label as compared: inner whitespace collapsed, trimmed, case-folded."""
    return " ".join(text.split()).casefold()


@dataclass(frozen=True)
class Style:
    """The download options an export was written with, as far as its headers show them."""

    language: str | None  # None: "XML values and headers"; else the form language of the labels
    groups: bool  # "Include groups in headers"
    separator: str  # "Group separator" (also between a select_multiple and its choice)

    def describe(self) -> str:
        """The options in the words of Kobo's download page."""
        values = "XML values and headers" if self.language is None else f"Labels, {self.language}"
        groups = f"groups in headers, separator {self.separator!r}" if self.groups else "no groups in headers"
        return f"{values}; {groups}"


@dataclass(frozen=True)
class Column:
    """One column a form's export can have: its canonical path and what defines it."""

    path: str  # Kobo path with '/', as in an XML export with groups: 'loc/oblast', '_id'
    sheet: str  # forms.MAIN or the repeat's name
    question: forms.Question | None  # None for Kobo's metadata columns
    choice: forms.Choice | None = None  # a select_multiple's per-choice column
    geopoint_part: str | None = None  # 'latitude', ... for a geopoint's split columns


@lru_cache(maxsize=8)
def form_columns(form: str) -> tuple[Column, ...]:
    """Every column of every sheet of the form over all its rounds, in form order, metadata last."""
    out: list[Column] = []
    keys = [forms.MAIN, *forms.repeat_names(form)]
    allowed = {k: set(forms.all_sheet_columns(form, k)) for k in keys}
    choices = forms.choices(form)
    for q in forms.questions(form):
        candidates = [Column(q.path, q.sheet, q)]
        if q.base_type == "geopoint":
            prefix = q.path.rsplit("/", 1)[0] + "/" if "/" in q.path else ""
            candidates += [Column(f"{prefix}_{q.name}_{part}", q.sheet, q, geopoint_part=part)
                           for part in forms.GEOPOINT_PARTS]
        elif q.base_type == "select_multiple" and q.list_name:
            candidates += [Column(f"{q.path}/{c.name}", q.sheet, q, choice=c)
                           for c in choices.get(q.list_name, [])]
        out += [c for c in candidates if c.path in allowed[q.sheet]]
    for key in keys:
        metadata = forms.MAIN_METADATA if key == forms.MAIN else forms.REPEAT_METADATA
        out += [Column(m, key, None) for m in metadata]
    return tuple(out)


def _label(labels: dict[str, str], name: str, language: str | None) -> str:
    """A question's, group's or choice's header text: its name in an XML export, else its label
    in that language (its name when it has none, as Kobo writes it)."""
    return name if language is None else labels.get(language) or name


def _group_prefix(form: str, q: forms.Question, language: str | None) -> list[str]:
    """The names or labels of the groups around a question, outermost first."""
    names = q.path.split("/")
    group_labels = forms.group_labels(form)
    return [_label(group_labels.get("/".join(names[:i + 1]), {}), names[i], language)
            for i in range(len(names) - 1)]


def header_parts(form: str, column: Column, language: str | None, groups: bool) -> list[str]:
    """The pieces Kobo joins with the group separator to write this column's header."""
    q = column.question
    if q is None:
        return [column.path]
    prefix = _group_prefix(form, q, language) if groups else []
    leaf = _label(q.labels, q.name, language)
    if column.geopoint_part:
        return [*prefix, f"_{leaf}_{column.geopoint_part}"]
    if column.choice is not None:
        return [*prefix, leaf, _label(column.choice.labels, column.choice.name, language)]
    if q.base_type == "geopoint":
        return [leaf]  # the geopoint's own column never carries its group
    return [*prefix, leaf]


def _separator_votes(form: str, headers: list[str], language: str | None, groups: bool) -> Counter[str]:
    """Separators that would explain headers of two or more pieces (``loc/oblast``,
    ``flows.inflow``, ``imw.imw_nat.imw_country``): each vote is checked against the whole header."""
    votes: Counter[str] = Counter()
    normed = [norm(h) for h in headers if h.strip()]
    for column in form_columns(form):
        parts = [norm(p) for p in header_parts(form, column, language, groups)]
        if len(parts) < 2:
            continue
        head, second = parts[0], parts[1]
        for h in normed:
            if not h.startswith(head):
                continue
            at = h.find(second, len(head) + 1)
            if at > len(head):
                sep = h[len(head):at]
                if sep.join(parts) == h:
                    votes[sep] += 1
    return votes


@lru_cache(maxsize=256)
def _expected(form: str, style: Style, sheet: str | None = None) -> dict[str, tuple[str, ...]]:
    """Normalised header -> canonical paths (in form order) that a style writes that way."""
    out: dict[str, list[str]] = {}  # built as lists, returned as tuples (the result is cached)
    for column in form_columns(form):
        if sheet is None or column.sheet == sheet:
            variants = [header_parts(form, column, style.language, style.groups)]
            q = column.question
            if style.groups and q is not None and q.base_type == "geopoint" and column.geopoint_part is None:
                # Kobo writes a geopoint's own column without its group; the REST API and files
                # saved by hand may carry the full path (`loc/gps`)
                variants.append([*_group_prefix(form, q, style.language), variants[0][-1]])
            for parts in variants:
                out.setdefault(norm(style.separator.join(parts)), []).append(column.path)
    return {text: tuple(paths) for text, paths in out.items()}


def _counts(paths: tuple[str, ...]) -> bool:
    """Whether a matched header tells a layout or sheet apart: Kobo's metadata columns and the
    form's personal-data questions (which a team may add by hand anywhere) do not."""
    return not any(p in _METADATA or forms.is_personal(p) for p in paths)


_METADATA = frozenset((*forms.MAIN_METADATA, *forms.REPEAT_METADATA))


def _score(form: str, style: Style, headers: list[str]) -> int:
    expected = _expected(form, style)
    return sum(1 for h in headers if norm(h) in expected and _counts(expected[norm(h)]))


def detect_style(form: str, headers: list[str]) -> tuple[Style, int]:
    """The layout whose headers match most of ``headers``, and how many (non-metadata) it matched."""
    best: tuple[Style, int] | None = None
    for language in (None, *forms.languages(form)):
        for groups in (False, True):
            votes = _separator_votes(form, headers, language, groups)
            separators = [s for s, _ in votes.most_common(2)] or [DEFAULT_SEPARATOR]
            for sep in separators:
                style = Style(language, groups, sep)
                score = _score(form, style, headers)
                if best is None or score > best[1]:
                    best = (style, score)
    assert best is not None
    return best


@dataclass(frozen=True)
class SheetMap:
    """A sheet recognised: which sheet of the form it is and the canonical path of each header."""

    key: str | None  # forms.MAIN, a repeat name, or None when the sheet is no sheet of the form
    paths: list[str | None]  # per header position; None for a column the form does not define
    matched: int  # headers that matched a question of the form (metadata not counted)


def sheet_named(form: str, key: str, sheet_name: str) -> bool:
    """Whether a sheet's name is that of a sheet of the form: a repeat's name, or for the main
    sheet the form title as Kobo cuts it (31 characters, or 28 and ``...``)."""
    name = norm(sheet_name)
    if key != forms.MAIN:
        return name == norm(key)
    titles = {norm(s.form_title) for s in forms.settings() if s.form == form}
    stem = name[:-3].rstrip() if name.endswith("...") else name
    return name == norm(forms.MAIN) or any(stem and t.startswith(stem) for t in titles)


def map_sheet(form: str, style: Style, headers: list[str], sheet_name: str = "") -> SheetMap:
    """Recognise a sheet by what it contains: the sheet of the form whose columns match most of
    its headers (a repeat sheet also has ``_parent_index``, the main sheet ``_uuid``); the sheet's
    name only breaks ties. A sheet that matches nothing of the form is no sheet of it."""
    normed = {norm(h) for h in headers}
    has_parent = PARENT_INDEX in normed
    has_main_metadata = bool({"_uuid", "_submission_time"} & normed)
    best: tuple[int, bool, bool, str] | None = None
    for key in (forms.MAIN, *forms.repeat_names(form)):
        expected = _expected(form, style, key)
        score = sum(1 for h in normed if h in expected and _counts(expected[h]))
        consistent = has_parent if key != forms.MAIN else (has_main_metadata and not has_parent)
        candidate = (score, consistent, sheet_named(form, key, sheet_name), key)
        if best is None or candidate[:3] > best[:3]:
            best = candidate
    assert best is not None
    score, consistent, named, key = best
    if score == 0 and not named and not consistent:
        return SheetMap(None, [None] * len(headers), 0)
    queues = {text: deque(paths) for text, paths in _expected(form, style, key).items()}
    paths: list[str | None] = []
    for h in headers:
        queue = queues.get(norm(h))
        paths.append(queue.popleft() if queue else None)
    return SheetMap(key, paths, score)


# ---------------------------------------------------------------- cells: labels -> choice names

@lru_cache(maxsize=64)
def _choice_lookup(form: str, list_name: str) -> tuple[frozenset[str], dict[str, str], frozenset[str]]:
    """(choice names, normalised label in any language -> name, case-folded names) of one list."""
    names: set[str] = set()
    by_label: dict[str, str] = {}
    for c in forms.choices(form).get(list_name, []):
        names.add(c.name)
        for label in c.labels.values():
            by_label.setdefault(norm(label), c.name)
    return frozenset(names), by_label, frozenset(n.casefold() for n in names)


def is_choice(form: str, list_name: str, value: str, multiple: bool = False) -> bool:
    """Whether a cell holds choice names of the list (trimmed, any letter case; for a
    select_multiple every space-separated name): what staging can read as codes."""
    folded = _choice_lookup(form, list_name)[2]
    tokens = value.split() if multiple else [value.strip()]
    return bool(tokens) and all(t.casefold() in folded for t in tokens)


def code_of_select(form: str, list_name: str, value: str) -> str | None:
    """The choice name a select_one cell stands for, when the cell holds a label (any language);
    None when it already is a name or is no label of the list (it is then kept as it is, and
    staging flags an unknown code)."""
    names, by_label, _ = _choice_lookup(form, list_name)
    if value.strip() in names:
        return None
    return by_label.get(norm(value))


def codes_of_multiple(form: str, list_name: str, value: str) -> str | None:
    """The space-separated choice names a select_multiple cell stands for when it holds labels
    joined by spaces (labels contain spaces: the cell is split into the fewest known labels);
    None when it already holds names or cannot be read as labels of the list."""
    names, by_label, _ = _choice_lookup(form, list_name)
    tokens = value.split()
    if all(t in names for t in tokens):
        return None
    words = norm(value).split(" ")
    best: list[list[str] | None] = [None] * (len(words) + 1)  # best[i]: codes for words[:i]
    best[0] = []
    for end in range(1, len(words) + 1):
        for start in range(end):
            done = best[start]
            code = by_label.get(" ".join(words[start:end])) or (
                words[start] if end == start + 1 and words[start] in names else None)
            if done is not None and code is not None and (
                    best[end] is None or len(done) + 1 < len(best[end] or [])):
                best[end] = [*done, code]
    found = best[len(words)]
    return " ".join(found) if found else None


def is_validation_status(value: str) -> bool:
    """Whether a cell holds one of Kobo's validation status codes (trimmed, any letter case)."""
    return value.strip().casefold() in VALIDATION_STATUS_LABELS.values()


def code_of_validation_status(value: str) -> str | None:
    """The status code of a validation-status label (``Approved`` -> ``validation_status_approved``)."""
    return VALIDATION_STATUS_LABELS.get(norm(value))


def select_list(form: str, path: str) -> tuple[str, str] | None:
    """(kind, list name) of the select question whose column is ``path``; kind is
    ``select_one`` or ``select_multiple`` (the single column of the chosen names)."""
    for column in form_columns(form):
        q = column.question
        if column.path == path and q is not None and column.choice is None and q.list_name \
                and column.geopoint_part is None:
            return q.base_type, q.list_name
    return None
