"""Where reports are written: one rule for `mtm report` and `mtm demo`.

``<folder of the published warehouse>/reports/<report>-round-<n>.<lang>.html`` where
``<report>`` is ``bma`` for the round report (IOM's Baseline Mobility Assessment report) and
``quality`` for the data-quality report: ``warehouse/reports/bma-round-3.ru.html``,
``warehouse/reports/quality-round-3.en.html``. ``--out FILE`` writes elsewhere.
"""

from __future__ import annotations

from pathlib import Path

FILE_STEMS: dict[str, str] = {"round": "bma", "quality": "quality"}  # `mtm report <kind>` -> file stem


def report_path(published: Path, kind: str, round_id: int, lang: str) -> Path:
    """The default file of a report (``kind`` is ``round`` or ``quality``, as in `mtm report`)."""
    return Path(published).parent / "reports" / f"{FILE_STEMS[kind]}-round-{round_id}.{lang}.html"
