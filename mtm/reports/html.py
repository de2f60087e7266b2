"""A small page shell for offline, e-mailable HTML reports (inline CSS, no script, nothing fetched).

API (stable; the quality report, the round report and the gap heatmap section use it):

- ``Markup(str)``: text that is already HTML; ``table`` puts it in a cell unescaped.
- ``escape(value) -> str``: HTML-escaped text of any value (None -> "").
- ``fmt(value) -> str``: a cell value for people: thousands separators for integers, up to two
  decimals for other numbers, "" for None/NaN, text as is (not escaped).
- ``table(columns, rows, *, numeric=(), caption=None, max_rows=None, cls=None) -> str``: an HTML
  table; ``rows`` are sequences in column order; columns named in ``numeric`` are right-aligned;
  beyond ``max_rows`` a last row says how many were left out.
- ``badge(text, kind) -> str``: a coloured label; kind is ``pass``, ``fail``, ``warn``, ``error``
  or ``info``.
- ``stats(items) -> str``: a row of big numbers, items are ``(label, value, kind)``.
- ``section(title, body, *, id=None, level=2) -> str``: a heading and its body.
- ``page(title, body, *, subtitle=None, footer=None) -> str``: the whole document. Its
  Content-Security-Policy allows inline styles and ``data:`` images only, so a mail client or
  browser fetches nothing even if a caller slips in an external URL.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Sequence
from numbers import Integral, Real

KINDS = ("pass", "fail", "warn", "error", "info")

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"

CSS = """
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 "Segoe UI",Roboto,"Helvetica Neue",Arial,"Liberation Sans",sans-serif;
color:#1d2733;background:#f4f6f8}
header.top{background:#0033a0;color:#fff;padding:18px 32px}
header.top h1{margin:0;font-size:22px}
header.top p{margin:4px 0 0;opacity:.85}
main{max-width:1180px;margin:0 auto;padding:16px 32px 40px}
h2{font-size:18px;margin:28px 0 8px;border-bottom:2px solid #d5dbe1;padding-bottom:4px}
h3{font-size:15px;margin:18px 0 6px}
p.note{color:#4a5868;margin:4px 0 10px}
table{border-collapse:collapse;width:100%;margin:6px 0 14px;background:#fff;font-size:13px}
caption{text-align:left;font-weight:600;padding:4px 0}
th,td{border:1px solid #d5dbe1;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#e9eef3;font-weight:600}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
td.more{color:#4a5868;font-style:italic}
code,.mono{font-family:"DejaVu Sans Mono",Consolas,monospace;font-size:12px;word-break:break-all}
.badge{display:inline-block;white-space:nowrap;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600;color:#fff}
.badge.pass{background:#2e7d32}.badge.fail{background:#c62828}.badge.warn{background:#b26a00}
.badge.error{background:#6a1b9a}.badge.info{background:#546e7a}
.stats{display:flex;flex-wrap:wrap;gap:12px;margin:14px 0}
.stat{background:#fff;border:1px solid #d5dbe1;border-left:6px solid #546e7a;padding:10px 16px;min-width:170px}
.stat.pass{border-left-color:#2e7d32}.stat.fail{border-left-color:#c62828}.stat.warn{border-left-color:#b26a00}
.stat.error{border-left-color:#6a1b9a}
.stat .value{font-size:26px;font-weight:700}
.stat .label{color:#4a5868}
footer{margin-top:30px;color:#4a5868;font-size:12px}
"""


class Markup(str):
    """A string that is already HTML (a badge, a link, a code span): not escaped again."""


def _cell(value: object) -> str:
    return value if isinstance(value, Markup) else escape(fmt(value))


def escape(value: object) -> str:
    """HTML-escaped text of ``value`` (None -> empty)."""
    return "" if value is None else html.escape(str(value), quote=True)


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def fmt(value: object) -> str:
    """A value as a person reads it (not escaped)."""
    if _missing(value):
        return ""
    if isinstance(value, Markup):
        return value
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Integral):
        return f"{int(value):,}"
    if isinstance(value, Real):
        number = float(value)
        return f"{int(number):,}" if number.is_integer() else f"{number:,.2f}".rstrip("0").rstrip(".")
    return str(value)


def table(columns: Sequence[str], rows: Iterable[Sequence[object]], *, numeric: Iterable[str] = (),
          caption: str | None = None, max_rows: int | None = None, cls: str | None = None) -> str:
    """An HTML table of ``rows`` (cells are escaped)."""
    right = set(numeric)
    head = "".join(f'<th class="num">{escape(c)}</th>' if c in right else f"<th>{escape(c)}</th>"
                   for c in columns)
    body, total = [], 0
    for row in rows:
        total += 1
        if max_rows is not None and total > max_rows:
            continue
        cells = "".join(f'<td class="num">{_cell(v)}</td>' if c in right else f"<td>{_cell(v)}</td>"
                        for c, v in zip(columns, row, strict=False))
        body.append(f"<tr>{cells}</tr>")
    if max_rows is not None and total > max_rows:
        body.append(f'<tr><td class="more" colspan="{len(columns)}">... and {total - max_rows:,} more rows '
                    f"(all of them are in the warehouse's quality schema)</td></tr>")
    cap = f"<caption>{escape(caption)}</caption>" if caption else ""
    klass = f' class="{escape(cls)}"' if cls else ""
    return f"<table{klass}>{cap}<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def badge(text: str, kind: str) -> str:
    """A coloured label (kind: pass, fail, warn, error, info)."""
    kind = kind if kind in KINDS else "info"
    return f'<span class="badge {kind}">{escape(text)}</span>'


def stats(items: Iterable[tuple[str, object, str]]) -> str:
    """A row of big numbers: (label, value, kind)."""
    cards = "".join(f'<div class="stat {escape(kind)}"><div class="value">{escape(fmt(value))}</div>'
                    f'<div class="label">{escape(label)}</div></div>' for label, value, kind in items)
    return f'<div class="stats">{cards}</div>'


def section(title: str, body: str, *, id: str | None = None, level: int = 2) -> str:
    """A heading (h2 by default) followed by ``body`` (already HTML)."""
    anchor = f' id="{escape(id)}"' if id else ""
    return f"<section{anchor}><h{level}>{escape(title)}</h{level}>{body}</section>"


def page(title: str, body: str, *, subtitle: str | None = None, footer: str | None = None) -> str:
    """The whole HTML document around ``body`` (already HTML)."""
    sub = f"<p>{escape(subtitle)}</p>" if subtitle else ""
    foot = f"<footer>{footer}</footer>" if footer else ""
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{escape(title)}</title><style>{CSS}</style></head><body>"
            f'<header class="top"><h1>{escape(title)}</h1>{sub}</header>'
            f"<main>{body}{foot}</main></body></html>\n")
