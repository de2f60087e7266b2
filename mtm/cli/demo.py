"""`mtm demo`: sample rounds 1-3, load, build, publish and write the reports (``mtm.pipeline.demo``)."""

from __future__ import annotations

import argparse
import time

from mtm.cli import options
from mtm.pipeline import demo


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `mtm demo`."""
    options.add_warehouse(parser)


def run(args: argparse.Namespace) -> int:
    """Entry point of `mtm demo`: run it, then print where everything landed."""
    started = time.monotonic()
    lay = demo.run_demo(demo.layout(args.warehouse))
    print(demo.summary(lay, time.monotonic() - started))
    return 0
