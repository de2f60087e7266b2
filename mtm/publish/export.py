"""`mtm export`: the public marts as files for partners (Parquet, CSV, or HXL-tagged CSV for HDX).

Every table of schema ``marts`` in the *published* warehouse is exported, one file per table.
With ``--round N`` the tables that have a ``round_id`` keep only that round; tables without one
(the data-gap tables) are exported whole.

CSV files are safe to open in a spreadsheet: a text value that starts with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return is written with a leading apostrophe, so it is shown as text and
never run as a formula. Numeric columns are written as numbers (a number cannot carry a formula).
"""

from __future__ import annotations

import argparse
import csv
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

import duckdb

from mtm.core import progress, warehouse
from mtm.core.errors import InputError

FORMATS = ("parquet", "csv", "hxl")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
NUMERIC_TYPES = re.compile(r"^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|"
                           r"UBIGINT|UHUGEINT|FLOAT|REAL|DOUBLE|DECIMAL.*)$")

# HXL hashtag for each mart column name (see docs/operations.md for the reasons of each choice).
HXL_TAGS: dict[str, str] = {
    "round_id": "#meta+round",
    "oblast_code": "#adm1+code",
    "oblast_name": "#adm1+name",
    "rayon_code": "#adm2+code",
    "rayon_name": "#adm2+name",
    "community_id": "#loc+code",
    "community_name": "#loc+name",
    "settlement_type": "#loc+type",
    "country_code": "#country+code",
    "country_name": "#country+name",
    "year": "#date+year",
    "reference_year": "#date+year+reference",
    "previous_round_id": "#meta+round+previous",
    "population_group": "#group+population+code",
    "persons": "#affected+ind",
    "persons_same_rayon": "#affected+ind+same_adm2",
    "households": "#affected+hh",
    "unknown_answers": "#indicator+value+num+unknown",
    "mean_score": "#indicator+value+num+mean_score",
    "rank": "#indicator+rank",
    "reason_code": "#indicator+reason+code",
    "reason_label": "#indicator+reason+name",
    "service_code": "#service+code",
    "distance_band": "#indicator+distance+band",
    "ki_type": "#group+ki+type",
    "ki_sex": "#group+ki+sex",
    "duration_class": "#group+duration+code",
    "is_partial_year": "#status+partial_year",
    "thematic_area": "#sector+migration+code",
    "indicator_code": "#indicator+code",
    "measure": "#indicator+measure",
    "breakdown": "#indicator+breakdown",
    "status": "#status+code",
    "panel_status": "#status+panel",
}
# Per-table exceptions: in `communities`, households are the community's population, not affected.
HXL_TABLE_TAGS: dict[tuple[str, str], str] = {
    ("communities", "households"): "#population+hh",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `mtm export`."""
    parser.add_argument("--format", required=True, choices=FORMATS, help="file format")
    parser.add_argument("--round", type=int, dest="round_id", help="only this round (tables with round_id)")
    parser.add_argument("--out", required=True, help="folder to write the files into")
    parser.add_argument("--warehouse", help="published warehouse file (default warehouse/mtm.duckdb)")


def neutralise(value: object) -> object:
    """A text value a spreadsheet would run as a formula, made inert with a leading apostrophe.

    Booleans are written ``true`` / ``false``; numbers as they are.
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def hxl_tag(table: str, column: str, column_type: str) -> str:
    """The HXL hashtag of a mart column: explicit choices first, then rules by name and type."""
    if (table, column) in HXL_TABLE_TAGS:
        return HXL_TABLE_TAGS[(table, column)]
    if column in HXL_TAGS:
        return HXL_TAGS[column]
    attribute = re.sub(r"[^a-z0-9_]", "_", column.lower())
    if column.startswith("persons_"):
        return "#affected+ind+" + attribute.removeprefix("persons_")
    if column.startswith("pct"):
        rest = attribute.removeprefix("pct").strip("_")
        return "#indicator+value+pct" + (f"+{rest}" if rest else "")
    if column.endswith("_score"):
        return f"#indicator+value+pct+{attribute}" if "coverage" in column else f"#indicator+value+num+{attribute}"
    if NUMERIC_TYPES.match(column_type.upper()):
        return f"#indicator+value+num+{attribute}"
    if column_type.upper() == "BOOLEAN":
        return f"#status+{attribute}"
    if column_type.upper().startswith(("DATE", "TIMESTAMP")):
        return f"#date+{attribute}"
    return f"#meta+{attribute}"


def public_marts(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Names of the tables and views of schema ``marts``, sorted."""
    rows = con.execute(
        "select table_name from information_schema.tables where table_schema = 'marts'"
        " and table_catalog = current_database() order by table_name"
    ).fetchall()
    return [name for (name,) in rows]


def columns_of(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple[str, str]]:
    """(column, type) of a mart, in table order."""
    return [(name, dtype) for name, dtype in con.execute(
        "select column_name, data_type from information_schema.columns where table_schema = 'marts'"
        " and table_name = ? and table_catalog = current_database() order by ordinal_position",
        [table],
    ).fetchall()]


def _select(table: str, columns: Sequence[tuple[str, str]], round_id: int | None) -> tuple[str, list]:
    names = [c for c, _ in columns]
    order = ", ".join(f'"{c}"' for c in names)
    sql = f'select * from marts."{table}"'
    params: list = []
    if round_id is not None and "round_id" in names:
        sql += " where round_id = ?"
        params.append(round_id)
    return sql + f" order by {order}", params


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]],
              tags: Sequence[str] | None = None) -> int:
    """Write a spreadsheet-safe CSV (optionally with an HXL hashtag row); return the data rows."""
    count = 0
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow([neutralise(h) for h in header])
        if tags is not None:
            writer.writerow(tags)
        for row in rows:
            writer.writerow(["" if v is None else neutralise(v) for v in row])
            count += 1
    return count


def export(paths: warehouse.WarehousePaths, fmt: str, out: Path, round_id: int | None = None) -> list[Path]:
    """Export every public mart of the published warehouse to ``out``; return the files written."""
    if fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if not paths.published.exists():
        raise InputError("no published warehouse: run `mtm build` first", file=str(paths.published))
    out.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(paths.published), read_only=True)
    written: list[Path] = []
    try:
        tables = public_marts(con)
        if not tables:
            raise InputError("the published warehouse has no marts", file=str(paths.published))
        if round_id is not None:
            _check_round(con, tables, round_id, paths.published)
        for table in tables:
            columns = columns_of(con, table)
            sql, params = _select(table, columns, round_id)
            if fmt == "parquet":
                target = out / f"{table}.parquet"
                _write_parquet(con, sql, params, target)
            else:
                target = out / f"{table}.{'hxl.csv' if fmt == 'hxl' else 'csv'}"
                tags = [hxl_tag(table, c, t) for c, t in columns] if fmt == "hxl" else None
                write_csv(target, [c for c, _ in columns], _rows(con, sql, params), tags)
            written.append(target)
            progress.step(f"exported {target}")
    finally:
        con.close()
    return written


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list) -> Iterable[tuple]:
    """The rows of a query, fetched in batches."""
    result = con.execute(sql, params)
    while batch := result.fetchmany(10_000):
        yield from batch


def _write_parquet(con: duckdb.DuckDBPyConnection, sql: str, params: list, target: Path) -> None:
    import pyarrow.parquet as pq

    table = con.sql(sql, params=params).to_arrow_table()
    pq.write_table(table, target)


def _check_round(con: duckdb.DuckDBPyConnection, tables: Sequence[str], round_id: int, db: Path) -> None:
    """Refuse a round that no mart holds."""
    for table in tables:
        if "round_id" in [c for c, _ in columns_of(con, table)]:
            (hit,) = con.execute(f'select count(*) from marts."{table}" where round_id = ?', [round_id]).fetchone()
            if hit:
                return
    raise InputError(f"round {round_id} is not in the published warehouse", file=str(db))


def run(args: argparse.Namespace) -> int:
    """Entry point of `mtm export`."""
    files = export(warehouse.resolve(args.warehouse), args.format, Path(args.out), args.round_id)
    for path in files:
        print(path)
    return 0
