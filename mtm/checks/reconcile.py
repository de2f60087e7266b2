"""Reconciliation of round 3 with IOM's published figures (``mtm build --reconcile``).

Every row of the seed ``seeds.published_round3_figures`` (figure_id, population_group,
dimension, key, value, unit, rounding) is set beside the value the round 3 marts give for the
same dimension and key, rounded as the publication rounded it (the seed's ``rounding``):

- ``exact``: as computed;
- ``integer_percent`` / ``one_decimal``: rounded half away from zero to 0 / 1 decimals;
- ``less_than_1``: printed "less than 1 per cent" (value 1): a computed value above 0 and below
  1 reads as 1, anything else as itself;
- ``more_than``: printed "more than N" (value N): a computed count above N reads as N.

The GX suite then expects ``warehouse_value`` to be present and equal to ``published_value``.
The SQL computes from the marts only; the published values enter only through the seed.
"""

from __future__ import annotations

import math
import re

import duckdb
import pandas as pd

ROUND_ID = 3
CITIES = ("KG-GB", "KG-GO")
_CITIES = ", ".join(f"'{c}'" for c in CITIES)

COMPUTED_SQL = f"""
with communities as (
    select * from marts.communities where round_id = {ROUND_ID}
),
national as (
    select * from marts.national_population where round_id = {ROUND_ID}
),
by_country as (
    select * from marts.population_by_country where round_id = {ROUND_ID}
),
by_year as (
    select * from marts.population_by_year where round_id = {ROUND_ID}
),
informants as (
    select * from marts.key_informants where round_id = {ROUND_ID}
),
rayons as (
    select *, rank() over (partition by population_group order by persons desc) as rayon_rank
    from marts.rayon_population where round_id = {ROUND_ID}
),
computed as (
    select null as population_group, 'oblasts_assessed' as dimension, null as key,
        cast(count(distinct oblast_code) filter (where oblast_code not in ({_CITIES})) as double) as value
    from communities
    union all select null, 'cities_assessed', null,
        count(distinct oblast_code) filter (where oblast_code in ({_CITIES})) from communities
    union all select null, 'rayons_assessed', null, count(distinct rayon_code) from communities
    union all select null, 'rayons_in_oblasts', null,
        count(distinct rayon_code) filter (where oblast_code not in ({_CITIES})) from communities
    union all select null, 'rayons_in_oblast', oblast_code, count(distinct rayon_code)
        from communities group by oblast_code
    union all select null, 'communities_assessed', null, count(*) from communities
    union all select null, 'key_informants', null, sum(informants) from informants
    union all select null, 'ki_sex_pct', ki_sex, sum(pct) from informants group by ki_sex
    union all select null, 'ki_type_pct', ki_type, sum(pct) from informants group by ki_type
    union all select population_group, 'total', null, persons from national
    union all select population_group, 'communities_reporting', null, communities_reporting from national
    union all select population_group, 'pct_communities_reporting', null, pct_communities_reporting
        from national
    union all select population_group, 'countries', null,
        count(*) filter (where country_code != 'UNK' and persons > 0) from by_country group by population_group
    union all select population_group, 'country_persons', country_code, persons from by_country
    union all select population_group, 'country_pct', country_code, pct_of_group from by_country
    union all select population_group, 'country_rank', country_code, rank from by_country
    union all select population_group, 'year_min', null, min(year) from by_year group by population_group
    union all select population_group, 'year_max', null, max(year) from by_year group by population_group
    union all select population_group, 'partial_year', null, max(year) filter (where is_partial_year)
        from by_year group by population_group
    union all select population_group, 'year_pct_change', cast(year as varchar), pct_change_from_previous_year
        from by_year
    union all select 'international_migrant_workers', 'stay_duration_pct', duration_class, pct
        from marts.imw_stay_duration where round_id = {ROUND_ID}
    union all select population_group, 'oblast_pct', oblast_code, pct_of_national
        from marts.oblast_population where round_id = {ROUND_ID}
    union all select population_group, 'rayon_pct', rayon_code, pct_of_national from rayons
    union all select population_group, 'rayon_rank', rayon_code, rayon_rank from rayons
    union all select population_group, 'reference_year', null, reference_year
        from marts.internal_migration where round_id = {ROUND_ID}
    union all select population_group, 'same_rayon_pct', null, pct_same_rayon
        from marts.internal_migration where round_id = {ROUND_ID}
    union all select population_group, 'internal_reason_pct', reason_code, pct
        from marts.internal_migration_reasons where round_id = {ROUND_ID}
    union all select population_group, 'reason_mean', reason_code, mean_score
        from marts.reason_scores where round_id = {ROUND_ID}
    union all select null, 'service_pct_with', service_code, pct_with
        from marts.service_availability where round_id = {ROUND_ID}
    union all select null, 'service_pct_without', service_code, pct_without
        from marts.service_availability where round_id = {ROUND_ID}
    union all select null, 'distance_band_households', service_code || '|' || distance_band, households
        from marts.service_distance where round_id = {ROUND_ID}
    union all select null, 'distance_total_households', service_code, sum(households)
        from marts.service_distance where round_id = {ROUND_ID} group by service_code
)
select coalesce(population_group, '') as population_group, dimension, coalesce(key, '') as key,
    cast(value as double) as value
from computed
"""

THRESHOLD = re.compile(r"^(?P<service>[a-z_]+)\|(?P<op>>=|>)(?P<km>\d+) km$")


def round_half_away(value: float, decimals: int) -> float:
    """Round as printed reports do: halves away from zero (2.5 -> 3, -2.5 -> -3)."""
    factor = 10 ** decimals
    return math.copysign(math.floor(abs(value) * factor + 0.5), value) / factor


def as_published(computed: float | None, published: float, rounding: str) -> float | None:
    """The computed value at the publication's rounding (None when nothing was computed)."""
    if computed is None or (isinstance(computed, float) and math.isnan(computed)):
        return None
    if rounding == "exact":
        return float(computed)
    if rounding == "integer_percent":
        return round_half_away(computed, 0)
    if rounding == "one_decimal":
        return round_half_away(computed, 1)
    if rounding == "less_than_1":
        return 1.0 if 0 < computed < 1 else float(computed)
    if rounding == "more_than":
        return float(published) if computed > published else float(computed)
    raise ValueError(f"unknown rounding {rounding!r} in the published-figures seed")


def _threshold_households(con: duckdb.DuckDBPyConnection, key: str) -> tuple[float, float] | None:
    """(households beyond the threshold, all households) of communities without the service."""
    match = THRESHOLD.match(key)
    if not match:
        return None
    op = match["op"]
    row = con.execute(f"""
select
    sum(households) filter (where distance_km {op} ?),
    sum(households)
from marts.community_services
where round_id = ? and service_code = ? and not has_service
""", [int(match["km"]), ROUND_ID, match["service"]]).fetchone()
    return (float(row[0] or 0), float(row[1] or 0)) if row and row[1] is not None else None


def _combined_oblast_pct(computed: dict[tuple[str, str, str], float], group: str, key: str) -> float | None:
    parts = [computed.get((group, "oblast_pct", code)) for code in key.split("+")]
    return None if any(p is None for p in parts) else float(sum(parts))


def frame(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """One row per published figure: the published value beside the warehouse's."""
    seed = con.execute("""
select figure_id, coalesce(population_group, '') as population_group, dimension,
    coalesce(key, '') as key, value, unit, rounding, report_section
from seeds.published_round3_figures
order by figure_id
""").df()
    computed = {(r.population_group, r.dimension, r.key): r.value
                for r in con.execute(COMPUTED_SQL).df().itertuples()}
    rows = []
    for figure in seed.itertuples():
        address = (figure.population_group, figure.dimension, figure.key)
        value: float | None = computed.get(address)
        if figure.dimension == "oblast_pct_combined":
            value = _combined_oblast_pct(computed, figure.population_group, figure.key)
        elif figure.dimension in ("distance_threshold_households", "distance_threshold_pct"):
            found = _threshold_households(con, figure.key)
            if found is not None:
                beyond, total = found
                value = beyond if figure.dimension == "distance_threshold_households" else (
                    100.0 * beyond / total if total else None)
        rows.append({
            "round_id": ROUND_ID, "figure_id": figure.figure_id,
            "population_group": figure.population_group or None, "dimension": figure.dimension,
            "key": figure.key or None, "unit": figure.unit, "rounding": figure.rounding,
            "published_value": float(figure.value),
            "computed_value": value,
            "warehouse_value": as_published(value, float(figure.value), figure.rounding),
        })
    return pd.DataFrame(rows, columns=["round_id", "figure_id", "population_group", "dimension", "key",
                                       "unit", "rounding", "published_value", "computed_value",
                                       "warehouse_value"])
