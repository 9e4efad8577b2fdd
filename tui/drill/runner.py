"""Commands in a drill: nothing runs; each is answered by the scenario's scripted output.

`SimulatedLaunch` has the surface of tui.launch.Launch that the app uses (run,
cancel, display) and returns a real `RunResult`, so the journal records the run
like any other, with the display marked SIMULATED. The danger gate still
applies: a drill is where responders practise typing the confirmation.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from tui.drill.scenario import SIMULATED
from tui.drill.sim import CommandReply, Simulation
from tui.launch.command import PreparedCommand
from tui.launch.danger import check_danger
from tui.launch.result import RunResult

if TYPE_CHECKING:
    from tui.config import Settings

LinesCallback = Callable[[list[str]], Any]
PIECES = 4  # the output arrives in this many parts over the command's scripted duration
# Diagnostic commands read ${env.prometheus_url}; a drill needs no Prometheus, so without one configured
# they show Prometheus's own default address (nothing is queried: the scenario scripts their output).
DRILL_PROMETHEUS_URL = "http://127.0.0.1:9090"


def drill_settings(settings: Settings) -> Settings:
    """The settings a drill prepares commands with: a Prometheus URL for them to show, when none is set."""
    return settings if settings.prometheus_url else replace(settings, prometheus_url=DRILL_PROMETHEUS_URL)


class SimulatedLaunch:
    """`answer` is called once, when the run starts: the scripted reply (and the fix, if this is it)."""

    def __init__(self, answer: Callable[[], CommandReply], prepared: PreparedCommand, *,
                 on_lines: LinesCallback | None = None) -> None:
        self.answer = answer
        self.prepared = prepared
        self.argv = prepared.argv
        self.display = f"[{SIMULATED}] {prepared.display}"
        self.on_lines = on_lines
        self.timeout = prepared.timeout
        self.pid: int | None = None  # no process, ever
        self._cancel = asyncio.Event()
        self._started = False

    def cancel(self) -> None:
        self._cancel.set()

    async def _deliver(self, lines: list[str]) -> None:
        if self.on_lines is None or not lines:
            return
        result = self.on_lines(lines)
        if inspect.isawaitable(result):
            await result

    async def run(self) -> RunResult:
        if self._started:
            raise RuntimeError("a SimulatedLaunch runs only once; create a new one")
        self._started = True
        started_at = datetime.now(UTC)
        t0 = time.monotonic()
        if self._cancel.is_set():
            return self._result(started_at, 0.0, [], None, cancelled=True)
        reply = self.answer()
        lines = list(reply.lines)
        size = max(1, -(-len(lines) // PIECES))
        delivered: list[str] = []
        for i in range(0, len(lines), size):
            piece = lines[i:i + size]
            try:
                await asyncio.wait_for(self._cancel.wait(), reply.seconds / PIECES)
                return self._result(started_at, time.monotonic() - t0, delivered, None, cancelled=True)
            except TimeoutError:
                pass
            await self._deliver(piece)
            delivered += piece
        return self._result(started_at, time.monotonic() - t0, delivered, reply.exit_code)

    def _result(self, started_at: datetime, duration: float, lines: list[str], exit_code: int | None,
                cancelled: bool = False) -> RunResult:
        return RunResult(argv=tuple(self.argv), display=self.display, started_at=started_at, duration=duration,
                         exit_code=exit_code, signal=None, timed_out=False, cancelled=cancelled,
                         timeout=self.timeout, head=tuple(lines), tail=(), total_lines=len(lines), log_path=None)


def launcher_for(sim: Simulation) -> Callable[..., SimulatedLaunch]:
    """A drop-in for tui.launch.launch_for that answers from the scenario instead of running anything."""

    def launch_for(prepared: PreparedCommand, settings: Any, *, confirmed: bool = False,
                   on_lines: LinesCallback | None = None, confirmed_environment: str | None = None,
                   **_options: Any) -> SimulatedLaunch:
        check_danger(prepared, read_only=getattr(settings, "read_only", False), confirmed=confirmed,
                     confirmed_environment=confirmed_environment)
        return SimulatedLaunch(lambda: sim.run_command(prepared.name, prepared.params), prepared, on_lines=on_lines)

    return launch_for


def unscripted(prepared: PreparedCommand, settings: Any, *, confirmed: bool = False,
               on_lines: LinesCallback | None = None, confirmed_environment: str | None = None,
               **_options: Any) -> SimulatedLaunch:
    """A command of a runbook the drill does not simulate (reached by a jump): answered, never run."""
    check_danger(prepared, read_only=getattr(settings, "read_only", False), confirmed=confirmed,
                 confirmed_environment=confirmed_environment)
    line = (f"[{SIMULATED}] {prepared.name}: this drill scripts no output for runbook {prepared.runbook_id}; "
            "nothing was run.")
    return SimulatedLaunch(lambda: CommandReply(prepared.name, (line,), 0, 0.0), prepared, on_lines=on_lines)
