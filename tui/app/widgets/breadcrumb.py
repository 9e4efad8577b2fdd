"""The path taken: runbook vN ▸ step ▸ step, cut from the left when the line is too narrow."""

from __future__ import annotations

from textual.widgets import Static

from tui.app.messages import IncidentChanged
from tui.app.shown import plain_line, shown
from tui.walk import Crumb

SEP = " ▸ "


def crumb_text(crumbs: list[Crumb], width: int) -> str:
    parts: list[str] = []
    for crumb in crumbs:
        parts.append(plain_line(f"{crumb.runbook_id} v{crumb.version}"))
        parts.extend(plain_line(step) for step in crumb.steps)
    text = SEP.join(parts)
    if width > 4 and len(text) > width:
        # The end of the path is where you are: keep it, drop the beginning.
        text = "…" + text[len(text) - width + 1:]
    return text


class Breadcrumb(Static):
    crumbs: list[Crumb] = []

    def show(self, crumbs: list[Crumb]) -> None:
        self.crumbs = crumbs
        self.update(shown(crumb_text(crumbs, self.size.width or 200)))

    def on_resize(self) -> None:
        if self.crumbs:
            self.update(shown(crumb_text(self.crumbs, self.size.width)))

    def on_incident_changed(self, message: IncidentChanged) -> None:
        self.show(message.controller.walker.breadcrumb())
