"""What a journal entry must look like before it is merged: the shared file is untrusted input.

Every incident and event read from the shared file (and from the local journal
when it is opened) is checked here. An entry that does not conform is set aside
in the quarantine (tui/journal/quarantine.py), never merged, so one bad entry
cannot crash `oncall journal list` or the app, nor spread to other replicas.

Bounds (chosen to sit far above anything oncall writes, far below what hurts):
- an entry's JSON is at most 1 MiB (`MAX_ENTRY_BYTES`); a text field at most
  256 KiB (`MAX_TEXT`); an id, an author, a kind or a field name at most 256
  characters (`MAX_NAME`); a value nests at most 16 deep (`MAX_DEPTH`);
- a clock stamp may run ahead of this machine's wall clock by 5 minutes at most
  (`MAX_SKEW_MS`). A stamp further in the future would win every
  last-writer-wins register and drag every replica's clock along with it, so
  such an event or field update is quarantined, not applied (it is taken once
  the wall clock has caught up with it).

Event ids commit to their content. A new event's id is "c1-" followed by the
first 32 hex digits of sha256 over the canonical JSON (sorted keys, no spaces,
UTF-8) of the event without its id: incident id, time, clock stamp, author,
kind, text, data and a random nonce (so writing "ok" twice gives two events).
A copy whose content does not hash to its id has been changed and is refused.
Ids that do not start with "c1-" are legacy ids, written before ids became
hashes (28 hex digits, time plus randomness); they are accepted as they are,
but a copy that differs from the one already in the local journal never
replaces it (see sync.absorb).

An event of a kind this version does not know is valid (later versions add
kinds); the timeline shows its text.

Kinds added with updates that leave the terminal (tui/integrations/):
- `comms`: an update given to an audience: its text, and data `audience`, `send` (true when oncall
  was asked to deliver it to the audience's targets) and `targets` (as written in the config:
  `env:NAME`, `file:PATH` or a URL without secrets; never the secret itself).
- `send`: one delivery attempt of a `comms` event: data `comms` (its id), `audience`, `results`
  (target as written -> true/false) and `result` (`sent` when every target took it, else `queued`).
  A `comms` event with `send` whose targets have not all said true is queued: every
  `oncall journal sync` and the app retry it, and its text stays in the `comms` event.
- `silence`: an Alertmanager silence this incident created (`action` `created`: `silence` id,
  `labels`, `ends_at`, `alertmanager`) or expired (`action` `expired`, `silence`).
- `hook`: a configured hook ran (`hook` event name, `argv` or `target`, `ok`); its text is one sentence.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from typing import Any

from tui.journal import clock
from tui.journal.model import ROLE_PREFIX, TIME_FIELDS
from tui.times import parse_time

MAX_ENTRY_BYTES = 1 << 20
MAX_TEXT = 256 * 1024
MAX_NAME = 256
MAX_DEPTH = 16
MAX_SKEW_MS = 5 * 60 * 1000

HASH_PREFIX = "c1-"
_HASH_DIGITS = 32
_HASHED_ID = re.compile(r"c1-[0-9a-f]{32}")
_ID = re.compile(r"[0-9A-Za-z][0-9A-Za-z._:-]{0,127}")
_STAMP = re.compile(r"[0-9]{16}\.[0-9]{5}")
_KIND = re.compile(r"[a-z][a-z0-9_-]{0,63}")
_canonical = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode

# Incident fields whose value must be text (or None: cleared).
_TEXT_VALUES = frozenset({
    "title", "severity", "category", "status", "created_by", "impact", "root_cause", "trigger", "alert",
    "decision", "decision_reason", "missed_signals", "what_worked", "summary", "eta", "reached_users", "five_whys",
})
_TIMES = frozenset(TIME_FIELDS)


class Invalid(ValueError):
    """Why an entry was refused: a short phrase, e.g. "its author is not text"."""


def content_id(doc: dict[str, Any]) -> str:
    """The id an event's content commits to (everything but the id itself)."""
    body = {k: v for k, v in doc.items() if k != "id"}
    return HASH_PREFIX + hashlib.sha256(_canonical(body).encode()).hexdigest()[:_HASH_DIGITS]


def is_legacy_id(event_id: str) -> bool:
    return not event_id.startswith(HASH_PREFIX)


# ---- events --------------------------------------------------------------------------------

def check_event(doc: Any, now_ms: int, size: int | None = None, *, verify_id: bool = True) -> None:
    """Raise Invalid unless `doc` is an event this version can merge and show; `size` is its JSON's length."""
    if not isinstance(doc, dict):
        raise Invalid("it is not a JSON object")
    if size is not None and size > MAX_ENTRY_BYTES:
        raise Invalid(f"it is {size:,} bytes, over the {MAX_ENTRY_BYTES:,}-byte cap")
    eid = doc.get("id")
    if not isinstance(eid, str) or not _ID.fullmatch(eid):
        raise Invalid("its id is missing or not a short word")
    _ident(doc.get("incident_id"), "incident id")
    _stamp(doc.get("hlc"), now_ms)
    for name in ("author", "kind"):
        if not isinstance(doc.get(name), str) or len(doc[name]) > MAX_NAME:
            raise Invalid(f"its {name} is not text of at most {MAX_NAME} characters")
    if not _KIND.fullmatch(doc["kind"]):
        raise Invalid("its kind is not a lowercase word")
    when = doc.get("time")
    if not isinstance(when, str) or len(when) > 64 or parse_time(when) is None:
        raise Invalid("its time is not an ISO 8601 time")
    text = doc.get("text")
    if not isinstance(text, str) or len(text) > MAX_TEXT:
        raise Invalid(f"its text is not text of at most {MAX_TEXT // 1024} KiB")
    data = doc.get("data")
    if not isinstance(data, dict):
        raise Invalid("its data is not a JSON object")
    if "nonce" in doc and (not isinstance(doc["nonce"], str) or len(doc["nonce"]) > MAX_NAME):
        raise Invalid("its nonce is not short text")
    _json_value(data, 0)
    if verify_id and not is_legacy_id(eid) and (not _HASHED_ID.fullmatch(eid) or content_id(doc) != eid):
        raise Invalid("its content does not match its id (it was changed after it was written)")


# ---- incidents -----------------------------------------------------------------------------

def check_incident_shape(doc: Any, size: int | None = None) -> None:
    """Raise Invalid unless `doc` is an incident: an id and a mapping of field registers."""
    if not isinstance(doc, dict):
        raise Invalid("it is not a JSON object")
    if size is not None and size > MAX_ENTRY_BYTES:
        raise Invalid(f"it is {size:,} bytes, over the {MAX_ENTRY_BYTES:,}-byte cap")
    _ident(doc.get("id"), "id")
    if not isinstance(doc.get("fields"), dict):
        raise Invalid("it has no fields")


def check_register(name: Any, reg: Any, now_ms: int) -> None:
    """Raise Invalid unless `reg` is a well-formed value for the incident field `name`."""
    if not isinstance(name, str) or not name or len(name) > MAX_NAME:
        raise Invalid("a field name is not short text")
    if not isinstance(reg, dict) or "value" not in reg:
        raise Invalid(f"its field {_shown(name)} has no value")
    _stamp(reg.get("hlc"), now_ms)
    if not isinstance(reg.get("author"), str) or len(reg["author"]) > MAX_NAME:
        raise Invalid(f"the author of its field {_shown(name)} is not text")
    value = reg["value"]
    if value is None:
        return
    if name in _TIMES:
        if not isinstance(value, str) or len(value) > 64 or parse_time(value) is None:
            raise Invalid(f"its field {name} is not an ISO 8601 time")
    elif name in _TEXT_VALUES or name.startswith(ROLE_PREFIX):
        if not isinstance(value, str) or len(value) > MAX_TEXT:
            raise Invalid(f"its field {name} is not text")
    elif name == "runbooks":
        if not isinstance(value, list) or not all(isinstance(r, str) and len(r) <= MAX_NAME for r in value):
            raise Invalid("its field runbooks is not a list of runbook ids")
    elif name == "params":
        if not isinstance(value, dict) or not all(isinstance(v, str) and len(v) <= MAX_TEXT for v in value.values()):
            raise Invalid("its field params is not a mapping of text")
    elif name == "drill":
        if not isinstance(value, bool):
            raise Invalid("its field drill is not true or false")
    else:  # a field a later version added: any bounded JSON value
        _json_value(value, 0)


def valid_registers(doc: dict[str, Any], now_ms: int) -> tuple[dict[str, Any], dict[str, str]]:
    """(the incident with only its valid registers, field name -> why each other one was refused)."""
    refused: dict[str, str] = {}
    for name, reg in doc["fields"].items():
        try:
            check_register(name, reg, now_ms)
        except Invalid as exc:
            refused[name] = str(exc)
    if not refused:
        return doc, refused
    fields = {k: v for k, v in doc["fields"].items() if k not in refused}
    return {**doc, "fields": fields}, refused


# ---- pieces --------------------------------------------------------------------------------

def _shown(name: str) -> str:
    """A field name fit to quote in a sentence (a name from the shared file may hold anything)."""
    return name if _ID.fullmatch(name) else "(an odd name)"


def _ident(value: Any, what: str) -> None:
    if not isinstance(value, str) or not _ID.fullmatch(value):
        raise Invalid(f"its {what} is missing or not a short word")


def _stamp(value: Any, now_ms: int) -> None:
    if not isinstance(value, str) or not _STAMP.fullmatch(value):
        raise Invalid("its clock stamp is missing or malformed")
    wall, _ = clock.decode(value)
    if wall > now_ms + MAX_SKEW_MS:
        ahead = (wall - now_ms) / 60_000
        raise Invalid(f"its clock stamp is {ahead:,.0f} minutes in the future (at most "
                      f"{MAX_SKEW_MS // 60_000} are accepted; check the clocks)")


def _json_value(value: Any, depth: int) -> None:
    """Bounded nesting and no NaN or infinity (they would never compare equal to themselves)."""
    if depth > MAX_DEPTH:
        raise Invalid(f"a value nests more than {MAX_DEPTH} deep")
    if isinstance(value, dict):
        for k, v in value.items():
            if not isinstance(k, str):
                raise Invalid("a key is not text")
            _json_value(v, depth + 1)
    elif isinstance(value, list):
        for v in value:
            _json_value(v, depth + 1)
    elif isinstance(value, float) and not math.isfinite(value):
        raise Invalid("a number is not finite")
    elif value is not None and not isinstance(value, (str, int, float, bool)):
        raise Invalid("a value is not JSON")
