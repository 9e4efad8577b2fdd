"""u : the stakeholder update, filled from the incident, to copy and mark as sent."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Footer, Static, TextArea

from tui.app.screens.dialogs import Dialog
from tui.app.shown import plain, shown_line


class CommsScreen(Dialog[str | None]):
    """Returns the text when marked as sent (with any edit), None when closed."""

    BINDINGS = [
        Binding("c", "copy", "copy", id="comms.copy"),
        Binding("m", "sent", "mark as sent", id="comms.sent"),
        Binding("e", "edit", "edit", id="comms.edit"),
        Binding("escape", "close", "close / stop editing", key_display="esc", id="comms.close"),
    ]
    PURPOSE = ("The update for stakeholders, filled from the incident. Copy it (c) into your channel, then mark it "
               "as sent (m): that resets the update reminder and goes into the journal. e edits it first.")

    def __init__(self, text: str, due: str) -> None:
        super().__init__()
        self.text = text
        self.due = due

    def compose(self) -> ComposeResult:
        with self.box("comms"):
            yield Static(shown_line(f"Stakeholder update · {self.due}"), classes="dialog-title")
            # Filled from the incident and the runbook: plain, so what is copied and sent is what is seen.
            yield TextArea(plain(self.text), soft_wrap=True, show_line_numbers=False, read_only=True,
                           id="comms-text")
            with self.controls():
                yield Static("", id="comms-status")
                yield Static("c copies (through the terminal) · m marks it as sent · e edits · Esc closes",
                             classes="dialog-hint")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#comms-text", TextArea).can_focus = False

    @property
    def current_text(self) -> str:
        return self.query_one("#comms-text", TextArea).text

    def _status(self, text: str) -> None:
        self.query_one("#comms-status", Static).update(text)

    def action_copy(self) -> None:
        self.app.copy_to_clipboard(self.current_text)
        self._status("Copied to the clipboard through the terminal (if it refuses, select the text instead).")

    def action_sent(self) -> None:
        self.dismiss(self.current_text)

    def action_edit(self) -> None:
        area = self.query_one("#comms-text", TextArea)
        area.read_only = False
        area.can_focus = True
        area.focus()
        self._status("Editing: Esc stops editing, then c copies and m marks it as sent.")

    def action_close(self) -> None:
        area = self.query_one("#comms-text", TextArea)
        if not area.read_only:
            area.read_only = True
            area.can_focus = False
            self.set_focus(None)
            self._status("Edited.")
            return
        self.dismiss(None)
