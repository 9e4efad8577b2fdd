"""Textual's Footer, rebuilt once for a burst of binding changes.

Showing a screen and focusing its first field change the bindings two or three times in a
row; Textual's Footer rebuilds (and restyles) every key after each, a third of the picker's
first-frame work. Here a rebuild already due absorbs the changes that come before it runs:
it reads the bindings as they are by then, so what is shown is the same.
"""

from __future__ import annotations

from typing import Any

from textual.widgets import Footer as TextualFooter


class Footer(TextualFooter):
    _rebuild_due = False

    def bindings_changed(self, screen: Any) -> None:
        if self._rebuild_due:
            return
        super().bindings_changed(screen)  # schedules a rebuild, when this footer is the one on show
        self._rebuild_due = bool(screen.app.app_focus and self.is_attached and screen is self.screen)

    async def recompose(self) -> None:
        self._rebuild_due = False
        await super().recompose()
