"""key_latency: how long a key waits to be handled while 200,000 lines stream into the output pane (p99).

A key is sent the way a terminal sends it (through the driver); it counts as handled
when the focused widget has dispatched it, seen through Textual's message hook.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path

from bench.harness import Result, p99

# The script as YAML's double-quoted string spells it (\n is a newline there).
_FLOOD_SCRIPT = r"import sys\nw = sys.stdout.write\nfor i in range(200000): w(f'line {i} status=ok latency_ms={i % 997}\\n')"

FLOOD = f"""\
id: flood
title: Flood the output pane
version: 1
summary: Prints 200,000 lines as fast as it can.
category: infrastructure
severity_hint: low
commands:
  flood:
    title: Print 200,000 lines
    run: [{sys.executable}, -c, "{_FLOOD_SCRIPT}"]
    timeout: 300
start: watch
steps:
  watch:
    do: Watch the output.
    commands: [flood]
    next: done
  done:
    outcome: resolved
    say: Done.
"""


async def _measure(folder: Path) -> list[float]:
    from textual import events

    from tui.app.factory import make_app
    from tui.config import load_settings

    (folder / "rb").mkdir()
    (folder / "rb" / "flood.yaml").write_text(FLOOD)
    settings = load_settings({"runbooks": [str(folder / "rb")], "journal": str(folder / "journal.json")},
                             env={"HOME": str(folder)})
    app = make_app(settings, runbook="flood", cursor_blink=False)
    sent: dict[int, float] = {}
    handled: dict[int, float] = {}

    def hook(message) -> None:
        if isinstance(message, events.Key) and id(message) in sent:
            handled[id(message)] = time.perf_counter()  # the last pump to dispatch it wins

    async with app.run_test(size=(120, 40), message_hook=hook) as pilot:
        for _ in range(500):
            if type(app.screen).__name__ == "IncidentScreen":
                break
            if type(app.screen).__name__ == "ParamsScreen":
                await pilot.press("enter")
            await pilot.pause(0.02)
        screen = app.screen

        def send(name: str) -> events.Key:
            key = events.Key(name, None)
            key.set_sender(app)
            sent[id(key)] = time.perf_counter()
            app._driver.send_message(key)  # as a terminal would: Pilot.press would wait for the stream to end
            return key

        send("r")
        keys, started = [], False
        deadline = time.perf_counter() + 120
        while time.perf_counter() < deadline:
            running = getattr(screen, "running", None) is not None
            if running:
                started = True
                keys.append(send("f19"))  # bound to nothing: measures the wait in the queue, not a handler
            elif started:
                break
            await asyncio.sleep(0.005)
        assert started, "the command did not start"
        await pilot.pause(0.2)
    assert len(keys) >= 10, f"the stream finished too quickly to sample keys ({len(keys)})"
    return [handled[id(k)] - sent[id(k)] for k in keys if id(k) in handled] + \
        [float("inf")] * sum(id(k) not in handled for k in keys)


def key_latency(quick: bool = False) -> Result:
    runs = 1 if quick else 3
    samples = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory(prefix="oncall-bench-keys-") as folder:
            latencies = asyncio.run(_measure(Path(folder)))
            samples.append(p99(latencies))
    worst = max(samples)
    return Result("key_latency", worst, 0.100, worst / 0.100, 1.0, runs,
                  f"p99 key wait during a 200,000-line stream vs a 100 ms budget ({len(latencies)} keys in the last run)")
