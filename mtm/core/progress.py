"""Progress messages on stderr, silenced by --quiet."""

from __future__ import annotations

import sys
import time

_quiet = False
_started = time.monotonic()


def set_quiet(quiet: bool) -> None:
    """Silence (or re-enable) progress output for the rest of the process."""
    global _quiet
    _quiet = quiet


def step(message: str) -> None:
    """Print one progress line with the elapsed time, unless quiet."""
    if not _quiet:
        print(f"[{time.monotonic() - _started:6.1f}s] {message}", file=sys.stderr, flush=True)
