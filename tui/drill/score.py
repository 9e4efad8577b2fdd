"""Score a drill from its journal: times, the path walked against the expected one, commands, what was missed.

Everything is read from the incident's events, so a drill can be scored (and
re-scored) from the journal alone, by the app at the end or later from an
export. Times are wall-clock seconds from the page: the responder's own pace,
whatever `--speed` did to the simulated service.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from tui.drill.scenario import Scenario
from tui.integrations.audiences import DEFAULTS, INTERNAL
from tui.integrations.send import delivered
from tui.times import parse_time

DRILL_KEY = "drill_event"  # data key of the drill's own journal events (start, alerts); "drill" is the journal's
SCORE_KEY = "drill_score"
POINTS = {"outcome": 30, "fix": 20, "path": 20, "comms": 10, "severity": 10, "note": 10}
# Path points an answer costs when it was taken on a metric that said "wait" (settling or partial).
HASTY_COST = 5


def _get(obj: Any, name: str, default: Any = None) -> Any:
    return obj.get(name, default) if isinstance(obj, dict) else getattr(obj, name, default)


def is_drill_event(event: Any) -> bool:
    """Written by the drill itself (start, alerts, score), not by the responder."""
    data = _get(event, "data") or {}
    return DRILL_KEY in data or SCORE_KEY in data


def mmss(seconds: float | None) -> str:
    if seconds is None:
        return "never"
    seconds = max(0, round(seconds))
    return f"{seconds // 60}m{seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"


@dataclass(frozen=True)
class DrillReport:
    scenario: str
    title: str
    runbook: str
    paged_at: str | None
    acknowledged: float | None  # seconds from the page to the first action
    contained: float | None  # to the status contained, or the fix, whichever came first
    resolved: float | None  # to the resolved status, or the outcome
    contained_by: str | None
    expected_path: tuple[str, ...]
    taken_path: tuple[str, ...]
    followed: tuple[str, ...]
    missed_steps: tuple[str, ...]
    detours: tuple[str, ...]
    backs: int
    suggestions_overridden: int
    outcome: str | None
    expected_outcome: str
    commands: tuple[str, ...]
    fix_commands: tuple[str, ...]
    fix_ran: bool
    comms_sent: int
    severity_set: bool
    severity: str | None
    expected_severity: str | None
    notes: int
    missed: tuple[str, ...]
    points: dict[str, int] = field(default_factory=dict)
    updates: dict[str, int] = field(default_factory=dict)  # audience -> updates that actually went
    late_updates: int = 0  # internal updates more than the cadence apart (from the page to the end)
    hasty: tuple[str, ...] = ()  # answers taken before a metric's window settled (or on a partial answer)

    @property
    def score(self) -> int:
        return sum(self.points.values())

    @property
    def finished(self) -> bool:
        return self.outcome is not None

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["score"] = self.score
        return out

    def summary(self) -> str:
        """One line for the journal and a notification."""
        where = f"outcome {self.outcome}" if self.outcome else "no outcome reached"
        return (f"Drill {self.scenario} scored {self.score}/100: {where}; acknowledged {mmss(self.acknowledged)}, "
                f"contained {mmss(self.contained)}, resolved {mmss(self.resolved)}.")

    def markdown(self) -> str:
        lines = [f"# Drill report: {self.title}", "",
                 f"_Scenario `{self.scenario}` on runbook `{self.runbook}`. Everything in this drill was SIMULATED._", "",
                 f"**Score: {self.score}/100**", "",
                 "| | |", "|---|---|",
                 f"| Time to acknowledge (first action) | {mmss(self.acknowledged)} |",
                 f"| Time to contain | {mmss(self.contained)}"
                 + (f" ({self.contained_by})" if self.contained_by else "") + " |",
                 f"| Time to resolve | {mmss(self.resolved)} |",
                 f"| Outcome | {self.outcome or 'not reached'} (expected {self.expected_outcome}) |",
                 f"| Severity | {self.severity or '—'}" + (" (set by you)" if self.severity_set else " (never set)")
                 + (f", expected {self.expected_severity}" if self.expected_severity else "") + " |",
                 f"| Updates sent | {self.comms_sent}" + (
                     f" ({', '.join(f'{k} {v}' for k, v in self.updates.items())})" if self.updates else "")
                 + (f", internal late {self.late_updates} time(s)" if self.late_updates else "") + " |",
                 f"| Notes written | {self.notes} |", ""]
        lines += ["## Steps", "",
                  f"- Expected: {' → '.join(self.expected_path)}",
                  f"- Taken: {' → '.join(self.taken_path) or '(none)'}",
                  f"- Followed {len(self.followed)} of {len(self.expected_path)} expected steps"
                  + (f"; skipped {', '.join(self.missed_steps)}" if self.missed_steps else "")
                  + (f"; detours through {', '.join(self.detours)}" if self.detours else "")
                  + (f"; went back {self.backs} time(s)" if self.backs else "")
                  + (f"; overrode the suggested answer {self.suggestions_overridden} time(s)"
                     if self.suggestions_overridden else "") + ".",
                  "- Waiting out a metric's window costs nothing: the times above are for the record, not the points."
                  + (f" Answered {len(self.hasty)} time(s) before the metric could be trusted." if self.hasty else ""),
                  ""]
        lines += ["## Commands run", ""]
        lines += [f"- {c}" + (" (the fix)" if c in self.fix_commands else "") for c in self.commands] or ["- none"]
        lines += ["", "## Missed", ""]
        lines += [f"- {m}" for m in self.missed] or ["- Nothing: a clean run."]
        lines += ["", "## Points", ""]
        lines += [f"- {k}: {v}/{POINTS[k]}" for k, v in self.points.items()]
        return "\n".join(lines) + "\n"


def _walk(events: list[Any], start: str, runbook: str) -> tuple[list[str], int, int, str | None]:
    """Steps visited in order (a jumped-to runbook's as runbook/step), back moves, overridden
    suggestions, and the outcome reached."""
    taken = [start]
    backs = overridden = 0
    outcome = None
    for ev in events:
        if _get(ev, "kind") != "decision":
            continue
        data = _get(ev, "data") or {}
        action = data.get("action")
        if action == "back":
            backs += 1
            outcome = None
        if data.get("matched") is False:
            overridden += 1
        to = data.get("to_step")
        if to and data.get("to_runbook") not in (None, runbook):
            to = f"{data['to_runbook']}/{to}"
        if action in ("answer", "done", "back", "resume") and to and (not taken or taken[-1] != to):
            taken.append(to)
        if data.get("outcome") and action != "back":
            outcome = data["outcome"]
    return taken, backs, overridden, outcome


def _hasty(events: list[Any]) -> list[str]:
    """Answers taken while the step's metric said to wait, each in words.

    The controller records `unsettled` on such an answer (tui.incident.controller): the metric was settling
    (its window still held samples from before the fix) or partial; an escalation taken while any metric
    was settling counts too."""
    out: list[str] = []
    for ev in events:
        data = _get(ev, "data") or {}
        if _get(ev, "kind") != "decision" or data.get("action") != "answer":
            continue
        held = data.get("unsettled")
        step, label = data.get("step"), data.get("label")
        if isinstance(held, dict):
            why = ("its window still held samples from before the fix" if held.get("state") == "settling"
                   else "the engine said its answer may be incomplete")
            left = held.get("settles_in_s")
            wait = f", {mmss(left)} before it settled" if isinstance(left, int | float) else ""
            read = (" (the answer its old value pointed to)"
                    if held.get("choice_when") and held.get("choice_when") == held.get("base_state") else "")
            out.append(f"At {step} you answered {label!r}{read} while {held.get('metric')} was "
                       f"{held.get('state')}: {why}{wait}.")
        elif data.get("outcome") == "escalate":
            metrics = data.get("metrics") or {}
            settling = sorted(name for name, m in metrics.items() if isinstance(m, dict) and m.get("state") == "settling")
            if settling:
                out.append(f"At {step} you escalated while {', '.join(settling)} was still settling after the fix.")
    return out


def _seconds(since: datetime | None, at: str | None) -> float | None:
    when = parse_time(at)
    return None if since is None or when is None else (when - since).total_seconds()


def score_drill(scenario: Scenario, incident: Any, events: Iterable[Any], *, start_step: str | None = None,
                paged_at: str | None = None) -> DrillReport:
    """The report of one drill, from its incident and events (duck-typed tui.journal Incident and Events)."""
    events = sorted(events, key=lambda e: (_get(e, "hlc") or "", _get(e, "time") or ""))
    mine = [e for e in events if not is_drill_event(e)]
    if paged_at is None:
        starts = [(_get(e, "data") or {}).get(DRILL_KEY, {}) for e in events if is_drill_event(e)]
        paged_at = next((s.get("paged_at") for s in starts if isinstance(s, dict) and s.get("paged_at")), None)
    paged_at = paged_at or _get(incident, "detected_at")
    page = parse_time(paged_at)
    expected = scenario.expected
    start = start_step or expected.path[0]

    actions = [e for e in mine if _get(e, "kind") in ("decision", "command", "comms", "role", "action-item")
               or (_get(e, "kind") == "note" and "action" not in (_get(e, "data") or {}))
               or (_get(e, "kind") == "status" and (_get(e, "data") or {}).get("field") == "severity")]
    acknowledged = _seconds(page, _get(actions[0], "time")) if actions else None

    commands = [e for e in mine if _get(e, "kind") == "command"]
    names = [str((_get(e, "data") or {}).get("command", "?")) for e in commands]
    fix_events = [e for e in commands if (_get(e, "data") or {}).get("command") in scenario.fix_commands
                  and (_get(e, "data") or {}).get("exit_code") == 0]
    contained_candidates = []
    if _get(incident, "contained_at"):
        contained_candidates.append((_seconds(page, _get(incident, "contained_at")), "status contained"))
    if fix_events:
        first = fix_events[0]
        contained_candidates.append((_seconds(page, _get(first, "time")),
                                     f"ran {(_get(first, 'data') or {}).get('command')}"))
    contained_candidates = [c for c in contained_candidates if c[0] is not None]
    contained, contained_by = min(contained_candidates) if contained_candidates else (None, None)

    taken, backs, overridden, outcome = _walk(mine, start, scenario.runbook)
    outcome_events = [e for e in mine if _get(e, "kind") == "decision" and (_get(e, "data") or {}).get("outcome")]
    resolved = _seconds(page, _get(incident, "resolved_at"))
    if resolved is None and outcome == "resolved" and outcome_events:
        resolved = _seconds(page, _get(outcome_events[-1], "time"))

    visited = set(taken)
    followed = tuple(s for s in expected.path if s in visited)
    missed_steps = tuple(s for s in expected.path if s not in visited)
    detours = tuple(dict.fromkeys(s for s in taken if s not in expected.path))
    sent = _updates_sent(mine)
    updates = {audience: len(times) for audience, times in sent.items()}
    comms = sum(updates.values())
    end = parse_time(_get(incident, "resolved_at")) or max(
        (t for e in mine if (t := parse_time(_get(e, "time"))) is not None), default=None)
    late = _late(page, sent.get(INTERNAL, []), end)
    severity_set = any(_get(e, "kind") == "status" and (_get(e, "data") or {}).get("field") == "severity"
                       for e in mine)
    severity = _get(incident, "severity")
    notes = sum(1 for e in mine if _get(e, "kind") == "note" and "action" not in (_get(e, "data") or {}))

    missed: list[str] = []
    if outcome is None:
        missed.append(f"The runbook was not walked to an outcome (expected {expected.outcome}).")
    elif outcome != expected.outcome:
        missed.append(f"The walk ended at outcome {outcome}; this incident ends {expected.outcome}.")
    if not fix_events:
        missed.append(f"The fix never ran: {' or '.join(scenario.fix_commands)} restores the service.")
    if missed_steps:
        missed.append(f"Expected steps not visited: {', '.join(missed_steps)}.")
    if not comms:
        missed.append("No comms update was sent (u sends one; stakeholders hear nothing otherwise).")
    elif late:
        missed.append(f"The internal update was late {late} time(s): it is due every {round(_EVERY / 60)} minutes "
                      "from the page until the incident is resolved.")
    if not severity_set:
        missed.append("The severity was never set (s sets it; it drives who is told and how fast).")
    if expected.severity and severity != expected.severity:
        missed.append(f"The severity is {severity}; this incident is {expected.severity}.")
    if not notes:
        missed.append("No note of the reasoning (n writes one; the report needs the why, not only the what).")
    hasty = _hasty(mine)
    missed += [f"{h} Wait for the countdown: until then the value speaks of the time before the fix." for h in hasty]

    path_share = len(followed) / len(expected.path) if expected.path else 1.0
    penalty = min(len(detours), 4) * 0.05
    points = {
        "outcome": POINTS["outcome"] if outcome == expected.outcome else 0,
        "fix": POINTS["fix"] if fix_events else 0,
        "path": max(0, round(POINTS["path"] * max(0.0, path_share - penalty)) - HASTY_COST * len(hasty)),
        "comms": POINTS["comms"] if comms else 0,
        "severity": POINTS["severity"] if severity_set and (not expected.severity or severity == expected.severity)
        else (POINTS["severity"] // 2 if severity_set else 0),
        "note": POINTS["note"] if notes else 0,
    }
    return DrillReport(
        scenario=scenario.id, title=scenario.title, runbook=scenario.runbook, paged_at=paged_at,
        acknowledged=acknowledged, contained=contained, resolved=resolved, contained_by=contained_by,
        expected_path=expected.path, taken_path=tuple(taken), followed=followed, missed_steps=missed_steps,
        detours=detours, backs=backs, suggestions_overridden=overridden, outcome=outcome,
        expected_outcome=expected.outcome, commands=tuple(names), fix_commands=scenario.fix_commands,
        fix_ran=bool(fix_events), comms_sent=comms, severity_set=severity_set, severity=severity,
        expected_severity=expected.severity, notes=notes, missed=tuple(missed), points=points,
        updates=updates, late_updates=late, hasty=tuple(hasty),
    )


_EVERY = next(a.every for a in DEFAULTS if a.name == INTERNAL) or 600.0  # the seeds' cadence


def _updates_sent(events: list[Any]) -> dict[str, list[datetime]]:
    """Audience -> when each update actually went (queued ones that never did are not counted)."""
    out: dict[str, list[datetime]] = {}
    for audience, when in delivered(_as_events(events)):
        moment = parse_time(when)
        if moment is not None:
            out.setdefault(audience, []).append(moment)
    return {k: sorted(v) for k, v in out.items()}


def _as_events(events: list[Any]) -> list[Any]:
    from tui.journal.model import Event

    return [e if isinstance(e, Event) else Event.from_doc({"hlc": "", "incident_id": "", **e}) for e in events
            if isinstance(e, (Event, dict)) and _get(e, "id")]


def _late(page: datetime | None, times: list[datetime], end: datetime | None) -> int:
    """How many stretches (page -> first update -> ... -> the end) ran longer than the cadence."""
    if page is None:
        return 0
    marks = [page, *times] + ([end] if end is not None and (not times or end > times[-1]) else [])
    return sum(1 for a, b in zip(marks, marks[1:]) if (b - a).total_seconds() > _EVERY)
