"""The frames the blocking Great Expectations suites validate, computed with SQL from the marts.

Each blocking check validates one pandas frame with a ``round_id`` column: one row per thing
checked (a rayon's total next to its communities' sum, a group of shares with their sum, a
count cell...). The GX suite of the check states what every row must satisfy; the rows that do
not are the check's offending rows in the report.

The SQL reads the published tables (schema ``marts``) of the DuckDB warehouse, never raw data,
and never knows any expected figure.
"""

from __future__ import annotations

import duckdb
import pandas as pd

INTERNATIONAL_GROUPS = ("international_migrant_workers", "return_migrants", "emigrants")
OBLAST_CODES = ("KG-B", "KG-C", "KG-Y", "KG-J", "KG-N", "KG-O", "KG-T", "KG-GB", "KG-GO")
SHARE_TOLERANCE = 0.01

_INTL = ", ".join(f"'{g}'" for g in INTERNATIONAL_GROUPS)

def _rollup(child: str, parent: str, key: str | None, summed_as: str) -> str:
    """SQL putting a parent table's persons next to the sum of its children's, per round and group.

    A missing row on either side counts as zero persons (a rayon with no row in rayon_population
    but communities with persons is a failure, and the other way round).
    """
    keys = ["round_id", "population_group", *([key] if key else [])]
    listed = ", ".join(keys)
    return f"""
with children as (
    select {listed}, cast(sum(persons) as double) as persons
    from marts.{child}
    group by {listed}
),
parents as (
    select {listed}, cast(persons as double) as persons
    from marts.{parent}
),
final as (
    select
        {", ".join(f"coalesce(p.{k}, c.{k}) as {k}" for k in keys)},
        case when p.round_id is null then 0 else p.persons end as persons,
        case when c.round_id is null then 0 else c.persons end as {summed_as},
    from parents as p
    full outer join children as c
        on {" and ".join(f"p.{k} = c.{k}" for k in keys)}
)
select * from final order by {listed}
"""


TOTALS_COMMUNITY_TO_RAYON = _rollup("community_population", "rayon_population", "rayon_code",
                                    "persons_from_communities")
TOTALS_RAYON_TO_OBLAST = _rollup("rayon_population", "oblast_population", "oblast_code", "persons_from_rayons")
TOTALS_OBLAST_TO_NATIONAL = _rollup("oblast_population", "national_population", None, "persons_from_oblasts")


def _breakdown_to_national(table: str, column: str) -> str:
    """SQL comparing the sum of a by-country/by-year table with the national total."""
    return f"""
with breakdown as (
    select round_id, population_group, cast(sum(persons) as double) as persons
    from marts.{table}
    group by round_id, population_group
),
national as (
    select round_id, population_group, cast(persons as double) as persons
    from marts.national_population
    where population_group in ({_INTL})
),
final as (
    select
        coalesce(n.round_id, b.round_id) as round_id,
        coalesce(n.population_group, b.population_group) as population_group,
        case when n.round_id is null then 0 else n.persons end as persons,
        case when b.round_id is null then 0 else b.persons end as {column},
    from national as n
    full outer join breakdown as b
        on n.round_id = b.round_id
        and n.population_group = b.population_group
)
select * from final order by round_id, population_group
"""


COUNTRY_SUMS_TO_NATIONAL = _breakdown_to_national("population_by_country", "persons_by_country")
YEAR_SUMS_TO_NATIONAL = _breakdown_to_national("population_by_year", "persons_by_year")

# One row per group of shares that must add up to 100, where the group's denominator is not 0.
SHARES_ADD_TO_100 = """
with rayon_shares as (
    select 'rayon_population' as table_name, round_id, population_group,
        'pct_of_national' as share_column, cast(null as varchar) as group_key,
        sum(pct_of_national) as pct_total, count(*) as rows_in_group,
        sum(persons) as denominator
    from marts.rayon_population
    group by round_id, population_group
),
oblast_shares as (
    select 'oblast_population', round_id, population_group, 'pct_of_national', null,
        sum(pct_of_national), count(*), sum(persons)
    from marts.oblast_population
    group by round_id, population_group
),
country_shares as (
    select 'population_by_country', round_id, population_group, 'pct_of_group', null,
        sum(pct_of_group), count(*), sum(persons)
    from marts.population_by_country
    group by round_id, population_group
),
duration_shares as (
    select 'imw_stay_duration', round_id, 'international_migrant_workers', 'pct', null,
        sum(pct), count(*), sum(persons)
    from marts.imw_stay_duration
    group by round_id
),
reason_shares as (
    select 'internal_migration_reasons', round_id, population_group, 'pct', null,
        sum(pct), count(*), sum(persons)
    from marts.internal_migration_reasons
    group by round_id, population_group
),
informant_shares as (
    select 'key_informants', round_id, null, 'pct', null,
        sum(pct), count(*), sum(informants)
    from marts.key_informants
    group by round_id
),
service_shares as (
    select 'service_availability', round_id, null, 'pct_with + pct_without', service_code,
        pct_with + pct_without, 1, communities_with + communities_without
    from marts.service_availability
),
all_shares as (
    select * from rayon_shares
    union all select * from oblast_shares
    union all select * from country_shares
    union all select * from duration_shares
    union all select * from reason_shares
    union all select * from informant_shares
    union all select * from service_shares
),
final as (
    select
        round_id, table_name, population_group, group_key, share_column,
        cast(pct_total as double) as pct_total,
        cast(rows_in_group as bigint) as rows_in_group,
        cast(denominator as double) as denominator,
    from all_shares
    where denominator > 0
)
select * from final order by round_id, table_name, population_group, group_key
"""

COMMUNITIES_KNOWN_RAYON_OBLAST = """
select round_id, community_id, community_name, rayon_code, rayon_name, oblast_code, oblast_name
from marts.communities
order by round_id, community_id
"""

# (table, key expression, count columns) of every published count.
COUNT_COLUMNS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("communities", "community_id", ("households", "key_informants")),
    ("community_population", "community_id || ' ' || population_group", ("persons", "unknown_answers")),
    ("rayon_population", "rayon_code || ' ' || population_group", ("persons",)),
    ("oblast_population", "oblast_code || ' ' || population_group",
     ("persons", "communities_assessed", "communities_reporting")),
    ("national_population", "population_group", ("persons", "communities_assessed", "communities_reporting")),
    ("population_by_country", "population_group || ' ' || country_code", ("persons",)),
    ("population_by_year", "population_group || ' ' || cast(year as varchar)", ("persons",)),
    ("reason_scores", "population_group || ' ' || reason_code", ("communities_scoring",)),
    ("internal_migration", "population_group", ("persons", "persons_same_rayon")),
    ("internal_migration_reasons", "population_group || ' ' || reason_code", ("persons",)),
    ("imw_stay_duration", "duration_class", ("persons",)),
    ("key_informants", "ki_type || ' ' || ki_sex", ("informants",)),
    ("service_availability", "service_code", ("communities_with", "communities_without")),
    ("service_distance", "service_code || ' ' || distance_band", ("communities", "households")),
)


def counts_non_negative_sql() -> str:
    """One row per (table, count column, grain key) with the count as a double."""
    parts = [
        f"select round_id, '{table}' as table_name, '{column}' as column_name, "
        f"cast({key} as varchar) as grain_key, cast({column} as double) as value from marts.{table}"
        for table, key, columns in COUNT_COLUMNS
        for column in columns
    ]
    return "\nunion all\n".join(parts) + "\norder by round_id, table_name, column_name, grain_key"


REASON_MEANS = """
select round_id, population_group, reason_code, reason_label,
    cast(mean_score as double) as mean_score, communities_scoring
from marts.reason_scores
order by round_id, population_group, reason_code
"""

FRAME_SQL: dict[str, str] = {
    "totals_community_to_rayon": TOTALS_COMMUNITY_TO_RAYON,
    "totals_rayon_to_oblast": TOTALS_RAYON_TO_OBLAST,
    "totals_oblast_to_national": TOTALS_OBLAST_TO_NATIONAL,
    "country_sums_to_national": COUNTRY_SUMS_TO_NATIONAL,
    "year_sums_to_national": YEAR_SUMS_TO_NATIONAL,
    "shares_add_to_100": SHARES_ADD_TO_100,
    "communities_known_rayon_oblast": COMMUNITIES_KNOWN_RAYON_OBLAST,
    "counts_non_negative": counts_non_negative_sql(),
    "reason_means_within_0_5": REASON_MEANS,
}


def frame(con: duckdb.DuckDBPyConnection, check_name: str) -> pd.DataFrame:
    """The frame a blocking check validates (reconciliation: see ``checks.reconcile``)."""
    if check_name == "reconcile_published_figures":
        from mtm.checks import reconcile

        return reconcile.frame(con)
    return con.execute(FRAME_SQL[check_name]).df()
