"""A DuckDB 1.x client nobody here wrote: its own venv with ``duckdb==1.1.3`` from the package index.

The venv is made once per machine (under the temp folder, ``mtm-test-cache/``), guarded by a file
lock so parallel test runs do not build it twice; a fresh CI machine pays about 10 s once.
"""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

OLD_DUCKDB = "1.1.3"
CACHE = Path(os.environ.get("MTM_TEST_CACHE", Path(tempfile.gettempdir()) / "mtm-test-cache"))


def old_duckdb_python(version: str = OLD_DUCKDB) -> Path:
    """The python of a venv that has exactly ``duckdb==version`` (created when missing)."""
    tag = f"py{sys.version_info.major}{sys.version_info.minor}"
    home = CACHE / f"duckdb-{version}-{tag}"
    python = home / "bin" / "python"
    ready = home / ".ready"
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / f"duckdb-{version}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not ready.exists():
            venv.EnvBuilder(with_pip=True, clear=True).create(home)
            subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                            f"duckdb=={version}"], check=True, capture_output=True, text=True, timeout=300)
            ready.touch()
    return python


READ_EVERY_TABLE = r"""
import json, sys
import duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
out = {"version": duckdb.__version__, "tables": {}}
for schema, table in con.execute(
        "select table_schema, table_name from information_schema.tables"
        " where table_schema in ('marts', 'quality') order by 1, 2").fetchall():
    rows = con.execute(f'select * from "{schema}"."{table}"').fetchall()
    out["tables"][f"{schema}.{table}"] = len(rows)
out["commented_columns"] = con.execute(
    "select count(*) from duckdb_columns() where schema_name = 'marts' and comment is not null").fetchone()[0]
print(json.dumps(out))
"""


def read_with_old_duckdb(db: Path, version: str = OLD_DUCKDB) -> dict:
    """Open ``db`` read-only with DuckDB ``version`` and read every row of every published table;
    return ``{"version", "tables": {"schema.table": rows}, "commented_columns"}``."""
    result = subprocess.run([str(old_duckdb_python(version)), "-c", READ_EVERY_TABLE, str(db)],
                            capture_output=True, text=True, timeout=120, check=False)
    if result.returncode != 0:
        raise AssertionError(f"DuckDB {version} could not read {db}: {result.stderr[-2000:]}")
    return json.loads(result.stdout)
