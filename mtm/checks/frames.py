"""The rows of each quality check, selected from its dbt model (``models/quality/``).

Every check is a view ``quality.qc_<check name>`` that dbt builds from the marts, the seeds and
the B2 submissions staging model. A blocking check's rows are the frame its Great Expectations
suite validates (one row per thing checked: a rayon's total next to its communities' sum, a group
of shares with their sum, a count cell...); a warning's rows are its offending rows. Python only
selects them here, in the check's ``order_by``, and never computes over the marts itself.

The rows come through a *fetcher*: a function that runs one select on the engine that built the
models and returns its rows as a pandas frame (``duckdb_fetcher`` for the DuckDB working copy;
``mtm.pipeline.spark`` gives one that runs the select inside Spark). A query the engine refuses
raises ``FetchError``, whatever the engine.
"""

from __future__ import annotations

from collections.abc import Callable

import duckdb
import pandas as pd

from mtm.checks import reconcile
from mtm.checks.registry import Check

SCHEMA = "quality"
SHARE_TOLERANCE = 0.01

Fetch = Callable[[str], pd.DataFrame]


class FetchError(Exception):
    """A select of the gate failed on its engine (the engine's message, first line)."""


def duckdb_fetcher(con: duckdb.DuckDBPyConnection) -> Fetch:
    """A fetcher over an open DuckDB connection."""

    def fetch(sql: str) -> pd.DataFrame:
        try:
            return con.execute(sql).df()
        except duckdb.Error as exc:
            raise FetchError(str(exc).splitlines()[0]) from exc

    return fetch


def relation(check_name: str) -> str:
    """The view (schema and name) of a check's model."""
    return f"{SCHEMA}.qc_{check_name}"


def _in_rounds(rounds: list[int] | None) -> str:
    return "true" if rounds is None else f"round_id in ({', '.join(str(int(r)) for r in rounds) or 'null'})"


def frame(fetch: Fetch, check: Check, rounds: list[int] | None = None) -> pd.DataFrame:
    """The rows of one check, in its order (a warning's: every row is one to report); with
    ``rounds``, only the rows of those rounds (the engine filters; only they reach Python). A check
    with ``candidates``: only the rows that meet them (the others cannot break its expectations)."""
    order = ", ".join(check.order_by)
    where = _in_rounds(rounds) + (f" and ({check.candidates})" if check.candidates else "")
    rows = fetch(f"select * from {relation(check.name)} where {where} order by {order}")
    if check.name == "reconcile_published_figures":
        return reconcile.with_published_rounding(rows)
    return rows


def rows_per_round(fetch: Fetch, check: Check, rounds: list[int] | None = None) -> dict[int, int]:
    """How many rows of a check each round has (counted by the engine; rows without a round
    are not counted)."""
    rows = fetch(f"select round_id, count(*) as n from {relation(check.name)} where {_in_rounds(rounds)}"
                 " and round_id is not null group by round_id")
    return {int(r): int(n) for r, n in zip(rows["round_id"], rows["n"], strict=True)}


def communities_assessed(fetch: Fetch) -> dict[int, int]:
    """Assessed communities per round (the rows a warning looks at); empty when not built."""
    try:
        rows = fetch(f"select round_id, communities_assessed from {relation('communities_assessed')}")
    except FetchError:
        return {}
    return {int(r): int(n) for r, n in zip(rows["round_id"], rows["communities_assessed"], strict=True)}


def known_oblast_codes(fetch: Fetch) -> list[str]:
    """The oblast codes of the seed ``oblasts``, sorted (the suite of communities_known_rayon_oblast)."""
    try:
        rows = fetch("select oblast_code from seeds.oblasts order by oblast_code")
    except FetchError:
        return []
    return [str(code) for code in rows["oblast_code"]]


def loaded_rounds(fetch: Fetch) -> list[int]:
    """The rounds of the load log (the gate's rounds when no community is assessed)."""
    try:
        rows = fetch("select distinct round_id from raw.load_log where round_id is not null")
    except FetchError:
        return []
    return sorted(int(r) for r in rows["round_id"])
