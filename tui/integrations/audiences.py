"""Who hears about an incident, when, and what they are told.

Every audience the runbook's `comms` defines, plus the defaults the seeds set: internal every 10 minutes
from the page, the status page once impact is confirmed, support once mitigation is chosen, executives
once scope and ETA are known. Each has its own reminder. A template is filled from the incident; a
closing update (the incident is resolved) never promises another one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from tui.clock import Clock, hms
from tui.journal.model import SEVERITY_LABELS, Event, Incident
from tui.runbook.model import Runbook
from tui.runbook.render import render_text
from tui.times import parse_time

# trigger -> when it holds, in words (the list in `u` and the README say it this way)
TRIGGERS = {
    "opened": "from the page",
    "impact": "once impact is confirmed",
    "mitigation": "once mitigation is chosen",
    "scope_eta": "once scope and ETA are known",
}
INTERNAL = "internal"


@dataclass(frozen=True)
class Audience:
    name: str
    every: float | None  # seconds between updates; None: once, when the trigger holds
    trigger: str  # a key of TRIGGERS
    template: str

    @property
    def label(self) -> str:
        return self.name.replace("_", " ")

    def cadence(self) -> str:
        when = TRIGGERS.get(self.trigger, self.trigger)
        if self.every:
            return f"every {round(self.every / 60)} min {when}"
        return f"once {when[5:]}" if when.startswith("once ") else f"once, {when}"


_LINE = "[${severity}] ${title}: ${status}."
DEFAULTS: tuple[Audience, ...] = (
    Audience(INTERNAL, 600.0, "opened", _LINE + " Impact: ${impact}. Lead: ${lead}. Elapsed ${elapsed}. "
             "What changed: ${changed}. Next update ${next_update}."),
    Audience("status_page", None, "impact", "We are aware of a problem affecting ${impact} and are working on it. "
             "Current status: ${status}. Next update ${next_update}."),
    Audience("support", None, "mitigation", "We are handling an incident: ${impact}. Our mitigation: ${decision}. "
             "Please tell affected customers we are on it and send examples to the incident channel. "
             "Next update ${next_update}."),
    Audience("executives", None, "scope_eta", _LINE + " Scope: ${impact}. Expected fix: ${eta}. Decision: "
             "${decision}. Lead: ${lead}. Next update ${next_update}."),
)
# Triggers of runbook audiences that do not say their own (runbooks call them stakeholder or stakeholders).
NAMED_TRIGGERS = {"stakeholder": "impact", "stakeholders": "impact", "status": "impact", **{
    a.name: a.trigger for a in DEFAULTS}}


def audiences_for(runbook: Runbook | None) -> list[Audience]:
    """The runbook's audiences in its order, then the defaults it does not define."""
    out: list[Audience] = []
    defaults = {a.name: a for a in DEFAULTS}
    for comm in (runbook.comms.values() if runbook else ()):
        base = defaults.get(comm.name)
        trigger = getattr(comm, "trigger", None) or NAMED_TRIGGERS.get(comm.name, "opened")
        every = comm.every if comm.every else (base.every if base else None)
        out.append(Audience(comm.name, every, trigger, comm.template))
    names = {a.name for a in out}
    out += [a for a in DEFAULTS if a.name not in names]
    return out


def triggered(audience: Audience, incident: Incident) -> bool:
    if audience.trigger == "impact":
        return bool(incident.impact)
    if audience.trigger == "mitigation":
        return bool(incident.decision) or incident.status in ("contained", "monitoring", "resolved")
    if audience.trigger == "scope_eta":
        return bool(incident.impact) and bool(incident.eta)
    return True


def audience_of(event: Event) -> str | None:
    """The audience a `comms` event went to (older ones said `channel`, or nothing: internal)."""
    if event.kind != "comms":
        return None
    return str(event.data.get("audience") or event.data.get("channel") or INTERNAL)


@dataclass(frozen=True)
class AudienceState:
    audience: Audience
    ready: bool  # its trigger holds
    sent: int  # updates given so far
    last: datetime | None
    due: datetime | None  # when the next one is due (None: none is)
    closing: bool  # resolved: the closing update is what is due

    def overdue(self, now: datetime) -> bool:
        return self.due is not None and now > self.due

    @property
    def waiting(self) -> bool:
        """A one-off whose trigger holds and that was not given yet."""
        return self.ready and not self.audience.every and not self.sent and self.due is None and not self.closing

    def reminder(self, hhmm: str | None, now: datetime) -> str:
        """`internal due 03:20`, `support OVERDUE`, `executives after scope+ETA`, `status page sent`."""
        name = self.audience.label
        if self.closing:
            return f"{name} closing update due"
        if self.due is not None:
            return f"{name} OVERDUE" if self.overdue(now) else f"{name} due {hhmm or ''}".rstrip()
        if not self.ready:
            return f"{name} {SHORT_TRIGGERS.get(self.audience.trigger, 'later')}"
        return f"{name} due now" if self.waiting else f"{name} sent"


SHORT_TRIGGERS = {"impact": "after impact", "mitigation": "after mitigation", "scope_eta": "after scope+ETA"}


def states(audiences: Iterable[Audience], incident: Incident, events: Iterable[Event],
           detected: datetime) -> list[AudienceState]:
    events = list(events)
    resolved = parse_time(incident.resolved_at) if incident.status == "resolved" else None
    out = []
    for a in audiences:
        times = [t for e in events if audience_of(e) == a.name and (t := parse_time(e.time)) is not None]
        last = max(times) if times else None
        ready = triggered(a, incident)
        due: datetime | None = None
        closing = False
        if resolved is not None:
            closing = last is not None and last < resolved
            due = resolved if closing else None
        elif ready and a.every:
            due = (last or detected) + timedelta(seconds=a.every)
        out.append(AudienceState(a, ready, len(times), last, due, closing))
    return out


_SENTENCE = re.compile(r"[^.!?]*\$\{next_update\}[^.!?]*[.!?]?\s*")
CLOSING_LINE = "This is the closing update: the incident is resolved, and no further updates will follow."


def fill(template: str, values: Mapping[str, str], *, closing: bool) -> str:
    """The template filled; a closing update drops every sentence that promises the next one."""
    if closing:
        template = _SENTENCE.sub("", template).strip()
        template = (template + " " + CLOSING_LINE).strip()
    return " ".join(render_text(template, values).split())


def what_changed(events: Iterable[Event], since: datetime | None) -> str:
    """Status and severity changes and decisions since the audience's last update, briefly."""
    lines = []
    for e in events:
        when = parse_time(e.time)
        if since is not None and (when is None or when <= since):
            continue
        if e.kind == "status" and e.data.get("field") in ("status", "severity"):
            lines.append(e.text.rstrip("."))
        elif e.kind == "note" and isinstance(e.data.get("findings"), dict) and "decision" in e.data["findings"]:
            lines.append(f"decision: {e.data['findings']['decision']}")
    return "; ".join(lines[-3:]) if lines else "nothing new since the last update"


def find(audiences: Iterable[Audience], name: str) -> Audience:
    found = {a.name: a for a in audiences}
    if name not in found:
        from tui.errors import OncallError

        raise OncallError(f"No audience {name!r}; this incident's audiences are {', '.join(found)}.")
    return found[name]


def draft(audience: Audience, incident: Incident, events: list[Event], clock: Clock, *,
          params: Mapping[str, str], runbook: str, detected: datetime, user: str) -> str:
    """The audience's template filled from the incident as it stands (closing once it is resolved)."""
    now = clock.now()
    closing = incident.status == "resolved"
    last = max((t for e in events if audience_of(e) == audience.name and (t := parse_time(e.time))), default=None)
    every = audience.every or next((a.every for a in DEFAULTS if a.name == INTERNAL), 600.0) or 600.0
    severity = SEVERITY_LABELS.get(incident.severity, incident.severity.upper())
    values = {
        **params,
        "severity": severity,
        "title": incident.title,
        "status": incident.status or "investigating",
        "impact": incident.impact or "being assessed",
        "category": incident.category or "",
        "lead": incident.lead or user,
        "elapsed": hms((now - detected).total_seconds()),
        "incident": incident.id,
        "runbook": runbook,
        "summary": incident.summary or incident.title,
        "next_update": "none" if closing else clock.hhmm(now + timedelta(seconds=every)),
        "changed": what_changed(events, last),
        "eta": incident.eta or "not known yet",
        "decision": incident.decision or "being decided",
    }
    return fill(audience.template, values, closing=closing)
