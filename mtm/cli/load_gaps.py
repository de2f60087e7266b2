"""``mtm load-gaps FILE [--country KGZ] [--warehouse FILE]``: land a Migration Data Gap Analysis workbook.

One workbook is one load and one transaction in the working copy of the warehouse; ``mtm build``
publishes. The format is described in docs/gap-workbook.md; Kyrgyzstan's workbook ships as
``data/gaps/kgz_2024.xlsx``.
"""

from __future__ import annotations

import argparse
import sys

from mtm.cli import options
from mtm.core.paths import GAP_WORKBOOK
from mtm.pipeline import steps


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``mtm load-gaps``."""
    parser.add_argument("path", metavar="FILE", nargs="?", default=str(GAP_WORKBOOK),
                        help="a gap-analysis workbook (.xlsx); default: the shipped Kyrgyzstan 2024 workbook")
    parser.add_argument("--country", default=None, metavar="ISO3",
                        help="the country the workbook must be for (ISO 3166-1 alpha-3, e.g. KGZ); "
                             "refused when the workbook's about sheet says otherwise")
    options.add_warehouse(parser)


def run(args: argparse.Namespace) -> int:
    """Load the workbook; print one line saying what happened. Refusals raise InputError (exit 2)."""
    result = steps.load_gaps(args.path, options.paths(args), country=args.country)
    for w in result.warnings:
        print(f"mtm load-gaps: warning: file {result.attempt.file_name}, {w}", file=sys.stderr)
    print(steps.describe_load(result))
    return 0
