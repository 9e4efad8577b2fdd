"""A text input that follows the app's cursor-blink setting (off for deterministic screenshots).

Its value may come from outside (an alert's label fills a parameter, a teammate's journal fills
a role): a control character in it is drawn as a visible one, never sent to the terminal. The
value itself stays exact; only what is drawn changes.
"""

from __future__ import annotations

from rich.highlighter import Highlighter
from rich.text import Text
from textual.widgets import Input

from tui.text import plain_in_place


class VisibleControls(Highlighter):
    def highlight(self, text: Text) -> None:
        shown = plain_in_place(text.plain)
        if shown != text.plain:
            text.plain = shown  # one character for one: the styles and the cursor keep their places


class Field(Input):
    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("highlighter", VisibleControls())
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    def on_mount(self) -> None:
        self.cursor_blink = getattr(self.app, "cursor_blink", True)
