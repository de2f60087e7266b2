"""The options several commands share, each declared here once (one name, one help text)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from mtm.core import warehouse


def add_warehouse(parser: argparse.ArgumentParser) -> None:
    """``--warehouse FILE``: the published warehouse; loads and builds write its working copy."""
    parser.add_argument("--warehouse", default=None, metavar="FILE",
                        help="published warehouse file (default: $MTM_WAREHOUSE or warehouse/mtm.duckdb); "
                             "loads and builds write its working copy <stem>.work.duckdb beside it, and "
                             "files go to folders beside it unless --out says otherwise")


def add_quiet(parser: argparse.ArgumentParser, *, default: Any = False) -> None:
    """``--quiet``: no progress output (accepted before and after the command's name)."""
    parser.add_argument("--quiet", action="store_true", default=default, help="no progress output")


def add_round(parser: argparse.ArgumentParser, *, required: bool = True) -> None:
    """``--round N`` (as ``args.round_id``): a round of the registry forms/bma/settings.csv."""
    parser.add_argument("--round", dest="round_id", type=int, required=required, metavar="N",
                        help="round number, a round of forms/bma/settings.csv (e.g. 3)"
                             + ("" if required else "; all rounds when absent"))


def add_out(parser: argparse.ArgumentParser, default_rule: str) -> None:
    """``--out PATH``: where to write; ``default_rule`` says where the files go without it."""
    parser.add_argument("--out", type=Path, default=None, metavar="PATH",
                        help=f"where to write (default: {default_rule}, beside the published warehouse)")


def paths(args: argparse.Namespace) -> warehouse.WarehousePaths:
    """The warehouse files of ``--warehouse`` (then $MTM_WAREHOUSE, then the default)."""
    return warehouse.resolve(args.warehouse)
