"""Rewrite a sample export (XML values, groups in headers, ``/``) in another of Kobo's layouts.

KoboToolbox's download page offers: XML values and headers or labels in one of the form's
languages; groups in headers on or off; any group separator; select_multiple as one column,
one 0/1 column per choice, or both (``forms/bma/README.md``). ``relayout`` writes the same
submissions the way each combination would, from the form's own names and labels
(``mtm.core.kobo_layout``), so ``mtm sample`` can produce any shape the loaders must read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import pandas as pd

from mtm.core import forms, kobo_layout

Multiple = Literal["single", "separate", "both"]
VALIDATION_LABELS = {code: label.capitalize() for label, code in kobo_layout.VALIDATION_STATUS_LABELS.items()}
SHEET_NAME_MAX = 31


@dataclass(frozen=True)
class ExportLayout:
    """The download options of a Kobo export."""

    language: str | None = None  # None: XML values and headers; else a form language ('Russian (ru)')
    groups: bool = True
    separator: str = "/"
    multiple: Multiple = "both"

    @property
    def is_default_sample(self) -> bool:
        """The layout ``mtm sample`` has always written (XML, groups, '/', both)."""
        return self == ExportLayout()


def kobo_sheet_name(title: str) -> str:
    """The main sheet's name as Kobo writes it: the title, or its first 28 characters and ``...``."""
    return title if len(title) <= SHEET_NAME_MAX else title[:SHEET_NAME_MAX - 3] + "..."


def _columns_by_path(form: str) -> dict[str, kobo_layout.Column]:
    return {c.path.lower(): c for c in kobo_layout.form_columns(form)}


def _choice_label(form: str, list_name: str, name: str, language: str) -> str:
    for c in forms.choices(form).get(list_name, []):
        if c.name == name:
            return c.labels.get(language) or c.name
    return name


def _relabel(form: str, column: kobo_layout.Column, value: Any, language: str) -> Any:
    q = column.question
    if q is None:
        if column.path in kobo_layout.VALIDATION_COLUMNS and isinstance(value, str):
            return VALIDATION_LABELS.get(value.strip(), value)
        return value
    if not isinstance(value, str) or not q.list_name or column.choice is not None:
        return value
    if q.base_type == "select_multiple":
        return " ".join(_choice_label(form, q.list_name, v, language) for v in value.split())
    return _choice_label(form, q.list_name, value.strip(), language) if value.strip() else value


def relayout(form: str, sheets: dict[str, pd.DataFrame], layout: ExportLayout) -> dict[str, pd.DataFrame]:
    """The same sheets as Kobo writes them with ``layout``'s download options."""
    columns = _columns_by_path(form)
    main_name = forms.main_sheet_name(form)
    out: dict[str, pd.DataFrame] = {}
    for name, df in sheets.items():
        headers: list[str] = []
        data: list[pd.Series] = []
        for i, col in enumerate(df.columns):
            column = columns.get(str(col).strip().lower())
            if column is None:  # a column the form does not define stays as it is
                headers.append(str(col))
                data.append(df.iloc[:, i])
                continue
            q = column.question
            multiple = q is not None and q.base_type == "select_multiple"
            if multiple and column.choice is None and layout.multiple == "separate":
                continue
            if multiple and column.choice is not None and layout.multiple == "single":
                continue
            header = layout.separator.join(kobo_layout.header_parts(form, column, layout.language, layout.groups))
            values = df.iloc[:, i]
            if layout.language is not None:
                values = values.map(lambda v, c=column: _relabel(form, c, v, layout.language))
            headers.append(header)  # labels may repeat (two questions with one label): kept apart
            data.append(values)
        new = pd.concat([s.reset_index(drop=True) for s in data], axis=1, ignore_index=True)
        new.columns = headers
        title = next(s.form_title for s in forms.settings() if s.form == form)
        out[kobo_sheet_name(title) if name == main_name else name] = new
    return out
