"""The messes of real Kobo exports (``forms/bma/README.md``, "What real exports contain").

Each mess is added so that, once the rules of ``docs/cleaning-rules.md`` are applied, no
published figure changes: a ``-99`` only replaces a zero or sits on an extra row of a country
(or rayon) the community already reports; superseded and not-approved submissions are extra
copies; orphan rows have no parent; free-text countries resolve to the intended ISO3 with
pycountry (the one unresolvable name stands for a row whose country is unknown anyway);
contradictions move persons between communities without changing any total.
"""

from __future__ import annotations

import copy
from datetime import timedelta

import numpy as np

from mtm.sample.submissions import (
    INTERNAL_SECTIONS,
    INTERNATIONAL_SECTIONS,
    VALIDATION,
    Export,
    Submission,
    b2_submission,
    ki_name,
    ki_phone,
    submitter,
)
from mtm.sample.truth import RoundTruth

# Free-text names of countries, Latin and Cyrillic, each resolved by pycountry to the ISO3 it
# stands for: by ``countries.lookup``/``search_fuzzy`` (Latin) or by pycountry's Russian
# translation of the ISO 3166-1 names (Cyrillic).
OTHER_COUNTRY_TEXT: dict[str, tuple[str, ...]] = {
    "RUS": ("Russia", "Российская Федерация", "russia "),
    "TUR": ("Turkiye", "Турция"),
    "KOR": ("South Korea", "Республика Корея"),
    "KAZ": ("Kazakhstan ", "Казахстан"),
    "UZB": ("Uzbekistan", "Узбекистан"),
    "USA": ("United States",),
    "TJK": ("Tajikistan", "Таджикистан"),
}
UNRESOLVABLE_COUNTRY_TEXT = "Elbonia"  # fictional: stands for a row whose country is unknown (UNK)


def _code_variant(value: str, rng: np.random.Generator) -> str:
    k = int(rng.integers(0, 5))
    return (value.upper(), value.title(), f" {value}", f"{value} ", f" {value.capitalize()} ")[k]


def _number_as_text(value: int, rng: np.random.Generator) -> str:
    k = int(rng.integers(0, 3))
    return (str(value), f" {value} ", f"{value}.0")[k]


def apply_b2(export: Export, truth: RoundTruth, rng: np.random.Generator) -> None:
    """Add every mess to a round's B2 export, in place."""
    valid = list(export.submissions)
    _contradictions(valid, truth, rng)
    _minus_99(valid, truth, rng)
    _other_countries(valid, rng)
    _corrections_and_rejections(export, valid, truth, rng)
    _orphans(export, truth, rng)
    for s in export.submissions:
        _text_and_case(s, rng)
    for rows in export.orphans.values():
        for r in rows:
            _text_and_case_row(r, rng)


def _contradictions(subs: list[Submission], truth: RoundTruth, rng: np.random.Generator) -> None:
    # "*_present = no" although rows are there (the rows still count)
    for section, sheet in {**INTERNATIONAL_SECTIONS, **{k: v[0] for k, v in INTERNAL_SECTIONS.items()}}.items():
        with_rows = [s for s in subs if s.repeats.get(sheet) and s.main.get(f"{section}/{section}_present") == "yes"]
        for s in _pick(with_rows, 3, rng):
            s.main[f"{section}/{section}_present"] = "no"
    # "int_in_present = yes" with no rows (reports internal migrants, counts none)
    none = [s for s in subs if not s.repeats.get("int_in_origin") and s.main.get("int_in/int_in_present") != "yes"]
    for s in _pick(none, 2, rng):
        s.main["int_in/int_in_present"] = "yes"
    # stay durations that no longer add up to the nationality counts (national sums unchanged)
    _move_between(subs, "imw/imw_stay_short", 3, rng)
    # internal reasons that do not add up to the origin / destination counts
    _move_between(subs, "int_in/int_in_reason_economic", 3, rng)
    _move_between(subs, "int_out/int_out_reason_economic", 3, rng)


def _move_between(subs: list[Submission], field: str, pairs: int, rng: np.random.Generator) -> None:
    has = [s for s in subs if _whole(s.main.get(field)) >= 5]
    picked = _pick(has, 2 * pairs, rng)
    for a, b in zip(picked[::2], picked[1::2], strict=False):
        d = int(rng.integers(1, min(20, _whole(b.main[field])) + 1))
        a.main[field] = _whole(a.main[field]) + d
        b.main[field] = _whole(b.main[field]) - d


def _whole(answer: object) -> int:
    """A whole-number answer as it is, anything else as -1 (never picked, never changed)."""
    return answer if isinstance(answer, int) else -1


def _pick(items: list, k: int, rng: np.random.Generator) -> list:
    if not items:
        return []
    idx = rng.choice(len(items), size=min(k, len(items)), replace=False)
    return [items[int(i)] for i in sorted(idx)]


def _minus_99(subs: list[Submission], truth: RoundTruth, rng: np.random.Generator) -> None:
    years = truth.years
    for section, sheet in INTERNATIONAL_SECTIONS.items():
        fields = [f"{section}/{sheet}/{section}_n_{y}" for y in years]
        zero_cells = [(r, f) for s in subs for r in s.repeats.get(sheet, []) for f in fields if r.get(f) == 0]
        for r, f in _pick(zero_cells, 8, rng):
            r[f] = -99
        # an extra row of a country the community already reports, every year unknown
        for s in _pick([s for s in subs if s.repeats.get(sheet)], 4, rng):
            src = s.repeats[sheet][int(rng.integers(0, len(s.repeats[sheet])))]
            extra = {k: v for k, v in src.items() if not k.endswith(tuple(f"_n_{y}" for y in years))}
            extra.update({f: -99 for f in fields})
            s.repeats[sheet].append(extra)
    for section, (sheet, rayon_field, n_field) in INTERNAL_SECTIONS.items():
        for s in _pick([s for s in subs if s.repeats.get(sheet)], 4, rng):
            src = s.repeats[sheet][0]
            s.repeats[sheet].append({f"{section}/{sheet}/{rayon_field}": src[f"{section}/{sheet}/{rayon_field}"],
                                     f"{section}/{sheet}/{n_field}": -99})
        reason_zero = [(s, k) for s in subs for k, v in s.main.items()
                       if k.startswith(f"{section}/{section}_reason_") and v == 0]
        for s, k in _pick(reason_zero, 6, rng):
            s.main[k] = -99
    stay_zero = [(s, k) for s in subs for k in ("imw/imw_stay_short", "imw/imw_stay_long", "imw/imw_stay_unknown")
                 if s.main.get(k) == 0]
    for s, k in _pick(stay_zero, 4, rng):
        s.main[k] = -99


def _other_countries(subs: list[Submission], rng: np.random.Generator) -> None:
    for section, sheet in INTERNATIONAL_SECTIONS.items():
        cfield, ofield = f"{section}/{sheet}/{section}_country", f"{section}/{sheet}/{section}_country_other"
        rows = [r for s in subs for r in s.repeats.get(sheet, []) if str(r.get(cfield)).upper() in OTHER_COUNTRY_TEXT]
        for r in _pick(rows, 12, rng):
            names = OTHER_COUNTRY_TEXT[str(r[cfield]).upper()]
            r[cfield], r[ofield] = "other", names[int(rng.integers(0, len(names)))]
    unknown = [r for s in subs for r in s.repeats.get("ret_cty", []) if r.get("ret/ret_cty/ret_country") == "dont_know"]
    for r in _pick(unknown, 1, rng):
        r["ret/ret_cty/ret_country"], r["ret/ret_cty/ret_country_other"] = "other", UNRESOLVABLE_COUNTRY_TEXT


def _altered(s: Submission, rng: np.random.Generator, when, status: str) -> Submission:
    """A different version of a submission (wrong numbers, one key informant fewer)."""
    c = copy.deepcopy(s)
    c.time, c.status = when, status
    factor = float(rng.uniform(1.2, 1.8))
    for rows in c.repeats.values():
        for r in rows:
            for k, v in r.items():
                if isinstance(v, int) and v > 0 and ("_n_" in k or k.endswith("_n")):
                    r[k] = int(v * factor) + 1
    households = c.main.get("loc/households")
    if isinstance(households, int):
        c.main["loc/households"] = int(households * factor)
    if len(c.repeats.get("ki", [])) > 1:
        c.repeats["ki"] = c.repeats["ki"][:1]
    return c


def _corrections_and_rejections(export: Export, valid: list[Submission], truth: RoundTruth,
                                rng: np.random.Generator) -> None:
    picked = _pick(valid, 18, rng)
    corrections, rejections = picked[:12], picked[12:]
    for k, s in enumerate(corrections):
        if k == 0:  # same submission time: the higher _id (the later one) wins
            earlier = _altered(s, rng, s.time, VALIDATION[0])
            earlier.order, s.order = 0, 1
        else:
            earlier = _altered(s, rng, s.time - timedelta(days=int(rng.integers(1, 6)), minutes=17), VALIDATION[0])
            if k == 1:
                s.status = VALIDATION[2]  # the correction is on hold: it still counts
        export.submissions.append(earlier)
    for s in rejections:
        later = _altered(s, rng, s.time + timedelta(days=int(rng.integers(1, 4)), hours=2), VALIDATION[1])
        export.submissions.append(later)
    # a not-approved submission of a community that this round did not assess
    assessed = {a.community.community_id for a in truth.answers}
    spare = [c for c in truth.master if c.community_id not in assessed]
    if spare:
        a = copy.deepcopy(truth.answers[0])
        a.community = spare[int(rng.integers(0, len(spare)))]
        sub = b2_submission(a, truth, rng, valid[0].time + timedelta(days=1), 23)
        sub.status = VALIDATION[1]
        export.submissions.append(sub)


def _orphans(export: Export, truth: RoundTruth, rng: np.random.Generator) -> None:
    """Repeat rows whose parent submission was deleted by hand: their _parent_index matches nothing."""
    n = len(export.submissions)
    y = truth.years
    donor = next(s for s in export.submissions if all(s.repeats.get(sh) for sh in
                                                       ("imw_nat", "ret_cty", "emi_cty", "int_in_origin",
                                                        "int_out_dest")))
    for k, sheet in enumerate(("ki", "imw_nat", "ret_cty", "emi_cty", "int_in_origin", "int_out_dest")):
        for j in range(2):
            row = copy.deepcopy(donor.repeats[sheet][0])
            for key, v in row.items():
                if isinstance(v, int) and v > 0:
                    row[key] = v + 250
            if sheet == "ki":
                row["ki/ki_name"], row["ki/ki_phone"] = ki_name("C99999", j), ki_phone("C99999", j)
            row.update({"_parent_index": n + 1000 + 10 * k + j, "_submission__id": 999_000_000 + 10 * k + j,
                        "_submission__submission_time": f"{y[-1]}-01-01T00:00:00",
                        "_submission__status": "submitted_via_web",
                        "_submission__submitted_by": submitter(99)})
            export.orphans.setdefault(sheet, []).append(row)


_CODE_FIELDS_MAIN = ("loc/oblast", "loc/rayon", "loc/settlement_type", "imw/imw_present", "ret/ret_present",
                     "emi/emi_present", "int_in/int_in_present", "int_out/int_out_present", "svc/clinic_avail",
                     "svc/school_avail", "svc/internet_avail", "oblast", "rayon")


def _text_and_case(s: Submission, rng: np.random.Generator) -> None:
    """Numbers stored as text, codes with stray spaces or another case (a few per submission)."""
    m = s.main
    for k in _CODE_FIELDS_MAIN:
        code = m.get(k)
        if isinstance(code, str) and code and rng.random() < 0.03:
            m[k] = _code_variant(code, rng)
    for k in ("loc/community_id", "villages/community_id"):
        community_id = m.get(k)
        if isinstance(community_id, str) and rng.random() < 0.04:
            m[k] = (community_id.lower(), f" {community_id}", f"{community_id} ")[int(rng.integers(0, 3))]
    for k, v in list(m.items()):
        if isinstance(v, int) and not k.startswith("_") and rng.random() < 0.03:
            m[k] = _number_as_text(v, rng)
    if s.status == VALIDATION[0] and rng.random() < 0.02:
        s.status = "Validation_Status_Approved"
    for rows in s.repeats.values():
        for r in rows:
            _text_and_case_row(r, rng)


def _text_and_case_row(r: dict[str, object], rng: np.random.Generator) -> None:
    for k, v in list(r.items()):
        if k.startswith("_") or v is None:
            continue
        if isinstance(v, int) and rng.random() < 0.03:
            r[k] = _number_as_text(v, rng)
        elif isinstance(v, str) and (k.endswith(("_country", "_sex", "_type", "_rayon"))) and rng.random() < 0.03:
            r[k] = _code_variant(v, rng)
        elif k.endswith("community_id") and isinstance(v, str) and rng.random() < 0.05:
            r[k] = v.lower()


def apply_b1(export: Export, truth: RoundTruth, rng: np.random.Generator) -> None:
    """The same kinds of mess in the B1 export (it feeds no published figure)."""
    subs = list(export.submissions)
    rows = [r for s in subs for r in s.repeats.get("villages", [])]
    for r in _pick(rows, 15, rng):
        r[f"villages/est_{('imw', 'ret', 'emi', 'int_in', 'int_out')[int(rng.integers(0, 5))]}"] = -99
    s = subs[int(rng.integers(0, len(subs)))]
    earlier = copy.deepcopy(s)
    earlier.time = s.time - timedelta(hours=5)
    earlier.repeats["villages"] = earlier.repeats["villages"][:-1]
    export.submissions.append(earlier)
    rejected = copy.deepcopy(subs[int(rng.integers(0, len(subs)))])
    rejected.time += timedelta(days=2)
    rejected.status = VALIDATION[1]
    export.submissions.append(rejected)
    if rows:
        orphan = copy.deepcopy(rows[0])
        orphan.update({"_parent_index": len(export.submissions) + 500, "_submission__id": 998_000_001,
                       "_submission__submitted_by": submitter(98)})
        export.orphans["villages"] = [orphan]
    for sub in export.submissions:
        _text_and_case(sub, rng)

