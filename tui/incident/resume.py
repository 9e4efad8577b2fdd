"""Open incidents as a responder picks them up: where each stands (runbook, step, lead, age, drill),
and the plain sentence that says what resuming one means.

The step is read from the journal's last walk decision, so a teammate's incident (after a sync)
shows where they are without replaying its runbook.
"""

from __future__ import annotations

from dataclasses import dataclass

from tui.clock import Clock
from tui.journal import Journal
from tui.journal.model import Incident
from tui.times import duration_text, parse_time

_MOVES = ("answer", "done", "back", "resume")


@dataclass(frozen=True)
class OpenIncident:
    incident: Incident
    runbook: str | None  # where the walk is now (a jump may have moved it from the first runbook)
    step: str | None  # None: not started (the runbook's first step)
    age_s: float  # since it was detected

    @property
    def id(self) -> str:
        return self.incident.id

    @property
    def lead(self) -> str:
        return self.incident.lead or "nobody"

    @property
    def age(self) -> str:
        return age_text(self.age_s)

    @property
    def where(self) -> str:
        """"llm-false-refusals at step check-rollout" (or "at its first step")."""
        step = f"step {self.step}" if self.step else "its first step"
        return f"{self.runbook or 'no runbook'} at {step}"


def age_text(seconds: float) -> str:
    """"45s", "12m", "3h 05m", "2d 4h": how long ago, to read at a glance (whole seconds passed, never negative)."""
    return duration_text(max(0, int(seconds)), short=True)


def position(journal: Journal, incident: Incident) -> tuple[str | None, str | None]:
    """(runbook, step) the incident's walk is at, from its last walk decision."""
    runbook = incident.runbooks[0] if incident.runbooks else None
    step = None
    for event in journal.events(incident.id):
        data = event.data or {}
        if event.kind != "decision" or data.get("action") not in _MOVES:
            continue
        to_step, to_runbook = data.get("to_step"), data.get("to_runbook")
        if isinstance(to_step, str):
            step = to_step
            runbook = to_runbook if isinstance(to_runbook, str) and to_runbook else runbook
    return runbook, step


def open_incidents(journal: Journal, clock: Clock, *, drill: bool | None = None,
                   limit: int = 20) -> list[OpenIncident]:
    """The open incidents, the most recent first, each with where it stands."""
    now = clock.now()
    rows = []
    for inc in journal.open_incidents(drill)[:limit]:
        runbook, step = position(journal, inc)
        detected = parse_time(inc.detected_at or inc.created_at)
        rows.append(OpenIncident(inc, runbook, step, (now - detected).total_seconds() if detected else 0.0))
    return rows


def resume_sentence(row: OpenIncident, user: str) -> str:
    """What Enter does, in one plain paragraph."""
    whose = "yours" if row.incident.lead == user else f"{row.lead}'s"
    drill = " It is a drill: its simulated service keeps what was already fixed." if row.incident.drill else ""
    where = f"{row.where} in environment {row.incident.environment}" if row.incident.environment else row.where
    return (f"Incident {row.id} ({whose}, opened {row.age} ago) is still open on {where}. Resuming joins it "
            f"there with its parameters: the steps already taken stay taken and everything you do is added to "
            f"the same journal, so there is one incident, not two.{drill}")
