"""Languages of the reports: message catalogues (gettext, compiled in memory) and locale formats.

- Report text lives in the templates (``mtm/reports/templates``) and in this package's Python
  marked with ``N_``; its translations are the Babel/gettext catalogues
  ``mtm/reports/locale/<lang>/LC_MESSAGES/messages.po`` (English is the source language).
  The ``.po`` files are the only committed form: ``translations(lang)`` compiles one in memory
  (Babel's ``read_po`` + ``write_mo``), so a fresh clone needs no build step.
- ``python -m mtm.reports.i18n`` re-extracts the messages and updates the catalogues (new
  strings arrive untranslated; ``tests/reports/test_catalogues.py`` fails until they are filled).
- Numbers, percentages and dates are formatted per locale with Babel (``Formats``).
- The default language is ``DEFAULT_LANG`` unless ``$MTM_REPORT_LANG`` names another one.
"""

from __future__ import annotations

import builtins
import gettext
import os
import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from io import BytesIO
from pathlib import Path
from typing import Literal

from babel import Locale
from babel.dates import format_date, get_month_names
from babel.lists import format_list
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

from mtm.core.errors import InputError

LANGS: tuple[str, ...] = ("en", "ru", "ky")
LANG_NAMES: dict[str, str] = {"en": "English", "ru": "Русский", "ky": "Кыргызча"}
DEFAULT_LANG = "en"
LANG_ENV = "MTM_REPORT_LANG"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
DOMAIN = "messages"
ENGLISH_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august",
                  "september", "october", "november", "december")


def N_(message: str) -> str:  # the gettext convention: mark now, translate where shown
    """Mark ``message`` for extraction; it is translated where it is shown."""
    return message


def default_lang() -> str:
    """The language of a report when none is given: ``$MTM_REPORT_LANG`` or ``DEFAULT_LANG``."""
    return os.environ.get(LANG_ENV) or DEFAULT_LANG


def check_lang(lang: str) -> str:
    """``lang`` when the reports speak it, else bad input."""
    if lang not in LANGS:
        raise InputError(f"unknown report language {lang!r}: choose one of {', '.join(LANGS)}")
    return lang


def catalogue_path(lang: str) -> Path:
    """The ``.po`` file of a language."""
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@lru_cache(maxsize=8)
def translations(lang: str) -> gettext.NullTranslations:
    """The compiled catalogue of ``lang`` (English: the messages themselves)."""
    check_lang(lang)
    if lang == "en":
        return gettext.NullTranslations()
    with catalogue_path(lang).open("rb") as fh:
        catalog = read_po(fh, locale=lang, domain=DOMAIN)
    buffer = BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


@dataclass(frozen=True)
class Period:
    """A round's collection period from the registry (``February-April 2024``, ``2023``)."""

    first_month: int | None
    last_month: int | None
    year: int

    @classmethod
    def parse(cls, text: str) -> Period:
        """Read the registry's English period text."""
        match = re.fullmatch(r"\s*(?:([A-Za-z]+)(?:\s*[-\u2013]\s*([A-Za-z]+))?\s+)?(\d{4})\s*", text or "")
        if not match:
            raise InputError(f"collection period {text!r} is not like 'February-April 2024' or '2023'",
                             file="forms/bma/settings.csv", column="collection_period")
        first, last, year = match.groups()

        def month(name: str | None) -> int | None:
            if name is None:
                return None
            if name.lower() not in ENGLISH_MONTHS:
                raise InputError(f"unknown month {name!r} in collection period {text!r}",
                                 file="forms/bma/settings.csv", column="collection_period")
            return ENGLISH_MONTHS.index(name.lower()) + 1

        first_month = month(first)
        return cls(first_month, month(last) or first_month, int(year))


@dataclass(frozen=True)
class Formats:
    """Numbers, shares, scores, months and lists as a reader of ``lang`` writes them."""

    lang: str

    @property
    def locale(self) -> Locale:
        return Locale.parse(self.lang)

    def int(self, value: float | None) -> str:
        """34,966 / 34 966"""
        return format_decimal(round(value or 0), format="#,##0", locale=self.lang)

    def pct(self, value: float | None) -> str:
        """A 0-100 share in whole per cent; a positive share under 0.5 reads ``<1%``."""
        value = value or 0.0
        if 0 < value < 0.5:
            return "<" + self._percent(1)
        return self._percent(round(value))

    def _percent(self, whole: builtins.int) -> str:
        sign = "\u00a0%" if self.lang == "ru" else "%"
        return format_decimal(whole, format="#,##0", locale=self.lang) + sign

    def signed_pct(self, value: float) -> str:
        """+70% / -13% (year-on-year change)."""
        text = self._percent(abs(round(value)))
        return ("+" if value >= 0 else "\u2212") + text

    def score(self, value: float | None) -> str:
        """A 0-5 mean score with one decimal: 4.2 / 4,2"""
        return format_decimal(round(value or 0.0, 1), format="0.0", locale=self.lang)

    def month(self, month: builtins.int, *, context: Literal["format", "stand-alone"] = "stand-alone") -> str:
        """The month's name (``April`` / ``апрель``)."""
        name = get_month_names("wide", context=context, locale=self.lang)[month]
        return name if self.lang == "en" else name.lower()  # lower case mid-sentence in ru and ky

    def period(self, period: Period) -> str:
        """``February–April 2024`` in the reader's language."""
        if period.first_month is None:
            return str(period.year)
        first = self.month(period.first_month)
        if period.last_month and period.last_month != period.first_month:
            first = f"{first}\u2013{self.month(period.last_month)}"
        return f"{first} {period.year}"

    def month_year(self, period: Period) -> str:
        """``April 2024`` (the end of collection: the report's date)."""
        if period.last_month is None:
            return str(period.year)
        return f"{self.month(period.last_month)} {period.year}"

    def date(self, value: date) -> str:
        """A date in the locale's medium format."""
        return format_date(value, format="medium", locale=self.lang)

    def join(self, items: list[str]) -> str:
        """``a, b and c`` / ``a, b и c``."""
        return format_list(list(items), locale=self.lang) if items else ""


def extract() -> list[str]:
    """Every message id of the templates and this package's Python, in first-seen order."""
    from babel.messages.extract import extract_from_dir

    method_map = [("templates/**.j2", "jinja2"), ("**.py", "python")]
    options = {"templates/**.j2": {"extensions": "jinja2.ext.i18n", "trimmed": "true"}}
    seen: list[str] = []
    for _file, _line, message, _comments, _context in extract_from_dir(
            str(TEMPLATES_DIR.parent), method_map, options, keywords={"_": None, "gettext": None,
                                                                      "ngettext": (1, 2), "N_": None}):
        ids = message if isinstance(message, tuple) else (message,)
        key = ids[0]
        if key and key not in seen:
            seen.append(key)
    return seen


def update_catalogues() -> None:
    """Bring every ``.po`` in line with the extracted messages (kept translations stay)."""
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract_from_dir
    from babel.messages.pofile import write_po

    template = Catalog(domain=DOMAIN)
    method_map = [("templates/**.j2", "jinja2"), ("**.py", "python")]
    options = {"templates/**.j2": {"extensions": "jinja2.ext.i18n", "trimmed": "true"}}
    for file, line, message, comments, context in extract_from_dir(
            str(TEMPLATES_DIR.parent), method_map, options,
            keywords={"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}):
        template.add(message, None, [(file, line)], auto_comments=comments, context=context)
    for lang in LANGS[1:]:
        path = catalogue_path(lang)
        if path.exists():
            with path.open("rb") as fh:
                catalog = read_po(fh, locale=lang, domain=DOMAIN)
        else:
            catalog = Catalog(locale=lang, domain=DOMAIN)
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        catalog.project, catalog.version, catalog.fuzzy = "mtm-warehouse reports", "1", False
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as fh:
            write_po(fh, catalog, width=0, omit_header=False, sort_output=False, include_lineno=False)


if __name__ == "__main__":
    update_catalogues()
