"""Inline SVG charts for the offline reports: no JavaScript, no fonts or files fetched.

Each function returns one ``<svg>`` element as a string, sized in CSS pixels, with its numbers
written on the chart (a reader of a printed or e-mailed report must not need to hover).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape

PALETTE = ("#0033a0", "#5b92e5", "#f2a900", "#7a9a01", "#d22630", "#666666")
Formatter = Callable[[float], str]


def fmt_int(value: float) -> str:
    """12,345"""
    return f"{value:,.0f}"


def fmt_pct(value: float) -> str:
    """42% (whole per cent); a positive share that rounds to 0 shows as <1%."""
    if 0 < value < 0.5:
        return "<1%"
    return f"{value:.0f}%"


def fmt_score(value: float) -> str:
    """3.5"""
    return f"{value:.1f}"


def _text(x: float, y: float, label: str, *, anchor: str = "start", size: int = 12,
          weight: str = "normal", fill: str = "#222") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
            f'font-weight="{weight}" fill="{fill}">{escape(label)}</text>')


def fit(label: str, width: float, size: int = 12) -> str:
    """Cut a label to the pixels it has (about 0.55 em per character), ending with an ellipsis."""
    room = max(4, int(width / (size * 0.55)))
    return label if len(label) <= room else label[: room - 1].rstrip() + "\u2026"


def _open(width: float, height: float, title: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
            f'viewBox="0 0 {width:.0f} {height:.0f}" role="img" aria-label="{escape(title)}" '
            f'font-family="Helvetica, Arial, sans-serif"><title>{escape(title)}</title>')


def hbar(items: Sequence[tuple[str, float]], *, title: str, fmt: Formatter = fmt_int,
         width: int = 520, bar_height: int = 20, label_width: int = 190,
         colour: str = PALETTE[0], max_value: float | None = None) -> str:
    """Horizontal bars, one per (label, value), value written at the bar's end."""
    gap = 6
    height = len(items) * (bar_height + gap) + gap
    top = max([v for _, v in items] + [max_value or 0, 0]) or 1
    span = width - label_width - 70
    parts = [_open(width, height, title)]
    for i, (label, value) in enumerate(items):
        y = gap + i * (bar_height + gap)
        length = max(0.0, value) / top * span
        parts.append(_text(label_width - 6, y + bar_height * 0.72, fit(label, label_width - 8), anchor="end"))
        parts.append(f'<rect x="{label_width}" y="{y}" width="{length:.1f}" height="{bar_height}" '
                     f'fill="{colour}"/>')
        parts.append(_text(label_width + length + 5, y + bar_height * 0.72, fmt(value), weight="bold"))
    parts.append("</svg>")
    return "".join(parts)


def grouped_hbar(categories: Sequence[str], series: Sequence[tuple[str, Sequence[float]]], *,
                 title: str, fmt: Formatter = fmt_int, width: int = 560, label_width: int = 210) -> str:
    """Horizontal bars grouped by category, one bar per series, with a legend on top."""
    bar_height, inner_gap, group_gap, legend = 14, 2, 10, 24
    per_group = len(series) * (bar_height + inner_gap) + group_gap
    height = legend + len(categories) * per_group
    top = max([v for _, values in series for v in values] + [0]) or 1
    span = width - label_width - 70
    parts = [_open(width, height, title)]
    for s, (name, _) in enumerate(series):
        x = label_width + s * 110
        parts.append(f'<rect x="{x}" y="6" width="12" height="12" fill="{PALETTE[s % len(PALETTE)]}"/>')
        parts.append(_text(x + 16, 16, name))
    for c, category in enumerate(categories):
        y0 = legend + c * per_group
        parts.append(_text(label_width - 6, y0 + per_group / 2 - 2, fit(category, label_width - 8),
                           anchor="end"))
        for s, (_, values) in enumerate(series):
            value = values[c]
            y = y0 + s * (bar_height + inner_gap)
            length = max(0.0, value) / top * span
            parts.append(f'<rect x="{label_width}" y="{y}" width="{length:.1f}" height="{bar_height}" '
                         f'fill="{PALETTE[s % len(PALETTE)]}"/>')
            parts.append(_text(label_width + length + 4, y + bar_height * 0.8, fmt(value), size=11))
    parts.append("</svg>")
    return "".join(parts)


def columns(items: Sequence[tuple[str, float]], *, title: str, fmt: Formatter = fmt_int,
            notes: Sequence[str] | None = None, width: int = 520, height: int = 240,
            colour: str = PALETTE[0], partial: Sequence[bool] | None = None) -> str:
    """Vertical columns (annual trends): value on top, label and optional note below.

    Columns flagged in ``partial`` are drawn hatched-light: a partial year is not comparable.
    """
    bottom, top_pad = 44, 22
    n = max(len(items), 1)
    slot = (width - 20) / n
    bar_w = min(70.0, slot * 0.6)
    peak = max([v for _, v in items] + [0]) or 1
    plot_h = height - bottom - top_pad
    parts = [_open(width, height, title)]
    parts.append(f'<line x1="10" y1="{height - bottom}" x2="{width - 10}" y2="{height - bottom}" '
                 f'stroke="#999"/>')
    for i, (label, value) in enumerate(items):
        cx = 10 + slot * (i + 0.5)
        h = max(0.0, value) / peak * plot_h
        y = height - bottom - h
        fill = PALETTE[1] if partial and partial[i] else colour
        parts.append(f'<rect x="{cx - bar_w / 2:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                     f'fill="{fill}"/>')
        parts.append(_text(cx, y - 5, fmt(value), anchor="middle", weight="bold"))
        parts.append(_text(cx, height - bottom + 16, label, anchor="middle"))
        if notes and notes[i]:
            parts.append(_text(cx, height - bottom + 32, notes[i], anchor="middle", size=11, fill="#555"))
    parts.append("</svg>")
    return "".join(parts)


def line(points: Sequence[tuple[str, float]], *, title: str, fmt: Formatter = fmt_int,
         width: int = 520, height: int = 220, colour: str = PALETTE[0]) -> str:
    """A line through (label, value) points, each point labelled with its value."""
    left, right, top_pad, bottom = 30, 30, 24, 30
    n = len(points)
    peak = max([v for _, v in points] + [0]) or 1
    plot_w, plot_h = width - left - right, height - top_pad - bottom
    xy = [(left + (plot_w * i / (n - 1) if n > 1 else plot_w / 2),
           top_pad + plot_h - max(0.0, v) / peak * plot_h) for i, (_, v) in enumerate(points)]
    parts = [_open(width, height, title)]
    parts.append(f'<line x1="{left}" y1="{top_pad + plot_h}" x2="{width - right}" '
                 f'y2="{top_pad + plot_h}" stroke="#999"/>')
    if n > 1:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in xy)
        parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2.5"/>')
    for (label, value), (x, y) in zip(points, xy, strict=True):
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{colour}"/>')
        parts.append(_text(x, y - 8, fmt(value), anchor="middle", weight="bold", size=11))
        parts.append(_text(x, height - 10, label, anchor="middle"))
    parts.append("</svg>")
    return "".join(parts)


def share_bar(parts_: Sequence[tuple[str, float]], *, title: str, width: int = 520,
              height: int = 46) -> str:
    """One 100% stacked bar of shares (labels under their segments)."""
    total = sum(max(0.0, v) for _, v in parts_) or 1
    out = [_open(width, height, title)]
    x = 0.0
    for i, (label, value) in enumerate(parts_):
        w = max(0.0, value) / total * width
        out.append(f'<rect x="{x:.1f}" y="0" width="{w:.1f}" height="22" fill="{PALETTE[i % len(PALETTE)]}"/>')
        if w > 40:
            out.append(_text(x + w / 2, 15, fmt_pct(value / total * 100), anchor="middle",
                             fill="#fff", weight="bold", size=11))
            out.append(_text(x + w / 2, 38, label, anchor="middle", size=11))
        x += w
    out.append("</svg>")
    return "".join(out)
