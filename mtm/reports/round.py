"""The round report: one offline HTML file presenting a BMA round as IOM's published report does.

Every number comes from the public marts of the warehouse (read-only); the page has inline CSS
and inline SVG charts, no script and nothing fetched from the network.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from mtm.core.errors import InputError
from mtm.reports import charts, html

GROUPS: tuple[str, ...] = (
    "international_migrant_workers", "return_migrants", "emigrants",
    "internal_migrants", "internal_out_migrants",
)
GROUP_LABELS: dict[str, str] = {
    "international_migrant_workers": "International migrant workers",
    "return_migrants": "Return migrants",
    "emigrants": "Emigrants",
    "internal_migrants": "Internal migrants",
    "internal_out_migrants": "Internal out-migrants",
}
COUNTRY_HEADINGS: dict[str, str] = {
    "international_migrant_workers": "Top 5 nationalities of international migrant workers",
    "return_migrants": "Top 5 countries of return",
    "emigrants": "Top 5 countries of migration (emigrants)",
}
YEAR_HEADINGS: dict[str, str] = {
    "international_migrant_workers": "International migrant workers by year of arrival",
    "return_migrants": "Return migrants by year of return",
    "emigrants": "Emigrants by year of departure",
}
DURATION_LABELS: dict[str, str] = {
    "less_than_6_months": "Less than 6 months",
    "6_months_or_more": "6 months or more",
    "unknown": "Unknown",
}
DISTANCE_BANDS: tuple[str, ...] = ("0-5 km", "6-10 km", "11-15 km", "16-20 km", "21-25 km", "over 25 km")


def label(code: str | None) -> str:
    """A readable label for a code without one in the marts (``bank_atm_post`` -> ``Bank atm post``)."""
    if not code:
        return "(none)"
    text = str(code).replace("_", " ").strip()
    return text[:1].upper() + text[1:]


@dataclass
class RoundData:
    """What the report shows, read from the marts for one round."""

    round_id: int
    national: dict[str, dict[str, Any]] = field(default_factory=dict)
    communities: int = 0
    oblasts: int = 0
    rayons: int = 0
    key_informants: list[dict[str, Any]] = field(default_factory=list)
    countries: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    oblasts_by_group: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    rayons_by_group: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    years: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    reasons: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    internal: dict[str, dict[str, Any]] = field(default_factory=dict)
    internal_reasons: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    stay: list[dict[str, Any]] = field(default_factory=list)
    services: list[dict[str, Any]] = field(default_factory=list)
    distance: list[dict[str, Any]] = field(default_factory=list)
    emigrants_russia: float | None = None
    service_labels: dict[str, str] = field(default_factory=dict)
    ki_type_labels: dict[str, str] = field(default_factory=dict)


def _rows(con: duckdb.DuckDBPyConnection, table: str, round_id: int, order: str) -> list[dict[str, Any]]:
    """Rows of one mart for the round, as dicts."""
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


def _seed_labels(con: duckdb.DuckDBPyConnection, seed: str, code: str, text: str,
                 order: str | None = None) -> dict[str, str]:
    """Labels of a code list, in its order: from the published label dimension ``marts.dim_<seed>``
    (English), else from the seed (a working copy); empty when the warehouse has neither."""
    try:
        return dict(con.execute(f"select {code}, label_en from marts.dim_{seed} order by sort_order, {code}")
                    .fetchall())
    except duckdb.Error:
        pass
    try:
        return dict(con.execute(f"select {code}, {text} from seeds.{seed} order by {order or code}").fetchall())
    except duckdb.Error:
        return {}


def collect(con: duckdb.DuckDBPyConnection, round_id: int) -> RoundData:
    """Read everything the report shows for ``round_id`` from the marts."""
    national = _rows(con, "national_population", round_id, "population_group")
    if not national:
        raise InputError(f"round {round_id} is not in the warehouse")
    data = RoundData(round_id=round_id, national={r["population_group"]: r for r in national})
    communities = _rows(con, "communities", round_id, "community_id")
    data.communities = len(communities)
    data.oblasts = len({c["oblast_code"] for c in communities})
    data.rayons = len({c["rayon_code"] for c in communities})
    data.key_informants = _rows(con, "key_informants", round_id, "informants desc, ki_type, ki_sex")
    data.countries = _by_group(_rows(con, "population_by_country", round_id, "population_group, rank"))
    data.oblasts_by_group = _by_group(_rows(con, "oblast_population", round_id,
                                            "population_group, persons desc, oblast_code"))
    data.rayons_by_group = _by_group(_rows(con, "rayon_population", round_id,
                                           "population_group, persons desc, rayon_code"))
    data.years = _by_group(_rows(con, "population_by_year", round_id, "population_group, year"))
    data.reasons = _by_group(_rows(con, "reason_scores", round_id, "population_group, mean_score desc"))
    data.internal = {r["population_group"]: r for r in _rows(con, "internal_migration", round_id,
                                                              "population_group")}
    data.internal_reasons = _by_group(_rows(con, "internal_migration_reasons", round_id,
                                            "population_group, pct desc"))
    data.stay = _rows(con, "imw_stay_duration", round_id, "duration_class")
    data.services = _rows(con, "service_availability", round_id, "service_code")
    data.distance = _rows(con, "service_distance", round_id, "service_code, distance_band")
    data.service_labels = _seed_labels(con, "services", "service_code", "service_label", "sort_order")
    data.ki_type_labels = _seed_labels(con, "ki_types", "ki_type", "ki_type_label")
    order = list(data.service_labels)
    data.services.sort(key=lambda r: (order.index(r["service_code"]) if r["service_code"] in order
                                      else len(order), r["service_code"]))
    data.stay.sort(key=lambda r: list(DURATION_LABELS).index(r["duration_class"])
                   if r["duration_class"] in DURATION_LABELS else len(DURATION_LABELS))
    for row in data.countries.get("emigrants", []):
        if row["country_code"] == "RUS":
            data.emigrants_russia = row["persons"]
    return data


# ---------------------------------------------------------------------------------------------
# HTML

CSS = """
.grid2{display:grid;grid-template-columns:1fr 1fr;gap:18px}
.grid2>div{min-width:0} svg{max-width:100%;height:auto}
section h2{color:#0033a0;border-bottom-color:#0033a0}
.stat .value{color:#0033a0}
table.distance td,table.services td{text-align:right} table.distance td:first-child,table.services td:first-child{text-align:left}
table tr.total td{font-weight:700;background:#e9eef3}
table.compact{width:auto}
@media print{body{background:#fff}}
"""


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], total: Sequence[str] | None = None,
           cls: str = "compact") -> str:
    """A table through the shared shell; an optional bold total row at the bottom."""
    out = html.table(header, rows, numeric=header[1:], cls=cls)
    if total:
        cells = "".join(f'<td class="num">{html.escape(c)}</td>' if i else f"<td>{html.escape(c)}</td>"
                        for i, c in enumerate(total))
        out = out.replace("</tbody>", f'<tr class="total">{cells}</tr></tbody>')
    return out


def _num(value: Any) -> float:
    return float(value) if value is not None else 0.0


def section_key_figures(d: RoundData) -> str:
    """Summary of key findings: coverage, informants, the five totals."""
    n = d.national
    informants = sum(int(r["informants"]) for r in d.key_informants)
    kpis = [
        ("communities assessed", d.communities, "info"),
        ("oblasts and cities", d.oblasts, "info"),
        ("rayons", d.rayons, "info"),
        ("key informants interviewed", informants, "info"),
    ]
    for group in GROUPS:
        if group in n:
            kpis.append((GROUP_LABELS[group].lower(), int(_num(n[group]["persons"])), "info"))
    if d.emigrants_russia is not None:
        kpis.append(("emigrants moved to the Russian Federation", int(_num(d.emigrants_russia)), "info"))
    rows = []
    for group in GROUPS:
        if group in n:
            r = n[group]
            rows.append([GROUP_LABELS[group], charts.fmt_int(_num(r["persons"])),
                         f'{int(r["communities_reporting"]):,}',
                         charts.fmt_pct(_num(r["pct_communities_reporting"]))])
    table = _table(["Population", "Persons", "Communities reporting", "% of assessed communities"], rows)
    return html.section("Summary of key findings", html.stats(kpis) + table, id="key-figures")


def section_key_informants(d: RoundData) -> str:
    """Key informants by type and sex (counts and shares)."""
    types: list[str] = []
    for r in d.key_informants:
        if r["ki_type"] not in types:
            types.append(r["ki_type"])
    sexes = sorted({r["ki_sex"] for r in d.key_informants})
    cell = {(r["ki_type"], r["ki_sex"]): r for r in d.key_informants}
    series = [(label(s), [_num(cell.get((t, s), {}).get("informants")) for t in types]) for s in sexes]
    names = [d.ki_type_labels.get(t, label(t)) for t in types]
    chart = charts.grouped_hbar(names, series, title="Key informants by type and sex", label_width=250)
    total = sum(_num(r["informants"]) for r in d.key_informants) or 1
    rows = []
    for t in types:
        counts = [_num(cell.get((t, s), {}).get("informants")) for s in sexes]
        rows.append([d.ki_type_labels.get(t, label(t)), *[charts.fmt_int(c) for c in counts], charts.fmt_int(sum(counts)),
                     charts.fmt_pct(sum(counts) / total * 100)])
    by_sex = [sum(_num(cell.get((t, s), {}).get("informants")) for t in types) for s in sexes]
    totals = ["Total", *[f"{charts.fmt_int(v)} ({charts.fmt_pct(v / total * 100)})" for v in by_sex],
              charts.fmt_int(total), "100%"]
    table = _table(["Type", *[label(s) for s in sexes], "All", "% of informants"], rows, totals)
    return html.section("Key informants by type and sex",
                        f'<div class="grid2"><div>{chart}</div><div>{table}</div></div>', id="key-informants")


def section_international(d: RoundData) -> str:
    """Per international group: top five countries, province shares, annual trends, reasons."""
    out: list[str] = []
    for group in GROUPS[:3]:
        nat = d.national.get(group)
        if not nat:
            continue
        out.append(f"<h3>{html.escape(GROUP_LABELS[group])}: {charts.fmt_int(_num(nat['persons']))} persons, "
                   f"reported in {int(nat['communities_reporting']):,} communities "
                   f"({charts.fmt_pct(_num(nat['pct_communities_reporting']))} of those assessed)</h3>")
        countries = d.countries.get(group, [])
        top = [(r["country_name"] or r["country_code"], _num(r["pct_of_group"])) for r in countries[:5]]
        country_chart = charts.hbar(top, title=COUNTRY_HEADINGS[group], fmt=charts.fmt_pct, max_value=100)
        provinces = [(r["oblast_name"] or r["oblast_code"], _num(r["pct_of_national"]))
                     for r in d.oblasts_by_group.get(group, [])]
        province_chart = charts.hbar(provinces, title=f"{GROUP_LABELS[group]} by province",
                                     fmt=charts.fmt_pct, colour=charts.PALETTE[1])
        out.append(f'<div class="grid2"><div><h3>{html.escape(COUNTRY_HEADINGS[group])}</h3>{country_chart}'
                   f'<p class="note">{len(countries)} countries in all.</p></div>'
                   f'<div><h3>By province</h3>{province_chart}</div></div>')
        years = d.years.get(group, [])
        if years:
            notes = []
            for r in years:
                change = r["pct_change_from_previous_year"]
                if r["is_partial_year"]:
                    notes.append("partial year")
                elif change is None:
                    notes.append("")
                else:
                    notes.append(f"{_num(change):+.0f}% on previous year")
            out.append(f"<h3>{html.escape(YEAR_HEADINGS[group])}</h3>" + charts.columns(
                [(str(r["year"]), _num(r["persons"])) for r in years], title=YEAR_HEADINGS[group],
                notes=notes, partial=[bool(r["is_partial_year"]) for r in years], width=760))
        if group == "international_migrant_workers" and d.stay:
            stay = [(DURATION_LABELS.get(r["duration_class"], label(r["duration_class"])), _num(r["pct"]))
                    for r in d.stay]
            out.append("<h3>Type of migration (duration of stay)</h3>"
                       + charts.hbar(stay, title="Duration of stay", fmt=charts.fmt_pct, max_value=100))
        reasons = d.reasons.get(group, [])
        if reasons:
            items = [(r["reason_label"] or label(r["reason_code"]), _num(r["mean_score"])) for r in reasons]
            what = "returning to Kyrgyzstan" if group == "return_migrants" else "migration from Kyrgyzstan"
            out.append(f"<h3>Importance of factors in {what} (mean score, 0 = not applicable, "
                       f"5 = very important)</h3>"
                       + charts.hbar(items, title=f"Reasons: {GROUP_LABELS[group]}", fmt=charts.fmt_score,
                                     max_value=5, width=760, label_width=420, colour=charts.PALETTE[2]))
    return html.section("International mobility", "".join(out), id="international")


def section_internal(d: RoundData) -> str:
    """Internal migrants and internal out-migrants: totals, same rayon, provinces, rayons, reasons."""
    out = []
    for group in GROUPS[3:]:
        nat, info = d.national.get(group), d.internal.get(group)
        if not nat or not info:
            continue
        year = info["reference_year"]
        out.append(f"<h3>{html.escape(GROUP_LABELS[group])} in {year}: {charts.fmt_int(_num(info['persons']))} "
                   f"persons; {charts.fmt_pct(_num(info['pct_same_rayon']))} within the same rayon; "
                   f"reported in {charts.fmt_pct(_num(nat['pct_communities_reporting']))} of the "
                   f"assessed communities</h3>")
        provinces = [(r["oblast_name"] or r["oblast_code"], _num(r["pct_of_national"]))
                     for r in d.oblasts_by_group.get(group, [])]
        rayons = [(r["rayon_name"] or r["rayon_code"], _num(r["pct_of_national"]))
                  for r in d.rayons_by_group.get(group, [])[:5]]
        reasons = [(label(r["reason_code"]), _num(r["pct"])) for r in d.internal_reasons.get(group, [])]
        out.append('<div class="grid2"><div><h3>By province</h3>'
                   + charts.hbar(provinces, title=f"{GROUP_LABELS[group]} by province", fmt=charts.fmt_pct,
                                 colour=charts.PALETTE[1])
                   + "<h3>Top five rayons</h3>"
                   + charts.hbar(rayons, title=f"{GROUP_LABELS[group]}: top rayons", fmt=charts.fmt_pct)
                   + "</div><div><h3>Reasons</h3>"
                   + charts.hbar(reasons, title=f"{GROUP_LABELS[group]}: reasons", fmt=charts.fmt_pct,
                                 max_value=100, colour=charts.PALETTE[3], label_width=150)
                   + "</div></div>")
    return html.section("Internal mobility", "".join(out), id="internal")


def section_services(d: RoundData) -> str:
    """Availability of services and the distance table of communities without them."""
    rows = [[d.service_labels.get(r["service_code"], label(r["service_code"])), charts.fmt_pct(_num(r["pct_with"])),
             charts.fmt_pct(_num(r["pct_without"]))] for r in d.services]
    # the distance table lists the services some communities lack (as the published report does)
    availability = _table(["Service", "Yes", "No"], rows, cls="compact services")
    services = [r["service_code"] for r in d.services if _num(r["communities_without"]) > 0
                and any(x["service_code"] == r["service_code"] for x in d.distance)]
    cell = {(r["service_code"], r["distance_band"]): _num(r["households"]) for r in d.distance}
    body = [[band.replace("km", "KM").replace("over", "Over"),
             *[charts.fmt_int(cell.get((s, band), 0)) for s in services]] for band in DISTANCE_BANDS]
    totals = ["Total households", *[charts.fmt_int(sum(cell.get((s, b), 0) for b in DISTANCE_BANDS))
                                    for s in services]]
    distance = _table(["Travel distance", *[d.service_labels.get(s, label(s)) for s in services]], body,
                      totals, cls="compact distance")
    return html.section("Access to services",
                        f"<h3>Availability of services within the community</h3>{availability}"
                        "<h3>Distance to the nearest facility among communities without it "
                        f"(number of households)</h3>{distance}", id="services")


def html_page(d: RoundData, source: Path) -> str:
    """The whole report as one HTML document (the shared offline page shell)."""
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    body = "".join([f"<style>{CSS}</style>", section_key_figures(d), section_key_informants(d),
                    section_international(d), section_internal(d), section_services(d)])
    footer = (f"Figures computed from the public marts of {html.escape(source.name)}; generated {generated}. "
              "Percentages are shown rounded to whole per cent, mean scores to one decimal; "
              "the marts hold them unrounded.")
    return html.page(f"Kyrgyzstan: Baseline Mobility Assessment, round {d.round_id}", body,
                     subtitle="IOM Mobility Tracking Matrix (MTM): key findings from the warehouse",
                     footer=footer)


def render(db_path: Path, round_id: int, out: Path) -> Path:
    """Write the round report of ``round_id`` from the warehouse ``db_path`` to ``out``; return it."""
    db_path, out = Path(db_path), Path(out)
    if not db_path.exists():
        raise InputError("no warehouse: run `mtm build` first", file=str(db_path))
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        data = collect(con, round_id)
    finally:
        con.close()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(html_page(data, db_path), encoding="utf-8")
    return out
