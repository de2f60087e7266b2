"""The ``mtm`` command line: one subcommand per step of the data flow.

Each subcommand lives in the module that owns it; that module exposes
``add_arguments(parser)`` and ``run(args) -> int``.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from mtm import progress
from mtm.errors import InputError, QualityGateFailed

# command -> (module, help)
COMMANDS: dict[str, tuple[str, str]] = {
    "load": ("loaders.cli", "land Kobo round exports (xlsx, CSV folder or zip) into the warehouse"),
    "load-gaps": ("loaders.gaps_cli", "land a Migration Data Gap Analysis workbook"),
    "sample": ("sample.cli", "write synthetic Kobo exports of a round"),
    "build": ("mtm.build", "run dbt and the quality gate, then publish the warehouse"),
    "report": ("reports.cli", "write an offline HTML report (quality or round)"),
    "export": ("mtm.export", "export the public marts for partners (parquet, csv, hxl)"),
    "docs": ("mtm.docs", "write dbt's documentation site as one offline file"),
    "demo": ("mtm.demo", "sample rounds 1-3, load, build and write the reports"),
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mtm", description=__doc__.splitlines()[0])
    parser.add_argument("--quiet", action="store_true", help="no progress output")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (module_name, help_text) in COMMANDS.items():
        sp = sub.add_parser(name, help=help_text, description=help_text)
        sp.add_argument("--quiet", action="store_true", default=argparse.SUPPRESS,
                        help="no progress output")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:  # a command whose module is not there yet
            if exc.name and module_name.startswith(exc.name):
                sp.set_defaults(_module=None)
                continue
            raise
        module.add_arguments(sp)
        sp.set_defaults(_module=module)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; return the process exit code (0 done, 1 blocking check failed, 2 bad input)."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help
        return int(exc.code or 0)
    progress.set_quiet(bool(getattr(args, "quiet", False)))
    if args._module is None:
        print(f"mtm {args.command}: not available in this version", file=sys.stderr)
        return 2
    try:
        return int(args._module.run(args) or 0)
    except InputError as exc:
        print(f"mtm {args.command}: {exc}", file=sys.stderr)
        return 2
    except QualityGateFailed as exc:
        print(f"mtm {args.command}: blocking quality check failed: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
