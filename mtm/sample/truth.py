"""The answers of a synthetic round, before they are shaped as Kobo exports.

``build_truth`` decides, per assessed community, every answer of the B2 form (key informants,
the five populations with their repeat rows, reasons, services) so that the round's aggregates,
computed with the rules of ``docs/cleaning-rules.md``, equal the round's targets
(``sample.calibration``). Everything is drawn from one seeded generator: one seed, one round.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from mtm.core import forms
from mtm.sample.allocate import (
    capped_split,
    largest_remainder,
    matrix_with_margins,
    scores_with_sum,
    split_with_minimum,
)
from mtm.sample.calibration import (
    CALIBRATED_ROUND,
    OBLASTS,
    ROUND3,
    SERVICES,
    InternalTargets,
    InternationalTargets,
    RoundTargets,
    targets_for_round,
)

MASTER_EXTRA = 101  # community codes beyond round 3's 999 (assessed in other rounds only)
KI_OTHER_TEXT = ("social activist", "house of culture employee", "village council deputy",
                 "school director", "feldsher (medical assistant)")
_NAME_HEAD = ("Ak", "Kara", "Kyzyl", "Jany", "Kok", "Sary", "Tash", "Uch", "Chong", "Kichi", "Orto",
              "Jer", "Kum", "Teke", "Bel")
_NAME_TAIL = ("Bulak", "Suu", "Jar", "Tash", "Kol", "Bel", "Dobo", "Terek", "Say", "Kyshtak", "Tal",
              "Kashka", "Kungey", "Aryk", "Debe")
_CYR = {"Ak": "Ак", "Kara": "Кара", "Kyzyl": "Кызыл", "Jany": "Жаңы", "Kok": "Көк", "Sary": "Сары",
        "Tash": "Таш", "Uch": "Үч", "Chong": "Чоң", "Kichi": "Кичи", "Orto": "Орто", "Jer": "Жер",
        "Kum": "Кум", "Teke": "Теке", "Bel": "Бел", "Bulak": "Булак", "Suu": "Суу", "Jar": "Жар",
        "Kol": "Көл", "Dobo": "Дөбө", "Terek": "Терек", "Say": "Сай", "Kyshtak": "Кыштак", "Tal": "Тал",
        "Kashka": "Кашка", "Kungey": "Күнгөй", "Aryk": "Арык", "Debe": "Дебе"}


@dataclass(frozen=True)
class Community:
    """A community of the sample's master list (stable across rounds for one seed)."""

    community_id: str
    oblast: str
    rayon: str
    name: str
    name_cyrillic: str
    settlement_type: str
    aiyl_aimak: str
    base_households: int
    latitude: float
    longitude: float


@dataclass
class Answers:
    """Every B2 answer of one community in one round (the valid submission's content)."""

    community: Community
    households: int = 0
    population: int = 0
    ki: list[tuple[str, str, str]] = field(default_factory=list)  # (sex, type, type_other)
    present: dict[str, str] = field(default_factory=dict)  # section -> yes / no / dont_know
    country_rows: dict[str, list[tuple[str, list[int]]]] = field(default_factory=dict)  # imw/ret/emi
    stay: tuple[int, int, int] | None = None
    reasons: dict[str, dict[str, int]] = field(default_factory=dict)  # ret/emi -> code -> score
    internal_rows: dict[str, list[tuple[str, int]]] = field(default_factory=dict)  # int_in/int_out
    internal_reasons: dict[str, dict[str, int]] = field(default_factory=dict)
    services: dict[str, tuple[str, int | None]] = field(default_factory=dict)  # avail, km


@dataclass
class RoundTruth:
    """A round's answers. ``targets`` are the round's aggregates when they were built from
    targets (round 3); rounds derived from round 3 (``sample.continuity``) have none, but list
    their deliberate population jumps."""

    round_id: int
    years: tuple[int, ...]
    internal_reference_year: int
    targets: RoundTargets | None
    answers: list[Answers]
    master: list[Community]
    jumps: list = field(default_factory=list)  # sample.continuity.Jump


SECTION_OF_GROUP = {
    "international_migrant_workers": "imw", "return_migrants": "ret", "emigrants": "emi",
    "internal_migrants": "int_in", "internal_out_migrants": "int_out",
}


def rayons_by_oblast() -> dict[str, list[str]]:
    """Oblast choice -> its rayon choice names, from the B2 form's choices."""
    out: dict[str, list[str]] = {o: [] for o in OBLASTS}
    for c in forms.choices("b2")["rayon"]:
        out.setdefault(c.extra["oblast"], []).append(c.name)
    return out


def country_choices() -> list[str]:
    """The real countries of the B2 country list, as upper-case ISO3 codes, in list order."""
    return [c.name.upper() for c in forms.choices("b2")["country"] if c.name not in ("other", "dont_know")]


def master_communities(seed: int) -> list[Community]:
    """The sample's community list: round 3's 999 communities first, then the extra codes."""
    rng = np.random.default_rng([seed, 0])
    rbo = rayons_by_oblast()
    layout: list[tuple[str, str]] = []
    for oblast, n in ROUND3.communities_by_oblast.items():
        rayons = rbo[oblast]
        per = split_with_minimum(n, rng.uniform(0.6, 1.4, size=len(rayons)).tolist(), minimum=5)
        for rayon, k in zip(rayons, per, strict=True):
            layout += [(oblast, rayon)] * k
    all_rayons = [(o, r) for o in OBLASTS for r in rbo[o] if o not in ("bishkek_city", "osh_city")]
    for i in rng.choice(len(all_rayons), size=MASTER_EXTRA):
        layout.append(all_rayons[int(i)])
    codes = np.sort(rng.choice(np.arange(1, 20000), size=len(layout), replace=False))
    # codes ascend by rayon within round 3's set, as an office would have numbered them
    sizes = rng.lognormal(np.log(520), 0.55, size=len(layout))
    used: set[str] = set()
    out = []
    for i, ((oblast, rayon), code) in enumerate(zip(layout, codes, strict=True)):
        city = oblast in ("bishkek_city", "osh_city")
        while True:
            head, tail = rng.choice(_NAME_HEAD), rng.choice(_NAME_TAIL)
            name, cyr = f"{head}-{tail}", f"{_CYR[head]}-{_CYR[tail]}"
            if city:
                num = int(rng.integers(1, 60))
                name, cyr = f"Micro-district {num} {head}-{tail}", f"мкр {num} {_CYR[head]}-{_CYR[tail]}"
            if name not in used:
                break
            name, cyr = f"{name} {len(used) % 7 + 2}", f"{cyr} {len(used) % 7 + 2}"
            if name not in used:
                break
        used.add(name)
        stype = "city_district" if city else ("town" if rng.random() < 0.06 else "village")
        out.append(Community(
            community_id=f"C{int(code):05d}", oblast=oblast, rayon=rayon, name=name, name_cyrillic=cyr,
            settlement_type=stype, aiyl_aimak=f"{head} aiyl aimak" if not city else "",
            base_households=max(15, int(sizes[i])),
            latitude=round(float(rng.uniform(39.5, 42.8)), 6), longitude=round(float(rng.uniform(69.5, 79.5)), 6),
        ))
    return out


def round_members(master: list[Community], round_id: int, seed: int) -> list[Community]:
    """The communities a round assesses: round 3's 999; other rounds revisit most of them,
    miss some, and assess some codes round 3 did not."""
    if round_id == CALIBRATED_ROUND:
        return master[: ROUND3.communities]
    rng = np.random.default_rng([seed, 1000 + round_id])
    core, extra = master[: ROUND3.communities], master[ROUND3.communities:]
    keep_share = {1: 0.86, 2: 0.93}.get(round_id, 0.95)
    keep = [c for c in core if rng.random() < keep_share]
    n_extra = {1: 60, 2: 35}.get(round_id, 20)
    add = [extra[int(i)] for i in np.sort(rng.choice(len(extra), size=min(n_extra, len(extra)), replace=False))]
    return keep + add


def build_truth(round_id: int, seed: int, years: tuple[int, ...], internal_year: int) -> RoundTruth:
    """Decide every answer of a round so that its aggregates equal the round's targets."""
    master = master_communities(seed)
    members = round_members(master, round_id, seed)
    rng = np.random.default_rng([seed, round_id])
    cbo = {o: sum(1 for c in members if c.oblast == o) for o in OBLASTS}
    targets = targets_for_round(round_id, len(years), rng,
                                None if round_id == CALIBRATED_ROUND else cbo)
    answers = [Answers(community=c) for c in members]
    _key_informants(answers, targets, rng)
    for group, gt in targets.groups.items():
        section = SECTION_OF_GROUP[group]
        if isinstance(gt, InternationalTargets):
            _international(answers, section, gt, years, rng)
        else:
            _internal(answers, section, gt, rng)
    _stay(answers, targets, rng)
    _reason_scores(answers, "ret", targets.ret_reason_mean, rng)
    _reason_scores(answers, "emi", targets.emi_reason_mean, rng)
    _services(answers, targets, rng)
    return RoundTruth(round_id=round_id, years=tuple(years), internal_reference_year=internal_year,
                      targets=targets, answers=answers, master=master)


def _key_informants(answers: list[Answers], t: RoundTargets, rng: np.random.Generator) -> None:
    total = sum(t.key_informants_sex.values())
    n = len(answers)
    if total < n:
        raise ValueError(f"{total} key informants cannot cover {n} communities")
    sexes = [s for s, k in t.key_informants_sex.items() for _ in range(k)]
    types = [s for s, k in t.key_informants_type.items() for _ in range(k)]
    if len(types) != total:
        raise ValueError("key informant type counts and sex counts disagree")
    sexes = [sexes[i] for i in rng.permutation(total)]
    types = [types[i] for i in rng.permutation(total)]
    two = set(rng.choice(n, size=total - n, replace=False).tolist())
    k = 0
    for i, a in enumerate(answers):
        for _ in range(2 if i in two else 1):
            other = str(rng.choice(KI_OTHER_TEXT)) if types[k] == "other" else ""
            a.ki.append((sexes[k], types[k], other))
            k += 1


def _oblast_totals(total: int, pct: dict[str, float], present: dict[str, int]) -> dict[str, int]:
    oblasts = [o for o in OBLASTS if present.get(o, 0) > 0]
    return dict(zip(oblasts, largest_remainder(total, [max(pct.get(o, 0.0), 1e-9) for o in oblasts]), strict=True))


def _choose_hosts(answers: list[Answers], totals: dict[str, int], reporting: int,
                  rng: np.random.Generator, key: str = "oblast") -> dict[str, list[int]]:
    """Pick ``reporting`` host communities spread over the units of ``totals`` (oblast or rayon)."""
    idx_by_unit: dict[str, list[int]] = {}
    for i, a in enumerate(answers):
        idx_by_unit.setdefault(getattr(a.community, key), []).append(i)
    units = [u for u in totals if totals[u] > 0]
    caps = [min(len(idx_by_unit.get(u, [])), totals[u]) for u in units]
    share = np.array([totals[u] for u in units], dtype=float)
    weights = [len(idx_by_unit[u]) * (0.5 + 3 * s / share.sum()) for u, s in zip(units, share, strict=True)]
    counts = capped_split(min(reporting, sum(caps)), weights, caps, minimum=1)
    return {u: sorted(rng.choice(idx_by_unit[u], size=k, replace=False).tolist()) for u, k in zip(units, counts, strict=True)}


def _international(answers: list[Answers], section: str, t: InternationalTargets, years: tuple[int, ...],
                   rng: np.random.Generator) -> None:
    present_oblasts = {o: sum(1 for a in answers if a.community.oblast == o) for o in OBLASTS}
    o_tot = _oblast_totals(t.total, t.oblast_pct, present_oblasts)
    # countries: the published top ones, then others smaller than the smallest named country
    fixed = dict(t.top_persons)
    rest_codes = [c for c in t.top_pct if c not in fixed]
    other_pct = max(0.0, 100.0 - sum(t.top_pct.values()))
    parts = largest_remainder(t.total - sum(fixed.values()), [t.top_pct[c] for c in rest_codes] + [other_pct])
    c_tot = {**fixed, **dict(zip(rest_codes, parts[:-1], strict=True))}
    others_total = parts[-1]
    pool = [c for c in country_choices() if c not in c_tot]
    n_other = min(t.n_other_countries, len(pool), others_total)
    if n_other:
        named = [v for c, v in c_tot.items() if c != "UNK"]
        cap = max(1, int(min(named) * 0.8))
        # the country list is ordered by how common a country is for Kyrgyzstan: keep roughly that order
        rank = np.arange(len(pool)) + rng.normal(0.0, 6.0, size=len(pool))
        chosen = [pool[int(i)] for i in np.argsort(rank, kind="stable")[:n_other]]
        weights = [1 / (k + 1) ** 0.9 for k in range(n_other)]
        for c, v in zip(chosen, capped_split(others_total, weights, [cap] * n_other, minimum=1), strict=True):
            c_tot[c] = v
    elif others_total:
        c_tot[next(iter(c_tot))] += others_total
    countries = list(c_tot)
    oblasts = list(o_tot)
    m = matrix_with_margins([o_tot[o] for o in oblasts], [c_tot[c] for c in countries], rng, noise=0.3)
    y_tot = largest_remainder(t.total, list(t.year_weights) if len(t.year_weights) == len(years)
                              else [1.0] * len(years))
    cell_years = matrix_with_margins(m.flatten().tolist(), y_tot, rng, noise=0.15).reshape(
        len(oblasts), len(countries), len(years))
    hosts = _choose_hosts(answers, o_tot, t.reporting, rng)
    avg_row = max(30, t.total // max(1, t.reporting) // 2)
    for oi, o in enumerate(oblasts):
        h = hosts.get(o, [])
        if not h:
            continue
        uncovered = list(h)
        for ci in np.argsort(-m[oi], kind="stable"):
            cell = int(m[oi, ci])
            if cell == 0:
                continue
            k = int(np.clip(round(cell / avg_row), 1, len(h)))
            take = uncovered[:min(len(uncovered), cell)]
            uncovered = uncovered[len(take):]
            rest = [x for x in h if x not in take]
            extra = max(0, min(k - len(take), len(rest)))
            if extra:
                take = take + rng.choice(rest, size=extra, replace=False).tolist()
            take = take[:cell]
            per_host = split_with_minimum(cell, rng.lognormal(0, 0.8, size=len(take)).tolist(), 1)
            yrs = matrix_with_margins(per_host, cell_years[oi, ci].tolist(), rng, noise=0.2)
            for row_i, ai in enumerate(take):
                answers[ai].country_rows.setdefault(section, []).append((countries[ci], yrs[row_i].tolist()))
        if uncovered:
            raise ValueError(f"{section}: {len(uncovered)} hosts in {o} got no persons")
    host_set = {i for v in hosts.values() for i in v}
    for i, a in enumerate(answers):
        a.present[section] = "yes" if i in host_set else ("dont_know" if rng.random() < 0.1 else "no")


def _internal(answers: list[Answers], section: str, t: InternalTargets, rng: np.random.Generator) -> None:
    present_oblasts = {o: sum(1 for a in answers if a.community.oblast == o) for o in OBLASTS}
    o_tot = _oblast_totals(t.total, t.oblast_pct, present_oblasts)
    rayons_present: dict[str, list[str]] = {}
    for a in answers:
        lst = rayons_present.setdefault(a.community.oblast, [])
        if a.community.rayon not in lst:
            lst.append(a.community.rayon)
    cap = int(t.total * t.rayon_cap_pct / 100)
    r_tot: dict[str, int] = {}
    for o, tot in o_tot.items():
        rays = rayons_present[o]
        fixed = {r: round(t.total * t.rayon_pct[r] / 100) for r in rays if r in t.rayon_pct}
        free = [r for r in rays if r not in fixed]
        rest = tot - sum(fixed.values())
        r_tot.update(fixed)
        if len(rays) == 1:
            r_tot[rays[0]] = tot
        elif free:
            parts = capped_split(rest, rng.uniform(0.5, 1.5, size=len(free)).tolist(), [cap] * len(free),
                                 minimum=1 if rest >= len(free) else 0)
            r_tot.update(zip(free, parts, strict=True))
        elif rest:
            r_tot[next(iter(fixed))] += rest
    hosts = _choose_hosts(answers, r_tot, t.reporting, rng, key="rayon")
    host_list = [i for r in r_tot for i in hosts.get(r, [])]
    per_host: dict[int, int] = {}
    for r, h in hosts.items():
        per_host.update(zip(h, split_with_minimum(r_tot[r], rng.lognormal(0, 0.7, size=len(h)).tolist(), 1), strict=True))
    same_total = round(t.total * t.same_rayon_pct / 100)
    totals = [per_host[i] for i in host_list]
    split = matrix_with_margins(totals, [same_total, t.total - same_total], rng, noise=0.6)
    all_rayons = [r for o in OBLASTS for r in rayons_by_oblast()[o]]
    reasons = list(t.reason_pct)
    reason_tot = largest_remainder(t.total, [t.reason_pct[k] for k in reasons])
    rmat = matrix_with_margins(totals, reason_tot, rng, noise=0.3)
    for hi, ai in enumerate(host_list):
        a = answers[ai]
        rows: list[tuple[str, int]] = []
        same, other = int(split[hi, 0]), int(split[hi, 1])
        if same:
            rows.append((a.community.rayon, same))
        if other:
            k = min(other, int(rng.integers(1, 4)))
            cands = [r for r in all_rayons if r != a.community.rayon]
            dest = [cands[int(j)] for j in rng.choice(len(cands), size=k, replace=False)]
            rows += list(zip(dest, split_with_minimum(other, rng.uniform(0.5, 1.5, size=k).tolist(), 1), strict=True))
        a.internal_rows[section] = [rows[j] for j in rng.permutation(len(rows))]
        a.internal_reasons[section] = dict(zip(reasons, (int(x) for x in rmat[hi]), strict=True))
    host_set = set(host_list)
    for i, a in enumerate(answers):
        a.present[section] = "yes" if i in host_set else ("dont_know" if rng.random() < 0.05 else "no")


def _stay(answers: list[Answers], t: RoundTargets, rng: np.random.Generator) -> None:
    hosts = [i for i, a in enumerate(answers) if a.country_rows.get("imw")]
    totals = [sum(sum(y) for _, y in answers[i].country_rows["imw"]) for i in hosts]
    classes = ["short", "long", "unknown"]
    col = largest_remainder(sum(totals), [t.stay_pct[c] for c in classes])
    mat = matrix_with_margins(totals, col, rng, noise=0.4)
    for hi, i in enumerate(hosts):
        answers[i].stay = (int(mat[hi, 0]), int(mat[hi, 1]), int(mat[hi, 2]))


def _reason_scores(answers: list[Answers], section: str, means: dict[str, float],
                   rng: np.random.Generator) -> None:
    scorers = [i for i, a in enumerate(answers) if a.present.get(section) == "yes"]
    n = len(scorers)
    for code, mean in means.items():
        s = round(mean * n)
        values = scores_with_sum(n, s, rng, spread=0.4 if mean < 0.5 else 1.0)
        for i, v in zip(scorers, values, strict=True):
            answers[i].reasons.setdefault(section, {})[code] = v


def _services(answers: list[Answers], t: RoundTargets, rng: np.random.Generator) -> None:
    n = len(answers)
    base = np.array([a.community.base_households for a in answers], dtype=np.int64)
    calibrated = all(st.cells for s, st in t.services.items() if st.without)
    without: dict[str, dict[int, int]] = {s: {} for s in SERVICES}
    if calibrated:
        households = _calibrated_households(answers, base, t, without, rng)
    else:
        households = np.maximum(10, (base * rng.uniform(0.92, 1.08, size=n)).astype(np.int64))
        for s, st in t.services.items():
            k = min(st.without, n)
            for i in rng.choice(n, size=k, replace=False):
                without[s][int(i)] = int(max(1, round(rng.lognormal(np.log(8 if s != "employment_center"
                                                                            else 20), 0.8))))
    for i, a in enumerate(answers):
        a.households = int(households[i])
        a.population = int(households[i] * rng.uniform(3.8, 5.2))
        for s in SERVICES:
            a.services[s] = ("no", without[s][i]) if i in without[s] else ("yes", None)


def _calibrated_households(answers: list[Answers], base: np.ndarray, t: RoundTargets,
                           without: dict[str, dict[int, int]], rng: np.random.Generator) -> np.ndarray:
    """Households per community such that, for every service, the communities without it, by
    distance range, hold exactly the published households.

    Each cell (service, km range) takes ``k - 1`` regular communities whose sizes add up close
    to its households, then one "filler" community, kept aside for this purpose and used once,
    whose households are set to the exact remainder.
    """
    n = len(answers)
    h = base.astype(np.int64).copy()
    cells_needed = sum(1 for st in t.services.values() for c in st.cells if c[2] > 0)
    villages = [i for i, a in enumerate(answers) if a.community.settlement_type == "village"]
    fillers = [int(x) for x in rng.choice(villages, size=cells_needed, replace=False)]
    filler_set = set(fillers)
    regular = np.array([i for i in range(n) if i not in filler_set])
    # scale regular sizes so that the service missing most often fits its published mean
    biggest = max(t.services, key=lambda s: t.services[s].without)
    bt = t.services[biggest]
    want_mean = sum(c[2] for c in bt.cells) / bt.without
    h[regular] = np.maximum(15, np.rint(h[regular] * want_mean / h[regular].mean())).astype(np.int64)
    order = sorted((s for s in t.services if t.services[s].without), key=lambda s: -t.services[s].without)
    for s in order:
        st = t.services[s]
        cells = [c for c in st.cells if c[2] > 0]
        n_cells = len(cells)
        regular_slots = st.without - n_cells
        caps = [max(0, c[2] // 40) for c in cells]
        ks = capped_split(regular_slots, [c[2] for c in cells], caps, minimum=0)
        avail = np.ones(len(regular), dtype=bool)
        sizes = h[regular]
        sort_idx = np.argsort(sizes, kind="stable")
        sorted_sizes = sizes[sort_idx]
        for (lo, hi, hh), k in sorted(zip(cells, ks, strict=True), key=lambda x: -x[0][2]):
            r = hh
            members: list[int] = []
            for m in range(k, 0, -1):
                target = r / (m + 1)
                pos = int(np.searchsorted(sorted_sizes, target))
                left = pos - 1
                while left >= 0 and not avail[sort_idx[left]]:
                    left -= 1
                right = pos
                while right < len(sorted_sizes) and not avail[sort_idx[right]]:
                    right += 1
                if left < 0 and right >= len(sorted_sizes):
                    raise ValueError(f"service {s}: no community left for a cell")
                if left < 0 or (right < len(sorted_sizes)
                                and sorted_sizes[right] - target < target - sorted_sizes[left]):
                    best = right
                else:
                    best = left
                j = int(sort_idx[best])
                avail[j] = False
                members.append(int(regular[j]))
                r -= int(sorted_sizes[best])
            if r < 10:
                raise ValueError(f"service {s}, {lo}-{hi} km: remainder {r} households left for the filler")
            f = fillers.pop()
            h[f] = r
            members.append(f)
            for i in members:
                without[s][i] = int(rng.integers(lo, hi + 1))
    return h
