"""The dbt project a build runs (the checkout's, or an overlay of it when ``$MTM_FORMS_DIR`` registers
other rounds), and where dbt keeps its parse state.

dbt's round registry is the seed ``rounds`` (``seeds/rounds.csv``, a link to ``forms/bma/settings.csv``).
When ``$MTM_FORMS_DIR`` points at another forms folder (e.g. the scale benchmark's, with 30 or
100 rounds: ``mtm.sample.registry``), Python reads that folder's registry, and dbt must too. The
checkout is never edited: the build runs dbt on ``<run-time folder>/dbt-project/``, a folder of
links to the checkout's project files whose ``seeds/rounds.csv`` links to that folder's
``settings.csv`` instead. Same models, macros, tests and seeds otherwise.
"""

from __future__ import annotations

import hashlib
import os
import shutil
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
        if link.is_dir() and not link.is_symlink():  # a copy of the folder that followed the links
            shutil.rmtree(link)
        elif link.is_symlink() or link.exists():
            link.unlink()
        link.symlink_to(target)
    return overlay


PARSE_CACHE_ENV = "MTM_DBT_PARSE_CACHE"
PARSE_STATE = "partial_parse.msgpack"  # dbt's parse state, in its target folder


def parse_state_file(working: Path, project_dir: Path = PROJECT_DIR) -> Path:
    """The parse state shared by every warehouse whose working copy has the same name
    (``mtm.work.duckdb``), whatever its folder.

    dbt re-parses the whole project (10-30 s) when its target folder has no parse state or when
    its profile changed; each warehouse has its own target folder, and the working copy's path is
    part of the profile. So dbt runs in the working copy's folder with its name only
    (``build.run_dbt``), and its state is kept here between runs: ``$MTM_DBT_PARSE_CACHE``
    (default ``$XDG_CACHE_HOME/mtm/dbt-parse``, else ``~/.cache/mtm/dbt-parse``), one file per
    project folder and working-copy name. dbt itself checks the state against the project's files
    and re-parses what changed."""
    root = os.environ.get(PARSE_CACHE_ENV) or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "mtm", "dbt-parse")
    key = hashlib.sha256(f"{Path(project_dir).absolute()}\0{working.name}".encode()).hexdigest()[:16]
    return Path(root) / key / PARSE_STATE


def restore_parse_state(shared: Path, target_dir: Path) -> None:
    """Before dbt: put the shared parse state in the warehouse's target folder when it is newer."""
    mine = target_dir / PARSE_STATE
    try:
        if shared.exists() and (not mine.exists() or shared.stat().st_mtime > mine.stat().st_mtime):
            target_dir.mkdir(parents=True, exist_ok=True)
            shutil.copy2(shared, mine)
    except OSError:  # no cache (read-only home, ...): dbt parses as before
        pass


def save_parse_state(shared: Path, target_dir: Path) -> None:
    """After dbt: share the target folder's parse state when dbt wrote a newer one (atomically)."""
    mine = target_dir / PARSE_STATE
    try:
        if mine.exists() and (not shared.exists() or mine.stat().st_mtime > shared.stat().st_mtime):
            shared.parent.mkdir(parents=True, exist_ok=True)
            tmp = shared.with_name(f"{shared.name}.{os.getpid()}.tmp")
            shutil.copy2(mine, tmp)
            os.replace(tmp, shared)
    except OSError:
        pass
