"""A round registry with more rounds than the project's, for synthetic data at scale.

``write_forms_dir(rounds, out)`` copies ``forms/bma`` to ``out`` and registers rounds 4 to
``rounds`` in its ``settings.csv`` (B2 and B1), two rounds a year from 2025 (March-May and
September-November), each asking about the five years up to its collection year and about
internal mobility in the year before. Point ``$MTM_FORMS_DIR`` at ``out``: ``mtm sample`` then
generates those rounds, ``mtm load`` accepts them and ``mtm build`` gives dbt that registry as the
``rounds`` seed (``mtm.pipeline.project``). The project's own registry is never changed.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

from mtm.core import forms
from mtm.core.paths import FORMS_DIR

FIRST_SYNTHETIC_YEAR = 2025
YEARS_ASKED = 5
PERIODS = ("March-May", "September-November")


def synthetic_rows(rounds: int, known: list[forms.RoundSettings]) -> list[dict[str, str]]:
    """settings.csv rows of every round after the known ones, up to ``rounds``, for each form."""
    rows = []
    for form in dict.fromkeys(s.form for s in known):
        latest = max((s for s in known if s.form == form), key=lambda s: s.round_id)
        for r in range(latest.round_id + 1, rounds + 1):
            k = r - latest.round_id - 1
            year = FIRST_SYNTHETIC_YEAR + k // 2
            b2 = bool(latest.reference_years)
            rows.append({
                "form": form, "form_id": latest.form_id, "form_title": latest.form_title,
                "version": f"r{r}", "round": str(r),
                "reference_years": " ".join(str(y) for y in range(year - YEARS_ASKED + 1, year + 1)) if b2 else "",
                "internal_reference_year": str(year - 1) if b2 else "",
                "collection_period": f"{PERIODS[k % 2]} {year}",
            })
    return rows


def write_forms_dir(rounds: int, out: Path, source: Path | None = None) -> Path:
    """A copy of the forms folder whose settings.csv registers rounds up to ``rounds``; returns it."""
    source = Path(source or FORMS_DIR)
    out = Path(out)
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(source, out)
    with (source / "settings.csv").open(newline="", encoding="utf-8-sig") as fh:
        header = next(csv.reader(fh))
    extra = synthetic_rows(rounds, forms.settings(source))
    with (out / "settings.csv").open("a", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=header, lineterminator="\n")
        writer.writerows(extra)
    return out
