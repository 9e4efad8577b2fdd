"""The journal's data: incidents, their events, action items, and the ids that name them.

On disk an incident is `{"id": ..., "fields": {name: {"value", "hlc", "author"}}}`:
every field is a last-writer-wins register, so two responders who change
different fields at once both keep their change. An event is a flat document
that is never edited; a correction is a new event.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from tui.errors import OncallError
from tui.times import parse_time

KINDS = ("note", "decision", "command", "metric", "status", "role", "comms", "action-item",
         "send", "silence", "hook", "approval")  # the last four: tui/journal/schema.py says what they hold
SEVERITIES = ("critical", "high", "medium", "low")
SEVERITY_LABELS = {"critical": "SEV1", "high": "SEV2", "medium": "SEV3", "low": "SEV4"}
CATEGORIES = ("model-failure", "data-pipeline", "infrastructure", "unexpected-output")
STATUSES = ("investigating", "identified", "contained", "monitoring", "resolved", "abandoned", "duplicate")
CLOSED_STATUSES = ("resolved", "abandoned", "duplicate")  # nothing left to do: not offered to resume
LEAD = "incident lead"
DECISIONS = ("rollback", "fix-forward")

# Incident fields a responder may set; each is its own register. Roles are one register per role.
FIELDS = (
    "title", "severity", "category", "status", "runbooks", "params", "drill",
    "detected_at", "contained_at", "resolved_at", "created_at", "created_by",
    "impact", "root_cause", "trigger", "alert", "alert_started_at",
    "decision", "decision_reason", "missed_signals", "what_worked", "summary", "eta", "reached_users", "five_whys",
    "environment", "alert_fingerprint", "duplicate_of", "local",
)
ROLE_PREFIX = "role:"
TIME_FIELDS = ("detected_at", "contained_at", "resolved_at", "created_at", "alert_started_at")

# Ids: lowercase Crockford base32 (no i, l, o, u) so they read aloud and type without confusion.
_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
INCIDENT_ID = re.compile(r"^inc-\d{8}-[0-9a-z]{6}$")


def new_incident_id(now: datetime | None = None) -> str:
    """`inc-20261122-k3f9q2`: the day plus 30 random bits, short to type and unique in practice."""
    now = now or datetime.now(UTC)
    suffix = "".join(secrets.choice(_ALPHABET) for _ in range(6))
    return f"inc-{now:%Y%m%d}-{suffix}"


def new_event_id(wall_ms: int) -> str:
    """Time-ordered hex (48-bit milliseconds) plus 64 random bits: unique across responders without coordination.

    Events had these ids until ids became content hashes (tui/journal/schema.py); still used for action items.
    """
    return f"{wall_ms:012x}{secrets.token_hex(8)}"


def check_time(name: str, value: object) -> str | None:
    """A time field's value as UTC ISO 8601, or an OncallError that says the format."""
    if value is None:
        return None
    if isinstance(value, datetime):
        moment = (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)
        return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    if isinstance(value, str) and parse_time(value) is not None:
        return value
    raise OncallError(f"{name} {value!r} is not a time; use ISO 8601 such as 2026-11-22T03:12:00Z.")


def check_due(due: str | date | None) -> str | None:
    if due is None or due == "":
        return None
    if isinstance(due, date):
        return due.isoformat()
    try:
        return date.fromisoformat(due).isoformat()
    except (TypeError, ValueError):
        raise OncallError(f"Due date {due!r} is not a date; use YYYY-MM-DD.") from None


_NO_DATA: dict[str, Any] = {}


@dataclass(frozen=True, slots=True)  # slots: an incident may hold 100,000 of them
class Event:
    id: str
    incident_id: str
    time: str  # UTC ISO 8601, the author's wall clock
    hlc: str  # hybrid logical clock stamp: the order of the timeline
    author: str
    kind: str
    text: str
    data: dict[str, Any] = field(default_factory=dict)  # treat as read-only
    nonce: str = ""  # makes two identical notes two events (the id hashes it); "" for legacy events

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Event:
        return cls(id=doc["id"], incident_id=doc["incident_id"], time=doc.get("time", ""), hlc=doc["hlc"],
                   author=doc.get("author", ""), kind=doc.get("kind", "note"), text=doc.get("text", ""),
                   data=doc.get("data") or _NO_DATA, nonce=doc.get("nonce", ""))  # shared: read-only

    def to_doc(self) -> dict[str, Any]:
        doc = {"id": self.id, "incident_id": self.incident_id, "time": self.time, "hlc": self.hlc,
               "author": self.author, "kind": self.kind, "text": self.text, "data": self.data}
        if self.nonce:
            doc["nonce"] = self.nonce
        return doc

    def sort_key(self) -> tuple[str, str, str]:
        return (self.hlc, self.author, self.id)


def event_sort_key(doc: dict[str, Any]) -> tuple[str, str, str]:
    return (doc["hlc"], doc.get("author", ""), doc["id"])


@dataclass(frozen=True)
class ActionItem:
    id: str
    text: str
    owner: str | None
    due: str | None  # YYYY-MM-DD
    done: bool
    author: str
    link: str | None = None  # the ticket a hook filed for it (the URL the hook printed)


@dataclass(frozen=True)
class Incident:
    id: str
    title: str
    severity: str = "high"
    category: str | None = None
    status: str = "investigating"
    roles: dict[str, str] = field(default_factory=dict)
    runbooks: tuple[str, ...] = ()
    params: dict[str, str] = field(default_factory=dict)
    drill: bool = False
    detected_at: str | None = None
    contained_at: str | None = None
    resolved_at: str | None = None
    created_at: str | None = None
    created_by: str | None = None
    impact: str | None = None
    root_cause: str | None = None
    trigger: str | None = None
    alert: str | None = None  # the signal that fired
    alert_started_at: str | None = None  # when it started firing, for time-to-notice
    decision: str | None = None  # rollback | fix-forward
    decision_reason: str | None = None
    missed_signals: str | None = None
    what_worked: str | None = None
    summary: str | None = None
    eta: str | None = None  # when the responders expect it fixed, as they wrote it (for the executives' update)
    reached_users: str | None = None  # why it reached users (not caught by tests, canary, review)
    five_whys: str | None = None  # one "why" a line, down to the root cause
    environment: str | None = None  # where it is worked (config.yaml's environments)
    alert_fingerprint: str | None = None  # Alertmanager's id of the alert it was opened for: joined, not duplicated
    duplicate_of: str | None = None  # status duplicate: the incident that carries on
    local: bool = False  # kept out of the shared journal (a drill, unless started with a shared journal on purpose)
    updated: str = ""  # the newest register's clock stamp

    @property
    def lead(self) -> str | None:
        return self.roles.get(LEAD)

    @property
    def severity_label(self) -> str:
        return SEVERITY_LABELS.get(self.severity, self.severity)

    @property
    def is_open(self) -> bool:
        return self.status not in CLOSED_STATUSES

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Incident:
        values: dict[str, Any] = {}
        roles: dict[str, str] = {}
        updated = ""
        for name, reg in doc.get("fields", {}).items():
            updated = max(updated, reg.get("hlc", ""))
            value = reg.get("value")
            if value is None:
                continue
            if name.startswith(ROLE_PREFIX):
                roles[name[len(ROLE_PREFIX):]] = str(value)
            elif name in _TEXT_FIELDS:
                values[name] = value if isinstance(value, str) else str(value)
        runbooks = _field(doc, "runbooks")
        params = _field(doc, "params")
        return cls(
            id=doc["id"], title=values.pop("title", "") or "(untitled)", roles=roles,
            runbooks=tuple(str(r) for r in runbooks) if isinstance(runbooks, list) else (),
            params={str(k): str(v) for k, v in params.items()} if isinstance(params, dict) else {},
            drill=bool(_field(doc, "drill")), local=_field(doc, "local") is True, updated=updated, **values)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["runbooks"] = list(self.runbooks)
        out["lead"] = self.lead
        out["severity_label"] = self.severity_label
        return out


_TEXT_FIELDS = frozenset(FIELDS) - {"runbooks", "params", "drill", "local"}


def _field(doc: dict[str, Any], name: str) -> Any:
    reg = doc.get("fields", {}).get(name)
    return reg.get("value") if reg else None


def register(value: Any, hlc: str, author: str) -> dict[str, Any]:
    return {"value": value, "hlc": hlc, "author": author}
