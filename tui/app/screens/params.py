"""The parameter form, asked once per incident: defaults (or the alert's labels) filled in, Enter accepts."""

from __future__ import annotations

from collections.abc import Mapping

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Label, Static

from tui.app.screens import screen_css
from tui.app.shown import shown, styled
from tui.app.widgets.env_badge import env_badge
from tui.app.widgets.field import Field
from tui.errors import OncallError
from tui.runbook.model import Runbook
from tui.runbook.render import check_params


class ParamsScreen(Screen[dict[str, str] | None]):
    DEFAULT_CSS = screen_css.PARAMS  # parsed when this screen is first shown
    SCOPED_CSS = False
    PURPOSE = ("The values this runbook's commands and queries use. They are filled in from the defaults or the "
               "alert; check them, change any that are wrong, and press Enter to start.")
    BINDINGS = [
        Binding("enter", "accept", "start", id="params.accept", priority=True),
        Binding("escape", "cancel", "back to the list", key_display="esc", id="params.cancel"),
        Binding("down", "app.focus_next", show=False),
        Binding("up", "app.focus_previous", show=False),
        Binding("question_mark", "app.help", "help", key_display="?", id="params.help"),
    ]

    def __init__(self, runbook: Runbook, values: dict[str, str], *, note: str = "",
                 env: Mapping[str, str] | None = None) -> None:
        super().__init__()
        self.runbook = runbook
        self.env = dict(env or {})  # the `${env.NAME}` values a default such as `${env.namespace:-ml-prod}` reads
        # Defaults for these values: one derived from a parameter the alert filled (`${model}-predictor`)
        # follows it; a plain one naming another model is left empty, to be asked.
        self.values = {**runbook.default_params(values, self.env), **values}
        self.note = note
        self.derived = {n for n, p in runbook.params.items() if p.default and "${" in p.default and n not in values}
        self.shown_derived = {n: self.values.get(n, "") for n in self.derived}  # edited by hand: no longer follows

    def compose(self) -> ComposeResult:
        rb = self.runbook
        with Vertical(id="params"):
            title = styled("Open [b]$title[/]", title=rb.title)
            env = env_badge(self.app.services.settings) if hasattr(self.app, "services") else None
            yield Static(Content(" ").join([env, title]) if env is not None else title, id="params-title")
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

    def on_input_changed(self, event: Field.Changed) -> None:
        """A derived default the person has not edited follows the fields it is made of."""
        name = (event.input.id or "").removeprefix("param-")
        if name in self.derived:
            if event.value != self.shown_derived.get(name):
                self.derived.discard(name)
            return
        if not self.derived:
            return
        typed = {k: v for k, v in self.collected().items() if v and k not in self.derived}
        defaults = self.runbook.default_params(typed, self.env)
        for derived in list(self.derived):
            value = defaults.get(derived, "")
            self.shown_derived[derived] = value
            field = self.query_one(f"#param-{derived}", Field)
            if field.value != value:
                field.value = value

    def collected(self) -> dict[str, str]:
        """The values in the fields (the ones filled in, before the fields are on screen)."""
        out = {}
        for name in self.runbook.params:
            found = self.query(f"#param-{name}")
            out[name] = (found.first(Field).value if found else self.values.get(name, "")).strip()
        return out

    def action_accept(self) -> None:
        values = {k: v for k, v in self.collected().items() if v != ""}
        missing = [p for n, p in self.runbook.params.items() if n not in values]
        if missing:
            self.query_one("#params-error", Static).update(
                shown(f"Fill in {missing[0].prompt} ({missing[0].name}); it has no default."))
            self.query_one(f"#param-{missing[0].name}", Field).focus()
            return
        try:
            merged = check_params(self.runbook, values, env=self.env)
        except OncallError as exc:
            self.query_one("#params-error", Static).update(shown(exc))  # it quotes the value typed
            return
        self.dismiss(merged)

    def action_cancel(self) -> None:
        self.dismiss(None)
