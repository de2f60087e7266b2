"""``mtm load PATH... --round N [--form b1|b2] [--warehouse FILE]``: land Kobo round exports.

Each PATH (a ``.xlsx`` workbook in any of Kobo's download layouts, a folder of CSV sheets or a
``.zip`` of them, or saved ``.json`` pages of Kobo's REST API) is one load and
one transaction in the working copy of the warehouse; ``mtm build`` publishes.
"""

from __future__ import annotations

import argparse
import sys

from mtm.core import warehouse
from mtm.core.errors import InputError
from mtm.loaders.land import load_export
from mtm.loaders.raw import DUPLICATE


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``mtm load``."""
    parser.add_argument("paths", nargs="+", metavar="PATH",
                        help="a Kobo export: .xlsx workbook, folder or .zip of .csv sheets, or .json API pages")
    parser.add_argument("--round", dest="round_id", type=int, required=True, metavar="N",
                        help="the round the files belong to (a row of forms/bma/settings.csv)")
    parser.add_argument("--allow-empty", action="store_true",
                        help="load an export without submissions (it replaces the round's current load)")
    parser.add_argument("--form", choices=["b1", "b2"], default=None,
                        help="the form; recognised from the sheets and columns when absent")
    parser.add_argument("--warehouse", default=None, metavar="FILE",
                        help="published warehouse file (default: $MTM_WAREHOUSE or warehouse/mtm.duckdb); "
                             "loads go to its working copy <stem>.work.duckdb")


def run(args: argparse.Namespace) -> int:
    """Load each path in turn; a refused path does not stop the others. Exit 2 if any was refused."""
    working = warehouse.resolve(args.warehouse).working
    errors: list[InputError] = []
    for path in args.paths:
        try:
            result = load_export(path, args.round_id, working, form=args.form, allow_empty=args.allow_empty)
        except InputError as exc:
            errors.append(exc)
            continue
        a = result.attempt
        for w in result.warnings:
            print(f"mtm load: warning: file {a.file_name}, {w}", file=sys.stderr)
        if a.status == DUPLICATE:
            print(f"{a.file_name}: duplicate, nothing changed ({a.message})")
        else:
            rows = ", ".join(f"{s} {n:,}" for s, n in a.rows_per_sheet.items())
            extra = f"; supersedes load {a.superseded_load_id}" if a.superseded_load_id else ""
            print(f"{a.file_name}: loaded round {a.round_id} {a.form} as load {a.load_id} "
                  f"(rows: {rows}){extra}")
    if errors:
        for exc in errors[:-1]:
            print(f"mtm load: {exc}", file=sys.stderr)
        raise errors[-1]
    return 0
