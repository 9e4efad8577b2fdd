"""x : the post-incident report, previewed, then written (Markdown with its charts, and one HTML page).

At a drill's outcome the same dialog opens with the drill's score beside the report."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from tui.app.shown import shown, shown_line


class ReportScreen(ModalScreen[bool]):
    """Returns True when the person asked to write the files."""

    BINDINGS = [
        Binding("w", "write", "write files", id="report.write"),
        Binding("c", "copy", "copy", id="report.copy"),
        Binding("escape", "close", "close", key_display="esc", id="report.close"),
    ]
    PURPOSE = ("The post-incident report, written from the journal and the metrics. w writes the Markdown "
               "(charts as SVG beside it) and one HTML page, where the top line says.")

    def __init__(self, markdown: str, path: str, *, aside: str | None = None, measured: str = "") -> None:
        super().__init__()
        self.markdown = markdown
        self.path = path
        self.aside = aside  # a drill's score, shown beside the report
        self.measured = measured  # one sentence: whether the impact came from the metrics

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog report"):
            yield Static(shown_line(f"Post-incident report → {self.path}"), classes="dialog-title")
            if self.measured:
                yield Static(shown_line(self.measured), id="report-measured")
            with Horizontal(id="report-body"):
                with VerticalScroll(id="report-scroll"):
                    # The Markdown source, shown as text (the report generator already escaped what it quotes).
                    yield Static(shown(self.markdown), id="report-text")
                if self.aside is not None:
                    with VerticalScroll(id="report-aside"):
                        yield Static(shown(self.aside), id="score-text")
            yield Static("w writes the Markdown, its charts and the HTML page · c copies · ↑↓ scroll · Esc closes",
                         classes="dialog-hint")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#report-scroll").focus()

    def action_write(self) -> None:
        self.dismiss(True)

    def action_copy(self) -> None:
        self.app.copy_to_clipboard(self.markdown)
        self.notify("Report copied through the terminal (if it refuses, use the file).")

    def action_close(self) -> None:
        self.dismiss(False)
