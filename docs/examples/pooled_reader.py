"""A pooled SQLAlchemy reader of the published warehouse that follows every publish (docs/bi.md).

Copy this file into a dashboard or notebook project (needs ``sqlalchemy`` and ``duckdb-engine``).
``tests/ops/test_pooled_reader.py`` runs it across five publishes and expects no error.

Why not ``create_engine("duckdb:///warehouse/mtm.duckdb")``: DuckDB keeps **one database instance per
file per process**; every new connection to the same path joins the instance that is already open,
so as long as any pooled connection is open the process keeps reading the file it first opened,
however often ``mtm build`` publishes. Here each pooled connection is its own in-memory DuckDB that
``ATTACH``es the published file read-only, and a connection is replaced as soon as the file on disk
is not the one it attached (``mtm build`` replaces the file with a rename, so its inode changes).
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event, exc, pool

RETRIES = 3  # attempts per query
RETRY_PAUSE = 0.2  # seconds between attempts
POOL_RECYCLE = 300  # seconds: also bounds the age of a connection if the file check is removed


def file_identity(path: str) -> tuple[int, int, int]:
    """What changes when the published file is replaced: inode, modification time, size."""
    st = os.stat(path)
    return st.st_ino, st.st_mtime_ns, st.st_size


def make_engine(path: str, *, pool_size: int = 5) -> sa.Engine:
    """An engine whose pooled connections read ``path`` read-only and follow every publish."""
    path = os.path.abspath(path)
    engine = sa.create_engine(
        "duckdb:///:memory:",
        poolclass=pool.QueuePool,  # duckdb-engine's default for :memory: is one connection per thread
        pool_size=pool_size,
        pool_pre_ping=True,  # a connection that died is replaced before use
        pool_recycle=POOL_RECYCLE,
    )

    @event.listens_for(engine, "connect")
    def attach(dbapi_connection: Any, record: Any) -> None:
        identity = file_identity(path)  # before ATTACH: a publish in between only costs a reconnect
        quoted = path.replace("'", "''")
        dbapi_connection.execute(f"attach '{quoted}' as mtm (read_only)")
        dbapi_connection.execute("use mtm")
        record.info["identity"] = identity

    @event.listens_for(engine, "checkout")
    def follow_publish(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        if record.info.get("identity") != file_identity(path):
            # SQLAlchemy discards this connection and checks out a fresh one (a new ATTACH)
            raise exc.DisconnectionError("the warehouse was published again")

    return engine


def query(engine: sa.Engine, sql: str, params: Mapping[str, Any] | None = None) -> Sequence[sa.Row]:
    """Run one query; retry (after a short pause) when DuckDB fails at the very moment of a publish."""
    for attempt in range(1, RETRIES + 1):
        try:
            with engine.connect() as con:
                return con.execute(sa.text(sql), dict(params or {})).fetchall()
        except exc.DBAPIError:
            if attempt == RETRIES:
                raise
            time.sleep(RETRY_PAUSE)
    raise AssertionError("unreachable")


if __name__ == "__main__":
    import sys

    warehouse = sys.argv[1] if len(sys.argv) > 1 else "warehouse/mtm.duckdb"
    reader = make_engine(warehouse)
    for published_at, rounds in query(reader, "select published_at, rounds from marts.publication"):
        print(f"data as of {published_at:%Y-%m-%d %H:%M} UTC, rounds {rounds}")
