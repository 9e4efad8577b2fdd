"""Every key the screen offers right now, wrapped over as many lines as the width needs.

Textual's Footer is one line: at 80 columns it would hide half the incident
keys. At 3am every action must be visible, so this bar wraps instead.
"""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from tui.app.keys import current_keys
from tui.app.shown import styled
from tui.app.widgets.same import update_if_changed


class KeyBar(Static):
    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self.refresh_keys)
        self.refresh_keys()

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def refresh_keys(self, *_: object) -> None:
        parts: list[Content] = []
        for key in current_keys(self.screen, frozenset(getattr(self.app, "keymap", {}))):
            if not key.binding.show:
                continue
            style = "b $accent" if key.enabled else "dim"
            parts.append(styled(f"[{style}]$key[/] $what", key=key.display, what=key.binding.description))
        parts.append(Content.from_markup("[b $accent]^p[/] palette"))
        update_if_changed(self, Content("  ").join(parts))  # a focus change often leaves the keys as they are
