"""`mtm docs`: dbt's documentation site as one offline HTML file for the analysts.

Runs ``dbt docs generate --static`` on the working copy (the staging models read the landed
columns, so dbt needs the loaded database to compile) into a private target folder, then copies
``static_index.html`` (manifest and catalog built in) to ``--out``. dbt's page carries a usage
tracker that it only loads when served from dbt's own host; the copy has that script address
removed so the file can never call out, whoever serves it.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from mtm.core import progress, warehouse
from mtm.core.errors import InputError

OUTPUT_NAME = "mtm-dbt-docs.html"
# dbt docs' snowplow loader: `i.src="//host/x.y.z/sp.js"`; any absolute script address is blanked.
_TRACKER = re.compile(r'(\.src\s*=\s*")(?:https?:)?//[^"]+\.js(")')


def make_offline(html: str) -> str:
    """Blank the remote script addresses in dbt's page (the tracker), leave the rest as is."""
    return _TRACKER.sub(r"\1\2", html)


def generate(paths: warehouse.WarehousePaths, out_dir: Path) -> Path:
    """Generate the static docs page from the working copy into ``out_dir``; return the file."""
    from mtm.pipeline.build import run_dbt  # the same dbt invocation as `mtm build`

    if not paths.working.exists():
        raise InputError("nothing loaded yet: run `mtm load` and `mtm build` first", file=str(paths.working))
    with tempfile.TemporaryDirectory(prefix="mtm-docs-") as tmp:
        target = Path(tmp) / "target"
        progress.step("dbt docs generate --static")
        result = run_dbt(paths.working, "docs", "generate", "--static", "--no-use-colors",
                         "--target-path", str(target), "--log-path", str(Path(tmp) / "logs"))
        page = target / "static_index.html"
        if result.returncode != 0 or not page.exists():
            tail = (result.stdout + result.stderr).strip().splitlines()[-5:]
            raise InputError("dbt docs generate failed: " + " | ".join(tail), file=str(paths.working))
        out_dir.mkdir(parents=True, exist_ok=True)
        destination = out_dir / OUTPUT_NAME
        destination.write_text(make_offline(page.read_text(encoding="utf-8")), encoding="utf-8")
    return destination


