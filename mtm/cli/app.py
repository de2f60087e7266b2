"""The ``mtm`` command line: one subcommand per step of the data flow.

Each subcommand is one module of ``mtm.cli`` exposing ``add_arguments(parser)`` and
``run(args) -> int``; it only parses and prints, and calls the step's function (``mtm.pipeline``).
Shared options are declared once in ``mtm.cli.options``.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from mtm.cli import options
from mtm.core import progress
from mtm.core.errors import InputError, QualityGateFailed, WarehouseBusy

# command -> (module, help)
COMMANDS: dict[str, tuple[str, str]] = {
    "load": ("mtm.cli.load", "land Kobo round exports (xlsx, CSV folder or zip, saved API pages) into the warehouse"),
    "pull": ("mtm.cli.pull", "fetch new submissions from KoboToolbox's REST API and land them"),
    "load-gaps": ("mtm.cli.load_gaps", "land a Migration Data Gap Analysis workbook"),
    "sample": ("mtm.cli.sample", "write synthetic Kobo exports of a round"),
    "build": ("mtm.cli.build", "run dbt and the quality gate, then publish the warehouse"),
    "report": ("mtm.cli.report", "write an offline HTML report (quality or round)"),
    "export": ("mtm.cli.export", "export the public marts for partners (parquet, csv, hxl)"),
    "docs": ("mtm.cli.docs", "write dbt's documentation site as one offline file"),
    "demo": ("mtm.cli.demo", "sample rounds 1-3, load, build and write the reports"),
}


def _chosen_command(argv: list[str]) -> str | None:
    """The subcommand named on the command line (the first argument that is one), if any."""
    return next((arg for arg in argv if arg in COMMANDS), None)


def _parser(chosen: str | None) -> argparse.ArgumentParser:
    """The argument parser; only the chosen command's module is imported (pandas, GX and dbt
    cost seconds to import, and `mtm load` should not pay for `mtm report`)."""
    parser = argparse.ArgumentParser(prog="mtm", description=__doc__.splitlines()[0])
    options.add_quiet(parser)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (module_name, help_text) in COMMANDS.items():
        sp = sub.add_parser(name, help=help_text, description=help_text)
        options.add_quiet(sp, default=argparse.SUPPRESS)
        if name != chosen:
            continue
        module = importlib.import_module(module_name)
        module.add_arguments(sp)
        sp.set_defaults(_module=module)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; return the process exit code (0 done, 1 blocking check failed, 2 bad input,
    3 the warehouse is in use: try again)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = _parser(_chosen_command(argv))
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help
        return int(exc.code or 0)
    progress.set_quiet(bool(getattr(args, "quiet", False)))
    try:
        return int(args._module.run(args) or 0)
    except InputError as exc:
        print(f"mtm {args.command}: {exc}", file=sys.stderr)
        return 2
    except QualityGateFailed as exc:
        print(f"mtm {args.command}: blocking quality check failed: {exc}", file=sys.stderr)
        return 1
    except WarehouseBusy as exc:
        print(f"mtm {args.command}: {exc}", file=sys.stderr)
        return 3


def run() -> None:
    """The ``mtm`` program: ``main()``, then exit with its code. A command that loaded Great
    Expectations (the quality gate: about 2,300 modules) would spend about a second more in
    Python's teardown of them after its work is done; such a process ends at once instead
    (``os._exit``) once its output is flushed. Every file and connection it opened is closed by
    then (the steps close their own); on an error exit the usual teardown runs."""
    code = main()
    if code in (0, 1) and "great_expectations" in sys.modules:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)


if __name__ == "__main__":
    run()
