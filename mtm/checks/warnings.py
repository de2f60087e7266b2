"""Warnings about the field data: SQL over the staging models and the marts.

Each warning returns one row per offending community (or answer, or repeat row) with
``round_id``, ``community_id``, ``community_name``, ``rayon_code`` and the values involved, so the
field team knows whom to call back. Warnings never block a build.

Models read (built by dbt, see models/): ``staging.stg_kobo__b2_submissions`` (every B2 main
row with ``submission_status`` valid / superseded / rejected / unidentified and the cleaned
answers with their ``<field>_status`` and ``<field>_raw``); the quality marts
``marts.flagged_answers``, ``marts.quarantined_repeat_rows``, ``marts.unresolved_countries``,
``marts.b1_coverage``; and ``marts.community_population`` / ``marts.communities`` for the
counted persons.
"""

from __future__ import annotations

import duckdb
import pandas as pd

PRESENT_FLAGS = (
    ("imw_present", "international_migrant_workers"),
    ("ret_present", "return_migrants"),
    ("emi_present", "emigrants"),
    ("int_in_present", "internal_migrants"),
    ("int_out_present", "internal_out_migrants"),
)

JUMP_FACTOR = 5
JUMP_FROM_ZERO = 100

VALID_SUBMISSIONS = """
select round_id, community_id, community_name, rayon_code
from staging.stg_kobo__b2_submissions
where is_valid
"""


def _columns(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> list[str]:
    """Column names of a table or view, in order."""
    rows = con.execute(
        "select column_name from information_schema.columns where table_schema = ? and table_name = ? "
        "order by ordinal_position", [schema, table]).fetchall()
    if not rows:
        raise duckdb.CatalogException(f"{schema}.{table} does not exist")
    return [r[0] for r in rows]


def _answer_fields(columns: list[str]) -> list[str]:
    """Numeric answer fields of a staging model: those with ``<f>``, ``<f>_status``, ``<f>_raw``."""
    present = set(columns)
    return [c[: -len("_status")] for c in columns
            if c.endswith("_status") and c != "submission_status"
            and c[: -len("_status")] in present and f"{c[: -len('_status')]}_raw" in present]


def stay_duration_vs_nationality(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Communities whose stay-duration answers do not add up to the persons counted by nationality."""
    return con.execute("""
with submissions as (
    select * from staging.stg_kobo__b2_submissions
    where is_valid
),
counted as (
    select round_id, community_id, persons
    from marts.community_population
    where population_group = 'international_migrant_workers'
),
compared as (
    select
        s.round_id, s.community_id, s.community_name, s.rayon_code,
        coalesce(c.persons, 0) as persons_by_nationality,
        s.imw_stay_short_raw as stay_short, s.imw_stay_long_raw as stay_long,
        s.imw_stay_unknown_raw as stay_unknown,
        coalesce(s.imw_stay_short, 0) + coalesce(s.imw_stay_long, 0) + coalesce(s.imw_stay_unknown, 0)
            as persons_by_stay,
    from submissions as s
    left join counted as c
        on s.round_id = c.round_id and s.community_id = c.community_id
    where coalesce(s.imw_stay_short_status, 'missing') in ('valid', 'missing')
        and coalesce(s.imw_stay_long_status, 'missing') in ('valid', 'missing')
        and coalesce(s.imw_stay_unknown_status, 'missing') in ('valid', 'missing')
)
select * from compared
where persons_by_stay != persons_by_nationality
order by round_id, community_id
""").df()


def internal_reasons_vs_counts(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Communities whose internal-migration reasons do not add up to the origin/destination counts."""
    columns = _columns(con, "staging", "stg_kobo__b2_submissions")
    fields = _answer_fields(columns)
    parts = []
    for prefix, group in (("int_in_reason_", "internal_migrants"), ("int_out_reason_", "internal_out_migrants")):
        reasons = [f for f in fields if f.startswith(prefix)]
        if not reasons:
            continue
        total = " + ".join(f"coalesce(s.{f}, 0)" for f in reasons)
        unknown = " or ".join(f"coalesce(s.{f}_status, 'missing') not in ('valid', 'missing')" for f in reasons)
        detail = " || ', ' || ".join(f"'{f.removeprefix(prefix)}=' || coalesce(s.{f}_raw, '')" for f in reasons)
        parts.append(f"""
select
    s.round_id, s.community_id, s.community_name, s.rayon_code,
    '{group}' as population_group,
    coalesce(c.persons, 0) as persons_by_rayon,
    {total} as persons_by_reason,
    {detail} as reason_answers,
from staging.stg_kobo__b2_submissions as s
left join marts.community_population as c
    on s.round_id = c.round_id and s.community_id = c.community_id and c.population_group = '{group}'
where s.is_valid and not ({unknown})
""")
    if not parts:
        raise duckdb.CatalogException("stg_kobo__b2_submissions has no internal-migration reason fields")
    union = " union all ".join(parts)
    return con.execute(f"""
with compared as ({union})
select * from compared
where persons_by_reason != persons_by_rayon
order by round_id, community_id, population_group
""").df()


def present_flag_contradictions(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """`*_present = no` with persons counted, or `yes` with no persons and no unknown answers."""
    parts = [f"""
select s.round_id, s.community_id, s.community_name, s.rayon_code,
    '{group}' as population_group, '{flag}' as question, s.{flag} as answer,
    coalesce(c.persons, 0) as persons, coalesce(c.unknown_answers, 0) as unknown_answers,
from staging.stg_kobo__b2_submissions as s
left join marts.community_population as c
    on s.round_id = c.round_id and s.community_id = c.community_id and c.population_group = '{group}'
where s.is_valid
""" for flag, group in PRESENT_FLAGS]
    return con.execute(f"""
with flags as ({" union all ".join(parts)})
select * from flags
where (answer = 'no' and persons > 0)
    or (answer = 'yes' and persons = 0 and unknown_answers = 0)
order by round_id, community_id, population_group
""").df()


def _flagged_answers(con: duckdb.DuckDBPyConnection, statuses: tuple[str, ...]) -> pd.DataFrame:
    """Flagged answers (marts.flagged_answers) of valid submissions whose status is in ``statuses``."""
    wanted = ", ".join(f"'{s}'" for s in statuses)
    return con.execute(f"""
with flagged as (
    select * from marts.flagged_answers
    where submission_status = 'valid' and answer_status in ({wanted})
),
named as (
    select f.round_id, f.community_id, v.community_name, f.rayon_code,
        f.sheet_name, f.source_row, f.field_name as field, f.answer_raw as answer,
        f.answer_status as status,
    from flagged as f
    left join ({VALID_SUBMISSIONS}) as v
        on f.round_id = v.round_id and f.community_id = v.community_id
)
select * from named order by round_id, community_id, sheet_name, source_row, field
""").df()


def out_of_range_answers(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Answers outside their range, not numbers, or for a year outside the round (each one)."""
    return _flagged_answers(con, ("out_of_range", "unparseable", "year_outside_round"))


def unknown_answers(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """-99 answers, one row per community: how many and in which fields."""
    answers = _flagged_answers(con, ("dont_know",))
    columns = ["round_id", "community_id", "community_name", "rayon_code", "answers_99", "fields"]
    if answers.empty:
        return pd.DataFrame(columns=columns)
    keys = ["round_id", "community_id", "community_name", "rayon_code"]
    grouped = (answers.groupby(keys, dropna=False)
               .agg(answers_99=("field", "size"), fields=("field", lambda f: ", ".join(sorted(set(f)))))
               .reset_index())
    return grouped[columns]


def corrections_and_rejections(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """B2 submissions not counted: superseded corrections, rejected and unidentified ones."""
    return con.execute("""
select round_id, community_id, community_name, rayon_code, submission_status,
    submission_id, submitted_at, validation_status, file_name, sheet_name, source_row,
from staging.stg_kobo__b2_submissions
where submission_status != 'valid'
order by round_id, community_id, submitted_at
""").df()


def orphan_repeat_rows(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Repeat rows without a parent main row (quarantined by dbt in marts.quarantined_repeat_rows)."""
    return con.execute("""
select round_id, cast(null as varchar) as community_id, file_name, sheet_name, source_row,
    parent_index, quarantine_reason,
from marts.quarantined_repeat_rows
order by round_id, sheet_name, source_row
""").df()


def unresolved_country_names(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Free-text countries of valid submissions that no country list resolved (counted as UNK)."""
    return con.execute(f"""
with unresolved as (
    select * from marts.unresolved_countries
    where submission_status = 'valid' and country_choice = 'other'
)
select u.round_id, u.community_id, v.community_name, u.rayon_code, u.sheet_name, u.source_row,
    u.population_group, u.country_choice, u.country_other, u.country_resolution, u.persons,
from unresolved as u
left join ({VALID_SUBMISSIONS}) as v
    on u.round_id = v.round_id and u.community_id = v.community_id
order by u.round_id, u.community_id, u.sheet_name, u.source_row
""").df()


def b1_communities_not_assessed(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Communities listed by a valid B1 submission without a valid B2 submission (marts.b1_coverage)."""
    return con.execute("""
select round_id, community_id, community_name, rayon_code, rayon_name, b1_flows,
from marts.b1_coverage
where coverage_status = 'listed_not_assessed'
order by round_id, rayon_code, community_id, community_name
""").df()


def population_jumps(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Communities whose persons changed > fivefold, or from 0 to > 100, since the previous round."""
    return con.execute(f"""
with rounds as (
    select round_id, lag(round_id) over (order by round_id) as previous_round_id
    from (select distinct round_id from marts.community_population)
),
paired as (
    select cur.round_id, cur.community_id, cur.population_group,
        prev.persons as previous_persons, cur.persons as persons,
    from marts.community_population as cur
    inner join rounds as r on cur.round_id = r.round_id
    inner join marts.community_population as prev
        on prev.round_id = r.previous_round_id
        and prev.community_id = cur.community_id
        and prev.population_group = cur.population_group
),
jumps as (
    select p.*, c.community_name, c.rayon_code
    from paired as p
    left join marts.communities as c
        on p.round_id = c.round_id and p.community_id = c.community_id
    where (p.previous_persons > 0 and p.persons > 0
            and (p.persons > {JUMP_FACTOR} * p.previous_persons or p.previous_persons > {JUMP_FACTOR} * p.persons))
        or (p.previous_persons = 0 and p.persons > {JUMP_FROM_ZERO})
        or (p.persons = 0 and p.previous_persons > {JUMP_FROM_ZERO})
)
select round_id, community_id, community_name, rayon_code, population_group, previous_persons, persons
from jumps
order by round_id, community_id, population_group
""").df()


FUNCTIONS = {
    "stay_duration_vs_nationality": stay_duration_vs_nationality,
    "internal_reasons_vs_counts": internal_reasons_vs_counts,
    "present_flag_contradictions": present_flag_contradictions,
    "out_of_range_answers": out_of_range_answers,
    "unknown_answers": unknown_answers,
    "corrections_and_rejections": corrections_and_rejections,
    "orphan_repeat_rows": orphan_repeat_rows,
    "unresolved_country_names": unresolved_country_names,
    "b1_communities_not_assessed": b1_communities_not_assessed,
    "population_jumps": population_jumps,
}


def frame(con: duckdb.DuckDBPyConnection, check_name: str) -> pd.DataFrame:
    """The offending rows of one warning (empty frame: nothing to report)."""
    return FUNCTIONS[check_name](con)


def communities_assessed(con: duckdb.DuckDBPyConnection) -> dict[int, int]:
    """Assessed communities per round (the rows a warning looks at)."""
    try:
        rows = con.execute("select round_id, count(*) from marts.communities group by round_id").fetchall()
    except duckdb.Error:
        return {}
    return {int(r): int(n) for r, n in rows}
