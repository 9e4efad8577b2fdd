"""? : every key of the screen you came from, and what that screen is for."""

from __future__ import annotations

from dataclasses import replace

from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Static

from tui.app.keys import current_keys
from tui.app.screens.dialogs import Dialog
from tui.app.shown import shown, styled

APP_KEYS = [("?", "this help"), ("ctrl+p", "command palette: runbooks and actions"), ("/", "search runbooks"),
            ("q", "quit (asks first; nothing is lost)")]


def key_rows(screen: Screen[object]) -> list[tuple[str, str]]:
    """The screen's keys as they are bound now (the keymap applied) as (key, what it does); hidden
    digit keys folded into their shown one."""
    keymap: dict[str, str] = getattr(screen.app, "keymap", {})
    now = [key for key in current_keys(screen, frozenset(keymap)) if key.binding.show]
    rows = [(key.display, key.binding.description) for key in now]
    # The screen's other keys, not offered at this moment (back at the first step, tick without a
    # checklist): a newcomer still learns them here, under the key they are bound to.
    offered = {key.binding.action for key in now}
    for binding in screen.BINDINGS:
        if isinstance(binding, Binding) and binding.show and binding.description and binding.action not in offered:
            moved = keymap.get(binding.id or "")
            key = screen.app.get_key_display(replace(binding, key=moved, key_display=None)) if moved else (
                binding.key_display or screen.app.get_key_display(binding))
            rows.append((key, f"{binding.description} (not available now)"))
            offered.add(binding.action)
    return rows + list(getattr(screen, "EXTRA_KEYS", []))


class HelpScreen(Dialog[None]):
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
        with self.box("help", id="help-scroll"):
            yield Static("Help", classes="dialog-title")
            yield Static(shown(purpose), classes="help-purpose")
            yield Static(Content("\n").join(lines), id="help-keys")
            with self.controls():
                yield Static("↑↓ pgup/pgdn scroll · nothing needs the mouse · Esc closes this help", classes="dialog-hint")
        yield Footer()

    def on_mount(self) -> None:
        box = self.query_one("#help-scroll")
        box.can_focus = True  # ↑↓ scroll the keys
        box.focus()

    def action_close(self) -> None:
        self.dismiss(None)
