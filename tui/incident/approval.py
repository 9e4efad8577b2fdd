"""The two-person rule: a command that needs approval runs only after another responder approved it.

A command needs approval when its runbook says `approve: true`, or when it is a
danger command and the incident's severity is one of the config's
`approval: {severities: [...]}`. Everything is a journal event of kind
"approval", so a request and its answer travel by sync like any note:

    request   {"approval": "request", "request": ID, "runbook", "command", "display", "params", "env"}
    answer    {"approval": "approved" | "declined", "request": ID}
    used      {"approval": "used", "request": ID}   (the requester ran the command once on it)

A request is for the exact command: the same runbook, command and rendered
command line (so the same parameters). An approval counts only when its author
is not the request's author (responder identity is the journal's author), it came
after the request, and it is at most 30 minutes old; it allows one run, by the
requester alone. Later answers to an answered request change nothing. The state is
recomputed from the events every time, so a forged or duplicated answer read from
a teammate's file cannot approve a request its own author made.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from tui.errors import OncallError
from tui.journal.model import Event
from tui.launch.command import PreparedCommand
from tui.times import parse_time

KIND = "approval"
VALID_FOR = timedelta(minutes=30)


def needs_approval(prepared: PreparedCommand, severity: str | None, severities: Iterable[str]) -> bool:
    return prepared.approve or (prepared.danger and severity is not None and severity in tuple(severities))


@dataclass(frozen=True)
class Request:
    id: str
    runbook: str
    command: str
    display: str
    params: dict[str, str]
    env: dict[str, str]
    requester: str
    requested_at: datetime
    status: str = "open"  # open | approved | declined | used | expired
    answered_by: str | None = None
    answered_at: datetime | None = None

    @property
    def expires_at(self) -> datetime | None:
        return self.answered_at + VALID_FOR if self.answered_at and self.status in ("approved", "expired") else None

    def matches(self, prepared: PreparedCommand) -> bool:
        return (self.runbook, self.command, self.display) == (prepared.runbook_id, prepared.name, prepared.display)


def requests(events: Iterable[Event], now: datetime) -> list[Request]:
    """Every approval request of the incident, oldest first, with its state at `now`."""
    found: dict[str, Request] = {}
    for ev in events:
        if ev.kind != KIND or not isinstance(ev.data.get("request"), str):
            continue
        what, rid = ev.data.get("approval"), ev.data["request"]
        when = parse_time(ev.time)
        if when is None:
            continue
        if what == "request":
            if rid in found:
                continue
            data = ev.data
            found[rid] = Request(rid, str(data.get("runbook", "")), str(data.get("command", "")),
                                 str(data.get("display", "")), _texts(data.get("params")), _texts(data.get("env")),
                                 ev.author, when)
            continue
        req = found.get(rid)
        if req is None:
            continue
        if what in ("approved", "declined") and req.status == "open" and ev.author != req.requester:
            found[rid] = _with(req, status=what, answered_by=ev.author, answered_at=when)
        elif what == "used" and req.status == "approved" and ev.author == req.requester:
            found[rid] = _with(req, status="used")
    out = []
    for req in found.values():
        if req.status == "approved" and req.answered_at is not None and now > req.answered_at + VALID_FOR:
            req = _with(req, status="expired")
        out.append(req)
    return sorted(out, key=lambda r: r.requested_at)


def _with(req: Request, **changes: object) -> Request:
    from dataclasses import replace

    return replace(req, **changes)  # type: ignore[arg-type]


def _texts(value: object) -> dict[str, str]:
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


def latest_for(reqs: list[Request], prepared: PreparedCommand, requester: str) -> Request | None:
    """The newest request by `requester` for exactly this command that is still open or approved."""
    for req in reversed(reqs):
        if req.matches(prepared) and req.requester == requester and req.status in ("open", "approved"):
            return req
    return None


def request_text(prepared: PreparedCommand, requester: str, environment: str | None = None) -> str:
    where = f" in {environment}" if environment else ""
    lines = [f"Approval requested: {requester} wants to run {prepared.name}{where}: {prepared.display}"]
    if prepared.env:
        lines.append("environment: " + " ".join(f"{k}={v}" for k, v in prepared.env.items()))
    if prepared.params:
        lines.append("parameters: " + ", ".join(f"{k}={v}" for k, v in prepared.params.items()))
    return "\n".join(lines)


def request_data(prepared: PreparedCommand, environment: str | None = None) -> dict[str, object]:
    data: dict[str, object] = {"approval": "request", "request": "req-" + secrets.token_hex(3),
                               "runbook": prepared.runbook_id, "command": prepared.name, "display": prepared.display,
                               "params": dict(prepared.params), "env": dict(prepared.env)}
    if environment:
        data["environment"] = environment
    return data


def find_request(reqs: list[Request], ref: str) -> Request:
    """The request `ref` names: its id, or a command name (the latest open request for it)."""
    ref = ref.strip()
    for req in reqs:
        if req.id == ref:
            return req
    named = [r for r in reqs if r.command == ref and r.status == "open"]
    if named:
        return named[-1]
    if any(r.command == ref for r in reqs):
        raise OncallError(f"No open approval request for {ref}; `oncall journal approvals INC` lists them.")
    raise OncallError(f"No approval request {ref} in this incident; `oncall journal approvals INC` lists them.")


def check_answerable(req: Request, user: str) -> None:
    if req.requester == user:
        raise OncallError(f"You asked for {req.command} yourself ({req.id}); another responder in the incident "
                          "must approve it.")
    if req.status != "open":
        by = f" by {req.answered_by}" if req.answered_by else ""
        raise OncallError(f"Request {req.id} for {req.command} is already {req.status}{by}; nothing was changed.")


def answer_text(req: Request, approve: bool, user: str) -> str:
    word = "Approved" if approve else "Declined"
    return f"{word} by {user}: {req.requester} may{'' if approve else ' not'} run {req.command}: {req.display}"
