"""Make ``kgz_adm1.geojson`` (the round report's map) from ``../shared/geo`` (run once, by hand).

``python -m mtm.reports.geo.build_geojson ../shared/geo/kgz_adm1_naturalearth.geojson``

Keeps the eight polygons (seven oblasts and Bishkek city) with two properties: ``iso_3166_2``
(matched on ``code_hasc`` and ``name`` as ``../shared/geo/README.md`` says: Bishkek's HASC code
is also set on Chuy, so Chuy is matched by name) and ``name``; coordinates rounded to 0.01
degree (about 1 km, under a pixel at the report's scale) with repeated points dropped.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ISO_BY_HASC = {"KG.YK": "KG-Y", "KG.NA": "KG-N", "KG.BA": "KG-B", "KG.DA": "KG-J", "KG.TL": "KG-T",
               "KG.OS": "KG-O"}
ISO_BY_NAME = {"Chuy": "KG-C", "Bishkek": "KG-GB"}


def iso_code(properties: dict[str, object]) -> str:
    """ISO 3166-2 of a Natural Earth feature (by name first: Chuy carries Bishkek's HASC code)."""
    name = str(properties.get("name"))
    return ISO_BY_NAME.get(name) or ISO_BY_HASC[str(properties.get("code_hasc"))]


def simplify(ring: list[list[float]]) -> list[list[float]]:
    out: list[list[float]] = []
    for lon, lat in ring:
        point = [round(lon, 2), round(lat, 2)]
        if not out or out[-1] != point:
            out.append(point)
    if out[0] != out[-1]:
        out.append(out[0])
    return out


def build(source: Path, target: Path) -> None:
    data = json.loads(source.read_text(encoding="utf-8"))
    features: list[dict[str, Any]] = []
    for feature in data["features"]:
        geometry = feature["geometry"]
        polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
        features.append({"type": "Feature",
                         "properties": {"iso_3166_2": iso_code(feature["properties"]),
                                        "name": feature["properties"]["name"]},
                         "geometry": {"type": "MultiPolygon",
                                      "coordinates": [[simplify(r) for r in poly] for poly in polygons]}})
    features.sort(key=lambda f: f["properties"]["iso_3166_2"])
    target.write_text(json.dumps({"type": "FeatureCollection", "features": features},
                                 separators=(",", ":")) + "\n", encoding="utf-8")


if __name__ == "__main__":
    build(Path(sys.argv[1]), HERE / "kgz_adm1.geojson")
