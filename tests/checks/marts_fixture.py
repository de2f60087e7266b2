"""A small, internally consistent warehouse (schema ``marts``) built by hand for the gate tests.

Two rounds, four communities in three rayons of two oblasts. The marts are computed with SQL from
two base tables (communities, persons by community/group/country/year), the same way the dbt
marts roll up, so every blocking check passes on it; a test then injects one fault. The seeds and
the blocking checks' models (views in schema ``quality``) are then built on it by the real dbt
project, as ``mtm build`` would after its marts.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb

from mtm.core.paths import PROJECT_DIR

COMMUNITIES = [
    # round, id, name, rayon, rayon name, oblast, oblast name, households, informants
    (2, "C00001", "Ak-Say", "bat_batken", "Batken", "KG-B", "Batken", 120, 2),
    (2, "C00002", "Kara-Bak", "bat_kadamjay", "Kadamjay", "KG-B", "Batken", 300, 1),
    (2, "C00003", "Sokuluk", "chu_sokuluk", "Sokuluk", "KG-C", "Chui", 800, 2),
    (3, "C00001", "Ak-Say", "bat_batken", "Batken", "KG-B", "Batken", 125, 2),
    (3, "C00002", "Kara-Bak", "bat_kadamjay", "Kadamjay", "KG-B", "Batken", 310, 1),
    (3, "C00003", "Sokuluk", "chu_sokuluk", "Sokuluk", "KG-C", "Chui", 820, 2),
    (3, "C00004", "Shopokov", "chu_sokuluk", "Sokuluk", "KG-C", "Chui", 640, 1),
]

# round, community, group, country, year, persons
PERSONS = [
    (2, "C00001", "return_migrants", "RUS", 2022, 40), (2, "C00001", "return_migrants", "KAZ", 2023, 5),
    (2, "C00002", "return_migrants", "RUS", 2023, 12), (2, "C00003", "emigrants", "RUS", 2022, 30),
    (2, "C00003", "international_migrant_workers", "UZB", 2023, 8),
    (2, "C00001", "internal_migrants", None, None, 6), (2, "C00003", "internal_out_migrants", None, None, 4),
    (3, "C00001", "return_migrants", "RUS", 2023, 44), (3, "C00001", "return_migrants", "TUR", 2024, 3),
    (3, "C00002", "return_migrants", "RUS", 2022, 10), (3, "C00003", "emigrants", "RUS", 2023, 35),
    (3, "C00004", "emigrants", "KAZ", 2024, 7), (3, "C00004", "return_migrants", "KAZ", 2023, 8), (3, "C00003", "international_migrant_workers", "UZB", 2024, 9),
    (3, "C00004", "international_migrant_workers", "UNK", 2023, 2),
    (3, "C00001", "internal_migrants", None, None, 5), (3, "C00004", "internal_out_migrants", None, None, 6),
]

GROUPS = ("international_migrant_workers", "return_migrants", "emigrants", "internal_migrants",
          "internal_out_migrants")

MARTS_SQL = """
create schema marts;
create table marts.communities as
select round_id, community_id, community_name, 'rural' as settlement_type, rayon_code, rayon_name,
    oblast_code, oblast_name, households, key_informants
from base_communities;

create table marts.community_population as
with grid as (
    select c.round_id, c.community_id, c.rayon_code, c.oblast_code, g.population_group
    from base_communities c cross join base_groups g
)
select grid.round_id, grid.community_id, grid.rayon_code, grid.oblast_code, grid.population_group,
    cast(coalesce(sum(p.persons), 0) as bigint) as persons, cast(0 as bigint) as unknown_answers
from grid left join base_persons p
    on p.round_id = grid.round_id and p.community_id = grid.community_id
    and p.population_group = grid.population_group
group by all;

create table marts.national_population as
select round_id, population_group, cast(sum(persons) as bigint) as persons,
    count(*) as communities_assessed, count(*) filter (where persons > 0) as communities_reporting,
    100.0 * count(*) filter (where persons > 0) / count(*) as pct_communities_reporting
from marts.community_population group by all;

create table marts.rayon_population as
select cp.round_id, cp.rayon_code, any_value(c.rayon_name) as rayon_name, cp.oblast_code,
    cp.population_group, cast(sum(cp.persons) as bigint) as persons,
    100.0 * sum(cp.persons) / nullif(any_value(n.persons), 0) as pct_of_national
from marts.community_population cp
join marts.communities c on c.round_id = cp.round_id and c.community_id = cp.community_id
join marts.national_population n on n.round_id = cp.round_id and n.population_group = cp.population_group
group by cp.round_id, cp.rayon_code, cp.oblast_code, cp.population_group;

create table marts.oblast_population as
select cp.round_id, cp.oblast_code, any_value(c.oblast_name) as oblast_name, cp.population_group,
    cast(sum(cp.persons) as bigint) as persons,
    100.0 * sum(cp.persons) / nullif(any_value(n.persons), 0) as pct_of_national,
    count(*) as communities_assessed, count(*) filter (where cp.persons > 0) as communities_reporting
from marts.community_population cp
join marts.communities c on c.round_id = cp.round_id and c.community_id = cp.community_id
join marts.national_population n on n.round_id = cp.round_id and n.population_group = cp.population_group
group by cp.round_id, cp.oblast_code, cp.population_group;

create table marts.population_by_country as
with sums as (
    select round_id, population_group, country_code, sum(persons) as persons
    from base_persons where country_code is not null group by all
)
select round_id, population_group, country_code, country_code as country_name,
    cast(persons as bigint) as persons,
    100.0 * persons / sum(persons) over (partition by round_id, population_group) as pct_of_group,
    rank() over (partition by round_id, population_group order by persons desc) as rank
from sums;

create table marts.population_by_year as
with sums as (
    select round_id, population_group, year, sum(persons) as persons
    from base_persons where year is not null group by all
)
select round_id, population_group, year, cast(persons as bigint) as persons,
    100.0 * (persons - lag(persons) over w) / nullif(lag(persons) over w, 0) as pct_change_from_previous_year,
    year = case round_id when 3 then 2024 else 2023 end as is_partial_year
from sums window w as (partition by round_id, population_group order by year);

create table marts.reason_scores as
select * from (values
    (2, 'return_migrants', 'family', 'Family issues', 3.5, 2),
    (3, 'return_migrants', 'family', 'Family issues', 2.0, 2),
    (3, 'emigrants', 'low_income', 'Low income in Kyrgyzstan', 4.5, 2)
) t(round_id, population_group, reason_code, reason_label, mean_score, communities_scoring);

create table marts.internal_migration as
select round_id, population_group, round_id + 2020 as reference_year, persons,
    cast(persons // 2 as bigint) as persons_same_rayon,
    100.0 * (persons // 2) / nullif(persons, 0) as pct_same_rayon
from marts.national_population
where population_group in ('internal_migrants', 'internal_out_migrants');

create table marts.internal_migration_reasons as
with reasons as (
    select round_id, population_group, 'economic' as reason_code, persons - 1 as persons
    from marts.internal_migration
    union all
    select round_id, population_group, 'family', 1 from marts.internal_migration
)
select *, 100.0 * persons / sum(persons) over (partition by round_id, population_group) as pct
from reasons;

create table marts.imw_stay_duration as
with stays as (
    select round_id, 'less_than_6_months' as duration_class, 5 as persons from (values (2), (3)) r(round_id)
    union all select round_id, '6_months_or_more', 3 from (values (2), (3)) r(round_id)
    union all select round_id, 'unknown', 1 from (values (2), (3)) r(round_id)
)
select *, 100.0 * persons / sum(persons) over (partition by round_id) as pct from stays;

create table marts.key_informants as
with kis as (
    select round_id, 'local_gov' as ki_type, 'male' as ki_sex, cast(sum(key_informants) - 1 as bigint)
        as informants
    from base_communities group by round_id
    union all select round_id, 'local_gov', 'female', 1 from base_communities group by round_id
)
select *, 100.0 * informants / sum(informants) over (partition by round_id) as pct from kis;

create table marts.service_availability as
with answers as (
    select round_id, 'clinic' as service_code, count(*) filter (where households > 200) as communities_with,
        count(*) filter (where households <= 200) as communities_without
    from base_communities group by round_id
)
select *, 100.0 * communities_with / (communities_with + communities_without) as pct_with,
    100.0 * communities_without / (communities_with + communities_without) as pct_without
from answers;

create table marts.community_services as
select round_id, community_id, rayon_code, oblast_code, 'clinic' as service_code,
    case when households > 200 then 'yes' else 'no' end as availability, households > 200 as has_service,
    case when households > 200 then null else 8 end as distance_km,
    case when households > 200 then null else '6-10 km' end as distance_band, households
from base_communities;

create table marts.service_distance as
select round_id, 'clinic' as service_code, '6-10 km' as distance_band,
    count(*) as communities, cast(sum(households) as bigint) as households
from base_communities where households <= 200 group by round_id;
"""


LOAD_LOG_SQL = """
create schema raw;
create table raw.load_log (
    load_id varchar, attempted_at timestamp, round_id integer, form varchar, file_name varchar,
    file_path varchar, file_sha256 varchar, status varchar, message varchar, rows_per_sheet varchar,
    personal_columns_dropped varchar, unknown_columns varchar, superseded_load_id varchar
);
insert into raw.load_log values
    ('L1', '2024-04-20 10:00:00', 3, 'b2', 'bma_b2_round3.xlsx', '/data/bma_b2_round3.xlsx',
     'a3f1c2d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90', 'loaded', null,
     '{"BMA Kyrgyzstan B2 village assessment": 4, "ki": 6, "ret_cty": 5}',
     '["enumerator_name", "ki/ki_name", "ki/ki_phone", "_submitted_by"]', '[]', null),
    ('L2', '2024-04-20 10:05:00', 3, 'b1', 'bma_b1_round3.csv.zip', '/data/bma_b1_round3.csv.zip',
     '0b1c2d3e4f5a69788796a5b4c3d2e1f00b1c2d3e4f5a69788796a5b4c3d2e1f0', 'refused',
     'sheet villages, column villages/est_imw: header missing', null, '[]', '[]', null),
    ('L0', '2023-06-01 09:00:00', 2, 'b2', 'bma_b2_round2.xlsx', '/data/bma_b2_round2.xlsx',
     'ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100', 'loaded', null,
     '{"BMA Kyrgyzstan B2 village assessment": 3}', '["enumerator_name"]', '[]', null);
"""


def build(path: Path) -> Path:
    """Write the clean fixture warehouse to ``path`` and return it."""
    with duckdb.connect(str(path)) as con:
        con.execute("create temp table base_communities (round_id integer, community_id varchar, "
                    "community_name varchar, rayon_code varchar, rayon_name varchar, oblast_code varchar, "
                    "oblast_name varchar, households bigint, key_informants bigint)")
        con.executemany("insert into base_communities values (?, ?, ?, ?, ?, ?, ?, ?, ?)", COMMUNITIES)
        con.execute("create temp table base_persons (round_id integer, community_id varchar, "
                    "population_group varchar, country_code varchar, year integer, persons bigint)")
        con.executemany("insert into base_persons values (?, ?, ?, ?, ?, ?)", PERSONS)
        con.execute("create temp table base_groups as select unnest(?) as population_group", [list(GROUPS)])
        con.execute(MARTS_SQL)
        con.execute(LOAD_LOG_SQL)
    _build_check_models(path)
    return path


def _build_check_models(path: Path) -> None:
    """The seeds, the blocking checks' models and the gate's round list, built by dbt on ``path``."""
    target = path.parent / "target"
    target.mkdir(exist_ok=True)
    cached = PROJECT_DIR / "target" / "partial_parse.msgpack"
    if cached.exists():
        shutil.copy2(cached, target / cached.name)
    env = dict(os.environ, MTM_DBT_PATH=str(path), DBT_TARGET_PATH=str(target),
               DBT_LOG_PATH=str(path.parent / "logs"), DBT_SEND_ANONYMOUS_USAGE_STATS="false")
    dbt = Path(sys.executable).with_name("dbt")
    done = subprocess.run(
        [str(dbt), "build", "--select", "resource_type:seed", "path:models/quality/blocking",
         "qc_communities_assessed", "--exclude-resource-type", "test", "unit_test", "--quiet",
         "--no-use-colors", "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR)],
        env=env, cwd=PROJECT_DIR, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
