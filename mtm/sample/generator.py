"""Synthetic Kobo exports (B2 and B1) of a BMA round.

``generate_round`` returns, per form, the sheets of a KoboToolbox "XML values and headers"
export as pandas DataFrames whose columns are the Kobo paths of that round's form (see
``forms/bma/README.md`` and ``loaders.forms``). All data is synthetic; round 3 is calibrated
so that, cleaned by the rules of ``docs/cleaning-rules.md``, it reproduces every figure of the
published Round 3 report. By default the exports carry the messes of real exports
(``sample.messes``); ``clean=True`` leaves them out, with the same figures.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import numpy as np
import pandas as pd

from mtm.core import forms
from mtm.core.errors import InputError
from mtm.sample import messes, scale
from mtm.sample.calibration import ROUND3
from mtm.sample.continuity import truth_for_round
from mtm.sample.submissions import (
    B1,
    B2,
    Export,
    Submission,
    b2_submission,
    collection_window,
    enumerator_name,
    random_status,
    random_timestamp,
    round_years,
    submitter,
)
from mtm.sample.truth import Answers, RoundTruth

DEFAULT_SEED = 20240401
# --------------------------------------------------------------------------- columns

def sheet_columns(form: str, sheet: str, years: tuple[int, ...]) -> list[str]:
    """The column paths of a sheet for a round whose per-year fields cover ``years``
    (``forms.columns_for_years``: a year the form has no field for yet is named like the others)."""
    return forms.columns_for_years(form, sheet, years)


def main_sheet_name(form: str, round_id: int) -> str:
    """The main sheet's name (the round's form title cut to 31 characters)."""
    try:
        return forms.main_sheet_name(form, round_id)
    except InputError:  # a round settings.csv does not know yet: the latest title
        return forms.main_sheet_name(form)


def form_version(form: str, round_id: int) -> str:
    try:
        return forms.round_settings(form, round_id).version
    except InputError:
        return f"r{round_id}"


def b2_export(truth: RoundTruth, rng: np.random.Generator) -> Export:
    """One valid submission per assessed community, in submission-time order."""
    start, end = collection_window(truth.round_id, truth.internal_reference_year)
    enumerators = {r: int(i) for i, r in enumerate(sorted({a.community.rayon for a in truth.answers}), 1)}
    subs = []
    for a in truth.answers:
        when = random_timestamp(rng, start + timedelta(days=7), end)
        subs.append(b2_submission(a, truth, rng, when, enumerators[a.community.rayon] % 23 + 1))
    return Export(form=B2, submissions=subs)


# --------------------------------------------------------------------------- B1

def b1_export(truth: RoundTruth, rng: np.random.Generator) -> Export:
    """One B1 submission per assessed rayon, listing most of its B2 communities (with estimates
    near their B2 counts), missing some, and naming a few that B2 did not assess."""
    start, _ = collection_window(truth.round_id, truth.internal_reference_year)
    by_rayon: dict[str, list[Answers]] = {}
    for a in truth.answers:
        by_rayon.setdefault(a.community.rayon, []).append(a)
    assessed = {a.community.community_id for a in truth.answers}
    not_assessed = [c for c in truth.master if c.community_id not in assessed]
    subs = []
    for k, (rayon, lst) in enumerate(sorted(by_rayon.items()), 1):
        when = random_timestamp(rng, start, start + timedelta(days=6))
        rows = []
        for a in lst:
            if rng.random() < 0.12:
                continue  # referred later by key informants: assessed by B2, not listed by B1
            rows.append(_village_row(a.community.name, a.community.community_id, _estimates(a, rng), rng))
        extra = [c for c in not_assessed if c.rayon == rayon][:2]
        for c in extra:
            est = [int(x) for x in rng.integers(0, 400, size=5)]
            rows.append(_village_row(c.name, c.community_id, est, rng))
        if rng.random() < 0.3:  # a community without a code yet
            rows.append(_village_row(f"New settlement {k}", None, [int(x) for x in rng.integers(0, 200, size=5)], rng))
        main = {
            "start": f"{when.date().isoformat()}T09:00:00", "end": f"{when.date().isoformat()}T12:30:00",
            "today": when.date().isoformat(), "enumerator_name": enumerator_name(k % 23 + 1),
            "assessment_date": when.date().isoformat(), "oblast": lst[0].community.oblast, "rayon": rayon,
            "ki_count": int(rng.integers(2, 7)),
        }
        subs.append(Submission(main=main, repeats={"villages": rows}, time=when, status=random_status(rng),
                               personal={"_submitted_by": submitter(k % 23 + 1)}))
    return Export(form=B1, submissions=subs)


def _estimates(a: Answers, rng: np.random.Generator) -> list[int]:
    tot = [sum(sum(y) for _, y in a.country_rows.get(s, [])) for s in ("imw", "ret", "emi")]
    tot += [sum(n for _, n in a.internal_rows.get(s, [])) for s in ("int_in", "int_out")]
    return [int(round(t * rng.uniform(0.7, 1.3) / 10) * 10) for t in tot]


def _village_row(name: str, code: str | None, est: list[int], rng: np.random.Generator) -> dict[str, object]:
    inflow = est[0] + est[3] > est[2] + est[4] or rng.random() < 0.3
    outflow = not inflow or rng.random() < 0.5
    flows = " ".join(f for f, on in (("inflow", inflow), ("outflow", outflow)) if on)
    return {
        "villages/community_name": name, "villages/community_id": code, "villages/flows": flows,
        "villages/flows/inflow": int(inflow), "villages/flows/outflow": int(outflow),
        "villages/est_imw": est[0], "villages/est_ret": est[1], "villages/est_emi": est[2],
        "villages/est_int_in": est[3], "villages/est_int_out": est[4],
    }


# --------------------------------------------------------------------------- frames

def to_frames(export: Export, round_id: int, years: tuple[int, ...], rng: np.random.Generator,
              with_personal: bool = True) -> dict[str, pd.DataFrame]:
    """The export's sheets (main sheet first) as DataFrames with Kobo columns and metadata."""
    form = export.form
    main_name = main_sheet_name(form, round_id)
    version = f"v{form_version(form, round_id)}-{round_id}synthetic"
    subs = sorted(export.submissions, key=lambda s: (s.time, s.order))
    base_id = 300_000_000 + round_id * 1_000_000 + (0 if form == B2 else 500_000)
    main_rows: list[dict[str, object]] = []
    repeat_rows: dict[str, list[dict[str, object]]] = {r: [] for r in forms.repeat_names(form)}
    personal_cols = set(forms.PERSONAL_COLUMNS)
    for i, s in enumerate(subs, 1):
        sid = base_id + i * 7 + int(rng.integers(0, 7))
        suuid = str(uuid.UUID(bytes=rng.bytes(16), version=4))
        stime = s.time.isoformat(timespec="seconds")
        by = s.personal.get("_submitted_by", "") if with_personal else None
        row = dict(s.main)
        row.update({"_id": sid, "_uuid": suuid, "_submission_time": stime, "_validation_status": s.status or None,
                    "_notes": None, "_status": "submitted_via_web", "_submitted_by": by,
                    "__version__": version, "_tags": None, "_index": i})
        main_rows.append(row)
        for sheet, rows in s.repeats.items():
            for r in rows:
                rr = dict(r)
                rr.update({"_parent_table_name": main_name, "_parent_index": i, "_submission__id": sid,
                           "_submission__uuid": suuid, "_submission__submission_time": stime,
                           "_submission__validation_status": s.status or None, "_submission__notes": None,
                           "_submission__status": "submitted_via_web", "_submission__submitted_by": by,
                           "_submission___version__": version, "_submission__tags": None})
                repeat_rows[sheet].append(rr)
    for sheet, rows in export.orphans.items():
        for r in rows:
            rr = dict(r)
            rr.setdefault("_parent_table_name", main_name)
            repeat_rows[sheet].append(rr)
    frames = {main_name: _frame(main_rows, sheet_columns(form, forms.MAIN, years), personal_cols, with_personal)}
    for sheet in forms.repeat_names(form):
        rows = repeat_rows[sheet]
        for k, r in enumerate(rows, 1):
            r["_index"] = k
        frames[sheet] = _frame(rows, sheet_columns(form, sheet, years), personal_cols, with_personal)
    return frames


def _frame(rows: list[dict[str, object]], columns: list[str], personal: set[str],
           with_personal: bool) -> pd.DataFrame:
    data = {c: [r.get(c) for r in rows] for c in columns}
    if not with_personal:
        for c in personal & set(columns):
            data[c] = [None] * len(rows)
    df = pd.DataFrame(data, columns=columns)
    for c in columns:
        values = [v for v in data[c] if v is not None]
        if values and all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in values):
            df[c] = pd.array(data[c], dtype="Int64")
        elif values and all(isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)
                            for v in values):
            df[c] = pd.array(data[c], dtype="Float64")
        else:
            df[c] = pd.Series(data[c], dtype=object)
    return df


# --------------------------------------------------------------------------- entry point

def generate_round(round_id: int, seed: int = DEFAULT_SEED, clean: bool = False,
                   reference_years: list[int] | None = None,
                   internal_reference_year: int | None = None,
                   communities: int | None = None) -> dict[str, dict[str, pd.DataFrame]]:
    """The B2 and B1 exports of a synthetic round: form -> sheet name -> DataFrame (Kobo columns).

    ``reference_years`` and ``internal_reference_year`` default to the round's row of
    ``forms/bma/settings.csv``. Round 3 is calibrated; other rounds are derived from round 3
    community by community (``sample.continuity``). Deterministic for a seed. ``clean=False`` (default) adds the
    messes of real exports (``sample.messes``); they do not change any figure once the rules of
    ``docs/cleaning-rules.md`` are applied. ``communities``: round 3 assesses that many communities
    (the others about as many), the round's answers repeated over new communities of the same rayons
    (``sample.scale``); the published figures then hold for the first 999 only.
    """
    years, iry = round_years(round_id, reference_years, internal_reference_year)
    truth = truth_for_round(round_id, seed, years, iry)
    rng = np.random.default_rng([seed, round_id, 77])
    b2 = b2_export(truth, rng)
    b1 = b1_export(truth, rng)
    if not clean:
        mrng = np.random.default_rng([seed, round_id, 99])
        messes.apply_b2(b2, truth, mrng)
        messes.apply_b1(b1, truth, mrng)
    frames = {
        B2: to_frames(b2, round_id, years, rng, with_personal=not clean),
        B1: to_frames(b1, round_id, years, rng, with_personal=not clean),
    }
    if communities is not None and communities != ROUND3.communities:
        frames = scale.scale_round(frames, round_id, communities, truth.master, seed)
    return frames
