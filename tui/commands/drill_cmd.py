"""`oncall drill [SCENARIO]` (the app against a simulated incident) and `oncall simulate SCENARIO`.

Textual is imported only when the drill opens the app; `--list` and `simulate` stay light.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
from typing import TYPE_CHECKING

from tui.config import Settings
from tui.drill.catalog import Catalog, load_catalog
from tui.drill.scenario import SIMULATED
from tui.errors import OncallError, UsageError

if TYPE_CHECKING:
    from tui.app.app import OncallApp
    from tui.drill.hooks import Drills
    from tui.journal import Journal


def _catalog(settings: Settings) -> Catalog:
    catalog = load_catalog(settings.runbook_dirs)
    for entry in catalog.broken:
        print(f"oncall: skipping broken drill scenario: {entry.first_error}", file=sys.stderr)
    return catalog


def list_rows(catalog: Catalog) -> list[dict[str, str]]:
    return [{"id": s.id, "title": s.title, "runbook": s.runbook}
            for s in sorted(catalog.scenarios.values(), key=lambda s: s.id)]


def run_list(args: argparse.Namespace, catalog: Catalog) -> int:
    rows = list_rows(catalog)
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    if not rows:
        dirs = ", ".join(str(d) for d in catalog.library.missing_dirs) or "the runbook folders"
        print(f"No drill scenarios found (they live in a drills/ folder inside {dirs}).", file=sys.stderr)
        return 1
    width = max(len(r["id"]) for r in rows)
    rb_width = max(len(r["runbook"]) for r in rows)
    for r in rows:
        print(f"{r['id']:<{width}}  {r['runbook']:<{rb_width}}  {r['title']}")
    return 0


def run_drill(args: argparse.Namespace, settings: Settings) -> int:
    if args.json and not args.list:
        raise UsageError("--json goes with --list; try `oncall drill --list --json`.")
    if args.speed <= 0:
        raise UsageError("--speed must be greater than 0, such as 1 or 10.")
    catalog = _catalog(settings)
    if args.list:
        return run_list(args, catalog)
    if args.scenario:
        catalog.get(args.scenario)  # an unknown id fails here, before the terminal switches to the app
    elif not catalog.scenarios:
        raise OncallError("There are no drill scenarios to play; add some to a drills/ folder of your runbooks.")
    return run_drill_app(settings, catalog, args.scenario, speed=args.speed, seed=args.seed,
                         theme=getattr(args, "theme", None))


def drill_app(settings: Settings, catalog: Catalog, scenario_id: str | None, *, speed: float = 1.0, seed: int = 0,
              theme: str | None = None, journal: Journal | None = None, cursor_blink: bool = True
              ) -> tuple[OncallApp, Drills]:
    """The app wired to the simulation: (app, drills). With a scenario, its page opens at once; without, every
    scenario's page waits in the picker."""
    from tui.app.factory import make_app
    from tui.drill.hooks import Drills

    scenarios = [catalog.get(scenario_id)] if scenario_id else sorted(catalog.scenarios.values(), key=lambda s: s.id)
    drills = Drills(scenarios, catalog.library.runbooks, seed=seed, speed=speed)
    if journal is None:
        from tui.journal import open_journal

        journal = open_journal(settings)
    drills.journal = journal
    app = make_app(settings, library=catalog.library, journal=journal, metrics=drills.metrics,
                   alerts=drills.alert_links, alert=drills.drills[0].page_alert if scenario_id else None,
                   theme=theme, drill=True, drill_hooks=drills, cursor_blink=cursor_blink,
                   # A drill stays out of the shared journal unless --shared was given for it on purpose
                   # (ONCALL_SHARED_JOURNAL or config.yaml alone do not share a practice run).
                   share_drills="shared_journal" in settings.given)
    return app, drills


def run_drill_app(settings: Settings, catalog: Catalog, scenario_id: str | None, *, speed: float, seed: int,
                  theme: str | None = None) -> int:
    app, drills = drill_app(settings, catalog, scenario_id, speed=speed, seed=seed, theme=theme)
    journal = drills.journal
    from tui.commands.app_cmd import exit_code_of

    try:
        result = app.run()
        for incident_id, report in drills.unfinished(journal):  # quit before the outcome: score it anyway
            print(report.markdown())
            print(f"The score is kept in incident {incident_id}; `oncall journal export {incident_id}` writes "
                  "the whole report.")
    finally:
        journal.close()
    return exit_code_of(app, result)


def run_simulate(args: argparse.Namespace, settings: Settings) -> int:
    from tui.drill.serve import serve
    from tui.drill.sim import Simulation

    if args.speed <= 0:
        raise UsageError("--speed must be greater than 0, such as 1 or 10.")
    catalog = _catalog(settings)
    scenario = catalog.get(args.scenario)
    sim = Simulation(scenario, catalog.library.get(scenario.runbook), seed=args.seed, speed=args.speed)
    server, _ = serve(sim, args.host, args.port)
    base = f"http://{args.host}:{server.server_port}"
    print(f"{SIMULATED} drill scenario {scenario.id} (runbook {scenario.runbook}), speed x{args.speed:g}, "
          f"seed {args.seed}", flush=True)
    print(f"serving {base}/metrics  (GET {base}/ lists the rest; ctrl+c stops)", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        print("stopped.", file=sys.stderr)
    finally:
        server.shutdown()
        server.server_close()
    return 0
