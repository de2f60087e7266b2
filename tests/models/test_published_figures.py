"""Round 3 of `mtm sample`, loaded and built, reproduces every published figure at its rounding.

The figures are recomputed here with pandas from the marts (independently of checks/reconcile.py,
which does the same in SQL for `mtm build --reconcile`); the published values enter only through
seeds/published_round3_figures.csv. The models never see them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from mtm.core import warehouse

pytestmark = pytest.mark.slow

SEED = Path(__file__).resolve().parents[2] / "seeds" / "published_round3_figures.csv"
CITIES = {"KG-GB", "KG-GO"}
THRESHOLD = re.compile(r"^(?P<service>\w+)\|(?P<op>>=|>)(?P<km>\d+) km$")
MARTS = ("communities", "key_informants", "national_population", "population_by_country", "population_by_year",
         "imw_stay_duration", "oblast_population", "rayon_population", "internal_migration",
         "internal_migration_reasons", "reason_scores", "service_availability", "service_distance",
         "community_services")


def half_away(value: float, decimals: int) -> float:
    """Round halves away from zero, as printed reports do."""
    factor = 10 ** decimals
    return math.copysign(math.floor(abs(value) * factor + 0.5), value) / factor


def printed(value: float, published: float, rounding: str) -> float:
    """How the report would print ``value`` with the seed's rounding rule."""
    if rounding == "integer_percent":
        return half_away(value, 0)
    if rounding == "one_decimal":
        return half_away(value, 1)
    if rounding == "less_than_1":
        return 1.0 if 0 < value < 1 else half_away(value, 0)
    if rounding == "more_than":
        return min(value, published)
    assert rounding == "exact", rounding
    return value


@pytest.fixture(scope="module")
def marts(built_sample_warehouse: warehouse.WarehousePaths) -> dict[str, pd.DataFrame]:
    """Round 3 rows of the marts the figures come from, from the published sample warehouse."""
    con = duckdb.connect(str(built_sample_warehouse.published), read_only=True)
    try:
        return {name: con.execute(f"select * from marts.{name} where round_id = 3").df() for name in MARTS}
    finally:
        con.close()


def one(frame: pd.DataFrame, column: str, **where: object) -> float:
    """The single value of ``column`` in the rows matching ``where``."""
    mask = pd.Series(True, index=frame.index)
    for name, value in where.items():
        mask &= frame[name] == value
    values = frame.loc[mask, column]
    assert len(values) == 1, (column, where, len(values))
    return float(values.iloc[0])


def calculators(m: dict[str, pd.DataFrame]) -> dict[str, Callable[[str, str], float]]:
    """dimension -> f(population_group, key) computing the figure from the marts."""
    com, ki, nat = m["communities"], m["key_informants"], m["national_population"]
    cty, yrs, svc = m["population_by_country"], m["population_by_year"], m["community_services"]
    rayons = m["rayon_population"].copy()
    rayons["rank"] = rayons.groupby("population_group")["persons"].rank(ascending=False, method="min")

    def threshold(key: str) -> tuple[float, float]:
        found = THRESHOLD.match(key)
        assert found, key
        without = svc[(svc.service_code == found["service"]) & ~svc.has_service.astype(bool)]
        km = int(found["km"])
        beyond = without.distance_km >= km if found["op"] == ">=" else without.distance_km > km
        return float(without.loc[beyond, "households"].sum()), float(without.households.sum())

    def oblast_pct(group: str, key: str) -> float:
        return one(m["oblast_population"], "pct_of_national", population_group=group, oblast_code=key)

    return {
        "oblasts_assessed": lambda g, k: com.loc[~com.oblast_code.isin(CITIES), "oblast_code"].nunique(),
        "cities_assessed": lambda g, k: com.loc[com.oblast_code.isin(CITIES), "oblast_code"].nunique(),
        "rayons_assessed": lambda g, k: com.rayon_code.nunique(),
        "rayons_in_oblasts": lambda g, k: com.loc[~com.oblast_code.isin(CITIES), "rayon_code"].nunique(),
        "rayons_in_oblast": lambda g, k: com.loc[com.oblast_code == k, "rayon_code"].nunique(),
        "communities_assessed": lambda g, k: len(com),
        "key_informants": lambda g, k: ki.informants.sum(),
        "ki_sex_pct": lambda g, k: ki.loc[ki.ki_sex == k, "pct"].sum(),
        "ki_type_pct": lambda g, k: ki.loc[ki.ki_type == k, "pct"].sum(),
        "total": lambda g, k: one(nat, "persons", population_group=g),
        "communities_reporting": lambda g, k: one(nat, "communities_reporting", population_group=g),
        "pct_communities_reporting": lambda g, k: one(nat, "pct_communities_reporting", population_group=g),
        "countries": lambda g, k: len(cty[(cty.population_group == g) & (cty.country_code != "UNK")
                                          & (cty.persons > 0)]),
        "country_persons": lambda g, k: one(cty, "persons", population_group=g, country_code=k),
        "country_pct": lambda g, k: one(cty, "pct_of_group", population_group=g, country_code=k),
        "country_rank": lambda g, k: one(cty, "rank", population_group=g, country_code=k),
        "year_min": lambda g, k: yrs.loc[yrs.population_group == g, "year"].min(),
        "year_max": lambda g, k: yrs.loc[yrs.population_group == g, "year"].max(),
        "partial_year": lambda g, k: yrs.loc[(yrs.population_group == g) & yrs.is_partial_year, "year"].max(),
        "year_pct_change": lambda g, k: one(yrs, "pct_change_from_previous_year", population_group=g, year=int(k)),
        "stay_duration_pct": lambda g, k: one(m["imw_stay_duration"], "pct", duration_class=k),
        "oblast_pct": oblast_pct,
        "oblast_pct_combined": lambda g, k: sum(oblast_pct(g, code) for code in k.split("+")),
        "rayon_pct": lambda g, k: one(rayons, "pct_of_national", population_group=g, rayon_code=k),
        "rayon_rank": lambda g, k: one(rayons, "rank", population_group=g, rayon_code=k),
        "reference_year": lambda g, k: one(m["internal_migration"], "reference_year", population_group=g),
        "same_rayon_pct": lambda g, k: one(m["internal_migration"], "pct_same_rayon", population_group=g),
        "internal_reason_pct": lambda g, k: one(m["internal_migration_reasons"], "pct", population_group=g,
                                                reason_code=k),
        "reason_mean": lambda g, k: one(m["reason_scores"], "mean_score", population_group=g, reason_code=k),
        "service_pct_with": lambda g, k: one(m["service_availability"], "pct_with", service_code=k),
        "service_pct_without": lambda g, k: one(m["service_availability"], "pct_without", service_code=k),
        "distance_band_households": lambda g, k: one(m["service_distance"], "households",
                                                     service_code=k.split("|")[0], distance_band=k.split("|")[1]),
        "distance_total_households": lambda g, k: svc.loc[(svc.service_code == k) & ~svc.has_service.astype(bool),
                                                          "households"].sum(),
        "distance_threshold_households": lambda g, k: threshold(k)[0],
        "distance_threshold_pct": lambda g, k: 100.0 * threshold(k)[0] / threshold(k)[1],
    }


def test_every_published_figure_is_reproduced(marts: dict[str, pd.DataFrame]) -> None:
    seed = pd.read_csv(SEED, dtype={"key": str, "population_group": str}).fillna({"key": "", "population_group": ""})
    compute = calculators(marts)
    mismatches = []
    for figure in seed.itertuples():
        assert figure.dimension in compute, f"{figure.figure_id}: no calculation for {figure.dimension}"
        value = float(compute[figure.dimension](figure.population_group, figure.key))
        shown = printed(value, float(figure.value), figure.rounding)
        if shown != float(figure.value):
            mismatches.append(f"{figure.figure_id}: published {figure.value}, warehouse {value} -> {shown}")
    assert mismatches == [], "\n".join(mismatches)
    assert len(seed) > 250
