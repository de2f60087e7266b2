"""loaders.sources: every cell becomes text, the same way in every path; the file hash."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from mtm.loaders.sources import column_text, encode_block, hash_in_background


def _texts(block: list[list], keep: list[int]) -> list[tuple]:
    arrays, exprs = encode_block(block, len(block[0]), keep)
    con = duckdb.connect()
    con.register("t", pa.table(arrays))
    return con.sql(f"SELECT {', '.join(exprs)} FROM t").fetchall()


def test_numbers_text_and_empty_cells() -> None:
    assert column_text([12.0, 0.1, 7.5, "", " 12 ", -99.0, 1e20, 123456789012.0]).to_pylist() == [
        "12", "0.1", "7.5", None, " 12 ", "-99", "1e+20", "123456789012"]
    assert column_text(["", "a", " "]).to_pylist() == [None, "a", " "]


def test_other_cell_kinds_are_text_too() -> None:
    got = column_text([True, False, dt.datetime(2024, 3, 14, 9, 21, 7), dt.date(2024, 3, 1),
                       dt.time(9, 30), 3, ""]).to_pylist()
    assert got == ["true", "false", "2024-03-14T09:21:07", "2024-03-01", "09:30:00", "3", None]


def test_block_encoding_matches_column_encoding() -> None:
    block = [[1.0, "a", "", True, " 12 ", "personal"],
             [0.1, "", "", 2.0, 3.0, "personal"],
             [1e20, "b", "", dt.date(2024, 1, 2), "", "personal"]]
    rows = _texts(block, [0, 1, 2, 3, 4])
    assert rows == [("1", "a", None, "true", " 12 "), ("0.1", None, None, "2", "3"),
                    ("1e+20", "b", None, "2024-01-02", None)]
    for i in range(5):
        assert [r[i] for r in rows] == column_text([row[i] for row in block]).to_pylist()


def test_hash_in_background_gives_the_hash_or_the_error(tmp_path: Path) -> None:
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_bytes(b"x;y\n1;2\n" * 50_000)
    b.write_bytes(b"z\n3\n")
    assert hash_in_background([a, b]).result() == hashlib.sha256(a.read_bytes() + b.read_bytes()).hexdigest()
    with pytest.raises(FileNotFoundError):
        hash_in_background([tmp_path / "gone.csv"]).result()
