"""The marts on a hand-made tiny warehouse, against figures worked out by hand.

tiny_round.py holds the rows and explains each mess; the expected numbers below were computed by
hand from those rows with the rules of docs/cleaning-rules.md. The same build proves that round 4,
whose export adds the 2025 year field, needs only a registry row and its files: the copied project's
SQL is the repository's, unchanged.
"""

from __future__ import annotations

import duckdb
import pytest

from tests.models import dbt_run, raw_fixture, tiny_round

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    """Build the tiny warehouse once: raw rows -> dbt build (models, data tests, unit tests)."""
    root = tmp_path_factory.mktemp("tiny")
    project = dbt_run.copy_project(root / "project")
    registry = project / "seeds" / "rounds.csv"
    registry.write_text(registry.read_text(encoding="utf-8") + tiny_round.ROUND4_REGISTRY_ROW + "\n",
                        encoding="utf-8")
    database = root / "tiny.work.duckdb"
    raw_fixture.write_raw(database, tiny_round.loads())
    result = dbt_run.dbt(project, database, "build", "--no-use-colors")
    assert result.returncode == 0, result.stdout[-5000:]
    con = duckdb.connect(str(database), read_only=True)
    yield con
    con.close()


def rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple]:
    """All rows of a query, sorted."""
    return sorted(con.sql(sql).fetchall())


def test_submissions_are_chosen_and_nothing_is_dropped(tiny: duckdb.DuckDBPyConnection) -> None:
    got = rows(tiny, "select source_row, community_id, submission_status from staging.stg_kobo__b2_submissions"
                     " where load_id = 'L2'")
    assert got == [(2, "C00001", "valid"), (3, "C00001", "rejected"), (4, "C00001", "superseded"),
                   (5, "C00002", "valid"), (6, "C00003", "superseded"), (7, "C00003", "valid"),
                   (8, None, "unidentified")]
    # only current loads: the replaced load L1 (C00009) is not read
    assert rows(tiny, "select distinct load_id from staging.stg_kobo__b2_main") == [("L2",), ("L5",), ("L6",)]


def test_communities(tiny: duckdb.DuckDBPyConnection) -> None:
    got = rows(tiny, "select round_id, community_id, settlement_type, rayon_code, rayon_name, oblast_code,"
                     " oblast_name, households, key_informants from marts.communities")
    assert got == [
        (1, "C00001", "city_district", "bsk_oktyabrsky", "Oktyabrsky", "KG-GB", "Bishkek city", 90, 0),
        (3, "C00001", "city_district", "bsk_oktyabrsky", "Oktyabrsky", "KG-GB", "Bishkek city", 100, 2),
        (3, "C00002", "village", "chu_sokuluk", "Sokuluk", "KG-C", "Chui", 50, 1),
        (3, "C00003", "village", "chu_sokuluk", "Sokuluk", "KG-C", "Chui", 20, 1),
        (4, "C00001", None, "bsk_oktyabrsky", "Oktyabrsky", "KG-GB", "Bishkek city", 95, 0),
    ]


def test_community_population(tiny: duckdb.DuckDBPyConnection) -> None:
    got = rows(tiny, "select community_id, population_group, persons, unknown_answers, is_reporting"
                     " from marts.community_population where round_id = 3")
    expected = {
        "C00001": {"international_migrant_workers": (20, 1, True), "return_migrants": (6, 0, True),
                   "emigrants": (0, 0, False), "internal_migrants": (10, 0, True),
                   "internal_out_migrants": (0, 0, False)},
        "C00002": {"international_migrant_workers": (5, 0, True), "return_migrants": (0, 0, True),
                   "emigrants": (7, 0, True), "internal_migrants": (0, 1, True),
                   "internal_out_migrants": (0, 0, False)},
        "C00003": {"international_migrant_workers": (0, 0, False), "return_migrants": (4, 0, True),
                   "emigrants": (2, 0, True), "internal_migrants": (0, 0, False),
                   "internal_out_migrants": (3, 0, True)},
    }
    assert got == sorted((c, g, *v) for c, groups in expected.items() for g, v in groups.items())


def test_national_oblast_rayon_population(tiny: duckdb.DuckDBPyConnection) -> None:
    national = rows(tiny, "select population_group, persons, communities_assessed, communities_reporting,"
                          " round(pct_communities_reporting, 2), unknown_answers"
                          " from marts.national_population where round_id = 3")
    assert national == [("emigrants", 9, 3, 2, 66.67, 0), ("internal_migrants", 10, 3, 2, 66.67, 1),
                        ("internal_out_migrants", 3, 3, 1, 33.33, 0),
                        ("international_migrant_workers", 25, 3, 2, 66.67, 1),
                        ("return_migrants", 10, 3, 3, 100.0, 0)]
    oblast = rows(tiny, "select oblast_code, oblast_name, persons, pct_of_national, communities_assessed,"
                        " communities_reporting from marts.oblast_population"
                        " where round_id = 3 and population_group = 'return_migrants'")
    assert oblast == [("KG-C", "Chui", 4, 40.0, 2, 2), ("KG-GB", "Bishkek city", 6, 60.0, 1, 1)]
    rayon = rows(tiny, "select rayon_code, rayon_name, oblast_code, persons, pct_of_national, rank_in_group"
                       " from marts.rayon_population"
                       " where round_id = 3 and population_group = 'international_migrant_workers'")
    assert rayon == [("bsk_oktyabrsky", "Oktyabrsky", "KG-GB", 20, 80.0, 1),
                     ("chu_sokuluk", "Sokuluk", "KG-C", 5, 20.0, 2)]


def test_population_by_country(tiny: duckdb.DuckDBPyConnection) -> None:
    got = rows(tiny, "select population_group, country_code, persons, pct_of_group, rank"
                     " from marts.population_by_country where round_id = 3")
    assert got == [("emigrants", "RUS", 7, 700 / 9, 1), ("emigrants", "UNK", 2, 200 / 9, 2),
                   ("international_migrant_workers", "KAZ", 4, 16.0, 2),
                   ("international_migrant_workers", "RUS", 20, 80.0, 1),
                   ("international_migrant_workers", "UNK", 1, 4.0, 3),
                   ("return_migrants", "KOR", 6, 60.0, 1), ("return_migrants", "TUR", 4, 40.0, 2)]


def test_population_by_year_and_round4_year_field(tiny: duckdb.DuckDBPyConnection) -> None:
    got = rows(tiny, "select round_id, year, persons, pct_change_from_previous_year, is_partial_year"
                     " from marts.population_by_year where population_group = 'international_migrant_workers'")
    assert got == [
        (1, 2020, 1, None, False), (1, 2021, 2, 100.0, False), (1, 2022, 3, 50.0, True),
        (3, 2020, 10, None, False), (3, 2021, 1, -90.0, False), (3, 2022, 5, 400.0, False),
        (3, 2023, 5, 0.0, False), (3, 2024, 4, -20.0, True),
        (4, 2020, 0, None, False), (4, 2021, 0, None, False), (4, 2022, 0, None, False),
        (4, 2023, 0, None, False), (4, 2024, 1, None, False), (4, 2025, 2, 100.0, True),
    ]


def test_reasons_and_internal_migration(tiny: duckdb.DuckDBPyConnection) -> None:
    scores = rows(tiny, "select population_group, reason_code, mean_score, communities_scoring"
                        " from marts.reason_scores where round_id = 3")
    assert scores == [("emigrants", "family", 1.0, 1), ("emigrants", "low_income", 3.0, 2),
                      ("return_migrants", "family", 2.5, 2), ("return_migrants", "patent", 3.5, 2)]
    internal = rows(tiny, "select population_group, reference_year, persons, persons_same_rayon, pct_same_rayon"
                          " from marts.internal_migration where round_id = 3")
    assert internal == [("internal_migrants", 2023, 10, 8, 80.0), ("internal_out_migrants", 2023, 3, 0, 0.0)]
    reasons = rows(tiny, "select population_group, reason_code, persons, pct"
                         " from marts.internal_migration_reasons where round_id = 3")
    assert reasons == [("internal_migrants", "economic", 7, 70.0), ("internal_migrants", "unknown", 3, 30.0),
                       ("internal_out_migrants", "economic", 2, 100.0),
                       ("internal_out_migrants", "unknown", 0, 0.0)]


def test_stay_duration_and_key_informants(tiny: duckdb.DuckDBPyConnection) -> None:
    stay = rows(tiny, "select duration_class, persons, round(pct, 4), unknown_answers"
                      " from marts.imw_stay_duration where round_id = 3")
    assert stay == [("6_months_or_more", 3, 33.3333, 0), ("less_than_6_months", 6, 66.6667, 0),
                    ("unknown", 0, 0.0, 1)]
    ki = rows(tiny, "select ki_type, ki_sex, informants, pct from marts.key_informants where round_id = 3")
    assert ki == [("local_gov", "male", 2, 50.0), ("other", "female", 1, 25.0), ("trader", "female", 1, 25.0)]


def test_services(tiny: duckdb.DuckDBPyConnection) -> None:
    availability = rows(tiny, "select service_code, communities_with, communities_without, round(pct_with, 4),"
                              " round(pct_without, 4) from marts.service_availability where round_id = 3")
    assert availability == [("clinic", 1, 2, 33.3333, 66.6667), ("school", 1, 1, 50.0, 50.0)]
    distance = rows(tiny, "select service_code, distance_band, communities, households"
                          " from marts.service_distance where round_id = 3 and communities > 0")
    assert distance == [("clinic", "0-5 km", 1, 50), ("clinic", "11-15 km", 1, 20),
                        ("school", "over 25 km", 1, 100)]
    assert tiny.execute("select count(*) from marts.service_distance where round_id = 3").fetchall() == [(12,)]
    community = rows(tiny, "select community_id, service_code, has_service, distance_km, households"
                           " from marts.community_services where round_id = 3 and service_code = 'clinic'")
    assert community == [("C00001", "clinic", True, None, 100), ("C00002", "clinic", False, 3, 50),
                         ("C00003", "clinic", False, 12, 20)]


def test_b1_coverage(tiny: duckdb.DuckDBPyConnection) -> None:
    got = rows(tiny, "select rayon_code, community_key, is_listed_by_b1, is_assessed_by_b2, coverage_status"
                     " from marts.b1_coverage where round_id = 3")
    assert got == sorted([("bsk_oktyabrsky", "C00001", False, True, "assessed_not_listed"),
                   ("chu_sokuluk", "C00002", True, True, "listed_and_assessed"),
                   ("chu_sokuluk", "name:name c00003", True, True, "listed_and_assessed"),
                   ("chu_sokuluk", "C00004", True, False, "listed_not_assessed"),
                   ("chu_sokuluk", "name:jany-jer", True, False, "listed_not_assessed")])


def test_quality_lists(tiny: duckdb.DuckDBPyConnection) -> None:
    orphans = rows(tiny, "select sheet_name, source_row, parent_index from marts.quarantined_repeat_rows")
    assert orphans == [("imw_nat", 7, "99"), ("ki", 7, "99"), ("villages", 6, "7")]
    flagged = rows(tiny, "select round_id, sheet_name, field_name, answer_raw, answer_status, community_id,"
                         " submission_status from marts.flagged_answers where submission_status = 'valid'")
    main = "BMA Kyrgyzstan B2 village asses"
    assert flagged == [
        (1, "imw_nat", "n_2023", "7", "year_outside_round", "C00001", "valid"),
        (3, main, "imw_stay_unknown", "-99", "dont_know", "C00001", "valid"),
        (3, main, "int_in_reason_economic", "-99", "dont_know", "C00002", "valid"),
        (3, main, "int_out_reason_unknown", "x", "unparseable", "C00003", "valid"),
        (3, main, "ret_reason_patent", "7", "out_of_range", "C00001", "valid"),
        (3, "imw_nat", "n_2021", "-99", "dont_know", "C00001", "valid"),
        (3, "imw_nat", "n_2022", "abc", "unparseable", "C00002", "valid"),
        (3, "int_in_origin", "persons", "-99", "dont_know", "C00002", "valid"),
        (3, "ret_cty", "n_2020", "-3", "out_of_range", "C00003", "valid"),
    ]
    superseded = rows(tiny, "select field_name, answer_raw, answer_status from marts.flagged_answers"
                            " where submission_status = 'superseded' and community_id = 'C00003'")
    assert superseded == [("households", "-5", "out_of_range")]
    unresolved = rows(tiny, "select population_group, country_choice, country_other, country_resolution, persons"
                            " from marts.unresolved_countries where submission_status = 'valid'")
    assert unresolved == [("emigrants", "dont_know", None, "dont_know", 2),
                          ("international_migrant_workers", "other", "Narnia", "other: unresolved", 1)]
    resolved = rows(tiny, "select country_other, country_code from marts.country_resolutions")
    assert resolved == [("Narnia", "UNK"), ("S. Korea", "KOR"), ("Россия", "RUS")]


def test_round4_needs_no_sql_change(tiny: duckdb.DuckDBPyConnection) -> None:
    """Round 4 was built by the repository's SQL, copied unchanged: only the registry grew a row, and
    no model names a year (the 2025 figures above come from the discovered column)."""
    for rel in dbt_run.MODEL_DIRS:
        for sql in (dbt_run.PROJECT_DIR / rel).glob("*.sql"):
            assert "2025" not in sql.read_text(encoding="utf-8"), sql
    assert tiny.execute("select max(year) from intermediate.int_rounds__b2_years").fetchall() == [(2025,)]
    columns = rows(tiny, "select column_name from information_schema.columns"
                         " where table_name = 'stg_kobo__b2_imw_nat' and column_name like 'n\\_%' escape '\\'"
                         " and column_name not like '%\\_status' escape '\\'"
                         " and column_name not like '%\\_raw' escape '\\'")
    assert columns == [(f"n_{year}",) for year in range(2020, 2026)]
