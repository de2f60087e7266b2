"""A synthetic round of any size: the round's exports repeated over more communities.

The generator's rounds assess about 1,000 communities (round 3: 999, calibrated). For a larger
(or smaller) country, ``scale_round`` makes ``communities`` communities out of them, with frames
only (vectorised, no per-community Python): copy ``t`` of the round is the same answers for new
communities of the same rayons, whose codes are the originals' plus ``t * CODE_STRIDE``
(``C00417`` -> ``C20417``, ``C40417``, ...), with new submission ids, uuids and row indexes, so
every copy is a community of its own in every round (and the same community from round to
round: continuity, revisits and deliberate jumps repeat with the copies). The last copy keeps a
seeded part of the master list so that round 3 assesses exactly ``communities``; a smaller
number than round 3's keeps that part of the first copy only. Rows that belong to no community
of the master list (orphan repeat rows, B1's settlements without a code) stay once.

B1 lists communities per rayon in one submission: its ``villages`` rows are repeated under the
same submission, not the submissions. The messes of the exports repeat with their rows.
"""

from __future__ import annotations

import math
import re
import uuid

import numpy as np
import pandas as pd

from mtm.sample.calibration import ROUND3
from mtm.sample.truth import Community

CODE_STRIDE = 20_000  # master-list codes are below C20000: copy t adds t * CODE_STRIDE
_CODE = re.compile(r"([cC])(\d+)")
CODE_COLUMNS = {"b2": ("loc/community_id",), "b1": ("villages/community_id",)}
INDEX_COLUMNS = ("_index", "_parent_index")
ID_COLUMNS = ("_id", "_submission__id")
UUID_COLUMNS = ("_uuid", "_submission__uuid")


def copies_needed(communities: int) -> int:
    """How many copies of the round make ``communities`` (round 3's count) communities."""
    if communities < 1:
        raise ValueError(f"communities must be positive, got {communities}")
    return math.ceil(communities / ROUND3.communities)


def kept_in_last_copy(master: list[Community], communities: int, seed: int) -> set[str]:
    """The master-list codes the last copy keeps: ``communities - full copies x 999`` of round 3's
    communities and the same share of the codes beyond them, chosen by the seed."""
    full = copies_needed(communities) - 1
    rest = communities - full * ROUND3.communities
    core, extra = master[: ROUND3.communities], master[ROUND3.communities:]
    rng = np.random.default_rng([seed, 6000, communities])
    keep = [core[int(i)] for i in rng.choice(len(core), size=rest, replace=False)]
    n_extra = round(rest * len(extra) / len(core))
    keep += [extra[int(i)] for i in rng.choice(len(extra), size=min(n_extra, len(extra)), replace=False)]
    return {c.community_id for c in keep}


def _base_code(values: pd.Series) -> pd.Series:
    """The master-list code of each cell (``' c00417'`` -> ``C00417``), NA when there is none."""
    clean = values.astype("string").str.strip().str.upper()
    return clean.where(clean.str.fullmatch(r"C\d+", na=False))


def _shift_codes(values: pd.Series, t: int) -> pd.Series:
    """Codes of copy ``t``, keeping how each cell was written (case, spaces)."""
    if t == 0:
        return values
    def shift(m: re.Match[str]) -> str:
        return f"{m[1]}{int(m[2]) + t * CODE_STRIDE:05d}"
    text = values.astype("string")
    return text.str.replace(_CODE, shift, regex=True).astype(object).where(values.notna(), None)


def _numbers(values: pd.Series) -> pd.Series:
    return pd.to_numeric(values, errors="coerce").astype("Int64")


def _new_uuids(values: pd.Series, t: int, seed: int, round_id: int, form: str) -> dict[str, str]:
    distinct = sorted(v for v in values.dropna().unique())
    rng = np.random.default_rng([seed, round_id, 7000 + t, ord(form[-1])])
    raw = rng.bytes(16 * len(distinct))
    return {v: str(uuid.UUID(bytes=raw[16 * i: 16 * i + 16], version=4)) for i, v in enumerate(distinct)}


def scale_round(frames: dict[str, dict[str, pd.DataFrame]], round_id: int, communities: int,
                master: list[Community], seed: int) -> dict[str, dict[str, pd.DataFrame]]:
    """The round's exports (form -> sheet -> frame, as ``generate_round`` returns them) for
    ``communities`` communities (see the module's description)."""
    copies = copies_needed(communities)
    last = kept_in_last_copy(master, communities, seed)
    out: dict[str, dict[str, pd.DataFrame]] = {}
    for form, sheets in frames.items():
        out[form] = (_scale_b1(sheets, copies, last) if form == "b1"
                     else _scale_b2(sheets, form, copies, last, seed, round_id))
    return out


def _keep(code: pd.Series, t: int, copies: int, last: set[str]) -> pd.Series:
    """Rows of copy ``t``: every row with a code in a full copy, the kept codes in the last one;
    rows without a master code only in copy 0."""
    has = code.notna()
    keep = has if t < copies - 1 else has & code.isin(last)
    return keep | (~has if t == 0 else False)


def _scale_b2(sheets: dict[str, pd.DataFrame], form: str, copies: int, last: set[str], seed: int,
              round_id: int) -> dict[str, pd.DataFrame]:
    names = list(sheets)
    main_name = names[0]
    main = sheets[main_name]
    code = _base_code(main[CODE_COLUMNS[form][0]])
    index_span = 1 + max(int(_numbers(df[c]).max() or 0) for df in sheets.values() for c in INDEX_COLUMNS
                         if c in df.columns and df[c].notna().any())
    ids = _numbers(main["_id"])
    id_span = int(ids.max() - ids.min()) + 1000
    main_index = set(_numbers(main["_index"]).dropna())
    parts: dict[str, list[pd.DataFrame]] = {n: [] for n in names}
    for t in range(copies):
        keep_main = _keep(code, t, copies, last)
        kept_index = set(_numbers(main.loc[keep_main, "_index"]).dropna())
        uuids = _new_uuids(main.loc[keep_main, "_uuid"], t, seed, round_id, form) if t else {}
        parts[main_name].append(_copy(main[keep_main], t, index_span, id_span, uuids, form))
        for sheet in names[1:]:  # every repeat of the BMA forms is a child of the main sheet
            df = sheets[sheet]
            pidx = _numbers(df["_parent_index"])
            keep = pidx.isin(kept_index).fillna(False).astype(bool)
            if t == 0:  # orphan rows (their parent is gone) stay once
                keep |= ~pidx.isin(main_index).fillna(False).astype(bool)
            parts[sheet].append(_copy(df[keep], t, index_span, id_span, uuids, form))
    return {n: pd.concat(parts[n], ignore_index=True) for n in names}


def _copy(df: pd.DataFrame, t: int, index_span: int, id_span: int, uuids: dict[str, str],
          form: str) -> pd.DataFrame:
    """Copy ``t`` of some rows: codes, indexes, submission ids and uuids moved to its own."""
    if t == 0:
        return df.copy()
    df = df.copy()
    for c in CODE_COLUMNS[form]:
        if c in df.columns:
            df[c] = _shift_codes(df[c], t)
    for c in INDEX_COLUMNS:
        if c in df.columns:
            df[c] = _numbers(df[c]) + t * index_span
    for c in ID_COLUMNS:
        if c in df.columns:
            df[c] = _numbers(df[c]) + t * id_span
    for c in UUID_COLUMNS:
        if c in df.columns:
            df[c] = df[c].map(uuids).astype(object).where(df[c].notna(), None)
    return df


def _scale_b1(sheets: dict[str, pd.DataFrame], copies: int, last: set[str]) -> dict[str, pd.DataFrame]:
    """B1: the villages rows repeated under their own submission, with the copies' codes."""
    out = dict(sheets)
    villages = sheets["villages"]
    code = _base_code(villages[CODE_COLUMNS["b1"][0]])
    parts = []
    for t in range(copies):
        rows = villages[_keep(code, t, copies, last)].copy()
        if t:
            rows[CODE_COLUMNS["b1"][0]] = _shift_codes(rows[CODE_COLUMNS["b1"][0]], t)
        parts.append(rows)
    scaled = pd.concat(parts, ignore_index=True)
    scaled["_index"] = pd.array(np.arange(1, len(scaled) + 1), dtype="Int64")
    out["villages"] = scaled
    return out
