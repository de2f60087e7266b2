"""`mtm sample` writes any of Kobo's download layouts, and each lands the same answers."""

from __future__ import annotations

import math
from pathlib import Path

import duckdb
import pytest

from mtm.cli.app import main
from mtm.core import forms


def _answers(working: Path, form: str) -> dict[str, list[tuple]]:
    """Every landed answer of the current load, as comparable values (codes trimmed and
    case-folded: a label export carries the clean choice name where the XML one kept a stray space)."""
    def value(v: object) -> object:
        if v is None:
            return None
        text = str(v).strip()
        try:
            f = float(text)
            return f if math.isfinite(f) else text.casefold()
        except ValueError:
            return text.casefold()

    out = {}
    con = duckdb.connect(str(working), read_only=True)
    try:
        for key in [forms.MAIN, *forms.repeat_names(form)]:
            rel = con.sql(f"SELECT * FROM raw.{form}_{key}")
            keep = [i for i, c in enumerate(rel.columns) if not c.startswith(("_load_id", "_file", "_sheet"))
                    and "__flows" not in c and c not in ("start", "end")]
            out[key] = sorted(tuple(value(r[i]) for i in keep) for r in rel.fetchall())
    finally:
        con.close()
    return out


def _sample_and_load(tmp: Path, *options: str) -> Path:
    out = tmp / "exports"
    assert main(["--quiet", "sample", "--round", "3", "--out", str(out), *options]) == 0
    wh = tmp / "w.duckdb"
    for form in ("b2", "b1"):
        assert main(["--quiet", "load", str(out / f"bma_r3_{form}.xlsx"), "--round", "3",
                     "--warehouse", str(wh)]) == 0
    return wh.with_name("w.work.duckdb")


@pytest.fixture(scope="module")
def default_answers(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    working = _sample_and_load(tmp_path_factory.mktemp("default"))
    return {form: _answers(working, form) for form in ("b2", "b1")}


@pytest.mark.parametrize("options", [
    ("--labels", "ru", "--groups", "off", "--multiple", "separate"),
    ("--labels", "ky", "--separator", " > ", "--multiple", "single"),
])
def test_every_layout_of_the_sample_lands_the_same_answers(options: tuple[str, ...], tmp_path: Path,
                                                          default_answers: dict) -> None:
    working = _sample_and_load(tmp_path, *options)
    for form in ("b2", "b1"):
        assert _answers(working, form) == default_answers[form], (options, form)


def test_an_unknown_label_language_is_refused(tmp_path: Path, capsys) -> None:
    assert main(["--quiet", "sample", "--round", "3", "--out", str(tmp_path), "--labels", "fr"]) == 2
    assert "English (en), Russian (ru), Kyrgyz (ky)" in capsys.readouterr().err
