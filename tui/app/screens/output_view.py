"""v : one command's whole output, wrapped, scrollable and searchable, streaming while it runs.

The output pane is a narrow window on the last lines; this view is where a 300-character line
(`kubectl get pods -o wide`) is read to its end. A run of this session is read from memory as it
streams; an earlier run (or a teammate's) from its run log, else from the journal's shortened copy.
Every line is outside text: through `plain` before it reaches the view (tui/app/widgets/wrapped_log.py).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer, Static

from tui.app.screens import screen_css
from tui.app.shown import plain, shown, styled
from tui.app.widgets.field import Field
from tui.app.widgets.wrapped_log import MAX_MATCHES, WrappedLog
from tui.journal.rows import took

VIEW_LINES = 100_000  # lines a view keeps (the run log keeps up to 16 MiB; its start is said to be left out)
FOLLOW_EVERY = 0.2  # seconds between reads of a running command's new lines


@dataclass
class RunOutput:
    """What a view shows of one run: its lines (the last VIEW_LINES), and how it ended once it has."""

    name: str
    display: str
    status: str = "running"
    log_path: str | None = None
    finished: bool = False
    lines: deque[str] = field(default_factory=lambda: deque(maxlen=VIEW_LINES))
    total: int = 0  # lines ever added (more than `lines` holds once the start has scrolled away)

    def add(self, lines: Iterable[str]) -> None:
        """Called from the launcher's reading thread: deque appends need no lock."""
        batch = list(lines)
        self.lines.extend(batch)
        self.total += len(batch)

    def since(self, seen: int) -> tuple[list[str], int]:
        """Lines added after the first `seen`, and the new count (only those the deque still holds)."""
        total, held = self.total, len(self.lines)
        new = min(total - seen, held)
        return list(islice(self.lines, held - new, held)), total

    def finish(self, status: str, log_path: object) -> None:
        self.status = status
        self.log_path = str(log_path) if log_path else None
        self.finished = True

    fallback: str | None = None  # a journaled run not read yet: the journal's shortened output

    @classmethod
    def from_event(cls, event: Any) -> RunOutput:
        """A journaled run, read when it is shown (`load`)."""
        data = event.data or {}
        duration = data.get("duration")
        status = str(data.get("status") or "?") + (f" · {took(duration)}" if duration is not None else "")
        return cls(str(data.get("command") or "?"), str(data.get("display") or ""), status,
                   str(data["log"]) if data.get("log") else None, finished=True,
                   fallback=str(data.get("output") or event.text))

    def load(self) -> None:
        """The run log when this machine has it, else the journal's shortened copy (said in the status)."""
        if self.fallback is None:
            return
        text = None
        if self.log_path:
            try:
                text = Path(self.log_path).read_text(encoding="utf-8", errors="replace")
            except OSError:
                self.status += " · no run log here: the journal's shortened copy"
        lines = (self.fallback if text is None else text).splitlines()
        self.fallback = None
        self.add(lines)


class OutputViewScreen(Screen[None]):
    DEFAULT_CSS = screen_css.OUTPUT_VIEW  # parsed when this screen is first shown
    SCOPED_CSS = False
    PURPOSE = ("A command's whole output: lines wrap, so a long one is read to its end. ↑↓ and pgup/pgdn scroll, "
               "/ searches (n next, N previous), w turns wrapping off and on, v picks another command's output.")
    BINDINGS = [
        Binding("escape", "close", "close", key_display="esc", id="output.close"),
        Binding("q", "close", show=False),
        Binding("slash", "search", "search", key_display="/", id="output.search"),
        Binding("n", "next(1)", "next", id="output.next"),
        Binding("N", "next(-1)", "previous", key_display="N", id="output.previous"),
        Binding("w,W", "wrap", "wrap", key_display="w", id="output.wrap"),
        Binding("v", "choose", "other command", id="output.choose"),
        Binding("home,g", "top", "top", key_display="g", show=False),
        Binding("end,G", "bottom", "end", key_display="G", show=False),
    ]

    def __init__(self, run: RunOutput, runs: list[RunOutput] | None = None) -> None:
        super().__init__()
        self.run = run
        self.runs = runs or [run]  # oldest first: what v offers
        self.seen = 0
        self.query_text = ""

    def compose(self) -> ComposeResult:
        with Vertical(id="output-view"):
            yield Static(id="output-view-title")
            yield Static(id="output-view-info")
            yield WrappedLog(id="output-view-text")
            yield Field(placeholder="search this output, Enter finds", id="output-view-search")
            yield Static(id="output-view-status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#output-view-search", Field).display = False
        self._load()
        self.set_interval(FOLLOW_EVERY, self._follow)

    @property
    def area(self) -> WrappedLog:
        return self.query_one("#output-view-text", WrappedLog)

    def _load(self) -> None:
        """Show `self.run` from its first kept line."""
        self.seen = 0
        self.run.load()
        area = self.area
        area.clear()
        self._header()
        self._follow()
        if self.run.finished:
            area.scroll_home(animate=False)  # a finished run is read from its start
        else:
            area.scroll_end(animate=False, immediate=True)  # a running one is followed as it prints
        area.focus()

    def _header(self) -> None:
        run = self.run
        self.query_one("#output-view-title", Static).update(
            styled("[b]OUTPUT[/]  [b]$name[/] · $status", name=run.name, status=run.status))
        parts = []  # the log first: a long command below it is what gets cut at 80x24
        if run.log_path:
            parts.append(f"run log: {run.log_path}")
        if run.total > len(run.lines):
            parts.append(f"the first {run.total - len(run.lines):,} lines are only in the run log")
        parts.append(f"$ {run.display}")
        self.query_one("#output-view-info", Static).update(shown("\n".join(parts)))

    def _follow(self) -> None:
        """Append what the run printed since the last read; keep following the end if the reader is there."""
        run = self.run
        lines, total = run.since(self.seen)
        if lines:
            self.area.add(plain(line) for line in lines)
        self.seen = total
        if run.finished or lines:
            self._header()

    # -- actions --------------------------------------------------------------

    def action_close(self) -> None:
        search = self.query_one("#output-view-search", Field)
        if search.has_focus:
            search.display = False
            self.area.focus()
            return
        self.dismiss(None)

    def action_search(self) -> None:
        search = self.query_one("#output-view-search", Field)
        search.display = True
        search.focus()

    def on_input_submitted(self, event: Field.Submitted) -> None:
        event.stop()
        self.query_text = event.value
        self.area.focus()
        self._find(1, from_start=True)

    def action_next(self, direction: int) -> None:
        if not self.query_text:
            self.action_search()
            return
        self._find(direction)

    def _find(self, direction: int, *, from_start: bool = False) -> None:
        number, count = self.area.find(self.query_text, direction, from_start=from_start)
        status = self.query_one("#output-view-status", Static)
        if not count:
            status.update(shown(f"No match for {self.query_text!r} · / searches again"))
            return
        more = "+" if count >= MAX_MATCHES else ""
        status.update(shown(f"{self.query_text!r}: match {number} of {count}{more} · n next · N previous"))

    def action_wrap(self) -> None:
        area = self.area
        area.set_wrap(not area.wrap)
        self.query_one("#output-view-status", Static).update(
            "Lines wrap (w: one row each, scroll sideways)" if area.wrap else
            "One row each: ← → scroll sideways (w wraps them again)")

    def action_top(self) -> None:
        self.area.scroll_home(animate=False)

    def action_bottom(self) -> None:
        self.area.scroll_end(animate=False)

    def action_choose(self) -> None:
        from tui.app.screens.dialogs import ChoiceScreen

        runs = list(reversed(self.runs))  # newest first
        labels = [f"{run.name}: {run.status}" + (f"  $ {run.display}" if run.display else "") for run in runs]

        def picked(index: int | None) -> None:
            if index is not None:
                self.run = runs[index]
                self._load()

        self.app.push_screen(ChoiceScreen("Show which command's output?", labels, current=runs.index(self.run),
                                          purpose="Pick the command whose whole output to read."), picked)

