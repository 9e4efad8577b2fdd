"""Firing alerts from Alertmanager, each linked to the runbooks that handle it.

Which runbooks an alert opens is decided in tui.runbook.matching (the same rule
`oncall validate --rules` checks). Alert labels fill the runbook's parameters of
the same name.

Alertmanager's reply is untrusted like Prometheus's: one deadline and size caps
(`tui.metrics.bounded`), JSON parsed in slices, every field's type checked
(labels and annotations are mappings of strings, …) and at most MAX_ALERTS kept;
anything else is one sentence, never a traceback.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

import httpx

from tui.errors import OncallError
from tui.metrics import jsonread
from tui.metrics.bounded import OFFLOAD_BYTES, Reply, ReplyFault, fetch
from tui.metrics.offload import offload
from tui.metrics.prometheus import safe_url
from tui.metrics.shapes import Unreadable, mapping, string_list, string_map, text
from tui.runbook.matching import runbooks_for_alert
from tui.runbook.model import Runbook

DEFAULT_TIMEOUT = 10.0
# Alerts kept from one reply (oldest first): a storm of more is one cause, not more to read.
MAX_ALERTS = 1000


class AlertmanagerError(OncallError):
    pass


@dataclass(frozen=True)
class Alert:
    labels: Mapping[str, str]
    annotations: Mapping[str, str] = field(default_factory=dict)
    state: str = "active"  # active | suppressed | unprocessed
    starts_at: str = ""  # RFC 3339, as Alertmanager wrote it
    fingerprint: str = ""
    silenced_by: tuple[str, ...] = ()
    inhibited_by: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return self.labels.get("alertname", "")

    @property
    def runbook_url(self) -> str | None:
        return self.annotations.get("runbook_url") or None

    @property
    def summary(self) -> str:
        return self.annotations.get("summary") or self.annotations.get("description") or ""


@dataclass(frozen=True)
class AlertLink:
    """An alert with the runbooks that handle it (best first) and the parameters its labels fill."""

    alert: Alert
    runbooks: tuple[str, ...]
    params: Mapping[str, str]  # for the first runbook

    @property
    def runbook(self) -> str | None:
        return self.runbooks[0] if self.runbooks else None


def runbooks_for(alert: Alert, runbooks: Mapping[str, Runbook]) -> list[str]:
    """Ids of the runbooks that handle `alert`, best first (the rule lives in tui.runbook.matching)."""
    return runbooks_for_alert(alert.labels, alert.runbook_url, runbooks)


def params_from_labels(runbook: Runbook, labels: Mapping[str, str]) -> dict[str, str]:
    """The runbook's parameters that have a label of the same name."""
    return {name: labels[name] for name in runbook.params if name in labels}


def link_alerts(alerts: list[Alert], runbooks: Mapping[str, Runbook]) -> list[AlertLink]:
    links = []
    for alert in alerts:
        ids = tuple(runbooks_for(alert, runbooks))
        params = params_from_labels(runbooks[ids[0]], alert.labels) if ids else {}
        links.append(AlertLink(alert, ids, params))
    return links


class Alerts(list[Alert]):
    """The alerts kept, with how many the reply held (`total` > len when MAX_ALERTS cut it)."""

    def __init__(self, alerts: list[Alert], total: int | None = None) -> None:
        super().__init__(alerts)
        self.total = len(alerts) if total is None else total

    @property
    def note(self) -> str | None:
        """"showing the oldest 1,000 of 5,000 alerts" when some were left out."""
        if self.total <= len(self):
            return None
        return f"showing the oldest {len(self):,} of {self.total:,} alerts"


def _alert(item: Any, index: int) -> Alert:
    where = f"alert {index + 1}"
    item = mapping(item, where)
    status = mapping(item.get("status"), f"the status of {where}")
    return Alert(
        labels=string_map(item.get("labels"), f"the labels of {where}"),
        annotations=string_map(item.get("annotations"), f"the annotations of {where}"),
        state=text(status.get("state"), f"the state of {where}") or "active",
        starts_at=text(item.get("startsAt"), f"the startsAt of {where}"),
        fingerprint=text(item.get("fingerprint"), f"the fingerprint of {where}"),
        silenced_by=string_list(status.get("silencedBy"), f"the silencedBy of {where}"),
        inhibited_by=string_list(status.get("inhibitedBy"), f"the inhibitedBy of {where}"),
    )


@dataclass(frozen=True)
class Silence:
    id: str
    state: str  # active | pending | expired
    matchers: Mapping[str, str]  # the equality matchers (name -> value)
    starts_at: str
    ends_at: str
    created_by: str
    comment: str


def _silence(item: Any, index: int) -> Silence:
    where = f"silence {index + 1}"
    item = mapping(item, where)
    status = mapping(item.get("status"), f"the status of {where}")
    matchers = {}
    raw = item.get("matchers")
    for m in raw if isinstance(raw, list) else []:
        m = mapping(m, f"a matcher of {where}")
        if m.get("isRegex") is False and m.get("isEqual", True) is True:
            matchers[text(m.get("name"), f"a matcher of {where}")] = text(m.get("value"), f"a matcher of {where}")
    return Silence(id=text(item.get("id"), f"the id of {where}"), state=text(status.get("state"), where),
                   matchers=matchers, starts_at=text(item.get("startsAt"), where),
                   ends_at=text(item.get("endsAt"), where), created_by=text(item.get("createdBy"), where),
                   comment=text(item.get("comment"), where))


def parse_alerts(body: bytes, include_suppressed: bool) -> Alerts:
    """Alerts from a `/api/v2/alerts` body, oldest first, at most MAX_ALERTS; raises Unreadable."""
    try:
        items = jsonread.loads(body, split_depth=1)  # each alert decoded in one call
    except jsonread.JSONTooDeep:
        raise Unreadable("JSON nested too deeply") from None
    except ValueError:
        raise Unreadable("not JSON") from None
    if not isinstance(items, list):
        raise Unreadable("not an alert list")
    alerts = [_alert(item, i) for i, item in enumerate(items)]
    if not include_suppressed:  # servers that ignore the filters must not show silenced alerts either
        alerts = [a for a in alerts if a.state != "suppressed" and not a.silenced_by and not a.inhibited_by]
    alerts.sort(key=lambda a: (a.starts_at, a.name, a.fingerprint))
    return Alerts(alerts[:MAX_ALERTS], len(alerts))


class AlertmanagerClient:
    def __init__(self, base_url: str, *, timeout: float = DEFAULT_TIMEOUT,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise OncallError(f"{safe_url(base_url)!r} is not an http(s) URL; pass --alertmanager http://HOST:9093.")
        self.url = safe_url(base_url).rstrip("/")
        self.timeout = timeout
        self._http = httpx.AsyncClient(base_url=base_url.rstrip("/") + "/", timeout=timeout, transport=transport,
                                       headers={"Accept": "application/json"})

    @classmethod
    def from_settings(cls, settings: Any, *, url: str | None = None, **options: Any) -> AlertmanagerClient:
        url = url or settings.alertmanager_url
        if not url:
            raise OncallError("No Alertmanager URL is set; pass --alertmanager URL or set ONCALL_ALERTMANAGER_URL.")
        return cls(url, **options)

    def __repr__(self) -> str:
        return f"AlertmanagerClient({self.url!r})"

    async def __aenter__(self) -> AlertmanagerClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def alerts(self, *, include_suppressed: bool = False) -> Alerts:
        """Active alerts, oldest first; silenced and inhibited ones only with `include_suppressed`."""
        hide = "false" if not include_suppressed else "true"
        params = {"active": "true", "silenced": hide, "inhibited": hide}
        reply = await self._request("GET", "api/v2/alerts", params=params)
        try:
            alerts: Alerts = await offload(len(reply.body) > OFFLOAD_BYTES, parse_alerts, reply.body,
                                           include_suppressed)
        except Unreadable as exc:
            raise self._unreadable(exc.reason) from None
        return alerts

    async def create_silence(self, labels: Mapping[str, str], starts_at: str, ends_at: str, *,
                             created_by: str, comment: str) -> str:
        """A silence matching exactly these labels (equality, no regex) for the span given; returns its id."""
        body = {"matchers": [{"name": k, "value": v, "isRegex": False, "isEqual": True}
                             for k, v in sorted(labels.items())],
                "startsAt": starts_at, "endsAt": ends_at, "createdBy": created_by, "comment": comment}
        reply = await self._request("POST", "api/v2/silences", json=body, what="refused the silence")
        try:
            sid = mapping(jsonread.loads(reply.body), "the reply").get("silenceID")
        except (ValueError, Unreadable):
            sid = None
        if not isinstance(sid, str) or not sid:
            raise self._unreadable("no silence id")
        return sid

    async def expire_silence(self, silence_id: str) -> None:
        """End a silence now (an already expired or unknown one is not an error: the silence is gone)."""
        reply = await self._request("DELETE", f"api/v2/silence/{quote(silence_id, safe='')}", allow=(404, 500))
        del reply

    async def silences(self) -> list[Silence]:
        """Every silence Alertmanager knows, active and pending first."""
        reply = await self._request("GET", "api/v2/silences")
        try:
            items = jsonread.loads(reply.body, split_depth=1)
            if not isinstance(items, list):
                raise Unreadable("not a silence list")
            out = [_silence(item, i) for i, item in enumerate(items[:MAX_ALERTS])]
        except ValueError:
            raise self._unreadable("not JSON") from None
        except Unreadable as exc:
            raise self._unreadable(exc.reason) from None
        return sorted(out, key=lambda s: (s.state != "active", s.ends_at))

    async def _request(self, method: str, path: str, *, what: str = "answered", allow: tuple[int, ...] = (),
                       **options: Any) -> Reply:
        try:
            reply = await fetch(self._http, method, path, deadline=self.timeout, **options)
        except (TimeoutError, httpx.TimeoutException):
            raise AlertmanagerError(f"Alertmanager at {self.url} did not answer within {self.timeout:g}s; "
                                    "check that it is up.") from None
        except httpx.HTTPError as exc:
            reason = " ".join(str(exc).split()) or type(exc).__name__
            raise AlertmanagerError(f"Cannot reach Alertmanager at {self.url} ({reason}); check --alertmanager "
                                    "or ONCALL_ALERTMANAGER_URL and that Alertmanager is running.") from None
        except ReplyFault as exc:
            if exc.too_large:
                raise AlertmanagerError(f"Alertmanager at {self.url} sent a reply {exc.reason}; check that the "
                                        "URL points at Alertmanager (API v2).") from None
            raise self._unreadable(exc.reason) from None
        if reply.status >= 400 and reply.status not in allow:
            if what == "answered":
                raise AlertmanagerError(f"Alertmanager at {self.url} answered HTTP {reply.status}; check that "
                                        "the URL is Alertmanager's base URL and that it is healthy.")
            said = " ".join(reply.body[:200].decode("utf-8", "replace").split()).rstrip(".")
            raise AlertmanagerError(f"Alertmanager at {self.url} {what} (HTTP {reply.status}"
                                    + (f": {said}" if said else "") + "); check the labels and the duration.")
        return reply

    def _unreadable(self, reason: str) -> AlertmanagerError:
        return AlertmanagerError(f"Alertmanager at {self.url} sent a reply oncall cannot read: {reason}; check "
                                 "that the URL points at Alertmanager (API v2).")
