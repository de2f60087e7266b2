"""``mtm load-gaps FILE [--country KGZ] [--warehouse FILE]``: land a Migration Data Gap Analysis workbook.

One workbook is one load and one transaction in the working copy of the warehouse; ``mtm build``
publishes. The format is described in docs/gap-workbook.md; Kyrgyzstan's workbook ships as
``data/gaps/kgz_2024.xlsx``.
"""

from __future__ import annotations

import argparse
import sys

from mtm.core import warehouse
from mtm.core.paths import GAP_WORKBOOK
from mtm.loaders.gaps import load_gap_workbook
from mtm.loaders.raw import DUPLICATE

DEFAULT_WORKBOOK = GAP_WORKBOOK


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``mtm load-gaps``."""
    parser.add_argument("path", metavar="FILE", nargs="?", default=str(DEFAULT_WORKBOOK),
                        help="a gap-analysis workbook (.xlsx); default: the shipped Kyrgyzstan 2024 workbook")
    parser.add_argument("--country", default=None, metavar="ISO3",
                        help="the country the workbook must be for (ISO 3166-1 alpha-3, e.g. KGZ); "
                             "refused when the workbook's about sheet says otherwise")
    parser.add_argument("--warehouse", default=None, metavar="FILE",
                        help="published warehouse file (default: $MTM_WAREHOUSE or warehouse/mtm.duckdb); "
                             "loads go to its working copy <stem>.work.duckdb")


def run(args: argparse.Namespace) -> int:
    """Load the workbook; print one line saying what happened. Refusals raise InputError (exit 2)."""
    working = warehouse.resolve(args.warehouse).working
    result = load_gap_workbook(args.path, working, country=args.country)
    a = result.attempt
    for w in result.warnings:
        print(f"mtm load-gaps: warning: file {a.file_name}, {w}", file=sys.stderr)
    if a.status == DUPLICATE:
        print(f"{a.file_name}: duplicate, nothing changed ({a.message})")
    else:
        rows = ", ".join(f"{s} {n:,}" for s, n in a.rows_per_sheet.items())
        extra = f"; supersedes load {a.superseded_load_id}" if a.superseded_load_id else ""
        print(f"{a.file_name}: loaded gap workbook of {result.country_code} as load {a.load_id} "
              f"(rows: {rows}){extra}")
    return 0
