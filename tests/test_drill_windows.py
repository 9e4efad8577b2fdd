"""Drills keep time honestly: a query over a window holds the incident until the window is clean.

The GPU drill's restarts_15m is `increase(...[15m])`; a real Prometheus keeps it
above its warn line for about 15 minutes after the fix (measured on a real Prometheus: a `[1m]` one still
reads ~16 12 s after the fix), so the drill's simulated source must too, in
simulated minutes whatever the --speed, while a `[1m]` copy recovers in about one.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tui.config import BUNDLED_RUNBOOKS
from tui.drill.catalog import load_catalog
from tui.drill.curve import clean_at, kinks, reading_at, windowed
from tui.drill.scenario import Change, Curve
from tui.drill.sim import Simulation
from tui.drill.source import SimulatedSource
from tui.metrics.poller import metric_queries

SPEED = 10.0
FIXED_WALL = 1_900_000_060.0  # the fix runs 60 wall seconds (10 simulated minutes) after the page


class Wall:
    def __init__(self, t: float = 1_900_000_000.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def _library(tmp_path: Path, window: str) -> Path:
    """The bundled GPU runbook and drill, with restarts read over `window` and a 10 s rollout."""
    lib = tmp_path / window
    (lib / "drills").mkdir(parents=True)
    runbook = (BUNDLED_RUNBOOKS / "gpu-oom-serving.yaml").read_text()
    assert runbook.count(".*\"}[15m]))") == 1
    (lib / "gpu-oom-serving.yaml").write_text(runbook.replace(".*\"}[15m]))", f".*\"}}[{window}]))"))
    drill = (BUNDLED_RUNBOOKS / "drills" / "gpu-oom-loop.yaml").read_text()
    assert "  recovery: 2m\n" in drill
    (lib / "drills" / "gpu-oom-loop.yaml").write_text(drill.replace("  recovery: 2m\n", "  recovery: 10s\n"))
    return lib


def _source(lib: Path) -> tuple[Simulation, SimulatedSource, Wall]:
    catalog = load_catalog([lib])
    assert not catalog.broken, [e.first_error for e in catalog.broken]
    scenario = catalog.get("gpu-oom-loop")
    runbook = catalog.library.get(scenario.runbook)
    wall = Wall()
    sim = Simulation(scenario, runbook, speed=SPEED, wall=wall)
    source = SimulatedSource(sim, metric_queries(runbook, runbook.default_params()),
                             history_window=2 * 900.0 / SPEED, history_points=60)
    wall.t = FIXED_WALL
    assert sim.run_command("rollback").fixed
    return sim, source, wall


def _state_after(source: SimulatedSource, wall: Wall, sim_seconds: float) -> str:
    """restarts_15m's state in the drill's metrics pane `sim_seconds` (simulated) after the fix."""
    wall.t = FIXED_WALL + sim_seconds / SPEED
    return source.snapshot().get("restarts_15m").state


@pytest.mark.parametrize(("window", "seconds"), [("15m", 900.0), ("1m", 60.0)])
def test_after_the_fix_the_window_holds_the_restarts_until_it_is_clean(tmp_path: Path, window: str,
                                                                       seconds: float) -> None:
    sim, source, wall = _source(_library(tmp_path, window))
    assert sim.window("restarts_15m") == seconds
    assert _state_after(source, wall, 0) == "crit"
    # the pods are back after the 10 s rollout, but the window still counts the restarts before it
    assert sim.signal("restarts_15m", sim.fixed_at + 10) == 0
    assert _state_after(source, wall, 30) == "crit"
    # 7 restarts spread over the window leave it one by one: above the warn line (1) for 6/7 of it
    assert _state_after(source, wall, 0.75 * seconds) in ("warn", "crit")  # 11 min 15 s (45 s) on: not ok yet
    assert _state_after(source, wall, seconds + 15) == "ok"  # a whole window after the rollout: clean
    assert _state_after(source, wall, seconds + 600) == "ok"
    # the sparkline shows it falling as the pre-fix samples leave the window, never rising again
    wall.t = FIXED_WALL + seconds / SPEED
    points = source.snapshot().get("restarts_15m").history[0].points
    after = [v for w, v in points if w >= FIXED_WALL]
    assert len(after) >= 2 and after == sorted(after, reverse=True) and after[0] > after[-1]


def test_a_fifteen_minute_window_is_not_back_two_minutes_after_the_fix() -> None:
    """The bundled drill as shipped: its 2-minute rollout no longer clears a 15-minute increase."""
    catalog = load_catalog([BUNDLED_RUNBOOKS])
    scenario = catalog.get("gpu-oom-loop")
    sim = Simulation(scenario, catalog.library.get(scenario.runbook), wall=Wall())
    sim.fix(0.0)
    assert sim.state("restarts_15m", scenario.recovery + 60) == "crit"  # the old simulation said ok here
    assert sim.state("restarts_15m", 11 * 60) in ("warn", "crit")
    assert sim.state("restarts_15m", scenario.recovery + 15 * 60) == "ok"
    assert [a.alertname for a in sim.alerts_at(scenario.recovery + 60)] == ["KubePodCrashLooping"]
    assert sim.alerts_at(scenario.recovery + 15 * 60 + 60) == []


def test_a_window_averages_the_level_and_nested_windows_add_up() -> None:
    curve = Curve("m", baseline=0.0, changes=(Change(at=0.0, to=10.0),))  # a step from 0 to 10 at t=0
    assert reading_at(curve, 300.0, (("rate", 600.0),)) == pytest.approx(5.0)  # half the window after the step
    assert reading_at(curve, 600.0, (("rate", 600.0),)) == pytest.approx(10.0)
    assert reading_at(curve, 300.0, (("max_over_time", 600.0),)) == pytest.approx(10.0)
    assert reading_at(curve, 300.0, (("min_over_time", 600.0),)) == pytest.approx(0.0)
    # max_over_time(rate(x[5m])[30m:1m]): the 5-minute rate has reached 10 five minutes after the step
    chain = (("max_over_time", 1800.0), ("rate", 300.0))
    assert reading_at(curve, 150.0, chain) == pytest.approx(5.0)
    assert reading_at(curve, 1800.0 + 300.0, chain) == pytest.approx(10.0)
    assert reading_at(curve, 1800.0 + 301.0, chain) == pytest.approx(10.0)
    # and a fix reaches it only once it has left both windows: 35 minutes
    fixed = {"fixed_at": 3600.0, "recovery": 0.0}
    assert reading_at(curve, 3600.0 + 2099.0, chain, **fixed) > 0
    assert reading_at(curve, 3600.0 + 2100.0, chain, **fixed) == pytest.approx(0.0)


def test_the_average_is_exact_between_the_bends() -> None:
    curve = Curve("m", baseline=1.0, changes=(Change(at=-600.0, to=5.0, over=300.0), Change(at=-100.0, spike=9.0,
                                                                                            hold=50.0)))
    f = lambda s: clean_at(curve, s, 0.0, 120.0)  # noqa: E731
    bends = kinks(curve, 0.0, 120.0)
    n = 200_000  # a fine midpoint sum to compare with
    brute = sum(f(-900.0 + (i + 0.5) * 1200.0 / n) for i in range(n)) / n
    assert windowed(f, bends, 300.0, 1200.0, "mean") == pytest.approx(brute, rel=1e-4)
