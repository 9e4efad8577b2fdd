"""Which runbooks handle an alert: the one rule, used by the app, `oncall alerts` and `validate --rules`.

An alert opens a runbook when its `runbook_url` annotation's last path segment is
the runbook's id (the link the alert's author wrote, so it comes first), or when
it matches one of the runbook's `alerts:` entries (alertname plus label matchers;
more matchers = more specific = earlier; ties by id).
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit

from tui.runbook.model import Runbook

_URL_SUFFIXES = (".md", ".html", ".htm", ".yaml", ".yml")


def url_runbook_id(url: str | None) -> str | None:
    """The last path segment of a runbook URL, without a document suffix, query or fragment."""
    if not url:
        return None
    segment = urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1]
    for suffix in _URL_SUFFIXES:
        if segment.endswith(suffix):
            segment = segment[: -len(suffix)]
    return segment or None


def runbooks_for_alert(labels: Mapping[str, str], runbook_url: str | None,
                       runbooks: Mapping[str, Runbook]) -> list[str]:
    """Ids of the runbooks that handle an alert with these labels (alertname among them), best first."""
    found: list[str] = []
    by_url = url_runbook_id(runbook_url)
    if by_url is not None and by_url in runbooks:
        found.append(by_url)
    plain = dict(labels)
    specific: list[tuple[int, str]] = []
    for rid, runbook in runbooks.items():
        scores = [len(m.labels) for m in runbook.alerts if m.matches(plain)]
        if scores and rid not in found:
            specific.append((-max(scores), rid))
    found.extend(rid for _, rid in sorted(specific))
    return found
