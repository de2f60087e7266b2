"""A BI-like reader for the publishing tests: polls the published marts read-only until told to stop.

Usage: python reader.py DB OUT STOP. Each poll opens a fresh read-only connection (as a dashboard
refresh does), reads the national total and the number of mart tables, closes, and appends
``ok <total> <tables>`` or ``err <message>`` to OUT. It stops when the file STOP exists.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import duckdb


def poll(db: str) -> str:
    """One dashboard refresh."""
    con = duckdb.connect(db, read_only=True)
    try:
        (total,) = con.execute("select sum(persons) from marts.national_population").fetchone()
        (tables,) = con.execute("select count(*) from information_schema.tables"
                                " where table_schema = 'marts'").fetchone()
        return f"ok {int(total)} {int(tables)}"
    finally:
        con.close()


def main(db: str, out: str, stop: str) -> None:
    """Poll until STOP appears; write one line per poll."""
    with open(out, "w", encoding="utf-8") as handle:
        handle.write("started\n")
        handle.flush()
        while not Path(stop).exists():
            try:
                line = poll(db)
            except Exception as exc:  # noqa: BLE001 - every failure is what the test looks for
                line = "err " + " ".join(str(exc).split())
            handle.write(line + "\n")
            handle.flush()
            time.sleep(0.005)


if __name__ == "__main__":
    main(*sys.argv[1:4])
