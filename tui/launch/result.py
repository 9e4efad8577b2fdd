"""What one run of a command produced: how it ended, when, how long, and its output."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from tui.launch.group import signal_name


@dataclass(frozen=True)
class RunResult:
    argv: tuple[str, ...]
    display: str  # the command as a person would type it
    started_at: datetime  # UTC
    duration: float  # seconds, from start to the last process reaped
    exit_code: int | None  # the program's own exit code; None when a signal ended it
    signal: int | None  # the signal that ended it, if one did
    timed_out: bool
    cancelled: bool
    timeout: float | None
    head: tuple[str, ...]  # the first lines of the output
    tail: tuple[str, ...]  # the last lines (never overlapping the head)
    total_lines: int
    log_path: Path | None  # the full output; None when no log could be written
    leftovers_stopped: bool = False  # background processes outlived the command and were stopped

    @property
    def dropped_lines(self) -> int:
        """Lines of output not kept in memory (they are in the log file)."""
        return self.total_lines - len(self.head) - len(self.tail)

    @property
    def ok(self) -> bool:
        return self.exit_code == 0 and not (self.timed_out or self.cancelled)

    @property
    def status(self) -> str:
        """A short phrase: 'exit 0', 'exit 3', 'timed out after 30 s', 'cancelled', 'killed by SIGKILL'."""
        if self.timed_out:
            return f"timed out after {self.timeout:g} s"
        if self.cancelled:
            return "cancelled"
        if self.signal is not None:
            return f"killed by {signal_name(self.signal)}"
        return f"exit {self.exit_code}"

    def lines(self, head: int | None = None, tail: int | None = None,
              max_chars: int | None = None) -> list[str]:
        """The kept output, optionally shortened further, with a line saying what is left out."""
        first = list(self.head if head is None else self.head[:head])
        last = list(self.tail if tail is None else self.tail[len(self.tail) - min(tail, len(self.tail)):])
        skipped = self.total_lines - len(first) - len(last)
        if skipped <= 0:
            out = first + last
        else:
            where = f"; the full output is in {self.log_path}" if self.log_path else ""
            out = first + [f"[… {skipped} lines not shown{where} …]"] + last
        if max_chars is not None:
            out = [line if len(line) <= max_chars else line[:max_chars] + "…" for line in out]
        return out

    def output(self, head: int | None = None, tail: int | None = None, max_chars: int | None = None) -> str:
        return "\n".join(self.lines(head, tail, max_chars))
