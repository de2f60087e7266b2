"""Rounds other than round 3, derived community by community from round 3's answers.

Round 3 is the calibrated round (``sample.truth.build_truth``). Every other round is built from
it, so that a community revisited across rounds tells a consistent story:

* a revisited community keeps its rayon, name, settlement type, key informants and services,
  with households and population drifting by a few percent;
* its per-country counts of a calendar year that both rounds cover are round 3's, mostly
  identical and otherwise revised by 10-20 %; a year the round only saw in part (the year its
  collection took place) is scaled down to the part of the year that had passed by the middle
  of the collection; years the round does not cover do not exist there (years after round 3's
  are extrapolated from its last full year);
* internal migration, asked for a different reference year per round, is round 3's scaled by a
  national factor per round and a small revision per community;
* stay durations, internal reasons and ``*_present`` follow the derived counts, so they agree
  as in round 3; reason scores are round 3's with an occasional step of one;
* communities that round 3 did not assess (codes of the master list beyond its 999) take the
  answers of a round 3 community of their rayon (one per seed, the same in every round),
  scaled to their size.

A few deliberate breaks of continuity are the round's "population jumps" mess
(:data:`DELIBERATE_JUMPS`): each is chosen so that the warehouse's jump warning (persons changed
more than fivefold, or from zero to over 100, since the previous round) flags it exactly once.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import numpy as np

from mtm.sample.allocate import largest_remainder
from mtm.sample.calibration import CALIBRATED_ROUND, ROUND3
from mtm.sample.submissions import collection_window, round_years
from mtm.sample.truth import Answers, Community, RoundTruth, build_truth, master_communities, round_members

INTERNATIONAL = ("imw", "ret", "emi")
INTERNAL = ("int_in", "int_out")
GROUP_OF_SECTION = {"imw": "international_migrant_workers", "ret": "return_migrants", "emi": "emigrants",
                    "int_in": "internal_migrants", "int_out": "internal_out_migrants"}
REVISION_SHARE = 0.3  # share of (row, year) counts that a later round revised
REVISION_RANGE = (0.8, 1.2)
INTERNAL_SCALE_PER_YEAR = 0.92  # internal migration one reference year earlier, nationally
HOUSEHOLD_DRIFT = (0.96, 1.03)


@dataclass(frozen=True)
class Jump:
    """A deliberate break of continuity: ``kind`` of change to ``section`` of a community."""

    community_id: str
    section: str
    kind: str  # a key of JUMP_FACTOR
    flagged_in_round: int  # the round whose comparison with its previous round shows the jump

    @property
    def population_group(self) -> str:
        return GROUP_OF_SECTION[self.section]


# round -> (section, kind) of its deliberate jumps, each on its own community. A jump of round 1
# shows when round 2 is compared with round 1 (its community is in both rounds); a jump of
# round 2 shows when round 3 is compared with round 2 (its community is not in round 1).
DELIBERATE_JUMPS: dict[int, tuple[tuple[str, str], ...]] = {
    1: (("emi", "extra_digit"), ("ret", "not_counted"), ("int_in", "whole_area")),
    2: (("emi", "not_counted"), ("imw", "extra_digit"), ("ret", "whole_area"),
        ("int_out", "not_counted")),
}
# extra_digit: the community's main rows (80 % of its persons) typed with an extra zero in every
# count; whole_area: the key informant gave the figures of the whole aiyl aimak or city district;
# not_counted: nobody counted them (no rows, present = no) although the rounds around say otherwise
JUMP_FACTOR = {"extra_digit": 10, "whole_area": 10, "not_counted": 0}
JUMP_PERSONS = (120, 400)  # persons of the picked community and section before the jump


@lru_cache(maxsize=2)
def round3_truth(seed: int) -> RoundTruth:
    """Round 3's answers for a seed (read-only: derived rounds copy what they change)."""
    years, iry = round_years(CALIBRATED_ROUND, None, None)
    return build_truth(CALIBRATED_ROUND, seed, years, iry)


def observed_fraction(round_id: int, year: int, internal_year: int) -> float:
    """The part of ``year`` a round's key informants could report on: 1 for years before its
    collection, else the share of the year passed at the middle of the collection window."""
    start, end = collection_window(round_id, internal_year)
    mid = start + (end - start) / 2
    first = date(year, 1, 1)
    if mid < first:
        return 0.0
    return float(min(1.0, (mid - first).days / 365.0))


def _round(x: float, rng: np.random.Generator) -> int:
    """Stochastic rounding: keeps small counts right on average."""
    lo = int(np.floor(x))
    return lo + int(rng.random() < x - lo)


def _revised(x: float, rng: np.random.Generator) -> int:
    """A count as a later round reports it: mostly the same, sometimes revised by 10-20 %."""
    if rng.random() < REVISION_SHARE:
        x *= rng.uniform(*REVISION_RANGE)
    return _round(x, rng)


def year_sources(round_id: int, years: tuple[int, ...], internal_year: int,
                 base: RoundTruth) -> list[tuple[int, float]]:
    """For each year of the round: (index of the round 3 year it comes from, factor)."""
    base_years = list(base.years)
    last_full = base_years[-2] if len(base_years) > 1 else base_years[-1]
    out = []
    for y in years:
        f = observed_fraction(round_id, y, internal_year)
        if y in base_years:
            f3 = observed_fraction(CALIBRATED_ROUND, y, base.internal_reference_year)
            out.append((base_years.index(y), f / max(f3, 0.25) if f3 < 1 else f))
        elif y > base_years[-1]:
            out.append((base_years.index(last_full), f * 1.1 ** (y - last_full)))
        else:
            out.append((0, f * 0.9 ** (base_years[0] - y)))
    return out


def _donors(base: RoundTruth, extras: list[Community], seed: int) -> dict[str, tuple[Answers, float]]:
    """Round 3 community whose answers a non-round-3 community takes, and the scale (same every round)."""
    rng = np.random.default_rng([seed, 5000])
    by_rayon: dict[str, list[Answers]] = {}
    for a in base.answers:
        by_rayon.setdefault(a.community.rayon, []).append(a)
    out = {}
    for c in extras:
        pool = by_rayon.get(c.rayon) or base.answers
        donor = pool[int(rng.integers(0, len(pool)))]
        scale = float(np.clip(c.base_households / max(1, donor.households), 0.4, 2.5))
        out[c.community_id] = (donor, scale)
    return out


def derive_truth(round_id: int, seed: int, years: tuple[int, ...], internal_year: int) -> RoundTruth:
    """The answers of a round other than round 3, derived from round 3's community by community."""
    base = round3_truth(seed)
    master = master_communities(seed)
    members = round_members(master, round_id, seed)
    by_id = {a.community.community_id: a for a in base.answers}
    donors = _donors(base, [c for c in master if c.community_id not in by_id], seed)
    rng = np.random.default_rng([seed, round_id, 4000])
    sources = year_sources(round_id, years, internal_year, base)
    internal_factor = INTERNAL_SCALE_PER_YEAR ** (base.internal_reference_year - internal_year)
    answers = []
    for c in members:
        src, scale = (by_id[c.community_id], 1.0) if c.community_id in by_id else donors[c.community_id]
        answers.append(_derive_community(c, src, scale, sources, internal_factor, rng))
    jumps = _deliberate_jumps(round_id, answers, seed, rng)
    for a in answers:
        _follow_counts(a, by_id.get(a.community.community_id) or donors[a.community.community_id][0], rng)
    return RoundTruth(round_id=round_id, years=tuple(years), internal_reference_year=internal_year,
                      targets=None, answers=answers, master=master, jumps=jumps)


def _derive_community(c: Community, src: Answers, scale: float, sources: list[tuple[int, float]],
                      internal_factor: float, rng: np.random.Generator) -> Answers:
    """A community's answers in this round from ``src`` (its own round 3 answers, or its donor's
    scaled by ``scale``): size, key informants, services and counts; flags and reasons follow later."""
    drift = rng.uniform(*HOUSEHOLD_DRIFT)
    own = src.community.community_id == c.community_id
    households = max(10, round((src.households if own else c.base_households) * drift))
    a = Answers(community=c, households=households,
                population=max(households, round(src.population * households / max(1, src.households))),
                ki=list(src.ki))
    for section in INTERNATIONAL:
        rows = []
        for iso3, counts in src.country_rows.get(section, []):
            rows.append((iso3, [_revised(counts[i] * f * scale, rng) for i, f in sources]))
        a.country_rows[section] = rows
    for section in INTERNAL:
        revision = rng.uniform(*REVISION_RANGE) if rng.random() < 0.5 else 1.0
        factor = internal_factor * scale * revision
        a.internal_rows[section] = [(r, _round(n * factor, rng))
                                    for r, n in src.internal_rows.get(section, [])]
    a.services = {s: _service(v, rng) for s, v in src.services.items()}
    return a


def _service(v: tuple[str, int | None], rng: np.random.Generator) -> tuple[str, int | None]:
    """Round 3's answer; now and then a service that round 3 has was not there yet."""
    if v[0] == "yes" and rng.random() < 0.02:
        return ("no", int(rng.integers(2, 15)))
    return v


def _deliberate_jumps(round_id: int, answers: list[Answers], seed: int,
                      rng: np.random.Generator) -> list[Jump]:
    """Break continuity on purpose for a few communities (the population-jumps mess).

    Each jump's community is also in the next round (which shows the jump) and not in the
    previous one, so that the jump is flagged once, by the next round's comparison.
    """
    plan = DELIBERATE_JUMPS.get(round_id, ())
    if not plan:
        return []
    master = master_communities(seed)
    nxt = {c.community_id for c in round_members(master, round_id + 1, seed)}
    prev = {c.community_id for c in round_members(master, round_id - 1, seed)} if round_id > 1 else set()
    ok_ids = nxt - prev
    used: set[str] = set()
    jumps = []
    for section, kind in plan:
        cands = [a for a in answers if a.community.community_id in ok_ids - used
                 and JUMP_PERSONS[0] <= _persons(a, section) <= JUMP_PERSONS[1]]
        if not cands:
            continue
        a = cands[int(rng.integers(0, len(cands)))]
        used.add(a.community.community_id)
        factor = JUMP_FACTOR[kind]
        if section in INTERNAL:
            a.internal_rows[section] = [(r, n * factor) for r, n in a.internal_rows[section]]
        elif kind == "extra_digit":  # the main rows (80 % of persons) typed with an extra zero
            rows = a.country_rows[section]
            total, done = _persons(a, section), 0
            for k in sorted(range(len(rows)), key=lambda i: -sum(rows[i][1])):
                if done >= 0.8 * total:
                    break
                done += sum(rows[k][1])
                rows[k] = (rows[k][0], [n * factor for n in rows[k][1]])
        else:
            a.country_rows[section] = [(iso3, [n * factor for n in counts])
                                       for iso3, counts in a.country_rows[section]]
        jumps.append(Jump(a.community.community_id, section, kind, round_id + 1))
    return jumps


def _persons(a: Answers, section: str) -> int:
    """Persons of a section in a community's answers (all years)."""
    if section in INTERNAL:
        return sum(n for _, n in a.internal_rows.get(section, []))
    return sum(sum(c) for _, c in a.country_rows.get(section, []))


def _follow_counts(a: Answers, src: Answers, rng: np.random.Generator) -> None:
    """Stay durations, internal reasons, ``*_present`` and reason scores that agree with the counts."""
    for section in INTERNATIONAL + INTERNAL:
        if section in INTERNAL:
            a.internal_rows[section] = [(r, n) for r, n in a.internal_rows[section] if n > 0]
        else:
            a.country_rows[section] = [(c, n) for c, n in a.country_rows[section] if sum(n) > 0]
        if _persons(a, section) > 0:
            a.present[section] = "yes"
        else:
            was_present = src.present.get(section, "no")
            a.present[section] = "no" if was_present == "yes" else was_present
    total_imw = _persons(a, "imw")
    if total_imw:
        weights = [float(w) for w in src.stay] if src.stay and sum(src.stay) else [54.0, 38.0, 8.0]
        short, long, unknown = largest_remainder(total_imw, [w + 1e-6 for w in weights])
        a.stay = (short, long, unknown)
    for section in INTERNAL:
        total = _persons(a, section)
        if not total:
            continue
        shares: dict[str, float] = {k: float(v) for k, v in (src.internal_reasons.get(section) or {"economic": 1}).items()}
        codes = list(shares)
        parts = largest_remainder(total, [shares[k] + 1e-6 for k in codes])
        a.internal_reasons[section] = dict(zip(codes, parts, strict=True))
    for section, means in (("ret", ROUND3.ret_reason_mean), ("emi", ROUND3.emi_reason_mean)):
        if a.present[section] != "yes":
            continue
        scores = src.reasons.get(section) or {k: int(np.clip(round(m + rng.normal(0, 1)), 0, 5))
                                              for k, m in means.items()}
        a.reasons[section] = {k: int(np.clip(v + (rng.integers(-1, 2) if rng.random() < 0.15 else 0), 0, 5))
                              for k, v in scores.items()}


def truth_for_round(round_id: int, seed: int, years: tuple[int, ...], internal_year: int) -> RoundTruth:
    """Round 3's calibrated answers, or another round's derived from them."""
    if round_id == CALIBRATED_ROUND:
        if (tuple(years), internal_year) == round_years(CALIBRATED_ROUND, None, None):
            return copy.deepcopy(round3_truth(seed))  # the generator may change what it is given
        return build_truth(round_id, seed, years, internal_year)
    return derive_truth(round_id, seed, years, internal_year)

