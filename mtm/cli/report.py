"""`mtm report quality|round`: write an offline single-file HTML report of a round.

- ``quality`` reads the working copy when there is one (a failed build is not published, but its
  report is what the field team needs), else the published file; read-only either way.
- ``round`` presents the published figures (``reports.round``), from the published file.
- ``--lang en|ru|ky`` (default ``$MTM_REPORT_LANG``, else English). Without ``--out`` the file goes
  where ``mtm.reports.paths.report_path`` says: ``<warehouse folder>/reports/<bma|quality>-round-<n>.<lang>.html``.
"""

from __future__ import annotations

import argparse

from mtm.cli import options
from mtm.pipeline import steps
from mtm.reports import i18n


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `mtm report`."""
    parser.add_argument("kind", choices=("quality", "round"), help="which report")
    options.add_round(parser)
    parser.add_argument("--lang", choices=i18n.LANGS, default=None,
                        help=f"language of the report (default ${i18n.LANG_ENV}, else {i18n.DEFAULT_LANG})")
    options.add_warehouse(parser)
    options.add_out(parser, "the file reports/<bma|quality>-round-<N>.<lang>.html")


def run(args: argparse.Namespace) -> int:
    """Entry point of `mtm report`."""
    steps.write_report(args.kind, options.paths(args), args.round_id, args.out, args.lang)
    return 0
