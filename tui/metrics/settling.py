"""`settling`: after a fix, a metric whose window still holds samples from before it.

A 15-minute `increase(...)` reads 6 restarts right after the rollback that stopped
them, and keeps reading them for 15 minutes: its value is true, but it speaks of the
past. So after a remediation (a danger command run in the incident, or the incident
marked contained), a metric that is not ok and whose query reads a range window
(the longest one that reads the present, `offset` excluded: tui.promql) that still
reaches back before the remediation is `settling` until the window has passed. It
never pre-selects an answer; the screen says how long to wait.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from tui import promql
from tui.errors import OncallError
from tui.metrics.readings import Reading

# States whose value is judged against the lines: only a bad one waits for its window.
SETTLES = frozenset({"warn", "crit"})


@dataclass(frozen=True)
class Remediation:
    """The latest remediation of an incident: when, and what it was in words ("rollback ran")."""

    at: float  # unix time it finished
    what: str


def window_s(query: str) -> float:
    """The query's longest window over the present (0 for an instant query or one that does not parse)."""
    try:
        return promql.longest_window_s(query)
    except OncallError:
        return 0.0


def settle(reading: Reading, remediation: Remediation | None, now: float) -> Reading:
    """The reading as seen after `remediation`: `settling` while its window still reaches back before it.

    A drill's reading carries its --speed: its simulated windows pass that much faster."""
    if remediation is None or reading.state not in SETTLES:
        return reading
    window = window_s(reading.query)
    settles_at = remediation.at + window / max(reading.speed, 1e-9)
    if window <= 0 or settles_at <= now:
        return reading
    return replace(reading, state="settling", base_state=reading.state, settles_at=settles_at, window_s=window,
                   settle_cause=remediation.what)
