"""The oncall Textual app: opens on the picker, loads the library in the background, runs incidents.

Screens: picker → params form → the split view, with dialogs on top. Every
background job is a worker with `exit_on_error=False`; one `Worker.StateChanged`
handler turns a failure into a visible sentence instead of an exit.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, cast

from rich.console import Console, RenderableType
from textual.app import App
from textual.binding import Binding
from textual.worker import Worker, WorkerState

from tui.app.keys import binding_ids
from tui.app.palette import OncallCommands
from tui.app.services import Loaded, Services
from tui.app.theme import DEFAULT_THEME, THEMES
from tui.config import Settings
from tui.errors import OncallError

ALERTS_EVERY = 30.0  # seconds between Alertmanager look-ups while the app is open
STARTUP_WAIT = 0.5  # seconds the first list may wait for runbooks still being read; then it says "Loading…"
UNEXPECTED = "Something went wrong in {what} ({error}); the rest goes on. Please report it."


class CrashLog(io.TextIOBase):
    """Where Textual prints what stopped the app (a bug's traceback) instead of the terminal: a file
    beside the journal, opened at the first write, with oncall's own secrets struck out."""

    def __init__(self, path: Path, settings: Settings) -> None:
        super().__init__()
        self.path = path
        self.settings = settings
        self.written = False

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        from tui.config import settings_secrets
        from tui.journal.redact import redact  # only once there is a bug: not at start-up

        if not text:
            return 0
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as f:
                if not self.written:
                    f.write(f"--- {datetime.now(UTC).isoformat()}\n")
                f.write(redact(text, settings_secrets(self.settings)))
        except OSError:
            return len(text)  # nowhere to keep it: `oncall` still says it stopped on a bug
        self.written = True
        return len(text)


class OncallApp(App[int]):
    CSS_PATH = "oncall.tcss"
    TITLE = "oncall"
    COMMANDS = App.COMMANDS | {OncallCommands}
    BINDINGS = [
        Binding("question_mark", "help", "help", key_display="?", id="app.help"),
        Binding("ctrl+q", "quit_app", "quit", priority=True, show=False, id="app.quit"),
    ]

    def __init__(self, services: Services, *, runbook: str | None = None, alert: str | None = None,
                 theme: str | None = None, cursor_blink: bool = True) -> None:
        super().__init__()
        self.services = services
        self.start_runbook = runbook
        self.start_alert = alert
        self.requested_theme = theme or services.settings.theme
        self.cursor_blink = cursor_blink
        self.loaded: Loaded | None = None
        self.alert_links: list[Any] | None = None  # None: not fetched (or no Alertmanager)
        self.alerts_error: str | None = None
        self._pending_start: tuple[Any, dict[str, str], Any] | None = None
        self._pending_open: tuple[str, dict[str, str] | None, Any] | None = None  # waits for the journal
        self._pending_alert: str | None = None
        self.fault: str | None = None  # an expected fault that reached no handler
        # A bug that reaches Textual stops the app; its traceback goes to this file, not the terminal.
        self._crash = CrashLog(services.settings.journal_path.parent / "crash.log", services.settings)
        self.error_console = Console(file=cast(IO[str], self._crash), markup=False, highlight=False, width=120, color_system=None)
        for known in THEMES:
            self.register_theme(known)
        # Set before the app runs, so the first frame is drawn in it (nothing is styled yet).
        self.theme = self.requested_theme if self.requested_theme in self.available_themes else DEFAULT_THEME
        # config.yaml's `keymap:` (binding id -> keys), kept to tell which keys the bar and help must re-read.
        self.keymap: dict[str, str] = dict(services.settings.keymap)
        if self.keymap:
            self.set_keymap(self.keymap)

    @property
    def crash_log(self) -> Path | None:
        """The file a bug's traceback was written to, once one was."""
        return self._crash.path if self._crash.written else None

    # -- start-up -----------------------------------------------------------

    async def on_mount(self) -> None:
        unknown = sorted(set(self.keymap) - binding_ids()) if self.keymap else []  # (imports every screen)
        if unknown:
            self.notify(f"keymap: no key has the id {', '.join(unknown)}; the README's Keys section lists the ids.",
                        severity="warning")
        if self.requested_theme and self.requested_theme not in self.available_themes:
            self.notify(f"There is no theme {self.requested_theme!r}; using {DEFAULT_THEME} "
                        "(try --theme high-contrast).", severity="warning")
        from tui.app.screens.picker import PickerScreen

        # Read while Textual imported, and nearly done by now. Awaiting the rest a moment (the loop stays
        # free, keys wait in the queue) draws the list once, instead of "Loading…" and then the list;
        # past STARTUP_WAIT the list says "Loading…" and the load worker takes over.
        library = await self.services.library_soon(STARTUP_WAIT)
        if library is not None:  # the picker's first frame lists the runbooks
            self.loaded = Loaded(library)
        self.push_screen(PickerScreen())
        if library is not None:
            self._library_ready(library, listed=True)
        else:
            self.run_worker(self._load, name="load", thread=True, exit_on_error=False)

    @property
    def library(self) -> Any:
        return self.loaded.library if self.loaded else None

    @property
    def journal(self) -> Any:
        return self.loaded.journal if self.loaded else None

    def _load(self) -> None:
        """Thread: the runbooks first, so the list can be drawn."""
        library = self.services.load_library()
        self.call_from_thread(self._library_ready, library)

    def _load_rest(self, library: Any) -> None:
        """Thread, started once the list is on screen: the journal (its open incidents are listed).

        The search index is not built here: it is read at the first letter typed (Loaded.search_index, a
        few milliseconds), so a start that joins an incident or opens an alert never pays for it."""
        journal, error = self.services.open_journal()
        if journal is not None and journal.shared is not None:
            journal.sync()  # before the open incidents are listed: a teammate's are among them
        self.call_from_thread(self._journal_ready, journal, error)
        if journal is not None:  # behind the picker: joining a long incident then takes no time to read it
            self.services.warm_timelines(journal)

    def _library_ready(self, library: Any, *, listed: bool = False) -> None:
        """`listed`: the picker was built with this library already (its first frame): no second build."""
        if self.loaded is None or self.loaded.library is not library:
            self.loaded = Loaded(library)
        self._after_load(refresh=not listed)
        # Let the list be drawn before anything else competes for the interpreter (a screen refresh
        # is due within a frame; call_after_refresh would wait for a screen that may no longer be shown).
        self.set_timer(0.05, lambda: self.run_worker(lambda: self._load_rest(library), name="load journal",
                                                     thread=True, exit_on_error=False))

    def _journal_ready(self, journal: Any, error: str | None) -> None:
        if self.loaded is None:
            return
        self.loaded.journal, self.loaded.journal_error, self.loaded.journal_ready = journal, error, True
        try:
            joinable = bool(journal is not None and journal.open_incidents())
        except OncallError:
            joinable = False
        if joinable or error:  # otherwise the list on screen is already right
            self._refresh_pickers()
        if journal is not None and journal.shared is not None:
            self.set_interval(self.services.sync_every, self._sync_for_picker)
        if self._pending_alert is not None:
            alert, self._pending_alert = self._pending_alert, None
            self.open_alert(alert)
        if self._pending_open is not None:
            opening, self._pending_open = self._pending_open, None
            self.open_runbook(*opening[:2], alert=opening[2])
        if self._pending_start is not None:
            pending, self._pending_start = self._pending_start, None
            self.start_incident(*pending)

    def _sync_for_picker(self) -> None:
        """While the list is shown, take in the teammates' incidents (the incident screen syncs its own)."""
        from tui.app.screens.picker import PickerScreen

        if isinstance(self.screen, PickerScreen):
            self.run_worker(self._picker_sync, name="journal sync", group="picker-sync", thread=True,
                            exclusive=True, exit_on_error=False)

    def _picker_sync(self) -> None:
        journal = self.journal
        if journal is None:
            return
        status = journal.sync()
        if status.ok and status.pulled:
            self.call_from_thread(self._refresh_pickers)

    def _refresh_pickers(self) -> None:
        from tui.app.screens.picker import PickerScreen

        for screen in self.screen_stack:
            if isinstance(screen, PickerScreen) and screen.is_mounted:  # one not mounted yet lists on mount
                screen.refresh_items()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if event.state == WorkerState.ERROR:
            error = worker.error
            if isinstance(error, OncallError):
                message = str(error)
            else:
                message = UNEXPECTED.format(what=worker.name or "a background task",
                                            error=f"{type(error).__name__}: {error}")
            self.log.error(f"worker {worker.name} failed: {error!r}")
            if worker.name == "load" and self.loaded is None:
                self.loaded = Loaded(journal_error=message, journal_ready=True)
                self._after_load()
            elif worker.name == "load journal" and self.loaded is not None and not self.loaded.journal_ready:
                self._journal_ready(None, message)
            self.notify(message, severity="error", timeout=10)

    def _after_load(self, *, refresh: bool = True) -> None:
        if refresh:
            self._refresh_pickers()
        if self.services.alerts_fetcher() is not None and self.library is not None:
            self.fetch_alerts()
            self.set_interval(ALERTS_EVERY, self.fetch_alerts)
        elif self.start_alert:
            self.fail(f"Cannot look up alert {self.start_alert}: no Alertmanager URL is set; pass --alertmanager "
                      "URL, or pick the runbook from the list.")
            self.start_alert = None
        if self.start_runbook:
            runbook, self.start_runbook = self.start_runbook, None
            self.open_runbook(runbook)

    def fetch_alerts(self) -> None:
        self.run_worker(self._fetch_alerts(), name="alerts", group="alerts", exclusive=True, exit_on_error=False)

    async def _fetch_alerts(self) -> None:
        fetch = self.services.alerts_fetcher()
        if fetch is None or self.library is None:
            return
        try:
            self.alert_links = list(await fetch(self.library.runbooks))
            self.alerts_error = None
        except OncallError as exc:
            self.alerts_error = str(exc)
        self._refresh_pickers()
        if self.start_alert:
            name, self.start_alert = self.start_alert, None
            self.open_alert(name)

    # -- opening runbooks and incidents ------------------------------------

    def fail(self, message: str) -> None:
        """One plain sentence, where the person is looking."""
        self.notify(message, severity="error", timeout=8)

    def notify(self, message: str, *, title: str = "", severity: Any = "information", timeout: float | None = None,
               markup: bool = True) -> None:
        """A toast. Its sentence may quote outside text (an alert, a file, an error), so it is never
        markup, whatever the caller asks (Textual parses it by default), and always plain text."""
        from tui.text import plain, plain_line

        super().notify(plain(message), title=plain_line(title), severity=severity, timeout=timeout, markup=False)

    def open_alert(self, name: str) -> None:
        if self.journal is None and self.loaded is not None and not self.loaded.journal_ready:
            self._pending_alert = name  # joining the alert's incident needs the journal
            return
        links = [link for link in (self.alert_links or []) if link.alert.name == name]
        if self.alert_links is None:
            self.fail(self.alerts_error or f"Alerts are not available (no Alertmanager URL); "
                      f"open the runbook for {name} from the list.")
            return
        if not links:
            self.fail(f"Alert {name} is not firing now; pick its runbook from the list.")
            return
        link = links[0]
        if not link.runbook:
            self.fail(f"Alert {name} has no runbook; add `alerts: [{{alertname: {name}}}]` to one.")
            return
        fingerprint = link.alert.fingerprint
        journal = self.journal
        if fingerprint and journal is not None:
            from tui.incident import IncidentRecord

            try:
                same = [i for i in IncidentRecord.find_open(journal, fingerprint=fingerprint, drill=self.services.drill)
                        if i.alert_fingerprint == fingerprint]
            except OncallError:
                same = []
            if same:  # `oncall --alert NAME` joins the incident opened for this very alert
                self.notify(f"Joined incident {same[0].id}, opened for this alert; to start another, open its "
                            "runbook from the list and press n.")
                self.join_incident(same[0].id)
                return
        self.open_runbook(link.runbook, dict(link.params), alert=link.alert)

    def open_runbook(self, runbook_id: str, params: dict[str, str] | None = None, *, alert: Any = None) -> None:
        if self.library is None:
            self.fail("The runbooks are still loading; try again in a moment.")
            return
        try:
            runbook = self.library.get(runbook_id)
        except OncallError as exc:
            self.fail(str(exc))
            return
        if self.journal is None and self.loaded is not None and not self.loaded.journal_ready:
            self._pending_open = (runbook_id, params, alert)  # the resume offer needs the journal
            return
        self._to_picker()
        rows = self._resumable(runbook.id, alert)
        if rows:
            from tui.app.screens.resume import ResumeScreen

            def answered(choice: str | None) -> None:
                if choice == "resume":
                    self.join_incident(rows[0].id)
                elif choice == "new":
                    self._new_incident(runbook, params, alert)

            self.push_screen(ResumeScreen(rows[0], self.services.settings.user, len(rows) - 1), answered)
            return
        self._new_incident(runbook, params, alert)

    def _resumable(self, runbook_id: str, alert: Any) -> list[Any]:
        """Open incidents this runbook or alert already has (a teammate's too, once synced), best first."""
        journal = self.journal
        if journal is None:
            return []
        from tui.incident import IncidentRecord
        from tui.incident.resume import open_incidents

        try:
            found = IncidentRecord.find_open(journal, runbook=runbook_id, drill=self.services.drill,
                                             fingerprint=getattr(alert, "fingerprint", None) or None)
            ids = {i.id for i in found}
            return [row for row in open_incidents(journal, self.services.clock, drill=self.services.drill, limit=500)
                    if row.id in ids]
        except OncallError:
            return []

    def _new_incident(self, runbook: Any, params: dict[str, str] | None, alert: Any) -> None:
        from tui.app.screens.params import ParamsScreen
        from tui.config import environment_values, for_incident

        env = environment_values(for_incident(self.services.settings, self._environment_for(alert)))
        if runbook.params and not self.services.drill:
            self.push_screen(ParamsScreen(runbook, params or {}, env=env),
                             callback=lambda values: self.start_incident(runbook, values, alert) if values else None)
        else:  # a drill's simulation is built on the runbook's defaults (and its alert's labels): no form
            self.start_incident(runbook, {**runbook.default_params(params, env), **(params or {})}, alert)

    def _environment_for(self, alert: Any) -> str | None:
        """The environment an incident opened now works in: its alert's (by labels), else oncall's."""
        from tui.config import environment_for_labels

        settings = self.services.settings
        return environment_for_labels(settings, getattr(alert, "labels", None) or {}) or settings.environment

    def _to_picker(self) -> None:
        """Back to the picker at the bottom of the stack (an incident left stays open in the journal)."""
        while len(self.screen_stack) > 2:
            self.pop_screen()

    def start_incident(self, runbook: Any, params: dict[str, str], alert: Any = None) -> None:
        journal = self.journal
        if journal is None and self.loaded is not None and not self.loaded.journal_ready:
            self._pending_start = (runbook, params, alert)  # started as soon as the journal is open
            return
        if journal is None:
            reason = self.loaded.journal_error if self.loaded else None
            self.fail(reason or "The journal is not open; start oncall with --journal PATH.")
            return
        from tui.incident import IncidentRecord  # the core's own: not needed for the first frame

        environment = self._environment_for(alert)
        try:
            record = IncidentRecord.open(journal, self.services.clock, runbook, params, drill=self.services.drill,
                                         alert=alert.name if alert is not None else None,
                                         alert_started_at=getattr(alert, "starts_at", None) or None,
                                         alert_fingerprint=getattr(alert, "fingerprint", None) or None,
                                         environment=environment,
                                         local=self.services.drill and not self.services.share_drills,
                                         integrations=self.services.integrations())
        except OncallError as exc:
            self.fail(str(exc))
            return
        self._show_incident(record.incident_id, runbook, params)

    def join_incident(self, incident_id: str) -> None:
        journal = self.journal
        if journal is None or self.library is None:
            self.fail("The journal is not open yet; try again in a moment.")
            return
        try:
            incident = journal.incident(incident_id)
            runbook_id = incident.runbooks[0] if incident.runbooks else None
            if runbook_id is None:
                raise OncallError(f"Incident {incident_id} has no runbook; open one from the list to work on it.")
            runbook = self.library.get(runbook_id)
        except OncallError as exc:
            self.fail(str(exc))
            return
        params = {k: v for k, v in incident.params.items() if k in runbook.params}
        hooks = self.services.drill_hooks
        if hooks is not None and incident.drill:
            try:  # the simulation takes up where the drill stood: what was fixed stays fixed
                hooks.resume(journal, incident.id)
            except OncallError as exc:
                self.fail(str(exc))
        self._to_picker()
        from tui.config import environment_values, for_incident

        env = environment_values(for_incident(self.services.settings, incident.environment))
        self._show_incident(incident.id, runbook, {**runbook.default_params(env=env), **params}, replay=True)

    def _show_incident(self, incident_id: str, runbook: Any, params: dict[str, str], replay: bool = False) -> None:
        from tui.app.screens.incident import IncidentScreen
        from tui.config import for_incident
        from tui.incident import IncidentController

        settings = self.services.settings
        try:
            environment = self.journal.incident(incident_id).environment
        except OncallError:
            environment = None
        controller = IncidentController(self.journal, incident_id, self.services.clock, runbook=runbook,
                                        params=params, resolver=self.library.get, user=settings.user,
                                        drill=self.services.drill_hooks, integrations=self.services.integrations(),
                                        settings=for_incident(settings, environment))
        if replay:
            try:
                controller.replay(controller.events())
            except OncallError as exc:
                self.fail(str(exc))
        self._to_picker()
        self.push_screen(IncidentScreen(controller))

    # -- faults ---------------------------------------------------------------

    def panic(self, *renderables: RenderableType) -> None:
        """Textual's last resort for an exception no handler caught (the app cannot go on after one).

        Expected faults are caught where they happen; one that slips through (an OncallError, which
        Textual hands over as itself) stops the app with its own sentence, which `oncall` prints. Anything
        else is a bug: Textual prints its traceback to `error_console`, the crash log beside the journal
        (the journal itself is already safe on disk), and `oncall` prints one sentence naming the log.
        """
        faults = [r for r in renderables if isinstance(r, OncallError)]
        if faults:
            self.fault = str(faults[0])
            self.exit(return_code=1)
            return
        super().panic(*renderables)

    # -- app-wide actions ---------------------------------------------------

    def action_help(self) -> None:
        from tui.app.screens.help import HelpScreen

        if isinstance(self.screen, HelpScreen):
            return
        self.push_screen(HelpScreen(self.screen))

    def action_quit_app(self, typed: Callable[[str], None] | None = None) -> None:
        from tui.app.screens.dialogs import QuitScreen

        if isinstance(self.screen, QuitScreen):
            return
        self.push_screen(QuitScreen(self._incident_status(), typed=typed),
                         callback=lambda yes: self.exit(0) if yes else None)

    def _incident_status(self) -> str | None:
        """The status of the incident worked in this window (read from the journal now), or None."""
        from tui.app.screens.incident import IncidentScreen
        from tui.errors import OncallError

        for screen in reversed(self.screen_stack):
            if isinstance(screen, IncidentScreen):
                try:
                    return str(screen.controller.incident.status or "investigating")
                except OncallError:
                    return "status unknown: the journal could not be read"
        return None

    def action_search(self) -> None:
        from tui.app.screens.picker import PickerScreen

        self._to_picker()
        picker = self.screen_stack[1] if len(self.screen_stack) > 1 else None
        if isinstance(picker, PickerScreen):
            picker.focus_filter()
