"""A drill scenario: which runbook it exercises, how its metrics behave, what its commands print.

Plain frozen data built by `tui.drill.validate` from a YAML file that passed
validation, so the simulation can trust every reference in it. Times are in
simulated seconds from the page (0 = the moment the responder is paged;
negative = before it, when the incident began).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

EXPORT_KINDS = ("gauge", "counter", "ratio", "histogram")
ALERT_STATES = ("warn", "crit")
DEFAULT_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
NOISE_TICK = 5.0  # simulated seconds a noise draw holds, so a value is stable between close polls
SIMULATED = "SIMULATED"


@dataclass(frozen=True)
class Change:
    """From `at`, the level moves to `to` over `over` seconds (0 = a step), or spikes to `spike` for `hold`."""

    at: float
    to: float | None = None
    over: float = 0.0
    spike: float | None = None
    hold: float = 0.0


@dataclass(frozen=True)
class Export:
    """How one runbook metric's value becomes Prometheus series a real Prometheus can scrape.

    The value v is first transformed, u = (v + add) * scale, then:
    gauge: the gauge `name{labels}` is u; with `ago`, the unix time u seconds ago (for `time() - x`).
    counter: the counter `name{labels}` grows by u per `per` seconds (u/per per second).
    ratio: counters (or gauges) `name{labels, hit}` at u * per_second and `name{labels, rest}`
      at (1 - u) * per_second, or with `total`, `total{labels}` at per_second: so
      sum(hit) / sum(all) is u.
    histogram: `name_bucket{labels, le}` counters whose `quantile` is u, at per_second observations.
    """

    kind: str
    name: str
    labels: dict[str, str] = field(default_factory=dict)
    scale: float = 1.0
    add: float = 0.0
    per: float = 1.0  # counter: seconds over which the value accrues (value = increase over `per`)
    hit: dict[str, str] = field(default_factory=dict)  # ratio: labels of the numerator's share
    rest: dict[str, str] | None = None  # ratio: labels of the remainder (same name)
    total: str | None = None  # ratio: a separate denominator series name
    per_second: float = 10.0  # ratio and histogram: events per second
    gauges: bool = False  # ratio: gauges instead of counters
    quantile: float = 0.95  # histogram
    buckets: tuple[float, ...] = DEFAULT_BUCKETS
    ago: bool = False  # gauge: export the time u seconds before the scrape

    def transform(self, value: float) -> float:
        return (value + self.add) * self.scale


@dataclass(frozen=True)
class Curve:
    """A runbook metric's value over simulated time."""

    metric: str
    baseline: float
    noise: float = 0.0  # relative standard deviation of the noise (0.05 = 5% of the value)
    changes: tuple[Change, ...] = ()
    recovers: bool = True  # returns to baseline after the fix
    minimum: float | None = None
    maximum: float | None = None
    integer: bool = False  # counts: rounded to whole numbers
    exports: tuple[Export, ...] = ()


@dataclass(frozen=True)
class AlertRule:
    alertname: str
    metric: str
    state: str  # fires while the metric is at least this bad: warn or crit
    hold: float = 60.0  # the `for:` of the rule, simulated seconds
    labels: dict[str, str] = field(default_factory=dict)
    summary: str = ""


@dataclass(frozen=True)
class Script:
    """What a runbook command prints in the drill, before and after the fix."""

    command: str
    output: str
    exit: int = 0
    after_fix: str | None = None
    after_fix_exit: int | None = None
    seconds: float = 1.0  # how long it seems to take (wall seconds, scaled down by --speed)


@dataclass(frozen=True)
class Expected:
    path: tuple[str, ...]
    outcome: str = "resolved"
    severity: str | None = None


@dataclass(frozen=True)
class Scenario:
    id: str
    title: str
    runbook: str
    summary: str
    briefing: str
    curves: dict[str, Curve]
    fix_commands: tuple[str, ...]
    recovery: float  # simulated seconds from the fix to the baseline
    expected: Expected
    alerts: tuple[AlertRule, ...] = ()
    scripts: dict[str, Script] = field(default_factory=dict)
    tags: tuple[str, ...] = ()
    path: Path | None = None

    def script(self, command: str) -> Script | None:
        return self.scripts.get(command)
