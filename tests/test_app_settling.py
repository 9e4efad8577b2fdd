"""After the fix, a windowed metric is SETTLING on screen: nothing pre-selected, how long to wait, a countdown.

A fixed clock and a source that delivers what the test gives it: the countdown is read at chosen
moments, never timed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.screenshots import deterministic_journal, fixed_clock, settings_for, wait_for, write_library
from tui.app.factory import make_app
from tui.app.screens.incident import IncidentScreen
from tui.journal import Journal
from tui.metrics.readings import Snapshot, SourceStatus, reading_from_samples

GPU = """\
id: gpu-restarts
title: Serving pods restart
version: 1
summary: Pods restart in a loop.
category: infrastructure
severity_hint: high
metrics:
  restarts_15m:
    title: Restarts in the last 15 minutes
    query: sum(increase(kube_pod_container_status_restarts_total{namespace="ml-prod"}[15m]))
    unit: count
    warn: 1
    crit: 3
start: roll-back
steps:
  roll-back:
    do: Roll the deployment back.
    status: contained
    next: check
  check:
    ask: Are the pods still restarting?
    metric: restarts_15m
    choices:
      - {label: "Still restarting: escalate", next: escalate, when: crit}
      - {label: "No more restarts", next: resolved, when: ok}
  escalate:
    outcome: escalate
    say: Page the platform team.
  resolved:
    outcome: resolved
    say: Done.
"""


class Source:
    """Delivers a snapshot of `restarts_15m` = `value`, made at the app clock's now, when told to."""

    def __init__(self, queries: list[Any], on_snapshot: Callable[[Any], None], clock: Any) -> None:
        self.queries, self.on_snapshot, self.clock = list(queries), on_snapshot, clock
        self.value = 6.0

    def push(self) -> None:
        at = self.clock.now().timestamp()
        readings = {q.name: reading_from_samples(q.metric, q.query, [({}, self.value)], at) for q in self.queries}
        self.on_snapshot(Snapshot(readings, at, 5.0, SourceStatus("prometheus")))

    def start(self) -> None:
        asyncio.get_running_loop().call_soon(self.push)

    def set_queries(self, queries: list[Any]) -> None:
        self.queries = list(queries)

    async def stop(self) -> None:
        pass


async def test_after_the_fix_the_window_counts_down_and_only_then_pre_selects(tmp_path: Path):
    clock = fixed_clock()
    sources: list[Source] = []

    def factory(queries: list[Any], on_snapshot: Callable[[Any], None]) -> Source:
        sources.append(Source(queries, on_snapshot, clock))
        return sources[-1]

    settings = settings_for(tmp_path, runbook_dirs=(write_library(tmp_path / "rb", {"gpu.yaml": GPU}),))
    app = make_app(settings, clock=clock, metrics=factory, cursor_blink=False)
    with deterministic_journal():
        await _walk(app, clock, sources)

    journal = Journal(settings.journal_path, user="reader", sync_on_write="off")
    [incident] = journal.incidents()
    notes = [e for e in journal.events(incident.id) if e.kind == "metric"]
    assert [e.data["state"] for e in notes] == ["settling", "crit"]  # once each way, not every poll
    assert notes[0].data["settles_in_s"] == 900
    assert "has settled" in notes[1].text
    journal.close()


async def _walk(app: Any, clock: Any, sources: list[Source]) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.loaded is not None)
        app.open_runbook("gpu-restarts")
        await wait_for(pilot, lambda: isinstance(app.screen, IncidentScreen))
        screen = app.screen
        await wait_for(pilot, lambda: "restarts_15m" in screen.controller.readings)
        await pilot.press("enter")  # rolled back: the incident is contained
        assert screen.controller.step.id == "check"
        fixed = screen.controller.remediation
        assert fixed is not None
        clock.fixed = datetime.fromtimestamp(fixed.at, UTC)  # the journal's clock, not the screen's, stamped it
        source = sources[-1]
        source.push()
        await wait_for(pilot, lambda: screen.controller.readings["restarts_15m"].state == "settling")
        pane, step = screen.query_one("#metrics"), screen.query_one("#step-evidence")
        assert screen.selected is None  # 6 restarts, but from before the rollback: escalate is not pre-selected
        # The 1 s tick may have shown the settling window at the screen's earlier time ("15:04") before the
        # clock moved: wait for the pane to take the snapshot at the fix's time.
        await wait_for(pilot, lambda: "SETTLING 15:00 (CRIT >3)" in str(pane.render()))
        assert "wait 15 min: the 15-minute window still holds samples from before the incident was marked " \
               "contained" in str(pane.render())
        await wait_for(pilot, lambda: "Wait 15 min" in str(step.render()))  # the step view's own message

        clock.advance(299)
        source.push()  # the next poll, five minutes on
        await wait_for(pilot, lambda: "SETTLING 10:01" in str(pane.render()))
        clock.advance(1)
        screen.tick()  # the screen's one-second timer between polls, called at a chosen moment
        await wait_for(pilot, lambda: "SETTLING 10:00" in str(pane.render()))
        assert "SETTLING 10:00" in str(step.render()) and "Wait 10 min" in str(step.render())
        assert screen.selected is None

        clock.advance(600)
        source.push()
        await wait_for(pilot, lambda: screen.controller.readings["restarts_15m"].state == "crit")
        await wait_for(pilot, lambda: screen.selected == 0)  # the window is clean: 6 restarts now mean it
        assert "SETTLING" not in str(pane.render())


async def test_at_80_columns_the_pane_says_settling_and_the_countdown_without_the_state_underneath(tmp_path: Path):
    clock = fixed_clock()
    sources: list[Source] = []

    def factory(queries: list[Any], on_snapshot: Callable[[Any], None]) -> Source:
        sources.append(Source(queries, on_snapshot, clock))
        return sources[-1]

    settings = settings_for(tmp_path, runbook_dirs=(write_library(tmp_path / "rb", {"gpu.yaml": GPU}),))
    app = make_app(settings, clock=clock, metrics=factory, cursor_blink=False)
    with deterministic_journal():
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_for(pilot, lambda: app.loaded is not None)
            app.open_runbook("gpu-restarts")
            await wait_for(pilot, lambda: isinstance(app.screen, IncidentScreen))
            screen = app.screen
            await wait_for(pilot, lambda: "restarts_15m" in screen.controller.readings)
            await pilot.press("enter")
            fixed = screen.controller.remediation
            assert fixed is not None
            clock.fixed = datetime.fromtimestamp(fixed.at, UTC)
            sources[-1].push()
            pane = screen.query_one("#metrics")
            await wait_for(pilot, lambda: "SETTLING 15:00" in str(pane.render()))
            assert "(CRIT" not in str(pane.render())
