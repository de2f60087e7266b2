"""``mtm load PATH... --round N [--form b1|b2] [--warehouse FILE]``: land Kobo round exports.

Each PATH (a ``.xlsx`` workbook in any of Kobo's download layouts, a folder of CSV sheets or a
``.zip`` of them, or saved ``.json`` pages of Kobo's REST API) is one load and
one transaction in the working copy of the warehouse; ``mtm build`` publishes.
"""

from __future__ import annotations

import argparse
import sys

from mtm.cli import options
from mtm.pipeline import steps


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``mtm load``."""
    parser.add_argument("paths", nargs="+", metavar="PATH",
                        help="a Kobo export: .xlsx workbook, folder or .zip of .csv sheets, or .json API pages")
    options.add_round(parser)
    parser.add_argument("--allow-empty", action="store_true",
                        help="load an export without submissions (it replaces the round's current load)")
    parser.add_argument("--form", choices=["b1", "b2"], default=None,
                        help="the form; recognised from the sheets and columns when absent")
    options.add_warehouse(parser)


def run(args: argparse.Namespace) -> int:
    """Load each path in turn; a refused path does not stop the others. Exit 2 if any was refused,
    3 if another process held the warehouse (the paths after it were not tried)."""
    outcome = steps.load_exports(args.paths, args.round_id, options.paths(args), form=args.form,
                                 allow_empty=args.allow_empty)
    for result in outcome.loaded:
        for w in result.warnings:
            print(f"mtm load: warning: file {result.attempt.file_name}, {w}", file=sys.stderr)
        print(steps.describe_load(result))
    for exc in outcome.refused if outcome.busy else outcome.refused[:-1]:
        print(f"mtm load: {exc}", file=sys.stderr)
    outcome.raise_refused()
    return 0
