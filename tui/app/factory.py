"""One place that builds the app, for the CLI, the tests and the screenshots.

Importing this module does not import Textual: `make_app` starts reading the runbooks first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tui.app import collector
from tui.clock import Clock
from tui.app.services import MetricsFactory, Services
from tui.config import Settings

if TYPE_CHECKING:
    from tui.app.app import OncallApp


def make_app(settings: Settings, *, library: Any = None, journal: Any = None, clock: Clock | None = None,
             metrics: MetricsFactory | None = None, metrics_label: str | None = None, alerts: Any = None,
             runbook: str | None = None, alert: str | None = None, theme: str | None = None,
             drill: bool = False, sync_every: float = 3.0, cursor_blink: bool = True,
             drill_hooks: Any = None) -> OncallApp:
    """The app. Anything left None comes from `settings` (runbook folders, journal, Prometheus, Alertmanager).

    metrics: (queries, on_snapshot) -> source with start(), async stop(), set_queries() (a drill's simulation);
    alerts: async (runbooks) -> list of tui.metrics.alerts.AlertLink.
    """
    collector.pause()  # no collection during start-up; the app resumes it once loaded (see collector.py)
    try:
        services = Services(settings, clock=clock or Clock(), library=library, journal=journal, metrics=metrics,
                            metrics_label=metrics_label, alerts=alerts, drill=drill, sync_every=sync_every,
                            drill_hooks=drill_hooks)
        services.prefetch()  # the runbooks load while Textual imports (most of start-up is that import)
        from tui.app.app import OncallApp

        app = OncallApp(services, runbook=runbook, alert=alert, theme=theme, cursor_blink=cursor_blink)
    except BaseException:
        collector.resume()
        raise
    return app
