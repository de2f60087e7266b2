"""The published file as BI tools see it: readable by DuckDB 1.x, compact, self-describing, with
label dimensions in three languages and a publication record that matches the loads."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
import yaml

from mtm.core import warehouse
from mtm.core.errors import InputError
from mtm.publish import publish
from tests.ops.duckdb_client import OLD_DUCKDB, read_with_old_duckdb
from tests.ops.marts_fixture import make_marts

PROJECT_DIR = Path(__file__).resolve().parents[2]
DIMENSIONS_YML = PROJECT_DIR / "models" / "marts" / "dimensions" / "_dimensions__models.yml"
LANGUAGES = ("label_en", "label_ru", "label_ky")
# Code columns with no label dimension, on purpose: the gap analysis's indicator codes (English in
# the gap workbook) and a B1-B2 matching detail of b1_coverage.
UNLABELLED_CODES = {"indicator_code", "b2_rayon_code"}
# Dimensions English only, on purpose (meta.dimension.languages): the gap workbook has no ru/ky.
ENGLISH_ONLY = {"dim_thematic_areas"}


def dimension_joins() -> list[tuple[str, dict[str, str]]]:
    """(dimension mart, {fact column: dimension column}) of every join meta.dimension.joins of the
    dbt YAML declares."""
    models = yaml.safe_load(DIMENSIONS_YML.read_text(encoding="utf-8"))["models"]
    return [(m["name"], join) for m in models for join in m["config"]["meta"]["dimension"]["joins"]]


def dimension_languages() -> dict[str, tuple[str, ...]]:
    """dimension mart -> its label columns: three languages unless meta.dimension.languages says less."""
    models = yaml.safe_load(DIMENSIONS_YML.read_text(encoding="utf-8"))["models"]
    return {m["name"]: tuple(f"label_{lang}" for lang in m["config"]["meta"]["dimension"].get("languages", []))
            or LANGUAGES for m in models}


@pytest.fixture(scope="module")
def published(built_sample_warehouse: warehouse.WarehousePaths) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(built_sample_warehouse.published), read_only=True)
    yield con
    con.close()


def tables_of(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    return con.execute("select schema_name, table_name from duckdb_tables()"
                       " where database_name = current_database() order by 1, 2").fetchall()


def test_duckdb_1_1_reads_every_published_table(built_sample_warehouse, published) -> None:
    seen = read_with_old_duckdb(built_sample_warehouse.published)
    assert seen["version"] == OLD_DUCKDB
    expected = {f"{s}.{t}": published.execute(f'select count(*) from "{s}"."{t}"').fetchone()[0]
                for s, t in tables_of(published)}
    assert seen["tables"] == expected
    assert sum(1 for name in expected if name.startswith("marts.")) >= 30
    assert seen["commented_columns"] == published.execute(
        "select count(*) from duckdb_columns() where schema_name = 'marts'").fetchone()[0]


def test_published_file_holds_only_what_readers_need(built_sample_warehouse, published) -> None:
    schemas = {s for s, _ in tables_of(published)}
    assert schemas == {"marts", "quality"}
    assert published.execute("select count(*) from duckdb_views() where not internal").fetchone()[0] == 0
    work = duckdb.connect(str(built_sample_warehouse.working), read_only=True)
    try:
        working_marts = {t for (t,) in work.execute(
            "select table_name from duckdb_tables() where schema_name = 'marts'").fetchall()}
    finally:
        work.close()
    assert {t for s, t in tables_of(published) if s == "marts"} == working_marts | {"publication", "publication_files"}
    # written fresh: a fraction of the working copy (raw, staging and intermediate stay behind)
    assert built_sample_warehouse.published.stat().st_size < built_sample_warehouse.working.stat().st_size / 2


def published_columns(con: duckdb.DuckDBPyConnection, schema: str) -> dict[str, list[str]]:
    """table -> its columns, of one schema of the open database."""
    out: dict[str, list[str]] = {}
    for table, column in con.execute(
            "select table_name, column_name from duckdb_columns() where database_name = current_database()"
            " and schema_name = ? order by table_name, column_index", [schema]).fetchall():
        out.setdefault(table, []).append(column)
    return out


def test_published_columns_are_exactly_the_contracts(built_sample_warehouse, published) -> None:
    """Issue 12: the published file holds no column the marts contract does not define. Marts:
    the enforced dbt contract of each model (the build's manifest); the publication record:
    mtm.publish; the gate results: mtm.checks.store."""
    import json

    from mtm.checks import store

    manifest = json.loads((built_sample_warehouse.runtime_dir / "dbt-target" / "manifest.json")
                          .read_text(encoding="utf-8"))
    models = {n["alias"] or n["name"]: n for n in manifest["nodes"].values()
              if n["resource_type"] == "model" and n["schema"] == "marts"}
    marts = published_columns(published, "marts")
    publication = {t: list(columns) for t, (_, columns) in publish.PUBLICATION_COMMENTS.items()}
    assert set(marts) == set(models) | set(publication)
    for table, columns in marts.items():
        if table in publication:
            assert columns == publication[table], table
            continue
        assert models[table]["config"]["contract"]["enforced"], f"marts.{table} has no enforced contract"
        assert sorted(columns) == sorted(models[table]["columns"]), f"marts.{table}"
    gate_tables = duckdb.connect()
    try:
        gate_tables.execute(store.DDL)
        assert published_columns(published, "quality") == published_columns(gate_tables, "quality")
    finally:
        gate_tables.close()


def personal_values(exports: Path) -> set[str]:
    """Every value of a personal-data column (forms.PERSONAL_COLUMNS) in the sample's workbooks."""
    from python_calamine import CalamineWorkbook

    from mtm.core import forms

    values: set[str] = set()
    for path in sorted(exports.rglob("*.xlsx")):
        book = CalamineWorkbook.from_path(str(path))
        for name in book.sheet_names:
            header, *rows = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
            personal = [i for i, column in enumerate(header) if column and forms.is_personal(str(column))]
            values.update(str(row[i]) for row in rows for i in personal if i < len(row) and row[i] != "")
    return values


def test_no_personal_value_of_the_exports_reaches_the_published_file(sample_exports, published) -> None:
    """The sample's workbooks carry names, phones and accounts; not one of them is in any text
    column of the published file, nor in a row kept as JSON by the gate."""
    import json

    values = personal_values(sample_exports)
    assert len(values) > 100  # enumerators, informants' names and phones, Kobo accounts
    text_columns = published.execute(
        "select schema_name, table_name, column_name from duckdb_columns()"
        " where database_name = current_database() and schema_name in ('marts', 'quality')"
        " and data_type = 'VARCHAR'").fetchall()
    assert len(text_columns) > 50
    published.execute("create temp table personal_value (v varchar)")
    published.executemany("insert into personal_value values (?)", [[v] for v in sorted(values)])
    for schema, table, column in text_columns:
        found = published.execute(f'select count(*) from "{schema}"."{table}" t join personal_value p'
                                  f' on t."{column}" = p.v').fetchall()[0][0]
        assert found == 0, f"{schema}.{table}.{column} holds personal values"
    for (row_json,) in published.execute("select row_json from quality.offending_rows").fetchall():
        assert not {str(v) for v in json.loads(row_json).values()} & values
    published.execute("drop table personal_value")


def test_every_published_table_and_column_has_a_comment(published) -> None:
    tables = published.execute("select schema_name || '.' || table_name from duckdb_tables()"
                               " where comment is null or trim(comment) = ''").fetchall()
    columns = published.execute(
        "select schema_name || '.' || table_name || '.' || column_name from duckdb_columns()"
        " where schema_name in ('marts', 'quality') and (comment is null or trim(comment) = '')").fetchall()
    assert tables == []
    assert columns == []
    (commented,) = published.execute("select count(*) from duckdb_columns() where schema_name = 'marts'").fetchone()
    assert commented > 300


def test_every_code_column_of_a_fact_mart_joins_a_dimension_with_three_labels(published) -> None:
    joins = dimension_joins()
    languages = dimension_languages()
    assert {d for d, langs in languages.items() if langs != LANGUAGES} == ENGLISH_ONLY
    served = {fact_column for _, mapping in joins for fact_column in mapping}
    facts = [t for s, t in tables_of(published) if s == "marts" and not t.startswith(("dim_", "publication"))]
    checked = 0
    for fact in facts:
        columns = [c for (c,) in published.execute(
            "select column_name from duckdb_columns() where schema_name = 'marts' and table_name = ?",
            [fact]).fetchall()]
        codes = [c for c in columns if c in served or c.endswith("_code") or c in ("ki_type", "ki_sex")]
        for column in codes:
            if column in UNLABELLED_CODES:
                continue
            dims = [(d, mapping) for d, mapping in joins if column in mapping and set(mapping) <= set(columns)]
            assert dims, f"marts.{fact}.{column} has no label dimension"
            for dim, mapping in dims:
                on = " and ".join(f'f."{fc}" = d."{dc}"' for fc, dc in mapping.items())
                not_null = " and ".join(f'f."{fc}" is not null' for fc in mapping)
                labels = " and ".join(f"coalesce(trim(d.{lang}), '') <> ''" for lang in languages[dim])
                missing = published.execute(
                    f'select distinct {", ".join(f"f.{fc}" for fc in mapping)} from marts."{fact}" f'
                    f" left join marts.{dim} d on {on} where {not_null} and not coalesce({labels}, false)"
                ).fetchall()
                assert missing == [], f"marts.{fact}.{column}: codes without three labels in {dim}: {missing[:5]}"
                checked += 1
    assert checked >= 40


def test_dimensions_carry_the_forms_labels(published) -> None:
    assert published.execute("select label_en, label_ru, label_ky from marts.dim_oblasts"
                             " where oblast_code = 'KG-J'").fetchone() == (
        "Jalal-Abad", "Джалал-Абадская область", "Жалал-Абад облусу")
    assert published.execute("select label_en, label_ru from marts.dim_ki_types where ki_type = 'local_gov'"
                             ).fetchone() == ("Local government representative",
                                              "Представитель органа местного самоуправления")
    assert published.execute("select oblast_code from marts.dim_rayons where rayon_code = 'bsk_oktyabrsky'"
                             ).fetchone() == ("KG-GB",)
    assert published.execute("select count(*) from marts.dim_countries where country_code in ('KGZ', 'UNK', 'RUS')"
                             ).fetchone() == (3,)


def test_publication_record_matches_the_loads(built_sample_warehouse, published) -> None:
    work = duckdb.connect(str(built_sample_warehouse.working), read_only=True)
    try:
        log = work.execute(
            "select load_id, form, round_id, file_name, file_sha256 from raw.load_log"
            " where status = 'loaded' order by load_id").fetchall()
    finally:
        work.close()
    files = published.execute("select load_id, form, round_id, file_name, file_sha256"
                              " from marts.publication_files order by load_id").fetchall()
    assert files == log  # the demo loads each round once: every loaded file is current
    assert len(files) == 7  # rounds 1-3 x (b1, b2) + the gap workbook
    assert all(len(sha) == 64 for *_, sha in files)
    row = published.execute("select rounds, loads, storage_version, duckdb_version, code_version,"
                            " publication_id from marts.publication").fetchall()
    assert len(row) == 1
    rounds, loads, storage, duckdb_version, code, publication_id = row[0]
    assert (rounds, loads, storage, duckdb_version) == ("1,2,3", 7, "v1.1.0", duckdb.__version__)
    assert code.startswith("0.1.0")
    assert published.execute("select count(distinct publication_id) from marts.publication_files"
                             ).fetchone() == (1,)
    assert published.execute("select publication_id from marts.publication_files limit 1").fetchone()[0] == publication_id


def test_storage_version_is_configurable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    paths = warehouse.resolve(tmp_path / "mtm.duckdb")
    make_marts(paths.working)
    first = publish.publish(paths, storage_version="v1.0.0")
    con = duckdb.connect(str(paths.published), read_only=True)
    assert con.execute("select storage_version from marts.publication").fetchone() == ("v1.0.0",)
    assert con.execute("select loads from marts.publication").fetchone() == (0,)  # a hand-made warehouse
    con.close()
    monkeypatch.setenv(publish.STORAGE_VERSION_ENV, "v1.2.0")
    second = publish.publish(paths)
    assert (second.storage_version, second.publication_id != first.publication_id) == ("v1.2.0", True)
    before = paths.published.read_bytes()
    with pytest.raises(InputError, match="storage version 'v0.0.1'"):
        publish.publish(paths, storage_version="v0.0.1")
    assert paths.published.read_bytes() == before
    assert not publish.temp_path(paths.published).exists()


def test_bi_doc_star_schema_is_drawn_from_the_manifest(built_sample_warehouse) -> None:
    """docs/bi.md's diagram is what tools/bi_diagram.py draws from the manifest of the build."""
    import importlib.util
    import json

    spec = importlib.util.spec_from_file_location("bi_diagram", PROJECT_DIR / "tools" / "bi_diagram.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    manifest_path = built_sample_warehouse.runtime_dir / "dbt-target" / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    doc = module.DOC.read_text(encoding="utf-8")
    assert module.updated(doc, manifest) == doc, "run .venv/bin/python tools/bi_diagram.py"
    links, _, _ = module.star(manifest)
    facts = {f for f, _, _ in links}
    assert {"oblast_population", "population_by_country", "key_informants", "reason_scores"} <= facts
    assert ("key_informants", "dim_sexes", {"ki_sex": "sex"}) in links


def test_republishing_does_not_grow_the_file(tmp_path: Path) -> None:
    """Written fresh each time: rebuilding the same data leaves the published file the same size,
    although the working copy grows (replaced tables leave space behind)."""
    paths = warehouse.resolve(tmp_path / "mtm.duckdb")
    make_marts(paths.working, scale=1)
    publish.publish(paths)
    first = paths.published.stat().st_size
    working_first = paths.working.stat().st_size
    for _ in range(3):
        make_marts(paths.working, scale=1)  # drops and recreates every mart, as dbt does
        publish.publish(paths)
    assert paths.working.stat().st_size >= working_first
    assert paths.published.stat().st_size == first
