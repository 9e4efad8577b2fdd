"""The parameter form, asked once per incident: defaults (or the alert's labels) filled in, Enter accepts."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Label, Static

from tui.app.shown import shown, styled
from tui.app.widgets.field import Field
from tui.errors import OncallError
from tui.runbook.model import Runbook
from tui.runbook.render import check_params


class ParamsScreen(Screen[dict[str, str] | None]):
    PURPOSE = ("The values this runbook's commands and queries use. They are filled in from the defaults or the "
               "alert; check them, change any that are wrong, and press Enter to start.")
    BINDINGS = [
        Binding("enter", "accept", "start", id="params.accept", priority=True),
        Binding("escape", "cancel", "back to the list", key_display="esc", id="params.cancel"),
        Binding("down", "app.focus_next", show=False),
        Binding("up", "app.focus_previous", show=False),
        Binding("question_mark", "app.help", "help", key_display="?", id="params.help"),
    ]

    def __init__(self, runbook: Runbook, values: dict[str, str], *, note: str = "") -> None:
        super().__init__()
        self.runbook = runbook
        self.values = {**runbook.default_params(), **values}
        self.note = note

    def compose(self) -> ComposeResult:
        rb = self.runbook
        with Vertical(id="params"):
            yield Static(styled("Open [b]$title[/]", title=rb.title), id="params-title")
            yield Static(shown(self.note or rb.summary), id="params-summary")
            with VerticalScroll(id="params-fields"):
                for name, param in rb.params.items():
                    yield Label(styled("[b]$prompt[/] [dim]$name[/]", prompt=param.prompt, name=name))
                    yield Field(self.values.get(name, ""), placeholder=f"value for {name}", id=f"param-{name}")
            yield Static("", id="params-error", classes="error-line")
            yield Static("Enter starts the incident with these values · ↑↓ move between fields · Esc goes back",
                         id="params-hint")
        yield Footer()

    def on_resize(self) -> None:
        self.set_class(self.size.height < 32, "-compact")

    def on_mount(self) -> None:
        fields = self.query(Field)
        if fields:
            fields.first().focus()

    def collected(self) -> dict[str, str]:
        return {name: self.query_one(f"#param-{name}", Field).value.strip() for name in self.runbook.params}

    def action_accept(self) -> None:
        values = {k: v for k, v in self.collected().items() if v != ""}
        missing = [p for n, p in self.runbook.params.items() if n not in values]
        if missing:
            self.query_one("#params-error", Static).update(
                shown(f"Fill in {missing[0].prompt} ({missing[0].name}); it has no default."))
            self.query_one(f"#param-{missing[0].name}", Field).focus()
            return
        try:
            merged = check_params(self.runbook, values)
        except OncallError as exc:
            self.query_one("#params-error", Static).update(shown(exc))  # it quotes the value typed
            return
        self.dismiss(merged)

    def action_cancel(self) -> None:
        self.dismiss(None)
