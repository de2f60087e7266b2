"""The ``mtm`` command line (entry point ``mtm.cli:main``)."""

from mtm.cli.app import main

__all__ = ["main"]
