"""Decision support: which answer the evidence points to, and why, in words.

Nothing here ever chooses: the walker shows the suggestion pre-selected and the
person confirms it with a key. Rules:

- A command result (the step's `command`, run by the person) is the most
  specific evidence, so a choice it matches wins over a metric state.
- Choices are tried in the runbook's order; the first that matches is suggested.
- `{exit: N}` matches a finished command with that exit code; `{output: REGEX}`
  is searched (multi-line) in the last MiB of output, finished or not.
- A metric's `stale` choice also answers `down`: in both cases there is no
  fresh value, and the runbook's advice for that case applies.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from tui.metrics.readings import Reading
from tui.metrics.thresholds import crossing_text
from tui.runbook.model import Choice, Step

OUTPUT_SEARCH_LIMIT = 1 << 20


class CommandResult(Protocol):
    """What suggest needs from a command run: its exit code (None while running or when a signal
    ended it) and its output, as a string or as a method returning one (`tui.launch`'s RunResult)."""

    @property
    def exit_code(self) -> int | None: ...

    @property
    def output(self) -> str | Callable[[], str]: ...


@dataclass(frozen=True)
class Suggestion:
    index: int  # into step.choices
    choice: Choice
    reason: str  # "refusal_rate 12.4% is above the 5% critical line"


def _from_command(step: Step, result: CommandResult) -> Suggestion | None:
    name = step.command or "the command"
    output = result.output
    tail = (output() if callable(output) else output)[-OUTPUT_SEARCH_LIMIT:]
    for index, choice in enumerate(step.choices):
        when = choice.when
        if when is None:
            continue
        if when.exit is not None and result.exit_code is not None and result.exit_code == when.exit:
            return Suggestion(index, choice, f"{name} exited with code {result.exit_code}")
        if when.output is not None:
            try:
                found = re.search(when.output, tail, re.MULTILINE)
            except re.error:  # the validator rejects these; never crash on one that slipped through
                continue
            if found:
                # The text it matched, as printed: the pattern itself (`can\\u2019t`, `[0-9]+`) means nothing
                # at 3am, and repr() would double every backslash of the line.
                line = " ".join(found.group(0).split())[:80]
                return Suggestion(index, choice, f"{name} printed '{line}'")
    return None


def _reason(reading: Reading) -> str:
    name = reading.name
    if reading.state == "down":
        return f"{name} is not live: Prometheus cannot be reached"
    if reading.state == "stale":
        return f"{name} has no fresh value"
    if reading.state == "nodata":
        return f"{name} has no data"
    worst = reading.worst_series
    label = reading.series_label(worst) if worst is not None and len(reading.series) > 1 else ""
    where = f" for {label}" if label else ""
    return f"{name} {reading.display}{where} {crossing_text(reading.state, reading.metric)}"


def _from_metric(step: Step, reading: Reading) -> Suggestion | None:
    if step.metric is not None and reading.name != step.metric:
        return None
    wanted = ("stale", "down") if reading.state in ("stale", "down") else (reading.state,)
    for index, choice in enumerate(step.choices):
        if choice.when is not None and choice.when.state in wanted:
            return Suggestion(index, choice, _reason(reading))
    return None


def suggest(step: Step, reading: Reading | None = None, result: CommandResult | None = None) -> Suggestion | None:
    """The choice of an `ask` step that the command result or metric reading points to, if any."""
    if step.kind != "ask" or not step.choices:
        return None
    if result is not None:
        found = _from_command(step, result)
        if found is not None:
            return found
    if reading is not None:
        return _from_metric(step, reading)
    return None
