"""Record a run in the incident journal: who ran what, with which values, how it ended, and its output.

The output is shortened (first and last lines) and redacted before it is stored:
credentials a command printed, and oncall's own secrets wherever they appear.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from tui.launch.command import PreparedCommand
from tui.launch.result import RunResult

if TYPE_CHECKING:  # the journal is imported only when a run is recorded
    from tui.journal import Event, Journal

JOURNAL_HEAD = 20  # lines of output kept in the journal, from the start
JOURNAL_TAIL = 60  # and from the end
JOURNAL_LINE_CHARS = 300


def _scrub(text: str, secrets: Iterable[str]) -> str:
    from tui.journal.redact import redact

    return redact(text, secrets)


def command_event(prepared: PreparedCommand, result: RunResult,
                  secrets: Iterable[str] = ()) -> tuple[str, dict[str, Any]]:
    """The (text, data) of a `command` journal event for this run."""
    secrets = [s for s in secrets if s]
    output = result.output(head=JOURNAL_HEAD, tail=JOURNAL_TAIL, max_chars=JOURNAL_LINE_CHARS)
    where = f" in environment {prepared.environment}" if prepared.environment else ""
    text = f"ran {prepared.name}: {result.display} ({result.status}, {result.duration:.1f} s){where}"
    data: dict[str, Any] = {
        "runbook": prepared.runbook_id,
        "command": prepared.name,
        "title": prepared.title,  # the journal pane and the report name a run by it (its full text in an appendix)
        "argv": [_scrub(arg, secrets) for arg in result.argv],
        "display": _scrub(result.display, secrets),
        "params": {k: _scrub(v, secrets) for k, v in prepared.params.items()},
        "danger": prepared.danger,
        "environment": prepared.environment,
        "status": result.status,
        "exit_code": result.exit_code,
        "signal": result.signal,
        "timed_out": result.timed_out,
        "cancelled": result.cancelled,
        "started_at": result.started_at.isoformat(),
        "duration": round(result.duration, 3),
        "output": _scrub(output, secrets),
        "output_lines": result.total_lines,
        "log": str(result.log_path) if result.log_path else None,
    }
    return _scrub(text, secrets), data


def record_run(journal: Journal, incident_id: str, prepared: PreparedCommand, result: RunResult,
               secrets: Iterable[str] = ()) -> Event:
    """Add the run to the incident as a `command` event (durable when this returns); returns the Event."""
    text, data = command_event(prepared, result, secrets)
    return journal.add_event(incident_id, "command", text, data)
