"""``mtm sample``: write the synthetic B2 and B1 Kobo exports of a round.

Files written in ``--out`` (default ``sample/round-<N>`` beside the published warehouse):
``bma_r<N>_b2.xlsx`` and ``bma_r<N>_b1.xlsx`` (``--format xlsx``, the default), the folders
``bma_r<N>_b2/`` and ``bma_r<N>_b1/`` of ``;``-separated CSV sheets (``--format csv``), or
``bma_r<N>_b2.zip`` / ``bma_r<N>_b1.zip`` (``--format zip``). Any round of ``forms/bma/settings.csv``
(or ``$MTM_FORMS_DIR``); ``--communities N`` for a larger or smaller country.
"""

from __future__ import annotations

import argparse

from mtm.cli import options
from mtm.pipeline import steps
from mtm.sample.generator import DEFAULT_SEED


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``mtm sample``."""
    options.add_round(parser)
    options.add_out(parser, "the folder sample/round-<N>")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED,
                        help=f"random seed (default {DEFAULT_SEED}); one seed gives the same files")
    parser.add_argument("--format", dest="fmt", choices=sorted(steps.SUFFIX), default="xlsx",
                        help="xlsx workbooks (default), folders of CSV sheets, or zips of CSV sheets")
    parser.add_argument("--communities", type=int, default=None, metavar="N",
                        help="round 3 assesses N communities (default 999; other rounds about as many): "
                             "the round's answers repeated over more communities of the same rayons")
    parser.add_argument("--clean", action="store_true",
                        help="leave out the messes of real exports (same figures once cleaned)")
    layout = parser.add_argument_group("Kobo download options (default: XML values, groups in headers, '/', both)")
    layout.add_argument("--labels", metavar="LANG", default=None,
                        help="write labels instead of XML values, in a form language: en, ru or ky")
    layout.add_argument("--groups", choices=["on", "off"], default="on", help="include groups in headers")
    layout.add_argument("--separator", default="/", help="group separator (default '/')")
    layout.add_argument("--multiple", choices=["single", "separate", "both"], default="both",
                        help="select_multiple as a single column, separate 0/1 columns, or both")
    options.add_warehouse(parser)


def run(args: argparse.Namespace) -> int:
    """Generate the round and write its B2 and B1 exports; 0 when done."""
    out = args.out or steps.sample_dir(options.paths(args), args.round_id)
    download = steps.SampleLayout(labels=args.labels, groups=args.groups == "on", separator=args.separator,
                                  multiple=args.multiple)
    steps.sample_round(args.round_id, out, seed=args.seed, fmt=args.fmt, clean=args.clean, layout=download,
                       communities=args.communities)
    return 0
