"""One metric over the incident as an SVG: the line, its warn and crit lines, the impact window, the actions.

Written here rather than with a library: pygal (the small one; matplotlib costs far more to
import) draws the line and the thresholds, but has no way to mark moments on the time axis
(the page, the fix, a status change), gives every chart a random id (so two exports of the
same incident differ) and embeds its own stylesheet per chart. What we need is ~150 lines
of plain SVG, deterministic and readable in any browser or Markdown viewer.

Every text that reaches the SVG (a metric title, a command title, a label value) is outside
text: made plain (no control character, which XML cannot even hold) and XML-escaped.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from xml.sax.saxutils import escape, quoteattr

from tui.metrics.units import format_value
from tui.report.impact import Curve, Span, Window
from tui.text import plain_line

WIDTH, PLOT_H = 760, 220
LEFT, RIGHT, TOP, BOTTOM = 70, 20, 34, 30
LEGEND_LINE = 16
COLOURS = {"line": "#1f5fbf", "warn": "#d08000", "crit": "#c0392b", "impact": "#f4c7c3",
           "page": "#6c3fb5", "fix": "#1e8449", "status": "#555555", "decision": "#555555", "command": "#888888"}


@dataclass(frozen=True)
class Mark:
    """A moment of the incident drawn on every chart: `kind` is page, fix, command, status or decision."""

    t: float
    label: str
    kind: str


def _text(value: object) -> str:
    return escape(plain_line(value))


def _attr(value: object) -> str:
    return quoteattr(plain_line(value))


def _hhmm(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%H:%M")


def _ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    if hi <= lo:
        return [lo]
    raw = (hi - lo) / n
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    first = math.ceil(lo / step) * step
    return [first + i * step for i in range(int((hi - first) / step + 1e-9) + 1)]


def _time_ticks(start: float, end: float) -> list[float]:
    span = max(end - start, 60.0)
    step = next(s for s in (60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 21600, 43200, 86400)
                if span / s <= 8)
    return [t for t in _ticks_every(start, step) if t <= end]


def _ticks_every(start: float, step: float) -> list[float]:
    first = math.ceil(start / step) * step
    return [first + i * step for i in range(12)]


def render_svg(curve: Curve, span: Span, window: Window | None, marks: Sequence[Mark]) -> str:
    """The chart of one curve over `span`, as a standalone SVG document."""
    m = curve.metric
    values = [v for _, v in curve.points if math.isfinite(v)]
    lines = [x for x in (m.warn, m.crit) if x is not None]
    lo = min([0.0, *values, *lines]) if m.direction == "above" or not values else min([*values, *lines])
    hi = max([*values, *lines, lo + 1e-9])
    pad = (hi - lo) * 0.08 or 1.0
    lo, hi = (lo if lo == 0.0 else lo - pad), hi + pad
    plot_w = WIDTH - LEFT - RIGHT
    shown = [mk for mk in marks if span.start <= mk.t <= span.end]
    height = TOP + PLOT_H + BOTTOM + LEGEND_LINE * (len(shown) + 1) + 8

    def x(t: float) -> float:
        return LEFT + (t - span.start) / max(span.end - span.start, 1e-9) * plot_w

    def y(v: float) -> float:
        return TOP + PLOT_H - (v - lo) / (hi - lo) * PLOT_H

    title = f"{m.title} ({m.name})"
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
           f'viewBox="0 0 {WIDTH} {height}" role="img" aria-label={_attr(title)} '
           'font-family="sans-serif" font-size="11">',
           f'<rect width="{WIDTH}" height="{height}" fill="#ffffff"/>',
           f'<text x="{LEFT}" y="20" font-size="14" font-weight="bold">{_text(title)}</text>']
    if window is not None:
        x0, x1 = x(max(window.start, span.start)), x(min(window.end if window.end is not None else span.end, span.end))
        out.append(f'<rect x="{x0:.1f}" y="{TOP}" width="{max(x1 - x0, 1):.1f}" height="{PLOT_H}" '
                   f'fill="{COLOURS["impact"]}" opacity="0.6"><title>impact window</title></rect>')
    out.append(f'<rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{PLOT_H}" fill="none" stroke="#999"/>')
    for v in _ticks(lo, hi):
        out.append(f'<line x1="{LEFT - 4}" x2="{LEFT}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#999"/>'
                   f'<text x="{LEFT - 6}" y="{y(v) + 4:.1f}" text-anchor="end">{_text(format_value(v, m.unit))}</text>')
    for t in _time_ticks(span.start, span.end):
        out.append(f'<line x1="{x(t):.1f}" x2="{x(t):.1f}" y1="{TOP + PLOT_H}" y2="{TOP + PLOT_H + 4}" stroke="#999"/>'
                   f'<text x="{x(t):.1f}" y="{TOP + PLOT_H + 16}" text-anchor="middle">{_hhmm(t)}</text>')
    for name, line in (("warn", m.warn), ("crit", m.crit)):
        if line is not None and lo <= line <= hi:
            out.append(f'<line class="{name}" x1="{LEFT}" x2="{LEFT + plot_w}" y1="{y(line):.1f}" y2="{y(line):.1f}" '
                       f'stroke="{COLOURS[name]}" stroke-dasharray="6 4"/>'
                       f'<text x="{LEFT + plot_w - 4}" y="{y(line) - 4:.1f}" text-anchor="end" '
                       f'fill="{COLOURS[name]}">{name} {_text(format_value(line, m.unit))}</text>')
    for run in _runs(curve.points):
        path = " ".join(f"{x(t):.1f},{y(v):.1f}" for t, v in run)
        out.append(f'<polyline class="series" points="{path}" fill="none" stroke="{COLOURS["line"]}" '
                   'stroke-width="2"/>')
    legend_y = TOP + PLOT_H + BOTTOM + 6
    for i, mk in enumerate(shown, 1):
        colour = COLOURS.get(mk.kind, "#555555")
        out.append(f'<g class="mark {mk.kind}"><line x1="{x(mk.t):.1f}" x2="{x(mk.t):.1f}" y1="{TOP}" '
                   f'y2="{TOP + PLOT_H}" stroke="{colour}" stroke-width="{2 if mk.kind == "fix" else 1}"/>'
                   f'<text x="{x(mk.t) + 2:.1f}" y="{TOP + 10 + 11 * ((i - 1) % 3)}" fill="{colour}">{i}</text>'
                   f'<text x="{LEFT}" y="{legend_y + LEGEND_LINE * i - 4}" fill="{colour}">'
                   f'{i}  {_hhmm(mk.t)}  {_text(mk.label)}</text></g>')
    if not values:
        out.append(f'<text x="{LEFT + plot_w / 2}" y="{TOP + PLOT_H / 2}" text-anchor="middle">'
                   f'{_text(curve.error or "no samples over this span")}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _runs(points: Sequence[tuple[float, float]]) -> list[list[tuple[float, float]]]:
    """The points split where a value is missing (NaN, infinite): a gap is drawn as a gap."""
    runs: list[list[tuple[float, float]]] = [[]]
    for t, v in points:
        if math.isfinite(v):
            runs[-1].append((t, v))
        elif runs[-1]:
            runs.append([])
    return [r for r in runs if r]
