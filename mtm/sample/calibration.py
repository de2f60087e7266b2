"""Targets of the synthetic rounds.

Round 3 is calibrated to the aggregates IOM published for it
(``../shared/reference/bma-round3-report-kyrgyzstan-2024.txt``): totals exactly, and each
published percentage by a share chosen inside its rounding interval (so that the shares add up
to 100 and the rounded values are those printed). The warehouse's SQL never sees these numbers:
they live only here, on the generating side.

Other rounds can get plausible targets derived from round 3 (scaled, shares perturbed) for
``sample.truth.build_truth``; ``mtm sample`` itself derives rounds other than 3 from round 3's
answers community by community instead (``sample.continuity``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from mtm.sample.allocate import largest_remainder

OBLASTS: tuple[str, ...] = (
    "batken", "chui", "issyk_kul", "jalal_abad", "naryn", "osh", "talas", "bishkek_city", "osh_city",
)
GROUPS: tuple[str, ...] = (
    "international_migrant_workers", "return_migrants", "emigrants", "internal_migrants",
    "internal_out_migrants",
)
SERVICES: tuple[str, ...] = (
    "clinic", "hospital", "internet", "market", "drinking_water", "school", "employment_center",
    "bank_atm_post", "public_service_center",
)
KI_TYPES: tuple[str, ...] = (
    "local_gov", "migrant_leader", "trader", "religious", "employment_agency", "humanitarian_org",
    "employer_org", "other",
)
INTERNAL_REASONS: tuple[str, ...] = ("economic", "housing", "education", "family", "environmental", "unknown")


@dataclass(frozen=True)
class InternationalTargets:
    """One international group (nationality / country of return / destination)."""

    total: int
    reporting: int
    oblast_pct: dict[str, float]
    top_pct: dict[str, float]  # ISO3 (or UNK) -> percent of the group, largest first
    top_persons: dict[str, int] = field(default_factory=dict)  # exact persons, overriding top_pct
    n_other_countries: int = 20
    year_weights: tuple[float, ...] = ()  # relative persons per reference year


@dataclass(frozen=True)
class InternalTargets:
    """One internal group (by the assessed community's oblast and rayon)."""

    total: int
    reporting: int
    oblast_pct: dict[str, float]
    rayon_pct: dict[str, float]  # rayons with a fixed share
    rayon_cap_pct: float  # no other rayon above this share
    same_rayon_pct: float
    reason_pct: dict[str, float]


@dataclass(frozen=True)
class ServiceTargets:
    """Communities without a service, and their households per whole-km distance range."""

    without: int
    cells: tuple[tuple[int, int, int], ...] = ()  # (km from, km to, households); empty = uncalibrated


@dataclass(frozen=True)
class RoundTargets:
    communities_by_oblast: dict[str, int]
    key_informants_sex: dict[str, int]
    key_informants_type: dict[str, int]
    groups: dict[str, InternationalTargets | InternalTargets]
    stay_pct: dict[str, float]
    ret_reason_mean: dict[str, float]
    emi_reason_mean: dict[str, float]
    services: dict[str, ServiceTargets]

    @property
    def communities(self) -> int:
        return sum(self.communities_by_oblast.values())


def _growth_weights(growth: tuple[float, ...], partial: float) -> tuple[float, ...]:
    w = [1.0]
    for g in growth:
        w.append(w[-1] * (1 + g / 100))
    w.append(w[-1] * partial)
    return tuple(w)


# Households of the communities without each service, per whole-km range, as published in the
# annex's distance table, with the bands split where the annex's sentences need it.
_R3_DISTANCE_CELLS: dict[str, tuple[tuple[int, int, int], ...]] = {
    "clinic": ((1, 5, 70953), (6, 10, 6248), (11, 15, 1032), (16, 20, 755), (21, 25, 0), (26, 45, 338)),
    "hospital": ((1, 5, 171890), (6, 10, 126050), (11, 15, 67479), (16, 20, 45069), (21, 25, 26966),
                 (26, 90, 47343)),
    "market": ((1, 5, 14709), (6, 10, 17210), (11, 15, 4525), (16, 20, 4892), (21, 25, 3410), (26, 70, 4512)),
    # ">= 3 km": 17,173 households, so 4,778 of the 0-5 km band are at 3-5 km
    "drinking_water": ((1, 2, 14190), (3, 5, 4778), (6, 10, 5871), (11, 15, 2965), (16, 20, 1405),
                       (21, 25, 945), (26, 40, 1209)),
    # "not in less than three km": 22,732 households, so 14,202 of the 0-5 km band at 3-5 km
    "school": ((1, 2, 34575), (3, 5, 14202), (6, 10, 5436), (11, 15, 122), (16, 20, 2951), (21, 25, 0),
               (26, 35, 21)),
    # ">= 40 km": 78,266 of the over-25 band
    "employment_center": ((1, 5, 127071), (6, 10, 136903), (11, 15, 115206), (16, 20, 64797),
                          (21, 25, 30230), (26, 39, 53829), (40, 120, 78266)),
    # "> 30 km": 20,609 of the over-25 band
    "bank_atm_post": ((1, 5, 91336), (6, 10, 51962), (11, 15, 23148), (16, 20, 14009), (21, 25, 8809),
                      (26, 30, 5746), (31, 90, 20609)),
    # "> 30 km": 80,922 of the over-25 band
    "public_service_center": ((1, 5, 134017), (6, 10, 146088), (11, 15, 106333), (16, 20, 58211),
                              (21, 25, 38525), (26, 30, 19055), (31, 110, 80922)),
}

ROUND3 = RoundTargets(
    communities_by_oblast={"batken": 95, "chui": 170, "issyk_kul": 120, "jalal_abad": 190, "naryn": 75,
                           "osh": 200, "talas": 60, "bishkek_city": 60, "osh_city": 29},
    key_informants_sex={"male": 661, "female": 498},
    key_informants_type={"local_gov": 1125, "other": 22, "migrant_leader": 3, "trader": 3, "religious": 2,
                         "employment_agency": 2, "humanitarian_org": 1, "employer_org": 1},
    groups={
        "international_migrant_workers": InternationalTargets(
            total=34966, reporting=321,
            oblast_pct={"bishkek_city": 57.0, "jalal_abad": 19.0, "osh_city": 6.2, "chui": 6.0, "osh": 4.0,
                        "talas": 3.9, "issyk_kul": 2.1, "batken": 1.1, "naryn": 0.7},
            top_pct={"RUS": 40.1, "UZB": 31.9, "TUR": 11.0, "KAZ": 9.1, "TJK": 3.1, "UNK": 0.3},
            n_other_countries=23,
            year_weights=_growth_weights((70, 51, 49), 0.30),
        ),
        "return_migrants": InternationalTargets(
            total=128661, reporting=939,
            oblast_pct={"osh": 23.0, "chui": 15.0, "batken": 14.1, "bishkek_city": 13.9, "issyk_kul": 12.0,
                        "jalal_abad": 11.0, "osh_city": 5.0, "naryn": 3.0, "talas": 3.0},
            top_pct={"RUS": 88.0, "TUR": 4.1, "KAZ": 2.9, "UNK": 1.2, "KOR": 1.0, "GBR": 0.6},
            n_other_countries=38,
            year_weights=_growth_weights((21, 18, 85), 0.35),
        ),
        "emigrants": InternationalTargets(
            total=227629, reporting=939,
            oblast_pct={"osh": 25.0, "jalal_abad": 23.0, "batken": 14.0, "issyk_kul": 13.0, "chui": 10.0,
                        "osh_city": 7.0, "talas": 3.1, "bishkek_city": 2.9, "naryn": 2.0},
            top_pct={"RUS": 90.98, "TUR": 3.0, "KAZ": 2.0, "USA": 1.1, "KOR": 0.9, "UNK": 0.2},
            top_persons={"RUS": 207098},
            n_other_countries=44,
            year_weights=_growth_weights((38, 47, 100), 0.30),
        ),
        "internal_migrants": InternalTargets(
            total=44391, reporting=380,
            oblast_pct={"bishkek_city": 46.3, "chui": 29.2, "jalal_abad": 11.3, "osh_city": 7.2, "osh": 3.2,
                        "batken": 0.8, "issyk_kul": 0.9, "naryn": 0.5, "talas": 0.6},
            rayon_pct={"bsk_oktyabrsky": 30.0, "chu_sokuluk": 22.0, "bsk_pervomaisky": 15.0},
            rayon_cap_pct=9.0,
            same_rayon_pct=21.0,
            reason_pct={"economic": 82.8, "housing": 5.7, "education": 5.7, "family": 1.8,
                        "environmental": 1.2, "unknown": 2.8},
        ),
        "internal_out_migrants": InternalTargets(
            total=48805, reporting=740,
            oblast_pct={"jalal_abad": 19.8, "osh": 16.8, "bishkek_city": 15.8, "naryn": 14.8, "issyk_kul": 9.8,
                        "batken": 7.8, "osh_city": 5.8, "chui": 5.2, "talas": 4.2},
            rayon_pct={"bsk_oktyabrsky": 13.0, "jal_toguz_toro": 7.0},
            rayon_cap_pct=4.5,
            same_rayon_pct=10.0,
            reason_pct={"economic": 86.0, "housing": 2.0, "education": 7.0, "family": 1.0,
                        "environmental": 2.0, "unknown": 2.0},
        ),
    },
    stay_pct={"short": 54.0, "long": 38.0, "unknown": 8.0},
    ret_reason_mean={"family": 4.2, "contract_completed": 3.5, "patent": 3.1, "deportation": 2.7,
                     "currency_depreciation": 2.6, "mobilization": 2.5, "job_home": 2.4, "health": 2.3,
                     "debts": 2.2, "sanctions": 2.0, "conflict_abroad": 1.9, "human_rights_abroad": 1.8,
                     "low_income_abroad": 1.8, "no_opportunities_abroad": 1.6, "disasters_abroad": 1.3,
                     "other": 0.1},
    emi_reason_mean={"low_income": 4.5, "no_opportunities": 4.4, "job_abroad": 4.1, "living_conditions": 4.0,
                     "debts": 3.7, "work_contract": 3.5, "economy_currency": 3.1, "family": 2.3,
                     "education": 2.3, "medical": 1.8, "sanctions": 1.3, "conflict_home": 1.3,
                     "human_rights_home": 1.2, "disasters": 1.1},
    services={
        "clinic": ServiceTargets(140, _R3_DISTANCE_CELLS["clinic"]),
        "hospital": ServiceTargets(779, _R3_DISTANCE_CELLS["hospital"]),
        "internet": ServiceTargets(0),
        "market": ServiceTargets(110, _R3_DISTANCE_CELLS["market"]),
        "drinking_water": ServiceTargets(70, _R3_DISTANCE_CELLS["drinking_water"]),
        "school": ServiceTargets(120, _R3_DISTANCE_CELLS["school"]),
        "employment_center": ServiceTargets(889, _R3_DISTANCE_CELLS["employment_center"]),
        "bank_atm_post": ServiceTargets(460, _R3_DISTANCE_CELLS["bank_atm_post"]),
        "public_service_center": ServiceTargets(869, _R3_DISTANCE_CELLS["public_service_center"]),
    },
)

CALIBRATED_ROUND = 3


def _perturb(pct: dict[str, float], rng: np.random.Generator, sd: float = 0.15) -> dict[str, float]:
    keys = list(pct)
    vals = np.array([pct[k] for k in keys]) * rng.lognormal(0.0, sd, size=len(keys))
    vals = np.maximum(vals, 0.05)
    vals = vals / vals.sum() * 100
    return {k: float(v) for k, v in zip(keys, vals, strict=True)}


def targets_for_round(round_id: int, n_years: int, rng: np.random.Generator,
                      communities_by_oblast: dict[str, int] | None = None) -> RoundTargets:
    """Round 3's published targets, or plausible targets for any other round.

    Another round scales round 3 (smaller for earlier rounds, larger for later ones), perturbs
    every share, and spreads its persons over ``n_years`` reference years with random growth.
    """
    if round_id == CALIBRATED_ROUND and communities_by_oblast is None:
        base = ROUND3
        calibrated = dict(base.groups)
        for name, g in calibrated.items():
            if isinstance(g, InternationalTargets) and len(g.year_weights) != n_years:
                calibrated[name] = replace(g, year_weights=_random_years(n_years, rng))
        return replace(base, groups=calibrated)
    base = ROUND3
    cbo = communities_by_oblast or base.communities_by_oblast
    n = sum(cbo.values())
    scale = {1: 0.55, 2: 0.8}.get(round_id, 1.1) * rng.uniform(0.95, 1.05)
    groups: dict[str, InternationalTargets | InternalTargets] = {}
    for name, g in base.groups.items():
        total = int(g.total * scale)
        reporting = min(n, max(1, round(g.reporting / base.communities * n * rng.uniform(0.9, 1.05))))
        if isinstance(g, InternationalTargets):
            groups[name] = InternationalTargets(
                total=total, reporting=reporting, oblast_pct=_perturb(g.oblast_pct, rng),
                top_pct=_perturb(g.top_pct, rng, 0.1), n_other_countries=max(5, g.n_other_countries - 4),
                year_weights=_random_years(n_years, rng),
            )
        else:
            groups[name] = InternalTargets(
                total=total, reporting=reporting, oblast_pct=_perturb(g.oblast_pct, rng),
                rayon_pct={}, rayon_cap_pct=100.0,
                same_rayon_pct=float(g.same_rayon_pct * rng.uniform(0.8, 1.2)),
                reason_pct=_perturb(g.reason_pct, rng),
            )
    ki_total = int(n * rng.uniform(1.1, 1.2))
    male = int(ki_total * rng.uniform(0.52, 0.62))
    types = _perturb({k: max(v, 1) for k, v in base.key_informants_type.items()}, rng)
    return RoundTargets(
        communities_by_oblast=dict(cbo),
        key_informants_sex={"male": male, "female": ki_total - male},
        key_informants_type=dict(zip(types, largest_remainder(ki_total, list(types.values())), strict=True)),
        groups=groups,
        stay_pct=_perturb(base.stay_pct, rng, 0.1),
        ret_reason_mean={k: float(np.clip(v + rng.normal(0, 0.3), 0.1, 4.8)) for k, v in base.ret_reason_mean.items()},
        emi_reason_mean={k: float(np.clip(v + rng.normal(0, 0.3), 0.1, 4.8)) for k, v in base.emi_reason_mean.items()},
        services={s: ServiceTargets(round(t.without / base.communities * n * rng.uniform(0.9, 1.1)))
                  if s != "internet" else ServiceTargets(int(rng.integers(0, 4)))
                  for s, t in base.services.items()},
    )


def _random_years(n_years: int, rng: np.random.Generator) -> tuple[float, ...]:
    w = [1.0]
    for _ in range(n_years - 1):
        w.append(w[-1] * rng.uniform(1.05, 1.6))
    return tuple(w)
