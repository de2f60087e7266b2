"""The round report: one offline HTML file that stands beside IOM's published BMA report.

``collect`` reads one round from the public marts (read-only) into ``RoundData``; ``view``
turns it into the small typed classes the template ``round.html.j2`` shows, in one language:
names from the forms' labels (``reports.labels``), sentences from the message catalogues,
numbers and dates per locale (``reports.i18n``), charts and the map as geometry
(``reports.charts``, ``reports.maps``). The page has inline CSS and SVG, no script, and fetches
nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from mtm.core import forms
from mtm.core.errors import InputError
from mtm.reports import charts, html, maps
from mtm.reports.i18n import N_, Formats, Period, check_lang, default_lang
from mtm.reports.labels import Labels, labels

GROUPS: tuple[str, ...] = (
    "international_migrant_workers", "return_migrants", "emigrants",
    "internal_migrants", "internal_out_migrants",
)
INTERNATIONAL = GROUPS[:3]
CITIES: tuple[str, ...] = ("KG-GB", "KG-GO")  # Bishkek city, Osh city
DURATIONS: dict[str, str] = {
    "less_than_6_months": N_("Less than 6 months"),
    "6_months_or_more": N_("6 months or more"),
    "unknown": N_("Unknown"),
}
DISTANCE_BANDS: dict[str, str] = {
    "0-5 km": N_("0-5 KM"), "6-10 km": N_("6-10 KM"), "11-15 km": N_("11-15 KM"),
    "16-20 km": N_("16-20 KM"), "21-25 km": N_("21-25 KM"), "over 25 km": N_("Over 25 KM"),
}
TOP = 5


@dataclass
class RoundData:
    """What the report shows, read from the marts for one round (rows as the marts hold them)."""

    round_id: int
    national: dict[str, dict[str, Any]] = field(default_factory=dict)
    communities: list[dict[str, Any]] = field(default_factory=list)
    key_informants: list[dict[str, Any]] = field(default_factory=list)
    countries: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    oblasts: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    rayons: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    years: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    reasons: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    internal: dict[str, dict[str, Any]] = field(default_factory=dict)
    internal_reasons: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    stay: list[dict[str, Any]] = field(default_factory=list)
    services: list[dict[str, Any]] = field(default_factory=list)
    distance: list[dict[str, Any]] = field(default_factory=list)
    service_order: list[str] = field(default_factory=list)


def _rows(con: duckdb.DuckDBPyConnection, table: str, round_id: int, order: str) -> list[dict[str, Any]]:
    try:
        result = con.execute(f"select * from marts.{table} where round_id = ? order by {order}", [round_id])
    except duckdb.CatalogException as exc:
        raise InputError(f"the warehouse has no mart {table!r}: run `mtm build`") from exc
    names = [d[0] for d in result.description]
    return [dict(zip(names, row, strict=True)) for row in result.fetchall()]


def _by_group(rows: Sequence[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        out.setdefault(row["population_group"], []).append(row)
    return out


def collect(con: duckdb.DuckDBPyConnection, round_id: int) -> RoundData:
    """Read everything the report shows for ``round_id`` from the marts."""
    national = _rows(con, "national_population", round_id, "population_group")
    if not national:
        raise InputError(f"round {round_id} is not in the warehouse")
    d = RoundData(round_id=round_id, national={r["population_group"]: r for r in national})
    d.communities = _rows(con, "communities", round_id, "community_id")
    d.key_informants = _rows(con, "key_informants", round_id, "informants desc, ki_type, ki_sex")
    d.countries = _by_group(_rows(con, "population_by_country", round_id, "population_group, rank"))
    d.oblasts = _by_group(_rows(con, "oblast_population", round_id, "population_group, persons desc, oblast_code"))
    d.rayons = _by_group(_rows(con, "rayon_population", round_id, "population_group, persons desc, rayon_code"))
    d.years = _by_group(_rows(con, "population_by_year", round_id, "population_group, year"))
    d.reasons = _by_group(_rows(con, "reason_scores", round_id, "population_group, mean_score desc, reason_code"))
    d.internal = {r["population_group"]: r for r in _rows(con, "internal_migration", round_id, "population_group")}
    d.internal_reasons = _by_group(_rows(con, "internal_migration_reasons", round_id,
                                         "population_group, pct desc, reason_code"))
    d.stay = _rows(con, "imw_stay_duration", round_id, "duration_class")
    d.stay.sort(key=lambda r: list(DURATIONS).index(r["duration_class"]) if r["duration_class"] in DURATIONS
                else len(DURATIONS))
    d.services = _rows(con, "service_availability", round_id, "service_code")
    d.distance = _rows(con, "service_distance", round_id, "service_code, distance_band")
    order = [q.name.removesuffix("_avail") for q in forms.questions("b2") if q.name.endswith("_avail")]
    d.services.sort(key=lambda r: (order.index(r["service_code"]) if r["service_code"] in order else len(order),
                                   r["service_code"]))
    d.service_order = order
    return d


# ---------------------------------------------------------------------------------------------
# What the template shows


@dataclass(frozen=True)
class Share:
    """A named part of a whole: persons and their share (0-100); ``parent`` is a rayon's oblast."""

    name: str
    persons: float
    pct: float
    parent: str = ""


@dataclass(frozen=True)
class YearFigure:
    year: int
    persons: float
    change: float | None
    partial: bool


@dataclass(frozen=True)
class Score:
    label: str
    score: float


@dataclass(frozen=True)
class Population:
    """One of the five populations with every figure its part of the report shows."""

    code: str
    name: str
    definition: str
    international: bool
    persons: float
    communities_reporting: int
    pct_reporting: float
    countries: list[Share]
    country_count: int
    provinces: list[Share]
    rayons: list[Share]
    years: list[YearFigure]
    changes: list[YearFigure]
    partial_year: YearFigure | None
    first_year: int | None
    reasons: list[Score]
    internal_reasons: list[Share]
    reference_year: int | None
    pct_same_rayon: float | None
    map: maps.ChoroplethMap
    country_bars: list[charts.Bar]
    province_bars: list[charts.Bar]
    rayon_bars: list[charts.Bar]
    reason_bars: list[charts.Bar]
    year_chart: charts.ColumnChart | None


@dataclass(frozen=True)
class Coverage:
    communities: int
    oblasts: int
    oblast_names: list[str]
    cities: int
    city_names: list[str]
    rayons: int
    rayons_in_oblasts: int
    rayons_in_cities: list[tuple[str, int]]


@dataclass(frozen=True)
class KeyInformants:
    total: int
    by_sex: list[Share]
    by_type: list[Share]
    rows: list[tuple[str, list[float], float, float]]
    sexes: list[str]
    legend: list[charts.Series]
    groups: list[charts.BarGroup]


@dataclass(frozen=True)
class Services:
    availability: list[tuple[str, float, float]]
    bars: list[charts.Bar]
    distance_services: list[str]
    distance_rows: list[tuple[str, list[float]]]
    distance_totals: list[float]


@dataclass(frozen=True)
class RoundView:
    """Everything ``round.html.j2`` shows, in one language."""

    round_id: int
    period: Period
    coverage: Coverage
    informants: KeyInformants
    populations: list[Population]
    emigrants_russia: float | None
    russia: str
    stay: list[Share]
    stay_bars: list[charts.Bar]
    scale: list[tuple[int, str]]
    services: Services
    generated: str


def _num(value: Any) -> float:
    return float(value) if value is not None else 0.0


def _population(d: RoundData, group: str, lab: Labels, fmt: Formats) -> Population:
    nat = d.national[group]
    countries_rows = [r for r in d.countries.get(group, [])]
    unknown = html.gettext(fmt.lang, N_("Unknown"))
    countries = [Share(unknown if r["country_code"] == "UNK" else lab.country(r["country_code"], r["country_name"]),
                       _num(r["persons"]),
                       _num(r["pct_of_group"])) for r in countries_rows]
    provinces = [Share(lab.oblast(r["oblast_code"], r["oblast_name"]), _num(r["persons"]),
                       _num(r["pct_of_national"])) for r in d.oblasts.get(group, [])]
    rayons = [Share(lab.rayon(r["rayon_code"], r["rayon_name"]), _num(r["persons"]), _num(r["pct_of_national"]),
                    parent=lab.oblast(r["oblast_code"])) for r in d.rayons.get(group, [])[:TOP]]
    years = [YearFigure(int(r["year"]), _num(r["persons"]),
                        None if r["pct_change_from_previous_year"] is None else
                        float(r["pct_change_from_previous_year"]), bool(r["is_partial_year"]))
             for r in d.years.get(group, [])]
    changes = [y for y in years if y.change is not None and not y.partial]
    partial = next((y for y in years if y.partial), None)
    reasons = [Score(lab.reason(group, r["reason_code"], r["reason_label"]), _num(r["mean_score"]))
               for r in d.reasons.get(group, [])]
    internal_reasons = [Share(lab.reason(group, r["reason_code"]), _num(r["persons"]), _num(r["pct"]))
                        for r in d.internal_reasons.get(group, [])]
    info = d.internal.get(group)
    values = {r["oblast_code"]: _num(r["persons"]) for r in d.oblasts.get(group, [])}
    names = {code: lab.oblast(code) for code in maps.AREAS}
    notes: list[tuple[str, str]] = []  # two short lines under a column
    for y in years:
        if y.partial:
            notes.append((html.gettext(fmt.lang, N_("partial year")), ""))
        elif y.change is None:
            notes.append(("", ""))
        else:
            notes.append((fmt.signed_pct(y.change), html.gettext(fmt.lang, N_("on previous year"))))
    return Population(
        code=group, name=lab.population(group), definition=lab.definition(group),
        international=group in INTERNATIONAL, persons=_num(nat["persons"]),
        communities_reporting=int(nat["communities_reporting"] or 0),
        pct_reporting=_num(nat["pct_communities_reporting"]),
        countries=countries[:TOP], country_count=len([c for c in countries_rows if c["country_code"] != "UNK"]),
        provinces=provinces, rayons=rayons, years=years, changes=changes, partial_year=partial,
        first_year=years[0].year if years else None, reasons=reasons, internal_reasons=internal_reasons,
        reference_year=int(info["reference_year"]) if info else None,
        pct_same_rayon=_num(info["pct_same_rayon"]) if info else None,
        map=maps.choropleth(values, names, fmt.int),
        country_bars=charts.bars([(c.name, c.pct) for c in countries[:TOP]], fmt.pct, max_value=100),
        province_bars=charts.bars([(p.name, p.pct) for p in provinces], fmt.pct,
                                  notes=[fmt.int(p.persons) for p in provinces]),
        rayon_bars=charts.bars([(f"{r.name} ({r.parent})", r.pct) for r in rayons], fmt.pct,
                               notes=[fmt.int(r.persons) for r in rayons]),
        reason_bars=(charts.bars([(r.label, r.score) for r in reasons], fmt.score, max_value=5) if reasons else
                     charts.bars([(r.name, r.pct) for r in internal_reasons], fmt.pct, max_value=100)),
        year_chart=charts.columns([(str(y.year), y.persons) for y in years], fmt.int, notes=notes,
                                  partial=[y.partial for y in years]) if years else None,
    )


def _coverage(d: RoundData, lab: Labels) -> Coverage:
    oblasts = sorted({c["oblast_code"] for c in d.communities if c["oblast_code"] not in CITIES})
    cities = [code for code in CITIES if any(c["oblast_code"] == code for c in d.communities)]
    rayons = {c["rayon_code"]: c["oblast_code"] for c in d.communities}
    in_cities = [(lab.oblast(city), sum(1 for o in rayons.values() if o == city)) for city in cities]
    return Coverage(communities=len(d.communities), oblasts=len(oblasts),
                    oblast_names=[lab.oblast(o) for o in oblasts], cities=len(cities),
                    city_names=[lab.oblast(c) for c in cities], rayons=len(rayons),
                    rayons_in_oblasts=sum(1 for o in rayons.values() if o not in CITIES),
                    rayons_in_cities=in_cities)


def _key_informants(d: RoundData, lab: Labels, fmt: Formats) -> KeyInformants:
    types: list[str] = []
    for r in d.key_informants:
        if r["ki_type"] not in types:
            types.append(r["ki_type"])
    sexes = sorted({r["ki_sex"] for r in d.key_informants}, key=lambda s: (s != "male", s))
    cell = {(r["ki_type"], r["ki_sex"]): _num(r["informants"]) for r in d.key_informants}
    total = sum(cell.values())
    share = (lambda v: v / total * 100) if total else (lambda v: 0.0)
    rows = []
    for t in types:
        counts = [cell.get((t, s), 0.0) for s in sexes]
        rows.append((lab.ki_type(t), counts, sum(counts), share(sum(counts))))
    by_sex = [Share(lab.sex(s), sum(cell.get((t, s), 0.0) for t in types), 0.0) for s in sexes]
    by_sex = [Share(s.name, s.persons, share(s.persons)) for s in by_sex]
    legend, groups = charts.grouped([lab.ki_type(t) for t in types],
                                    [(lab.sex(s), [cell.get((t, s), 0.0) for t in types]) for s in sexes], fmt.int)
    return KeyInformants(total=int(total), by_sex=by_sex,
                         by_type=[Share(name, n, pct) for name, _, n, pct in rows], rows=rows,
                         sexes=[lab.sex(s) for s in sexes], legend=legend, groups=groups)


def _services(d: RoundData, lab: Labels, fmt: Formats) -> Services:
    availability = [(lab.service(r["service_code"]), _num(r["pct_with"]), _num(r["pct_without"]))
                    for r in d.services]
    lacking = [r["service_code"] for r in d.services if _num(r["communities_without"]) > 0
               and any(x["service_code"] == r["service_code"] for x in d.distance)]
    cell = {(r["service_code"], r["distance_band"]): _num(r["households"]) for r in d.distance}
    rows = [(html.gettext(fmt.lang, label), [cell.get((s, band), 0.0) for s in lacking])
            for band, label in DISTANCE_BANDS.items()]
    totals = [sum(cell.get((s, band), 0.0) for band in DISTANCE_BANDS) for s in lacking]
    return Services(availability=availability,
                    bars=charts.bars([(name, pct) for name, pct, _ in availability], fmt.pct, max_value=100),
                    distance_services=[lab.service(s) for s in lacking], distance_rows=rows,
                    distance_totals=totals)


def view(d: RoundData, lang: str) -> RoundView:
    """The report's content in ``lang`` from the round's marts."""
    lab, fmt = labels(lang), Formats(lang)
    period = Period.parse(forms.round_settings("b2", d.round_id).collection_period)
    stay = [Share(html.gettext(lang, DURATIONS.get(r["duration_class"], r["duration_class"])),
                  _num(r["persons"]), _num(r["pct"])) for r in d.stay]
    russia = next((r for r in d.countries.get("emigrants", []) if r["country_code"] == "RUS"), None)
    return RoundView(
        round_id=d.round_id, period=period, coverage=_coverage(d, lab),
        informants=_key_informants(d, lab, fmt),
        populations=[_population(d, g, lab, fmt) for g in GROUPS if g in d.national],
        emigrants_russia=_num(russia["persons"]) if russia else None, russia=lab.country("RUS"),
        stay=stay, stay_bars=charts.bars([(s.name, s.pct) for s in stay], fmt.pct, max_value=100),
        scale=lab.scale(), services=_services(d, lab, fmt),
        generated=fmt.date(datetime.now(UTC).date()),
    )


def html_page(d: RoundData, lang: str) -> str:
    """The whole report as one HTML document (no file name or path in it: it goes to stakeholders)."""
    return html.render("round.html.j2", lang, r=view(d, lang))


def render(db_path: Path, round_id: int, out: Path, lang: str | None = None) -> Path:
    """Write the round report of ``round_id`` in ``lang`` from the warehouse ``db_path`` to ``out``."""
    lang = check_lang(lang or default_lang())
    db_path, out = Path(db_path), Path(out)
    if not db_path.exists():
        raise InputError("no warehouse: run `mtm build` first", file=str(db_path))
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        data = collect(con, round_id)
    finally:
        con.close()
    page = html_page(data, lang)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page, encoding="utf-8")
    return out
