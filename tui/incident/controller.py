"""One incident being worked: the walker, its parameters, live readings, command results, every journal write.

The app's screens, `oncall run` and the drills all go through here, so what gets journaled
(and how), which answer is suggested and when a drill is scored are decided in one place and
tested without a terminal. Journal faults are raised as `OncallError` for the caller to show;
the walk itself goes on.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Protocol

from tui.clock import hms
from tui.config import Settings, environment_values
from tui.errors import OncallError
from tui.incident import remediation
from tui.incident.outcome import CommandOutcome
from tui.incident.record import ROLES, IncidentRecord
from tui.integrations.audiences import (
    INTERNAL,
    Audience,
    AudienceState,
    audience_of,
    audiences_for,
    draft,
    find,
    states,
)
from tui.integrations.send import SendResult, pending
from tui.integrations.silences import IncidentSilence, active, silence_handled
from tui.journal.model import Event
from tui.journal.sync import SyncStatus
from tui.launch.command import PreparedCommand
from tui.launch.result import RunResult
from tui.metrics.readings import Reading, Snapshot
from tui.metrics.settling import Remediation, settle
from tui.metrics.suggest import suggest as suggest_answer
from tui.runbook.model import Runbook, Step
from tui.runbook.render import check_params, render_text
from tui.times import parse_time
from tui.walk import Move, Walker

QUOTED = re.compile(r"""(["'`\u2018\u201c])\$\{([A-Za-z_][A-Za-z0-9_]*)\}(["'`\u2019\u201d])""")
QUOTED_PREFIX = "__quoted__"  # a placeholder the runbook put in quotes: its value, unmarked


def mark_value(value: str) -> str:
    """A parameter's value in step text: between single quotation marks, so it reads as a name."""
    return f"\u2018{value}\u2019" if value else value


DEFAULT_COMMS_EVERY = 600.0  # an internal update every 10 minutes by default
REPLAYED_ACTIONS = ("answer", "done", "back", "resume")


class DrillScorer(Protocol):
    """What a drill plugs in here (tui.drill.hooks.Drills): the score, journaled, as Markdown."""

    def finish_markdown(self, journal: Any, incident_id: str) -> str: ...


@dataclass(frozen=True)
class DrillScore:
    """A drill reached its outcome: its score (already journaled by the hook), or why it could not be scored."""

    markdown: str | None
    error: str | None = None


@dataclass
class IncidentController(IncidentRecord):
    runbook: Runbook
    params: dict[str, str]
    resolver: Callable[[str], Runbook] | None
    user: str
    drill: DrillScorer | None = None  # set for a drill: scored when its walk reaches an outcome
    settings: Settings | None = None  # the incident's (tui.config.for_incident): its environment's vars and URLs
    walker: Walker = field(init=False)
    readings: dict[str, Reading] = field(default_factory=dict)  # metric name -> latest reading
    results: dict[tuple[str, str], CommandOutcome] = field(default_factory=dict)  # (runbook, step) -> last result
    runbook_params: dict[str, dict[str, str]] = field(default_factory=dict)
    last_comms: datetime | None = None
    drill_score: DrillScore | None = None  # a drill's walk just finished: for the screen to show, once
    remediation: Remediation | None = None  # the latest fix: windowed metrics settle after it
    snapshot: Snapshot | None = None  # the last snapshot as this incident sees it (settling applied), for the pane
    settling: dict[str, Reading] = field(default_factory=dict)  # metrics journaled as settling, until they settle

    def __post_init__(self) -> None:
        self.walker = Walker(self.runbook, self.resolver, render=self.text)
        self.runbook_params.setdefault(self.runbook.id, dict(self.params))
        try:  # joining an incident already fixed: its windows may still hold the time before the fix
            self.remediation = remediation.latest(self.events(), self.incident.contained_at)
        except OncallError:
            self.remediation = None

    # -- reading ------------------------------------------------------------

    @property
    def current(self) -> Runbook:
        return self.walker.current

    @property
    def step(self) -> Step:
        return self.walker.step

    def values(self, runbook: Runbook | None = None) -> dict[str, str]:
        runbook = runbook or self.current
        return self.runbook_params.get(runbook.id, runbook.default_params(env=self.env_values()))

    def text(self, template: str) -> str:
        """Step text for the screen: parameters, the environment's values and live metric values filled
        in. A parameter's value is marked (‘previous’): spliced bare into prose, "the prompt version
        previous holds" reads like a typo. A value the runbook already quotes ("${question}") is not
        marked twice. A metric's value is a number with its unit and reads right as it is."""
        params = self.values()
        values = {**self.env_values(), **{name: mark_value(value) for name, value in params.items()}}
        values.update({QUOTED_PREFIX + name: value for name, value in params.items()})
        template = QUOTED.sub(lambda m: f"{m[1]}${{{QUOTED_PREFIX}{m[2]}}}{m[3]}", template)
        for name in self.current.metrics:
            reading = self.readings.get(name)
            values[name] = reading.display if reading is not None and reading.display else "—"
        return render_text(template, values)

    def env_values(self) -> dict[str, str]:
        """`${env.NAME}` for the incident's environment (none without settings)."""
        return environment_values(self.settings) if self.settings is not None else {}

    @property
    def environment(self) -> str | None:
        return self.settings.environment if self.settings is not None else None

    def severity(self) -> str:
        return self.incident.severity or self.runbook.severity_hint

    def my_roles(self) -> list[str]:
        roles = self.incident.roles or {}
        return [role for role in ROLES if roles.get(role) == self.user]

    def detected_at(self) -> datetime:
        return parse_time(self.incident.detected_at) or self.clock.now()

    def elapsed(self) -> str:
        return hms((self.clock.now() - self.detected_at()).total_seconds())

    def comms_every(self) -> float:
        comms = self.runbook.comms.get("internal") or next(iter(self.runbook.comms.values()), None)
        return comms.every if comms and comms.every else DEFAULT_COMMS_EVERY

    def comms_due(self) -> datetime:
        """When the next internal update is due: after the last one sent, or after detection."""
        return (self.last_comms or self.detected_at()) + timedelta(seconds=self.comms_every())

    def observe(self, events: Iterable[Event]) -> None:
        """Take note of events read from the journal (another responder may have sent the update)."""
        for event in events:
            self._remediated(remediation.from_event(event))
            if audience_of(event) == INTERNAL:
                sent = parse_time(event.time)
                if sent and (self.last_comms is None or sent > self.last_comms):
                    self.last_comms = sent

    def comms_overdue(self) -> bool:
        return self.incident.status != "resolved" and self.clock.now() > self.comms_due()

    def audiences(self) -> list[Audience]:
        """The runbook's audiences, then the defaults (tui/integrations/audiences.py)."""
        return audiences_for(self.runbook)

    def audience_states(self) -> list[AudienceState]:
        return states(self.audiences(), self.incident, self.events(), self.detected_at())

    def comms_text(self, name: str = INTERNAL) -> str:
        """The audience's template filled from the incident (unknown fields stay visible as ${name});
        once the incident is resolved, a closing update that promises no other."""
        audiences = self.audiences()
        audience = next((a for a in audiences if a.name == name), None) or find(audiences, name)
        return draft(audience, self.incident, self.events(), self.clock, params=self.values(self.runbook),
                     runbook=self.current.id, detected=self.detected_at(), user=self.user)

    def send_update(self, audience: str, text: str) -> SendResult:
        """Deliver the update to the audience's configured targets (blocking: the app calls it in a worker)."""
        if self.integrations is None:
            raise OncallError("Sending is not set up here; copy the update and mark it as sent.")
        _, result = self.integrations.give_update(self.journal, self.incident_id, audience, text, send=True)
        assert result is not None  # give_update refuses an audience without targets
        if audience == INTERNAL:
            self.last_comms = self.clock.now()
        return result

    def can_send(self, audience: str) -> bool:
        """True when the config names targets for this audience (the update can go, not only be copied)."""
        if self.integrations is None:
            return False
        try:
            return bool(self.integrations.targets(audience))
        except OncallError:
            return False

    def queued_updates(self) -> int:
        """My updates still waiting to go (a teammate's queued update is theirs to retry: not counted)."""
        return sum(1 for event, _ in pending(self.events()) if event.author == self.journal.user)

    def retry_updates(self) -> list[SendResult]:
        """Deliver this incident's queued updates again (blocking: the app calls it from a thread)."""
        if self.integrations is None or not self.queued_updates():
            return []
        return self.integrations.retry(self.journal, self.incident_id)

    def can_silence(self) -> bool:
        return (self.integrations is not None and bool(getattr(self.integrations.settings, "alertmanager_url", None))
                and bool(self.incident.alert))

    def silence(self, seconds: float) -> IncidentSilence:
        """Silence the alert this incident handles, by its exact labels (blocking: call it from a thread)."""
        if self.integrations is None:
            raise OncallError("Silencing is not available here (a drill silences nothing real).")
        return silence_handled(self.journal, self.incident_id, self.integrations.settings, seconds, user=self.user)

    def silences(self) -> list[IncidentSilence]:
        return active(self.events(), self.clock.now())

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
            values = check_params(runbook, known, env=self.env_values())
        except OncallError:
            return None
        self.runbook_params[runbook.id] = values
        return values

    def set_params(self, runbook: Runbook, values: Mapping[str, str]) -> None:
        self.runbook_params[runbook.id] = dict(values)
        merged = {k: v for params in self.runbook_params.values() for k, v in params.items()}
        self.journal.set_fields(self.incident_id, params=merged)

    def replay(self, events: Iterable[Event]) -> int:
        """Walk again the decisions already in the journal (joining an incident). Returns moves replayed."""
        count = 0
        for event in events:
            data = event.data or {}
            action = data.get("action")
            if event.kind != "decision" or action not in REPLAYED_ACTIONS:
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

    # -- suggestions, readings, commands ------------------------------------

    def suggest(self) -> int | None:
        """Pre-select what the metric or the command result points to (the person still confirms).
        Returns the suggested choice's index, or None."""
        step = self.step
        if step.kind != "ask":
            self.walker.suggest(None)
            return None
        reading = self.readings.get(step.metric) if step.metric else None
        result = self.result_for_step() if step.command else None
        hint = suggest_answer(step, reading, result)
        self.walker.suggest(hint.index if hint else None, hint.reason if hint else "")
        return hint.index if hint else None

    def take_snapshot(self, snapshot: Snapshot, now: float) -> int | None:
        """New readings from the metrics source, as seen at `now` (and since the last fix); returns the new
        suggestion. Called again every second, so a window that has passed suggests at once. A metric that
        starts or stops settling is journaled (once); a journal fault is raised after the readings are kept."""
        aged = snapshot.aged(now)
        self.readings = {k: settle(r, self.remediation, now) for k, r in aged.readings.items()}
        self.snapshot = replace(aged, readings=self.readings, at=now)
        index = self.suggest()
        self._journal_settling(now)
        return index

    def set_status(self, status: str, duplicate_of: str | None = None) -> None:
        super().set_status(status, duplicate_of)
        if status == "contained":
            self._remediated(Remediation(self.clock.now().timestamp(), remediation.CONTAINED))

    def _remediated(self, fix: Remediation | None) -> None:
        if fix is not None and (self.remediation is None or fix.at > self.remediation.at):
            self.remediation = fix

    def _journal_settling(self, now: float) -> None:
        """A `metric` event when a metric starts settling (with the wait) and when it stops (with its state)."""
        now_settling = {k: r for k, r in self.readings.items() if r.state == "settling"}
        # No fresh value (stale, down) says nothing about the window: the wait goes on, unjournaled.
        now_settling.update({k: r for k, r in self.settling.items() if k not in now_settling
                             and k in self.readings and self.readings[k].state in ("stale", "down")})
        started = [r for k, r in now_settling.items() if k not in self.settling]
        ended = [(k, r) for k, r in self.settling.items() if k not in now_settling]
        self.settling = now_settling
        for r in started:
            left = r.settles_in(now) or 0.0
            self.journal.add_event(self.incident_id, "metric", f"{r.name} {r.display} is settling: {r.hold_text(now)}.",
                                   {"metric": r.name, "state": "settling", "base_state": r.base_state,
                                    "settles_in_s": round(left), "window_s": r.window_s, "cause": r.settle_cause})
        for name, before in ended:
            after = self.readings.get(name)
            if after is None:  # another runbook's metrics now: nothing more to say about this one
                continue
            self.journal.add_event(self.incident_id, "metric",
                                   f"{name} has settled: its window holds no sample from before {before.settle_cause}; "
                                   f"it reads {after.display} {after.word}.",
                                   {"metric": name, "state": after.state, "settled": True})

    def clear_readings(self) -> None:
        """The runbook changed: the old readings say nothing about the new one's metrics."""
        self.readings = {}
        self.snapshot = None

    def record_command(self, outcome: CommandOutcome) -> None:
        """Keep a command's result for the step's suggestion and evidence line."""
        self.results[(self.current.id, self.step.id)] = outcome

    def result_for_step(self) -> CommandOutcome | None:
        return self.results.get((self.current.id, self.step.id))

    def command_finished(self, prepared: PreparedCommand, result: RunResult,
                         secrets: Iterable[str] = ()) -> CommandOutcome:
        """A run ended: kept for the suggestion, then journaled (a journal fault is raised after the
        outcome is kept, so the screen still shows and suggests from it)."""
        outcome = CommandOutcome.of(prepared.name, result)
        self.record_command(outcome)
        if prepared.danger:  # it may have changed production, whatever its exit code
            self._remediated(Remediation(self.clock.now().timestamp(), f"{prepared.name} ran"))
        self.suggest()
        self.command_ran(prepared, result, secrets)
        return outcome

    def command_failed(self, prepared: PreparedCommand, why: str) -> CommandOutcome:
        """A run that never started (missing program, refused): kept and journaled with the reason."""
        outcome = CommandOutcome(prepared.name, None, "", 0.0, "did not start")
        self.record_command(outcome)
        self.suggest()
        self.command_not_started(prepared, why)
        return outcome

    def sync(self) -> SyncStatus:
        """Exchange entries with the shared journal (runs in a thread: it waits for the file lock)."""
        return self.journal.sync()

    def mark_comms_sent(self, text: str, audience: str = INTERNAL) -> None:
        self.comms_sent(text, audience)
        if audience == INTERNAL:
            self.last_comms = self.clock.now()

    def take_drill_score(self) -> DrillScore | None:
        score, self.drill_score = self.drill_score, None
        return score

    # -- internals ----------------------------------------------------------

    def _metrics_now(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        now = self.snapshot.at if self.snapshot is not None else self.clock.now().timestamp()
        for name, r in self.readings.items():
            value = r.value
            row: dict[str, Any] = {"value": None if value is None or math.isnan(value) else value,
                                   "display": r.display, "state": r.state, "trend": r.trend}
            if r.base_state is not None:
                row["base_state"] = r.base_state
            left = r.settles_in(now)
            if left is not None:
                row["settles_in_s"] = round(left)
                row["wait"] = r.hold_text(now)
            out[name] = row
        return out

    def _record(self, move: Move, metrics: dict[str, Any] | None = None, step: Step | None = None) -> Move:
        kind, text, data = move.event()
        if metrics:
            data["metrics"] = metrics
            if step is not None and step.metric and step.metric in metrics:
                m = metrics[step.metric]
                text += f" [{step.metric} {m['display']} {str(m['state']).upper()}]"
                if m.get("base_state") and move.action == "answer" and move.choice is not None:
                    # Answered while the metric said "wait": the drill score reads this.
                    when = step.choices[move.choice].when
                    data["unsettled"] = {"metric": step.metric, "state": m["state"], "base_state": m["base_state"],
                                         "settles_in_s": m.get("settles_in_s"),
                                         "choice_when": (when.state or when.trend) if when is not None else None}
        self.journal.add_event(self.incident_id, kind, text, data)
        if move.jumped and move.to_runbook:
            self.journal.add_runbook(self.incident_id, move.to_runbook)
        for status in move.statuses:  # the journal stamps contained_at / resolved_at the first time
            self.set_status(status)
            if status == "contained":
                self._remediated(Remediation(self.clock.now().timestamp(), remediation.CONTAINED))
        if move.outcome and move.action != "back" and self.walker.finished:
            self._score_drill()
        return move

    def _score_drill(self) -> None:
        if self.drill is None:
            return
        try:
            self.drill_score = DrillScore(self.drill.finish_markdown(self.journal, self.incident_id))
        except OncallError as exc:
            self.drill_score = DrillScore(None, str(exc))
