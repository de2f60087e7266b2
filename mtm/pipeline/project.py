"""The dbt project a build runs: the checkout's, or an overlay of it when ``$MTM_FORMS_DIR`` registers
other rounds.

dbt's round registry is the seed ``rounds`` (``seeds/rounds.csv``, a link to ``forms/bma/settings.csv``).
When ``$MTM_FORMS_DIR`` points at another forms folder (e.g. the scale benchmark's, with 30 or
100 rounds: ``mtm.sample.registry``), Python reads that folder's registry, and dbt must too. The
checkout is never edited: the build runs dbt on ``<run-time folder>/dbt-project/``, a folder of
links to the checkout's project files whose ``seeds/rounds.csv`` links to that folder's
``settings.csv`` instead. Same models, macros, tests and seeds otherwise.
"""

from __future__ import annotations

import os
from pathlib import Path

from mtm.core.paths import FORMS_DIR, FORMS_DIR_ENV, PROJECT_DIR

# what dbt reads from the project folder (dbt_project.yml's paths); profiles.yml stays in the checkout
PROJECT_ENTRIES = ("dbt_project.yml", "models", "macros", "tests")
SEEDS = "seeds"
REGISTRY_SEED = "rounds.csv"


def forms_override() -> Path | None:
    """The forms folder ``$MTM_FORMS_DIR`` names, when it is not the checkout's own."""
    value = os.environ.get(FORMS_DIR_ENV)
    if not value:
        return None
    path = Path(value).expanduser().absolute()
    return None if path.resolve() == FORMS_DIR.resolve() else path


def dbt_project_dir(runtime_dir: Path) -> Path:
    """The project folder to run dbt on: the checkout, or the overlay in ``runtime_dir`` whose
    round registry is ``$MTM_FORMS_DIR/settings.csv`` (made or refreshed here)."""
    override = forms_override()
    if override is None:
        return PROJECT_DIR
    overlay = runtime_dir / "dbt-project"
    (overlay / SEEDS).mkdir(parents=True, exist_ok=True)
    wanted = {overlay / name: PROJECT_DIR / name for name in PROJECT_ENTRIES}
    for seed in (PROJECT_DIR / SEEDS).iterdir():
        wanted[overlay / SEEDS / seed.name] = seed
    wanted[overlay / SEEDS / REGISTRY_SEED] = override / "settings.csv"
    for link, target in wanted.items():
        if link.is_symlink() and Path(os.readlink(link)) == target:
            continue
        if link.is_symlink() or link.exists():
            link.unlink()
        link.symlink_to(target)
    return overlay
