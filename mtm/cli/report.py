"""`mtm report quality|round`: write an offline single-file HTML report of a round.

- ``quality`` reads the working copy when there is one (a failed build is not published, but its
  report is what the field team needs), else the published file; read-only either way.
- ``round`` presents the published figures (``reports.round``), from the published file.
- ``--lang en|ru|ky`` (default ``$MTM_REPORT_LANG``, else English). Without ``--out`` the file goes
  where ``mtm.reports.paths.report_path`` says: ``<warehouse folder>/reports/<report>-round-<n>.<lang>.html``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from mtm.core import progress, warehouse
from mtm.reports import i18n
from mtm.reports import paths as report_paths


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `mtm report`."""
    parser.add_argument("kind", choices=("quality", "round"), help="which report")
    parser.add_argument("--round", dest="round_id", type=int, required=True, help="round number (e.g. 3)")
    parser.add_argument("--lang", choices=i18n.LANGS, default=None,
                        help=f"language of the report (default ${i18n.LANG_ENV}, else {i18n.DEFAULT_LANG})")
    parser.add_argument("--warehouse", help="published warehouse file (default warehouse/mtm.duckdb)")
    parser.add_argument("--out", help="HTML file to write (default <warehouse folder>/reports/"
                                      "<bma|quality>-round-<N>.<lang>.html)")


def quality_source(paths: warehouse.WarehousePaths) -> Path:
    """The file the quality report reads: the working copy if present, else the published file."""
    return paths.working if paths.working.exists() else paths.published


def run(args: argparse.Namespace) -> int:
    """Entry point of `mtm report`."""
    paths = warehouse.resolve(args.warehouse)
    lang = i18n.check_lang(args.lang or i18n.default_lang())
    out = Path(args.out) if args.out else report_paths.report_path(paths.published, args.kind, args.round_id, lang)
    if args.kind == "quality":
        from mtm.reports import quality

        written = quality.render(quality_source(paths), args.round_id, out, lang)
    else:
        from mtm.reports import round as round_report

        written = round_report.render(paths.published, args.round_id, out, lang)
    progress.step(f"wrote {written}")
    return 0
