"""The metrics pane: each metric's value, sparkline and state in words.

It renders whatever snapshot it is given (Prometheus or a drill's simulation)
and never invents a value: without a source it says "not connected".
Names, labels and fault sentences quote Prometheus and the runbook: all through `styled`/`shown`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from textual.content import Content
from textual.widgets import Static

from tui.app.messages import MetricsUnavailable, SnapshotArrived
from tui.app.shown import shown, shown_line, styled

SPARKS = "▁▂▃▄▅▆▇█"
STATE_STYLES = {"ok": "$success", "warn": "$warning b", "crit": "$error b", "stale": "dim i", "nodata": "dim",
                "down": "$error i", "settling": "$warning i", "partial": "$warning i"}


def sparkline(values: Sequence[float], width: int = 10) -> str:
    finite = [v for v in values if not math.isnan(v) and not math.isinf(v)]
    if not finite:
        return " " * width
    data = finite[-width:]
    lo, hi = min(data), max(data)
    span = hi - lo
    if span <= 0.05 * max(abs(hi), abs(lo)):
        span = 0  # a flat line: don't magnify noise into a spike
    chars = [SPARKS[0 if span == 0 else min(7, int((v - lo) / span * 7.999))] for v in data]
    return "".join(chars).rjust(width)


class MetricsPane(Static):
    """Border title: source · interval · live/down; one row per metric."""

    def on_mount(self) -> None:
        self.border_title = "METRICS"

    def show_message(self, title: str, message: str) -> None:
        self.border_title = shown_line(title)
        self.update(shown(message))

    def show_snapshot(self, snapshot: Any, now: float) -> None:
        snap = snapshot.aged(now)
        source = snap.source
        simulated = snap.simulated or any(getattr(r, "simulated", False) for r in snap.readings.values())
        where = "SIMULATED" if simulated else source.name
        live = "live" if source.up else "DOWN"
        self.border_title = shown_line(f"METRICS  {where} · {live} · every {snap.interval:g}s")
        width = self.size.width or 80  # the content width: border and padding are already out
        labels = {name: r.label_at(now) for name, r in snap.readings.items()}
        label_w = max([len(label) for label in labels.values()] + [0])
        if width - 10 - label_w < 10:  # narrow (80x24): "SETTLING 0:43" without the "(CRIT >3)" underneath
            labels = {name: r.label_at(now, short=True) for name, r in snap.readings.items()}
            label_w = max([len(label) for label in labels.values()] + [0])
        # Names get what the value (8) and the state leave, never less than 10 characters.
        name_w = max(10, min(max([len(n) for n in snap.readings] + [6]), width - 10 - label_w))
        rows: list[Content] = []
        if not source.up and source.message:
            rows.append(styled("[$error]$msg[/]", msg=source.message))
        if not snap.readings:
            rows.append(Content("This runbook has no metrics."))
        for name, r in snap.readings.items():
            label = labels[name] + (" SIM" if getattr(r, "simulated", False) and not simulated else "")
            room = min(10, width - (name_w + 10 + max(label_w, len(label))) - 1)
            spark = " " + sparkline(r.sparkline(), room) if room >= 4 else ""
            style = STATE_STYLES.get(r.state, "")
            value_style = "dim" if r.state in ("stale", "down", "nodata") else "b"
            rows.append(styled(
                f"$name [{value_style}]$value[/]$spark [{style}]$label[/]",
                name=name[:name_w].ljust(name_w), value=r.display.rjust(8), spark=spark, label=label))
            if r.series_note:  # "showing the worst 200 of 5,000 series"
                rows.append(styled("[dim]  $note[/]", note=r.series_note))
            hold = r.hold_text(now)
            if hold:  # settling: "wait 11 min: the 15-minute window still holds …"; partial: what the engine said
                rows.append(styled("[$warning]  $hold[/]", hold=hold))
        self.update(Content("\n").join(rows))

    def on_snapshot_arrived(self, message: SnapshotArrived) -> None:
        self.show_snapshot(message.snapshot, message.now)
        # The first readings usually add rows while the screen is still laying out its first frame, and
        # that layout keeps the height of "connecting…"; one more layout after that frame fits the rows.
        self.call_after_refresh(self.refresh, layout=True)

    def on_metrics_unavailable(self, message: MetricsUnavailable) -> None:
        self.show_message(message.title, message.message)
