"""The package's structure, read from the code with ``ast``: layers, circles, and where SQL lives.

Layers (docs/architecture.md), bottom to top; a module imports only from its own package or a
lower layer, never upward, and never from a sibling package of its own layer:

    1 mtm.core  <  2 mtm.loaders, mtm.sample, mtm.checks, mtm.publish  <  3 mtm.reports
      <  4 mtm.pipeline  <  5 mtm.cli

Every import counts, including those inside functions (a late import is still a dependency).
Modules must not import each other in a circle. And no Python module computes over the
warehouse's dbt layers: SQL over ``staging`` or ``intermediate`` is the models' business, and over
``marts`` Python only reads a published table as any BI tool would (select, filter, order,
count its rows); joins, aggregates, unions and windows belong in a model (the quality checks are
the models of ``models/quality``).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "mtm"
LAYERS: dict[str, int] = {
    "core": 1,
    "loaders": 2, "sample": 2, "checks": 2, "publish": 2,
    "reports": 3,
    "pipeline": 4,
    "cli": 5,
}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES: dict[str, Path] = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imported_modules(path: Path) -> Iterator[tuple[str, int]]:
    """(mtm module imported, line) of every import in the file, resolved to a module of MODULES."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            # `from mtm.checks import frames` imports the module mtm.checks.frames
            names = [f"{node.module}.{alias.name}" if f"{node.module}.{alias.name}" in MODULES else node.module
                     for alias in node.names]
        else:
            continue
        for name in names:
            if name == "mtm" or name.startswith("mtm."):
                yield name, node.lineno


def layer_package(module: str) -> str | None:
    """The package of the layer table a module belongs to (``mtm.checks.gate`` -> ``checks``)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None


def graph() -> dict[str, set[str]]:
    return {module: {name for name, _ in imported_modules(path) if name != module}
            for module, path in MODULES.items()}


def test_every_package_has_a_layer() -> None:
    packages = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert packages == set(LAYERS)


def test_imports_point_down_only() -> None:
    offenders = []
    for module, path in MODULES.items():
        own = layer_package(module)
        if own is None:
            continue
        for name, line in imported_modules(path):
            target = layer_package(name)
            if target is None or target == own:
                continue
            if LAYERS[target] > LAYERS[own]:
                offenders.append(f"{path.relative_to(ROOT)}:{line}: {module} imports {name} (upward)")
            elif LAYERS[target] == LAYERS[own]:
                offenders.append(f"{path.relative_to(ROOT)}:{line}: {module} imports {name} (same layer)")
    assert offenders == []


def find_circles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return circles


def test_no_circles() -> None:
    assert find_circles(graph()) == []


def test_the_checks_catch_what_they_must() -> None:
    assert find_circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert find_circles({"a": {"b"}, "b": set()}) == []
    assert computes_over_dbt_layers("select x, sum(y) from marts.t group by x")
    assert computes_over_dbt_layers("select * from staging.stg_kobo__b2_submissions")
    assert computes_over_dbt_layers("select * from marts.a join marts.b on a.k = b.k")
    assert not computes_over_dbt_layers('select * from marts."communities" where round_id = ?')
    assert not computes_over_dbt_layers("select * from quality.qc_population_jumps order by round_id")


DBT_LAYER = re.compile(r"\b(?:from|join)\s+\"?(?P<schema>staging|intermediate|marts)\"?\s*\.", re.IGNORECASE)
COMPUTING = re.compile(r"\bjoin\b|\bgroup\s+by\b|\bunion\b|\bover\s*\(|\bwith\s+\w+\s+as\s*\(|\bhaving\b|"
                       r"\b(?:sum|avg|min|max|lag|lead|rank|string_agg)\s*\(|\bcase\s+when\b", re.IGNORECASE)


def computes_over_dbt_layers(text: str) -> bool:
    """True for SQL that reads staging or intermediate, or computes over the marts."""
    found = [m["schema"].lower() for m in DBT_LAYER.finditer(text)]
    return bool(found) and (any(s != "marts" for s in found) or bool(COMPUTING.search(text)))


def string_literals(path: Path) -> Iterator[tuple[int, str]]:
    """Every string constant of a module, f-strings with their placeholders as ``{}``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            yield node.lineno, "".join(v.value if isinstance(v, ast.Constant) and isinstance(v.value, str)
                                       else "{}" for v in node.values)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.lineno, node.value


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_sql_over_the_dbt_layers(module: str) -> None:
    path = MODULES[module]
    offenders = [f"{path.relative_to(ROOT)}:{line}" for line, text in string_literals(path)
                 if computes_over_dbt_layers(text)]
    assert offenders == []
