"""The data-quality report of a round: a summary officials can act on, the detail folded below.

Order of the page (``quality.html.j2``):

1. **For officials** (no file names, load ids or check ids): is the round fit to publish; what
   needs a call-back, by oblast and rayon, community by community, with the question in words
   (contradictions first, then "don't know" answers); communities B1 listed that B2 did not
   visit, counted by rayon; corrections that were handled.
2. **Technical detail for the data officer** (folded ``<details>``): every check with its id,
   status and offending rows (raw values), the loads (files, hashes, rows, personal-data columns
   dropped, load ids), quarantined rows, submissions counted and not counted, the gate run.
3. **Operator section** (folded): refused loads (``mtm load`` given a wrong file) with the message.
4. The data-gap heatmap (``reports.gap_heatmap``).

It reads what the gate stored (schema ``quality``: ``check_results``, ``offending_rows``,
``gate_runs``) and the submissions per status (the quality model ``quality.qc_submission_statuses``
of the working copy), ``raw.load_log``, ``marts.quarantined_repeat_rows`` and the count of
``marts.communities``, with a read-only connection (``collect``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from mtm.core.errors import InputError
from mtm.reports import gap_heatmap, html
from mtm.reports.i18n import N_, Formats, check_lang, default_lang
from mtm.reports.labels import Labels, labels

CALL_BACK = ("stay_duration_vs_nationality", "internal_reasons_vs_counts", "present_flag_contradictions",
             "out_of_range_answers", "unresolved_country_names", "population_jumps")
DONT_KNOW = ("unknown_answers",)
NOT_VISITED = "b1_communities_not_assessed"
CORRECTIONS = "corrections_and_rejections"
PLAIN_TITLES: dict[str, str] = {
    "totals_community_to_rayon": N_("Community totals add up to rayon totals"),
    "totals_rayon_to_oblast": N_("Rayon totals add up to oblast totals"),
    "totals_oblast_to_national": N_("Oblast totals add up to the national total"),
    "country_sums_to_national": N_("Persons by country add up to the national total"),
    "year_sums_to_national": N_("Persons by year add up to the national total"),
    "shares_add_to_100": N_("Percentages add up to 100"),
    "communities_known_rayon_oblast": N_("Every community has a known rayon and oblast"),
    "counts_non_negative": N_("Counts are not negative"),
    "reason_means_within_0_5": N_("Reason scores lie within 0-5"),
    "reconcile_published_figures": N_("Round 3 matches the published figures"),
}
SUBMISSION_STATUSES: dict[str, str] = {
    "superseded": N_("replaced by a later correction"),
    "rejected": N_("not approved"),
    "unidentified": N_("without a community code"),
}


@dataclass
class QualityData:
    """Everything the report shows for one round, as the warehouse holds it."""

    round_id: int
    source: Path
    gate_run: dict[str, Any] | None = None
    results: list[dict[str, Any]] = field(default_factory=list)
    offending: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    loads: list[dict[str, Any]] = field(default_factory=list)
    orphans: list[dict[str, Any]] = field(default_factory=list)
    submissions: list[dict[str, Any]] = field(default_factory=list)
    communities: int | None = None
    gaps: gap_heatmap.GapView | None = None


def _dicts(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
    cursor = con.execute(sql, params or [])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return bool(con.execute("select count(*) from information_schema.tables where table_schema = ? "
                            "and table_name = ?", [schema, table]).fetchall()[0][0])


def collect(con: duckdb.DuckDBPyConnection, round_id: int, source: Path) -> QualityData:
    """Read the gate's results and the load facts of ``round_id``."""
    data = QualityData(round_id=round_id, source=source)
    if _exists(con, "quality", "check_results"):
        runs = _dicts(con, "select * from quality.gate_runs order by run_at desc limit 1")
        data.gate_run = runs[0] if runs else None
        data.results = _dicts(con, "select * from quality.check_results where round_id = ? or round_id is null "
                                   "order by severity, check_name", [round_id])
        for row in _dicts(con, "select check_name, problem, row_json from quality.offending_rows "
                               "where round_id = ? or round_id is null order by check_name, row_number",
                          [round_id]):
            values = json.loads(row["row_json"])
            if row["problem"]:
                values["problem"] = row["problem"]
            data.offending.setdefault(row["check_name"], []).append(values)
    if _exists(con, "raw", "load_log"):
        data.loads = _dicts(con, "select * from raw.load_log where round_id = ? order by attempted_at", [round_id])
    if _exists(con, "marts", "quarantined_repeat_rows"):
        data.orphans = _dicts(con, "select sheet_name, source_row, quarantine_reason "
                                   "from marts.quarantined_repeat_rows where round_id = ? "
                                   "order by sheet_name, source_row", [round_id])
    if _exists(con, "quality", "qc_submission_statuses"):
        data.submissions = _dicts(con, "select submission_status, submissions from quality.qc_submission_statuses "
                                       "where round_id = ? order by submission_status", [round_id])
    if _exists(con, "marts", "communities"):  # the published file carries no quality views
        data.communities = con.execute("select count(*) from marts.communities where round_id = ?",
                                       [round_id]).fetchall()[0][0]
    data.gaps = gap_heatmap.collect(con)
    return data


# ---------------------------------------------------------------------------------------------
# What the template shows


@dataclass(frozen=True)
class Community:
    """A community to call back and what to ask, in words."""

    name: str
    code: str
    issues: tuple[str, ...]


@dataclass(frozen=True)
class Rayon:
    name: str
    communities: tuple[Community, ...]


@dataclass(frozen=True)
class Oblast:
    name: str
    rayons: tuple[Rayon, ...]

    @property
    def communities(self) -> int:
        return sum(len(r.communities) for r in self.rayons)


@dataclass(frozen=True)
class Count:
    """A count by place: (oblast, rayon, n)."""

    oblast: str
    rayon: str
    n: int


@dataclass(frozen=True)
class CheckDetail:
    """One check for the data officer: id, title, status, counts and its offending rows."""

    check_id: str
    title: str
    severity: str
    status: str
    rows_checked: int | None
    offending_rows: int | None
    message: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    more: int


@dataclass(frozen=True)
class QualityView:
    round_id: int
    status: str  # pass | fail | none
    failed_titles: tuple[str, ...]
    warnings: int
    communities: int | None
    call_back: tuple[Oblast, ...]
    dont_know: tuple[Oblast, ...]
    not_visited: tuple[Count, ...]
    not_visited_total: int
    corrections: tuple[tuple[str, int], ...]
    checks: tuple[CheckDetail, ...]
    loads: tuple[dict[str, str], ...]
    refused: tuple[dict[str, str], ...]
    orphans: tuple[tuple[str, int, str, str], ...]
    submissions: tuple[tuple[str, int], ...]
    gate_run: dict[str, str] | None
    source: str
    generated: str
    gaps: gap_heatmap.GapView | None


MAX_ROWS = 200


def _plain(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _number(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0


class _Words:
    """The issues of offending rows in words, in one language."""

    def __init__(self, lang: str, lab: Labels) -> None:
        self.lang, self.lab, self.fmt = lang, lab, Formats(lang)

    def _(self, message: str, **values: Any) -> str:
        text = html.gettext(self.lang, message)
        return text % values if values else text

    def field(self, name: str) -> str:
        """A form field in words: ``n_2021`` -> "number for 2021"; a question -> its label."""
        if match := re.fullmatch(r"(?:.*_)?n_(\d{4})", name):
            return self._(N_("number for %(year)s"), year=match.group(1))
        if name == "persons":
            return self._(N_("number of persons"))
        label = self.lab.questions.get(name)
        return label or name

    def issue(self, check: str, row: dict[str, Any]) -> str:
        population = self.lab.population(str(row.get("population_group") or ""))
        n = self.fmt.int
        if check == "stay_duration_vs_nationality":
            return self._(N_("International migrant workers: %(a)s counted by nationality but %(b)s by duration "
                             "of stay. Ask which number is right."),
                          a=n(_number(row.get("persons_by_nationality"))), b=n(_number(row.get("persons_by_stay"))))
        if check == "internal_reasons_vs_counts":
            return self._(N_("%(population)s: %(a)s persons counted by rayon but %(b)s by main reason. "
                             "Ask which number is right."), population=population,
                          a=n(_number(row.get("persons_by_rayon"))), b=n(_number(row.get("persons_by_reason"))))
        if check == "present_flag_contradictions":
            answer = self.lab.choices.get(("yes_no", str(row.get("answer"))), str(row.get("answer")))
            return self._(N_("%(population)s: the answer to “%(question)s” was “%(answer)s”, yet %(persons)s "
                             "persons were counted. Ask which is right."), population=population,
                          question=self.field(str(row.get("question"))), answer=answer,
                          persons=n(_number(row.get("persons"))))
        if check == "out_of_range_answers":
            return self._(N_("“%(question)s”: the answer “%(answer)s” is outside its allowed range. "
                             "Ask for the right value."), question=self.field(str(row.get("field"))),
                          answer=_plain(row.get("answer")))
        if check == "unresolved_country_names":
            return self._(N_("%(population)s: the country “%(text)s” was not recognised (%(persons)s persons). "
                             "Ask which country is meant."), population=population,
                          text=_plain(row.get("country_other")), persons=n(_number(row.get("persons"))))
        if check == "population_jumps":
            return self._(N_("%(population)s: %(before)s in the previous round, %(after)s now. "
                             "Confirm the new figure."), population=population,
                          before=n(_number(row.get("previous_persons"))), after=n(_number(row.get("persons"))))
        if check == "unknown_answers":
            fields = [self.field(f.strip()) for f in str(row.get("fields") or "").split(",") if f.strip()]
            return self._(N_("“Don't know” (-99) for: %(fields)s. Ask whether an estimate is possible."),
                          fields=self.fmt.join(fields))
        return self._(N_("An answer needs checking."))


def _places(rows: list[tuple[str, dict[str, Any], str]], lab: Labels) -> tuple[Oblast, ...]:
    """(check, row, issue) grouped by oblast, rayon and community (names from the forms)."""
    tree: dict[str, dict[str, dict[tuple[str, str], list[str]]]] = {}
    for _check, row, issue in rows:
        rayon = str(row.get("rayon_code") or "")
        oblast = lab.oblast(lab.rayon_oblast(rayon) or "") if rayon else ""
        key = (str(row.get("community_name") or ""), str(row.get("community_id") or ""))
        tree.setdefault(oblast, {}).setdefault(lab.rayon(rayon, row.get("rayon_name")), {}) \
            .setdefault(key, []).append(issue)
    return tuple(Oblast(o, tuple(Rayon(r, tuple(Community(name, code, tuple(issues))
                                                   for (name, code), issues in sorted(cs.items())))
                                 for r, cs in sorted(rs.items())))
                 for o, rs in sorted(tree.items()))


def _check_detail(result: dict[str, Any], rows: list[dict[str, Any]], title: Callable[[str], str]) -> CheckDetail:
    columns: list[str] = []
    for row in rows:
        for key in row:
            if key not in columns and key != "round_id":
                columns.append(key)
    return CheckDetail(
        check_id=result["check_name"], title=title(result["check_name"]), severity=result["severity"],
        status=result["status"], rows_checked=result.get("rows_checked"), offending_rows=result.get("offending_rows"),
        message=result.get("message") or "", columns=tuple(columns),
        rows=tuple(tuple(_plain(r.get(c)) for c in columns) for r in rows[:MAX_ROWS]),
        more=max(0, len(rows) - MAX_ROWS))


def _json_text(text: str | None) -> str:
    if not text:
        return ""
    try:
        value = json.loads(text)
    except (TypeError, ValueError):
        return str(text)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def view(data: QualityData, lang: str) -> QualityView:
    """The report's content in ``lang``."""
    lab, fmt = labels(lang), Formats(lang)
    words = _Words(lang, lab)

    def title(check: str) -> str:
        if check in PLAIN_TITLES:
            return html.gettext(lang, PLAIN_TITLES[check])
        from mtm.checks import registry

        found = getattr(registry, "BY_NAME", {}).get(check)
        return found.title if found is not None else check

    round_results = [r for r in data.results if r["round_id"] in (data.round_id, None)]
    failed = sorted({r["check_name"] for r in round_results
                     if r["severity"] == "blocking" and r["status"] in ("fail", "error")})
    warned = {r["check_name"] for r in round_results if r["severity"] != "blocking" and r["status"] != "pass"}
    status = "none" if data.gate_run is None else ("fail" if failed else "pass")
    call_back = [(c, row, words.issue(c, row)) for c in CALL_BACK for row in data.offending.get(c, [])
                 if row.get("community_id")]
    dont_know = [(c, row, words.issue(c, row)) for c in DONT_KNOW for row in data.offending.get(c, [])
                 if row.get("community_id")]
    visits: dict[tuple[str, str], int] = {}
    for row in data.offending.get(NOT_VISITED, []):
        rayon = str(row.get("rayon_code") or "")
        key = (lab.oblast(lab.rayon_oblast(rayon) or ""), lab.rayon(rayon, row.get("rayon_name")))
        visits[key] = visits.get(key, 0) + 1
    corrections: dict[str, int] = {}
    for row in data.offending.get(CORRECTIONS, []):
        label = html.gettext(lang, SUBMISSION_STATUSES.get(str(row.get("submission_status")),
                                                           str(row.get("submission_status"))))
        corrections[label] = corrections.get(label, 0) + 1
    order = {"fail": 0, "error": 1, "warn": 2, "pass": 3}
    checks = sorted(round_results, key=lambda r: (r["severity"] != "blocking", order.get(r["status"], 4),
                                                   r["check_name"]))
    gate_run = None
    if data.gate_run:
        gate_run = {"run_id": str(data.gate_run.get("run_id")), "run_at": str(data.gate_run.get("run_at"))[:19],
                    "reconcile": "yes" if data.gate_run.get("reconcile") else "no"}
    loads = tuple({"load_id": _plain(r.get("load_id")), "form": _plain(r.get("form")),
                   "file": _plain(r.get("file_name")), "sha256": _plain(r.get("file_sha256")),
                   "status": _plain(r.get("status")), "rows": _json_text(r.get("rows_per_sheet")),
                   "personal": _json_text(r.get("personal_columns_dropped")),
                   "unknown": _json_text(r.get("unknown_columns")), "message": _plain(r.get("message"))}
                  for r in data.loads if r.get("status") != "refused")
    refused = tuple({"attempted_at": _plain(r.get("attempted_at"))[:19], "file": _plain(r.get("file_name")),
                     "path": _plain(r.get("file_path")), "form": _plain(r.get("form")),
                     "message": _plain(r.get("message"))} for r in data.loads if r.get("status") == "refused")
    by_sheet: dict[str, list[dict[str, Any]]] = {}
    for orphan in data.orphans:
        by_sheet.setdefault(orphan["sheet_name"], []).append(orphan)
    orphans = tuple((sheet, len(items), ", ".join(str(o["source_row"]) for o in items[:12])
                     + (" ..." if len(items) > 12 else ""), items[0]["quarantine_reason"])
                    for sheet, items in sorted(by_sheet.items()))
    return QualityView(
        round_id=data.round_id, status=status, failed_titles=tuple(title(c) for c in failed),
        warnings=len(warned), communities=data.communities,
        call_back=_places(call_back, lab), dont_know=_places(dont_know, lab),
        not_visited=tuple(Count(o, r, n) for (o, r), n in sorted(visits.items())),
        not_visited_total=sum(visits.values()), corrections=tuple(sorted(corrections.items())),
        checks=tuple(_check_detail(r, data.offending.get(r["check_name"], []), title) for r in checks),
        loads=loads, refused=refused, orphans=orphans,
        submissions=tuple((str(s["submission_status"]), int(s["submissions"])) for s in data.submissions),
        gate_run=gate_run, source=data.source.name, generated=fmt.date(datetime.now(UTC).date()),
        gaps=data.gaps)


def html_page(data: QualityData, lang: str) -> str:
    """The whole report."""
    return html.render("quality.html.j2", lang, q=view(data, lang))


def render(db_path: Path, round_id: int, out: Path, lang: str | None = None) -> Path:
    """Write the quality report of ``round_id`` in ``lang`` from the warehouse ``db_path`` to ``out``."""
    lang = check_lang(lang or default_lang())
    db_path, out = Path(db_path), Path(out)
    if not db_path.exists():
        raise InputError("no warehouse: run `mtm load` and `mtm build` first", file=str(db_path))
    with duckdb.connect(str(db_path), read_only=True) as con:
        data = collect(con, round_id, db_path)
    if not data.loads and not any(r["round_id"] == round_id for r in data.results):
        raise InputError(f"round {round_id} was never loaded into this warehouse", file=str(db_path))
    page = html_page(data, lang)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page, encoding="utf-8")
    return out
