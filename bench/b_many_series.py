"""poll_many_series: the longest stall of the app's event loop while the metrics pane polls 5,000 series.

The app runs headless (`App.run_test`) on a runbook whose one metric the local
fault server (its own process: tests/fixtures/fault_server.py, mode `many`)
answers with 5,000 series, gzipped as Prometheus sends them. A probe on the
app's loop sleeps 5 ms at a time and records how late it wakes; the row is the
longest lateness over a poll with range data (5,000 series x 120 points for the
sparkline) and the plain polls after it, against a 50 ms budget.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from bench.harness import Result

BUDGET_S = 0.050
SERIES = 5000
POLLS = 5  # plain polls measured after the one with range data
ROOT = Path(__file__).parent.parent

RUNBOOK = """\
id: many-series
title: Refusals across every model
version: 1
summary: One metric whose query returns thousands of series.
category: unexpected-output
severity_hint: high
metrics:
  refusal_all:
    title: Refusal rate, every model
    query: ai_refusal_ratio
    unit: percent-ratio
    warn: 0.5
    crit: 0.9
start: check
steps:
  check:
    do: Watch the refusal rate.
    next: done
  done:
    outcome: resolved
    say: Done.
"""


def _start_server() -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen([sys.executable, "-m", "tests.fixtures.fault_server", "many", str(SERIES)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    url = proc.stdout.readline().strip()
    if not url.startswith("http://"):
        proc.kill()
        raise RuntimeError("the fault server did not start")
    return proc, url


async def _measure(folder: Path, url: str) -> float:
    from tui.app.factory import make_app
    from tui.app.screens.incident import IncidentScreen
    from tui.config import load_settings

    (folder / "rb").mkdir()
    (folder / "rb" / "many-series.yaml").write_text(RUNBOOK)
    settings = replace(load_settings({"runbooks": [str(folder / "rb")], "journal": str(folder / "journal.json"),
                                      "prometheus": url}, env={"HOME": str(folder)}), poll_interval=1.0)
    app = make_app(settings, runbook="many-series", cursor_blink=False)
    async with app.run_test(size=(120, 40)) as pilot:
        deadline = time.monotonic() + 60
        while not (isinstance(app.screen, IncidentScreen) and app.screen.snapshot is not None):
            if time.monotonic() > deadline:
                raise RuntimeError(f"the incident screen never showed a snapshot (on {type(app.screen).__name__})")
            await pilot.pause(0.02)
        screen = app.screen
        poller = screen.metrics_source
        first = screen.snapshot
        reading = first.readings["refusal_all"]
        assert reading.series_total == SERIES, f"expected {SERIES} series, got {reading.series_total}"
        await pilot.pause(0.3)  # let start-up work settle: only the polls are measured

        worst = 0.0
        stop = asyncio.Event()

        async def probe() -> None:
            nonlocal worst
            while not stop.is_set():
                start = time.perf_counter()
                await asyncio.sleep(0.005)
                worst = max(worst, time.perf_counter() - start - 0.005)

        task = asyncio.get_running_loop().create_task(probe())
        seen = [screen.snapshot]
        poller.set_queries(poller.queries)  # the same queries: range data is fetched again, at once
        while len(seen) < POLLS + 2 and time.monotonic() < deadline + 60:
            if screen.snapshot is not seen[-1]:
                seen.append(screen.snapshot)
            await asyncio.sleep(0.01)
        stop.set()
        await task
        assert len(seen) == POLLS + 2, "the poller did not deliver every poll"
        assert screen.snapshot.readings["refusal_all"].history, "the range data never arrived"
    return worst


def poll_many_series(quick: bool = False) -> Result:
    runs = 1 if quick else 3
    proc, url = _start_server()
    try:
        stalls = []
        for _ in range(runs):
            with tempfile.TemporaryDirectory(prefix="oncall-bench-series-") as folder:
                stalls.append(asyncio.run(_measure(Path(folder), url)))
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    stalls.sort()
    stall = stalls[len(stalls) // 2]
    return Result("poll_many_series", stall, BUDGET_S, stall / BUDGET_S, 1.0, runs,
                  f"median of {runs} runs' longest loop stall over {POLLS + 1} polls of {SERIES:,} series "
                  f"(one with range data) vs a 50 ms budget; runs: "
                  + ", ".join(f"{s * 1000:.0f}" for s in stalls) + " ms")


def benchmark(name: str, quick: bool = False) -> Result:
    if name != "poll_many_series":
        raise KeyError(name)
    return poll_many_series(quick)
