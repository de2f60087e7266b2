"""Both reports in English, Russian and Kyrgyz, read from the session's sample warehouse.

- the catalogues hold every message of the templates and the Python, translated;
- names come from the forms' own label columns (not from a second list);
- every number of the generated round-3 sentences (Russian and English) is a figure of the marts;
- no section for stakeholders shows a file path, a load id or a check id (only the folded
  technical and operator sections do);
- headless Chromium at desktop and phone widths: no horizontal scroll, no network request,
  ``lang`` set, one map shape per area with the mart's value. Screenshots land in ``docs/img``
  when ``MTM_SCREENSHOTS=1``.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
from html import unescape
from pathlib import Path

import duckdb
import pytest

from mtm import cli
from mtm.core import forms, warehouse
from mtm.reports import i18n, maps
from mtm.reports import quality as quality_report
from mtm.reports import round as round_report
from tests.browser import BrowserUnavailable, Chromium
from tests.conftest import copy_warehouse

ROOT = Path(__file__).resolve().parents[2]
LANGS = ("en", "ru", "ky")
PLACEHOLDER = re.compile(r"%\((\w+)\)s|%%")


@pytest.fixture(scope="module")
def reports(built_sample_warehouse: warehouse.WarehousePaths,
            tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Path]:
    """Round and quality reports of round 3 in the three languages; the quality report's
    warehouse has an operator slip (a README given to `mtm load`) in its log."""
    root = tmp_path_factory.mktemp("languages")
    copy = copy_warehouse(built_sample_warehouse, root / "wh")
    assert cli.main(["--quiet", "load", str(ROOT / "README.md"), "--round", "3",
                     "--warehouse", str(copy.published)]) == 2
    out = {}
    for lang in LANGS:
        out[("round", lang)] = round_report.render(built_sample_warehouse.published, 3,
                                                   root / f"bma-round-3.{lang}.html", lang)
        out[("quality", lang)] = quality_report.render(copy.working, 3, root / f"quality-round-3.{lang}.html", lang)
    out[("db", "published")] = built_sample_warehouse.published
    out[("db", "working")] = copy.working
    return out


def text_of(html: str) -> str:
    html = re.sub(r"<(style|svg)\b.*?</\1>", " ", html, flags=re.DOTALL)
    return re.sub(r"[ \t\r\n]+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()  # keeps U+00A0


# --- catalogues -------------------------------------------------------------------------------

def test_every_message_is_translated_in_every_catalogue() -> None:
    from babel.messages.pofile import read_po

    messages = i18n.extract()
    assert len(messages) > 150 and "Summary of key findings" in messages
    for lang in LANGS[1:]:
        with i18n.catalogue_path(lang).open("rb") as fh:
            catalog = read_po(fh, locale=lang)
        translated = {m.id: m.string for m in catalog if m.id and m.string and not m.fuzzy}
        missing = [m for m in messages if m not in translated]
        assert missing == [], f"{lang}: untranslated (run `python -m mtm.reports.i18n` and fill them): {missing}"
        for message in messages:
            assert sorted(PLACEHOLDER.findall(message)) == sorted(PLACEHOLDER.findall(translated[message])), \
                (lang, message)
        assert set(translated) <= set(messages), f"{lang}: obsolete messages {set(translated) - set(messages)}"


def test_a_missing_translation_is_caught(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The check above reads the catalogue: drop one translation and it fails."""
    text = i18n.catalogue_path("ru").read_text(encoding="utf-8")
    broken = tmp_path / "ru" / "LC_MESSAGES" / "messages.po"
    broken.parent.mkdir(parents=True)
    broken.write_text(text.replace('msgstr "Основные выводы"', 'msgstr ""'), encoding="utf-8")
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    with pytest.raises(AssertionError, match="Summary of key findings"):
        test_every_message_is_translated_in_every_catalogue()


# --- names from the forms ---------------------------------------------------------------------

def form_labels(list_name: str, lang: str) -> dict[str, str]:
    """Choice labels of forms/bma/b2_choices.csv read with plain csv (not the report's code)."""
    with (forms.FORMS_DIR / "b2_choices.csv").open(newline="", encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    column = next(k for k in rows[0] if k.startswith("label::") and k.endswith(f"({lang})"))
    return {r["name"]: r[column] for r in rows if r["list_name"] == list_name}


@pytest.mark.parametrize("lang", LANGS)
def test_names_are_the_forms_labels(reports: dict[tuple[str, str], Path], lang: str) -> None:
    text = text_of(reports[("round", lang)].read_text(encoding="utf-8"))
    for name in form_labels("oblast", lang).values():
        assert name in text, name
    countries = form_labels("country", lang)
    for code in ("rus", "kaz", "tur"):
        assert countries[code] in text, countries[code]
    for name in form_labels("ki_type", lang).values():
        assert name.split(" (")[0] in text, name
    if lang != "en":
        assert "Issyk-Kul" not in text and "Russian Federation" not in text


# --- numbers of the sentences ------------------------------------------------------------------

def numbers(text: str, lang: str) -> list[tuple[float, bool]]:
    """Every number in ``text`` as written in ``lang``: (value, written as "<1")."""
    group, decimal = (",", ".") if lang == "en" else ("\u00a0", ",")
    pattern = re.compile(rf"(<)?[+\u2212]?(\d+(?:{group}\d{{3}})*(?:{re.escape(decimal)}\d+)?)")
    return [(float(m.group(2).replace(group, "").replace(decimal, ".")), bool(m.group(1)))
            for m in pattern.finditer(text)]


def mart_figures(db: Path, round_id: int) -> dict[str, set[float]]:
    """Per sentence group, every figure a sentence may state, read from the marts with SQL."""
    con = duckdb.connect(str(db), read_only=True)

    def q(sql: str) -> list[tuple]:
        return con.execute(sql, [round_id]).fetchall()

    try:
        period_year = float(re.findall(r"\d{4}", forms.round_settings("b2", round_id).collection_period)[0])
        figures: dict[str, set[float]] = {}

        def add(key: str, *values: object) -> None:
            figures.setdefault(key, set()).update(float(v) for v in values)

        for group, persons, reporting, pct in q("select population_group, persons, communities_reporting, "
                                                "pct_communities_reporting from marts.national_population "
                                                "where round_id = ?"):
            add(group, persons, reporting, round(pct), period_year)
            add("all", persons)
        for group, persons, pct, _code in q("select population_group, persons, round(pct_of_group), country_code "
                                           "from marts.population_by_country where round_id = ? and rank <= 5"):
            add(group, persons, pct)
        for group, n in q("select population_group, count(*) from marts.population_by_country "
                          "where round_id = ? and country_code <> 'UNK' group by 1"):
            add(group, n)
        for group, persons, pct in q("select population_group, persons, round(pct_of_national) "
                                     "from marts.oblast_population where round_id = ?"):
            add(group, persons, pct)
        for group, year, change in q("select population_group, year, round(pct_change_from_previous_year) "
                                     "from marts.population_by_year where round_id = ?"):
            add(group, year, *([abs(change)] if change is not None else []))
            add("all", year)
        for group, score in q("select population_group, round(mean_score, 1) from marts.reason_scores "
                              "where round_id = ?"):
            add(group, score, 0, 5)  # and the form's 0-5 scale the sentence names
        for group, year, pct in q("select population_group, reference_year, round(pct_same_rayon) "
                                  "from marts.internal_migration where round_id = ?"):
            add(group, year, pct)
        for group, persons, pct in q("select population_group, persons, round(pct_of_national) "
                                     "from marts.rayon_population where round_id = ?"):
            add(group, persons, pct)
        (communities, rayons, inside, oblasts, cities) = q(
            "select count(*), count(distinct rayon_code), "
            "count(distinct case when oblast_code not in ('KG-GB', 'KG-GO') then rayon_code end), "
            "count(distinct case when oblast_code not in ('KG-GB', 'KG-GO') then oblast_code end), "
            "count(distinct case when oblast_code in ('KG-GB', 'KG-GO') then oblast_code end) "
            "from marts.communities where round_id = ?")[0]
        (informants,) = q("select sum(informants) from marts.key_informants where round_id = ?")[0]
        add("all", communities, rayons, inside, oblasts, cities, informants, period_year)
        add("key_informants", round_id)
        for (pct,) in q("select round(sum(pct)) from marts.key_informants where round_id = ? group by ki_sex"):
            add("key_informants", pct)
        for (pct,) in q("select round(sum(pct)) from marts.key_informants where round_id = ? group by ki_type"):
            add("key_informants", pct)
        for pct, duration_class in q("select round(pct), duration_class from marts.imw_stay_duration "
                                     "where round_id = ?"):
            add("stay", pct, *re.findall(r"\d+", duration_class))  # the class's own bound: "6 months"
    finally:
        con.close()
    return figures


@pytest.mark.parametrize("lang", ("ru", "en"))
def test_every_number_of_the_sentences_is_a_mart_figure(reports: dict[tuple[str, str], Path], lang: str) -> None:
    html = reports[("round", lang)].read_text(encoding="utf-8")
    figures = mart_figures(reports[("db", "published")], 3)
    paragraphs = re.findall(r'<p class="narrative" data-population="([a-z_]+)">(.*?)</p>', html, re.DOTALL)
    assert {p for p, _ in paragraphs} >= {"all", "key_informants", "stay", *round_report.GROUPS}
    checked = 0
    for population, body in paragraphs:
        allowed = figures[population]
        for value, under_one in numbers(text_of(body), lang):
            checked += 1
            if under_one:
                continue  # "<1%": a positive share under a half
            assert value in allowed, (lang, population, value, text_of(body))
    assert checked > 150
    # and the sentences state the figures, not just some of them: every province of every group
    con = duckdb.connect(str(reports[("db", "published")]), read_only=True)
    try:
        rows = con.execute("select population_group, persons from marts.oblast_population where round_id = 3").fetchall()
    finally:
        con.close()
    fmt = i18n.Formats(lang)
    for group, persons in rows:
        said = " ".join(text_of(b) for p, b in paragraphs if p == group)
        assert fmt.int(persons) in said, (group, persons)


# --- nothing technical for stakeholders ---------------------------------------------------------

def without_folded(html: str) -> str:
    return re.sub(r"<details\b.*?</details>", " ", html, flags=re.DOTALL)


@pytest.mark.parametrize("lang", LANGS)
def test_stakeholder_sections_hold_no_path_load_id_or_check_id(reports: dict[tuple[str, str], Path],
                                                               lang: str) -> None:
    con = duckdb.connect(str(reports[("db", "working")]), read_only=True)
    try:
        load_ids = [r[0] for r in con.execute("select load_id from raw.load_log").fetchall()]
        files = [r[0] for r in con.execute("select distinct file_path from raw.load_log").fetchall()]
        checks = [r[0] for r in con.execute("select distinct check_name from quality.check_results").fetchall()]
        refused = con.execute("select file_name from raw.load_log where status = 'refused'").fetchall()
    finally:
        con.close()
    assert refused == [("README.md",)] and len(checks) >= 15
    quality = reports[("quality", lang)].read_text(encoding="utf-8")
    for kind, html in (("quality", without_folded(quality)), ("round", reports[("round", lang)].read_text("utf-8"))):
        visible = text_of(html) + " " + " ".join(re.findall(r'(?:id|class|data-[a-z]+)="([^"]*)"', html))
        for load_id in load_ids:
            assert load_id not in visible, (kind, load_id)
        for path in files:
            assert path not in visible and Path(path).name not in visible, (kind, path)
        for check in checks:
            assert not re.search(rf"\b{check}\b", text_of(html)), (kind, check)
        assert not re.search(r"(^|\s)/[\w.-]+/|\.duckdb|\.xlsx|README", text_of(html)), kind
    folded = quality[quality.index('<details id="technical"'):]
    assert "README.md" in folded[folded.index('id="operator"'):] and any(c in folded for c in checks)
    assert quality.index('id="summary"') < quality.index('id="call-back"') < quality.index('id="technical"')


# --- in the browser -----------------------------------------------------------------------------

EVALUATE = {
    "lang": "document.documentElement.lang",
    "overflow": "document.documentElement.scrollWidth - window.innerWidth",
    "maps": "[...document.querySelectorAll('.map svg')].map(svg => "
            "[...svg.querySelectorAll('.area')].map(a => [a.dataset.area, Number(a.dataset.value)]))",
    "maps_of": "[...document.querySelectorAll('section.population')].filter(s => s.querySelector('.map'))"
               ".map(s => s.id)",
    "chapters": "document.querySelectorAll('section.chapter').length",
}


@pytest.mark.browser
def test_reports_in_chromium_at_desktop_and_phone_widths(reports: dict[tuple[str, str], Path],
                                                         tmp_path: Path) -> None:
    con = duckdb.connect(str(reports[("db", "published")]), read_only=True)
    try:
        persons = {(g, o): float(p) for g, o, p in con.execute(
            "select population_group, oblast_code, persons from marts.oblast_population where round_id = 3").fetchall()}
    finally:
        con.close()
    keep = os.environ.get("MTM_SCREENSHOTS") == "1"
    try:
        browser = Chromium(timeout=60)
    except BrowserUnavailable:
        pytest.skip("chromium not installed (make browser)")
    with browser:
        for (kind, lang), page in reports.items():
            if kind == "db":
                continue
            for label, width, mobile in (("desktop", 1280, False), ("phone", 390, True)):
                shot = tmp_path / f"{kind}-report.{lang}.{label}.png"
                pdf = tmp_path / f"{kind}-report.{lang}.pdf" if label == "desktop" else None
                part = tmp_path / f"round-report.{lang}.{label}.return-migrants.png"
                result = browser.open(page, shot, width=width, mobile=mobile, evaluate=EVALUATE,
                                      max_height=3000, pdf=pdf,
                                      element_shots={str(part): "#return_migrants"} if kind == "round" else None)
                where = (kind, lang, label)
                assert result.network_requests == [], where
                assert result.values["lang"] == lang, where
                assert result.values["overflow"] <= 0, where
                assert result.screenshot.stat().st_size > 20_000, where
                if pdf is not None:  # print CSS: every chapter of the round report starts a page
                    pages = len(re.findall(rb"/Type\s*/Page(?!s)", pdf.read_bytes()))
                    assert pages >= (result.values["chapters"] + 1 if kind == "round" else 2), (where, pages)
                if kind == "round":
                    assert result.values["maps_of"] == list(round_report.GROUPS), where
                    for group, shapes in zip(result.values["maps_of"], result.values["maps"], strict=True):
                        assert sorted(code for code, _ in shapes) == sorted(maps.AREAS), where
                        for code, value in shapes:
                            assert value == round(persons.get((group, code), 0.0)), (where, group, code)
                if keep:
                    for made in (shot, part) if kind == "round" else (shot,):
                        shutil.copyfile(made, ROOT / "docs" / "img" / made.name)
