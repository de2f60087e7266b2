"""``python -m mtm.cli``."""

from mtm.cli.app import run

run()
