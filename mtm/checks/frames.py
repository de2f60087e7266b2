"""The rows of each quality check, selected from its dbt model (``models/quality/``).

Every check is a view ``quality.qc_<check name>`` that dbt builds from the marts, the seeds and
the B2 submissions staging model. A blocking check's rows are the frame its Great Expectations
suite validates (one row per thing checked: a rayon's total next to its communities' sum, a group
of shares with their sum, a count cell...); a warning's rows are its offending rows. Python only
selects them here, in the check's ``order_by``, and never computes over the marts itself.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from mtm.checks import reconcile
from mtm.checks.registry import Check

SCHEMA = "quality"
SHARE_TOLERANCE = 0.01


def relation(check_name: str) -> str:
    """The view (schema and name) of a check's model."""
    return f"{SCHEMA}.qc_{check_name}"


def frame(con: duckdb.DuckDBPyConnection, check: Check, rounds: list[int] | None = None) -> pd.DataFrame:
    """The rows of one check, in its order (a warning's: every row is one to report); with
    ``rounds``, only the rows of those rounds (DuckDB filters; only they reach Python)."""
    order = ", ".join(check.order_by)
    where = "" if rounds is None else f" where round_id in ({', '.join(str(int(r)) for r in rounds) or 'null'})"
    rows = con.execute(f"select * from {relation(check.name)}{where} order by {order}").df()
    if check.name == "reconcile_published_figures":
        return reconcile.with_published_rounding(rows)
    return rows


def communities_assessed(con: duckdb.DuckDBPyConnection) -> dict[int, int]:
    """Assessed communities per round (the rows a warning looks at); empty when not built."""
    try:
        rows = con.execute(f"select round_id, communities_assessed from {relation('communities_assessed')}"
                           ).fetchall()
    except duckdb.Error:
        return {}
    return {int(r): int(n) for r, n in rows}


def known_oblast_codes(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The oblast codes of the seed ``oblasts``, in its order (the suite of communities_known_rayon_oblast)."""
    try:
        return [r[0] for r in con.execute("select oblast_code from seeds.oblasts order by rowid").fetchall()]
    except duckdb.Error:
        return []
