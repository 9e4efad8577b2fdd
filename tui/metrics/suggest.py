"""Decision support: which answer the evidence points to, and why, in words.

Nothing here ever chooses: the walker shows the suggestion pre-selected and the
person confirms it with a key. Rules:

- A command result (the step's `command`, run by the person) is the most
  specific evidence, so a choice it matches wins over a metric state.
- Choices are tried in the runbook's order; the first that matches is suggested.
- `{exit: N}` matches a finished command with that exit code; `{exit: nonzero}`
  one that finished and failed (a non-zero code, a signal, a timeout, or it never
  started); `{output: REGEX}` is searched (multi-line) in the last MiB of output,
  finished or not.
- A metric's `stale` choice also answers `down`: in both cases there is no
  fresh value, and the runbook's advice for that case applies.
- A `settling` or `partial` metric suggests nothing: its value speaks of the
  past, or of part of the data. `{state: crit, for: 5m}` needs the state to have
  held that long; `falling`/`rising`/`flat` match the metric's trend while its
  value is fresh.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from tui.metrics.readings import Reading, wait_words
from tui.metrics.thresholds import HOLD_STATES, crossing_text
from tui.runbook.model import Choice, Step, When

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
        if when.nonzero and _failed(result):
            how = f"exited with code {result.exit_code}" if result.exit_code is not None else "failed"
            return Suggestion(index, choice, f"{name} {how}")
        if when.output is not None:
            try:
                found = re.search(when.output, tail, re.MULTILINE)
            except re.error:  # the validator rejects these; never crash on one that slipped through
                continue
            if found:
                line = " ".join(found.group(0).split())[:80]
                return Suggestion(index, choice, f"{name} printed {line!r}, matching {when.output!r}")
    return None


def _failed(result: CommandResult) -> bool:
    """Finished and not a success: a non-zero code, or no code at all once it ended (signal, timeout, never ran)."""
    if result.exit_code is not None:
        return result.exit_code != 0
    # CommandOutcome's "timed out after 30 s", "killed by SIGKILL", "did not start"; a cancel is the person's choice
    status = getattr(result, "status", None)
    return isinstance(status, str) and bool(status) and not status.startswith("exit") and status != "cancelled"


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


def _matches(when: When, reading: Reading) -> str | None:
    """Why `when` matches the reading (a reason's tail), or None."""
    state = reading.state
    if when.trend is not None:
        return f" and is {when.trend}" if state in ("ok", "warn", "crit") and reading.trend == when.trend else None
    wanted = ("stale", "down") if state in ("stale", "down") else (state,)
    if when.state not in wanted:
        return None
    if when.hold:
        held = reading.held_s()
        if held is None or held < when.hold:
            return None
        return f" for {wait_words(held)}"
    return ""


def _from_metric(step: Step, reading: Reading) -> Suggestion | None:
    if step.metric is not None and reading.name != step.metric:
        return None
    if reading.state in HOLD_STATES:  # settling or partial: wait, do not guess
        return None
    for index, choice in enumerate(step.choices):
        if choice.when is None:
            continue
        tail = _matches(choice.when, reading)
        if tail is not None:
            return Suggestion(index, choice, _reason(reading) + tail)
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
