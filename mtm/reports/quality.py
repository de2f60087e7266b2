"""The data-quality report of a round: one offline HTML file for stakeholders and the field team.

Order of the page: the verdict and counts (blocking checks failed, warnings, rows checked), the
load summary (files, hashes, rows per sheet, personal-data columns dropped, refused loads, rows
quarantined and why, submissions not counted), the overview of every check, then each failed
blocking check and each warning with its offending rows, and the data-gap heatmap when
``reports.gap_heatmap.render_gap_heatmap`` provides it.

It reads what the gate stored (schema ``quality``), ``raw.load_log``, the quarantine mart and the B2
submissions staging model, with a read-only connection.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from mtm.checks import registry
from mtm.core.errors import InputError
from mtm.reports import html
from mtm.reports.html import Markup

MAX_ROWS = 200
STATUS_KIND = {"pass": "pass", "fail": "fail", "warn": "warn", "error": "error"}
STATUS_TEXT = {"pass": "passed", "fail": "FAILED", "warn": "warning", "error": "could not run"}


@dataclass
class QualityData:
    """Everything the report shows for one round."""

    round_id: int
    source: Path
    gate_run: dict[str, Any] | None = None
    results: list[dict[str, Any]] = field(default_factory=list)
    offending: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    loads: list[dict[str, Any]] = field(default_factory=list)
    orphans: list[dict[str, Any]] = field(default_factory=list)
    submissions: list[dict[str, Any]] = field(default_factory=list)
    communities: int | None = None
    notes: list[str] = field(default_factory=list)


def _dicts(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
    cursor = con.execute(sql, params or [])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return bool(con.execute("select count(*) from information_schema.tables where table_schema = ? "
                            "and table_name = ?", [schema, table]).fetchone()[0])


def collect(con: duckdb.DuckDBPyConnection, round_id: int, source: Path) -> QualityData:
    """Read the gate's results and the load facts of ``round_id``."""
    data = QualityData(round_id=round_id, source=source)
    if _exists(con, "quality", "check_results"):
        runs = _dicts(con, "select * from quality.gate_runs order by run_at desc limit 1")
        data.gate_run = runs[0] if runs else None
        order = {check.name: number for number, check in enumerate(registry.ALL)}
        data.results = sorted(
            _dicts(con, "select * from quality.check_results where round_id = ? or round_id is null", [round_id]),
            key=lambda r: (r["severity"] != "blocking", order.get(r["check_name"], len(order)), r["check_name"]))
        for row in _dicts(con, "select check_name, problem, row_json from quality.offending_rows "
                               "where round_id = ? or round_id is null order by check_name, row_number",
                          [round_id]):
            values = json.loads(row["row_json"])
            if row["problem"]:
                values["problem"] = row["problem"]
            data.offending.setdefault(row["check_name"], []).append(values)
    else:
        data.notes.append("The quality gate has not run on this warehouse yet: run `mtm build`.")
    if _exists(con, "raw", "load_log"):
        data.loads = _dicts(con, "select * from raw.load_log where round_id = ? order by attempted_at",
                            [round_id])
    if _exists(con, "marts", "quarantined_repeat_rows"):
        data.orphans = _dicts(con, "select sheet_name, source_row, quarantine_reason "
                                   "from marts.quarantined_repeat_rows where round_id = ? "
                                   "order by sheet_name, source_row", [round_id])
    if _exists(con, "staging", "stg_kobo__b2_submissions"):
        data.submissions = _dicts(con, "select submission_status, count(*) as submissions "
                                       "from staging.stg_kobo__b2_submissions where round_id = ? "
                                       "group by submission_status order by submission_status", [round_id])
    if _exists(con, "marts", "communities"):
        data.communities = con.execute("select count(*) from marts.communities where round_id = ?",
                                       [round_id]).fetchone()[0]
    return data


def _status_of(data: QualityData, severity: str) -> dict[str, str]:
    """check name -> worst status of the round's results of that severity."""
    order = {"pass": 0, "warn": 1, "fail": 2, "error": 3}
    worst: dict[str, str] = {}
    for r in data.results:
        if r["severity"] == severity:
            current = worst.get(r["check_name"], "pass")
            worst[r["check_name"]] = max(current, r["status"], key=order.__getitem__)
    return worst


def verdict(data: QualityData) -> str:
    """The opening: publishable or not, and the counts."""
    blocking = _status_of(data, "blocking")
    warnings = _status_of(data, "warning")
    failed = [n for n, s in blocking.items() if s in ("fail", "error")]
    warned = [n for n, s in warnings.items() if s == "warn"]
    not_run = [n for n, s in warnings.items() if s == "error"]
    rows_checked = sum(r["rows_checked"] or 0 for r in data.results if r["severity"] == "blocking")
    if data.gate_run is None:
        headline = html.badge("NOT CHECKED", "info") + " The quality gate has not run on this warehouse."
    elif failed:
        headline = (html.badge("NOT PUBLISHABLE", "fail")
                    + f" {len(failed)} blocking check(s) failed for round {data.round_id}: "
                    + ", ".join(html.escape(registry.BY_NAME[n].title if n in registry.BY_NAME else n)
                                for n in failed) + ".")
    else:
        headline = (html.badge("PASSED", "pass")
                    + f" Every blocking check passed for round {data.round_id}; the figures may be published.")
    items = [
        ("blocking checks failed", len(failed), "fail" if failed else "pass"),
        ("warnings", len(warned), "warn" if warned else "pass"),
        ("rows checked by blocking checks", rows_checked, "info"),
        ("communities assessed", data.communities if data.communities is not None else "-", "info"),
    ]
    if not_run:
        items.append(("warnings that could not run", len(not_run), "error"))
    run = ""
    if data.gate_run:
        run = (f'<p class="note">Gate run {html.escape(data.gate_run["run_id"])} at '
               f'{html.escape(str(data.gate_run["run_at"])[:19])} UTC'
               f'{" with reconciliation against the published figures" if data.gate_run["reconcile"] else ""}.'
               "</p>")
    notes = "".join(f'<p class="note">{html.escape(n)}</p>' for n in data.notes)
    return html.section("Verdict", f"<p>{headline}</p>{html.stats(items)}{run}{notes}", id="verdict")


def _json_list(text: str | None) -> str:
    if not text:
        return ""
    try:
        value = json.loads(text)
    except (TypeError, ValueError):
        return str(text)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v:,}" if isinstance(v, int) else f"{k}: {v}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "none"
    return str(value)


def load_summary(data: QualityData) -> str:
    """Files, hashes, rows, personal-data columns dropped, quarantine and uncounted submissions."""
    if data.loads:
        rows = [[r.get("form"), r.get("file_name"), Markup(f'<span class="mono">{html.escape(r.get("file_sha256"))}</span>'),
                 Markup(html.badge(r.get("status") or "",
                                   {"loaded": "pass", "duplicate": "info"}.get(r.get("status"), "fail"))),
                 _json_list(r.get("rows_per_sheet")), _json_list(r.get("personal_columns_dropped")),
                 _json_list(r.get("unknown_columns")), r.get("message")]
                for r in data.loads]
        loads = html.table(["form", "file", "SHA-256", "status", "rows per sheet",
                            "personal-data columns dropped", "unknown columns", "message"], rows)
    else:
        loads = '<p class="note">No load of this round is recorded in raw.load_log.</p>'
    if data.orphans:
        by_sheet: dict[str, list[dict[str, Any]]] = {}
        for orphan in data.orphans:
            by_sheet.setdefault(orphan["sheet_name"], []).append(orphan)
        rows = [[sheet, len(items), ", ".join(str(o["source_row"]) for o in items[:12])
                 + (" ..." if len(items) > 12 else ""), items[0]["quarantine_reason"]]
                for sheet, items in sorted(by_sheet.items())]
        quarantine = html.table(["sheet", "rows quarantined", "Excel rows", "why (first row)"], rows,
                                numeric=["rows quarantined"])
        quarantine += ('<p class="note">Quarantined rows are kept in the warehouse (marts.quarantined_repeat_rows) '
                       "and never counted; each is listed under the warnings below.</p>")
    else:
        quarantine = '<p class="note">No row of this round was quarantined.</p>'
    if data.submissions:
        submissions = html.table(["submission status", "B2 submissions"],
                                 [[s["submission_status"], s["submissions"]] for s in data.submissions],
                                 numeric=["B2 submissions"])
        submissions += ('<p class="note">Only <b>valid</b> submissions are counted: <i>superseded</i> = replaced '
                        "by a later correction, <i>rejected</i> = not approved, <i>unidentified</i> = no community "
                        "code. All are kept in the warehouse.</p>")
    else:
        submissions = ""
    body = (loads + html.section("Rows quarantined and why", quarantine, level=3)
            + (html.section("Submissions counted and not counted", submissions, level=3) if submissions else ""))
    return html.section("Load summary", body, id="loads")


def overview(data: QualityData) -> str:
    """Every check of the round with its status and counts."""
    rows = []
    for r in data.results:
        check = registry.BY_NAME.get(r["check_name"])
        rows.append([check.title if check else r["check_name"], r["severity"],
                     Markup(html.badge(STATUS_TEXT.get(r["status"], r["status"]), STATUS_KIND.get(r["status"], "info"))),
                     r["rows_checked"], r["offending_rows"], r["message"]])
    if not rows:
        return ""
    return html.section("All checks", html.table(
        ["check", "severity", "status", "rows checked", "offending rows", "note"], rows,
        numeric=["rows checked", "offending rows"]), id="checks")


def _offending_table(rows: list[dict[str, Any]]) -> str:
    columns: list[str] = []
    for row in rows:
        for key in row:
            if key not in columns and key != "round_id":
                columns.append(key)
    numeric = [c for c in columns if all(isinstance(r.get(c), (int, float)) or r.get(c) is None for r in rows)
               and c not in ("source_row",)]
    return html.table(columns, ([r.get(c) for c in columns] for r in rows), numeric=numeric, max_rows=MAX_ROWS)


def failures(data: QualityData, severity: str) -> str:
    """A section per failed check (blocking) or per warning, with its offending rows."""
    parts = []
    for r in data.results:
        if r["severity"] != severity or r["status"] == "pass":
            continue
        check = registry.BY_NAME.get(r["check_name"])
        title = check.title if check else r["check_name"]
        kind = STATUS_KIND.get(r["status"], "info")
        body = f'<p>{html.badge(STATUS_TEXT.get(r["status"], r["status"]), kind)} '
        body += f'<code>{html.escape(r["check_name"])}</code>: {html.escape(check.description if check else "")}</p>'
        if r["message"]:
            body += f'<p class="note">{html.escape(r["message"])}</p>'
        rows = data.offending.get(r["check_name"], [])
        if rows:
            body += _offending_table(rows)
        parts.append(html.section(title, body, level=3))
    if not parts:
        return ""
    heading = "Failed blocking checks" if severity == "blocking" else "Warnings for the field team"
    note = ("" if severity == "blocking" else
            '<p class="note">Warnings do not stop publication. Each row names the community to call back.</p>')
    return html.section(heading, note + "".join(parts), id=f"{severity}-failures")


def gap_section(con: duckdb.DuckDBPyConnection) -> str:
    """The data-gap heatmap of ``reports.gap_heatmap`` when that module is there."""
    try:
        from mtm.reports import gap_heatmap  # provided by the gap-analysis work
    except ImportError:
        return ""
    render = getattr(gap_heatmap, "render_gap_heatmap", None)
    return render(con) if render is not None else ""


def html_page(data: QualityData, gaps: str = "") -> str:
    """The whole report."""
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    body = (verdict(data) + load_summary(data) + overview(data) + failures(data, "blocking")
            + failures(data, "warning") + gaps)
    footer = (f"Read from {html.escape(data.source.name)} (read-only); generated {generated}. "
              "Blocking checks run as Great Expectations suites (expectations/gx); their Data Docs are "
              "written to expectations/gx/uncommitted/data_docs by <code>mtm build</code>.")
    return html.page(f"Data quality, round {data.round_id}: MTM Kyrgyzstan", body,
                     subtitle="Baseline Mobility Assessment, Mobility Tracking Matrix (IOM)", footer=footer)


def render(db_path: Path, round_id: int, out: Path) -> Path:
    """Write the quality report of ``round_id`` from the warehouse file ``db_path`` to ``out``."""
    db_path, out = Path(db_path), Path(out)
    if not db_path.exists():
        raise InputError("no warehouse: run `mtm load` and `mtm build` first", file=str(db_path))
    with duckdb.connect(str(db_path), read_only=True) as con:
        data = collect(con, round_id, db_path)
        gaps = gap_section(con)
    if not data.loads and not any(r["round_id"] == round_id for r in data.results):
        raise InputError(f"round {round_id} was never loaded into this warehouse", file=str(db_path))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(html_page(data, gaps), encoding="utf-8")
    return out
