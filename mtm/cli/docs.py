"""`mtm docs [--out DIR]`: dbt's documentation site as one offline HTML file (``mtm.pipeline.docs``)."""

from __future__ import annotations

import argparse

from mtm.cli import options
from mtm.pipeline import docs


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `mtm docs`."""
    options.add_out(parser, f"the folder docs, file {docs.OUTPUT_NAME}")
    options.add_warehouse(parser)


def run(args: argparse.Namespace) -> int:
    """Entry point of `mtm docs`."""
    paths = options.paths(args)
    print(docs.generate(paths, args.out or paths.output_dir("docs")))
    return 0
