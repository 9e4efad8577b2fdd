"""Outside text on screen: always a `Content` (never parsed as markup) and always through `plain`.

The one rendering path for every string oncall did not write itself (runbook fields, alert
labels, command output, journal entries, error messages that quote them): a widget gets
`shown(text)`, or a markup template written here in the code with the outside values put in
as `$name` variables by `styled`. A bare `str` handed to Static, Label, a border title or a
toast would be parsed as markup: one `[/]` in an alert label would stop the app.
"""

from __future__ import annotations

from textual.content import Content

from tui.text import plain, plain_line


def shown(text: object) -> Content:
    """Outside text, as it is (several lines kept)."""
    return Content(plain(text))


def shown_line(text: object) -> Content:
    """Outside text on one line (a row, a title)."""
    return Content(plain_line(text))


def styled(template: str, **values: object) -> Content:
    """A markup template written in oncall's code, with outside text as its `$name` values."""
    return Content.from_markup(template, **{name: plain(value) for name, value in values.items()})


__all__ = ["plain", "plain_line", "shown", "shown_line", "styled"]
