"""g : the current metric over the last half hour, drawn in the terminal, with its lines and the incident's actions.

Drawn with textual-plotext (Textualize's widget over plotext): braille line plots, horizontal
and vertical lines, axes and labels, about 12 ms to import after Textual and pure Python.
It is imported only when this screen opens, so the app's start-up does not pay for it.
Every label is outside text made plain (a metric title, a command title): plotext's output
is parsed for ANSI colours, so an escape sequence in a title would otherwise style the plot.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Static
from textual_plotext import PlotextPlot

from tui.app.shown import shown_line
from tui.metrics.units import format_value
from tui.text import plain_line

MAX_SERIES = 5
MARK_COLOURS = {"page": "magenta", "fix": "green", "status": "gray", "decision": "gray", "command": "gray"}


class ChartScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape", "close", "close", key_display="esc", id="chart.close"),
                Binding("g", "close", "close", show=False)]
    PURPOSE = "The current metric over the sparkline's window, with its warn and crit lines and what was done when."

    def __init__(self, reading: Any, marks: Sequence[Any], now: float | None = None) -> None:
        super().__init__()
        self.reading = reading  # tui.metrics.readings.Reading with history
        self.marks = list(marks)  # tui.report.chart.Mark
        self.now = time.time() if now is None else now

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog report"):
            m = self.reading.metric
            yield Static(shown_line(f"{m.title} ({m.name}) · last {self._window_minutes():.0f} min"),
                         classes="dialog-title")
            yield PlotextPlot(id="chart-plot")
            yield Static(shown_line(self._legend()), id="chart-legend")
            yield Static("minutes before now · orange: warn · red: crit · vertical: the actions above · g or Esc closes",
                         classes="dialog-hint")
        yield Footer()

    def _window_minutes(self) -> float:
        starts = [s.points[0][0] for s in self.reading.history if s.points]
        return (self.now - min(starts)) / 60 if starts else 30.0

    def _shown_marks(self) -> list[Any]:
        start = self.now - self._window_minutes() * 60
        return [mk for mk in self.marks if start <= mk.t <= self.now]

    def _legend(self) -> str:
        marks = self._shown_marks()
        if not marks:
            return "No action of the incident falls in this window."
        return " · ".join(f"{i} {time.strftime('%H:%M', time.gmtime(mk.t))} {plain_line(mk.label)}"
                          for i, mk in enumerate(marks, 1))

    def on_mount(self) -> None:
        plt = self.query_one(PlotextPlot).plt
        m = self.reading.metric
        drawn = 0
        values: list[float] = [x for x in (m.warn, m.crit) if x is not None]
        for series in self.reading.history[:MAX_SERIES]:
            points = [(t, v) for t, v in series.points if v == v and abs(v) != float("inf")]
            if not points:
                continue
            label = plain_line(",".join(f"{k}={v}" for k, v in sorted(series.labels.items()))) or None
            plt.plot([(t - self.now) / 60 for t, _ in points], [v for _, v in points], label=label, marker="braille")
            values += [v for _, v in points]
            drawn += 1
        for line, colour in ((m.warn, "orange"), (m.crit, "red")):
            if line is not None:
                plt.hline(line, colour)
        for i, mk in enumerate(self._shown_marks(), 1):
            x = (mk.t - self.now) / 60
            plt.vline(x, MARK_COLOURS.get(mk.kind, "gray"))
            plt.text(str(i), x, m.crit if m.crit is not None else (m.warn or 0.0))
        if not drawn:
            plt.title("No samples in the window yet")
        if values:  # the y axis in the metric's unit (12.4%, 820 ms), as the metrics pane writes it
            lo, hi = min(values), max(values)
            ticks = [lo + (hi - lo) * i / 4 for i in range(5)] if hi > lo else [lo]
            plt.yticks(ticks, [format_value(v, m.unit) for v in ticks])
        plt.xlabel("minutes before now")

    def action_close(self) -> None:
        self.dismiss(None)
