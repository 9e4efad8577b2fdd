"""Updates delivered through Apprise, each attempt journaled; a failed one is queued until it goes.

An update is one `comms` event (its text, audience and the targets as written); each delivery attempt is
a `send` event saying which targets took it. The queue is derived from those events alone (a `comms`
event asked to be sent whose targets have not all taken it), so it survives a restart, travels with the
shared journal, and the text is never lost: it stays in the `comms` event. Every `oncall journal sync` and
the app retry the queue (`retry_queued`).

Delivery is at least once, never twice on purpose: the processes of one journal (an app and a CLI sync, two
apps) take a lock file beside it to deliver, and a retry that finds it taken waits for the next round, when
the `send` event of whoever held it is there to read. Each responder retries only the updates they wrote:
a teammate's queued update is theirs (their targets, their secrets), so two responders never race to send
it. (One responder on two machines still could: the lock is per local journal.)

Apprise blocks (it posts with requests, within its own connect and read timeouts): call these off the UI thread.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from filelock import FileLock, Timeout

from tui.errors import OncallError
from tui.integrations.targets import Target, check_written, notify_url, resolve, target_secrets
from tui.journal import Event, Journal

# Apprise's log capture is global to its logger, and two retries of one queue must not both deliver.
_DELIVERY = threading.Lock()
_RETRY = threading.Lock()
SEND_WAIT_S = 90.0  # a new update waits this long for another process's delivery (Apprise's own timeouts)


@contextlib.contextmanager
def _sending(journal: Journal, wait: float) -> Iterator[bool]:
    """Hold the journal's delivery lock (across processes); yields False when another process held it for
    `wait` seconds (0: do not wait)."""
    lock = FileLock(f"{journal.path}.send.lock", timeout=wait, thread_local=False)
    try:
        lock.acquire()
    except Timeout:
        yield False
        return
    except OSError:  # a read-only folder: deliver without the lock rather than not at all
        yield True
        return
    try:
        yield True
    finally:
        lock.release()


@dataclass(frozen=True)
class SendResult:
    comms_id: str
    audience: str
    results: Mapping[str, bool]  # target as written -> took it
    reasons: Mapping[str, str] = field(default_factory=dict)  # target as written -> why not (redacted)

    @property
    def sent(self) -> bool:
        return bool(self.results) and all(self.results.values())

    def sentence(self) -> str:
        took = [t for t, ok in self.results.items() if ok]
        failed = [t for t, ok in self.results.items() if not ok]
        if not failed:
            return f"Update to {self.audience} sent to {', '.join(took)}."
        why = "; ".join(f"{t}: {self.reasons.get(t, 'it did not take it')}" for t in failed)
        done = f" (sent to {', '.join(took)})" if took else ""
        return (f"Update to {self.audience} queued{done}: {why}. It is retried on every `oncall journal sync` "
                "and by the app; the text is kept in the journal.")


def audience_targets(settings: Any, audience: str) -> tuple[str, ...]:
    """The targets the config's `notify:` names for this audience, each checked for inline secrets."""
    notify: Mapping[str, tuple[str, ...]] = getattr(settings, "notify", {}) or {}
    written = tuple(notify.get(audience, ()))
    for t in written:
        check_written(t, f"notify: {audience}")
    return written


def give_update(journal: Journal, incident_id: str, audience: str, text: str, *, targets: Iterable[str] = (),
                env: dict[str, str] | None = None) -> tuple[Event, SendResult | None]:
    """Journal the update (a `comms` event) and, when it has targets, deliver it; returns both."""
    text = text.strip()
    if not text:
        raise OncallError("The update is empty; write what the audience needs to know, then send it.")
    written = list(dict.fromkeys(targets))
    data: dict[str, Any] = {"audience": audience, "channel": audience, "send": bool(written), "targets": written}
    if not written:
        return journal.add_event(incident_id, "comms", text, data), None
    with _sending(journal, SEND_WAIT_S) as mine:  # journaled and delivered before any retry can see it queued
        event = journal.add_event(incident_id, "comms", text, data)
        busy = None if mine else "another oncall process kept delivering updates"  # queued: the next retry sends it
        return event, attempt(journal, event, written, env=env, busy=busy)


def attempt(journal: Journal, event: Event, written: list[str], *, env: dict[str, str] | None = None,
            busy: str | None = None) -> SendResult:
    """One delivery of `event` to the targets not yet reached; the attempt is journaled as a `send` event.
    `busy`: why nothing could be tried now (every target then waits in the queue)."""
    audience = str(event.data.get("audience") or "internal")
    if busy is not None:
        results, reasons = dict.fromkeys(written, False), dict.fromkeys(written, busy)
    else:
        results, reasons = deliver(journal, event, written, env=env)
    result = SendResult(event.id, audience, results, reasons)
    journal.add_event(event.incident_id, "send", result.sentence(),
                      {"comms": event.id, "audience": audience, "results": dict(results),
                       "result": "sent" if result.sent else "queued"})
    return result


def deliver(journal: Journal, event: Event, written: list[str], *,
            env: dict[str, str] | None = None) -> tuple[dict[str, bool], dict[str, str]]:
    results: dict[str, bool] = {}
    reasons: dict[str, str] = {}
    resolved: list[Target] = []
    for w in written:
        try:
            check_written(w, "target")
            resolved.append(resolve(w, env))
        except OncallError as exc:
            results[w], reasons[w] = False, str(exc).rstrip(".")
    secrets = target_secrets(resolved)
    incident = journal.incident(event.incident_id)
    title = f"{incident.severity_label} {incident.title} ({event.data.get('audience', 'update')})"
    with _DELIVERY:
        for target in resolved:
            results[target.written], why = notify_url(target.url, event.text, title, secrets)
            if why:
                reasons[target.written] = why
    return results, reasons


def pending(events: Iterable[Event]) -> list[tuple[Event, list[str]]]:
    """Updates of one incident still to deliver: (its comms event, the targets not yet reached)."""
    events = list(events)
    reached: dict[str, set[str]] = {}
    for ev in events:
        if ev.kind == "send" and isinstance(ev.data.get("comms"), str) and isinstance(ev.data.get("results"), dict):
            reached.setdefault(ev.data["comms"], set()).update(t for t, ok in ev.data["results"].items() if ok is True)
    out = []
    for ev in events:
        if ev.kind != "comms" or ev.data.get("send") is not True or not isinstance(ev.data.get("targets"), list):
            continue
        left = [str(t) for t in ev.data["targets"] if str(t) not in reached.get(ev.id, set())]
        if left:
            out.append((ev, left))
    return out


def queued(journal: Journal, incident_id: str | None = None, *,
           mine: bool = False) -> list[tuple[Event, list[str]]]:
    """The updates still to deliver (`mine`: only those this journal's user wrote)."""
    ids = [incident_id] if incident_id else [i.id for i in journal.incidents()]
    return [(ev, left) for iid in ids for ev, left in pending(journal.events(iid))
            if not mine or ev.author == journal.user]


def retry_queued(journal: Journal, incident_id: str | None = None, *,
                 env: dict[str, str] | None = None) -> list[SendResult]:
    """Deliver this user's queued updates again (all incidents unless one is named); each attempt is
    journaled. Nothing is tried while another process delivers (its results are read next round)."""
    with _RETRY, _sending(journal, 0) as free:
        if not free:
            return []
        return [attempt(journal, event, left, env=env) for event, left in queued(journal, incident_id, mine=True)]


def delivered(events: Iterable[Event]) -> list[tuple[str, str]]:
    """(audience, time) of every update that actually went: one given by hand (copied, marked as sent)
    at its time, one sent through Apprise once a target took it, at that time. Queued ones are not."""
    events = list(events)
    first_ok: dict[str, str] = {}
    for ev in events:
        results = ev.data.get("results") if ev.kind == "send" else None
        if isinstance(results, dict) and any(v is True for v in results.values()):
            first_ok.setdefault(str(ev.data.get("comms")), ev.time)
    out = []
    for ev in events:
        if ev.kind != "comms":
            continue
        audience = str(ev.data.get("audience") or ev.data.get("channel") or "internal")
        if ev.data.get("send") is True:
            if ev.id in first_ok:
                out.append((audience, first_ok[ev.id]))
        else:
            out.append((audience, ev.time))
    return out
