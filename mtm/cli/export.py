"""`mtm export --format parquet|csv|hxl [--round N] [--out DIR]`: the public marts for partners
(``mtm.publish.export``)."""

from __future__ import annotations

import argparse

from mtm.cli import options
from mtm.publish import export


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `mtm export`."""
    parser.add_argument("--format", required=True, choices=export.FORMATS, help="file format")
    options.add_round(parser, required=False)
    options.add_out(parser, "the folder exports/<format>")
    parser.add_argument("--include-internal", action="store_true",
                        help="also export the quality marts (file names, load ids: for the data team only)")
    options.add_warehouse(parser)


def run(args: argparse.Namespace) -> int:
    """Entry point of `mtm export`."""
    paths = options.paths(args)
    out = args.out or paths.output_dir("exports") / args.format
    for path in export.export(paths, args.format, out, args.round_id, include_internal=args.include_internal):
        print(path)
    return 0
