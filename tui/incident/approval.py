"""The two-person rule: a command that needs approval runs only after another responder approved it.

A command needs approval when its runbook says `approve: true`, or when it is a
danger command and the incident's severity is one of the config's
`approval: {severities: [...]}`. Everything is a journal event of kind
"approval", so a request and its answer travel by sync like any note:

    request   {"approval": "request", "request": ID, "runbook", "command", "display", "params", "env"}
    answer    {"approval": "approved" | "declined", "request": ID}
    used      {"approval": "used", "request": ID}   (the requester ran the command once on it)

A request is for the exact command: the same runbook, command, argv and exported
variables. The request carries a keyed digest of them (HMAC with a key that never
leaves the requester's machine, beside their local journal), because the journal
keeps only a redacted command line: two values that both show as [REDACTED] must
not share one approval, and a digest without a key cannot be guessed back from the
shared file. A request without a digest (older) matches on its command line. An approval counts only when its author
is not the request's author (responder identity is the journal's author), it came
after the request, and it is at most 30 minutes old; it allows one run, by the
requester alone. Later answers to an answered request change nothing. The state is
recomputed from the events every time, so a forged or duplicated answer read from
a teammate's file cannot approve a request its own author made.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

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
    digest: str = ""  # command_digest with the requester's key ("" for a request written before digests)

    @property
    def expires_at(self) -> datetime | None:
        return self.answered_at + VALID_FOR if self.answered_at and self.status in ("approved", "expired") else None

    def matches(self, prepared: PreparedCommand, key: bytes | None = None) -> bool:
        if (self.runbook, self.command) != (prepared.runbook_id, prepared.name):
            return False
        if self.digest and key is not None:
            return hmac.compare_digest(self.digest, command_digest(prepared, key))
        from tui.journal.redact import redact

        return self.display in (prepared.display, redact(prepared.display))  # the journal keeps it redacted


def command_digest(prepared: PreparedCommand, key: bytes) -> str:
    """What exactly runs (argv and exported variables), keyed: equal only for the very same command."""
    what = json.dumps([prepared.runbook_id, prepared.name, list(prepared.argv), sorted(prepared.env.items())])
    return hmac.new(key, what.encode("utf-8", "surrogateescape"), hashlib.sha256).hexdigest()


def local_key(journal_path: Path) -> bytes:
    """This machine's approval key, beside the local journal (created once, readable by its owner only)."""
    path = Path(f"{journal_path}.approval-key")
    try:
        return bytes.fromhex(path.read_text().strip())
    except (OSError, ValueError):
        pass
    key = secrets.token_bytes(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first: use theirs
        return bytes.fromhex(path.read_text().strip())
    except OSError:
        return key  # nowhere to keep it: requests made now match only in this process
    with os.fdopen(fd, "w") as f:
        f.write(key.hex())
    return key


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
                                 ev.author, when, digest=str(data.get("digest") or ""))
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


def latest_for(reqs: list[Request], prepared: PreparedCommand, requester: str,
               key: bytes | None = None) -> Request | None:
    """The newest request by `requester` for exactly this command that is still open or approved."""
    for req in reversed(reqs):
        if req.matches(prepared, key) and req.requester == requester and req.status in ("open", "approved"):
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


def request_data(prepared: PreparedCommand, environment: str | None = None,
                 key: bytes | None = None) -> dict[str, object]:
    data: dict[str, object] = {"approval": "request", "request": "req-" + secrets.token_hex(3),
                               "runbook": prepared.runbook_id, "command": prepared.name, "display": prepared.display,
                               "params": dict(prepared.params), "env": dict(prepared.env)}
    if key is not None:
        data["digest"] = command_digest(prepared, key)
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
