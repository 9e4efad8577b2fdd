"""The journal writes of one incident that need no runbook: notes, fields, action items, updates, runs.

The app's controller builds on this; `oncall journal note` and `oncall run --incident` use it
directly, so a note or a run is journaled the same way from the screen and from the shell.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from tui.clock import Clock, hms
from tui.errors import OncallError
from tui.incident import approval
from tui.incident.approval import Request
from tui.journal import Journal
from tui.journal.model import Event, Incident
from tui.launch.capture import command_event
from tui.launch.command import PreparedCommand
from tui.launch.result import RunResult
from tui.runbook.model import Runbook
from tui.times import parse_time

if TYPE_CHECKING:
    from tui.integrations.service import Integrations

ROLES = ("incident lead", "technical lead", "communications lead", "support liaison")
# What the report needs and only a person can write down: (incident field, label in the form).
FINDINGS = (
    ("impact", "Impact: who and what is affected, since when"),
    ("trigger", "Trigger: the change or event that set it off"),
    ("reached_users", "Why it reached users: what did not catch it (tests, canary)"),
    ("root_cause", "Root cause"),
    ("five_whys", "Five whys: each answer to why?, separated by ;"),
    ("decision", "Decision: rollback or fix-forward"),
    ("decision_reason", "Why that decision"),
    ("missed_signals", "Missed signals: what could have warned earlier"),
    ("what_worked", "What worked"),
    ("eta", "ETA: when you expect it fixed (the executives' update waits for it)"),
)


class ApprovalPending(OncallError):
    """The command waits for another responder's approval; `request` is the request's id."""

    def __init__(self, message: str, request: str) -> None:
        super().__init__(message)
        self.request = request


@dataclass
class IncidentRecord:
    journal: Journal
    incident_id: str
    clock: Clock
    # Hooks, updates through Apprise, silences expired at resolution; None: nothing leaves the terminal.
    integrations: Integrations | None = field(default=None, kw_only=True)

    @classmethod
    def open(cls, journal: Journal, clock: Clock, runbook: Runbook, params: Mapping[str, str], *,
             drill: bool = False, alert: str | None = None, alert_started_at: str | None = None,
             alert_fingerprint: str | None = None, environment: str | None = None,
             local: bool = False, integrations: Integrations | None = None) -> IncidentRecord:
        """A new incident on `runbook`, detected now (by `clock`), opened from `alert` when one fired, in one
        write: a sync never sees it half made (a drill's that must stay `local` reaching the shared file)."""
        incident = journal.new_incident(runbook.title, severity=runbook.severity_hint, category=runbook.category,
                                        runbook=runbook.id, params=dict(params), drill=drill, alert=alert,
                                        alert_started_at=alert_started_at or None,
                                        detected_at=clock.now().isoformat(), local=local,
                                        extra={"environment": environment, "alert_fingerprint": alert_fingerprint})
        if integrations is not None:
            integrations.incident_event(journal, incident.id, "opened")
        return cls(journal, incident.id, clock, integrations=integrations)

    def _event(self, event: str, item: Any = None) -> None:
        if self.integrations is not None:
            self.integrations.incident_event(self.journal, self.incident_id, event, item)

    @staticmethod
    def find_open(journal: Journal, *, runbook: str | None = None, fingerprint: str | None = None,
                  drill: bool | None = None) -> list[Incident]:
        """Open incidents to resume instead of opening another: those opened for this alert (its
        fingerprint), else those on this runbook; the most recent first. Read after a sync, a teammate's too."""
        found = journal.open_incidents(drill)
        if fingerprint:
            same = [i for i in found if i.alert_fingerprint == fingerprint]
            if same:
                return same
        return [i for i in found if runbook and i.runbooks and i.runbooks[0] == runbook]

    def set_status(self, status: str, duplicate_of: str | None = None) -> None:
        """The one place a status is recorded: `resolved` also expires the silences the incident created
        and runs the `resolved` hooks (contained: the `contained` ones); `duplicate` names the incident
        that carries on (`duplicate_of`), which must exist."""
        before = self.incident.status
        fields: dict[str, Any] = {"status": status}
        if status == "duplicate":
            if not duplicate_of:
                raise OncallError("A duplicate needs the incident it duplicates; give it with --of INCIDENT.")
            other = self.journal.resolve_id(duplicate_of)
            if other == self.incident_id:
                raise OncallError("An incident cannot be a duplicate of itself; name the other incident.")
            fields["duplicate_of"] = other
        elif duplicate_of:
            raise OncallError("--of goes with the status duplicate only.")
        self.journal.set_fields(self.incident_id, **fields)  # the journal stamps contained_at the first time
        if status != before and status in ("contained", "resolved"):
            self._event(status)

    @property
    def incident(self) -> Incident:
        return self.journal.incident(self.incident_id)

    def events(self) -> list[Event]:
        return list(self.journal.events(self.incident_id))

    def note(self, text: str) -> Event:
        text = text.strip()
        if not text:
            raise OncallError("The note is empty; write what you saw or did, then save it.")
        return self.journal.add_event(self.incident_id, "note", text)

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

    def set_severity(self, severity: str) -> None:
        """Set the severity; choosing the one it already has is journaled as confirmed (a decision too)."""
        before = self.incident
        if severity == before.severity:
            self.journal.add_event(self.incident_id, "status",
                                   f"Severity confirmed: {before.severity_label} ({severity}).",
                                   {"field": "severity", "from": severity, "to": severity, "confirmed": True})
            return
        self.journal.set_fields(self.incident_id, severity=severity)
        self._event("severity_changed")

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
        item = self.journal.add_action_item(self.incident_id, text.strip(), owner.strip(), due.strip())
        self._event("action_item", item)

    def comms_sent(self, text: str, audience: str = "internal") -> Event:
        """The update was given by hand (copied into the channel): journaled, nothing is sent."""
        return self.journal.add_event(self.incident_id, "comms", text, {"channel": audience, "audience": audience})

    def command_ran(self, prepared: PreparedCommand, result: RunResult, secrets: Iterable[str] = ()) -> Event:
        """The run as a `command` event: output shortened and redacted (tui.launch.capture)."""
        text, data = command_event(prepared, result, secrets)
        return self.journal.add_event(self.incident_id, "command", text, data)

    # -- the two-person rule (tui/incident/approval.py) and runs by others ----------------------

    def approvals(self) -> list[Request]:
        return approval.requests(self.events(), self.clock.now())

    def approval_gate(self, prepared: PreparedCommand, severities: Iterable[str],
                      environment: str | None = None) -> Request | None:
        """None when `prepared` needs no approval; the approved request to run it on; else ApprovalPending,
        after recording a request (or finding the open one: asking again reuses it)."""
        if not approval.needs_approval(prepared, self.incident.severity, severities):
            return None
        user = self.journal.user
        key = approval.local_key(self.journal.path)
        req = approval.latest_for(self.approvals(), prepared, user, key)
        if req is not None and req.status == "approved":
            return req
        if req is None:
            data = approval.request_data(prepared, environment, key)
            self.journal.add_event(self.incident_id, approval.KIND, approval.request_text(prepared, user, environment),
                                   data)
            rid = str(data["request"])
        else:
            rid = req.id
        raise ApprovalPending(
            f"{prepared.name} needs another responder's approval first, so nothing ran: request {rid} waits for a "
            f"teammate to approve it (key A in their app, or `oncall journal approve {self.incident_id} {rid}`), "
            "then run it again.", rid)

    def approval_used(self, req: Request) -> Event:
        """The requester runs the command on `req`: one approval, one run."""
        return self.journal.add_event(self.incident_id, approval.KIND, f"{req.command} runs on approval {req.id} "
                                      f"(approved by {req.answered_by}).", {"approval": "used", "request": req.id})

    def answer_approval(self, ref: str, approve: bool) -> Request:
        """Approve or decline the request `ref` names (its id, or a command's latest open request)."""
        req = approval.find_request(self.approvals(), ref)
        approval.check_answerable(req, self.journal.user)
        self.journal.add_event(self.incident_id, approval.KIND, approval.answer_text(req, approve, self.journal.user),
                               {"approval": "approved" if approve else "declined", "request": req.id,
                                "command": req.command})
        return next(r for r in self.approvals() if r.id == req.id)

    def runs_by_others(self, prepared: PreparedCommand) -> list[Event]:
        """Runs of the same runbook command in this incident by other responders, oldest first."""
        return [e for e in self.events() if e.kind == "command" and e.author != self.journal.user
                and e.data.get("command") == prepared.name and e.data.get("runbook") == prepared.runbook_id
                and e.data.get("status") != "did not start"]

    def already_ran(self, prepared: PreparedCommand) -> str | None:
        """One sentence when another responder already ran this command in the incident (when, how it ended)."""
        runs = self.runs_by_others(prepared)
        if not runs:
            return None
        last = runs[-1]
        moment = parse_time(last.time)
        when = f"{self.clock.hhmm(moment)} ({hms((self.clock.now() - moment).total_seconds())} ago)" if moment else "earlier"
        code = last.data.get("exit_code")
        ended = f"exit {code}" if isinstance(code, int) else str(last.data.get("status") or "unknown end")
        more = f"; {len(runs)} runs by others in all" if len(runs) > 1 else ""
        return f"{last.author} already ran {prepared.name} in this incident at {when}, {ended}{more}."
    def command_declined(self, prepared: PreparedCommand) -> Event:
        """A danger command the person was asked to confirm and did not: a `decision` (action
        "declined"), so the report's "what was done" and a drill's score see the choice not to run it.
        The walk's replay and the drill's path read only answer/done/back/resume decisions."""
        return self.journal.add_event(self.incident_id, "decision",
                                      f"did not run {prepared.name} ({prepared.title}): the danger confirmation "
                                      "was cancelled, nothing ran",
                                      {"action": "declined", "command": prepared.name, "title": prepared.title,
                                       "runbook": prepared.runbook_id, "danger": True})

    def command_not_started(self, prepared: PreparedCommand, why: str) -> Event:
        return self.journal.add_event(self.incident_id, "command", f"could not run {prepared.name}: {why}",
                                      {"command": prepared.name, "title": prepared.title,
                                       "runbook": prepared.runbook_id, "status": "did not start",
                                       "environment": prepared.environment})
