"""sync_latency: p95 time from one responder's note to its row in a second app's journal pane (shared file on
a local disk), against a 1 s budget. big_incident: an incident of 100,000 events opened in the app until it takes
a key, against a 1 s budget (its export and memory are checked on the way)."""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.harness import Result

NOTES = 20


def _p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


async def _wait(pilot: Any, condition: Any, limit: float = 30.0, step: float = 0.005) -> None:
    deadline = time.perf_counter() + limit
    while not condition():
        if time.perf_counter() > deadline:
            raise AssertionError("the app did not get there in time")
        await pilot.pause(step)


def _settings(folder: Path, user: str, **more: Any) -> Any:
    from tui.config import load_settings

    flags = {"runbooks": [str(folder / "rb")], "journal": str(folder / user / "journal.json"), "user": user, **more}
    return load_settings(flags, env={"HOME": str(folder)})


RUNBOOK = "bench-refusals-0000"


def _library(folder: Path) -> None:
    from bench.data import make_runbooks

    make_runbooks(folder / "rb", 1)


async def _latencies(folder: Path, count: int) -> list[float]:
    from tui.app.factory import make_app
    from tui.journal import Journal

    _library(folder)
    shared = folder / "team" / "shared.journal"
    shared.parent.mkdir()
    # The first app: a responder whose note syncs in the background, as the app's note key does.
    alice = Journal(folder / "alice" / "journal.json", shared, "alice", sync_on_write="background")
    incident = alice.new_incident("Sync latency", severity="high", runbook=RUNBOOK)
    alice.wait_synced()
    bob = make_app(_settings(folder, "bob", shared=str(shared)), cursor_blink=False)
    samples = []
    async with bob.run_test(size=(120, 40)) as pilot:
        await _wait(pilot, lambda: bob.loaded is not None and bob.journal is not None)
        bob.join_incident(incident.id)
        await _wait(pilot, lambda: type(bob.screen).__name__ == "IncidentScreen" and bob.screen.query("#journal"))
        screen = bob.screen
        pane = screen.query_one("#journal")
        await _wait(pilot, lambda: getattr(screen, "synced_at", None) is not None)
        for i in range(count):
            await pilot.pause(0.1)  # notes a little apart, as people write them
            started = time.perf_counter()
            event = alice.add_event(incident.id, "note", f"alice's note {i}")
            await _wait(pilot, lambda eid=event.id: eid in pane.seen, step=0.002)
            samples.append(time.perf_counter() - started)
    alice.close()
    return samples


def sync_latency(quick: bool = False) -> Result:
    count = 10 if quick else NOTES
    with tempfile.TemporaryDirectory(prefix="oncall-bench-sync-") as folder:
        samples = asyncio.run(_latencies(Path(folder), count))
    p95 = _p95(samples)
    return Result("sync_latency", p95, 1.0, p95 / 1.0, 1.0, len(samples),
                  f"p95 of {len(samples)} notes, note to the other app's pane, shared file on local disk, vs 1 s")


def benchmark(name: str, quick: bool = False) -> Result:
    return {"sync_latency": sync_latency}[name](quick)
