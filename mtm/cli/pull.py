"""``mtm pull --server URL --asset UID --round N``: fetch new submissions from KoboToolbox's API and land them.

The token comes from ``$KOBO_TOKEN`` (never printed). Pages are kept, without personal data, in
``<warehouse folder>/kobo/<asset>/round-<n>/``; each pull lands that folder as one load.
"""

from __future__ import annotations

import argparse

from mtm.cli import options


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``mtm pull``."""
    parser.add_argument("--server", required=True, metavar="URL",
                        help="the KoboToolbox server, e.g. https://kf.kobotoolbox.org or https://eu.kobotoolbox.org")
    parser.add_argument("--asset", required=True, metavar="UID", help="the form's asset uid (from its URL)")
    options.add_round(parser)
    parser.add_argument("--form", choices=["b1", "b2"], default=None,
                        help="the form; recognised from the submissions when absent")
    options.add_warehouse(parser)


def run(args: argparse.Namespace) -> int:
    """Pull, save the new pages, land the asset's pages as one load."""
    from mtm.loaders.kobo_pull import pull
    from mtm.loaders.raw import DUPLICATE

    paths = options.paths(args)
    result = pull(args.server, args.asset, args.round_id, paths.working, paths.published.parent,
                  form=args.form)
    a = result.load.attempt
    if a.status == DUPLICATE:
        print(f"{args.asset}: no new submissions; nothing changed")
    else:
        rows = ", ".join(f"{s} {n:,}" for s, n in a.rows_per_sheet.items())
        print(f"{args.asset}: {result.new_submissions:,} new submissions; loaded round {a.round_id} {a.form} "
              f"as load {a.load_id} (rows: {rows})")
    return 0
