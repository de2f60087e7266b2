"""``mtm sample``: write the synthetic B2 and B1 Kobo exports of a round.

Files written in ``--out``: ``bma_r<N>_b2.xlsx`` and ``bma_r<N>_b1.xlsx`` (``--format xlsx``,
the default), the folders ``bma_r<N>_b2/`` and ``bma_r<N>_b1/`` of ``;``-separated CSV sheets
(``--format csv``), or ``bma_r<N>_b2.zip`` / ``bma_r<N>_b1.zip`` (``--format zip``).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from mtm.core import forms, progress
from mtm.core.errors import InputError
from mtm.sample.generator import DEFAULT_SEED, generate_round
from mtm.sample.kobo_export import write_export
from mtm.sample.kobo_layouts import ExportLayout, relayout

SUFFIX = {"xlsx": ".xlsx", "csv": "", "zip": ".zip"}


def export_path(out_dir: Path, round_id: int, form: str, fmt: str) -> Path:
    """Where ``mtm sample`` writes a form's export: ``<out>/bma_r<round>_<form>[.xlsx|.zip]``."""
    return Path(out_dir) / f"bma_r{round_id}_{form}{SUFFIX[fmt]}"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``mtm sample``."""
    parser.add_argument("--round", dest="round_id", type=int, required=True,
                        help="round to generate (a round of forms/bma/settings.csv, e.g. 1, 2 or 3)")
    parser.add_argument("--out", type=Path, required=True, help="folder to write the exports to")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED,
                        help=f"random seed (default {DEFAULT_SEED}); one seed gives the same files")
    parser.add_argument("--format", dest="fmt", choices=sorted(SUFFIX), default="xlsx",
                        help="xlsx workbooks (default), folders of CSV sheets, or zips of CSV sheets")
    parser.add_argument("--clean", action="store_true",
                        help="leave out the messes of real exports (same figures once cleaned)")
    layout = parser.add_argument_group("Kobo download options (default: XML values, groups in headers, '/', both)")
    layout.add_argument("--labels", metavar="LANG", default=None,
                        help="write labels instead of XML values, in a form language: en, ru or ky")
    layout.add_argument("--groups", choices=["on", "off"], default="on", help="include groups in headers")
    layout.add_argument("--separator", default="/", help="group separator (default '/')")
    layout.add_argument("--multiple", choices=["single", "separate", "both"], default="both",
                        help="select_multiple as a single column, separate 0/1 columns, or both")


def layout_of(args: argparse.Namespace, form: str) -> ExportLayout:
    """The export layout the options ask for; InputError for a language the form does not have."""
    language = None
    if args.labels:
        languages = forms.languages(form)
        matches = [lang for lang in languages if args.labels.lower() in (lang.lower(), lang.split("(")[-1].strip(") ").lower())]
        if not matches:
            raise InputError(f"--labels {args.labels}: the form's languages are {', '.join(languages)}")
        language = matches[0]
    return ExportLayout(language, args.groups == "on", args.separator, args.multiple)


def run(args: argparse.Namespace) -> int:
    """Generate the round and write its B2 and B1 exports; 0 when done."""
    if args.round_id < 1:
        raise InputError(f"--round must be a positive round number, got {args.round_id}")
    progress.step(f"generating round {args.round_id} (seed {args.seed}{', clean' if args.clean else ''})")
    exports = generate_round(args.round_id, seed=args.seed, clean=args.clean)
    for form, sheets in exports.items():
        layout = layout_of(args, form)
        if not layout.is_default_sample:
            sheets = relayout(form, sheets, layout)
        path = write_export(sheets, export_path(args.out, args.round_id, form, args.fmt), args.fmt)
        rows = sum(len(df) for df in sheets.values())
        progress.step(f"wrote {path} ({len(sheets)} sheets, {rows} rows)")
    return 0
