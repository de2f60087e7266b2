"""Every quality check of the gate: its name, severity, tool and what it guards.

Importable without Great Expectations (the report reads titles from here).

Each check is one dbt model, ``models/quality/<blocking|warnings>/qc_<name>.sql`` (a view in
schema ``quality``); ``checks.frames`` selects its rows in the order ``order_by`` gives.

- **blocking** checks guard the warehouse's own integrity. Great Expectations suites
  (``expectations/gx/``) validate their model's rows as pandas frames. One failure makes
  ``mtm build`` exit 1 and nothing is published.
- **warning** checks report the field data's contradictions and gaps, one row per community
  (code, name, rayon, values): every row of their model is an offending row. The build still
  succeeds and the quality report lists them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["blocking", "warning"]
Tool = Literal["great_expectations", "sql"]


@dataclass(frozen=True)
class Check:
    """One named check."""

    name: str
    severity: Severity
    tool: Tool
    title: str
    description: str
    order_by: tuple[str, ...] = ("round_id",)
    reconcile_only: bool = False
    # a blocking check whose expectations judge each row on its own: the SQL condition a row must
    # meet to break them (their negation, nulls included). Only those rows reach pandas and GX; DuckDB
    # counts the rows checked. None: every row of the model is validated (checks across rows).
    candidates: str | None = None


BLOCKING: tuple[Check, ...] = (
    Check("totals_community_to_rayon", "blocking", "great_expectations",
          "Community totals add up to rayon totals",
          "For every round, population group and rayon, rayon_population.persons equals the sum of "
          "community_population.persons of the rayon's communities.",
          order_by=("round_id", "population_group", "rayon_code")),
    Check("totals_rayon_to_oblast", "blocking", "great_expectations",
          "Rayon totals add up to oblast totals",
          "For every round, population group and oblast, oblast_population.persons equals the sum of "
          "rayon_population.persons of its rayons.",
          order_by=("round_id", "population_group", "oblast_code")),
    Check("totals_oblast_to_national", "blocking", "great_expectations",
          "Oblast totals add up to the national total",
          "For every round and population group, national_population.persons equals the sum of "
          "oblast_population.persons.",
          order_by=("round_id", "population_group")),
    Check("country_sums_to_national", "blocking", "great_expectations",
          "Persons by country add up to the national total",
          "For the three international groups, the sum of population_by_country.persons (UNK included, "
          "-99 answers excluded on both sides) equals national_population.persons.",
          order_by=("round_id", "population_group")),
    Check("year_sums_to_national", "blocking", "great_expectations",
          "Persons by year add up to the national total",
          "For the three international groups, the sum of population_by_year.persons equals "
          "national_population.persons (-99 answers excluded on both sides).",
          order_by=("round_id", "population_group")),
    Check("shares_add_to_100", "blocking", "great_expectations",
          "Percentages add up to 100 (within 0.01)",
          "Rayon and oblast shares of national, country shares, duration of stay, internal-migration "
          "reasons, key informants, and services (with + without) each add up to 100 +/- 0.01 "
          "wherever their denominator is not zero.",
          order_by=("round_id", "table_name", "population_group", "group_key")),
    Check("communities_known_rayon_oblast", "blocking", "great_expectations",
          "Every community has a known rayon and oblast",
          "communities.rayon_code, rayon_name, oblast_code and oblast_name are filled, and oblast_code "
          "is one of the nine ISO 3166-2 codes of the contract.",
          order_by=("round_id", "community_id"),
          candidates="rayon_code is null or rayon_name is null or oblast_code is null or oblast_name is null"
                     " or oblast_code not in (select oblast_code from seeds.oblasts)"),
    Check("counts_non_negative", "blocking", "great_expectations",
          "Counts are not negative",
          "Every count column of every published table (persons, unknown answers, communities, "
          "households, informants) is >= 0.",
          order_by=("round_id", "table_name", "column_name", "grain_key"),
          candidates="value is null or not (value >= 0)"),
    Check("reason_means_within_0_5", "blocking", "great_expectations",
          "Reason means lie within 0-5",
          "reason_scores.mean_score is between 0 and 5.",
          order_by=("round_id", "population_group", "reason_code"),
          candidates="mean_score is null or not (mean_score between 0 and 5)"),
    Check("reconcile_published_figures", "blocking", "great_expectations",
          "Round 3 matches the published figures",
          "With --reconcile: every row of seeds/published_round3_figures.csv equals the round 3 marts "
          "rounded as the publication rounded it.",
          order_by=("figure_id",), reconcile_only=True),
)

WARNINGS: tuple[Check, ...] = (
    Check("stay_duration_vs_nationality", "warning", "sql",
          "Stay-duration counts differ from nationality counts",
          "imw_stay_short + imw_stay_long + imw_stay_unknown differs from the community's international "
          "migrant workers counted by nationality.",
          order_by=("round_id", "community_id")),
    Check("internal_reasons_vs_counts", "warning", "sql",
          "Internal-migration reasons differ from origin/destination counts",
          "The persons given per reason differ from the persons counted by rayon of origin "
          "(internal migrants) or of destination (internal out-migrants).",
          order_by=("round_id", "community_id", "population_group")),
    Check("present_flag_contradictions", "warning", "sql",
          "*_present answers contradict the counts",
          "A population answered 'no' with persons counted, or 'yes' with none.",
          order_by=("round_id", "community_id", "population_group")),
    Check("out_of_range_answers", "warning", "sql",
          "Out-of-range or unparseable answers",
          "Answers outside their allowed range (negative counts other than -99, reason scores outside "
          "0-5, negative distances, households <= 0) or not a number; they count as unknown.",
          order_by=("round_id", "community_id", "sheet_name", "source_row", "field")),
    Check("unknown_answers", "warning", "sql",
          "-99 (don't know) answers",
          "How many -99 answers each community gave, by field; they are never summed.",
          order_by=("round_id", "community_id", "community_name", "rayon_code")),
    Check("corrections_and_rejections", "warning", "sql",
          "Corrected and rejected submissions",
          "Submissions replaced by a later correction (superseded) or marked not approved (rejected); "
          "kept in the warehouse, not counted.",
          order_by=("round_id", "community_id", "submitted_at")),
    Check("orphan_repeat_rows", "warning", "sql",
          "Repeat rows without a parent submission",
          "Repeat-sheet rows whose _parent_index matches no main-sheet row: quarantined, not counted.",
          order_by=("round_id", "sheet_name", "source_row")),
    Check("unresolved_country_names", "warning", "sql",
          "Country names that could not be resolved",
          "Free-text 'other' countries that no country list recognises; counted under UNK.",
          order_by=("round_id", "community_id", "sheet_name", "source_row")),
    Check("b1_communities_not_assessed", "warning", "sql",
          "B1-listed communities that B2 did not assess",
          "Communities listed by a rayon's B1 assessment without a valid B2 submission in the round.",
          order_by=("round_id", "rayon_code", "community_id", "community_name")),
    Check("population_jumps", "warning", "sql",
          "Population totals that jumped since the previous round",
          "A community whose total for a population changed more than fivefold, or from zero to over "
          "100, since the previous round.",
          order_by=("round_id", "community_id", "population_group")),
)

ALL: tuple[Check, ...] = BLOCKING + WARNINGS
BY_NAME: dict[str, Check] = {check.name: check for check in ALL}


def active_checks(*, reconcile: bool) -> list[Check]:
    """The checks a gate run executes (reconciliation only on request)."""
    return [c for c in ALL if reconcile or not c.reconcile_only]
