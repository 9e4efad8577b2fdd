"""The first screen: open incidents to join, firing alerts, then runbooks, filtered as you type.

Broken runbooks are listed too, with their first error: a runbook that fails
validation must be visible at 3am, not silently missing.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from tui.app.shown import plain_line, shown, styled
from tui.app.widgets.env_badge import env_badge
from tui.app.widgets.field import Field
from tui.app.widgets.key_bar import KeyBar
from tui.app.widgets.same import update_if_changed
from tui.config import environment_for_labels

LIST_LIMIT = 60  # rows listed (more than a screen holds); typing narrows the rest


class SearchField(Field):
    """The search box. Empty, it leaves q and ? to the screen (quit, help), as every other screen does;
    once something is typed they are letters like any other."""

    SCREEN_KEYS = frozenset({"q", "question_mark"})

    def check_consume_key(self, key: str, character: str | None) -> bool:
        if not self.value and key in self.SCREEN_KEYS:
            return False
        return super().check_consume_key(key, character)


class PickerScreen(Screen):
    PURPOSE = ("Pick what is on fire: join an open incident, open a firing alert's runbook, or search the runbooks "
               "by title, symptom, tag or step text. Enter opens the highlighted line.")
    BINDINGS = [
        Binding("enter", "open", "open", id="picker.open", priority=True),
        Binding("down", "move(1)", "down", show=False, priority=True),
        Binding("up", "move(-1)", "up", show=False, priority=True),
        Binding("pagedown", "move(10)", show=False, priority=True),
        Binding("pageup", "move(-10)", show=False, priority=True),
        Binding("slash", "focus_filter", "search", key_display="/", id="picker.search"),
        Binding("escape", "escape", "clear / back", key_display="esc", id="picker.escape"),
        Binding("ctrl+r", "reload_alerts", "refresh alerts", id="picker.alerts"),
        Binding("question_mark", "app.help", "help", key_display="?", id="picker.help", priority=True),
        Binding("ctrl+q", "app.quit_app", "quit", show=False, id="picker.quit"),
        # q quits like everywhere else when the box is empty; once something is typed it is a letter.
        Binding("q", "q", "quit", key_display="q", priority=True, id="picker.q"),
    ]

    def __init__(self, *, overlay: bool = False) -> None:
        super().__init__()
        self.overlay = overlay  # pushed over an incident by `/`: escape goes back to it
        self.keys: list[str] = []
        self.open_rows: dict[str, Any] = {}  # incident id -> tui.incident.resume.OpenIncident, as listed
        self._last_query = ""
        self._moved = False  # the person moved the highlight: a refresh keeps it where they put it

    def compose(self) -> ComposeResult:
        with Vertical(id="picker"):
            services = getattr(self.app, "services", None)
            env = env_badge(services.settings if services is not None else None)
            title = Content("oncall · what is on fire?")
            yield Static(Content(" ").join([env, title]) if env is not None else title, id="picker-title")
            yield SearchField(placeholder="type to search: title, symptom, tag, alert, step text · q quits",
                              id="filter")
            yield OptionList(id="choices")
            yield Static(id="picker-detail")
            yield Static(id="picker-status")
        yield KeyBar()

    def on_mount(self) -> None:
        self.refresh_items()
        self.focus_filter()

    def focus_filter(self) -> None:
        self.query_one("#filter", Field).focus()

    # -- the list -----------------------------------------------------------

    def refresh_items(self) -> None:
        app: Any = self.app
        query = self.query_one("#filter", Field).value
        options: list[Option | None] = []
        self.keys = []

        def add(key: str, content: Content, disabled: bool = False) -> None:
            options.append(Option(content, id=key, disabled=disabled))
            self.keys.append(key)

        journal = app.journal
        if journal is not None and not query:
            from tui.incident import SEVERITY_LABELS  # the journal is open: the first screen is drawn
            from tui.incident.resume import open_incidents

            try:
                listed = [r for r in open_incidents(journal, app.services.clock)
                        if not r.incident.drill or app.services.drill]
            except Exception:  # a damaged journal must not hide the runbooks; its pane says why
                listed = []
            from tui.integrations.silences import active

            self.open_rows = {r.id: r for r in listed}
            for row in listed:
                inc = row.incident
                try:
                    silenced = active(journal.events(inc.id))
                except Exception:  # as above: a damaged journal hides nothing else
                    silenced = []
                drill = "[reverse $warning b] DRILL [/] " if inc.drill else ""
                add(f"join:{inc.id}", styled(
                    "[reverse b] OPEN [/] " + drill + "$sev $title [dim]· $where$env · lead $lead · $age ago · $status"
                    "$silenced[/]",
                    env=" in " + plain_line(inc.environment) if inc.environment else "",
                    sev=SEVERITY_LABELS.get(inc.severity, "SEV?"), title=plain_line(inc.title),
                    where=plain_line(row.where), lead=plain_line(row.lead), age=row.age,
                    status=plain_line(inc.status),
                    silenced=plain_line(" · silenced " + ", ".join(x.alertname for x in silenced)) if silenced else ""))
        for i, link in enumerate(app.alert_links or []):
            alert = link.alert
            text = f"{alert.name} {link.runbook or ''} {alert.summary}".lower()
            if query and query.lower() not in text:
                continue
            target = f"→ {link.runbook}" if link.runbook else "→ no runbook for this alert"
            env = environment_for_labels(app.services.settings, alert.labels)
            if env:
                target += f" · in {env}"  # the environment its incident would act in
            add(f"alert:{i}", styled("[reverse $error b] ALERT [/] [b]$name[/] $target [dim]$summary[/]",
                                     name=plain_line(alert.name), target=plain_line(target),
                                     summary=plain_line(alert.summary)))
        if options:
            options.append(None)
        loaded = app.loaded
        if loaded is None:
            add("loading", Content("Loading runbooks…"), disabled=True)
        elif loaded.library is not None:
            runbooks = loaded.library.valid  # summaries: listing a runbook does not unpickle it
            broken = {f"broken:{e.path}": e for e in loaded.library.broken}
            if query:
                hits = [(h.key, h.where) for h in loaded.search_index(app.services).search(query, limit=LIST_LIMIT)]
            else:  # no query: the library's order; the index may still be building
                hits = [(k, "") for k in runbooks] + [(k, "") for k in broken]
            for key, where_found in hits[:LIST_LIMIT]:
                if len(self.keys) >= LIST_LIMIT:
                    break
                if key in broken:
                    entry = broken[key]
                    error = (entry.first_error or "").replace(str(entry.path), entry.path.name)
                    add(key, styled("[reverse $warning b] BROKEN [/] $error", error=plain_line(error)))
                    continue
                rb = runbooks[key].summary
                where = f" · matched in {where_found}" if query and where_found and where_found != "title" else ""
                # Assembled, not markup: the same content, without parsing a template 60 times a keystroke.
                add(key, Content.assemble((plain_line(rb.title), "b"), " ",
                                          (plain_line(f"{rb.id} · {rb.severity_hint}{where}"), "dim")))
            if len(hits) > LIST_LIMIT:
                add("more", Content(f"… and {len(hits) - LIST_LIMIT} more: type to narrow the list"), disabled=True)
            if query and not any(k for k in self.keys if not k.startswith(("alert:", "join:"))):
                add("none", shown(f"No runbook matches {plain_line(query)!r}; try fewer or other words."),
                    disabled=True)
        option_list = self.query_one("#choices", OptionList)
        keep = self._selected_key() if option_list.option_count and self._moved else None
        option_list.clear_options()
        option_list.add_options(options)
        rows = [o for o in options if o is not None]
        # The same line stays highlighted when the list refreshes under the person (alerts, incidents).
        first = next((i for i, o in enumerate(rows) if keep is not None and o.id == keep), None)
        if first is None or query != self._last_query:
            first = next((i for i, o in enumerate(rows) if not o.disabled), None)
            self._moved = False
        self._last_query = query
        option_list.highlighted = first
        self._status()
        self._detail()

    def _status(self) -> None:
        app: Any = self.app
        parts = []
        loaded = app.loaded
        if loaded is not None and loaded.library is not None:
            lib = loaded.library
            parts.append(f"{len(lib.runbooks)} runbooks" + (f", {len(lib.broken)} broken" if lib.broken else ""))
            if lib.missing_dirs:
                parts.append("missing folder: " + ", ".join(str(p) for p in lib.missing_dirs))
        if app.services.alerts_fetcher() is None:
            parts.append("alerts: no Alertmanager (--alertmanager URL)")
        elif app.alerts_error:
            parts.append(f"alerts: {app.alerts_error}")
        elif app.alert_links is not None:
            parts.append(f"{len(app.alert_links)} alerts firing")
        if loaded is not None and loaded.journal_error:
            parts.append(f"journal: {loaded.journal_error}")
        update_if_changed(self.query_one("#picker-status", Static), shown(" · ".join(parts)))  # paths and errors quote files

    def _selected_key(self) -> str | None:
        option_list = self.query_one("#choices", OptionList)
        if option_list.highlighted is None:
            return None
        option = option_list.get_option_at_index(option_list.highlighted)
        return None if option.disabled else option.id

    def _detail(self) -> None:
        app: Any = self.app
        key = self._selected_key()
        text = ""
        if key and app.library is not None:
            if key.startswith("broken:"):
                entry = next((e for e in app.library.broken if f"broken:{e.path}" == key), None)
                if entry is not None:
                    text = f"{entry.path}: {entry.first_error}. Fix it, then check with `oncall validate {entry.path}`."
            elif key.startswith("alert:"):
                link = app.alert_links[int(key.split(":")[1])]
                labels = ", ".join(f"{k}={v}" for k, v in link.alert.labels.items() if k != "alertname")
                text = f"{link.alert.name} ({labels}) since {link.alert.starts_at}"
            elif key.startswith("join:"):
                row = self.open_rows.get(key.split(":", 1)[1])
                if row is not None:
                    from tui.incident.resume import resume_sentence

                    text = resume_sentence(row, app.services.settings.user)
            elif key in app.library.valid:
                rb = app.library.valid[key].summary
                text = rb.summary + ("\nSymptoms: " + "; ".join(rb.symptoms) if rb.symptoms else "")
        # Set by refresh_items, then again by the highlight it moved: the same text need not be laid out twice.
        update_if_changed(self.query_one("#picker-detail", Static), shown(text))

    # -- events and actions -------------------------------------------------

    def on_input_changed(self, event: Field.Changed) -> None:
        self.refresh_items()

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self._detail()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_open()

    def action_move(self, delta: int) -> None:
        option_list = self.query_one("#choices", OptionList)
        if option_list.option_count == 0:
            return
        current = option_list.highlighted if option_list.highlighted is not None else -1
        target = max(0, min(option_list.option_count - 1, current + delta))
        step = 1 if delta > 0 else -1
        while 0 <= target < option_list.option_count and option_list.get_option_at_index(target).disabled:
            target += step
        if 0 <= target < option_list.option_count:
            option_list.highlighted = target
            self._moved = True

    def action_open(self) -> None:
        app: Any = self.app
        key = self._selected_key()
        if key is None:
            app.fail("Nothing is highlighted; type to search, then ↑↓ and Enter." if app.loaded
                     else "The runbooks are still loading; try again in a moment.")
            return
        if key.startswith("broken:"):
            entry = next((e for e in app.library.broken if f"broken:{e.path}" == key), None)
            app.fail(f"This runbook is broken ({entry.first_error if entry else 'see the list'}); "
                     "fix it and run `oncall validate`, or pick another.")
        elif key.startswith("alert:"):
            link = app.alert_links[int(key.split(":")[1])]
            if link.runbook:
                app.open_runbook(link.runbook, dict(link.params), alert=link.alert)
            else:
                app.fail(f"Alert {link.alert.name} has no runbook; pick one from the list.")
        elif key.startswith("join:"):
            app.join_incident(key.split(":", 1)[1])
        else:
            app.open_runbook(key)

    def action_q(self) -> None:
        filt = self.query_one("#filter", Field)
        if filt.value:
            filt.focus()
            filt.insert_text_at_cursor("q")
            return

        def typed(text: str) -> None:  # the person was typing a word that starts with q
            filt.focus()
            filt.insert_text_at_cursor(text)

        app: Any = self.app
        app.action_quit_app(typed=typed)

    def action_focus_filter(self) -> None:
        self.focus_filter()

    def action_escape(self) -> None:
        filt = self.query_one("#filter", Field)
        if filt.value:
            filt.value = ""
        elif self.overlay:
            self.dismiss()

    def action_reload_alerts(self) -> None:
        app: Any = self.app
        if app.services.alerts_fetcher() is None:
            app.fail("No Alertmanager is configured; pass --alertmanager URL or set ONCALL_ALERTMANAGER_URL.")
            return
        app.fetch_alerts()
