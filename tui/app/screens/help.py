"""? : every key of the screen you came from, and what that screen is for."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen, Screen
from textual.widgets import Footer, Static

from tui.app.keys import current_keys
from tui.app.shown import shown, styled

APP_KEYS = [("?", "this help"), ("ctrl+p", "command palette: runbooks and actions"), ("/", "search runbooks"),
            ("q", "quit (asks first; nothing is lost)")]


def key_rows(screen: Screen[object]) -> list[tuple[str, str]]:
    """The screen's keys as they are bound now (the keymap applied) as (key, what it does); hidden
    digit keys folded into their shown one."""
    remapped = frozenset(getattr(screen.app, "keymap", {}))
    rows = [(key.display, key.binding.description) for key in current_keys(screen, remapped) if key.binding.show]
    return rows + list(getattr(screen, "EXTRA_KEYS", []))


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,question_mark,q", "close", "close", key_display="esc", id="help.close")]
    PURPOSE = "The keys of the screen you came from, and what it is for."

    def __init__(self, screen: Screen) -> None:
        super().__init__()
        self.target = screen

    def compose(self) -> ComposeResult:
        purpose = getattr(self.target, "PURPOSE", "")
        rows = key_rows(self.target)
        own = {k for k, _ in rows}
        rows += [(k, d) for k, d in APP_KEYS if k not in own]
        width = max(len(k) for k, _ in rows) + 2
        lines = [styled("[b]$key[/]$pad$what", key=k, pad=" " * (width - len(k)), what=d) for k, d in rows]
        with Vertical(classes="dialog help"):
            yield Static("Help", classes="dialog-title")
            yield Static(shown(purpose), classes="help-purpose")
            with VerticalScroll():
                yield Static(Content("\n").join(lines), id="help-keys")
            yield Static("Nothing needs the mouse. Esc closes this help.", classes="dialog-hint")
        yield Footer()

    def action_close(self) -> None:
        self.dismiss(None)
