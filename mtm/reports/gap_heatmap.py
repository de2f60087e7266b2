"""The data-gap heatmap section of the quality report: coverage by thematic area x year.

``collect(con)`` reads ``marts.data_gap_scores`` (and ``marts.data_gap_mtm_scores`` when present)
into a ``GapView``: per country, one heatmap (cells with their colour and score) for the published
statuses and one with MTM counted, and a table of the latest year. The template
``gap_heatmap.html.j2`` draws it as inline SVG, the score written in every cell; nothing is
fetched, no script. ``render_gap_heatmap(con)`` returns the section alone (English).
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from mtm.reports import html

AREA_ORDER_SQL = """
select thematic_area, label_en, sort_order from marts.dim_thematic_areas order by sort_order
"""
SEED_AREA_ORDER_SQL = """
select thematic_area, area_label, sort_order from seeds.gap_thematic_areas order by sort_order
"""
CELL_W, CELL_H, LABEL_W, TOP = 62, 24, 200, 22


def _table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    row = con.execute("select count(*) from information_schema.tables where table_schema = ? "
                      "and table_name = ?", [schema, table]).fetchall()
    return bool(row and row[0][0])


def colour(score: float) -> str:
    """Cell colour for a 0-100 coverage score: red (0) through amber (50) to green (100)."""
    s = max(0.0, min(100.0, score)) / 100.0
    if s < 0.5:
        t = s / 0.5
        r, g, b = 0xd2 + (0xf2 - 0xd2) * t, 0x26 + (0xa9 - 0x26) * t, 0x30 + (0x00 - 0x30) * t
    else:
        t = (s - 0.5) / 0.5
        r, g, b = 0xf2 + (0x2e - 0xf2) * t, 0xa9 + (0x8b - 0xa9) * t, 0x00 + (0x57 - 0x00) * t
    return f"#{int(r):02x}{int(g):02x}{int(b):02x}"


@dataclass(frozen=True)
class Cell:
    x: int
    y: int
    area: str
    year: int
    score: float | None
    colour: str


@dataclass(frozen=True)
class Heatmap:
    """One grid in SVG units: rows are areas, columns years."""

    width: int
    height: int
    years: tuple[tuple[int, float], ...]  # (year, x of its column's centre)
    rows: tuple[tuple[str, float], ...]  # (area label, y of its text)
    cells: tuple[Cell, ...]
    legend_y: int
    legend: tuple[tuple[int, str, str], ...]  # (x, colour, text)


@dataclass(frozen=True)
class CountryGaps:
    country: str
    published: Heatmap
    with_mtm: Heatmap | None
    last_year: int
    table: tuple[tuple[str, float | None, float | None, float | None], ...]


@dataclass(frozen=True)
class GapView:
    state: str  # "no_marts" | "empty" | "ok"
    countries: tuple[CountryGaps, ...] = ()


def heatmap(rows: list[str], years: list[int], scores: dict[tuple[str, int], float],
            labels: dict[str, str]) -> Heatmap:
    """The grid's geometry: one cell per area and year."""
    cells = []
    for i, area in enumerate(rows):
        for j, year in enumerate(years):
            score = scores.get((area, year))
            cells.append(Cell(x=LABEL_W + j * CELL_W, y=TOP + i * CELL_H, area=labels.get(area, area), year=year,
                              score=score, colour="#e9eef3" if score is None else colour(score)))
    legend_y = TOP + CELL_H * len(rows) + 8
    return Heatmap(width=LABEL_W + CELL_W * len(years) + 10, height=TOP + CELL_H * len(rows) + 30,
                   years=tuple((y, LABEL_W + j * CELL_W + CELL_W / 2) for j, y in enumerate(years)),
                   rows=tuple((labels.get(a, a), TOP + i * CELL_H + CELL_H * 0.68) for i, a in enumerate(rows)),
                   cells=tuple(cells), legend_y=legend_y,
                   legend=tuple((LABEL_W + k * 120, colour(s), text)
                                for k, (s, text) in enumerate([(0, "0"), (50, "50"), (100, "100")])))


def collect(con: duckdb.DuckDBPyConnection) -> GapView:
    """The gap heatmaps of every country loaded (state says when there is nothing to show)."""
    if not _table_exists(con, "marts", "data_gap_scores"):
        return GapView("no_marts")
    score_rows = con.execute("select country_code, thematic_area, year, coverage_score "
                             "from marts.data_gap_scores order by country_code, thematic_area, year").fetchall()
    if not score_rows:
        return GapView("empty")
    labels: dict[str, str] = {}
    order: list[str] = []
    order_sql = (AREA_ORDER_SQL if _table_exists(con, "marts", "dim_thematic_areas")  # published file
                 else SEED_AREA_ORDER_SQL if _table_exists(con, "seeds", "gap_thematic_areas") else None)
    if order_sql:
        for area, label, _ in con.execute(order_sql).fetchall():
            labels[area] = label
            order.append(area)
    mtm: dict[tuple[str, str, int], float] = {}
    if _table_exists(con, "marts", "data_gap_mtm_scores"):
        for country, area, year, after in con.execute(
                "select country_code, thematic_area, year, coverage_score_with_mtm "
                "from marts.data_gap_mtm_scores").fetchall():
            mtm[(country, area, year)] = float(after)
    out = []
    for country in sorted({r[0] for r in score_rows}):
        rows_c = [r for r in score_rows if r[0] == country]
        areas = [a for a in order if any(r[1] == a for r in rows_c)]
        areas += sorted({r[1] for r in rows_c} - set(areas))
        years = sorted({r[2] for r in rows_c})
        published = {(r[1], r[2]): float(r[3]) for r in rows_c}
        with_mtm = {(a, y): v for (c, a, y), v in mtm.items() if c == country}
        last = years[-1]
        table = tuple((labels.get(a, a), published.get((a, last)), with_mtm.get((a, last)),
                       None if with_mtm.get((a, last)) is None or published.get((a, last)) is None
                       else with_mtm[(a, last)] - published[(a, last)]) for a in areas)
        out.append(CountryGaps(country=country, published=heatmap(areas, years, published, labels),
                               with_mtm=heatmap(areas, years, with_mtm, labels) if with_mtm else None,
                               last_year=last, table=table))
    return GapView("ok", tuple(out))


def render_gap_heatmap(con: duckdb.DuckDBPyConnection, lang: str = "en") -> str:
    """The HTML section with the coverage heatmaps (area x year) from the data-gap marts."""
    return html.render("gap_section.html.j2", lang, g=collect(con))


section = render_gap_heatmap
