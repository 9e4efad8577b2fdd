"""An incident's latest remediation, read from its journal: what a settling metric waits out.

A remediation is a `danger` command that ran (it may have changed production,
even when it failed) or the incident set to `contained` (by a step's `status:`
or by hand). The latest one
counts: a window must hold no sample from before the last change.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from tui.metrics.settling import Remediation
from tui.times import parse_time

CONTAINED = "the incident was marked contained"


def _stamp(value: Any) -> float | None:
    moment = parse_time(value)
    return moment.timestamp() if moment is not None else None


def from_event(event: Any) -> Remediation | None:
    """The remediation an event records: a danger command that ran, or the status set to contained."""
    data = getattr(event, "data", None) or {}
    kind = getattr(event, "kind", None)
    if kind == "status" and data.get("field") == "status" and data.get("to") == "contained":
        at = _stamp(getattr(event, "time", None))
        return Remediation(at, CONTAINED) if at is not None else None
    if kind != "command" or data.get("danger") is not True:
        return None
    if data.get("status") == "did not start":
        return None
    at = _stamp(getattr(event, "time", None))
    return Remediation(at, f"{data.get('command') or 'the fix'} ran") if at is not None else None


def latest(events: Iterable[Any], contained_at: str | None = None) -> Remediation | None:
    """The latest remediation among the incident's events and its containment time."""
    found = [r for r in map(from_event, events) if r is not None]
    contained = _stamp(contained_at)
    if contained is not None:
        found.append(Remediation(contained, CONTAINED))
    return max(found, key=lambda r: r.at, default=None)
