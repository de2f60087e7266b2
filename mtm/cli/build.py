"""`mtm build [--reconcile] [--no-publish]`: dbt on the working copy, the quality gate, publish."""

from __future__ import annotations

import argparse

from mtm.cli import options
from mtm.pipeline import build


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `mtm build`."""
    options.add_warehouse(parser)
    parser.add_argument("--reconcile", action="store_true",
                        help="also require the marts to match every published figure "
                             "(seeds/published_round3_figures.csv; blocking)")
    parser.add_argument("--no-publish", action="store_true",
                        help="build and check the working copy only; leave the published file alone")


def run(args: argparse.Namespace) -> int:
    """Entry point of `mtm build`."""
    return build.build(options.paths(args), reconcile=args.reconcile, publish=not args.no_publish)
