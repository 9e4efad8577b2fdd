"""Merging two journals: a state-based CRDT, so replicas converge whatever the order of syncs.

Events are a grow-only set keyed by id. Each incident field is a last-writer-wins
register ordered by (clock stamp, author); the value itself breaks the last tie so
that even two different values written with the same stamp and author merge the
same way on every replica. Every function here is pure: inputs are never mutated.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

Doc = dict[str, Any]


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def register_key(reg: Doc) -> tuple[str, str, str]:
    return (str(reg.get("hlc", "")), str(reg.get("author", "")), _canonical(reg.get("value")))


def merge_register(a: Doc | None, b: Doc | None) -> Doc | None:
    if a is None or a is b:
        return b
    if b is None:
        return a
    if a.get("hlc") != b.get("hlc"):  # the common case, without serialising values
        return a if str(a.get("hlc", "")) > str(b.get("hlc", "")) else b
    return a if register_key(a) >= register_key(b) else b


def merge_incident(a: Doc | None, b: Doc | None) -> Doc | None:
    """The incident whose every field is the later of the two registers."""
    if a is None or a is b:
        return b
    if b is None:
        return a
    fa, fb = a.get("fields", {}), b.get("fields", {})
    fields = dict(fa)
    for name, reg in fb.items():
        fields[name] = merge_register(fa.get(name), reg)
    return {"id": a["id"], "fields": fields}


def merge_event(a: Doc | None, b: Doc | None) -> Doc | None:
    """Events are immutable, so two copies are equal; if a buggy writer made them differ, pick one deterministically."""
    if a is None or a is b:
        return b
    if b is None or a == b:
        return a
    return a if _canonical(a) >= _canonical(b) else b


@dataclass(frozen=True)
class Refusal:
    """An entry the schema refused: what it is ("incident", "field", "event"), why, and the entry itself."""

    kind: str
    reason: str
    entry: Any


@dataclass
class State:
    """A whole journal: incident id -> incident doc, event id -> event doc."""

    incidents: dict[str, Doc] = field(default_factory=dict)
    events: dict[str, Doc] = field(default_factory=dict)
    raw: dict[str, str] = field(default_factory=dict, compare=False, repr=False)  # event id -> its JSON as read
    refused: list[Refusal] = field(default_factory=list, compare=False, repr=False)  # entries never merged
    # refused entries as read, (section, id, line), carried on when the shared file is rewritten
    foreign: list[tuple[str, str | None, str]] = field(default_factory=list, compare=False, repr=False)


def merge(a: State, b: State) -> State:
    incidents = dict(a.incidents)
    for iid, doc in b.incidents.items():
        incidents[iid] = merge_incident(a.incidents.get(iid), doc)  # type: ignore[assignment]
    events = dict(a.events)
    for eid, doc in b.events.items():
        mine = a.events.get(eid)
        events[eid] = doc if mine is None else merge_event(mine, doc)  # type: ignore[assignment]
    return State(incidents, events)


def incident_newer(merged: Doc, base: Doc | None) -> bool:
    """True when `merged` holds a register that `base` lacks or has older: base must learn it."""
    if base is None:
        return True
    fb = base.get("fields", {})
    return any(fb.get(name) != reg for name, reg in merged.get("fields", {}).items())
