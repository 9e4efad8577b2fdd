"""Asked before any parameters form when the runbook or alert already has an open incident:
Enter resumes it where it stands, n starts a new one, Escape goes back to the list."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from tui.app.shown import plain_line, shown, styled
from tui.incident.resume import OpenIncident, resume_sentence


class ResumeScreen(ModalScreen[str | None]):
    """Dismissed with "resume", "new", or None (back)."""

    BINDINGS = [
        Binding("enter", "answer('resume')", "resume", key_display="⏎", id="resume.join", priority=True),
        Binding("n", "answer('new')", "new incident", id="resume.new"),
        Binding("escape", "answer(None)", "back", key_display="esc", id="resume.back"),
    ]
    PURPOSE = ("This runbook or alert already has an open incident. Enter resumes it at its current step with its "
               "parameters; n starts a separate new incident; Escape goes back to the list.")

    def __init__(self, row: OpenIncident, user: str, others: int = 0) -> None:
        super().__init__()
        self.row = row
        self.user = user
        self.others = others

    def compose(self) -> ComposeResult:
        inc = self.row.incident
        with Vertical(classes="dialog", id="resume"):
            mark = "[reverse $warning b] DRILL [/] " if inc.drill else ""
            yield Static(styled(mark + "Resume [b]$title[/]?", title=plain_line(inc.title)), classes="dialog-title")
            yield Static(shown(resume_sentence(self.row, self.user)), id="resume-sentence")
            if self.others:
                yield Static(shown(f"{self.others} more open incident{'s' if self.others != 1 else ''} on it are "
                                   "listed in the picker."), classes="dialog-hint")
            yield Static("Enter resumes it · n starts a new incident · Escape goes back", classes="dialog-hint")
        yield Footer()

    def action_answer(self, value: str | None) -> None:
        self.dismiss(value)
