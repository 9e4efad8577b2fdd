"""Firing alerts from Alertmanager, each linked to the runbooks that handle it.

Which runbooks an alert opens is decided in tui.runbook.matching (the same rule
`oncall validate --rules` checks). Alert labels fill the runbook's parameters of
the same name.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

from tui.errors import OncallError
from tui.metrics.prometheus import safe_url
from tui.runbook.matching import runbooks_for_alert
from tui.runbook.model import Runbook

DEFAULT_TIMEOUT = 10.0


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


def _alert(item: Any) -> Alert:
    status = item.get("status") or {}
    return Alert(
        labels={str(k): str(v) for k, v in (item.get("labels") or {}).items()},
        annotations={str(k): str(v) for k, v in (item.get("annotations") or {}).items()},
        state=str(status.get("state") or "active"),
        starts_at=str(item.get("startsAt") or ""),
        fingerprint=str(item.get("fingerprint") or ""),
        silenced_by=tuple(status.get("silencedBy") or ()),
        inhibited_by=tuple(status.get("inhibitedBy") or ()),
    )


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

    async def alerts(self, *, include_suppressed: bool = False) -> list[Alert]:
        """Active alerts, oldest first; silenced and inhibited ones only with `include_suppressed`."""
        hide = "false" if not include_suppressed else "true"
        params = {"active": "true", "silenced": hide, "inhibited": hide}
        try:
            response = await self._http.get("api/v2/alerts", params=params)
        except httpx.TimeoutException:
            raise AlertmanagerError(f"Alertmanager at {self.url} did not answer within {self.timeout:g}s; "
                                    "check that it is up.") from None
        except httpx.HTTPError as exc:
            reason = " ".join(str(exc).split()) or type(exc).__name__
            raise AlertmanagerError(f"Cannot reach Alertmanager at {self.url} ({reason}); check --alertmanager "
                                    "or ONCALL_ALERTMANAGER_URL and that Alertmanager is running.") from None
        if response.status_code >= 400:
            raise AlertmanagerError(f"Alertmanager at {self.url} answered HTTP {response.status_code}; check that "
                                    "the URL is Alertmanager's base URL and that it is healthy.")
        try:
            body = json.loads(response.content)
            alerts = [_alert(item) for item in body]
        except (ValueError, TypeError, AttributeError):
            raise AlertmanagerError(f"Alertmanager at {self.url} sent a reply that is not an alert list; check "
                                    "that the URL points at Alertmanager (API v2).") from None
        if not include_suppressed:  # servers that ignore the filters must not show silenced alerts either
            alerts = [a for a in alerts if a.state != "suppressed" and not a.silenced_by and not a.inhibited_by]
        alerts.sort(key=lambda a: (a.starts_at, a.name, a.fingerprint))
        return alerts
