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

The shared file is untrusted input. The path is opened only when it is a
regular file of at most 64 MiB (`MAX_SHARED_BYTES`), non-blocking and checked
with fstat first, so a FIFO, a device or /dev/zero is refused with a sentence
instead of hanging or eating memory. Every entry is checked against the
journal's schema (tui/journal/schema.py): one that does not conform, a changed
copy of an event, or a clock stamp more than 5 minutes ahead is refused and
set aside (tui/journal/quarantine.py), never merged; the pass goes on with the
rest and reports the refusals in one sentence (`SyncStatus.warning`).
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from tui.atomic import atomic_write, not_a_file, stale_temps
from tui.errors import OncallError
from tui.journal import clock
from tui.journal.merge import Refusal, State, incident_newer, merge_incident
from tui.journal.model import event_sort_key
from tui.journal.schema import Invalid, check_event, check_incident_shape, valid_registers
from tui.journal.store import LogStorage

FORMAT = "oncall-shared-journal"
VERSION = 1
LOCK_TIMEOUT = 10.0
MAX_SHARED_BYTES = 64 << 20  # the shared file is read whole; a bigger one is refused, not read
_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
_decode = json.JSONDecoder().raw_decode


@dataclass(frozen=True)
class SyncStatus:
    ok: bool
    message: str | None = None  # one sentence when not ok
    synced_at: str | None = None  # UTC ISO 8601 of the last successful pass
    responders: frozenset[str] = field(default_factory=frozenset)  # authors seen across the journal
    shared: bool = True  # False when no shared file is configured
    pulled: int = 0  # events taken from the shared file
    pushed: bool = False  # whether the shared file was rewritten
    quarantined: int = 0  # entries of the shared file refused by this pass (set aside, not merged)
    warning: str | None = None  # one sentence about refused entries, even when the pass is ok


class SharedFileError(Exception):
    """The shared file exists but is not a journal we can read; the message is the reason."""


# ---- the shared file format -------------------------------------------------------------

def parse_shared(data: bytes, now_ms: int | None = None) -> State:
    """The journal in a shared file's bytes; SharedFileError when it is not one (never guess).

    A file that parses but holds entries the schema refuses (tui/journal/schema.py)
    is still read: those entries land in `State.refused`, never in its incidents
    or events, and their lines in `State.foreign` so a rewrite carries them on for
    the responders (perhaps on a newer oncall) who can read them.
    """
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
    docs = []
    for n, raw in enumerate(body, 2):
        try:
            doc, end = _decode(raw)  # one value per line, exactly: no line can pass for two or hide in another
        except (ValueError, RecursionError) as exc:
            raise SharedFileError(f"line {n} is damaged ({str(exc).split(':')[0]})") from None
        if end != len(raw):
            raise SharedFileError(f"line {n} holds more than one JSON value")
        docs.append(doc)
    now = clock.wall_ms() if now_ms is None else now_ms
    state = State()
    for doc, raw in zip(docs[:n_inc], body[:n_inc]):
        take_incident(state, doc, raw, now)
    for doc, raw in zip(docs[n_inc:], body[n_inc:]):
        take_event(state, doc, raw, now)
    return state


def take_incident(state: State, doc: Any, raw: str, now: int) -> None:
    """Check one incident entry read from a shared journal and add it to `state`, or to its refusals."""
    try:
        check_incident_shape(doc, len(raw))
    except Invalid as exc:
        state.refused.append(Refusal("incident", str(exc), doc))
        state.foreign.append(("incidents", _id_of(doc), raw))
        return
    clean, bad = valid_registers(doc, now)
    for name, why in bad.items():
        state.refused.append(Refusal("field", why, {"incident": doc["id"], "field": name,
                                                    "register": doc["fields"][name]}))
    if doc["id"] in state.incidents:  # two lines for one incident: both are valid registers, merge them
        clean = merge_incident(state.incidents[doc["id"]], clean) or clean
    state.incidents[doc["id"]] = clean


def take_event(state: State, doc: Any, raw: str, now: int) -> None:
    """Check one event entry read from a shared journal and add it to `state`, or to its refusals."""
    try:
        check_event(doc, now, len(raw))
    except Invalid as exc:
        state.refused.append(Refusal("event", str(exc), doc))
        state.foreign.append(("events", _id_of(doc), raw))
        return
    if doc["id"] in state.events and state.events[doc["id"]] != doc:
        state.refused.append(Refusal("event", "it is a second, different copy of an event", doc))
        return
    state.events[doc["id"]] = doc
    state.raw[doc["id"]] = raw


def render_shared(state: State, writer: str, encoded: Callable[[str], str | None] | None = None,
                  foreign: list[tuple[str, str | None, str]] | None = None) -> bytes:
    """The shared file's bytes; `encoded(event_id)` may supply an event's JSON already at hand.

    `foreign` lines (entries this version refused, as (section, id, line)) follow their section's entries.
    """
    incidents = [state.incidents[k] for k in sorted(state.incidents)]
    events = sorted(state.events.values(), key=event_sort_key)
    foreign_incidents = [raw for section, _, raw in foreign or () if section == "incidents"]
    foreign_events = [raw for section, _, raw in foreign or () if section != "incidents"]
    head = {"format": FORMAT, "version": VERSION, "written_by": writer, "written_at": clock.iso_utc(),
            "incidents": len(incidents) + len(foreign_incidents), "events": len(events) + len(foreign_events)}
    parts = [_encode(head)]
    parts.extend(map(_encode, incidents))
    parts.extend(foreign_incidents)
    if encoded is None:
        parts.extend(map(_encode, events))
    else:
        parts.extend(encoded(doc["id"]) or _encode(doc) for doc in events)
    parts.extend(foreign_events)
    parts.append("")
    return "\n".join(parts).encode()


class NotAFileError(Exception):
    """The shared path is something other than a regular file we may read whole; the message says what."""


def read_shared_bytes(path: Path, cap: int = MAX_SHARED_BYTES) -> bytes | None:
    """The shared file's bytes, None when it does not exist; NotAFileError unless it is a regular file under `cap`.

    Opened non-blocking and checked with fstat before any read, so a FIFO never
    blocks and /dev/zero is never read; the read itself stops at `cap` + 1 bytes.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOCTTY", 0))
    except FileNotFoundError:
        return None
    except IsADirectoryError:
        raise NotAFileError("a folder") from None
    except OSError as exc:
        if exc.errno in (errno.ENXIO, errno.EOPNOTSUPP):  # a socket, or a device without a driver
            raise NotAFileError("not a regular file") from None
        raise
    try:
        st = os.fstat(fd)
        kind = not_a_file(st.st_mode)
        if kind:
            raise NotAFileError(kind)
        if st.st_size > cap:
            raise NotAFileError(f"{st.st_size / (1 << 20):,.0f} MiB, over the {cap >> 20} MiB cap")
        chunks, size = [], 0
        while size <= cap:
            chunk = os.read(fd, min(1 << 20, cap + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > cap:
            raise NotAFileError(f"over the {cap >> 20} MiB cap")
        return b"".join(chunks)
    finally:
        os.close(fd)


def read_shared(path: Path, now_ms: int | None = None) -> State:
    data = read_shared_bytes(path)
    return State() if data is None else parse_shared(data, now_ms)


# ---- one pass ----------------------------------------------------------------------------

def absorb(store: LogStorage, remote: State) -> tuple[int, bool]:
    """Take into the local store what `remote` (already checked by the schema) has and it lacks.

    Returns the number of events taken, and whether `remote` holds a copy of an
    event that differs from ours. Events never change, so a differing copy has
    been tampered with (or written by a buggy writer): ours is kept, the remote
    copy is added to `remote.refused`, and the shared file is rewritten with ours.
    A content-hashed id cannot reach here with changed content (the schema
    refuses it), so this only ever decides for legacy ids. On states where one
    id names one content (every valid pair of journals), absorbing is the join
    of merge.merge: commutative, associative and idempotent.
    """
    local_events = store.view("events")
    new: list[tuple[str, dict[str, Any]]] = []
    remote_stale = False
    for eid, doc in remote.events.items():
        mine = local_events.get(eid)
        if mine is None:
            new.append((eid, doc))
        elif mine != doc:
            remote_stale = True
            remote.refused.append(Refusal("event", "it differs from the copy of the same event already in your "
                                          "journal (events never change)", doc))
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


def sync_pass(store: LogStorage, shared: Path, writer: str, *, lock_timeout: float = LOCK_TIMEOUT,
              now_ms: Callable[[], int] = clock.wall_ms,
              refused: Callable[[list[Refusal]], None] | None = None) -> SyncStatus:
    """Merge the local store and the shared file both ways. Never raises for an expected fault.

    `refused` is handed the entries of the shared file the schema refused (to set them aside).
    """
    folder = shared.parent
    saved = "your entries are saved locally"
    if not folder.is_dir():
        return failed_status(f"The shared journal folder {folder} is not reachable, so {saved} and will be synced "
                       "when it is back.", store)
    phase = "locked"
    try:
        with FileLock(str(shared) + ".lock", timeout=lock_timeout, thread_local=False):
            phase = "read"
            remote = read_shared(shared, now_ms())
            for tmp in stale_temps(shared):  # left by a writer killed before its rename; we hold the lock
                with contextlib.suppress(OSError):
                    tmp.unlink()
            pulled, push = absorb(store, remote)
            if refused is not None and remote.refused:
                refused(remote.refused)
            local = shareable(store.view("incidents"), store.view("events"))
            push = push or len(local.events) > len(remote.events) or any(
                doc != remote.incidents.get(iid) for iid, doc in local.incidents.items())
            if push:
                phase = "written"
                foreign = _carried(remote, local)
                atomic_write(shared, render_shared(local, writer, lambda eid: store.encoded("events", eid), foreign))
    except SharedFileError as exc:
        return failed_status(f"The shared journal {shared} cannot be parsed ({exc}), so it was left untouched, {saved}, "
                       "and sync resumes once the file is repaired or moved away.", store)
    except NotAFileError as exc:
        return failed_status(f"The shared journal {shared} is {exc}, not a journal file, so it was left untouched and "
                       f"{saved}; point --shared or ONCALL_SHARED_JOURNAL at a regular file.", store)
    except Timeout:
        return failed_status(f"The shared journal {shared} stayed locked by another responder for {lock_timeout:.0f} s, "
                       f"so {saved} and the next sync will retry.", store)
    except PermissionError:
        what = (f"The shared journal folder {folder} does not let you create the lock file beside the journal"
                if phase == "locked" else f"The shared journal {shared} cannot be {phase}")
        return failed_status(f"{what} (permission denied), so {saved}; fix the permissions to resume sync.", store)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        return failed_status(f"The shared journal {shared} cannot be {phase} ({reason}), so {saved} and will be synced "
                       "when it is reachable.", store)
    except OncallError as exc:  # the local journal itself failed
        return SyncStatus(ok=False, message=str(exc))
    return SyncStatus(ok=True, synced_at=clock.iso_utc(), responders=authors_of(local.events),
                      pulled=pulled, pushed=push, quarantined=len(remote.refused))


def shareable(incidents: dict[str, dict[str, Any]], events: dict[str, dict[str, Any]]) -> State:
    """What the shared file may hold: every incident but those kept local (a drill's, unless it was started
    with a shared journal on purpose), and their events."""
    private = {iid for iid, doc in incidents.items()
               if ((doc.get("fields") or {}).get("local") or {}).get("value") is True}
    if not private:
        return State(incidents, events)
    return State({iid: doc for iid, doc in incidents.items() if iid not in private},
                 {eid: doc for eid, doc in events.items() if doc.get("incident_id") not in private})


def _carried(remote: State, local: State) -> list[tuple[str, str | None, str]]:
    """The refused lines to keep in the shared file: those that name no entry we hold (a newer oncall may read them)."""
    return [f for f in remote.foreign if f[1] is None or (f[1] not in local.events and f[1] not in local.incidents)]


def _id_of(doc: Any) -> str | None:
    eid = doc.get("id") if isinstance(doc, dict) else None
    return eid if isinstance(eid, str) else None


def authors_of(events: dict[str, dict[str, Any]]) -> frozenset[str]:
    return frozenset(doc.get("author", "") for doc in events.values()) - {""}


def failed_status(message: str, store: LogStorage) -> SyncStatus:
    try:
        authors = authors_of(store.view("events"))
    except OncallError:
        authors = frozenset()
    return SyncStatus(ok=False, message=message, responders=authors)

