"""Alertmanager silences an incident creates, and their end when it is resolved.

A silence matches the handled alert's exact labels (equality matchers, no regex) for a chosen time; its
comment names the incident and the responder, so whoever sees it in Alertmanager knows who to ask. Each
silence is a `silence` event; resolving the incident expires the ones it created and still has.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from tui.errors import OncallError
from tui.journal import Event, Journal
from tui.times import parse_duration, parse_time

MAX_SILENCE = 7 * 24 * 3600.0  # a week: longer than that is not a silence for one incident


@dataclass(frozen=True)
class IncidentSilence:
    id: str
    labels: Mapping[str, str]
    ends_at: str

    @property
    def alertname(self) -> str:
        return self.labels.get("alertname", "?")


def duration_seconds(text: str) -> float:
    seconds = parse_duration(text)
    if seconds is None:
        raise OncallError(f"{text!r} is not a duration; write one such as 30m, 2h or 1h30m.")
    if seconds > MAX_SILENCE:
        raise OncallError(f"{text} is longer than a week; silence for less and extend it if the incident lasts.")
    return seconds


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def comment_for(incident_id: str, title: str, user: str) -> str:
    return f"oncall incident {incident_id} ({title}): silenced by {user} while it is handled."


def create(journal: Journal, incident_id: str, settings: Any, labels: Mapping[str, str], seconds: float, *,
           user: str, now: datetime | None = None) -> IncidentSilence:
    """Silence the alert with these exact labels for `seconds`; journaled. Raises OncallError with a sentence."""
    from tui.metrics.alerts import AlertmanagerClient

    if not labels.get("alertname"):
        raise OncallError("The alert has no alertname label, so there is nothing exact to silence.")
    incident = journal.incident(incident_id)
    start = now or datetime.now(UTC)
    ends = _iso(start + timedelta(seconds=seconds))

    async def go() -> str:
        async with AlertmanagerClient.from_settings(settings) as client:
            return await client.create_silence(labels, _iso(start), ends, created_by=user,
                                               comment=comment_for(incident.id, incident.title, user))

    sid = asyncio.run(go())
    journal.add_event(incident.id, "silence",
                      f"Silenced {labels['alertname']} until {ends[11:16]} UTC (silence {sid}).",
                      {"action": "created", "silence": sid, "labels": dict(labels), "ends_at": ends,
                       "alertmanager": getattr(settings, "alertmanager_url", None)})
    return IncidentSilence(sid, dict(labels), ends)


def active(events: Iterable[Event], now: datetime | None = None) -> list[IncidentSilence]:
    """The silences this incident created that it has not expired and that have not run out."""
    now = now or datetime.now(UTC)
    created: dict[str, IncidentSilence] = {}
    gone: set[str] = set()
    for e in events:
        if e.kind != "silence" or not isinstance(e.data.get("silence"), str):
            continue
        sid = e.data["silence"]
        if e.data.get("action") == "created" and isinstance(e.data.get("labels"), dict):
            created[sid] = IncidentSilence(sid, {str(k): str(v) for k, v in e.data["labels"].items()},
                                           str(e.data.get("ends_at") or ""))
        elif e.data.get("action") == "expired":
            gone.add(sid)
    return [s for sid, s in created.items() if sid not in gone and (parse_time(s.ends_at) or now) > now]


def expire_all(journal: Journal, incident_id: str, settings: Any) -> list[str]:
    """Expire every silence the incident still has; each is journaled (a failure as one sentence)."""
    from tui.metrics.alerts import AlertmanagerClient

    silences = active(journal.events(incident_id))
    if not silences:
        return []
    if not getattr(settings, "alertmanager_url", None):
        journal.add_event(incident_id, "silence", f"{len(silences)} silence(s) could not be expired: no "
                          "Alertmanager URL is set; expire them in Alertmanager.", {"action": "failed"})
        return []

    async def go() -> list[tuple[IncidentSilence, str | None]]:
        out: list[tuple[IncidentSilence, str | None]] = []
        async with AlertmanagerClient.from_settings(settings) as client:
            for s in silences:
                try:
                    await client.expire_silence(s.id)
                    out.append((s, None))
                except OncallError as exc:
                    out.append((s, str(exc)))
        return out

    try:
        results = asyncio.run(go())
    except OncallError as exc:
        results = [(s, str(exc)) for s in silences]
    done = []
    for s, error in results:
        if error is None:
            done.append(s.id)
            journal.add_event(incident_id, "silence", f"Expired the silence of {s.alertname} ({s.id}): "
                              "the incident is resolved.", {"action": "expired", "silence": s.id})
        else:
            journal.add_event(incident_id, "silence", f"Could not expire the silence of {s.alertname} ({s.id}): "
                              f"{error}", {"action": "failed", "silence": s.id})
    return done


def handled_alert(alerts: Iterable[Any], alertname: str, params: Mapping[str, str]) -> Any:
    """The one firing alert of that name this incident handles: its labels agree with the incident's
    parameters (the labels filled them when it was opened). A sentence when none or several fit."""
    named = [a for a in alerts if a.labels.get("alertname") == alertname]
    if not named:
        raise OncallError(f"No alert {alertname} is firing in Alertmanager; `oncall alerts` lists the firing ones.")
    fitting = [a for a in named if all(a.labels.get(k, v) == v for k, v in params.items())]
    if len(fitting) != 1:
        raise OncallError(f"{len(fitting) or len(named)} alerts named {alertname} are firing and the incident's "
                          "parameters do not tell them apart; silence the one you handle in Alertmanager.")
    return fitting[0]


def silence_handled(journal: Journal, incident_id: str, settings: Any, seconds: float, *, user: str,
                    alertname: str | None = None) -> IncidentSilence:
    """Silence the firing alert this incident handles (`alertname`, or the one that opened it), by its
    exact labels as Alertmanager has them now. Blocking: the app calls it from a thread."""
    from tui.metrics.alerts import AlertmanagerClient

    incident = journal.incident(incident_id)
    name = alertname or incident.alert
    if not name:
        raise OncallError("This incident was not opened from an alert; silence one with "
                          "`oncall silence ALERTNAME --incident ID --for 2h`.")

    async def firing() -> list[Any]:
        async with AlertmanagerClient.from_settings(settings) as client:
            return list(await client.alerts(include_suppressed=True))

    alert = handled_alert(asyncio.run(firing()), name, incident.params)
    return create(journal, incident.id, settings, dict(alert.labels), seconds, user=user)
