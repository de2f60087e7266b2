"""The demo: sample rounds 1-3, load them and the Kyrgyzstan gap workbook, build, report.

Everything runs in this one process through the step functions an operator's commands call
(``mtm.pipeline.steps``, ``mtm.pipeline.build``), so Great Expectations and dbt's parser are
loaded once and a failing step raises its own error. Running it twice is safe: sample exports
already written are reused, so the second loads see the same file hashes and are no-ops.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mtm.core import progress, warehouse
from mtm.core.errors import InputError
from mtm.core.paths import GAP_WORKBOOK
from mtm.pipeline import build, steps
from mtm.reports.i18n import LANGS

DEMO_ROUNDS: tuple[int, ...] = (1, 2, 3)
REPORT_ROUND = 3
EXPORT_SUFFIXES = (".xlsx", ".zip")


@dataclass(frozen=True)
class DemoLayout:
    """Where the demo writes: the output folders of the warehouse (``WarehousePaths.output_dir``)."""

    paths: warehouse.WarehousePaths

    @property
    def sample_dir(self) -> Path:
        """Folder of the sample exports (one sub-folder per round)."""
        return self.paths.output_dir("sample")

    @property
    def reports_dir(self) -> Path:
        """Folder of the reports."""
        return self.paths.output_dir("reports")

    def report(self, kind: steps.ReportKind, lang: str) -> Path:
        """A report of the report round in one language (``steps.report_path``)."""
        return steps.report_path(self.paths, kind, REPORT_ROUND, lang)

    @property
    def quality_report(self) -> Path:
        """The data-quality report of the report round (English)."""
        return self.report("quality", "en")

    @property
    def round_report(self) -> Path:
        """The round report of the report round (English)."""
        return self.report("round", "en")

    def round_dir(self, round_id: int) -> Path:
        """Folder of one round's sample exports."""
        return steps.sample_dir(self.paths, round_id)


def layout(path: str | Path | None) -> DemoLayout:
    """The demo's folders for the warehouse given by --warehouse / $MTM_WAREHOUSE / the default."""
    return DemoLayout(paths=warehouse.resolve(path))


def round_exports(folder: Path) -> list[Path]:
    """The export files (or CSV folders) of one round folder, sorted: what a load is given."""
    if not folder.is_dir():
        return []
    found = [p for p in folder.iterdir()
             if (p.is_file() and p.suffix.lower() in EXPORT_SUFFIXES and not p.name.startswith("~$"))
             or (p.is_dir() and any(p.glob("*.csv")))]
    return sorted(found)


def ensure_sample(lay: DemoLayout, round_id: int) -> list[Path]:
    """Write the sample exports of a round unless they are already there; return them."""
    folder = lay.round_dir(round_id)
    existing = round_exports(folder)
    if existing:
        progress.step(f"round {round_id}: reusing the sample exports in {folder}")
        return existing
    progress.step(f"round {round_id}: writing sample exports to {folder}")
    steps.sample_round(round_id, folder)
    written = round_exports(folder)
    if not written:
        raise InputError("the sample step wrote no export", file=str(folder))
    return written


def run_demo(lay: DemoLayout) -> DemoLayout:
    """Every step of the demo; returns the layout whose files now exist."""
    for round_id in DEMO_ROUNDS:
        outcome = steps.load_exports(ensure_sample(lay, round_id), round_id, lay.paths)
        outcome.raise_refused()
        for result in outcome.loaded:
            progress.step(steps.describe_load(result))
    if not GAP_WORKBOOK.exists():
        raise InputError("the Kyrgyzstan gap workbook is missing", file=str(GAP_WORKBOOK))
    progress.step(steps.describe_load(steps.load_gaps(GAP_WORKBOOK, lay.paths)))
    build.build(lay.paths, reconcile=True)
    kinds: tuple[steps.ReportKind, ...] = ("quality", "round")
    for kind in kinds:
        for lang in LANGS:
            steps.write_report(kind, lay.paths, REPORT_ROUND, lay.report(kind, lang), lang)
    return lay


def summary(lay: DemoLayout, seconds: float) -> str:
    """The closing lines: where everything landed."""
    rows = [
        ("published warehouse (BI tools: read-only)", lay.paths.published),
        ("working copy (loads and builds)", lay.paths.working),
        ("sample Kobo exports", lay.sample_dir),
        *((f"quality report, round {REPORT_ROUND} ({lang})", lay.report("quality", lang)) for lang in LANGS),
        *((f"round report, round {REPORT_ROUND} ({lang})", lay.report("round", lang)) for lang in LANGS),
    ]
    width = max(len(name) for name, _ in rows)
    lines = [f"mtm demo finished in {seconds:.0f} s"]
    lines += [f"  {name:<{width}}  {path}" for name, path in rows]
    return "\n".join(lines)
