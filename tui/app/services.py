"""What the app needs from the core, gathered in one object the factory builds and tests replace.

No Textual here. Each service is optional: when one is missing (no Prometheus URL,
no Alertmanager, a journal that cannot be opened) the screen that uses it shows a
plain sentence instead, and the rest goes on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tui.app.clock import Clock
from tui.config import Settings
from tui.errors import OncallError

# (queries, on_snapshot) -> an object with start(), async stop(), set_queries(queries): tui.metrics.poller.Poller
MetricsFactory = Callable[[list[Any], Callable[[Any], None]], Any]


@dataclass
class Loaded:
    """The slow parts, loaded off the UI thread after the first screen is up."""

    library: Any = None  # tui.runbook.library.Library
    index: Any = None  # tui.runbook.search.SearchIndex
    journal: Any = None  # tui.journal.Journal
    journal_error: str | None = None


@dataclass
class Services:
    settings: Settings
    clock: Clock = field(default_factory=Clock)
    library: Any = None  # given by tests; loaded from settings.runbook_dirs otherwise
    journal: Any = None  # given by tests; opened from settings otherwise
    metrics: MetricsFactory | None = None  # None: from settings.prometheus_url, or "not connected"
    metrics_label: str | None = None  # why metrics are not connected, when they are not
    alerts: Callable[[], Any] | None = None  # async () -> list[AlertLink]; None: from settings.alertmanager_url
    drill: bool = False  # incidents started here are drills (simulated metrics, labelled so)
    # `oncall drill`: tui.drill.hooks.Drills. Its launcher() answers commands instead of tui.launch.launch_for
    # (nothing runs in a drill); finish_markdown(journal, incident_id) scores the drill at its outcome.
    drill_hooks: Any = None
    sync_every: float = 3.0  # seconds between journal syncs

    def load(self) -> Loaded:
        """Runbooks, their search index and the journal. Runs in a thread: never on the UI loop."""
        from tui.runbook.search import Doc, SearchIndex

        library = self.library
        if library is None:
            from tui.runbook.cache import cache_dir
            from tui.runbook.library import load_library

            library = load_library(self.settings.runbook_dirs, cache=cache_dir())
        extra = [Doc(f"broken:{e.path}", e.path.name, e.first_error or "") for e in library.broken]
        index = SearchIndex.of_runbooks(library.runbooks.values(), extra)
        journal, error = self.journal, None
        if journal is None:
            try:
                from tui.journal import open_journal

                journal = open_journal(self.settings)
            except OncallError as exc:
                error = str(exc)
        return Loaded(library, index, journal, error)

    def metrics_factory(self) -> MetricsFactory | None:
        if self.metrics is not None:
            return self.metrics
        if not self.settings.prometheus_url:
            return None
        from tui.metrics.poller import Poller

        settings = self.settings
        return lambda queries, on_snapshot: Poller.from_settings(settings, queries, on_snapshot)

    def not_connected(self) -> str:
        return self.metrics_label or ("Not connected: no Prometheus URL is set; "
                                      "pass --prometheus URL or set ONCALL_PROMETHEUS_URL.")

    def alerts_fetcher(self) -> Callable[[Any], Any] | None:
        """async (runbooks) -> list[AlertLink], or None when no Alertmanager is configured."""
        if self.alerts is not None:
            return self.alerts
        if not self.settings.alertmanager_url:
            return None
        settings = self.settings

        async def fetch(runbooks: dict[str, Any]) -> list[Any]:
            from tui.metrics.alerts import AlertmanagerClient, link_alerts

            async with AlertmanagerClient.from_settings(settings) as client:
                return link_alerts(await client.alerts(), runbooks)

        return fetch
