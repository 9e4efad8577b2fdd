"""The command output pane: a Log fed in time-bounded batches.

One `Log.write_lines` call per line freezes the screen (measured: keys 5–50 s late at 200,000 lines), and one call
per big read blocks it for 100 ms. So lines wait in a queue, and a 30 ms timer
writes at most `BATCH` of them at a time. When the queue holds more than the
Log keeps anyway, the oldest queued lines are skipped, and the pane says how
many (the full output is in the run's log file).

Every line is outside text: it goes through `plain` as it is written (only lines shown
pay for it), so a command's colours are dropped and its other control sequences shown,
never obeyed: Textual's Log would pass an ESC straight to the terminal.

Log draws one row per line, cut at the pane's edge (fast, whatever the flood). `W` shows a
wrapping twin instead (a WrappedLog of the last WRAP_LINES lines, fed alongside while shown);
`v` opens the whole output (tui/app/screens/output_view.py).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.timer import Timer
from textual.widgets import Log

from tui.app.messages import (
    CommandFinished,
    CommandOutput,
    CommandStarted,
    CommandTitle,
)
from tui.app.shown import plain, shown_line
from tui.app.widgets.wrapped_log import WrappedLog

FLUSH_EVERY = 0.03  # seconds
BATCH = 3000  # lines per flush: keeps each write well under the 100 ms a key may wait
MAX_LINES = 20_000  # lines the Log keeps; older ones scroll away
WRAP_LINES = MAX_LINES // 2  # lines the wrapping twin keeps once it is shown (it recounts them on a resize)


class OutputPane(Vertical):
    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._pending: deque[str] = deque()
        self._skipped = 0
        self._timer: Timer | None = None
        self.lines_shown = 0

    def compose(self) -> ComposeResult:
        log = Log(max_lines=MAX_LINES, highlight=False, auto_scroll=True, id="output-log")
        log.can_focus = False  # the screen scrolls it (pgup/pgdn); ↑↓ stay with the step
        wrapped = WrappedLog(max_lines=WRAP_LINES, id="output-wrapped")
        wrapped.can_focus = False
        wrapped.display = False
        yield log
        yield wrapped

    def on_mount(self) -> None:
        self.border_title = "OUTPUT"
        self._timer = self.set_interval(FLUSH_EVERY, self._flush, pause=True)
        logs = self.query("#output-log").results(Log)
        for log in logs:  # none when the screen was taken down before this pane finished mounting
            log.write_line("No command run yet.")

    @property
    def log_widget(self) -> Log:
        return self.query_one("#output-log", Log)

    @property
    def wrapped_widget(self) -> WrappedLog:
        return self.query_one("#output-wrapped", WrappedLog)

    @property
    def wraps(self) -> bool:
        return bool(self.wrapped_widget.display)

    def toggle_wrap(self) -> bool:
        """Wrap long lines (the last WRAP_LINES of them), or go back to one row per line; returns wrapping."""
        wrapped = self.wrapped_widget
        wrapping = not wrapped.display
        wrapped.display = wrapping
        self.log_widget.display = not wrapping
        if wrapping:  # shown first: the rows are counted at the width it has
            wrapped.clear()
            self._write_wrapped(list(self.log_widget.lines[-WRAP_LINES:]))
        return wrapping

    def _write(self, lines: list[str]) -> None:
        """Lines already made plain: to the Log, and to the wrapping twin while it is shown."""
        self.log_widget.write_lines(lines)
        if self.wraps:
            self._write_wrapped(lines[-WRAP_LINES:])

    def _write_wrapped(self, lines: list[str]) -> None:
        self.wrapped_widget.add(lines)

    @property
    def scroller(self) -> Log | WrappedLog:
        """What pgup/pgdn scroll: the view shown."""
        return self.wrapped_widget if self.wraps else self.log_widget

    def start(self, title: str, header: str) -> None:
        """A new run: clear, title it, and show the exact command first."""
        self._pending.clear()
        self._skipped = 0
        self.lines_shown = 0
        self.log_widget.clear()
        self.wrapped_widget.clear()
        self.border_title = shown_line(title)
        self._write([plain(f"$ {header}")])
        if self._timer is not None:
            self._timer.resume()

    def feed(self, lines: Iterable[str]) -> None:
        self._pending.extend(lines)
        overflow = len(self._pending) - MAX_LINES
        if overflow > 0:
            for _ in range(overflow):
                self._pending.popleft()
            self._skipped += overflow

    @property
    def queued(self) -> int:
        """Lines waiting for the next flush."""
        return len(self._pending)

    def set_title(self, title: str) -> None:
        self.border_title = shown_line(title)

    def note(self, text: str) -> None:
        """A line from oncall itself (not the command), after what is queued."""
        self._pending.append(f"── {text}")

    def _flush(self) -> None:
        if self._skipped:
            self._write([f"… {self._skipped} lines skipped here to keep up (v shows them; so does the run's log)"])
            self._skipped = 0
        if not self._pending:
            return
        n = min(BATCH, len(self._pending))
        batch = [plain(self._pending.popleft()) for _ in range(n)]
        self._write(batch)
        self.lines_shown += n

    def flush_all(self) -> None:
        """Write everything queued now (end of a run, tests)."""
        while self._pending or self._skipped:
            self._flush()

    def on_command_started(self, message: CommandStarted) -> None:
        self.start(message.title, message.display)

    def on_command_output(self, message: CommandOutput) -> None:
        self.feed(message.lines)

    def on_command_title(self, message: CommandTitle) -> None:
        self.set_title(message.title)

    def on_command_finished(self, message: CommandFinished) -> None:
        for line in message.notes:
            self.note(line)
        self.set_title(message.title)
