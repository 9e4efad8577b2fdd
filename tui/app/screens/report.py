"""x : the post-incident report, previewed, then written to a file."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Footer, Static

from tui.app.screens.dialogs import Dialog
from tui.app.shown import shown, shown_line


class ReportScreen(Dialog[bool]):
    """Returns True when the person asked to write the file."""

    BINDINGS = [
        Binding("w", "write", "write file", id="report.write"),
        Binding("c", "copy", "copy", id="report.copy"),
        Binding("escape", "close", "close", key_display="esc", id="report.close"),
    ]
    PURPOSE = "The post-incident report, written from the journal. w writes it to the file named at the top."

    def __init__(self, markdown: str, path: str) -> None:
        super().__init__()
        self.markdown = markdown
        self.path = path

    def compose(self) -> ComposeResult:
        with self.box("report", id="report-scroll"):
            yield Static(shown_line(f"Post-incident report → {self.path}"), classes="dialog-title")
            # The Markdown source, shown as text (the report generator already escaped what it quotes).
            yield Static(shown(self.markdown), id="report-text")
            with self.controls():
                yield Static("w writes the file · c copies · ↑↓ scroll · Esc closes", classes="dialog-hint")
        yield Footer()

    def on_mount(self) -> None:
        box = self.query_one("#report-scroll")
        box.can_focus = True
        box.focus()

    def action_write(self) -> None:
        self.dismiss(True)

    def action_copy(self) -> None:
        self.app.copy_to_clipboard(self.markdown)
        self.notify("Report copied through the terminal (if it refuses, use the file).")

    def action_close(self) -> None:
        self.dismiss(False)
