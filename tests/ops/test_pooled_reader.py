"""Pooled readers across publishes: the default SQLAlchemy pool freezes on the first file it opened;
the recommended engine (docs/examples/pooled_reader.py, documented in docs/bi.md) follows every
publish with 0 errors."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import sqlalchemy as sa

from mtm.core import warehouse
from mtm.publish import publish
from tests.ops.marts_fixture import make_marts

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "pooled_reader.py"
LOOP = Path(__file__).with_name("pooled_reader_loop.py")
TOTAL = 7500  # national persons of make_marts(scale=1); scale multiplies it
PUBLISHES = 5


def example():
    spec = importlib.util.spec_from_file_location("pooled_reader", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def publication_id(path: Path) -> str:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute("select publication_id from marts.publication").fetchone()[0]
    finally:
        con.close()


def test_default_pool_keeps_the_first_file_and_recommended_engine_follows(tmp_path: Path) -> None:
    paths = warehouse.resolve(tmp_path / "mtm.duckdb")
    make_marts(paths.working, scale=1)
    publish.publish(paths)
    default = sa.create_engine(f"duckdb:///{paths.published}", connect_args={"read_only": True})
    recommended = example().make_engine(str(paths.published))
    sql = "select sum(persons) from marts.national_population"
    try:
        held = default.connect()  # a dashboard's open connection (any one keeps the instance alive)
        assert held.execute(sa.text(sql)).scalar() == TOTAL
        assert example().query(recommended, sql)[0][0] == TOTAL
        make_marts(paths.working, scale=2)
        publish.publish(paths)
        with default.connect() as con:
            assert con.execute(sa.text(sql)).scalar() == TOTAL  # stale: the problem docs/bi.md explains
        assert example().query(recommended, sql)[0][0] == 2 * TOTAL
        held.close()
    finally:
        default.dispose()
        recommended.dispose()


def test_pooled_reader_across_five_publishes_sees_every_publication_without_error(tmp_path: Path) -> None:
    paths = warehouse.resolve(tmp_path / "mtm.duckdb")
    make_marts(paths.working, scale=1)
    publish.publish(paths)
    out, stop = tmp_path / "reader.log", tmp_path / "reader.stop"
    proc = subprocess.Popen([sys.executable, str(LOOP), str(paths.published), str(out), str(stop)])
    expected = {publication_id(paths.published): TOTAL}
    try:
        deadline = time.monotonic() + 30
        while (out.read_text() if out.exists() else "").count("\n") < 5:
            assert time.monotonic() < deadline, "reader did not start"
            time.sleep(0.05)
        for i in range(PUBLISHES):
            scale = 2 + i
            make_marts(paths.working, scale=scale)
            publication = publish.publish(paths)
            expected[publication.publication_id] = scale * TOTAL
            seen_before = out.read_text().count("\n")
            deadline = time.monotonic() + 10
            while publication.publication_id not in out.read_text():
                assert time.monotonic() < deadline, f"publish {i + 1} not seen: {out.read_text()[-300:]}"
                time.sleep(0.01)
            # the very next polls after the publish already see it (no stale connection)
            assert out.read_text().count("\n") - seen_before < 200
    finally:
        stop.touch()
        proc.wait(timeout=30)
    lines = [x for x in out.read_text().splitlines() if x != "started"]
    errors = [x for x in lines if not x.startswith("ok ")]
    assert errors == [], errors[:5]
    seen = [x.split() for x in lines]
    assert {pid for _, pid, _ in seen} == set(expected)  # all six publications, nothing else
    assert all(int(total) == expected[pid] for _, pid, total in seen)  # never a mixed state
    order = list(dict.fromkeys(pid for _, pid, _ in seen))
    assert order == list(expected)  # never back to an older publication
