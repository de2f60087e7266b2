"""Free-text `other` countries of the B2 form resolved to ISO 3166-1 alpha-3 with pycountry.

No hand-written list of spellings: names come from pycountry's ISO 3166-1 data and the iso-codes
translations it ships (every language), so `Россия`, `Türkiye`, `Turkiye` or `Russia` resolve.
Order of attempts: exact name in any language -> pycountry's fuzzy search -> a word that names one
country only, in some language. What stays unresolved is `UNK` (method `unresolved`, or `ambiguous` for one word naming several
countries, such as `Korea`).
"""

from __future__ import annotations

import gettext
import os
import re
import unicodedata
from functools import lru_cache

import pandas as pd
import pycountry

UNKNOWN = "UNK"
# Single-letter compass abbreviations written before a name ("S. Korea", "N. Macedonia").
COMPASS = {"s": "south", "n": "north", "e": "east", "w": "west"}
NAME_FIELDS = ("name", "official_name", "common_name")
MIN_TOKEN_LENGTH = 4


def normalise(text: str) -> str:
    """Case-folded, accents removed, punctuation as spaces, compass abbreviations expanded."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    words = re.sub(r"[^\w]+", " ", plain).split()
    if len(words) > 1:
        words = [COMPASS.get(word, word) for word in words]
    return " ".join(words)


def _translations() -> list[gettext.NullTranslations]:
    """Every ISO 3166-1 translation shipped with pycountry."""
    found: list[gettext.NullTranslations] = []
    for language in sorted(os.listdir(pycountry.LOCALES_DIR)):
        mo = os.path.join(pycountry.LOCALES_DIR, language, "LC_MESSAGES", "iso3166-1.mo")
        if os.path.exists(mo):
            with open(mo, "rb") as handle:
                found.append(gettext.GNUTranslations(handle))
    return found


@lru_cache(maxsize=1)
def name_index() -> dict[str, frozenset[str]]:
    """Normalised name (any language, plus alpha-2/alpha-3 codes) -> alpha-3 codes it names."""
    index: dict[str, set[str]] = {}
    translations = _translations()
    for country in pycountry.countries:
        names = {country.alpha_2, country.alpha_3}
        for field in NAME_FIELDS:
            value = getattr(country, field, None)
            if value:
                names.add(value)
                names.update(t.gettext(value) for t in translations)
        for name in names:
            index.setdefault(normalise(name), set()).add(country.alpha_3)
    return {name: frozenset(codes) for name, codes in index.items()}


@lru_cache(maxsize=1)
def token_index() -> dict[str, frozenset[str]]:
    """Word of a country name (any language) -> alpha-3 codes whose names contain it."""
    tokens: dict[str, set[str]] = {}
    for name, codes in name_index().items():
        for word in name.split():
            if len(word) >= MIN_TOKEN_LENGTH:
                tokens.setdefault(word, set()).update(codes)
    return {word: frozenset(codes) for word, codes in tokens.items()}


def resolve(text: str | None) -> tuple[str, str]:
    """(alpha-3 code, method) for a free-text country; (`UNK`, `unresolved`) when not found."""
    if text is None or not text.strip():
        return UNKNOWN, "unresolved"
    key = normalise(text)
    exact = name_index().get(key, frozenset())
    if len(exact) == 1:
        return next(iter(exact)), "exact"
    if len(token_index().get(key, frozenset())) > 1:
        return UNKNOWN, "ambiguous"
    try:
        matches = pycountry.countries.search_fuzzy(text.strip())
    except LookupError:
        matches = []
    if matches:
        return matches[0].alpha_3, "fuzzy"
    candidates: set[str] = set()
    for word in key.split():
        candidates.update(token_index().get(word, frozenset()))
    if len(candidates) == 1:
        return next(iter(candidates)), "token"
    return UNKNOWN, "unresolved"


def country_name(code: str) -> str:
    """English short name of an alpha-3 code (pycountry), `Unknown` for `UNK`."""
    country = pycountry.countries.get(alpha_3=code)
    if country is None:
        return "Unknown"
    return str(getattr(country, "common_name", None) or country.name)


def model(dbt, session) -> pd.DataFrame:
    """One row per distinct free-text country of the B2 repeat sheets."""
    dbt.config(materialized="table")
    texts: set[str] = set()
    sheets = (dbt.ref("stg_kobo__b2_imw_nat"), dbt.ref("stg_kobo__b2_ret_cty"), dbt.ref("stg_kobo__b2_emi_cty"))
    for sheet in sheets:
        frame = sheet.filter("country_other is not null").project("country_other").df()
        texts.update(frame["country_other"].tolist())
    rows = []
    for text in sorted(texts):
        code, method = resolve(text)
        rows.append((text, code, country_name(code), method))
    columns = ["country_other", "country_code", "country_name", "resolution_method"]
    return pd.DataFrame(rows, columns=columns).astype({column: "string" for column in columns})
