"""A dashboard process for tests/ops/test_pooled_reader.py: polls the published file through the
recommended pooled SQLAlchemy engine (docs/examples/pooled_reader.py) until told to stop.

Usage: python pooled_reader_loop.py DB OUT STOP. Appends ``ok <publication_id> <national total>`` or
``err <message>`` per poll to OUT.
"""

from __future__ import annotations

import importlib.util
import sys
import time
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "pooled_reader.py"
spec = importlib.util.spec_from_file_location("pooled_reader", EXAMPLE)
pooled_reader = importlib.util.module_from_spec(spec)
spec.loader.exec_module(pooled_reader)


def main(db: str, out: str, stop: str) -> None:
    engine = pooled_reader.make_engine(db)
    with open(out, "w", encoding="utf-8") as handle:
        handle.write("started\n")
        handle.flush()
        while not Path(stop).exists():
            try:
                rows = pooled_reader.query(
                    engine, "select (select publication_id from marts.publication),"
                    " (select sum(persons) from marts.national_population)")
                line = f"ok {rows[0][0]} {int(rows[0][1])}"
            except Exception as exc:  # noqa: BLE001 - every failure is what the test looks for
                line = "err " + " ".join(str(exc).split())
            handle.write(line + "\n")
            handle.flush()
            time.sleep(0.005)
    engine.dispose()


if __name__ == "__main__":
    main(*sys.argv[1:4])
