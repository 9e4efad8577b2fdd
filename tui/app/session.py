"""One incident being worked in the app: the walker, its parameters, and every journal write.

No Textual here: the screens call these methods and render what they return, so
what gets journaled (and how) is tested without a terminal. Journal faults are
raised as `OncallError` for the screen to show; the walk itself goes on.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from tui.app.clock import Clock, hms, parse_time
from tui.errors import OncallError
from tui.runbook.model import Runbook, Step
from tui.runbook.render import check_params, render_text
from tui.walk import Move, Walker

ROLES = ("incident lead", "technical lead", "communications lead", "support liaison")
STATUSES = ("investigating", "identified", "contained", "monitoring", "resolved")
# What the report needs and only a person can write down: (incident field, label in the form).
FINDINGS = (
    ("impact", "Impact: who and what is affected, since when"),
    ("trigger", "Trigger: the change or event that set it off"),
    ("root_cause", "Root cause"),
    ("decision", "Decision: rollback or fix-forward"),
    ("decision_reason", "Why that decision"),
    ("missed_signals", "Missed signals: what could have warned earlier"),
    ("what_worked", "What worked"),
)
SEVERITY_LABELS = {"critical": "SEV1", "high": "SEV2", "medium": "SEV3", "low": "SEV4"}
DEFAULT_COMMS_EVERY = 600.0  # DESIGN: an internal update every 10 minutes by default
REPLAYED_ACTIONS = ("answer", "done", "back", "resume")


@dataclass
class CommandOutcome:
    """What the screen knows of a finished command, for suggestions and the journal."""

    name: str
    exit_code: int | None
    output: str
    duration: float = 0.0
    status: str = "exit"  # exit | timeout | cancelled | signal | error
    message: str = ""  # how it ended, in words, when it did not simply exit

    @property
    def status_text(self) -> str:
        """"exit 0 · 1.2s", "timed out after 30s", ... for titles and the step view."""
        if self.status == "exit" and self.exit_code is not None:
            return f"exit {self.exit_code} · {self.duration:.1f}s"
        return f"{self.message or self.status} · {self.duration:.1f}s"


@dataclass
class Session:
    journal: Any  # tui.journal.Journal (duck-typed: the facade in journal_api.md)
    incident_id: str
    runbook: Runbook
    params: dict[str, str]
    resolver: Callable[[str], Runbook] | None
    clock: Clock
    user: str
    walker: Walker = field(init=False)
    readings: dict[str, Any] = field(default_factory=dict)  # metric name -> tui.metrics.readings.Reading
    results: dict[tuple[str, str], CommandOutcome] = field(default_factory=dict)  # (runbook, step) -> last result
    runbook_params: dict[str, dict[str, str]] = field(default_factory=dict)
    last_comms: datetime | None = None

    def __post_init__(self) -> None:
        self.walker = Walker(self.runbook, self.resolver, render=self.text)
        self.runbook_params.setdefault(self.runbook.id, dict(self.params))

    # -- reading ------------------------------------------------------------

    @property
    def incident(self) -> Any:
        return self.journal.incident(self.incident_id)

    @property
    def current(self) -> Runbook:
        return self.walker.current

    @property
    def step(self) -> Step:
        return self.walker.step

    def values(self, runbook: Runbook | None = None) -> dict[str, str]:
        runbook = runbook or self.current
        return self.runbook_params.get(runbook.id, runbook.default_params())

    def text(self, template: str) -> str:
        """Step text for the screen: parameters and live metric values filled in."""
        values = dict(self.values())
        for name in self.current.metrics:
            reading = self.readings.get(name)
            values[name] = getattr(reading, "display", None) or "—"
        return render_text(template, values)

    def severity(self) -> str:
        return getattr(self.incident, "severity", None) or self.runbook.severity_hint

    def my_roles(self) -> list[str]:
        roles = getattr(self.incident, "roles", None) or {}
        return [role for role in ROLES if roles.get(role) == self.user]

    def detected_at(self) -> datetime:
        return parse_time(getattr(self.incident, "detected_at", None)) or self.clock.now()

    def elapsed(self) -> str:
        return hms((self.clock.now() - self.detected_at()).total_seconds())

    def comms_every(self) -> float:
        comms = self.runbook.comms.get("internal") or next(iter(self.runbook.comms.values()), None)
        return comms.every if comms and comms.every else DEFAULT_COMMS_EVERY

    def comms_due(self) -> datetime:
        """When the next internal update is due: after the last one sent, or after detection."""
        return (self.last_comms or self.detected_at()) + timedelta(seconds=self.comms_every())

    def observe(self, events: list[Any]) -> None:
        """Take note of events read from the journal (another responder may have sent the update)."""
        for event in events:
            if getattr(event, "kind", None) == "comms":
                sent = parse_time(getattr(event, "time", None))
                if sent and (self.last_comms is None or sent > self.last_comms):
                    self.last_comms = sent

    def comms_overdue(self) -> bool:
        return self.clock.now() > self.comms_due()

    def events(self) -> list[Any]:
        return list(self.journal.events(self.incident_id))

    def comms_text(self, name: str = "internal") -> str:
        """The runbook's template filled from the incident (unknown fields stay visible as ${name})."""
        comms = self.runbook.comms.get(name) or next(iter(self.runbook.comms.values()), None)
        template = comms.template if comms else (
            "[${severity}] ${title}: ${status}. Impact: ${impact}. Lead: ${lead}. Next update at ${next_update}.")
        inc = self.incident
        roles = getattr(inc, "roles", None) or {}
        values = {
            **self.values(self.runbook),
            "severity": SEVERITY_LABELS.get(self.severity(), self.severity().upper()),
            "title": getattr(inc, "title", self.runbook.title),
            "status": getattr(inc, "status", "investigating"),
            "impact": getattr(inc, "impact", None) or "being assessed",
            "category": getattr(inc, "category", None) or self.runbook.category,
            "lead": roles.get("incident lead") or self.user,
            "elapsed": self.elapsed(),
            "incident": self.incident_id,
            "runbook": self.current.id,
            "next_update": self.clock.hhmm(self.clock.now() + timedelta(seconds=self.comms_every())),
        }
        return render_text(template, values)

    # -- the walk -----------------------------------------------------------

    def answer(self, index: int) -> Move:
        step, before = self.step, self._metrics_now()
        return self._record(self.walker.answer(index), before, step)

    def done(self) -> Move:
        step, before = self.step, self._metrics_now()
        return self._record(self.walker.done(), before, step)

    def back(self) -> Move:
        return self._record(self.walker.back())

    def resume(self) -> Move:
        return self._record(self.walker.resume())

    def toggle(self, item: int) -> Move:
        return self._record(self.walker.toggle(item))

    def carry_params(self, runbook: Runbook) -> dict[str, str] | None:
        """Parameters for a runbook jumped into, from the incident's; None when the person must fill some in."""
        if runbook.id in self.runbook_params:
            return self.runbook_params[runbook.id]
        known = {k: v for params in self.runbook_params.values() for k, v in params.items() if k in runbook.params}
        try:
            values = check_params(runbook, known)
        except OncallError:
            return None
        self.runbook_params[runbook.id] = values
        return values

    def set_params(self, runbook: Runbook, values: Mapping[str, str]) -> None:
        self.runbook_params[runbook.id] = dict(values)
        merged = {k: v for params in self.runbook_params.values() for k, v in params.items()}
        self.journal.set_fields(self.incident_id, params=merged)

    def replay(self, events: list[Any]) -> int:
        """Walk again the decisions already in the journal (joining an incident). Returns moves replayed."""
        count = 0
        for event in events:
            data = getattr(event, "data", None) or {}
            action = data.get("action")
            if getattr(event, "kind", None) != "decision" or action not in REPLAYED_ACTIONS:
                continue
            if data.get("step") != self.walker.step.id and action in ("answer", "done"):
                break  # the journal and this runbook version disagree: stop where they still match
            try:
                if action == "answer":
                    self.walker.answer(int(data["choice"]) - 1)
                elif action == "done":
                    self.walker.done()
                elif action == "back":
                    self.walker.back()
                else:
                    self.walker.resume()
            except (OncallError, KeyError, ValueError, TypeError):
                break
            if self.walker.current.id not in self.runbook_params:
                self.carry_params(self.walker.current)
            count += 1
        return count

    # -- other journal writes -----------------------------------------------

    def note(self, text: str) -> None:
        text = text.strip()
        if not text:
            raise OncallError("The note is empty; type something, then press Enter.")
        self.journal.add_event(self.incident_id, "note", text)

    def findings(self) -> list[str]:
        inc = self.incident
        return [str(getattr(inc, name, None) or "") for name, _ in FINDINGS]

    def set_findings(self, values: list[str]) -> list[str]:
        """Write the findings that changed (an emptied field is cleared); returns the names changed."""
        before = self.findings()
        changed = {name: (value.strip() or None) for (name, _), value, old in zip(FINDINGS, values, before)
                   if value.strip() != old}
        if not changed:
            return []
        self.journal.set_fields(self.incident_id, **changed)
        labels = dict(FINDINGS)
        lines = [f"{labels[name].split(':')[0]}: {value or '(cleared)'}" for name, value in changed.items()]
        self.journal.add_event(self.incident_id, "note", "Findings: " + "; ".join(lines), {"findings": changed})
        return list(changed)

    def set_status(self, status: str) -> None:
        fields: dict[str, Any] = {"status": status}
        if status in ("contained", "resolved"):
            fields[f"{status}_at"] = self.clock.now().isoformat()
        self.journal.set_fields(self.incident_id, **fields)

    def set_severity(self, severity: str) -> None:
        self.journal.set_fields(self.incident_id, severity=severity)

    def set_roles(self, roles: Mapping[str, str]) -> None:
        clean = {role: name.strip() for role, name in roles.items() if name and name.strip()}
        self.journal.set_fields(self.incident_id, roles=clean)

    def add_action_item(self, text: str, owner: str, due: str) -> None:
        if not text.strip() or not owner.strip():
            raise OncallError("An action item needs what to do and an owner; fill both in.")
        try:
            datetime.strptime(due.strip(), "%Y-%m-%d")
        except ValueError:
            raise OncallError(f"Due date {due!r} is not a date; write it as YYYY-MM-DD.") from None
        self.journal.add_action_item(self.incident_id, text.strip(), owner.strip(), due.strip())

    def mark_comms_sent(self, text: str) -> None:
        self.journal.add_event(self.incident_id, "comms", text, {"channel": "internal"})
        self.last_comms = self.clock.now()

    def record_command(self, outcome: CommandOutcome) -> None:
        """Keep a command's result for the step's suggestion (the launcher journals the run itself)."""
        self.results[(self.current.id, self.step.id)] = outcome

    def result_for_step(self) -> CommandOutcome | None:
        return self.results.get((self.current.id, self.step.id))

    # -- internals ----------------------------------------------------------

    def _metrics_now(self) -> dict[str, Any]:
        out = {}
        for name, r in self.readings.items():
            value = getattr(r, "value", None)
            out[name] = {"value": value if value is None or value == value else None,
                         "display": getattr(r, "display", None), "state": getattr(r, "state", None)}
        return out

    def _record(self, move: Move, metrics: dict[str, Any] | None = None, step: Step | None = None) -> Move:
        kind, text, data = move.event()
        if metrics:
            data["metrics"] = metrics
            if step is not None and step.metric and step.metric in metrics:
                m = metrics[step.metric]
                text += f" [{step.metric} {m['display']} {str(m['state']).upper()}]"
        self.journal.add_event(self.incident_id, kind, text, data)
        if move.jumped and move.to_runbook:
            runbooks = list(getattr(self.incident, "runbooks", None) or [self.runbook.id])
            if move.to_runbook not in runbooks:
                self.journal.set_fields(self.incident_id, runbooks=runbooks + [move.to_runbook])
        now = self.clock.now().isoformat()
        for status in move.statuses:
            fields: dict[str, Any] = {"status": status}
            if status in ("contained", "resolved"):
                fields[f"{status}_at"] = now
            self.journal.set_fields(self.incident_id, **fields)
        return move
