"""The dbt project's structure, read from the manifest of a `dbt parse` of the repository.

Fails when a model other than staging reads a source, a model's name prefix does not match its
layer folder (staging, intermediate, marts, and quality: the checks of the quality gate), a model lacks a description or a grain test (`unique_grain`), a public model lacks an
enforced contract, or model SQL hard-codes a schema.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.models.dbt_run import DBT, PROJECT_DIR

LAYER_PREFIX = {"staging": "stg_", "intermediate": "int_", "quality": "qc_"}
SCHEMAS = ("raw", "staging", "intermediate", "marts", "seeds", "main")
HARD_CODED = re.compile(r"\b(?:from|join)\s+\"?(?:" + "|".join(SCHEMAS) + r")\"?\s*\.", re.IGNORECASE)


@pytest.fixture(scope="module")
def manifest(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The manifest of a `dbt parse` of the repository (no database needed) in a temporary target,
    starting from the project's target/partial_parse.msgpack when there is one (dbt re-parses what
    changed)."""
    target = tmp_path_factory.mktemp("parse")
    cached = PROJECT_DIR / "target" / "partial_parse.msgpack"
    if cached.exists():
        shutil.copy2(cached, target / cached.name)
    env = dict(os.environ, DBT_TARGET_PATH=str(target), DBT_LOG_PATH=str(target / "logs"),
               DBT_SEND_ANONYMOUS_USAGE_STATS="false")
    result = subprocess.run(
        [str(DBT), "parse", "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR)],
        env=env, cwd=PROJECT_DIR, text=True, capture_output=True, check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:]
    return json.loads((target / "manifest.json").read_text(encoding="utf-8"))


def models(manifest: dict) -> list[dict]:
    """The project's model nodes."""
    return [n for n in manifest["nodes"].values() if n["resource_type"] == "model" and n["package_name"] == "mtm"]


def layer(node: dict) -> str:
    """First folder under models/ (staging, intermediate, marts)."""
    return Path(node["original_file_path"]).parts[1]


def test_only_staging_reads_sources(manifest: dict) -> None:
    offenders = [n["name"] for n in models(manifest)
                 if layer(n) != "staging" and any(d.startswith("source.") for d in n["depends_on"]["nodes"])]
    assert offenders == []


def test_name_prefix_matches_layer(manifest: dict) -> None:
    offenders = []
    for node in models(manifest):
        expected = LAYER_PREFIX.get(layer(node))
        if expected is not None and not node["name"].startswith(expected):
            offenders.append(node["name"])
        if layer(node) == "marts" and node["name"].startswith(tuple(LAYER_PREFIX.values())):
            offenders.append(node["name"])
        if layer(node) not in ("staging", "intermediate", "marts", "quality"):
            offenders.append(node["name"])
    assert offenders == []


def test_every_model_has_a_description_and_a_grain_test(manifest: dict) -> None:
    grain_tested = {
        node_id
        for n in manifest["nodes"].values()
        if n["resource_type"] == "test" and (n.get("test_metadata") or {}).get("name") == "unique_grain"
        for node_id in n["depends_on"]["nodes"]
    }
    undescribed = [n["name"] for n in models(manifest) if not n["description"].strip()]
    untested = [n["name"] for n in models(manifest) if n["unique_id"] not in grain_tested]
    assert undescribed == []
    assert untested == []


def test_public_models_have_enforced_contracts(manifest: dict) -> None:
    offenders = [n["name"] for n in models(manifest)
                 if n.get("access") == "public" and not n["config"]["contract"]["enforced"]]
    assert offenders == []
    assert len([n for n in models(manifest) if n.get("access") == "public"]) >= 14


def test_sql_does_not_hard_code_schemas(manifest: dict) -> None:
    offenders = [n["name"] for n in models(manifest) if HARD_CODED.search(n["raw_code"])]
    assert offenders == []


def test_the_checks_catch_violations() -> None:
    """The schema pattern finds what it must and leaves ref()/source() alone."""
    assert HARD_CODED.search("select * from marts.communities")
    assert HARD_CODED.search('select 1 from x left join "raw".b2_main on true')
    assert not HARD_CODED.search("select * from {{ ref('communities') }}")


def test_every_quality_check_is_a_model_in_its_severity_folder(manifest: dict) -> None:
    """Each check of the gate's registry is the model ``qc_<name>`` under models/quality/<severity>."""
    from mtm.checks import registry

    folders = {"blocking": "blocking", "warning": "warnings"}
    paths = {n["name"]: Path(n["original_file_path"]).parts for n in models(manifest)}
    misplaced = [c.name for c in registry.ALL
                 if paths.get(f"qc_{c.name}", ())[:3] != ("models", "quality", folders[c.severity])]
    assert misplaced == []
