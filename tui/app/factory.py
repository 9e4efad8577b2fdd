"""One place that builds the app, for the CLI, the tests and the screenshots.

Importing this module does not import Textual: `make_app` starts reading the runbooks first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui.app.services import AlertsFetcher, MetricsFactory, Services
from tui.clock import Clock
from tui.config import Settings

if TYPE_CHECKING:
    from tui.app.app import OncallApp
    from tui.drill.hooks import Drills
    from tui.journal import Journal
    from tui.runbook.library import Library


def make_app(settings: Settings, *, library: Library | None = None, journal: Journal | None = None,
             clock: Clock | None = None, metrics: MetricsFactory | None = None, metrics_label: str | None = None,
             alerts: AlertsFetcher | None = None, runbook: str | None = None, alert: str | None = None,
             theme: str | None = None, drill: bool = False, sync_every: float = 2.0, cursor_blink: bool = True,
             drill_hooks: Drills | None = None, share_drills: bool = False) -> OncallApp:
    """The app. Anything left None comes from `settings` (runbook folders, journal, Prometheus, Alertmanager).

    metrics: (queries, on_snapshot) -> source with start(), async stop(), set_queries() (a drill's simulation);
    alerts: async (runbooks) -> list of tui.metrics.alerts.AlertLink.
    """
    services = Services(settings, clock=clock or Clock(), library=library, journal=journal, metrics=metrics,
                        metrics_label=metrics_label, alerts=alerts, drill=drill, sync_every=sync_every,
                        drill_hooks=drill_hooks, share_drills=share_drills)
    services.prefetch()  # the runbooks load while Textual imports (most of start-up is that import)
    from tui.app.app import OncallApp

    return OncallApp(services, runbook=runbook, alert=alert, theme=theme, cursor_blink=cursor_blink)
