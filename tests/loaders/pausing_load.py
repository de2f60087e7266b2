"""Run ``mtm load`` with a pause inside its transaction, so a test can kill it mid-load.

Usage: ``python pausing_load.py MARKER mtm-arguments...``. After the first sheet is inserted
(inside the load's open transaction) this creates MARKER and sleeps; the test then kills the
process. The pause is patched in here: production code has no test hook.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from mtm.cli import app
from mtm.loaders import land


def main() -> int:
    marker = Path(sys.argv[1])
    after_insert = land._translate_labels

    def pause_once(*args, **kwargs):  # called right after each sheet's rows are inserted
        result = after_insert(*args, **kwargs)
        if not marker.exists():
            marker.write_text("inside the load's transaction")
            time.sleep(60)
        return result

    land._translate_labels = pause_once
    return app.main(sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
