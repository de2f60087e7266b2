"""Reconciliation with IOM's published figures (``mtm build --reconcile``): the publication's rounding.

The model ``quality.qc_reconcile_published_figures`` sets every row of the seed
``published_round3_figures`` (figure_id, population_group, dimension, key, value, unit,
rounding) beside the value the marts give for the same dimension and key (``computed_value``),
for the round the seed ``published_reports`` names. Here the computed value is put at the
publication's rounding (the seed's ``rounding``) as ``warehouse_value``:

- ``exact``: as computed;
- ``integer_percent`` / ``one_decimal``: rounded half away from zero to 0 / 1 decimals;
- ``less_than_1``: printed "less than 1 per cent" (value 1): a computed value above 0 and below
  1 reads as 1, anything else as itself;
- ``more_than``: printed "more than N" (value N): a computed count above N reads as N.

The GX suite then expects ``warehouse_value`` to be present and equal to ``published_value``.
"""

from __future__ import annotations

import math

import pandas as pd


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


def with_published_rounding(rows: pd.DataFrame) -> pd.DataFrame:
    """The model's rows with ``warehouse_value``: ``computed_value`` at the row's rounding."""
    rows = rows.copy()
    rows["warehouse_value"] = [
        as_published(None if pd.isna(computed) else float(computed), float(published), rounding)
        for computed, published, rounding in zip(rows["computed_value"], rows["published_value"],
                                                 rows["rounding"], strict=True)]
    return rows
