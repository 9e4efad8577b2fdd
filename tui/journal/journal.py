"""The journal facade: what the app, the launcher, the drills and the CLI call.

Every write is durable locally (fsync) before it returns, then the shared file is
synced: in a background thread by default (a slow share never stalls the screen),
inline for the command line (so it can warn before exiting), or not at all.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from itertools import islice
from pathlib import Path
from secrets import token_hex
from typing import TYPE_CHECKING, Any, Literal

from tui.config import is_git_remote, settings_secrets
from tui.errors import OncallError
from tui.journal.clock import HybridClock, is_stamp, iso_utc, wall_ms
from tui.journal.clock import wall_ms as clock_wall_ms  # unpatched by the scenes that patch wall_ms here
from tui.journal.merge import Refusal
from tui.journal.model import (
    CATEGORIES,
    FIELDS,
    KINDS,
    LEAD,
    ROLE_PREFIX,
    SEVERITIES,
    SEVERITY_LABELS,
    STATUSES,
    TIME_FIELDS,
    ActionItem,
    Event,
    Incident,
    check_due,
    check_time,
    event_sort_key,
    new_event_id,
    new_incident_id,
    register,
)
from tui.journal.quarantine import Quarantine
from tui.journal.schema import Invalid, check_event, check_incident_shape, content_id, valid_registers
from tui.journal.store import LogDB, LogStorage
from tui.journal.sync import SyncStatus, sync_pass

if TYPE_CHECKING:  # imported when the journal is shared through git: a local journal opens without it
    from tui.journal.gitsync import GitRemote

SyncMode = Literal["background", "inline", "off"]
_TEXT_FIELDS = ("title", "impact", "root_cause", "trigger", "alert", "decision_reason", "missed_signals",
                "what_worked", "summary", "created_by", "eta", "reached_users", "five_whys", "environment",
                "alert_fingerprint", "duplicate_of")


def _stamp_of(table: str, doc: dict[str, Any]) -> str | None:
    # Read before the entries are checked, so anything but a stamp is ignored here.
    if table == "events":
        stamp = doc.get("hlc")
        return stamp if is_stamp(stamp) else None
    regs = doc.get("fields")
    if isinstance(regs, dict):
        return max((r["hlc"] for r in regs.values() if isinstance(r, dict) and is_stamp(r.get("hlc"))), default=None)
    return None


class Journal:
    """The journal of one responder. `clock` (a HybridClock) or `now_ms` (a wall clock in milliseconds)
    may be handed in, so tests, drills and screenshots control time without patching this module."""

    def __init__(self, path: str | Path, shared: str | Path | None = None, user: str = "responder", *,
                 sync_on_write: SyncMode = "background", secrets: Iterable[str | None] = (),
                 lock_timeout: float = 10.0, clock: HybridClock | None = None,
                 now_ms: Callable[[], int] | None = None) -> None:
        self.path = Path(path)
        # A git remote (git+file://, git+ssh://, git+https://) or the path of one shared file.
        self._git: GitRemote | None = None
        if isinstance(shared, str) and is_git_remote(shared):
            from tui.journal.gitsync import GitRemote

            self._git = GitRemote.for_journal(shared, self.path)
        self.shared: Path | str | None = (shared if self._git is not None else Path(shared)) if shared else None
        self.user = user
        self._mode: SyncMode = sync_on_write
        self._secrets = tuple(s for s in secrets if s)
        self._lock_timeout = lock_timeout
        self._db = LogDB(str(self.path), storage=LogStorage, stamp_of=_stamp_of)
        self._storage: LogStorage = self._db.storage  # type: ignore[assignment]
        # The clock orders writes (and is the "now" that refuses stamps from the future); event and
        # incident times come from `now_ms`, else the clock handed in, else this module's wall_ms
        # (looked up at each call: the screenshot scenes still patch it).
        self._clock = clock or HybridClock(now_ms or clock_wall_ms)
        self._time_ms: Callable[[], int] = now_ms or (clock.wall if clock else (lambda: wall_ms()))
        self._quarantine = Quarantine(self.path)
        self._heal()
        self._clock.observe(self._storage.max_stamp)
        self._sync_mutex = threading.Lock()
        self._last_sync: SyncStatus | None = None
        self._timelines: dict[str, _Timeline] = {}  # incident -> its events, built on change only
        self._syncer: _Syncer | None = None
        self._closed = False

    # ---- plumbing ------------------------------------------------------------------------

    @property
    def shared_shown(self) -> str | None:
        """Where the journal is shared, fit for a message (a remote's password is hidden)."""
        if self._git is not None:
            return self._git.shown
        return str(self.shared) if self.shared is not None else None

    @property
    def is_git(self) -> bool:
        return self._git is not None

    @property
    def storage(self) -> LogStorage:
        return self._storage

    @property
    def db(self) -> LogDB:
        """The TinyDB database (tables "incidents" and "events"), for tools that want to query it."""
        return self._db

    def _wall_ms(self) -> int:
        """This machine's time as the clock sees it: what a stamp from the future is measured against."""
        return self._clock.wall()

    def _now_iso(self) -> str:
        return iso_utc(self._time_ms())

    def _heal(self) -> None:
        """Set aside entries of the local journal that the schema refuses (e.g. copied from a bad shared
        file by an older oncall), so one bad entry cannot break every read."""
        now = self._wall_ms()
        bad_events = []
        for key, doc in self._storage.view("events").items():
            try:
                check_event(doc, now, verify_id=False)  # local entries were checked when they came in
            except Invalid as exc:
                self._quarantine.add("local", "event", str(exc), doc)
                bad_events.append(key)
        bad_incidents, cleaned = [], []
        for key, doc in self._storage.view("incidents").items():
            try:
                check_incident_shape(doc)
            except Invalid as exc:
                self._quarantine.add("local", "incident", str(exc), doc)
                bad_incidents.append(key)
                continue
            clean, refused = valid_registers(doc, now)
            for name, why in refused.items():
                self._quarantine.add("local", "field", why, {"incident": doc["id"], "field": name,
                                                              "register": doc["fields"][name]})
            if refused:
                cleaned.append((key, clean))
        if bad_events or bad_incidents or cleaned:
            self._storage.delete("events", bad_events)
            self._storage.delete("incidents", bad_incidents)
            self._storage.put("incidents", cleaned)
            self._storage.rescan_stamps()

    def _refused(self, refusals: list[Refusal]) -> None:
        for r in refusals:
            self._quarantine.add("shared", r.kind, r.reason, r.entry)

    @property
    def notice(self) -> str | None:
        """One sentence about the entries set aside since this journal was opened (None when there are none)."""
        return self._quarantine.notice()

    def _stamp(self) -> str:
        self._clock.observe(self._storage.max_stamp)
        return self._clock.now()

    def _clean(self, text: str) -> str:
        from tui.journal.redact import redact  # at the first write: opening and reading the journal need none

        return redact(text, self._secrets)

    def _clean_data(self, data: Any) -> Any:
        from tui.journal.redact import redact_data

        return redact_data(data, self._secrets)

    def _after_write(self) -> None:
        if self.shared is None or self._mode == "off":
            return
        if self._mode == "inline":
            self.sync()
            return
        if self._syncer is None:
            self._syncer = _Syncer(self._background_sync)
        self._syncer.request()

    # ---- reading -------------------------------------------------------------------------

    def resolve_id(self, ref: str) -> str:
        """The full id of the incident that `ref` names: the id, a unique prefix, or its random suffix."""
        ref = ref.strip()
        if not ref:
            raise OncallError("No incident id given; `oncall journal list` shows them.")
        for attempt in (0, 1):
            ids = self._storage.view("incidents")
            if ref in ids:
                return ref
            matches = sorted(i for i in ids if i.startswith(ref) or i.rsplit("-", 1)[-1].startswith(ref))
            if len(matches) == 1:
                return matches[0]
            if len(matches) > 1:
                shown = ", ".join(matches[:3]) + (", ..." if len(matches) > 3 else "")
                raise OncallError(f"{ref} matches {len(matches)} incidents ({shown}); type more of the id.")
            if attempt == 0 and self.shared is not None:
                self.sync()  # another responder may have opened it: look in the shared journal once
            else:
                break
        raise OncallError(f"No incident {ref} in the journal; `oncall journal list` shows them.")

    def incident(self, incident_id: str) -> Incident:
        iid = self.resolve_id(incident_id)
        return Incident.from_doc(self._storage.view("incidents")[iid])

    def incidents(self) -> list[Incident]:
        """Every incident, the most recently detected first."""
        found = [Incident.from_doc(doc) for doc in self._storage.view("incidents").values()]
        return sorted(found, key=lambda i: (i.detected_at or i.created_at or "", i.id), reverse=True)

    def open_incidents(self, drill: bool | None = None) -> list[Incident]:
        """Incidents not yet resolved; `drill` keeps only drills (True) or only real ones (False)."""
        return [i for i in self.incidents() if i.is_open and (drill is None or i.drill == drill)]

    def events(self, incident_id: str) -> list[Event]:
        """The incident's events in clock order (then author, then id): the timeline."""
        iid = self.resolve_id(incident_id)
        storage = self._storage
        generation = storage.refresh()
        cached = self._timelines.get(iid)
        if cached is not None and cached.generation == generation:
            return list(cached.events)
        view = storage.view("events")
        if cached is not None and cached.epoch == storage.epoch and len(view) >= cached.seen:
            # Only grown since: take in the tail (a sync of one note must not rebuild 100,000 events).
            tail = [d for d in islice(view.values(), cached.seen, None) if d.get("incident_id") == iid]
            tail.sort(key=event_sort_key)
            fresh = [Event.from_doc(d) for d in tail]
            events = cached.events
            if fresh and events and fresh[0].sort_key() < events[-1].sort_key():
                events = sorted([*events, *fresh], key=Event.sort_key)  # a teammate's older entries: merge in
            else:
                events = events + fresh
        else:
            docs = [d for d in view.values() if d.get("incident_id") == iid]
            docs.sort(key=event_sort_key)
            events = [Event.from_doc(d) for d in docs]
        self._timelines[iid] = _Timeline(generation, storage.epoch, len(view), events)
        return list(events)

    def responders(self, incident_id: str) -> set[str]:
        """Everyone who wrote to this incident."""
        iid = self.resolve_id(incident_id)
        events = self._storage.view("events").values()
        return {d.get("author", "") for d in events if d.get("incident_id") == iid} - {""}

    def action_items(self, incident_id: str) -> list[ActionItem]:
        """Action items in the order they were added, each with its latest done/owner/due."""
        items: dict[str, ActionItem] = {}
        for ev in self.events(incident_id):
            if ev.kind != "action-item" or not isinstance(ev.data.get("item"), str):
                continue
            key = ev.data["item"]
            old = items.get(key)
            if old is None:
                if "text" not in ev.data:
                    continue  # an update whose item we never saw
                items[key] = ActionItem(id=key, text=str(ev.data["text"]), owner=ev.data.get("owner"),
                                        due=ev.data.get("due"), done=bool(ev.data.get("done", False)),
                                        author=ev.author)
            else:
                items[key] = replace(old, **{k: ev.data[k] for k in ("text", "owner", "due", "done", "link")
                                             if k in ev.data})
        return list(items.values())

    # ---- writing -------------------------------------------------------------------------

    def new_incident(self, title: str, severity: str = "high", category: str | None = None,
                     runbook: str | None = None, params: dict[str, str] | None = None, drill: bool = False, *,
                     alert: str | None = None, alert_started_at: str | None = None,
                     detected_at: str | None = None, local: bool = False,
                     extra: dict[str, Any] | None = None) -> Incident:
        """Start an incident: status investigating, the user as incident lead, detected now unless given.

        `local`: never written to the shared journal (a drill's, unless asked). `extra`: more fields, set in
        the same first write (so a sync never sees the incident without them)."""
        title = self._clean(title.strip())
        if not title:
            raise OncallError("An incident needs a title; give one with --title.")
        _check_choice("severity", severity, SEVERITIES)
        if category is not None:
            _check_choice("category", category, CATEGORIES)
        existing = self._storage.view("incidents")
        iid = new_incident_id()
        while iid in existing:
            iid = new_incident_id()
        hlc = self._stamp()
        now = self._now_iso()
        values: dict[str, Any] = {
            "title": title, "severity": severity, "category": category, "status": "investigating",
            ROLE_PREFIX + LEAD: self.user, "runbooks": [runbook] if runbook else [],
            "params": self._clean_data({str(k): str(v) for k, v in (params or {}).items()}),
            "drill": bool(drill), "detected_at": check_time("detected_at", detected_at) or now,
            "created_at": now, "created_by": self.user,
            "alert": self._clean(alert) if alert else None,
            "alert_started_at": check_time("alert_started_at", alert_started_at),
            **({"local": True} if local else {}),
            **self._normalise({k: v for k, v in (extra or {}).items() if v is not None}),
        }
        doc = {"id": iid, "fields": {k: register(v, hlc, self.user) for k, v in values.items()}}
        self._storage.put("incidents", [(iid, doc)])
        label = SEVERITY_LABELS[severity]
        self._append(iid, "status", f"Incident opened: {label} {title}; {self.user} is {LEAD}.",
                     {"status": "investigating", "severity": severity, "drill": bool(drill)})
        self._after_write()
        return Incident.from_doc(doc)

    def add_event(self, incident_id: str, kind: str, text: str, data: dict[str, Any] | None = None) -> Event:
        """Append an event; it is on disk (fsync) when this returns. Secrets in text and data are redacted first."""
        if kind not in KINDS:
            raise ValueError(f"unknown event kind {kind!r}; expected one of {', '.join(KINDS)}")
        iid = self.resolve_id(incident_id)
        event = self._append(iid, kind, text, data)
        self._after_write()
        return event

    def note(self, incident_id: str, text: str) -> Event:
        return self.add_event(incident_id, "note", text)

    def _append(self, iid: str, kind: str, text: str, data: dict[str, Any] | None) -> Event:
        ms = self._time_ms()
        doc: dict[str, Any] = {"incident_id": iid, "time": iso_utc(ms), "hlc": self._stamp(), "author": self.user,
                               "kind": kind, "text": self._clean(str(text)),
                               "data": self._clean_data(data) if data else {},
                               "nonce": token_hex(8)}  # the same note twice is two events
        doc = {"id": content_id(doc), **doc}  # the id commits to the content (tui/journal/schema.py)
        self._storage.put("events", [(doc["id"], doc)])
        return Event.from_doc(doc)

    def set_fields(self, incident_id: str, **fields: Any) -> Incident:
        """Set incident fields (last writer wins, by clock); records a status or role event where those change.

        `roles` is a dict role -> name (None clears a role); each role is its own register, so two
        responders assigning different roles at once both keep theirs. Setting status "contained" or
        "resolved" also stamps contained_at / resolved_at unless they are already set or given.
        """
        unknown = set(fields) - set(FIELDS) - {"roles"}
        if unknown:
            raise ValueError(f"unknown incident field(s) {', '.join(sorted(unknown))}")
        values = self._normalise(fields)
        iid = self.resolve_id(incident_id)
        with self._storage.transaction():
            doc = self._storage.view("incidents")[iid]
            before = Incident.from_doc(doc)
            regs = doc.get("fields", {})
            now = self._now_iso()
            if values.get("status") == "contained" and not before.contained_at:
                values.setdefault("contained_at", now)
            if values.get("status") == "resolved" and not before.resolved_at:
                values.setdefault("resolved_at", now)
            changed = {k: v for k, v in values.items() if (regs.get(k) or {}).get("value") != v}
            if not changed:
                return before
            hlc = self._stamp()
            merged = {"id": iid, "fields": {**regs, **{k: register(v, hlc, self.user) for k, v in changed.items()}}}
            self._storage.put("incidents", [(iid, merged)])
        after = Incident.from_doc(merged)
        if "status" in changed:
            self._append(iid, "status", f"Status: {before.status} → {after.status}.",
                         {"field": "status", "from": before.status, "to": after.status})
        if "severity" in changed:
            self._append(iid, "status", f"Severity: {before.severity_label} ({before.severity}) → "
                         f"{after.severity_label} ({after.severity}).",
                         {"field": "severity", "from": before.severity, "to": after.severity})
        for key in sorted(k for k in changed if k.startswith(ROLE_PREFIX)):
            role, name = key[len(ROLE_PREFIX):], changed[key]
            text = f"{name} is {role}." if name else f"{role} is unassigned."
            self._append(iid, "role", text, {"role": role, "name": name})
        self._after_write()
        return after

    def _normalise(self, fields: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, value in fields.items():
            if name == "roles":
                for role, person in (value or {}).items():
                    out[ROLE_PREFIX + str(role)] = self._clean(str(person)) if person else None
            elif name == "status":
                out[name] = _check_choice("status", value, STATUSES)
            elif name == "severity":
                out[name] = _check_choice("severity", value, SEVERITIES)
            elif name == "category":
                out[name] = None if value is None else _check_choice("category", value, CATEGORIES)
            elif name == "decision":
                out[name] = None if value is None else self._clean(str(value))
            elif name in TIME_FIELDS:
                out[name] = check_time(name, value)
            elif name == "runbooks":
                out[name] = [str(r) for r in value or ()]
            elif name == "params":
                out[name] = self._clean_data({str(k): str(v) for k, v in (value or {}).items()})
            elif name in ("drill", "local"):
                out[name] = bool(value)
            elif name in _TEXT_FIELDS:
                out[name] = None if value is None else self._clean(str(value))
            else:
                out[name] = self._clean_data(value)
        return out

    def add_runbook(self, incident_id: str, runbook: str) -> Incident:
        """Record that the incident now also follows `runbook` (e.g. after a jump)."""
        current = self.incident(incident_id)
        if runbook in current.runbooks:
            return current
        return self.set_fields(current.id, runbooks=[*current.runbooks, runbook])

    def add_action_item(self, incident_id: str, text: str, owner: str | None = None,
                        due: str | None = None) -> ActionItem:
        """A corrective action with an owner and a due date (YYYY-MM-DD)."""
        text = self._clean(text.strip())
        if not text:
            raise OncallError("An action item needs a text saying what to do.")
        due = check_due(due)
        owner = self._clean(owner.strip()) if owner and owner.strip() else None
        item = new_event_id(self._time_ms())[-12:]
        detail = ", ".join(p for p in (f"owner {owner}" if owner else "", f"due {due}" if due else "") if p)
        ev = self.add_event(incident_id, "action-item", f"Action item: {text}" + (f" ({detail})." if detail else "."),
                            {"item": item, "text": text, "owner": owner, "due": due, "done": False})
        return ActionItem(id=item, text=text, owner=owner, due=due, done=False, author=ev.author)

    def complete_action_item(self, incident_id: str, item_id: str, done: bool = True) -> ActionItem:
        items = {i.id: i for i in self.action_items(incident_id)}
        if item_id not in items:
            raise OncallError(f"No action item {item_id} in incident {incident_id}; `oncall journal show` lists them.")
        word = "Done" if done else "Reopened"
        self.add_event(incident_id, "action-item", f"{word}: {items[item_id].text}.", {"item": item_id, "done": done})
        return replace(items[item_id], done=done)

    # ---- sync ----------------------------------------------------------------------------

    def sync(self) -> SyncStatus:
        """One pass with the shared file (see tui.journal.sync); never raises for an unreachable or bad file."""
        if self.shared is None:
            authors = frozenset(d.get("author", "") for d in self._storage.view("events").values()) - {""}
            status = SyncStatus(ok=True, shared=False, responders=authors)
        else:
            with self._sync_mutex:
                if self._git is not None:
                    from tui.journal.gitsync import git_pass

                    status = git_pass(self._storage, self._git, self.user, lock_timeout=self._lock_timeout,
                                      now_ms=self._wall_ms, refused=self._refused)
                else:
                    assert isinstance(self.shared, Path)
                    status = sync_pass(self._storage, self.shared, self.user, lock_timeout=self._lock_timeout,
                                       now_ms=self._wall_ms, refused=self._refused)
                if status.ok:
                    self._clock.observe(self._storage.max_stamp)
                elif self._last_sync is not None:
                    status = replace(status, synced_at=self._last_sync.synced_at)
        status = replace(status, warning=self.notice)
        self._last_sync = status
        return status

    def _background_sync(self) -> None:
        try:
            self.sync()
        except Exception as exc:  # a bug must not kill the sync thread; say it on screen instead
            self._last_sync = SyncStatus(ok=False, message=f"Sync failed unexpectedly ({type(exc).__name__}); "
                                         "your entries are saved locally and the next write retries.")

    @property
    def last_sync(self) -> SyncStatus | None:
        """The outcome of the latest sync pass (None before the first)."""
        return self._last_sync

    def wait_synced(self, timeout: float = 10.0) -> bool:
        """Wait until background syncs requested so far are done; True when they are."""
        return self._syncer.wait(timeout) if self._syncer is not None else True

    def close(self, timeout: float = 10.0) -> None:
        """Finish a pending background sync (up to `timeout` seconds), then close the local journal."""
        if self._closed:
            return
        self._closed = True
        if self._syncer is not None:
            self._syncer.stop(timeout)
        self._db.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass(frozen=True)
class _Timeline:
    """One incident's events in order, as of a store generation; `seen` events of the store were looked at."""

    generation: int
    epoch: int
    seen: int
    events: list[Event]


def _check_choice(name: str, value: Any, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise OncallError(f"Unknown {name} {value!r}; use one of {', '.join(allowed)}.")
    return str(value)


class _Syncer:
    """One background thread that coalesces sync requests: many writes, one pass."""

    def __init__(self, run: Callable[[], object]) -> None:
        self._run = run
        self._cv = threading.Condition()
        self._requested = 0
        self._done = 0
        self._stopping = False
        self._thread = threading.Thread(target=self._loop, name="oncall-journal-sync", daemon=True)
        self._thread.start()

    def request(self) -> None:
        with self._cv:
            self._requested += 1
            self._cv.notify_all()

    def _loop(self) -> None:
        while True:
            with self._cv:
                self._cv.wait_for(lambda: self._requested > self._done or self._stopping)
                if self._requested == self._done:
                    return
                target = self._requested
            self._run()
            with self._cv:
                self._done = target
                self._cv.notify_all()

    def wait(self, timeout: float) -> bool:
        with self._cv:
            return self._cv.wait_for(lambda: self._done >= self._requested, timeout)

    def stop(self, timeout: float) -> None:
        self.wait(timeout)
        with self._cv:
            self._stopping = True
            self._cv.notify_all()
        self._thread.join(timeout)


def open_journal(settings: Any, *, sync_on_write: SyncMode = "background") -> Journal:
    """The journal the settings name (journal_path, shared_journal, user); the Prometheus secrets are redacted."""
    return Journal(settings.journal_path, settings.shared_journal, settings.user, sync_on_write=sync_on_write,
                   secrets=settings_secrets(settings))
