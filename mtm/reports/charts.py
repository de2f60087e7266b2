"""Chart geometry for the offline reports: small data classes the templates draw (no markup here).

- ``bars`` -> ``Bar`` rows drawn as HTML/CSS bars (``macros.html.j2`` ``bars``): the label wraps
  and the bar shrinks on a phone, so a chart stays readable at any width.
- ``columns`` -> ``ColumnChart``: the annual-trend columns as SVG geometry (few columns, so the
  SVG scales down without losing its labels).
Numbers are written on every chart: a printed or e-mailed report must not need hovering.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

PALETTE = ("#0033a0", "#5b92e5", "#f2a900", "#7a9a01", "#d22630", "#666666")
Formatter = Callable[[float], str]


@dataclass(frozen=True)
class Bar:
    """One bar: its label, the value as text, its length in per cent of the chart's width."""

    label: str
    value: float
    text: str
    width: float
    note: str = ""


@dataclass(frozen=True)
class Series:
    """One coloured series of a grouped bar chart (e.g. one sex)."""

    name: str
    colour: str


@dataclass(frozen=True)
class BarGroup:
    """One category of a grouped bar chart: a bar per series."""

    label: str
    bars: tuple[Bar, ...]


def bars(items: Sequence[tuple[str, float]], fmt: Formatter, *, max_value: float | None = None,
         notes: Sequence[str] | None = None) -> list[Bar]:
    """Bars scaled to the largest value (or ``max_value``), each with its formatted value."""
    top = max([v for _, v in items] + [max_value or 0.0, 0.0]) or 1.0
    return [Bar(label=label, value=value, text=fmt(value), width=round(max(0.0, value) / top * 100, 2),
                note=notes[i] if notes else "")
            for i, (label, value) in enumerate(items)]


def grouped(categories: Sequence[str], series: Sequence[tuple[str, Sequence[float]]],
            fmt: Formatter) -> tuple[list[Series], list[BarGroup]]:
    """A grouped bar chart: categories x series, every bar scaled to the largest."""
    top = max([v for _, values in series for v in values] + [0.0]) or 1.0
    legend = [Series(name, PALETTE[i % len(PALETTE)]) for i, (name, _) in enumerate(series)]
    groups = [BarGroup(label=category, bars=tuple(
        Bar(label=name, value=values[c], text=fmt(values[c]), width=round(max(0.0, values[c]) / top * 100, 2))
        for name, values in series)) for c, category in enumerate(categories)]
    return legend, groups


@dataclass(frozen=True)
class Column:
    """One column of a column chart, in SVG user units."""

    x: float
    y: float
    width: float
    height: float
    centre: float
    label: str
    text: str
    note: str
    note2: str
    partial: bool


@dataclass(frozen=True)
class ColumnChart:
    width: int
    height: int
    baseline: float
    columns: tuple[Column, ...]


def columns(items: Sequence[tuple[str, float]], fmt: Formatter, *,
            notes: Sequence[tuple[str, str]] | None = None,
            partial: Sequence[bool] | None = None, width: int = 640, height: int = 240) -> ColumnChart:
    """Vertical columns (annual trends), each with up to two short note lines; a partial year is
    drawn lighter."""
    bottom, top_pad = 58, 22
    n = max(len(items), 1)
    slot = (width - 20) / n
    bar_w = min(70.0, slot * 0.6)
    peak = max([v for _, v in items] + [0.0]) or 1.0
    plot_h = height - bottom - top_pad
    out = []
    for i, (label, value) in enumerate(items):
        cx = 10 + slot * (i + 0.5)
        h = max(0.0, value) / peak * plot_h
        out.append(Column(x=round(cx - bar_w / 2, 1), y=round(height - bottom - h, 1), width=round(bar_w, 1),
                          height=round(h, 1), centre=round(cx, 1), label=label, text=fmt(value),
                          note=notes[i][0] if notes else "", note2=notes[i][1] if notes else "",
                          partial=bool(partial and partial[i])))
    return ColumnChart(width=width, height=height, baseline=height - bottom, columns=tuple(out))
