"""Metric states from thresholds, and the words that say them.

A value is `crit` past the `crit` line, `warn` past the `warn` line, `ok`
otherwise; "past" means strictly above for `direction: above` and strictly
below for `direction: below` (a 5% line is crossed by 5.1%, not by 5.0%).
NaN (0/0, e.g. a ratio with no traffic) is `nodata`: it says nothing about
the system, so it must not look healthy. Other states come from the source:
`nodata` (empty result), `stale` (no fresh value for three poll intervals),
`down` (Prometheus cannot be reached) and `partial` (the engine said its answer
may be incomplete); `settling` comes from the incident (tui.metrics.settling).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from tui.metrics.units import format_value
from tui.runbook.model import Metric

# How each state is written on screen: never colour alone.
STATE_WORDS = {"ok": "ok", "warn": "WARN", "crit": "CRIT", "stale": "STALE", "nodata": "NO DATA", "down": "DOWN",
               "settling": "SETTLING", "partial": "PARTIAL"}
# Series ranking for "the worst series": a breach outranks ok, ok outranks NaN.
_RANK = {"crit": 3, "warn": 2, "ok": 1, "nodata": 0}
# States in which the shown value is a fresh, trustworthy evaluation.
LIVE_STATES = frozenset({"ok", "warn", "crit", "nodata"})
# States whose value is fresh but must not pre-select an answer (tui.metrics.settling, the engine's warnings).
HOLD_STATES = frozenset({"settling", "partial"})


def _past(value: float, line: float, direction: str) -> bool:
    return value < line if direction == "below" else value > line


def classify(value: float | None, metric: Metric) -> str:
    """ok, warn, crit or nodata for one value of `metric`."""
    if value is None or math.isnan(value):
        return "nodata"
    if metric.crit is not None and _past(value, metric.crit, metric.direction):
        return "crit"
    if metric.warn is not None and _past(value, metric.warn, metric.direction):
        return "warn"
    return "ok"


def severity_key(state: str, value: float, direction: str) -> tuple[int, float]:
    """Sort key, larger = worse: state first, then how far in the bad direction."""
    if math.isnan(value):
        return (_RANK.get(state, 0), -math.inf)
    return (_RANK.get(state, 0), -value if direction == "below" else value)


def worst(states: Iterable[str]) -> str:
    """The worst of several series states (nodata only when every series is)."""
    best = "nodata"
    for state in states:
        if _RANK.get(state, 0) > _RANK[best]:
            best = state
    return best


def state_word(state: str) -> str:
    return STATE_WORDS.get(state, state.upper())


def _sign(metric: Metric) -> str:
    return "<" if metric.direction == "below" else ">"


def limits_text(metric: Metric) -> str:
    """The metric's lines, e.g. "warn >1% · crit >5%" ("" when it has none)."""
    parts = []
    if metric.warn is not None:
        parts.append(f"warn {_sign(metric)}{format_value(metric.warn, metric.unit)}")
    if metric.crit is not None:
        parts.append(f"crit {_sign(metric)}{format_value(metric.crit, metric.unit)}")
    return " · ".join(parts)


def state_label(state: str, metric: Metric) -> str:
    """The state word with the line it crossed, e.g. "CRIT >5%", "WARN <0.8", "ok"."""
    word = state_word(state)
    line = metric.crit if state == "crit" else metric.warn if state == "warn" else None
    if line is None:
        return word
    return f"{word} {_sign(metric)}{format_value(line, metric.unit)}"


def crossing_text(state: str, metric: Metric) -> str:
    """Why a value has its state, in words: "is above the 5% critical line"."""
    side = "below" if metric.direction == "below" else "above"
    if state == "crit" and metric.crit is not None:
        return f"is {side} the {format_value(metric.crit, metric.unit)} critical line"
    if state == "warn" and metric.warn is not None:
        return f"is {side} the {format_value(metric.warn, metric.unit)} warning line"
    if state == "ok":
        line = metric.warn if metric.warn is not None else metric.crit
        if line is None:
            return "has no threshold"
        kind = "warning" if metric.warn is not None else "critical"
        inside = "at or above" if metric.direction == "below" else "at or below"
        return f"is {inside} the {format_value(line, metric.unit)} {kind} line"
    return "has no data"
