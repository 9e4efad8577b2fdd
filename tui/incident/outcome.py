"""What is known of a finished command, for the step's suggestion, its evidence line and the output title."""

from __future__ import annotations

from dataclasses import dataclass

from tui.journal.rows import took
from tui.launch.result import RunResult


@dataclass
class CommandOutcome:
    name: str
    exit_code: int | None
    output: str
    duration: float = 0.0
    status: str = "exit"  # "exit 0", "timed out after 30 s", "cancelled", "did not start", ...
    message: str = ""  # how it ended, in words, when it did not simply exit

    @classmethod
    def of(cls, name: str, result: RunResult) -> CommandOutcome:
        return cls(name, result.exit_code, result.output(), result.duration, result.status)

    @property
    def status_text(self) -> str:
        """"exit 0 · 1.2s", "exit 0 · under 1s", "timed out after 30s", ... for titles and the step view."""
        if self.status == "exit" and self.exit_code is not None:
            return f"exit {self.exit_code} · {took(self.duration)}"
        return f"{self.message or self.status} · {took(self.duration)}"
