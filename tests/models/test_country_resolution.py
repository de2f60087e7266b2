"""The SQL country resolution gives what the Python reference (pycountry) gives, text by text.

int_geo__other_country_resolutions is SQL so that the project also runs on Spark; its seeds and
the reference `resolve` come from tools/country_seeds.py. This test builds the model with dbt on
DuckDB over a thousand texts (the sample's, every country's names in several languages and cases,
subdivision names, codes, abbreviations, misspellings, punctuation) and compares every row.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

import duckdb
import pycountry
import pytest

from tests.models.dbt_run import PROJECT_DIR, copy_project, dbt

sys.path.insert(0, str(PROJECT_DIR / "tools"))
import country_seeds

from mtm.sample.messes import OTHER_COUNTRY_TEXT, UNRESOLVABLE_COUNTRY_TEXT

SHEETS = ("stg_kobo__b2_imw_nat", "stg_kobo__b2_ret_cty", "stg_kobo__b2_emi_cty")


def texts() -> list[str]:
    """A thousand free texts that exercise every step of the resolution."""
    rng = random.Random(16)
    found = {text.strip() for names in OTHER_COUNTRY_TEXT.values() for text in names}
    found |= {UNRESOLVABLE_COUNTRY_TEXT, "Narnia", "S. Korea", "Россия", "Korea", "UK", "USA", "Bishkek",
              "Moscow", "N. Macedonia", "Кыргызстан", "Türkei", "Côte d'Ivoire", "cote divoire",
              "대한민국", "中国", "Straße", "-", "?", "Kazakstan", "Uzbekstan", "Rusia", "Germny", "643",
              "Congo", "Guinea", "Virgin Islands", "Saint", "Islands", "Republic", "UAE", "DRC", "Holland",
              "Almaty", "Osh", "Tashkent", "Kirgizia", "Kyrgyz Republic", "United Kingdom of GB"}
    translations = country_seeds._translations()
    countries = list(pycountry.countries)
    for country in countries:
        found.add(country.name)
        found.add(rng.choice((str.upper, str.lower, str.title))(country.name))
        for field in ("official_name", "common_name"):
            if getattr(country, field, None):
                found.add(getattr(country, field))
    for country in rng.sample(countries, 120):
        found.add(rng.choice(translations).gettext(country.name))
        found.add(country.name[: max(3, len(country.name) // 2)])
    for sub in rng.sample(list(pycountry.subdivisions), 150):
        found.add(sub.name)
    return sorted(text for text in found if text.strip())


@pytest.fixture(scope="module")
def resolved(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[str, str, str]]:
    project = copy_project(tmp_path_factory.mktemp("resolution"))
    database = project / "resolution.duckdb"
    seeds = ["iso_countries", "country_name_keys", "country_name_tokens", "country_search_terms"]
    result = dbt(project, database, "seed", "--select", *seeds)
    assert result.returncode == 0, result.stdout
    all_texts = texts()
    with duckdb.connect(str(database)) as con:
        con.execute("create schema staging")
        for index, sheet in enumerate(SHEETS):
            con.execute(f"create table staging.{sheet} (country_other varchar)")
            con.executemany(f"insert into staging.{sheet} values (?)",
                            [(t,) for t in all_texts[index::len(SHEETS)]])
    result = dbt(project, database, "run", "--select", "int_geo__other_country_resolutions")
    assert result.returncode == 0, result.stdout
    with duckdb.connect(str(database), read_only=True) as con:
        rows = con.execute("select country_other, country_code, country_name, resolution_method"
                           " from intermediate.int_geo__other_country_resolutions").fetchall()
    return {text: (code, name, method) for text, code, name, method in rows}


def test_sql_resolution_equals_the_python_reference(resolved: dict[str, tuple[str, str, str]]) -> None:
    expected = {}
    for text in texts():
        code, method = country_seeds.resolve(text)
        expected[text] = (code, country_seeds.country_name(code), method)
    assert len(expected) > 900
    differences = {t: (resolved.get(t), expected[t]) for t in expected if resolved.get(t) != expected[t]}
    assert differences == {}
    methods = {method for _, _, method in expected.values()}
    assert methods == {"exact", "ambiguous", "fuzzy", "token", "unresolved"}


def test_seeds_are_what_the_generator_writes(tmp_path: Path) -> None:
    """The committed seeds match pycountry as installed (regenerate with tools/country_seeds.py)."""
    header = ("name_key", "country_code")
    keys = sorted((country_seeds.composed(n), c) for n, cs in country_seeds.name_index().items() for c in cs)
    country_seeds.write_csv(tmp_path / "keys.csv", header, keys)
    assert (tmp_path / "keys.csv").read_bytes() == (PROJECT_DIR / "seeds" / "country_name_keys.csv").read_bytes()
