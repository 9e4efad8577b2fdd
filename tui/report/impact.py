"""How long users were hurt, from the metrics, and how long the response took, from the journal.

The impact window of one metric runs from its first sample past the warn line (the crit
line when it has no warn) to the first sample back inside it after the last excursion;
"past" respects the metric's direction, as `tui.metrics.thresholds` decides a state.
The incident's impact is the union of its metrics' windows. When no metric says anything
(no Prometheus, no data, no line crossed) the impact is the response window, detection to
resolution, and `Impact.why` says in one sentence why it had to be that.

Response times are counted from detection: to acknowledge (the first thing a responder
did after the page), to contain and to resolve; time to notice runs from the alert's start.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from tui.journal.model import Event, Incident
from tui.runbook.model import Metric
from tui.times import parse_time

LEAD_S = 3600.0  # read the metrics from this long before detection: impact often starts well before the page
TAIL_S = 900.0  # and this long after resolution, to see the return
# Events that are a responder acting on the page (the opening, ticks and the drill's own entries are not).
ACTION_KINDS = ("decision", "command", "comms", "role", "action-item", "note", "status")
_NOT_A_RESPONDER = ("drill_event", "drill_score")  # data keys of the drill's own events (tui/drill/score.py)


@dataclass(frozen=True)
class Curve:
    """One runbook metric over the report's span: the worst series at each step, oldest first."""

    metric: Metric
    runbook: str
    query: str
    points: tuple[tuple[float, float], ...] = ()
    error: str | None = None  # why it could not be read, one sentence

    @property
    def line(self) -> float | None:
        """The line whose crossing counts as impact: warn, else crit."""
        return self.metric.warn if self.metric.warn is not None else self.metric.crit

    def past(self, value: float) -> bool:
        line = self.line
        if line is None or math.isnan(value):
            return False
        return value < line if self.metric.direction == "below" else value > line


@dataclass(frozen=True)
class Window:
    start: float  # unix time
    end: float | None  # None: still past the line at the last sample

    def seconds(self, now: float) -> float:
        return (self.end if self.end is not None else now) - self.start


@dataclass(frozen=True)
class Span:
    """What the report reads and draws: from well before detection to after resolution (or now)."""

    start: float
    end: float


@dataclass(frozen=True)
class Impact:
    window: Window | None  # None only when even the response window is unknown
    measured: bool  # True: from the metrics; False: the response window stands in
    why: str | None  # when not measured: one sentence saying why
    per_metric: tuple[tuple[Curve, Window | None], ...] = ()
    span: Span | None = None


@dataclass(frozen=True)
class Response:
    """Seconds from detection (None: not reached or not known); `notice` is from the alert's start."""

    notice: float | None
    acknowledge: float | None
    contain: float | None
    resolve: float | None
    acknowledged_at: float | None = None


def breach_window(curve: Curve) -> Window | None:
    """First sample past the line to the first sample back inside after the last one past it."""
    first = last = None
    for i, (t, v) in enumerate(curve.points):
        if curve.past(v):
            if first is None:
                first = t
            last = i
    if first is None or last is None:
        return None
    after = next((t for t, v in curve.points[last + 1:] if not math.isnan(v)), None)
    return Window(first, after)


def union(windows: Iterable[Window | None]) -> Window | None:
    found = [w for w in windows if w is not None]
    if not found:
        return None
    start = min(w.start for w in found)
    end = None if any(w.end is None for w in found) else max(w.end for w in found if w.end is not None)
    return Window(start, end)


def _ts(value: str | None) -> float | None:
    dt = parse_time(value)
    return dt.timestamp() if dt is not None else None


def report_span(incident: Incident, now: float, lead: float = LEAD_S, longest_window: float = 0.0) -> Span:
    """From `lead` (or twice the longest PromQL window, if longer) before detection to TAIL_S after
    resolution, never past now."""
    detected = _ts(incident.detected_at) or _ts(incident.created_at) or now
    resolved = _ts(incident.resolved_at)
    end = min(now, (resolved + TAIL_S) if resolved is not None else now)
    return Span(detected - max(lead, 2 * longest_window), max(end, detected))


def response_window(incident: Incident, now: float) -> Window | None:
    detected = _ts(incident.detected_at)
    return Window(detected, _ts(incident.resolved_at)) if detected is not None else None


def measure(incident: Incident, curves: Sequence[Curve], span: Span | None, now: float,
            unavailable: str | None = None) -> Impact:
    """The impact from `curves`, or the response window with the reason (`unavailable`, or what the curves lack)."""
    per_metric = tuple((c, breach_window(c)) for c in curves)
    window = union(w for _, w in per_metric)
    if window is not None:
        return Impact(window, True, None, per_metric, span)
    if unavailable is None:
        if not curves:
            unavailable = "the incident's runbooks have no metrics"
        elif all(c.error for c in curves):
            unavailable = f"no metric could be read ({curves[0].error.rstrip('.')})" if curves[0].error else ""
        elif not any(c.points for c in curves):
            unavailable = "Prometheus holds no samples of the runbook's metrics over the incident"
        else:
            unavailable = "no runbook metric crossed its warn line over the span read (from before detection to after resolution)"
    why = (f"The impact shown is the response window (detection to resolution), not measured, because "
           f"{unavailable}.")
    return Impact(response_window(incident, now), False, why, per_metric, span)


def is_action(event: Event) -> bool:
    """A responder doing something: not the opening, not a checklist tick, not the drill's own entries."""
    data = event.data or {}
    if event.kind not in ACTION_KINDS or any(k in data for k in _NOT_A_RESPONDER):
        return False
    if event.kind == "status":
        return data.get("field") in ("status", "severity")  # the opening has no field
    if event.kind == "note":
        return data.get("action") not in ("tick", "untick")
    return True


def response_times(incident: Incident, events: Iterable[Event]) -> Response:
    detected = _ts(incident.detected_at)
    acked = next((t for e in events if is_action(e) and (t := _ts(e.time)) is not None
                  and (detected is None or t >= detected)), None)

    def since(t: float | None) -> float | None:
        return None if t is None or detected is None else t - detected

    started = _ts(incident.alert_started_at)
    return Response(notice=None if started is None or detected is None else detected - started,
                    acknowledge=since(acked), contain=since(_ts(incident.contained_at)),
                    resolve=since(_ts(incident.resolved_at)), acknowledged_at=acked)
