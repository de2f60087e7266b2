"""The choropleth of the nine areas (seven oblasts, Bishkek city, Osh city), drawn from GeoJSON.

``choropleth(values, names, ...)`` projects ``geo/kgz_adm1.geojson`` (equirectangular, longitude
scaled by the cosine of the mean latitude) into SVG path data at build time and returns a
``ChoroplethMap``: one ``Area`` per ISO code with its path (or, for Osh city, a point), its value
and its colour class, plus the legend. The template ``macros.html.j2`` draws it; no script.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

GEOJSON = Path(__file__).resolve().parent / "geo" / "kgz_adm1.geojson"
OSH_CITY = ("KG-GO", 72.80, 40.53)  # (ISO code, longitude, latitude): no polygon at this scale
AREAS: tuple[str, ...] = ("KG-B", "KG-C", "KG-GB", "KG-GO", "KG-J", "KG-N", "KG-O", "KG-T", "KG-Y")
COLOURS: tuple[str, ...] = ("#e8eef8", "#b9cbe9", "#7f9fd6", "#3f6cbf", "#0033a0")
NO_DATA = "#f4f4f4"


@dataclass(frozen=True)
class Area:
    """One area on the map: a polygon path or a point, with its value."""

    code: str
    name: str
    value: float
    value_text: str
    colour: str
    path: str = ""
    cx: float = 0.0
    cy: float = 0.0
    label_x: float = 0.0
    label_y: float = 0.0

    @property
    def is_point(self) -> bool:
        return not self.path


@dataclass(frozen=True)
class LegendClass:
    colour: str
    text: str


@dataclass(frozen=True)
class ChoroplethMap:
    width: int
    height: int
    areas: tuple[Area, ...]
    legend: tuple[LegendClass, ...]


@lru_cache(maxsize=1)
def _features() -> tuple[tuple[str, tuple[tuple[tuple[float, float], ...], ...]], ...]:
    data = json.loads(GEOJSON.read_text(encoding="utf-8"))
    out = []
    for feature in data["features"]:
        rings = tuple(tuple((float(x), float(y)) for x, y in ring)
                      for polygon in feature["geometry"]["coordinates"] for ring in polygon)
        out.append((feature["properties"]["iso_3166_2"], rings))
    return tuple(out)


def _projector(width: int, pad: int) -> tuple[Callable[[float, float], tuple[float, float]], int]:
    points = [p for _, rings in _features() for ring in rings for p in ring]
    lon0, lon1 = min(p[0] for p in points), max(p[0] for p in points)
    lat0, lat1 = min(p[1] for p in points), max(p[1] for p in points)
    k = math.cos(math.radians((lat0 + lat1) / 2))
    scale = (width - 2 * pad) / ((lon1 - lon0) * k)
    height = int((lat1 - lat0) * scale + 2 * pad)

    def project(lon: float, lat: float) -> tuple[float, float]:
        return pad + (lon - lon0) * k * scale, pad + (lat1 - lat) * scale

    return project, height


def classes(values: list[float], n: int = len(COLOURS)) -> list[float]:
    """Upper bounds of ``n`` equal-width classes from 0 to the largest value."""
    top = max(values + [0.0]) or 1.0
    return [top * (i + 1) / n for i in range(n)]


def choropleth(values: Mapping[str, float], names: Mapping[str, str], fmt: Callable[[float], str],
               *, width: int = 640, pad: int = 8) -> ChoroplethMap:
    """The nine areas coloured by ``values`` (ISO code -> number), labelled with ``names``."""
    project, height = _projector(width, pad)
    bounds = classes([float(v) for v in values.values()])

    def colour(value: float | None) -> str:
        if value is None or value <= 0:
            return NO_DATA
        return COLOURS[next(i for i, b in enumerate(bounds) if value <= b + 1e-9)]

    areas: list[Area] = []
    for code, rings in _features():
        parts, xs, ys = [], [], []
        for ring in rings:
            xy = [project(lon, lat) for lon, lat in ring]
            xs += [x for x, _ in xy]
            ys += [y for _, y in xy]
            parts.append("M" + " L".join(f"{x:.1f},{y:.1f}" for x, y in xy) + " Z")
        value = float(values.get(code, 0.0) or 0.0)
        areas.append(Area(code=code, name=names.get(code, code), value=value, value_text=fmt(value),
                          colour=colour(value), path=" ".join(parts),
                          label_x=(min(xs) + max(xs)) / 2, label_y=(min(ys) + max(ys)) / 2))
    code, lon, lat = OSH_CITY
    x, y = project(lon, lat)
    value = float(values.get(code, 0.0) or 0.0)
    areas.append(Area(code=code, name=names.get(code, code), value=value, value_text=fmt(value),
                      colour=colour(value), cx=x, cy=y, label_x=x, label_y=y))
    legend = [LegendClass(NO_DATA, "0")]
    low = 0.0
    for i, bound in enumerate(bounds):
        legend.append(LegendClass(COLOURS[i], f"{fmt(low)}\u2013{fmt(bound)}"))
        low = bound
    return ChoroplethMap(width=width, height=height, areas=tuple(sorted(areas, key=lambda a: a.code)),
                         legend=tuple(legend))
