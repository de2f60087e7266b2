"""Generate the country-name seeds and the text-folding macro from pycountry.

Run with the project's environment after a pycountry upgrade (pycountry is a project dependency):

    .venv/bin/python tools/country_seeds.py

The free-text `other` countries of the B2 form are resolved in SQL (models/intermediate/geo/
int_geo__other_country_resolutions.sql), so the same dbt project runs on DuckDB and on Spark. This
script writes what that SQL matches against, all derived from pycountry's ISO 3166 data and the
iso-codes translations it ships:

- seeds/iso_countries.csv: alpha-3, alpha-2 and English display name of every country;
- seeds/country_name_keys.csv: every name of every country in every language (plus alpha-2 and
  alpha-3), folded by `normalise` below, with the alpha-3 code it names;
- seeds/country_name_tokens.csv: every word of four letters or more of those names, with the
  alpha-3 codes whose names contain it;
- seeds/country_search_terms.csv: what pycountry's `countries.search_fuzzy` compares a text with
  (the `lookup` values, the name fields with their initials, the subdivision values and names);
- macros/portable/fold_text.sql: character maps that fold a text in SQL the way `normalise` and
  pycountry's `remove_accents` do (case, accents, compatibility forms).

`resolve` is the reference the SQL model reproduces (tests/models/test_country_resolution.py runs
both on the same texts). Order of attempts: exact name in any language -> pycountry's fuzzy search
-> a word that names one country only, in some language; otherwise `UNK` (`unresolved`, or
`ambiguous` for one word naming several countries, such as `Korea`).
"""

from __future__ import annotations

import csv
import gettext
import os
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

import pycountry

ROOT = Path(__file__).resolve().parents[1]
UNKNOWN = "UNK"
# Single-letter compass abbreviations written before a name ("S. Korea", "N. Macedonia").
COMPASS = {"s": "south", "n": "north", "e": "east", "w": "west"}
NAME_FIELDS = ("name", "official_name", "common_name")
FUZZY_FIELDS = ("name", "official_name", "comment")
MIN_TOKEN_LENGTH = 4
# Characters whose folding yields several characters are replaced one by one in SQL; only these
# blocks get that treatment (Latin, Greek, Cyrillic, Latin Extended Additional, Latin ligatures).
MULTI_CHAR_BLOCKS = ((0x00A0, 0x0530), (0x1E00, 0x1F00), (0xFB00, 0xFB07))


def strip_marks(text: str) -> str:
    """NFKD without the combining marks (pycountry's remove_accents, also for ASCII)."""
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))


def normalise(text: str) -> str:
    """Case-folded, accents removed, punctuation as spaces, compass abbreviations expanded."""
    words = re.sub(r"[^\w]+", " ", strip_marks(text.casefold())).split()
    if len(words) > 1:
        words = [COMPASS.get(word, word) for word in words]
    return " ".join(words)


def composed(text: str) -> str:
    """NFC form: what the SQL side produces (it folds character by character, never decomposes)."""
    return unicodedata.normalize("NFC", text)


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


def _fuzzy(text: str) -> str:
    """A value as search_fuzzy compares it (lower case, accents removed), composed."""
    return composed(strip_marks(text.lower()))


def search_terms() -> list[tuple[str, str, str, str, str]]:
    """(term_kind, alpha_2, subject, term, initials) rows for search_fuzzy's four priorities."""
    rows: set[tuple[str, str, str, str, str]] = set()
    for country in pycountry.countries:
        for value in country._fields.values():
            if value:
                key = composed(value.lower())
                rows.add(("lookup", pycountry.countries.lookup(key).alpha_2, "", key, ""))
        for order, field in enumerate(FUZZY_FIELDS, start=1):
            value = country._fields.get(field)
            if value:
                initials = _fuzzy("".join(ch for ch in value if ch.isupper()))
                rows.add(("country_field", country.alpha_2, str(order), _fuzzy(value), initials))
    for sub in pycountry.subdivisions:
        for value in sub._fields.values():
            if value:
                for part in _fuzzy(value).split(";"):
                    rows.add(("subdivision_value", sub.country_code, sub.code, part, ""))
        rows.add(("subdivision_name", sub.country_code, sub.code, _fuzzy(sub.name), ""))
    return sorted(rows)


def _char_map(fold) -> tuple[dict[str, str], dict[str, str]]:
    """(single- or no-character map, multi-character map) of lower-case characters that fold differently."""
    single: dict[str, str] = {}
    multi: dict[str, str] = {}
    for point in range(0xA0, 0x10000):
        if 0xD800 <= point < 0xE000:
            continue
        char = chr(point)
        if char != char.lower() or unicodedata.category(char) in ("Cn", "Co", "Cs"):
            continue
        target = composed(fold(char))
        if target == char:
            continue
        if len(target) <= 1:
            single[char] = target
        elif any(low <= point < high for low, high in MULTI_CHAR_BLOCKS):
            multi[char] = target
    return single, multi


def _sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def fold_macro() -> str:
    """macros/portable/fold_text.sql: the character maps as two dispatched-free macros."""
    parts = ["{#- Generated by tools/country_seeds.py from Python's unicodedata: do not edit. -#}\n"]
    folds = (("fold_name_key", lambda c: strip_marks(c.casefold()),
              "case-folded, accents and compatibility forms removed (as `normalise`)"),
             ("fold_search", lambda c: strip_marks(c.lower()),
              "lower case, accents removed (as pycountry's `remove_accents`)"))
    for name, fold, what in folds:
        single, multi = _char_map(fold)
        expression = "lower({{ expression }})"
        for char, target in sorted(multi.items()):
            expression = f"replace({expression}, {_sql_literal(char)}, {_sql_literal(target)})"
        # translate() deletes the characters of its second argument that have no counterpart in the
        # third: the marks that fold to nothing go last
        ordered = sorted(single.items(), key=lambda item: len(item[1]) == 0)
        keys = "".join(char for char, _ in ordered)
        values = "".join(target for _, target in ordered)
        parts.append(
            f"\n{{#- A text {what}; character by character. -#}}\n"
            f"{{% macro {name}(expression) -%}}\n"
            f"    translate(\n        {expression},\n        {_sql_literal(keys)},\n"
            f"        {_sql_literal(values)}\n    )\n{{%- endmacro %}}\n"
        )
    return "".join(parts)


def write_csv(path: Path, header: tuple[str, ...], rows) -> None:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def main() -> None:
    seeds = ROOT / "seeds"
    write_csv(seeds / "iso_countries.csv", ("country_code", "alpha_2", "country_name"),
              sorted((c.alpha_3, c.alpha_2, country_name(c.alpha_3)) for c in pycountry.countries))
    keys = sorted((composed(name), code) for name, codes in name_index().items() for code in codes)
    write_csv(seeds / "country_name_keys.csv", ("name_key", "country_code"), keys)
    tokens = sorted((composed(word), code) for word, codes in token_index().items() for code in codes)
    write_csv(seeds / "country_name_tokens.csv", ("token", "country_code"), tokens)
    write_csv(seeds / "country_search_terms.csv", ("term_kind", "alpha_2", "subject", "term", "initials"),
              search_terms())
    (ROOT / "macros" / "portable" / "fold_text.sql").write_text(fold_macro(), encoding="utf-8")


if __name__ == "__main__":
    main()
