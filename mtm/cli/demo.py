"""`mtm demo`: sample rounds 1-3, load them and the Kyrgyzstan gap workbook, build, report.

Everything runs in this one process through the same command functions an operator would call
(`mtm sample`, `mtm load`, `mtm load-gaps`, `mtm build --reconcile`, `mtm report`), so Great
Expectations and dbt's parser are loaded once. Running it twice is safe: sample exports already
written are reused, so the second loads see the same file hashes and are no-ops.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from mtm.core import progress, warehouse
from mtm.core.errors import InputError, QualityGateFailed
from mtm.core.paths import GAP_WORKBOOK
from mtm.reports.i18n import LANGS
from mtm.reports.paths import report_path

DEMO_ROUNDS: tuple[int, ...] = (1, 2, 3)
REPORT_ROUND = 3
EXPORT_SUFFIXES = (".xlsx", ".zip")


@dataclass(frozen=True)
class DemoLayout:
    """Where the demo writes, all beside the published warehouse."""

    paths: warehouse.WarehousePaths
    sample_dir: Path
    reports_dir: Path

    def report(self, kind: str, lang: str) -> Path:
        """A report of the report round in one language (the rule of ``mtm.reports.paths``)."""
        return report_path(self.paths.published, kind, REPORT_ROUND, lang)

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
        return self.sample_dir / f"round-{round_id}"


def layout(path: str | Path | None) -> DemoLayout:
    """The demo's folders for the warehouse given by --warehouse / $MTM_WAREHOUSE / the default."""
    paths = warehouse.resolve(path)
    root = paths.published.parent
    return DemoLayout(paths=paths, sample_dir=root / "sample", reports_dir=root / "reports")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `mtm demo`."""
    parser.add_argument("--warehouse", help="published warehouse file (default warehouse/mtm.duckdb)")


def round_exports(folder: Path) -> list[Path]:
    """The export files (or CSV folders) of one round folder, sorted: what `mtm load` is given."""
    if not folder.is_dir():
        return []
    found = [p for p in folder.iterdir()
             if (p.is_file() and p.suffix.lower() in EXPORT_SUFFIXES and not p.name.startswith("~$"))
             or (p.is_dir() and any(p.glob("*.csv")))]
    return sorted(found)


def _cli(argv: Sequence[str], quiet: bool) -> None:
    """Run one `mtm` command in this process; a failure stops the demo with its exit code."""
    from mtm import cli

    args = [*(["--quiet"] if quiet else []), *argv]
    code = cli.main(args)
    if code == 1:
        raise QualityGateFailed(f"`mtm {' '.join(argv)}` failed")
    if code != 0:
        raise InputError(f"`mtm {' '.join(argv)}` failed with exit code {code}")


def ensure_sample(lay: DemoLayout, round_id: int, quiet: bool) -> list[Path]:
    """Write the sample exports of a round unless they are already there; return them."""
    folder = lay.round_dir(round_id)
    existing = round_exports(folder)
    if existing:
        progress.step(f"round {round_id}: reusing the sample exports in {folder}")
        return existing
    progress.step(f"round {round_id}: writing sample exports to {folder}")
    _cli(["sample", "--round", str(round_id), "--out", str(folder)], quiet)
    written = round_exports(folder)
    if not written:
        raise InputError("`mtm sample` wrote no export", file=str(folder))
    return written


def run_demo(lay: DemoLayout, quiet: bool = False) -> DemoLayout:
    """Every step of the demo; returns the layout whose files now exist."""
    wh = ["--warehouse", str(lay.paths.published)]
    for round_id in DEMO_ROUNDS:
        exports = ensure_sample(lay, round_id, quiet)
        _cli(["load", *map(str, exports), "--round", str(round_id), *wh], quiet)
    if not GAP_WORKBOOK.exists():
        raise InputError("the Kyrgyzstan gap workbook is missing", file=str(GAP_WORKBOOK))
    _cli(["load-gaps", str(GAP_WORKBOOK), *wh], quiet)
    _cli(["build", "--reconcile", *wh], quiet)
    lay.reports_dir.mkdir(parents=True, exist_ok=True)
    for kind in ("quality", "round"):  # no --out: `mtm report` writes where mtm.reports.paths says
        for lang in LANGS:
            _cli(["report", kind, "--round", str(REPORT_ROUND), "--lang", lang, *wh], quiet)
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


def run(args: argparse.Namespace) -> int:
    """Entry point of `mtm demo`."""
    started = time.monotonic()
    quiet = bool(getattr(args, "quiet", False))
    lay = run_demo(layout(args.warehouse), quiet=quiet)
    progress.set_quiet(quiet)
    print(summary(lay, time.monotonic() - started))
    return 0
