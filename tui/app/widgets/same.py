"""Update a Static only when what it shows changes.

`Static.update` always lays the screen out again, even for the same text; at start-up the picker's
key bar and detail are set twice with the same content (once when built, once when the focus or the
highlight settles), and each repeat cost a full layout pass right after the first frame.
"""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static


def update_if_changed(widget: Static, content: Content) -> None:
    current = widget.content
    if isinstance(current, Content) and current.is_same(content):  # text and styles, not text alone (==)
        return
    widget.update(content)
