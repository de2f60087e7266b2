"""The Great Expectations file data context under ``expectations/``.

Layout (GX 1.x file context, project root ``expectations/``)::

    expectations/gx/great_expectations.yml        committed: one pandas datasource ``quality_frames``
    expectations/gx/expectations/<check>.json     committed: one suite per blocking check
    expectations/gx/validation_definitions/...    committed: suite + dataframe batch definition
    expectations/gx/checkpoints/<check>.json      committed: one checkpoint per check (COMPLETE results)
    expectations/gx/uncommitted/validations/      git-ignored: validation results of each run
    expectations/gx/uncommitted/data_docs/        git-ignored: GX Data Docs (HTML)

GX reads pandas frames, not DuckDB: ``checks.frames`` selects each check's rows from its dbt
model, and the checkpoint validates them as a dataframe batch (see docs/quality.md for why).

``suites()`` below is where the expectations are written; ``python -m mtm.checks.gx_context``
(re)writes the committed files from it, and a test keeps the files and the code identical.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

import great_expectations as gx
import great_expectations.expectations as gxe
import pandas as pd

from mtm.checks import frames
from mtm.core.paths import EXPECTATIONS_DIR

PROJECT_ROOT = EXPECTATIONS_DIR
DATASOURCE = "quality_frames"
BATCH_DEFINITION = "whole_frame"
LOW, HIGH = 100 - frames.SHARE_TOLERANCE, 100 + frames.SHARE_TOLERANCE


def suites() -> dict[str, list[gxe.Expectation]]:
    """The expectations of each blocking check (fresh objects on every call)."""
    return {
        "totals_community_to_rayon": [
            gxe.ExpectColumnPairValuesToBeEqual(column_A="persons", column_B="persons_from_communities"),
        ],
        "totals_rayon_to_oblast": [
            gxe.ExpectColumnPairValuesToBeEqual(column_A="persons", column_B="persons_from_rayons"),
        ],
        "totals_oblast_to_national": [
            gxe.ExpectColumnPairValuesToBeEqual(column_A="persons", column_B="persons_from_oblasts"),
        ],
        "country_sums_to_national": [
            gxe.ExpectColumnPairValuesToBeEqual(column_A="persons", column_B="persons_by_country"),
        ],
        "year_sums_to_national": [
            gxe.ExpectColumnPairValuesToBeEqual(column_A="persons", column_B="persons_by_year"),
        ],
        "shares_add_to_100": [
            gxe.ExpectColumnValuesToNotBeNull(column="pct_total"),
            gxe.ExpectColumnValuesToBeBetween(column="pct_total", min_value=LOW, max_value=HIGH),
        ],
        "communities_known_rayon_oblast": [
            gxe.ExpectColumnValuesToNotBeNull(column="rayon_code"),
            gxe.ExpectColumnValuesToNotBeNull(column="rayon_name"),
            gxe.ExpectColumnValuesToNotBeNull(column="oblast_code"),
            gxe.ExpectColumnValuesToNotBeNull(column="oblast_name"),
            # the seed `oblasts`, passed at run time (``run_checkpoint``'s ``parameters``)
            gxe.ExpectColumnValuesToBeInSet(column="oblast_code", value_set={"$PARAMETER": "known_oblast_codes"}),
        ],
        "counts_non_negative": [
            gxe.ExpectColumnValuesToBeBetween(column="value", min_value=0),
        ],
        "reason_means_within_0_5": [
            gxe.ExpectColumnValuesToBeBetween(column="mean_score", min_value=0, max_value=5),
        ],
        "reconcile_published_figures": [
            gxe.ExpectColumnValuesToNotBeNull(column="warehouse_value"),
            gxe.ExpectColumnPairValuesToBeEqual(column_A="published_value", column_B="warehouse_value"),
        ],
    }


SUITE_NAMES: tuple[str, ...] = tuple(suites())


def expectation_signature(expectation: Any) -> tuple[str, tuple[tuple[str, str], ...]]:
    """(type, sorted kwargs) of an expectation, to compare the spec with the stored suites."""
    config = expectation.configuration if hasattr(expectation, "configuration") else expectation
    kwargs = {k: v for k, v in config.kwargs.items() if k not in ("batch_id",)}
    return config.type, tuple(sorted((k, repr(v)) for k, v in kwargs.items()))


def get_context(project_root: Path = PROJECT_ROOT) -> Any:
    """The file data context rooted at ``project_root`` (default ``expectations/``)."""
    return gx.get_context(mode="file", project_root_dir=str(project_root))


def write_definitions(project_root: Path = PROJECT_ROOT) -> None:
    """Rewrite the datasource, suites, validation definitions and checkpoints from ``suites()``.

    The old definitions are removed first, so the files always say exactly what the code says.
    """
    gx_dir = project_root / "gx"
    for folder in ("checkpoints", "validation_definitions"):
        shutil.rmtree(gx_dir / folder, ignore_errors=True)
    for old_suite in (gx_dir / "expectations").glob("*.json"):
        old_suite.unlink()
    context = get_context(project_root)
    context.variables.progress_bars = {"globally": False}
    context.variables.analytics_enabled = False
    context.variables.save()
    if DATASOURCE in context.data_sources.all():
        context.data_sources.delete(DATASOURCE)
    source = context.data_sources.add_pandas(DATASOURCE)
    for name, expectations in suites().items():
        batch = source.add_dataframe_asset(name).add_batch_definition_whole_dataframe(BATCH_DEFINITION)
        suite = context.suites.add(gx.ExpectationSuite(name=name))
        for expectation in expectations:
            suite.add_expectation(expectation)
        definition = context.validation_definitions.add(
            gx.ValidationDefinition(name=name, data=batch, suite=suite))
        context.checkpoints.add(gx.Checkpoint(
            name=name, validation_definitions=[definition], actions=[],
            result_format={"result_format": "COMPLETE"}))


def copy_context(destination: Path, project_root: Path = PROJECT_ROOT) -> Path:
    """Copy the committed definitions (no results, no docs) to ``destination``; returns it."""
    shutil.copytree(project_root / "gx", destination / "gx",
                    ignore=shutil.ignore_patterns("uncommitted"), dirs_exist_ok=True)
    return destination


@dataclass
class SuiteOutcome:
    """What one checkpoint run found: offending frame rows and the expectations they broke."""

    success: bool
    offending: dict[int, list[str]] = field(default_factory=dict)  # frame index -> expectations
    failed_expectations: list[str] = field(default_factory=list)


def _describe(config: Any) -> str:
    kwargs = {k: v for k, v in config.kwargs.items() if k not in ("batch_id", "result_format")}
    args = ", ".join(f"{k}={v}" for k, v in kwargs.items())
    return f"{config.type}({args})"


def run_checkpoint(context: Any, name: str, frame: pd.DataFrame,
                   parameters: dict[str, Any] | None = None) -> SuiteOutcome:
    """Validate ``frame`` with the checkpoint ``name``; collect the offending row indices.

    ``parameters`` fill the suites' ``$PARAMETER`` values (the known oblast codes).
    """
    checkpoint = context.checkpoints.get(name)
    result = checkpoint.run(batch_parameters={"dataframe": frame}, expectation_parameters=parameters or {})
    outcome = SuiteOutcome(success=bool(result.success))
    for validation in result.run_results.values():
        for item in validation.results:
            if item.success:
                continue
            described = _describe(item.expectation_config)
            outcome.failed_expectations.append(described)
            for index in (item.result or {}).get("unexpected_index_list") or []:
                key = int(index) if not isinstance(index, dict) else int(next(iter(index.values())))
                outcome.offending.setdefault(key, []).append(described)
            if item.exception_info and item.exception_info.get("raised_exception"):
                outcome.failed_expectations[-1] += f" raised: {item.exception_info.get('exception_message')}"
    return outcome


if __name__ == "__main__":
    write_definitions()
    print(f"wrote {len(SUITE_NAMES)} suites, validation definitions and checkpoints under {PROJECT_ROOT}/gx")
