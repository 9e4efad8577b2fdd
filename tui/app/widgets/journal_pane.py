"""The journal pane: the incident's events as they arrive, yours and other responders'.

Notes and decisions stand out; a run is one line (`tui/journal/rows.py`), its output behind `v`.
How a row reads is `event_line` alone; the container (tui/app/widgets/journal_log.py) is
virtualised, so an incident of 100,000 events opens at once and scrolls without a stall.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from tui.app.messages import JournalChanged, JournalStatus
from tui.app.shown import plain, plain_line, shown, shown_line
from tui.app.widgets.journal_log import JournalLog
from tui.clock import Clock
from tui.journal.rows import journal_row
from tui.times import parse_time

# How loud a row is (tui/journal/rows.py decides; theme variables would need a Content, these are Rich styles).
WEIGHT_STYLES = {"strong": "bold", "normal": "", "quiet": "dim"}
LABEL_STYLES = {"note": "bold", "decision": "bold underline", "declined": "bold underline", "ran": "cyan",
                "update sent": "magenta", "silence": "yellow", "approval": "bold yellow"}


INDENT = "      "  # a note's later lines start under its author, past the time


def event_line(event: Any, clock: Clock) -> Text:
    """One event, as `journal_row` puts it; every part of it is outside text (a teammate's name, a
    note, a command's title), so plain. A note of several lines (a paste) keeps them, indented."""
    row = journal_row(event)
    moment = parse_time(getattr(event, "time", None))
    when = clock.hhmm(moment) if moment else "--:--"
    text = Text(f"{when} {plain_line(event.author)} ", style="dim")
    text.append(f"{plain_line(row.label)}: ", style=LABEL_STYLES.get(row.label, "dim" if row.weight == "quiet" else ""))
    style = WEIGHT_STYLES[row.weight]
    lines = [line.rstrip() for line in plain(row.text).strip().splitlines()] or [""]
    text.append(lines[0], style=style)
    for line in lines[1:]:
        text.append("\n" + INDENT + line, style=style)
    return text


class JournalPane(Vertical):
    def __init__(self, clock: Clock, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.clock = clock
        self.seen: set[str] = set()
        self._pending: list[Any] = []
        self._problem: str | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="journal-sync")
        yield JournalLog(lambda event: event_line(event, self.clock), id="journal-log")

    def on_mount(self) -> None:
        if not self.border_title:
            self.border_title = "JOURNAL"
        self.set_status(self.border_title, self._problem)
        self._flush()

    def add_events(self, events: Iterable[Any]) -> int:
        """Show the events not shown yet (in the order given); returns how many were new. Events that
        arrive before the pane's log is mounted (a busy machine, a resumed incident) wait for it."""
        seen = self.seen
        new = [e for e in events if e.id not in seen]
        seen.update(e.id for e in new)
        self._pending.extend(new)
        self._flush()
        return len(new)

    def _flush(self) -> None:
        for log in self.query("#journal-log").results(JournalLog):
            pending, self._pending = self._pending, []
            log.add(pending)

    def text(self) -> str:
        """What the pane holds, as plain text."""
        return self.query_one("#journal-log", JournalLog).text()

    def set_status(self, title: str, problem: str | None = None) -> None:
        self.border_title = shown_line(title)
        self._problem = problem
        for line in self.query("#journal-sync").results(Static):  # none yet: on_mount shows it
            line.display = bool(problem)
            line.update(shown(problem or ""))  # a sync problem quotes the shared file's path and what it found

    def on_journal_changed(self, message: JournalChanged) -> None:
        self.add_events(message.events)

    def on_journal_status(self, message: JournalStatus) -> None:
        self.set_status(message.title, message.problem)
