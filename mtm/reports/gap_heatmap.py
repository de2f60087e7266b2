"""The data-gap heatmap section of the quality report: coverage by thematic area x year, drawn inline.

``render_gap_heatmap(con)`` reads ``marts.data_gap_scores`` (and ``marts.data_gap_mtm_scores``
when present) and returns one HTML section: an inline SVG heatmap per view (published coverage,
coverage with MTM counted), the score written in every cell, and a table of the latest year.
Nothing is fetched; no script. When no gap workbook was loaded the section says so.
"""

from __future__ import annotations

from html import escape

import duckdb

from mtm.reports import html

AREA_ORDER_SQL = """
select thematic_area, label_en, sort_order from marts.dim_thematic_areas order by sort_order
"""
SEED_AREA_ORDER_SQL = """
select thematic_area, area_label, sort_order from seeds.gap_thematic_areas order by sort_order
"""


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


def heatmap_svg(rows: list[str], years: list[int], scores: dict[tuple[str, int], float], *,
                title: str, labels: dict[str, str] | None = None, cell_w: int = 62, cell_h: int = 24,
                label_w: int = 200) -> str:
    """An SVG grid: one row per area, one column per year, the score written in each cell."""
    labels = labels or {}
    top = 22
    width = label_w + cell_w * len(years) + 10
    height = top + cell_h * len(rows) + 30
    parts = [(f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" '
             f'font-family="Helvetica, Arial, sans-serif"><title>{escape(title)}</title>')]
    for j, y in enumerate(years):
        x = label_w + j * cell_w + cell_w / 2
        parts.append(f'<text x="{x:.1f}" y="{top - 6}" font-size="12" text-anchor="middle" '
                     f'font-weight="bold" fill="#222">{y}</text>')
    for i, area in enumerate(rows):
        y0 = top + i * cell_h
        parts.append(f'<text x="{label_w - 6}" y="{y0 + cell_h * 0.68:.1f}" font-size="12" '
                     f'text-anchor="end" fill="#222">{escape(labels.get(area, area))}</text>')
        for j, year in enumerate(years):
            x0 = label_w + j * cell_w
            score = scores.get((area, year))
            if score is None:
                parts.append(f'<rect x="{x0}" y="{y0}" width="{cell_w - 2}" height="{cell_h - 2}" '
                             'fill="#e9eef3"/>')
                continue
            parts.append(f'<rect x="{x0}" y="{y0}" width="{cell_w - 2}" height="{cell_h - 2}" '
                         f'fill="{colour(score)}"><title>{escape(labels.get(area, area))} {year}: '
                         f'{score:.0f}</title></rect>')
            parts.append(f'<text x="{x0 + (cell_w - 2) / 2:.1f}" y="{y0 + cell_h * 0.66:.1f}" '
                         f'font-size="12" text-anchor="middle" font-weight="bold" fill="#fff">'
                         f'{score:.0f}</text>')
    legend_y = top + cell_h * len(rows) + 8
    for k, (score, text) in enumerate([(0, "0 none"), (50, "50"), (100, "100 all available")]):
        x = label_w + k * 120
        parts.append(f'<rect x="{x}" y="{legend_y}" width="14" height="14" fill="{colour(score)}"/>')
        parts.append(f'<text x="{x + 18}" y="{legend_y + 11}" font-size="11" fill="#222">'
                     f'{escape(text)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def render_gap_heatmap(con: duckdb.DuckDBPyConnection) -> str:
    """The HTML section with the coverage heatmaps (area x year) from the data-gap marts."""
    title = "Migration data gaps: coverage by thematic area and year"
    if not _table_exists(con, "marts", "data_gap_scores"):
        return html.section(title, '<p class="note">No data-gap marts in this warehouse '
                                   "(load a gap workbook with <code>mtm load-gaps</code> and build).</p>",
                            id="data-gaps")
    score_rows = con.execute("select country_code, thematic_area, year, coverage_score "
                             "from marts.data_gap_scores order by country_code, thematic_area, year").fetchall()
    if not score_rows:
        return html.section(title, '<p class="note">No gap workbook loaded '
                                   "(<code>mtm load-gaps</code>).</p>", id="data-gaps")
    labels: dict[str, str] = {}
    order: list[str] = []
    order_sql = (AREA_ORDER_SQL if _table_exists(con, "marts", "dim_thematic_areas")  # published file
                 else SEED_AREA_ORDER_SQL if _table_exists(con, "seeds", "gap_thematic_areas") else None)
    if order_sql:
        for area, label, _ in con.execute(order_sql).fetchall():
            labels[area] = label
            order.append(area)
    mtm: dict[tuple[str, str, int], tuple[float, float]] = {}
    if _table_exists(con, "marts", "data_gap_mtm_scores"):
        for country, area, year, before, after in con.execute(
                "select country_code, thematic_area, year, coverage_score, coverage_score_with_mtm "
                "from marts.data_gap_mtm_scores").fetchall():
            mtm[(country, area, year)] = (before, after)
    body: list[str] = [('<p class="note">Coverage score per thematic area and year (available 1, partial 0.5, '
                       "not available 0, as a percentage of the area's indicators), from "
                       "<code>marts.data_gap_scores</code>; with MTM: counting what the loaded BMA rounds "
                       "supply (<code>marts.data_gap_mtm_scores</code>).</p>")]
    for country in sorted({r[0] for r in score_rows}):
        rows_c = [r for r in score_rows if r[0] == country]
        areas = [a for a in order if any(r[1] == a for r in rows_c)]
        areas += sorted({r[1] for r in rows_c} - set(areas))
        years = sorted({r[2] for r in rows_c})
        published = {(r[1], r[2]): float(r[3]) for r in rows_c}
        body.append(f"<h3>{escape(country)}: published statuses</h3>")
        body.append(heatmap_svg(areas, years, published, labels=labels,
                                title=f"{country} data coverage by thematic area and year"))
        with_mtm = {(a, y): v[1] for (c, a, y), v in mtm.items() if c == country}
        if with_mtm:
            body.append(f"<h3>{escape(country)}: with MTM counted</h3>")
            body.append(heatmap_svg(areas, years, with_mtm, labels=labels,
                                    title=f"{country} data coverage with MTM by thematic area and year"))
        last = years[-1]
        table_rows = []
        for a in areas:
            before = published.get((a, last))
            after = with_mtm.get((a, last))
            table_rows.append([labels.get(a, a), before, after, None if after is None else after - before])
        body.append(html.table(["thematic area", f"coverage {last}", f"with MTM {last}", "gain"],
                               table_rows, numeric=[f"coverage {last}", f"with MTM {last}", "gain"],
                               caption=f"{country}, {last}"))
    return html.section(title, "".join(body), id="data-gaps")


section = render_gap_heatmap  # the name reports/quality.py looks for
