"""The metrics pane's source in a drill: readings computed from the simulation, no Prometheus.

Same surface as tui.metrics.poller.Poller (start, stop, set_queries, poll_now,
poll_once, last), so the app cannot tell them apart, except that every reading
and snapshot is marked simulated and the source is named SIMULATED.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from collections.abc import Callable, Iterable
from typing import Any

from tui.drill.scenario import SIMULATED
from tui.drill.sim import Simulation
from tui.metrics.periodic import Periodic
from tui.metrics.poller import DEFAULT_HISTORY_POINTS, DEFAULT_HISTORY_WINDOW, MetricQuery
from tui.metrics.readings import Reading, Series, Snapshot, SourceStatus, reading_from_samples
from tui.metrics.trend import TREND_STEP, TREND_WINDOW

log = logging.getLogger(__name__)

DRILL_INTERVAL = 1.0  # seconds between readings: simulated values are cheap, and a drill should feel live


class SimulatedSource(Periodic):
    task_name = "oncall-drill-metrics"

    def __init__(self, sim: Simulation, queries: Iterable[MetricQuery],
                 on_snapshot: Callable[[Snapshot], Any] | None = None, *, interval: float = DRILL_INTERVAL,
                 history_window: float = DEFAULT_HISTORY_WINDOW, history_points: int = DEFAULT_HISTORY_POINTS,
                 on_poll: Callable[[float], Any] | None = None) -> None:
        if interval <= 0:
            raise ValueError("interval must be positive")
        super().__init__()
        self.sim = sim
        self.queries: tuple[MetricQuery, ...] = tuple(queries)
        self.on_snapshot = on_snapshot
        self.on_poll = on_poll  # told the wall time of each poll (the drill journals alerts from it)
        self.interval = interval
        self.history_window = history_window
        self.history_points = history_points

    def set_queries(self, queries: Iterable[MetricQuery]) -> None:
        self.queries = tuple(queries)
        self.poll_now()

    def next_delay(self) -> float:
        return self.interval

    async def _run(self) -> None:
        while True:
            snapshot = await self.poll_once(history=True)
            if self.on_poll is not None:
                _tell(self.on_poll, snapshot.at)
            if self.on_snapshot is not None:
                _tell(self.on_snapshot, snapshot)
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.interval)

    async def poll_once(self, *, history: bool = True) -> Snapshot:
        return self.snapshot(history=history)

    def snapshot(self, wall: float | None = None, *, history: bool = True) -> Snapshot:
        """Every query's reading at wall time `wall` (now by default)."""
        wall = self.sim.wall() if wall is None else wall
        readings = {q.name: self.reading(q, wall, history=history) for q in self.queries}
        self.last = Snapshot(readings, wall, self.interval, SourceStatus(SIMULATED), simulated=True)
        return self.last

    def simulates(self, q: MetricQuery) -> bool:
        """Whether the simulation has this very metric (a jump into another runbook may reuse a name)."""
        ours = self.sim.runbook.metrics.get(q.name)
        return ours is not None and ours.query == q.metric.query and q.name in self.sim.scenario.curves

    def reading(self, q: MetricQuery, wall: float, *, history: bool = True) -> Reading:
        if not self.simulates(q):
            return Reading(q.metric, q.query, "nodata", at=wall, simulated=True,
                           error=f"Drill {self.sim.scenario.id} simulates only runbook {self.sim.runbook.id}'s "
                                 f"metrics; this one has no simulated value.")
        t = self.sim.sim_at(wall)
        value = self.sim.value(q.name, t)
        points: tuple[Series, ...] = ()
        if history:
            step = self.history_window / max(1, self.history_points - 1)
            walls = [wall - self.history_window + i * step for i in range(self.history_points)]
            values = [(w, self.sim.value(q.name, self.sim.sim_at(w))) for w in walls]
            points = (Series({}, tuple((w, v) for w, v in values if not math.isnan(v))),)
        # The last 5 simulated minutes at the step a real engine is asked for, for the trend and held states.
        step = TREND_STEP / self.sim.speed
        recent = [(wall - k * step, self.sim.value(q.name, self.sim.sim_at(wall - k * step)))
                  for k in range(int(TREND_WINDOW / TREND_STEP), 0, -1)]
        return reading_from_samples(q.metric, q.query, [({}, value)], wall, history=points, simulated=True,
                                    recent={"": recent}, speed=self.sim.speed)


def _tell(callback: Callable[[Any], Any], value: Any) -> None:
    try:
        callback(value)
    except Exception:  # a broken consumer must not stop the drill's metrics
        log.exception("drill metrics callback failed")
