"""The simulated AI service of one scenario: its metrics, alerts and command outputs over time.

Simulated time runs `speed` times faster than the wall clock and is 0 at the
moment the simulation starts (the page); the incident began before that, at the
scenario's negative times. Running one of the scenario's fix commands starts the
recovery. Thread-safe: the exporter reads it from its HTTP thread while the app
or the CLI runs commands.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from tui import promql
from tui.drill.curve import Chain, reading_at, value_at
from tui.drill.scenario import NOISE_TICK, SIMULATED, Export, Scenario, Script
from tui.errors import OncallError
from tui.metrics.thresholds import classify
from tui.runbook.model import Runbook
from tui.runbook.render import check_params, render_query, render_text

# `@{-14m:date}` in a scripted output: a time relative to the page, in the simulated world's clock.
TIME_TOKEN = re.compile(r"@\{(-?[0-9]+(?:\.[0-9]+)?)([smhd])(?::(time|date|iso|epoch|ago))?\}")
_TOKEN_UNITS = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
_RANK = {"ok": 0, "nodata": 0, "warn": 1, "crit": 2}
ALERT_LOOKBACK = 4 * 3600.0  # how far back an alert's start is searched (simulated seconds)
ALERT_STEP = 60.0  # and in steps of this much


@dataclass(frozen=True)
class FiringAlert:
    alertname: str
    labels: dict[str, str]
    metric: str
    value: float
    since: float  # simulated time the condition began
    summary: str = ""
    fired_at: float = 0.0  # simulated time it started firing (the condition held for its `for:`)


@dataclass(frozen=True)
class CommandReply:
    """A scripted command's answer in a drill."""

    command: str
    lines: tuple[str, ...]
    exit_code: int
    seconds: float  # wall seconds it seems to take
    fixed: bool = False  # this run started the recovery


@dataclass
class Simulation:
    scenario: Scenario
    runbook: Runbook
    seed: int = 0
    speed: float = 1.0
    wall: Callable[[], float] = time.time
    origin: float = field(default=0.0)  # wall time of simulated time 0
    fixed_at: float | None = None  # simulated time the fix ran
    fixed_by: str | None = None
    commands_run: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.speed <= 0:
            raise OncallError("--speed must be greater than 0, such as 1 or 10.")
        if not self.origin:
            self.origin = self.wall()
        self._lock = threading.Lock()
        self.params = self.runbook.default_params()
        self.windows: dict[str, Chain] = {name: _windows(self.runbook, name) for name in self.scenario.curves}

    # -- time -----------------------------------------------------------------

    def now(self) -> float:
        """Simulated seconds since the page."""
        return self.sim_at(self.wall())

    def sim_at(self, wall: float) -> float:
        return (wall - self.origin) * self.speed

    def wall_at(self, sim: float) -> float:
        return self.origin + sim / self.speed

    def world(self, sim: float) -> float:
        """Unix time in the simulated world: the page is at `origin`, and the world clock runs at `speed`."""
        return self.origin + sim

    def render_times(self, text: str) -> str:
        """Replace `@{-14m:date}` tokens with times relative to the page."""
        def repl(m: re.Match[str]) -> str:
            t = float(m.group(1)) * _TOKEN_UNITS[m.group(2)]
            when = datetime.fromtimestamp(self.world(t), UTC)
            style = m.group(3) or "time"
            if style == "date":
                return when.strftime("%Y-%m-%d %H:%M UTC")
            if style == "iso":
                return when.strftime("%Y-%m-%dT%H:%M:%SZ")
            if style == "epoch":
                return str(int(self.world(t)))
            if style == "ago":
                return f"{max(0, round((self.now() - t) / 60))} min ago"
            return when.strftime("%H:%M")
        return TIME_TOKEN.sub(repl, text)

    # -- values ---------------------------------------------------------------

    def value(self, metric: str, t: float | None = None) -> float:
        """What the runbook's query for `metric` reads at `t`: the signal through the query's windows."""
        curve = self.scenario.curves[metric]
        t = self.now() if t is None else t
        with self._lock:
            fixed_at = self.fixed_at
        return reading_at(curve, t, self.windows.get(metric, ()), seed=self.seed, salt=self.scenario.id,
                          fixed_at=fixed_at, recovery=self.scenario.recovery)

    def signal(self, metric: str, t: float | None = None) -> float:
        """The service itself at the instant `t` (what an exporter serves; Prometheus applies the windows)."""
        curve = self.scenario.curves[metric]
        t = self.now() if t is None else t
        with self._lock:
            fixed_at = self.fixed_at
        return value_at(curve, t, seed=self.seed, salt=self.scenario.id, fixed_at=fixed_at,
                        recovery=self.scenario.recovery)

    def window(self, metric: str) -> float:
        """How long the query for `metric` holds a sample: after the fix it lags the service by this much."""
        return sum((w for _, w in self.windows.get(metric, ())), 0.0)

    def values(self, t: float | None = None) -> dict[str, float]:
        t = self.now() if t is None else t
        return {name: self.value(name, t) for name in self.scenario.curves}

    def state(self, metric: str, t: float | None = None) -> str:
        return classify(self.value(metric, t), self.runbook.metrics[metric])

    def export_value(self, metric: str, export: Export, t: float) -> float:
        return export.transform(self.signal(metric, t))

    # -- alerts ---------------------------------------------------------------

    def _bad(self, metric: str, state: str, t: float) -> bool:
        return _RANK.get(self.state(metric, t), 0) >= _RANK[state]

    def alerts_at(self, t: float | None = None) -> list[FiringAlert]:
        """Alerts whose condition has held for their `for:` at simulated time `t`."""
        t = self.now() if t is None else t
        firing = []
        for rule in self.scenario.alerts:
            if not self._bad(rule.metric, rule.state, t):
                continue
            # It fires when the condition held at every noise tick of its `for:` ...
            if not all(self._bad(rule.metric, rule.state, t - k * NOISE_TICK)
                       for k in range(1, int(rule.hold // NOISE_TICK) + 1)):
                continue
            # ... and it has been firing since about where the condition began (a coarser search).
            since = t - rule.hold
            while since - ALERT_STEP >= t - ALERT_LOOKBACK and self._bad(rule.metric, rule.state, since - ALERT_STEP):
                since -= ALERT_STEP
            labels = {"alertname": rule.alertname, **rule.labels}
            summary = render_text(rule.summary, self.params) if rule.summary else ""
            firing.append(FiringAlert(rule.alertname, labels, rule.metric, self.value(rule.metric, t), since, summary,
                                      since + rule.hold))
        return firing

    # -- actions --------------------------------------------------------------

    @property
    def fixed(self) -> bool:
        with self._lock:
            return self.fixed_at is not None

    def fix(self, t: float | None = None, by: str | None = None) -> bool:
        """Start the recovery (once); True when this call started it."""
        t = self.now() if t is None else t
        with self._lock:
            if self.fixed_at is not None:
                return False
            self.fixed_at, self.fixed_by = t, by
            return True

    def run_command(self, name: str, values: Mapping[str, str] | None = None) -> CommandReply:
        """The scripted answer to a runbook command; a fix command starts the recovery."""
        if name not in self.runbook.commands:
            known = ", ".join(self.runbook.commands) or "none"
            raise OncallError(f"Runbook {self.runbook.id} has no command {name!r} (its commands: {known}).")
        with self._lock:
            self.commands_run.append(name)
        fixed_before = self.fixed
        script: Script | None = self.scenario.script(name)
        params = {**self.params, **(values or {})}
        if script is None:
            body, code, secs = f"(the scenario {self.scenario.id} scripts no output for {name})", 0, 0.5
        elif fixed_before and script.after_fix is not None:
            body = script.after_fix
            code = script.after_fix_exit if script.after_fix_exit is not None else script.exit
            secs = script.seconds
        else:
            body, code, secs = script.output, script.exit, script.seconds
        started = name in self.scenario.fix_commands and self.fix(by=name)
        lines = [f"[{SIMULATED}] {name}: drill {self.scenario.id}; nothing was run."]
        lines += render_text(self.render_times(body.rstrip("\n")), params).splitlines()
        if started:
            lag = sorted({(self.window(m), m) for m, c in self.scenario.curves.items() if c.recovers and self.window(m)})
            held = "; ".join(f"{m} reads a window of {_span(w)}, so it follows up to {_span(w)} later"
                             for w, m in lag)
            lines.append(f"[{SIMULATED}] The fix is in: the service's metrics return to baseline over the next "
                         f"{_span(self.scenario.recovery)} (simulated time)" + (f"; {held}." if held else "."))
        else:  # the last line too: a long output scrolls the first one away
            lines.append(f"[{SIMULATED}] end of {name}'s scripted output.")
        return CommandReply(name, tuple(lines), code, secs / self.speed, started)


def _windows(runbook: Runbook, metric: str) -> Chain:
    """The windows that hold samples in the runbook's query for `metric` (none for an instant query)."""
    try:
        read = promql.parse(render_query(runbook.metrics[metric].query, check_params(runbook, {}))).longest_live
    except OncallError:  # the scenario's validator reports it; the metric then reads its signal
        return ()
    return read.holding_chain if read is not None else ()


def _span(seconds: float) -> str:
    return f"{seconds / 60:g} minutes" if seconds >= 120 else f"{seconds:g} seconds"
