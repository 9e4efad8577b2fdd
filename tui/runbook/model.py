"""The runbook model: plain dataclasses built by the validator from a loaded file.

A `Runbook` only exists for a file that passed validation, so code that walks or
runs it can trust every reference in it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from tui.runbook.kinds import StepKind

CATEGORIES = ("model-failure", "data-pipeline", "infrastructure", "unexpected-output")
SEVERITIES = ("critical", "high", "medium", "low")
UNITS = ("percent-ratio", "percent", "seconds", "ms", "count", "bytes", "none")
DIRECTIONS = ("above", "below")
METRIC_STATES = ("ok", "warn", "crit", "stale", "nodata")  # a choice's `when:` (settling and partial never pre-select)
TRENDS = ("rising", "falling", "flat")  # `when: falling`: the metric's recent direction (tui.metrics.trend)
OUTCOMES = ("resolved", "escalate", "handoff")
STEP_STATUSES = ("investigating", "contained", "resolved")
JUMP_PREFIX = "runbook:"
DEFAULT_TIMEOUT = 60.0


@dataclass(frozen=True)
class Position:
    path: str
    line: int  # 1-based
    col: int  # 1-based

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}"


@dataclass(frozen=True)
class Param:
    name: str
    prompt: str
    default: str | None = None
    pattern: str | None = None


@dataclass(frozen=True)
class Metric:
    name: str
    title: str
    query: str
    unit: str = "none"
    warn: float | None = None
    crit: float | None = None
    direction: str = "above"


@dataclass(frozen=True)
class Command:
    name: str
    title: str
    run: tuple[str, ...] | None = None  # argv; exactly one of run / shell
    shell: str | None = None
    timeout: float = DEFAULT_TIMEOUT
    danger: bool = False
    read_only: bool = False  # reviewed: changes nothing though it looks like a write (lint does not flag it)
    approve: bool = False  # another responder must approve each run (tui/incident/approval.py)


@dataclass(frozen=True)
class When:
    """What pre-selects a choice: a metric state (held for `hold` seconds), a trend, an exit code
    (or any failure: `nonzero`) or an output regex."""

    state: str | None = None
    exit: int | None = None
    output: str | None = None
    trend: str | None = None
    hold: float | None = None  # {state: crit, for: 5m}: the state has held at least this many seconds
    nonzero: bool = False  # {exit: nonzero}: the command finished and failed

    @property
    def reads_metric(self) -> bool:
        return self.state is not None or self.trend is not None

    @property
    def reads_command(self) -> bool:
        return self.exit is not None or self.output is not None or self.nonzero


@dataclass(frozen=True)
class Choice:
    label: str
    next: str  # a step id, or "runbook:ID"
    when: When | None = None

    @property
    def jump(self) -> str | None:
        """The runbook id this choice jumps into, if it leaves this runbook."""
        return self.next[len(JUMP_PREFIX):] if self.next.startswith(JUMP_PREFIX) else None


@dataclass(frozen=True)
class Step:
    id: str
    kind: StepKind
    text: str  # the question, the action, or what to say at the outcome
    detail: str | None = None
    metric: str | None = None
    command: str | None = None  # ask: the command whose result pre-selects a choice
    commands: tuple[str, ...] = ()  # do: the commands offered
    choices: tuple[Choice, ...] = ()
    checklist: tuple[str, ...] = ()
    next: str | None = None  # do: where to go when done (a step id or "runbook:ID")
    outcome: str | None = None  # resolved | escalate | handoff
    status: str | None = None  # incident status reached once this step is done

    @property
    def offered_commands(self) -> tuple[str, ...]:
        """Every command this step offers, the pre-selecting one first."""
        names = ((self.command,) if self.command else ()) + self.commands
        return tuple(dict.fromkeys(names))

    @property
    def targets(self) -> tuple[str, ...]:
        if self.kind == "ask":
            return tuple(c.next for c in self.choices)
        return (self.next,) if self.next else ()


@dataclass(frozen=True)
class AlertMatch:
    alertname: str
    labels: dict[str, str] = field(default_factory=dict)

    def matches(self, labels: dict[str, str]) -> bool:
        if labels.get("alertname") != self.alertname:
            return False
        return all(labels.get(k) == v for k, v in self.labels.items())


# When an audience's first update is due: from the page, once impact is confirmed, once mitigation is
# chosen, once scope and ETA are known (tui/integrations/audiences.py holds the rule).
COMMS_TRIGGERS = ("opened", "impact", "mitigation", "scope_eta")


@dataclass(frozen=True)
class Comms:
    name: str
    every: float | None  # seconds between updates; None = once
    template: str
    trigger: str | None = None  # when it is first due (COMMS_TRIGGERS); None: by its name, else from the page


@dataclass(frozen=True)
class Runbook:
    id: str
    title: str
    version: int
    summary: str
    category: str
    severity_hint: str
    start: str
    steps: dict[str, Step]
    owners: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    symptoms: tuple[str, ...] = ()
    alerts: tuple[AlertMatch, ...] = ()
    params: dict[str, Param] = field(default_factory=dict)
    metrics: dict[str, Metric] = field(default_factory=dict)
    commands: dict[str, Command] = field(default_factory=dict)
    comms: dict[str, Comms] = field(default_factory=dict)
    path: Path | None = None
    last_reviewed: str | None = None  # YYYY-MM-DD

    def default_params(self, given: Mapping[str, str] | None = None,
                       env: Mapping[str, str] | None = None) -> dict[str, str]:
        """The defaults, for the values `given` (typed, or an alert's labels) in the environment whose
        `${env.NAME}` values are `env`.

        A default may derive from other parameters (`deployment: {default: "${model}-predictor"}`) or from
        the environment (`namespace: {default: "${env.namespace:-ml-prod}"}`): it is filled from them, and
        left out (to be asked) when one has no value and no fallback. A plain default that holds the
        default of a parameter given another value is left out too: `fraud-detector-predictor` says
        nothing about the deployment of an alert for model=credit-risk.
        """
        from tui.runbook.render import derived_default

        given = given or {}
        plain = {p.name: p.default for p in self.params.values() if p.default is not None and "${" not in p.default}
        known = {**plain, **(env or {}), **given}
        changed = [plain[n] for n, v in given.items() if n in plain and v != plain[n] and len(plain[n]) >= 3]
        out = {}
        for p in self.params.values():
            if p.default is None:
                continue
            if "${" in p.default:
                value = derived_default(p.default, known)
                if value:  # `${env.kube_context:-}` with no such var: nothing to offer, so it is asked
                    out[p.name] = value
            elif p.name in given or not any(old in p.default for old in changed):
                out[p.name] = p.default
        return out

    def jumps(self) -> set[str]:
        return {c.jump for s in self.steps.values() for c in s.choices if c.jump} | {
            s.next[len(JUMP_PREFIX):] for s in self.steps.values() if s.next and s.next.startswith(JUMP_PREFIX)
        }

    def walk_order(self) -> list[Step]:
        """Steps in the order a walk first meets them (breadth first from start)."""
        seen: dict[str, None] = {}
        queue = [self.start]
        while queue:
            sid = queue.pop(0)
            if sid in seen or sid not in self.steps:
                continue
            seen[sid] = None
            queue.extend(t for t in self.steps[sid].targets if not t.startswith(JUMP_PREFIX))
        return [self.steps[s] for s in seen]

    def search_text(self) -> str:
        """Everything a responder might type to find this runbook."""
        parts = [self.id, self.title, self.summary, *self.tags, *self.symptoms]
        parts += [a.alertname for a in self.alerts]
        for step in self.steps.values():
            parts.append(step.text)
            if step.detail:
                parts.append(step.detail)
        return " \n".join(parts)
