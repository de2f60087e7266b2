"""A small hand-made warehouse with the contract's marts, for tests that need no dbt run.

The figures are invented and tiny; `scale` multiplies every count so two versions of the same
warehouse ("old" and "new" figures) can be told apart by a reader.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

GROUPS = ("international_migrant_workers", "return_migrants", "emigrants",
          "internal_migrants", "internal_out_migrants")


def make_marts(path: Path, scale: int = 1, rounds: tuple[int, ...] = (2, 3),
               evil_name: str = "Ak-Suu") -> Path:
    """Create (or replace) schema ``marts`` in the DuckDB file ``path``; return the path."""
    con = duckdb.connect(str(path))
    try:
        con.execute("drop schema if exists marts cascade")
        con.execute("create schema marts")
        con.execute("""create table marts.communities (round_id integer, community_id varchar,
            community_name varchar, settlement_type varchar, rayon_code varchar, rayon_name varchar,
            oblast_code varchar, oblast_name varchar, households integer, key_informants integer)""")
        con.execute("""create table marts.national_population (round_id integer, population_group varchar,
            persons bigint, communities_assessed integer, communities_reporting integer,
            pct_communities_reporting double)""")
        con.execute("""create table marts.oblast_population (round_id integer, oblast_code varchar,
            oblast_name varchar, population_group varchar, persons bigint, pct_of_national double,
            communities_assessed integer, communities_reporting integer)""")
        con.execute("""create table marts.rayon_population (round_id integer, rayon_code varchar,
            rayon_name varchar, oblast_code varchar, population_group varchar, persons bigint,
            pct_of_national double)""")
        con.execute("""create table marts.population_by_country (round_id integer, population_group varchar,
            country_code varchar, country_name varchar, persons bigint, pct_of_group double, rank integer)""")
        con.execute("""create table marts.population_by_year (round_id integer, population_group varchar,
            year integer, persons bigint, pct_change_from_previous_year double, is_partial_year boolean)""")
        con.execute("""create table marts.reason_scores (round_id integer, population_group varchar,
            reason_code varchar, reason_label varchar, mean_score double, communities_scoring integer)""")
        con.execute("""create table marts.internal_migration (round_id integer, population_group varchar,
            reference_year integer, persons bigint, persons_same_rayon bigint, pct_same_rayon double)""")
        con.execute("""create table marts.internal_migration_reasons (round_id integer,
            population_group varchar, reason_code varchar, persons bigint, pct double)""")
        con.execute("""create table marts.imw_stay_duration (round_id integer, duration_class varchar,
            persons bigint, pct double)""")
        con.execute("""create table marts.key_informants (round_id integer, ki_type varchar, ki_sex varchar,
            informants integer, pct double)""")
        con.execute("""create table marts.service_availability (round_id integer, service_code varchar,
            communities_with integer, communities_without integer, pct_with double, pct_without double)""")
        con.execute("""create table marts.service_distance (round_id integer, service_code varchar,
            distance_band varchar, communities integer, households bigint)""")
        con.execute("""create table marts.data_gap_scores (thematic_area varchar, year integer,
            indicators integer, available integer, partial integer, not_available integer,
            coverage_score double)""")
        for r in rounds:
            s = scale * r
            con.execute("insert into marts.communities values (?, 'C00001', ?, 'village', 'bsk_oktyabrsky',"
                        " 'Oktyabrsky', 'KG-GB', 'Bishkek city', 120, 2),"
                        " (?, 'C00002', '=HYPERLINK(\"http://x\")', 'village', 'osh_kara_suu', 'Kara-Suu',"
                        " 'KG-O', 'Osh', 80, 1)", [r, evil_name, r])
            for i, g in enumerate(GROUPS):
                persons = (i + 1) * 100 * s
                con.execute("insert into marts.national_population values (?, ?, ?, 2, 2, 100.0)",
                            [r, g, persons])
                con.execute("insert into marts.oblast_population values (?, 'KG-GB', 'Bishkek city', ?, ?,"
                            " 75.0, 1, 1), (?, 'KG-O', 'Osh', ?, ?, 25.0, 1, 1)",
                            [r, g, persons * 3 // 4, r, g, persons // 4])
                con.execute("insert into marts.rayon_population values (?, 'bsk_oktyabrsky', 'Oktyabrsky',"
                            " 'KG-GB', ?, ?, 75.0), (?, 'osh_kara_suu', 'Kara-Suu', 'KG-O', ?, ?, 25.0)",
                            [r, g, persons * 3 // 4, r, g, persons // 4])
            for g in GROUPS[:3]:
                con.execute("insert into marts.population_by_country values (?, ?, 'RUS', 'Russian Federation',"
                            " ?, 60.0, 1), (?, ?, 'UZB', 'Uzbekistan', ?, 40.0, 2)",
                            [r, g, 60 * s, r, g, 40 * s])
                con.execute("insert into marts.population_by_year values (?, ?, 2021, ?, null, false),"
                            " (?, ?, 2022, ?, 25.0, false), (?, ?, 2023, ?, -12.5, true)",
                            [r, g, 32 * s, r, g, 40 * s, r, g, 35 * s])
            for g in ("return_migrants", "emigrants"):
                con.execute("insert into marts.reason_scores values (?, ?, 'family', 'Family issues', 4.2, 2),"
                            " (?, ?, 'other', '-other', 0.1, 1)", [r, g, r, g])
            for g in GROUPS[3:]:
                con.execute("insert into marts.internal_migration values (?, ?, ?, ?, ?, 21.0)",
                            [r, g, 2020 + r, 100 * s, 21 * s])
                con.execute("insert into marts.internal_migration_reasons values (?, ?, 'economic', ?, 83.0),"
                            " (?, ?, 'education', ?, 17.0)", [r, g, 83 * s, r, g, 17 * s])
            con.execute("insert into marts.imw_stay_duration values (?, 'less_than_6_months', ?, 54.0),"
                        " (?, '6_months_or_more', ?, 38.0), (?, 'unknown', ?, 8.0)",
                        [r, 54 * s, r, 38 * s, r, 8 * s])
            con.execute("insert into marts.key_informants values (?, 'local_government', 'male', 2, 66.7),"
                        " (?, 'local_government', 'female', 1, 33.3)", [r, r])
            con.execute("insert into marts.service_availability values (?, 'clinic', 1, 1, 50.0, 50.0),"
                        " (?, 'school', 2, 0, 100.0, 0.0)", [r, r])
            con.execute("insert into marts.service_distance values (?, 'clinic', '0-5 km', 1, ?),"
                        " (?, 'clinic', 'over 25 km', 0, 0)", [r, 80 * s, r])
        con.execute("insert into marts.data_gap_scores values ('emigration', 2023, 4, 1, 2, 1, 50.0)")
        con.execute("checkpoint")
    finally:
        con.close()
    return path
