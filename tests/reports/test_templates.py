"""The reports' HTML comes from autoescaping Jinja2 templates only; outputs follow one rule."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mtm.core.errors import InputError
from mtm.reports import html, i18n, paths

REPORTS_DIR = Path(html.__file__).resolve().parent


@pytest.mark.parametrize("lang", i18n.LANGS)
def test_values_are_escaped_in_every_language(lang: str) -> None:
    env = html.environment(lang)
    assert env.autoescape is True
    page = env.from_string('{% import "macros.html.j2" as m %}<p>{{ name }}</p>'
                           '{% call(x) m.listing(items) %}{{ x }}{% endcall %}').render(
        name='<script>alert("x")</script>', items=["a<b", "c&d"])
    assert "<script>" not in page and "&lt;script&gt;" in page and "a&lt;b" in page and "c&amp;d" in page


def test_no_html_is_assembled_in_python() -> None:
    """No f-string opening a tag and no replace() patching markup in mtm/reports."""
    for source in REPORTS_DIR.rglob("*.py"):
        text = source.read_text(encoding="utf-8")
        assert not re.search(r"""\bf(["'])\s*<[a-zA-Z/!]""", text), source
        assert not re.search(r"""\.replace\(\s*["']<""", text), source


def test_one_output_rule_and_languages() -> None:
    published = Path("/data/wh/mtm.duckdb")
    assert paths.report_path(published, "round", 3, "ru") == Path("/data/wh/reports/bma-round-3.ru.html")
    assert paths.report_path(published, "quality", 4, "ky") == Path("/data/wh/reports/quality-round-4.ky.html")
    with pytest.raises(InputError, match="unknown report language 'de'"):
        i18n.check_lang("de")


def test_default_language_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(i18n.LANG_ENV, raising=False)
    assert i18n.default_lang() == i18n.DEFAULT_LANG == "en"
    monkeypatch.setenv(i18n.LANG_ENV, "ky")
    assert i18n.default_lang() == "ky"


def test_collection_periods_of_the_registry_read_in_each_language() -> None:
    period = i18n.Period.parse("February-April 2024")
    assert (period.first_month, period.last_month, period.year) == (2, 4, 2024)
    assert i18n.Formats("en").period(period) == "February\u2013April 2024"
    assert i18n.Formats("ru").period(period) == "февраль\u2013апрель 2024"
    assert i18n.Formats("ru").month_year(period) == "апрель 2024"
    assert i18n.Formats("en").period(i18n.Period.parse("2023")) == "2023"
    with pytest.raises(InputError, match="collection period"):
        i18n.Period.parse("spring")
