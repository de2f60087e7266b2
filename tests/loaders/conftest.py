"""Fixtures of the loader tests (helpers live in loader_fixtures.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from loader_fixtures import export


@pytest.fixture(scope="session")
def exports(tmp_path_factory) -> dict[str, Path]:
    """Tiny B1/B2 exports of rounds 2 and 3 in each format, written once."""
    d = tmp_path_factory.mktemp("exports")
    out = {}
    for fmt in ("xlsx", "csv", "zip"):
        out[f"b2_r3_{fmt}"] = export(d, "b2", 3, fmt)
    out["b2_r2_xlsx"] = export(d, "b2", 2, "xlsx")
    out["b1_r3_xlsx"] = export(d, "b1", 3, "xlsx")
    out["b1_r3_csv"] = export(d, "b1", 3, "csv")
    return out
