"""Where the published and working warehouse files live."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_WAREHOUSE = Path("warehouse/mtm.duckdb")
MEMORY_LIMIT_ENV = "MTM_MEMORY_LIMIT"
# DuckDB's own default is 80% of the machine's memory; a build holds DuckDB in dbt's process and in
# its own (gate, publish) and spills to disk past this (docs/operations.md "Memory")
DEFAULT_MEMORY_LIMIT = "3GB"


def memory_limit() -> str:
    """The DuckDB memory limit of each connection a build opens: ``$MTM_MEMORY_LIMIT`` (a DuckDB
    size such as ``4GB``), else ``DEFAULT_MEMORY_LIMIT``. dbt reads the same variable when a run
    starts (macros/portable/memory_limit.sql)."""
    return os.environ.get(MEMORY_LIMIT_ENV) or DEFAULT_MEMORY_LIMIT


def duckdb_config() -> dict[str, str | bool | int | float | list[str]]:
    """``duckdb.connect(..., config=...)`` for the connections of a build."""
    return {"memory_limit": memory_limit()}


@dataclass(frozen=True)
class WarehousePaths:
    """The published file BI tools read, and the working file loads and builds write."""

    published: Path
    working: Path

    @property
    def runtime_dir(self) -> Path:
        """Run-time files of this warehouse (dbt's target and logs, GX results): ``<folder of the
        published file>/.mtm/<stem>``, never in the checkout, one set per warehouse."""
        return runtime_dir_of(self.working)

    def output_dir(self, kind: str) -> Path:
        """Where a command writes its files when not told otherwise: ``<folder of the published
        file>/<kind>`` (``sample``, ``reports``, ``docs``, ``exports``), the one rule for all."""
        return self.published.parent / kind


def resolve(path: str | os.PathLike[str] | None = None) -> WarehousePaths:
    """Resolve the warehouse from --warehouse, then $MTM_WAREHOUSE, then the default.

    The working copy sits beside the published file as ``<stem>.work.duckdb``.
    """
    chosen = Path(path) if path else Path(os.environ.get("MTM_WAREHOUSE") or DEFAULT_WAREHOUSE)
    chosen = chosen.expanduser().absolute()
    working = chosen.with_name(f"{chosen.stem}.work{chosen.suffix or '.duckdb'}")
    return WarehousePaths(published=chosen, working=working)


def runtime_dir_of(working: Path) -> Path:
    """The run-time folder of the warehouse whose working file is ``working``."""
    stem = working.name.split(".work.")[0] if ".work." in working.name else working.stem
    return working.parent / ".mtm" / stem
