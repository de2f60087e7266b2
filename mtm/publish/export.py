"""`mtm export`: the public marts as files partners can use as they are.

Formats, one folder each (``--out``), every folder with a Frictionless ``datapackage.json``
(schema, descriptions from the warehouse's comments, licence, sources):

- ``parquet``: exact values, one file per table (for analysts and Power BI);
- ``csv``: for spreadsheets: UTF-8 with a byte-order mark (so a spreadsheet's default import keeps
  Cyrillic names), figures rounded as the round report rounds them, and the formula guard: a text
  value that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading
  apostrophe, so it is shown as text and never run as a formula;
- ``xlsx``: one workbook ``mtm.xlsx`` for ministry staff: a README sheet, then one sheet per table
  with a frozen header; text cells are written as text (never formulas), figures rounded as in CSV;
- ``hxl``: HXL-tagged CSV for HDX (a hashtag row under the header, hashtags of the HXL core schema),
  rounded like CSV, UTF-8 without byte-order mark and **without** the spreadsheet guard (machine
  readers must get ``-99`` as ``-99``); `UNK` (not an ISO 3166-1 code) is left empty in
  ``#country+code`` columns, the country name says "Unknown".

Which tables: the public marts of the published warehouse, label dimensions included; the quality
marts (``flagged_answers``, ``quarantined_repeat_rows``, ``country_resolutions``,
``unresolved_countries``: file names, load ids and rows of the field data) only with
``--include-internal``; the publication record travels in ``datapackage.json``.

``--round N`` keeps round N in tables that have a ``round_id``; rows that belong to no round
(``round_id`` empty: for example the gap analysis's estimates from other sources) are kept, and the
export says how many. Tables without ``round_id`` are exported whole.

Rounding (CSV, XLSX, HXL), as the round report shows figures: percentages (``pct*``, ``*_pct``,
``coverage_score*``) to whole per cent, mean scores to one decimal, other fractional figures to two
decimals. Parquet keeps the exact values.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb

from mtm.core import progress, warehouse
from mtm.core.errors import InputError

FORMATS = ("parquet", "csv", "xlsx", "hxl")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
INTEGER_TYPES = re.compile(r"^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT)$")
NUMERIC_TYPES = re.compile(r"^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|"
                           r"UBIGINT|UHUGEINT|FLOAT|REAL|DOUBLE|DECIMAL.*)$")
# Quality marts: lineage of the field data (file names, load ids, source rows) for the data team.
INTERNAL_MARTS = frozenset({"flagged_answers", "quarantined_repeat_rows", "country_resolutions",
                            "unresolved_countries"})
# The publication record is metadata of the export (datapackage.json), not a table for partners.
RECORD_TABLES = frozenset({"publication", "publication_files"})
XLSX_MAX_ROWS = 1_048_575  # one row of the sheet is the header
WORKBOOK = "mtm.xlsx"
LICENCE = {
    "name": "CC-BY-IGO-3.0",
    "title": "Creative Commons Attribution for Intergovernmental Organisations 3.0",
    "path": "https://creativecommons.org/licenses/by/3.0/igo/",
}
PUBLISHER = "IOM Displacement Tracking Matrix (DTM), Kyrgyzstan: Mobility Tracking Matrix"

# HXL core-schema hashtag (and attributes) for each mart column name; the rules of `hxl_tag` cover
# the rest. Population groups are not `#group` (armed or other groups in the core schema).
HXL_TAGS: dict[str, str] = {
    "round_id": "#meta+round",
    "previous_round_id": "#meta+round+previous",
    "oblast_code": "#adm1+code",
    "oblast_name": "#adm1+name",
    "oblast_choice": "#adm1+code+form",
    "rayon_code": "#adm2+code",
    "rayon_name": "#adm2+name",
    "community_id": "#loc+code",
    "community_name": "#loc+name",
    "community_key": "#loc+code+key",
    "settlement_type": "#loc+type+code",
    "country_code": "#country+code",
    "country_name": "#country+name",
    "partner_country_code": "#country+code+partner",
    "population_group": "#indicator+population+code",
    "persons": "#affected+ind",
    "persons_same_rayon": "#affected+ind+same_adm2",
    "households": "#affected+hh",
    "informants": "#respondee+num",
    "ki_type": "#respondee+type+code",
    "ki_sex": "#respondee+sex+code",
    "sex": "#respondee+sex+code",
    "mean_score": "#indicator+num+mean_score",
    "rank": "#indicator+num+rank",
    "reason_code": "#indicator+reason+code",
    "reason_label": "#indicator+reason+name",
    "field_name": "#meta+field",
    "service_code": "#service+code",
    "service_label": "#service+name",
    "distance_band": "#indicator+distance+band",
    "duration_class": "#indicator+duration+code",
    "thematic_area": "#sector+migration+code",
    "area_label": "#sector+migration+name",
    "indicator_code": "#indicator+code",
    "measure": "#indicator+measure",
    "breakdown": "#indicator+breakdown",
    "status": "#status+code",
    "panel_status": "#status+panel",
    "coverage_status": "#status+coverage",
    "sort_order": "#meta+sort",
    "link": "#meta+url",
}
# Per-table exceptions: in `communities`, households are the community's population, not affected.
HXL_TABLE_TAGS: dict[tuple[str, str], str] = {
    ("communities", "households"): "#population+hh",
}
# Label columns of the dimensions: the hashtag of what they name, with HXL's language attribute.
HXL_LABEL_BASE: dict[str, str] = {
    "dim_oblasts": "#adm1+name",
    "dim_rayons": "#adm2+name",
    "dim_countries": "#country+name",
    "dim_population_groups": "#indicator+population+name",
    "dim_ki_types": "#respondee+type+name",
    "dim_sexes": "#respondee+sex+name",
    "dim_settlement_types": "#loc+type+name",
    "dim_services": "#service+name",
    "dim_reasons": "#indicator+reason+name",
    "dim_thematic_areas": "#sector+migration+name",
}


@dataclass(frozen=True)
class Column:
    """A mart column: name, DuckDB type, comment, and how it is rounded for spreadsheets."""

    name: str
    dtype: str
    comment: str
    decimals: int | None  # None: written as it is

    @property
    def is_integer(self) -> bool:
        return bool(INTEGER_TYPES.match(self.dtype.upper()))

    @property
    def is_numeric(self) -> bool:
        return bool(NUMERIC_TYPES.match(self.dtype.upper()))


def neutralise(value: object) -> object:
    """A text value a spreadsheet would run as a formula, made inert with a leading apostrophe.

    Booleans are written ``true`` / ``false``; numbers as they are.
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def plain(value: object) -> object:
    """A value for a machine-readable file: booleans ``true`` / ``false``, dates ISO 8601."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def decimals_for(column: str, dtype: str) -> int | None:
    """Decimals a spreadsheet export keeps, as the round report shows the figure; None for exact."""
    if not NUMERIC_TYPES.match(dtype.upper()) or INTEGER_TYPES.match(dtype.upper()):
        return None
    if column.startswith(("pct", "coverage_score")) or column.endswith("_pct"):
        return 0
    if column.endswith("score"):
        return 1
    return 2


def hxl_tag(table: str, column: str, column_type: str) -> str:
    """The HXL hashtag of a mart column: explicit choices first, then rules by name and type."""
    if (table, column) in HXL_TABLE_TAGS:
        return HXL_TABLE_TAGS[(table, column)]
    label = re.fullmatch(r"label_([a-z]{2})", column)
    if label and table in HXL_LABEL_BASE:
        return f"{HXL_LABEL_BASE[table]}+i_{label.group(1)}"
    if column in HXL_TAGS:
        return HXL_TAGS[column]
    attribute = re.sub(r"[^a-z0-9_]", "_", column.lower())
    upper = column_type.upper()
    if upper == "BOOLEAN":
        return f"#status+{attribute}"
    if upper.startswith(("DATE", "TIMESTAMP")):
        return f"#date+{attribute}"
    if column.startswith(("pct", "coverage_score")) or column.endswith("_pct"):
        return f"#indicator+pct+{attribute}"
    if INTEGER_TYPES.match(upper) and (column == "year" or column.endswith("_year") or column.startswith("year_")):
        return "#date+year" + ("" if column == "year" else f"+{attribute}")
    if column.startswith("persons_"):
        return "#affected+ind+" + attribute.removeprefix("persons_")
    if NUMERIC_TYPES.match(upper):
        return f"#indicator+num+{attribute}"
    if column.endswith("_code"):
        return f"#indicator+code+{attribute.removesuffix('_code')}"
    if column.endswith(("_label", "_name")):
        return f"#description+{attribute}"
    return f"#meta+{attribute}"


def public_marts(con: duckdb.DuckDBPyConnection, include_internal: bool = False) -> list[str]:
    """Names of the tables of schema ``marts`` partners get, sorted (quality marts only on request)."""
    rows = con.execute(
        "select table_name from information_schema.tables where table_schema = 'marts'"
        " and table_catalog = current_database() order by table_name"
    ).fetchall()
    return [name for (name,) in rows if name not in RECORD_TABLES
            and (include_internal or name not in INTERNAL_MARTS)]


def columns_of(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple[str, str]]:
    """(column, type) of a mart, in table order."""
    return [(name, dtype) for name, dtype in con.execute(
        "select column_name, data_type from information_schema.columns where table_schema = 'marts'"
        " and table_name = ? and table_catalog = current_database() order by ordinal_position",
        [table],
    ).fetchall()]


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> list[Column]:
    rows = con.execute(
        "select column_name, data_type, coalesce(comment, '') from duckdb_columns()"
        " where database_name = current_database() and schema_name = 'marts' and table_name = ?"
        " order by column_index", [table]).fetchall()
    return [Column(name, dtype, comment, decimals_for(name, dtype)) for name, dtype, comment in rows]


def _table_comment(con: duckdb.DuckDBPyConnection, table: str) -> str:
    rows = con.execute("select coalesce(comment, '') from duckdb_tables() where database_name = current_database()"
                       " and schema_name = 'marts' and table_name = ?", [table]).fetchall()
    return rows[0][0] if rows else ""


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _select(table: str, columns: Sequence[Column], round_id: int | None, *, rounded: bool,
            unknown_empty: Sequence[str] = ()) -> tuple[str, list]:
    """The query of one table: rounded figures for spreadsheets, the round filter, a stable order;
    ``unknown_empty``: columns whose `UNK` (no ISO 3166-1 code) is written empty (HXL)."""
    names = [c.name for c in columns]
    parts = []
    for c in columns:
        if c.name in unknown_empty:
            parts.append(f"nullif({_quote(c.name)}, 'UNK') as {_quote(c.name)}")
        elif rounded and c.decimals == 0:
            parts.append(f"cast(round_even({_quote(c.name)}, 0) as bigint) as {_quote(c.name)}")
        elif rounded and c.decimals is not None:
            parts.append(f"round_even({_quote(c.name)}, {c.decimals}) as {_quote(c.name)}")
        else:
            parts.append(_quote(c.name))
    sql = f"select {', '.join(parts)} from marts.{_quote(table)}"
    params: list = []
    if round_id is not None and "round_id" in names:
        sql += " where round_id = ? or round_id is null"
        params.append(round_id)
    return sql + " order by " + ", ".join(f"{i + 1}" for i in range(len(names))), params


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]],
              tags: Sequence[str] | None = None, *, spreadsheet: bool = True) -> int:
    """Write a CSV; return the data rows. ``spreadsheet``: byte-order mark and formula guard (CSV for
    spreadsheets); otherwise plain UTF-8 with values as they are (HXL, with its hashtag row ``tags``)."""
    count = 0
    clean = neutralise if spreadsheet else plain
    with open(path, "w", newline="", encoding="utf-8-sig" if spreadsheet else "utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow([clean(h) for h in header])
        if tags is not None:
            writer.writerow(tags)
        for row in rows:
            writer.writerow(["" if v is None else clean(plain(v) if isinstance(v, datetime | date) else v)
                             for v in row])
            count += 1
    return count


def _field_type(column: Column, rounded: bool) -> dict[str, str]:
    upper = column.dtype.upper()
    if column.is_integer or (rounded and column.decimals == 0):
        return {"type": "integer"}
    if column.is_numeric:
        return {"type": "number"}
    if upper == "BOOLEAN":
        return {"type": "boolean"}
    if upper == "DATE":
        return {"type": "date"}
    if upper.startswith("TIMESTAMP"):
        return {"type": "datetime", "format": "any"}
    return {"type": "string"}


def _field(column: Column, rounded: bool, tag: str | None) -> dict[str, object]:
    description = column.comment
    if rounded and column.decimals is not None:
        how = "whole per cent" if column.decimals == 0 else f"{column.decimals} decimal(s)"
        description += f" Rounded to {how} as in the round report; exact value in the Parquet export."
    field: dict[str, object] = {"name": column.name, **_field_type(column, rounded), "description": description.strip()}
    if tag:
        field["rdfType"] = f"https://hxlstandard.org/standard/1-1final/dictionary/#tag_{tag.split('+')[0][1:]}"
        field["hxl"] = tag
    return field


def _publication(con: duckdb.DuckDBPyConnection) -> tuple[dict, list[dict]]:
    try:
        pub = con.execute("select publication_id, published_at, rounds, code_version from marts.publication"
                          ).fetchall()[0]
        files = con.execute("select form, round_id, country_code, file_name, file_sha256 from marts.publication_files"
                            " order by form, round_id, country_code").fetchall()
    except duckdb.Error:  # a warehouse published before the publication record existed
        return {}, []
    record = {"publication_id": pub[0], "published_at": pub[1].isoformat() + "Z", "rounds": pub[2],
              "code_version": pub[3]}
    sources = [{"title": f"{'Migration Data Gap Analysis workbook' if form == 'gaps' else 'KoboToolbox export'}"
                        f" {file_name}" + (f" (round {round_id}, form {form})" if round_id is not None else
                                           f" ({country})"),
                "path": file_name, "sha256": sha}
               for form, round_id, country, file_name, sha in files]
    return record, sources


def _datapackage(out: Path, fmt: str, resources: list[dict], record: dict, sources: list[dict],
                 round_id: int | None) -> Path:
    scope = f"round {round_id} (and rows that belong to no round)" if round_id is not None else "every round"
    descriptor: dict[str, Any] = {
        "name": f"mtm-kyrgyzstan-{fmt}" + (f"-round-{round_id}" if round_id is not None else ""),
        "title": "IOM DTM Kyrgyzstan: Mobility Tracking Matrix, Baseline Mobility Assessment marts",
        "description": (f"Public marts of the MTM Kyrgyzstan warehouse ({scope}) as {fmt.upper()}. Labels in English, "
                        "Russian and Kyrgyz are in the dim_* tables. "
                        + ("Exact values." if fmt == "parquet" else
                           "Figures rounded as in the round report; exact values in the Parquet export.")),
        "licenses": [LICENCE],
        "contributors": [{"title": PUBLISHER, "role": "publisher"}],
        "sources": [{"title": PUBLISHER + ", Baseline Mobility Assessment rounds"}] + sources,
        "created": datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "resources": resources,
    }
    if record:
        descriptor["version"] = record["published_at"]
        descriptor["mtm_publication"] = record
    target = out / "datapackage.json"
    target.write_text(json.dumps(descriptor, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return target


def _resource(table: str, path: str, fmt: str, description: str, fields: list[dict]) -> dict:
    resource: dict[str, object] = {
        "name": table, "path": path, "profile": "tabular-data-resource", "title": table,
        "description": description, "schema": {"fields": fields},
    }
    if fmt in ("csv", "hxl"):
        resource |= {"format": "csv", "mediatype": "text/csv", "encoding": "utf-8-sig" if fmt == "csv" else "utf-8"}
        if fmt == "hxl":
            resource["dialect"] = {"headerRows": [1], "commentRows": [2]}
    elif fmt == "xlsx":
        resource |= {"format": "xlsx", "dialect": {"excel": {"sheet": table}}}
    else:
        # readers of Parquet through pandas (frictionless with fastparquet) see an empty integer as NaN
        resource |= {"format": "parquet"}
        resource["schema"] = {"fields": fields, "missingValues": ["", "nan"]}
    return resource


def export(paths: warehouse.WarehousePaths, fmt: str, out: Path, round_id: int | None = None,
           *, include_internal: bool = False) -> list[Path]:
    """Export the public marts of the published warehouse to ``out``; return the files written
    (``datapackage.json`` last)."""
    if fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if not paths.published.exists():
        raise InputError("no published warehouse: run `mtm build` first", file=str(paths.published))
    out.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(paths.published), read_only=True)
    written: list[Path] = []
    resources: list[dict] = []
    rounded = fmt != "parquet"
    try:
        tables = public_marts(con, include_internal)
        if not tables:
            raise InputError("the published warehouse has no marts", file=str(paths.published))
        if round_id is not None:
            _check_round(con, tables, round_id, paths.published)
        workbook = _Workbook(out / WORKBOOK, round_id) if fmt == "xlsx" else None
        for table in tables:
            columns = _columns(con, table)
            tags = [hxl_tag(table, c.name, c.dtype) for c in columns] if fmt == "hxl" else None
            unknown_empty = [c.name for c, tag in zip(columns, tags or [], strict=False)
                             if tag.startswith("#country+code")]
            sql, params = _select(table, columns, round_id, rounded=rounded, unknown_empty=unknown_empty)
            description = _table_comment(con, table)
            without_round = _rows_without_round(con, table, columns, round_id)
            if without_round:
                description += (f" This export of round {round_id} also holds the {without_round} rows that belong"
                                " to no round (round_id empty).")
                progress.step(f"{table}: kept {without_round} rows without a round")
            fields = [_field(c, rounded, tags[i] if tags else None) for i, c in enumerate(columns)]
            header = [c.name for c in columns]
            if fmt == "parquet":
                target = out / f"{table}.parquet"
                _write_parquet(con, sql, params, target)
                resources.append(_resource(table, target.name, fmt, description, fields))
            elif workbook is not None:
                workbook.add(table, description, header, _rows(con, sql, params))
                resources.append(_resource(table, WORKBOOK, fmt, description, fields))
                continue
            else:
                target = out / f"{table}.{'hxl.csv' if fmt == 'hxl' else 'csv'}"
                write_csv(target, header, _rows(con, sql, params), tags, spreadsheet=fmt == "csv")
                resources.append(_resource(table, target.name, fmt, description, fields))
            written.append(target)
            progress.step(f"exported {target}")
        record, sources = _publication(con)
        if workbook is not None:
            written.append(workbook.close(record))
            progress.step(f"exported {out / WORKBOOK}")
    finally:
        con.close()
    written.append(_datapackage(out, fmt, resources, record, sources, round_id))
    return written


class _Workbook:
    """The XLSX export: README sheet first, one sheet per table, frozen header, text as text."""

    def __init__(self, path: Path, round_id: int | None) -> None:
        import xlsxwriter

        self.path = path
        self.round_id = round_id
        # strings stay strings: no formula, URL or number conversion of text cells
        self.book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False,
                                                    "strings_to_numbers": False})
        self.readme = self.book.add_worksheet("README")
        self.bold = self.book.add_format({"bold": True})
        self.wrap = self.book.add_format({"text_wrap": True, "valign": "top"})
        self.tables: list[tuple[str, str, int]] = []

    def add(self, table: str, description: str, header: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
        sheet = self.book.add_worksheet(table[:31])
        for col, name in enumerate(header):
            sheet.write_string(0, col, name, self.bold)
            sheet.set_column(col, col, max(10, min(40, len(name) + 2)))
        count = 0
        for count, row in enumerate(rows, start=1):
            if count > XLSX_MAX_ROWS:
                raise InputError(f"table {table} has more rows than a worksheet holds ({XLSX_MAX_ROWS}); "
                                 "export it as CSV or Parquet", file=str(self.path))
            for col, value in enumerate(row):
                self._cell(sheet, count, col, value)
        sheet.freeze_panes(1, 0)
        sheet.autofilter(0, 0, max(count, 1), max(len(header) - 1, 0))
        self.tables.append((table, description, count))

    def _cell(self, sheet, row: int, col: int, value: object) -> None:
        if value is None:
            return
        if isinstance(value, bool):  # as text, like the CSV (LibreOffice saves a boolean cell as =TRUE())
            sheet.write_string(row, col, "true" if value else "false")
        elif isinstance(value, int | float):
            sheet.write_number(row, col, value)
        elif isinstance(value, datetime | date):
            sheet.write_string(row, col, value.isoformat())
        else:
            sheet.write_string(row, col, str(value))

    def close(self, record: dict) -> Path:
        lines = [
            ("IOM DTM Kyrgyzstan: Mobility Tracking Matrix, Baseline Mobility Assessment", ""),
            ("Rounds", f"round {self.round_id} (and rows that belong to no round)" if self.round_id is not None
             else "every round in the warehouse"),
            ("Published", record.get("published_at", "")),
            ("Publication id", record.get("publication_id", "")),
            ("Licence", f"{LICENCE['title']} ({LICENCE['path']})"),
            ("Figures", ("Percentages rounded to whole per cent and mean scores to one decimal, as in the round "
                        "report; exact values in the Parquet export.")),
            ("Labels", "English, Russian and Kyrgyz labels of every code are in the dim_* sheets."),
            ("", ""),
            ("Sheet", "What it holds (rows)"),
        ]
        lines += [(table, f"{description} ({rows} rows)") for table, description, rows in self.tables]
        self.readme.set_column(0, 0, 28)
        self.readme.set_column(1, 1, 120, self.wrap)
        for row, (a, b) in enumerate(lines):
            self.readme.write_string(row, 0, a, self.bold if row in (0, 8) else None)
            self.readme.write_string(row, 1, b)
        self.book.close()
        return self.path


def _rows_without_round(con: duckdb.DuckDBPyConnection, table: str, columns: Sequence[Column],
                        round_id: int | None) -> int:
    if round_id is None or "round_id" not in [c.name for c in columns]:
        return 0
    return int(con.execute(f"select count(*) from marts.{_quote(table)} where round_id is null").fetchall()[0][0])


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
            ((hit,),) = con.execute(f'select count(*) from marts."{table}" where round_id = ?', [round_id]).fetchall()
            if hit:
                return
    raise InputError(f"round {round_id} is not in the published warehouse", file=str(db))

