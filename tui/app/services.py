"""What the app needs from the core, gathered in one object the factory builds and tests replace.

No Textual here. Each service is optional: when one is missing (no Prometheus URL,
no Alertmanager, a journal that cannot be opened) the screen that uses it shows a
plain sentence instead, and the rest goes on.
"""

from __future__ import annotations

import threading
from collections.abc import Awaitable, Callable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tui.clock import Clock
from tui.config import Settings
from tui.errors import OncallError

if TYPE_CHECKING:  # imported when used: start-up reads none of these before the first frame
    from tui.drill.hooks import Drills
    from tui.integrations.service import Integrations
    from tui.journal import Journal
    from tui.metrics.alerts import AlertLink
    from tui.metrics.poller import MetricQuery
    from tui.metrics.readings import Snapshot
    from tui.runbook.library import Library
    from tui.runbook.model import Runbook
    from tui.runbook.search import SearchIndex

# (queries, on_snapshot) -> an object with start(), async stop(), set_queries(queries): tui.metrics.poller.Poller
MetricsFactory = Callable[["list[MetricQuery]", "Callable[[Snapshot], object]"], Any]
# async (runbooks by id) -> the firing alerts, each with the runbook it opens
AlertsFetcher = Callable[["Mapping[str, Runbook]"], "Awaitable[list[AlertLink]]"]


@dataclass
class Loaded:
    """The slow parts, in the order they are needed: the runbooks (listed at once), then the journal (open
    incidents, read off the UI thread once the list is drawn), then the search index (at the first search)."""

    library: Library | None = None
    index: SearchIndex | None = None  # None until the first search
    journal: Journal | None = None
    journal_error: str | None = None
    journal_ready: bool = False  # opened, or failed with journal_error

    def search_index(self, services: Services) -> SearchIndex | None:
        """The index, read (from the cache) or built at the first search."""
        if self.index is None and self.library is not None:
            self.index = services.build_index(self.library)
        return self.index


@dataclass
class Services:
    settings: Settings
    clock: Clock = field(default_factory=Clock)
    library: Library | None = None  # given by tests; loaded from settings.runbook_dirs otherwise
    journal: Journal | None = None  # given by tests; opened from settings otherwise
    metrics: MetricsFactory | None = None  # None: from settings.prometheus_url, or "not connected"
    metrics_label: str | None = None  # why metrics are not connected, when they are not
    alerts: AlertsFetcher | None = None  # None: from settings.alertmanager_url
    drill: bool = False  # incidents started here are drills (simulated metrics, labelled so)
    # `oncall drill`: tui.drill.hooks.Drills. Its launcher() answers commands instead of tui.launch.launch_for
    # (nothing runs in a drill); finish_markdown(journal, incident_id) scores the drill at its outcome.
    drill_hooks: Drills | None = None
    share_drills: bool = False  # drills reach the shared journal only when started with --shared on purpose
    sync_every: float = 2.0  # seconds between polls of a git remote (doubling while it fails), or of an unwatchable file
    fallback_every: float = 30.0  # a watched shared file is still polled this often (network disks miss events)
    retry_every: float = 60.0  # seconds between retries of queued updates (tui/integrations/send.py)
    _prefetch: Future[Library] | None = field(default=None, repr=False)
    _integrations: Integrations | None = field(default=None, repr=False)

    def integrations(self) -> Integrations | None:
        """What leaves the terminal (sends, hooks, silences), on its own thread; None in a drill, where
        nothing real is filed, paged or silenced (updates are copied and marked as sent)."""
        if self.drill:
            return None
        if self._integrations is None:
            from tui.integrations.service import Integrations

            self._integrations = Integrations(self.settings, background=True)
        return self._integrations

    def prefetch(self) -> None:
        """Start reading the runbooks now, while Textual is still starting (the app waits for it later)."""
        if self.library is not None or self._prefetch is not None:
            return
        future: Future[Library] = Future()

        def run() -> None:
            try:
                future.set_result(self._read_library())
            except BaseException as exc:  # handed to the app's load worker, which shows it
                future.set_exception(exc)

        self._prefetch = future
        threading.Thread(target=run, name="oncall-load-runbooks", daemon=True).start()

    def library_if_loaded(self, wait: float = 0.0) -> Library | None:
        """The runbooks if they are read within `wait` seconds (given, or prefetched); else None (still
        reading, or failed: the load worker then waits for them or reports why)."""
        if self._prefetch is None:
            return self.library
        try:
            return self._prefetch.result(timeout=wait)
        except Exception:  # TimeoutError, or the load's own error
            return None

    async def library_soon(self, wait: float) -> Library | None:
        """The runbooks if they are read within `wait` seconds, awaited without holding up the event loop
        (the reading thread gets the interpreter meanwhile); else None (the load worker takes over)."""
        if self._prefetch is None:
            return self.library
        import asyncio

        try:
            return await asyncio.wait_for(asyncio.shield(asyncio.wrap_future(self._prefetch)), wait)
        except Exception:  # TimeoutError, or the load's own error (the load worker reports it)
            return None

    def load_library(self) -> Library:
        """The runbooks: the prefetched ones, or read now. Runs in a thread: never on the UI loop."""
        if self._prefetch is not None:
            return self._prefetch.result()
        return self._read_library()

    def _read_library(self) -> Library:
        library = self.library
        if library is None:
            from tui.runbook.cache import cache_dir
            from tui.runbook.library import load_library

            library = load_library(self.settings.runbook_dirs, cache=cache_dir())
            # The list reads these first: work them out here, off the UI thread.
            library.valid, library.broken  # noqa: B018
        return library

    def open_journal(self) -> tuple[Journal | None, str | None]:
        """(journal, None), or (None, the sentence saying why it cannot be opened)."""
        if self.journal is not None:
            return self.journal, None
        try:
            from tui.journal import open_journal

            return open_journal(self.settings), None
        except OncallError as exc:
            return None, str(exc)

    @staticmethod
    def warm_timelines(journal: Journal) -> None:
        """Build the open incidents' timelines now (a thread): an incident of 100,000 events then opens at once."""
        try:
            for incident in journal.open_incidents():
                journal.events(incident.id)
        except OncallError:  # the journal will say so where it is used
            pass

    @staticmethod
    def build_index(library: Library) -> SearchIndex:
        from tui.runbook.search import Doc

        extra = [Doc(f"broken:{e.path}", e.path.name, e.first_error or "") for e in library.broken]
        return library.search_index(extra)  # from the cache: no runbook is unpickled, nothing re-indexed

    def metrics_factory(self, settings: Settings | None = None) -> MetricsFactory | None:
        """`settings`: an incident's (its environment's Prometheus); the app's own otherwise."""
        if self.metrics is not None:
            return self.metrics
        settings = settings or self.settings
        if not settings.prometheus_url:
            return None
        from tui.metrics.poller import Poller

        return lambda queries, on_snapshot: Poller.from_settings(settings, queries, on_snapshot)

    def not_connected(self) -> str:
        return self.metrics_label or ("Not connected: no Prometheus URL is set; "
                                      "pass --prometheus URL or set ONCALL_PROMETHEUS_URL.")

    def alerts_fetcher(self) -> AlertsFetcher | None:
        """async (runbooks) -> list[AlertLink], or None when no Alertmanager is configured."""
        if self.alerts is not None:
            return self.alerts
        if not self.settings.alertmanager_url:
            return None
        settings = self.settings

        async def fetch(runbooks: Mapping[str, Runbook]) -> list[AlertLink]:
            import asyncio

            from tui.metrics.alerts import AlertmanagerClient, link_alerts

            async with AlertmanagerClient.from_settings(settings) as client:
                alerts = await client.alerts()
            # Matching reads every runbook's alerts: the first time, that unpickles them all from the
            # cache, which is work for a thread, not for the UI loop.
            return await asyncio.to_thread(link_alerts, alerts, runbooks)

        return fetch
