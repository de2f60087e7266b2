"""The ``mtm`` command line (entry point ``mtm.cli:run``; ``main`` returns the exit code)."""

from mtm.cli.app import main, run

__all__ = ["main", "run"]
