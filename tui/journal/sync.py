"""One sync pass between the local journal and the shared file every responder points at.

The shared file is JSON lines: a header with the counts, then one incident a line,
then one event a line (sorted, so converged replicas write identical bytes). The
counts make a file cut short detectable. Under the shared lock, a pass reads the
shared file, takes into the local journal whatever it lacks, and, only when the
shared file lacks something, replaces it atomically with the merged journal.

A shared file that cannot be parsed is never written: the pass says so in one
sentence and the local journal carries on. So does a shared path that cannot be
reached (missing folder, permission denied) or stays locked; the next pass
catches up.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from tui.errors import OncallError
from tui.journal import clock
from tui.journal.files import atomic_write, stale_temps
from tui.journal.merge import State, incident_newer, merge_event, merge_incident
from tui.journal.model import event_sort_key
from tui.journal.store import LogStorage

FORMAT = "oncall-shared-journal"
VERSION = 1
LOCK_TIMEOUT = 10.0
_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


@dataclass(frozen=True)
class SyncStatus:
    ok: bool
    message: str | None = None  # one sentence when not ok
    synced_at: str | None = None  # UTC ISO 8601 of the last successful pass
    responders: frozenset[str] = field(default_factory=frozenset)  # authors seen across the journal
    shared: bool = True  # False when no shared file is configured
    pulled: int = 0  # events taken from the shared file
    pushed: bool = False  # whether the shared file was rewritten


class SharedFileError(Exception):
    """The shared file exists but is not a journal we can read; the message is the reason."""


# ---- the shared file format -------------------------------------------------------------

def parse_shared(data: bytes) -> State:
    """The journal in a shared file's bytes; SharedFileError when it is not one (never guess)."""
    if not data.strip():
        return State()  # an empty file (e.g. created with touch) holds nothing to lose
    try:
        lines = data.decode("utf-8").split("\n")
    except UnicodeDecodeError:
        raise SharedFileError("it is not UTF-8 text") from None
    if lines and lines[-1] == "":
        lines.pop()
    try:
        head = json.loads(lines[0])
    except ValueError:
        raise SharedFileError("its first line is not JSON") from None
    if not isinstance(head, dict) or head.get("format") != FORMAT:
        raise SharedFileError("it is not an oncall shared journal")
    if not isinstance(head.get("version"), int) or head["version"] > VERSION:
        raise SharedFileError("it was written by a newer oncall")
    n_inc, n_ev = head.get("incidents"), head.get("events")
    if not isinstance(n_inc, int) or not isinstance(n_ev, int) or n_inc < 0 or n_ev < 0:
        raise SharedFileError("its header has no counts")
    if len(lines) != 1 + n_inc + n_ev:
        raise SharedFileError(f"it holds {len(lines) - 1} entries where its header promises {n_inc + n_ev}")
    body = lines[1:]
    if not all(raw.startswith("{") and raw.endswith("}") for raw in body):
        raise SharedFileError("an entry is not a JSON object on one line")
    try:
        docs = json.loads("[" + ",".join(body) + "]")  # one parse for the whole file: far faster than per line
    except ValueError as exc:
        raise SharedFileError(f"an entry is damaged ({str(exc).split(':')[0]})") from None
    if len(docs) != len(body):
        raise SharedFileError("its entries do not match its lines")
    state = State()
    try:
        for doc in docs[:n_inc]:
            _check_incident(doc)
            state.incidents[doc["id"]] = doc
        for doc, raw in zip(docs[n_inc:], body[n_inc:]):
            _check_event(doc)
            state.events[doc["id"]] = doc
            state.raw[doc["id"]] = raw
    except ValueError as exc:
        raise SharedFileError(f"an entry is damaged ({exc})") from None
    return state


def _check_incident(doc: Any) -> None:
    if not (isinstance(doc, dict) and isinstance(doc.get("id"), str) and isinstance(doc.get("fields"), dict)):
        raise ValueError("incident without id or fields")
    for reg in doc["fields"].values():
        if not (isinstance(reg, dict) and isinstance(reg.get("hlc"), str) and "value" in reg):
            raise ValueError("incident field without a clock stamp")


def _check_event(doc: Any) -> None:
    if not (isinstance(doc, dict) and isinstance(doc.get("id"), str) and isinstance(doc.get("incident_id"), str)
            and isinstance(doc.get("hlc"), str)):
        raise ValueError("event without id, incident or clock stamp")


def render_shared(state: State, writer: str, encoded: Callable[[str], str | None] | None = None) -> bytes:
    """The shared file's bytes; `encoded(event_id)` may supply an event's JSON already at hand."""
    incidents = [state.incidents[k] for k in sorted(state.incidents)]
    events = sorted(state.events.values(), key=event_sort_key)
    head = {"format": FORMAT, "version": VERSION, "written_by": writer, "written_at": clock.iso_utc(),
            "incidents": len(incidents), "events": len(events)}
    parts = [_encode(head)]
    parts.extend(map(_encode, incidents))
    if encoded is None:
        parts.extend(map(_encode, events))
    else:
        parts.extend(encoded(doc["id"]) or _encode(doc) for doc in events)
    parts.append("")
    return "\n".join(parts).encode()


def read_shared(path: Path) -> State:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return State()
    return parse_shared(data)


# ---- one pass ----------------------------------------------------------------------------

def absorb(store: LogStorage, remote: State) -> tuple[int, bool]:
    """Take into the local store what `remote` has and it lacks.

    Returns the number of events taken, and whether `remote` holds a copy of an
    event that lost the merge (a writer bug, but replicas must still converge).
    """
    local_events = store.view("events")
    new: list[tuple[str, dict[str, Any]]] = []
    remote_stale = False
    for eid, doc in remote.events.items():
        mine = local_events.get(eid)
        if mine is None:
            new.append((eid, doc))
        elif mine != doc:
            if merge_event(mine, doc) is doc:
                new.append((eid, doc))
            else:
                remote_stale = True
    store.put("events", new, [remote.raw.get(eid) or _encode(doc) for eid, doc in new])
    if remote.incidents:
        with store.transaction():
            local_incidents = store.view("incidents")
            changed = []
            for iid, doc in remote.incidents.items():
                mine = local_incidents.get(iid)
                merged = merge_incident(mine, doc)
                if merged is not None and incident_newer(merged, mine):
                    changed.append((iid, merged))
            store.put("incidents", changed)
    return len(new), remote_stale


def sync_pass(store: LogStorage, shared: Path, writer: str, *, lock_timeout: float = LOCK_TIMEOUT) -> SyncStatus:
    """Merge the local store and the shared file both ways. Never raises for an expected fault."""
    folder = shared.parent
    saved = "your entries are saved locally"
    if not folder.is_dir():
        return _failed(f"The shared journal folder {folder} is not reachable, so {saved} and will be synced "
                       "when it is back.", store)
    phase = "locked"
    try:
        with FileLock(str(shared) + ".lock", timeout=lock_timeout, thread_local=False):
            phase = "read"
            remote = read_shared(shared)
            for tmp in stale_temps(shared):  # left by a writer killed before its rename; we hold the lock
                with contextlib.suppress(OSError):
                    tmp.unlink()
            pulled, push = absorb(store, remote)
            local = State(store.view("incidents"), store.view("events"))
            push = push or len(local.events) > len(remote.events) or any(
                doc != remote.incidents.get(iid) for iid, doc in local.incidents.items())
            if push:
                phase = "written"
                atomic_write(shared, render_shared(local, writer, lambda eid: store.encoded("events", eid)))
    except SharedFileError as exc:
        return _failed(f"The shared journal {shared} cannot be parsed ({exc}), so it was left untouched, {saved}, "
                       "and sync resumes once the file is repaired or moved away.", store)
    except Timeout:
        return _failed(f"The shared journal {shared} stayed locked by another responder for {lock_timeout:.0f} s, "
                       f"so {saved} and the next sync will retry.", store)
    except PermissionError:
        what = (f"The shared journal folder {folder} does not let you create the lock file beside the journal"
                if phase == "locked" else f"The shared journal {shared} cannot be {phase}")
        return _failed(f"{what} (permission denied), so {saved}; fix the permissions to resume sync.", store)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        return _failed(f"The shared journal {shared} cannot be {phase} ({reason}), so {saved} and will be synced "
                       "when it is reachable.", store)
    except OncallError as exc:  # the local journal itself failed
        return SyncStatus(ok=False, message=str(exc))
    return SyncStatus(ok=True, synced_at=clock.iso_utc(), responders=_authors(local.events),
                      pulled=pulled, pushed=push)


def _authors(events: dict[str, dict[str, Any]]) -> frozenset[str]:
    return frozenset(doc.get("author", "") for doc in events.values()) - {""}


def _failed(message: str, store: LogStorage) -> SyncStatus:
    try:
        authors = _authors(store.view("events"))
    except OncallError:
        authors = frozenset()
    return SyncStatus(ok=False, message=message, responders=authors)

