"""u : an update for one audience, filled from the incident: edit it, then send it, or copy it and mark it sent."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Static, TextArea

from tui.app.shown import plain, shown_line


@dataclass(frozen=True)
class AudienceDraft:
    name: str
    line: str  # "internal · every 10 min from the page · due 03:10"
    text: str  # the template filled from the incident
    can_send: bool  # the config names targets for it


class CommsScreen(ModalScreen[tuple[str, str, str] | None]):
    """Returns (audience, "send", text) to send it, (audience, "sent", text) when marked as sent by hand,
    None when closed. 1-9 switch between the audiences."""

    BINDINGS = [
        Binding("1", "audience(1)", "audience", key_display="1-9", id="comms.audience"),
        *[Binding(str(n), f"audience({n})", "audience", show=False) for n in range(2, 10)],
        Binding("s", "send", "send", id="comms.send"),
        Binding("c", "copy", "copy", id="comms.copy"),
        Binding("m", "sent", "mark as sent", id="comms.sent"),
        Binding("e", "edit", "edit", id="comms.edit"),
        Binding("escape", "close", "close / stop editing", key_display="esc", id="comms.close"),
    ]
    PURPOSE = ("The update for one audience, filled from the incident. s sends it to the audience's targets "
               "(config notify:); without targets, copy it (c) into your channel and mark it as sent (m). "
               "Either resets that audience's reminder and goes into the journal. e edits it first.")

    def __init__(self, drafts: list[AudienceDraft], current: int = 0) -> None:
        super().__init__()
        self.drafts = drafts
        self.index = current

    @property
    def draft(self) -> AudienceDraft:
        return self.drafts[self.index]

    @property
    def can_send(self) -> bool:
        return self.draft.can_send

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog comms"):
            yield Static("", classes="dialog-title", id="comms-title")
            yield Static("", id="comms-audiences")
            # Filled from the incident and the runbook: plain, so what is copied and sent is what is seen.
            yield TextArea(plain(self.draft.text), soft_wrap=True, show_line_numbers=False, read_only=True,
                           id="comms-text")
            yield Static("", id="comms-status")
            yield Static("", classes="dialog-hint", id="comms-hint")
        yield Footer()

    def _show(self) -> None:
        d = self.draft
        self.query_one("#comms-title", Static).update(shown_line(f"Update for {d.name.replace('_', ' ')} · "
                                                                 f"{d.line.split(' · ')[-1]}"))
        self.query_one("#comms-audiences", Static).update(shown_line("\n".join(
            f"{'▸' if i == self.index else ' '} {i + 1} {x.line}" for i, x in enumerate(self.drafts[:9]))))
        self.query_one("#comms-hint", Static).update(
            "s sends it · c copies · m marks it as sent · e edits · 1-9 audience · Esc closes" if d.can_send else
            "c copies (through the terminal) · m marks it as sent · e edits · 1-9 audience · Esc closes")
        self.refresh_bindings()

    def action_audience(self, n: int) -> None:
        if 1 <= n <= len(self.drafts) and n - 1 != self.index:
            self.index = n - 1
            area = self.query_one("#comms-text", TextArea)
            area.load_text(plain(self.draft.text))
            self._show()

    def on_mount(self) -> None:
        self.query_one("#comms-text", TextArea).can_focus = False
        self._show()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "send":
            return self.can_send
        return True

    @property
    def current_text(self) -> str:
        return self.query_one("#comms-text", TextArea).text

    def _status(self, text: str) -> None:
        self.query_one("#comms-status", Static).update(text)

    def action_send(self) -> None:
        if self.can_send:
            self.dismiss((self.draft.name, "send", self.current_text))

    def action_copy(self) -> None:
        self.app.copy_to_clipboard(self.current_text)
        self._status("Copied to the clipboard through the terminal (if it refuses, select the text instead).")

    def action_sent(self) -> None:
        self.dismiss((self.draft.name, "sent", self.current_text))

    def action_edit(self) -> None:
        area = self.query_one("#comms-text", TextArea)
        area.read_only = False
        area.can_focus = True
        area.focus()
        self._status("Editing: Esc stops editing, then s sends it, or c copies and m marks it as sent.")

    def action_close(self) -> None:
        area = self.query_one("#comms-text", TextArea)
        if not area.read_only:
            area.read_only = True
            area.can_focus = False
            self.set_focus(None)
            self._status("Edited.")
            return
        self.dismiss(None)
