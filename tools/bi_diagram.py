"""Draw the star schema of the published marts into docs/bi.md, from dbt's manifest (not by hand).

Fact marts are the models under models/marts/ that are not label dimensions; a label dimension
declares the joins fact marts can make to it in `meta.dimension.joins` (a list of
{fact column: dimension column}). A fact mart is linked to a dimension when it has every fact column
of one of those joins. Each entity lists its grain (the `unique_grain` test) and its join columns.

Usage (after `dbt parse` wrote target/manifest.json, or give the manifest of a build:
`warehouse/.mtm/mtm/dbt-target/manifest.json`):
    .venv/bin/python tools/bi_diagram.py            # rewrite the generated part of docs/bi.md
    .venv/bin/python tools/bi_diagram.py --check    # exit 1 when docs/bi.md is not what the manifest says
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MANIFEST = ROOT / "target" / "manifest.json"
DOC = ROOT / "docs" / "bi.md"
START, END = "<!-- star-schema:start (tools/bi_diagram.py) -->", "<!-- star-schema:end -->"


def _marts(manifest: dict) -> dict[str, dict]:
    return {node["name"]: node for node in manifest["nodes"].values()
            if node["resource_type"] == "model" and node["package_name"] == "mtm"
            and node["fqn"][1:2] == ["marts"]}


def _grains(manifest: dict) -> dict[str, list[str]]:
    grains: dict[str, list[str]] = {}
    for node in manifest["nodes"].values():
        meta = node.get("test_metadata") or {}
        if node["resource_type"] == "test" and meta.get("name") == "unique_grain" and node.get("attached_node"):
            grains[node["attached_node"].split(".")[-1]] = list(meta["kwargs"]["columns"])
    return grains


def star(manifest: dict) -> tuple[list[tuple[str, str, dict[str, str]]], dict[str, dict], dict[str, list[str]]]:
    """(fact, dimension, join) links, the mart nodes, the grains."""
    marts = _marts(manifest)
    dims = {name: node["config"]["meta"]["dimension"]["joins"] for name, node in marts.items()
            if (node["config"].get("meta") or {}).get("dimension")}
    links = []
    for fact in sorted(set(marts) - set(dims)):
        columns = set(marts[fact]["columns"])
        for dim in sorted(dims):
            for join in dims[dim]:
                if set(join) <= columns:
                    links.append((fact, dim, join))
    return links, marts, _grains(manifest)


def render(manifest: dict) -> str:
    """The generated part of docs/bi.md: a Mermaid ER diagram and the join table."""
    links, marts, grains = star(manifest)
    lines = [START, "", "```mermaid", "erDiagram"]
    entities = sorted({f for f, _, _ in links} | {d for _, d, _ in links})
    for name in entities:
        node = marts[name]
        keys = list(grains.get(name, []))
        joined = [c for f, _, join in links if f == name for c in join]
        shown = list(dict.fromkeys(keys + joined))
        lines.append(f"    {name} {{")
        for column in shown:
            dtype = (node["columns"].get(column, {}).get("data_type") or "varchar").split("(")[0]
            marker = " PK" if column in keys else ""
            if column in joined and column not in keys:
                marker = " FK"
            elif column in joined:
                marker = " PK, FK"
            lines.append(f"        {dtype} {column}{marker}")
        lines.append("    }")
    for fact, dim, join in links:
        label = ", ".join(join)
        lines.append(f'    {fact} }}o--|| {dim} : "{label}"')
    lines += ["```", "", "| fact mart | grain | joins (fact column = dimension column) |", "|---|---|---|"]
    for fact in sorted({f for f, _, _ in links}):
        joins = "; ".join(f"`{dim}` on " + ", ".join(f"`{fc}` = `{dc}`" for fc, dc in join.items())
                          for f, dim, join in links if f == fact)
        grain = ", ".join(grains.get(fact, [])) or "(none declared)"
        lines.append(f"| `{fact}` | {grain} | {joins} |")
    lines += ["", END]
    return "\n".join(lines)


def updated(doc_text: str, manifest: dict) -> str:
    """docs/bi.md with its generated part replaced."""
    head, rest = doc_text.split(START, 1)
    _, tail = rest.split(END, 1)
    return head + render(manifest) + tail


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--manifest", type=Path, default=MANIFEST)
    parser.add_argument("--check", action="store_true", help="exit 1 when docs/bi.md is stale")
    args = parser.parse_args(argv)
    manifest = json.loads(args.manifest.read_text(encoding="utf-8"))
    text = DOC.read_text(encoding="utf-8")
    new = updated(text, manifest)
    if args.check:
        if new != text:
            print(f"{DOC} is stale: run .venv/bin/python tools/bi_diagram.py", file=sys.stderr)
            return 1
        return 0
    DOC.write_text(new, encoding="utf-8")
    print(f"wrote the star schema into {DOC}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
