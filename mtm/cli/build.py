"""`mtm build [--reconcile] [--no-publish] [--full-refresh] [--target duckdb|spark]`: dbt on the working copy, the
quality gate, publish."""

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
    parser.add_argument("--full-refresh", action="store_true",
                        help="rebuild every round and model from scratch (default: only the rounds whose "
                             "loads changed since the last successful build)")
    parser.add_argument("--target", choices=("duckdb", "spark"), default="duckdb",
                        help="engine (a profiles.yml target): duckdb (default) or spark, which builds the "
                             "loads of the working copy on Spark (docs/spark.md)")


def run(args: argparse.Namespace) -> int:
    """Entry point of `mtm build`."""
    if args.target == "spark":
        from mtm.pipeline import spark

        spark.build(options.paths(args), reconcile=args.reconcile, publish=not args.no_publish)
        return 0
    return build.build(options.paths(args), reconcile=args.reconcile, publish=not args.no_publish,
                       full_refresh=args.full_refresh)
