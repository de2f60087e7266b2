"""Each step of the data flow as one typed function: the CLI, the demo and the tests call these.

- ``sample_round``: write a synthetic round's B2 and B1 Kobo exports;
- ``load_exports``: land round exports (each its own transaction) in the working copy;
- ``load_gaps``: land a gap-analysis workbook;
- ``build`` (``mtm.pipeline.build``): dbt, the quality gate, publish;
- ``write_report``: the quality or round report of a round;
- ``export`` (``mtm.publish.export``) and ``generate`` (``mtm.pipeline.docs``).

A step raises ``InputError`` on bad input (exit 2), ``QualityGateFailed`` when a blocking check
failed (exit 1), ``WarehouseBusy`` when the warehouse is in use (exit 3); it prints nothing but
progress, and returns what it did so the caller can say it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from mtm.core import forms, progress, warehouse
from mtm.core.errors import InputError, WarehouseBusy
from mtm.loaders.gaps import load_gap_workbook
from mtm.loaders.land import load_export
from mtm.loaders.lifecycle import LoadResult
from mtm.loaders.raw import DUPLICATE
from mtm.reports import i18n
from mtm.reports import paths as report_paths
from mtm.sample.generator import DEFAULT_SEED, generate_round
from mtm.sample.kobo_export import Format, write_export
from mtm.sample.kobo_layouts import ExportLayout, Multiple, relayout

ReportKind = Literal["quality", "round"]
SUFFIX: dict[str, str] = {"xlsx": ".xlsx", "csv": "", "zip": ".zip"}


def export_path(out_dir: Path, round_id: int, form: str, fmt: Format) -> Path:
    """Where a sample round's export of a form goes: ``<out>/bma_r<round>_<form>[.xlsx|.zip]``."""
    return Path(out_dir) / f"bma_r{round_id}_{form}{SUFFIX[fmt]}"


def sample_dir(paths: warehouse.WarehousePaths, round_id: int) -> Path:
    """The default folder of a sample round: ``<warehouse folder>/sample/round-<N>``."""
    return paths.output_dir("sample") / f"round-{round_id}"


def report_path(paths: warehouse.WarehousePaths, kind: ReportKind, round_id: int, lang: str) -> Path:
    """The default file of a report (``mtm.reports.paths``):
    ``<warehouse folder>/reports/<quality|bma>-round-<N>.<lang>.html``."""
    return report_paths.report_path(paths.published, kind, round_id, lang)


@dataclass(frozen=True)
class SampleLayout:
    """The Kobo download options a sample round is written with (default: what Kobo's XML export
    with groups, '/' and both select_multiple forms writes)."""

    labels: str | None = None  # a form language (en, ru, ky, or its full name) instead of XML values
    groups: bool = True
    separator: str = "/"
    multiple: Multiple = "both"

    def of_form(self, form: str) -> ExportLayout:
        """The export layout for one form; InputError for a language the form does not have."""
        language = None
        if self.labels:
            languages = forms.languages(form)
            wanted = self.labels.lower()
            matches = [lang for lang in languages
                       if wanted in (lang.lower(), lang.split("(")[-1].strip(") ").lower())]
            if not matches:
                raise InputError(f"--labels {self.labels}: the form's languages are {', '.join(languages)}")
            language = matches[0]
        return ExportLayout(language, self.groups, self.separator, self.multiple)


def sample_round(round_id: int, out_dir: Path, *, seed: int = DEFAULT_SEED, fmt: Format = "xlsx",
                 clean: bool = False, layout: SampleLayout | None = None,
                 communities: int | None = None) -> list[Path]:
    """Generate a synthetic round and write its B2 and B1 exports into ``out_dir``; return them.
    ``communities``: round 3's number of communities (default 999, ``sample.scale``)."""
    if round_id < 1:
        raise InputError(f"--round must be a positive round number, got {round_id}")
    if communities is not None and communities < 1:
        raise InputError(f"--communities must be a positive number, got {communities}")
    size = f", {communities:,} communities" if communities else ""
    progress.step(f"generating round {round_id} (seed {seed}{size}{', clean' if clean else ''})")
    written = []
    for form, sheets in generate_round(round_id, seed=seed, clean=clean, communities=communities).items():
        export_layout = (layout or SampleLayout()).of_form(form)
        if not export_layout.is_default_sample:
            sheets = relayout(form, sheets, export_layout)
        path = write_export(sheets, export_path(out_dir, round_id, form, fmt), fmt)
        rows = sum(len(df) for df in sheets.values())
        progress.step(f"wrote {path} ({len(sheets)} sheets, {rows} rows)")
        written.append(path)
    return written


@dataclass
class LoadOutcome:
    """The loads of one ``load_exports`` call: those done and those refused (in order)."""

    loaded: list[LoadResult] = field(default_factory=list)
    refused: list[InputError] = field(default_factory=list)
    busy: WarehouseBusy | None = None  # another process held the warehouse: the rest was not tried

    def raise_refused(self) -> None:
        """Raise the busy warehouse, else the last refusal (the others are in ``refused``), if any."""
        if self.busy:
            raise self.busy
        if self.refused:
            raise self.refused[-1]


def load_exports(exports: Sequence[Path | str], round_id: int, paths: warehouse.WarehousePaths, *,
                 form: str | None = None, allow_empty: bool = False) -> LoadOutcome:
    """Land each export in turn into the working copy; a refused one does not stop the others.
    ``allow_empty``: an export without submissions is loaded (it replaces the round's current load)."""
    outcome = LoadOutcome()
    for export in exports:
        try:
            outcome.loaded.append(load_export(Path(export), round_id, paths.working, form=form,
                                              allow_empty=allow_empty))
        except InputError as exc:
            outcome.refused.append(exc)
        except WarehouseBusy as exc:  # no load can be logged: the warehouse cannot be opened
            outcome.busy = exc
            break
    return outcome


def load_gaps(workbook: Path | str, paths: warehouse.WarehousePaths, *,
              country: str | None = None) -> LoadResult:
    """Land a gap-analysis workbook into the working copy."""
    return load_gap_workbook(workbook, paths.working, country=country)


def describe_load(result: LoadResult) -> str:
    """One line saying what a load did (a duplicate changes nothing)."""
    a = result.attempt
    if a.status == DUPLICATE:
        return f"{a.file_name}: duplicate, nothing changed ({a.message})"
    rows = ", ".join(f"{s} {n:,}" for s, n in a.rows_per_sheet.items())
    extra = f"; supersedes load {a.superseded_load_id}" if a.superseded_load_id else ""
    what = f"gap workbook of {result.country_code}" if a.form == "gaps" else f"round {a.round_id} {a.form}"
    return f"{a.file_name}: loaded {what} as load {a.load_id} (rows: {rows}){extra}"


def quality_source(paths: warehouse.WarehousePaths) -> Path:
    """The file the quality report reads: the working copy if present (a failed build is not
    published, but its report is what the field team needs), else the published file."""
    return paths.working if paths.working.exists() else paths.published


def write_report(kind: ReportKind, paths: warehouse.WarehousePaths, round_id: int,
                 out: Path | None = None, lang: str | None = None) -> Path:
    """Write the quality or round report of ``round_id`` in ``lang`` (default ``$MTM_REPORT_LANG``,
    else English; default file: ``report_path``)."""
    lang = i18n.check_lang(lang or i18n.default_lang())
    out = out or report_path(paths, kind, round_id, lang)
    out.parent.mkdir(parents=True, exist_ok=True)
    if kind == "quality":
        from mtm.reports import quality  # imported late: each report imports only what it needs

        written = quality.render(quality_source(paths), round_id, out, lang)
    else:
        from mtm.reports import round as round_report

        written = round_report.render(paths.published, round_id, out, lang)
    progress.step(f"wrote {written}")
    return written
