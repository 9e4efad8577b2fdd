"""The 3am split view: the step on the left; metrics, command output and journal on the right.

Every key acts through the `IncidentController`, which journals what happened; this screen turns
keys into controller calls and tells each widget what changed with a typed message. Background
work (metrics polling, a running command, journal sync) reports back with messages and never
blocks the keys; a worker that fails is shown by the app's one `Worker.StateChanged` handler.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import Widget

from tui.app.messages import (
    CommandFinished,
    CommandTitle,
    IncidentChanged,
    JournalChanged,
    JournalStatus,
    MetricsUnavailable,
    ReportBuilt,
    SnapshotArrived,
    StepChanged,
    SyncFinished,
)
from tui.app.screens import screen_css
from tui.app.screens.incident_commands import CommandRunner, Running
from tui.app.screens.incident_forms import IncidentForms
from tui.app.widgets.breadcrumb import Breadcrumb
from tui.app.widgets.incident_bar import IncidentBar
from tui.app.widgets.journal_pane import JournalPane
from tui.app.widgets.key_bar import KeyBar
from tui.app.widgets.metrics_pane import MetricsPane
from tui.app.widgets.output_pane import OutputPane
from tui.app.widgets.step_view import StepView
from tui.errors import OncallError
from tui.incident import IncidentController
from tui.journal.sync import SyncStatus
from tui.journal.watch import Backoff
from tui.launch.command import PreparedCommand, launch_for
from tui.metrics.readings import Snapshot
from tui.walk import Move

if TYPE_CHECKING:
    from tui.app.app import OncallApp
    from tui.app.services import Services
    from tui.metrics.poller import MetricQuery


class IncidentScreen(Screen[None]):
    DEFAULT_CSS = screen_css.INCIDENT  # parsed when this screen is first shown
    SCOPED_CSS = False
    PURPOSE = ("Work the incident one step at a time. Answer the question with its number (the suggested answer is "
               "pre-selected: Enter takes it), run the step's commands with r, go back with b. Metrics, command "
               "output and the shared journal are on the right; everything you do is journaled.")
    BINDINGS = [
        Binding("1", "answer(1)", "answer", key_display="1-9", id="step.answer"),
        *[Binding(str(n), f"answer({n})", "answer", show=False) for n in range(2, 10)],
        Binding("enter", "accept", "ok", key_display="⏎", id="step.accept"),
        Binding("b", "back", "back", id="step.back"),
        Binding("up", "move(-1)", show=False),
        Binding("down", "move(1)", show=False),
        Binding("pageup", "scroll('#output-log', -1)", show=False),
        Binding("pagedown", "scroll('#output-log', 1)", show=False),
        Binding("shift+pageup", "scroll('#journal-log', -1)", show=False),
        Binding("shift+pagedown", "scroll('#journal-log', 1)", show=False),
        Binding("space", "tick", "tick", key_display="␣", id="step.tick"),
        Binding("r", "run_first", "run", id="command.run"),
        Binding("R", "pick_command", "pick", key_display="R", id="command.pick"),
        Binding("ctrl+c", "cancel_command", "cancel", priority=True, id="command.cancel"),
        Binding("v", "full_output", "output", id="command.output"),
        Binding("W", "wrap_output", "wrap", key_display="W", show=False, id="command.wrap"),
        Binding("n", "note", "note", id="incident.note"),
        Binding("a", "action_item", "action", id="incident.action_item"),
        Binding("s", "severity", "severity", id="incident.severity"),
        Binding("o", "roles", "roles", id="incident.roles"),
        Binding("t", "status", "status", id="incident.status"),
        Binding("i", "findings", "findings", id="incident.findings"),
        Binding("u", "comms", "update", id="incident.comms"),
        Binding("L", "silence", "silence", key_display="L", id="incident.silence"),
        Binding("x", "export", "report", id="incident.export"),
        Binding("g", "chart", "chart", id="incident.chart"),
        Binding("A", "approvals", "approve", key_display="A", id="incident.approvals"),
        Binding("slash", "search", "search", key_display="/", id="incident.search"),
        Binding("question_mark", "app.help", "help", key_display="?", id="incident.help"),
        Binding("q", "app.quit_app", "quit", id="incident.quit"),
    ]

    EXTRA_KEYS = [("↑↓", "move the selected answer, or the checklist cursor"),
                  ("pgup/pgdn", "scroll the command output"),
                  ("W", "wrap the command output's long lines in its pane (again: one line each)"),
                  ("shift+pgup/pgdn", "scroll the journal")]
    AUTO_FOCUS = None  # the keys belong to the step, not to a pane that would swallow ↑↓

    def __init__(self, controller: IncidentController) -> None:
        super().__init__()
        self.controller = controller
        self.selected: int | None = None
        self.user_moved = False  # the person chose with ↑↓: a new suggestion must not move it
        self.cursor = 0
        self.metrics_source: Any = None  # started by the services' factory: start(), async stop(), set_queries()
        self.metrics_runbook: str | None = None
        self.snapshot: Snapshot | None = None
        self.sync_status: SyncStatus | None = None
        self.synced_at: float | None = None
        self.authors: set[str] = set()
        self._stop_watch = asyncio.Event()
        self._poll_timer: Timer | None = None
        self._events_seen: list[Any] = []
        services = self.services_of_app()
        self._backoff = Backoff(base=services.sync_every)
        hooks = services.drill_hooks  # a drill answers from its scenario; nothing runs
        self.forms = IncidentForms(self.oncall, controller, services.settings.journal_path.parent / "reports",
                                   self._journal, self.render_all, self.oncall.fail)
        settings = controller.settings or services.settings
        if hooks is not None:  # nothing is queried in a drill, but its commands show a Prometheus URL
            from tui.drill.runner import drill_settings

            settings = drill_settings(settings)
        self.commands = CommandRunner(self.oncall, controller, settings,
                                      hooks.launcher if hooks is not None else launch_for,
                                      self._to(OutputPane), self._run_command, self._command_changed,
                                      self.oncall.fail, journal_changed=self.refresh_journal)
        self._requests_seen: set[str] = set()  # approval requests already announced
        self._waiting_for_me = 0  # teammates' open requests
        self._answers_seen: set[str] = set()  # answers to my requests already announced

    @property
    def oncall(self) -> OncallApp:
        from tui.app.app import OncallApp

        app = self.app
        assert isinstance(app, OncallApp)
        return app

    def services_of_app(self) -> Services:
        return self.oncall.services

    @property
    def services(self) -> Services:
        return self.oncall.services

    @property
    def running(self) -> object:
        """(command name, started) while a command runs, else None."""
        return self.commands.running

    def compose(self) -> ComposeResult:
        yield IncidentBar(id="bar")
        yield Breadcrumb(id="crumbs")
        with Horizontal(id="main"):
            yield StepView(id="step")
            with Vertical(id="side"):
                yield MetricsPane(id="metrics")
                yield OutputPane(id="output")
                yield JournalPane(self.controller.clock, id="journal")
        yield KeyBar(id="keys")

    def _to(self, widget: type[Widget]) -> Callable[[Message], None]:
        """Post a message to the one widget of this type (the widget acts on it)."""
        def tell(message: Message) -> None:
            if not self.app.is_running:  # shutting down: the panes are closing
                return
            found = self.query(widget)
            if found:
                found.first().post_message(message)
            elif self.is_attached:  # a busy machine mounts the panes a moment after the screen: tell them then
                self.call_after_refresh(lambda: self.query(widget) and self.query(widget).first().post_message(message))

        return tell

    def on_resize(self) -> None:
        # Short terminals (80x24) drop the blank lines between the parts of a step.
        self.set_class(self.size.height < 32, "-compact")
        if self.is_mounted:
            self.tick()

    def on_mount(self) -> None:
        self._start_metrics()
        self._update_suggestion()
        self.render_all()
        self.refresh_journal()
        self._journal_title()
        self.set_interval(1.0, self.tick)
        shared = self.services.settings.shared_journal
        if shared is not None:
            self.sync_now()
            if isinstance(shared, Path):  # a file: woken by its changes, with a slow poll for network disks
                self._watch_shared(shared)
                self.set_interval(max(self.services.sync_every, self.services.fallback_every), self.sync_now)
            # a git remote: on_sync_finished schedules the next poll (short, backing off while it fails)
        if self.controller.integrations is not None:
            self.set_interval(self.services.retry_every, self.retry_updates)

    async def on_unmount(self) -> None:
        self._stop_watch.set()
        self.commands.cancel()
        await self._stop_metrics()

    # -- rendering ----------------------------------------------------------

    def render_all(self) -> None:
        self._to(IncidentBar)(IncidentChanged(self.controller))
        self._to(Breadcrumb)(IncidentChanged(self.controller))
        self.render_step()
        self.refresh_bindings()

    def render_step(self) -> None:
        self._to(StepView)(StepChanged(self.controller, self.selected, self.cursor, self.commands.running is not None))

    def tick(self) -> None:
        self._to(IncidentBar)(IncidentChanged(self.controller))
        if self.snapshot is not None:  # every second: a settling countdown moves, a passed window suggests
            self._take_snapshot(self.snapshot)
        if self.commands.running is not None:
            self._to(OutputPane)(CommandTitle(self.commands.title()))
        self._journal_title()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Hide keys that do nothing on this step, so the footer fits 80 columns."""
        step = self.controller.step
        if action == "answer":
            return step.kind == "ask"
        if action == "tick":
            return bool(step.checklist)
        if action == "silence":
            return self.controller.can_silence()
        if action in ("run_first", "pick_command"):
            return bool(self.controller.current.commands) and (action == "pick_command" or bool(step.offered_commands))
        if action == "approvals":  # only while a teammate's request waits for an answer
            return self._waiting_for_me > 0
        if action == "cancel_command":
            return self.commands.running is not None
        if action == "full_output":
            return self.commands.live is not None or any(e.kind == "command" for e in self._events_seen)
        if action == "back":
            return self.controller.walker.can_back
        if action == "accept":
            return not self.controller.walker.finished
        return True

    def _now(self) -> float:
        return self.controller.clock.now().timestamp()

    # -- the walk -----------------------------------------------------------

    def _apply(self, move_fn: Callable[[], Move]) -> Move | None:
        try:
            move = move_fn()
        except OncallError as exc:
            self.oncall.fail(str(exc))
            return None
        if move.action in ("answer", "done", "back", "resume"):
            self.selected, self.user_moved, self.cursor = None, False, 0
            self._runbook_changed()
            self._update_suggestion()
        self.render_all()
        self.refresh_journal()
        if move.outcome and move.action != "back":
            self.notify(f"Outcome reached: {move.outcome}. See the left side for what to do now.")
        score = self.controller.take_drill_score()
        if score is not None:
            self.refresh_journal()
            self._build_report(score)  # the drill's outcome shows the report, its score beside it
        return move

    def action_answer(self, n: int) -> None:
        step = self.controller.step
        if step.kind != "ask":
            self.oncall.fail("This step is not a question; press Enter when it is done.")
            return
        if n > len(step.choices):
            self.oncall.fail(f"There is no choice {n}; press 1 to {len(step.choices)}.")
            return
        self._apply(lambda: self.controller.answer(n - 1))

    def action_accept(self) -> None:
        controller = self.controller
        step = controller.step
        if step.kind == "ask":
            selected = self.selected
            if selected is None:
                self.oncall.fail(f"Press 1 to {len(step.choices)} to answer (nothing is pre-selected here).")
                return
            self._apply(lambda: controller.answer(selected))
        elif step.kind == "do":
            self._apply(controller.done)
        elif controller.walker.can_resume:
            self._apply(controller.resume)
        else:
            self.notify("This runbook is finished: u sends the update, x exports the report, b goes back.")

    def action_back(self) -> None:
        self._apply(self.controller.back)

    def action_move(self, delta: int) -> None:
        step = self.controller.step
        if step.kind == "ask":
            count = len(step.choices)
            current = self.selected if self.selected is not None else (-1 if delta > 0 else count)
            self.selected = max(0, min(count - 1, current + delta))
            self.user_moved = True
        elif step.checklist:
            self.cursor = max(0, min(len(step.checklist) - 1, self.cursor + delta))
        self.render_step()

    def action_scroll(self, selector: str, direction: int) -> None:
        pane = self.query_one(OutputPane).scroller if selector == "#output-log" else self.query_one(selector)
        if direction < 0:
            pane.scroll_page_up(animate=False)
        else:
            pane.scroll_page_down(animate=False)

    def action_tick(self) -> None:
        items = self.controller.walker.checklist()
        if not items:
            return
        if self.controller.step.kind == "ask" or self.cursor >= len(items):
            # No cursor on a question: tick the first open item.
            self.cursor = next((i for i, (_, done) in enumerate(items) if not done), 0)
        item = self.cursor
        if self._apply(lambda: self.controller.toggle(item)) is not None:
            self.cursor = item  # the ▶ stays on the item ticked: ↓ moves on, space again unticks it
            self.render_step()

    def _update_suggestion(self) -> None:
        """Pre-select what the metric or the command result points to; the person still confirms."""
        self._follow_suggestion(self.controller.suggest())

    def _follow_suggestion(self, index: int | None) -> None:
        if not self.user_moved:
            self.selected = index

    def _runbook_changed(self) -> None:
        """After a jump (or back out of one): the new runbook's parameters and metrics."""
        controller = self.controller
        current = controller.current
        if current.id == self.metrics_runbook:
            return
        if controller.carry_params(current) is None:
            from tui.app.screens.params import ParamsScreen

            def done(values: dict[str, str] | None) -> None:
                if values is None:
                    self._apply(controller.back)  # no values, no walk: undo the jump (journaled)
                    return
                try:
                    controller.set_params(current, values)
                except OncallError as exc:
                    self.oncall.fail(str(exc))
                self._retarget_metrics()
                self.render_all()

            self.app.push_screen(ParamsScreen(current, controller.values(current), env=controller.env_values(),
                                              note=f"{current.title} needs these values before you go on."), done)
            return
        self._retarget_metrics()

    # -- incident keys (dialogs) ---------------------------------------------

    def action_note(self) -> None:
        self.forms.note()

    def action_action_item(self) -> None:
        self.forms.action_item()

    def action_severity(self) -> None:
        self.forms.severity()

    def action_roles(self) -> None:
        self.forms.roles()

    def action_status(self) -> None:
        self.forms.status()

    def action_findings(self) -> None:
        self.forms.findings()

    def action_comms(self) -> None:
        self.forms.comms()

    def action_silence(self) -> None:
        self.forms.silence()

    def action_export(self) -> None:
        self.notify("Building the report (reading the metrics over the incident)…", timeout=3)
        self._build_report(None)

    def action_chart(self) -> None:
        """The step's metric (else the runbook's first) over the sparkline's window, in the terminal."""
        controller = self.controller
        name = controller.step.metric or next(iter(controller.current.metrics), None)
        if name is None:
            self.notify("This runbook has no metrics to chart.")
            return
        reading = controller.readings.get(name)
        if reading is None or not any(s.points for s in reading.history):
            self.notify(f"No history of {name} yet; the chart needs the metrics source to answer first.")
            return
        from tui.app.screens.chart import ChartScreen  # plotext is imported only now: start-up does not pay for it
        from tui.report.markdown import event_marks

        marks = event_marks(controller.incident, controller.events(), [controller.current])
        self.app.push_screen(ChartScreen(reading, marks, now=controller.clock.now().timestamp()))

    @work(thread=True, group="report", exclusive=True, exit_on_error=False, name="post-incident report")
    def _build_report(self, score: Any) -> None:
        from tui.report.build import build_report

        controller = self.controller
        try:
            hooks = self.services.drill_hooks  # a drill's metrics come from its simulation
            report = build_report(controller.journal, controller.incident_id, self.services.settings,
                                  runbooks=self.forms.runbooks(), source=hooks.report_curves if hooks else None)
        except OncallError as exc:
            self.post_message(ReportBuilt(None, str(exc), score))
            return
        self.post_message(ReportBuilt(report, None, score))

    def on_report_built(self, message: ReportBuilt) -> None:
        self.forms.offer_report(message.report, message.error, message.score)

    def action_search(self) -> None:
        from tui.app.screens.picker import PickerScreen

        self.app.push_screen(PickerScreen(overlay=True))

    # -- commands -------------------------------------------------------------

    def action_run_first(self) -> None:
        self.commands.run_first()

    def action_pick_command(self) -> None:
        self.commands.pick()

    def run_command(self, name: str) -> None:
        self.commands.run(name)

    def action_full_output(self) -> None:
        from tui.app.screens.output_view import OutputViewScreen

        runs = self.commands.runs()
        if not runs:
            self.oncall.fail("No command has run in this incident yet; r runs the step's command.")
            return
        self.app.push_screen(OutputViewScreen(runs[-1], runs))

    def action_wrap_output(self) -> None:
        wrapped = self.query_one(OutputPane).toggle_wrap()
        self.notify("Long output lines wrap in the pane now (W again: one line each)." if wrapped else
                    "One line each in the pane now; v shows the whole output wrapped.")

    def action_cancel_command(self) -> None:
        if self.commands.cancel():
            self.query_one(OutputPane).note("cancelling: stopping the command and everything it started…")

    def _command_changed(self) -> None:
        self.refresh_journal()  # a declined danger command is journaled
        self.render_step()
        self.refresh_bindings()

    def _run_command(self, prepared: PreparedCommand, launch: Running) -> None:
        self._command_worker(prepared, launch)

    @work(group="command", exit_on_error=False)
    async def _command_worker(self, prepared: PreparedCommand, launch: Running) -> None:
        try:
            finished = await self.commands.finish(prepared, launch)
        finally:
            self.refresh_bindings()
        self.post_message(finished)

    def on_command_finished(self, message: CommandFinished) -> None:
        self._to(OutputPane)(CommandFinished(message.name, message.title, message.notes))
        if message.journal_error:
            self.oncall.fail(message.journal_error)
        self.refresh_journal()
        self._update_suggestion()
        self.render_step()

    # -- metrics ------------------------------------------------------------

    def _queries(self) -> list[MetricQuery]:
        from tui.metrics.poller import metric_queries

        return metric_queries(self.controller.current, {**self.controller.env_values(), **self.controller.values()})

    def _start_metrics(self) -> None:
        tell = self._to(MetricsPane)
        factory = self.services.metrics_factory(self.controller.settings)  # the environment's Prometheus
        self.metrics_runbook = self.controller.current.id
        if factory is None:
            tell(MetricsUnavailable("METRICS  not connected", self.services.not_connected()))
            return
        try:
            self.metrics_source = factory(self._queries(), self._snapshot_arrived)
            self.metrics_source.start()
        except OncallError as exc:
            self.metrics_source = None
            tell(MetricsUnavailable("METRICS  not connected", str(exc)))
            return
        except Exception as exc:  # a bug in a metrics source must not take the incident screen down
            self.log.error(f"metrics source failed to start: {exc!r}")
            self.metrics_source = None
            tell(MetricsUnavailable("METRICS  failed", f"The metrics source failed to start "
                                    f"({type(exc).__name__}: {exc}); the rest goes on. Please report it."))
            return
        tell(MetricsUnavailable("METRICS  connecting…", f"Polling {len(self.controller.current.metrics)} metrics…"))

    def _snapshot_arrived(self, snapshot: Snapshot) -> None:
        """The metrics source's callback: a message to this screen, handled in its turn."""
        self.post_message(SnapshotArrived(snapshot))

    def _retarget_metrics(self) -> None:
        self.metrics_runbook = self.controller.current.id
        self.controller.clear_readings()
        self.snapshot = None
        if self.metrics_source is None:
            return
        try:
            self.metrics_source.set_queries(self._queries())
        except OncallError as exc:
            self._to(MetricsPane)(MetricsUnavailable("METRICS  not connected", str(exc)))

    async def _stop_metrics(self) -> None:
        source, self.metrics_source = self.metrics_source, None
        if source is not None:
            await source.stop()

    def on_snapshot_arrived(self, message: SnapshotArrived) -> None:
        if not self.is_mounted:
            return
        self.snapshot = message.snapshot
        self._take_snapshot(message.snapshot)

    def _take_snapshot(self, snapshot: Snapshot) -> None:
        """The readings as this incident sees them (settling after a fix) to the controller, the pane and the step."""
        now = self._now()
        before = set(self.controller.settling)
        try:
            suggestion = self.controller.take_snapshot(snapshot, now)
        except OncallError as exc:  # the journal refused the settling note; the readings are kept
            self.oncall.fail(str(exc))
            suggestion = self.controller.walker.suggestion.index if self.controller.walker.suggestion else None
        self._to(MetricsPane)(SnapshotArrived(self.controller.snapshot or snapshot, now))
        self._follow_suggestion(suggestion)
        self.render_step()
        if set(self.controller.settling) != before:  # a settling note was journaled
            self.refresh_journal()

    # -- journal ------------------------------------------------------------

    def _journal(self, write: Callable[[], object]) -> bool:
        try:
            write()
        except OncallError as exc:
            self.oncall.fail(str(exc))
            return False
        self.refresh_journal()
        return True

    def refresh_journal(self) -> None:
        try:
            events = self.controller.events()
        except OncallError as exc:
            self._to(JournalPane)(JournalStatus("JOURNAL  unreadable", str(exc)))
            return
        self._to(JournalPane)(JournalChanged(events))
        had_commands = any(e.kind == "command" for e in self._events_seen)
        self._events_seen = events
        if not had_commands and any(e.kind == "command" for e in events):
            self.refresh_bindings()  # v is offered from the first run on (a teammate's too)
        self.controller.observe(events)
        self.authors = {e.author for e in events if e.author}
        self._announce_requests()

    def _announce_requests(self) -> None:
        """A teammate asks for an approval: say so once, with the exact command and the key that answers."""
        reqs = self.controller.approvals()
        waiting = sum(r.status == "open" and r.requester != self.controller.journal.user for r in reqs)
        if waiting != self._waiting_for_me:
            self._waiting_for_me = waiting
            self.refresh_bindings()
        me = self.controller.journal.user
        for req in reqs:
            if req.requester == me and req.status in ("approved", "declined") and req.id not in self._answers_seen:
                self._answers_seen.add(req.id)
                then = "press r to run it (once, within 30 minutes)" if req.status == "approved" else "it will not run"
                self.notify(f"{req.answered_by} {req.status} your request to run {req.command}; {then}.",
                            title=f"Request {req.status}", timeout=30, markup=False)
            if req.id in self._requests_seen:
                continue
            self._requests_seen.add(req.id)
            if req.status == "open" and req.requester != me:
                env = " with " + " ".join(f"{k}={v}" for k, v in req.env.items()) if req.env else ""
                self.notify(f"{req.requester} asks to run {req.command}: {req.display}{env}. Press A to approve "
                            "or decline.", title="Approval requested", timeout=30, markup=False)

    def action_approvals(self) -> None:
        """The requests waiting for this responder's answer: pick one, then approve or decline it."""
        from tui.app.screens.dialogs import ChoiceScreen

        me = self.controller.journal.user
        reqs = self.controller.approvals()
        waiting = [r for r in reqs if r.status == "open" and r.requester != me]
        if not waiting:
            self.notify("No teammate's approval request waits in this incident; nobody approves their own.",
                        markup=False)
            return

        def label(r: Any) -> str:
            env = "  " + " ".join(f"{k}={v}" for k, v in r.env.items()) if r.env else ""
            return f"{r.requester}: {r.command} · {r.display}{env}"

        def answer(req: Any) -> Callable[[int | None], None]:
            def chosen(index: int | None) -> None:
                if index is None:
                    return
                if self._journal(lambda: self.controller.answer_approval(req.id, approve=index == 0)):
                    self.notify(f"{'Approved' if index == 0 else 'Declined'} {req.requester}'s {req.command}.",
                                markup=False)
            return chosen

        def picked(index: int | None) -> None:
            if index is None:
                return
            req = waiting[index]
            self.app.push_screen(ChoiceScreen(f"{req.requester} asks to run: {req.display}",
                                              ["Approve: they may run it once, within 30 minutes", "Decline"],
                                              purpose="Answer a teammate's request to run a command."), answer(req))

        self.app.push_screen(ChoiceScreen("Approve which request?", [label(r) for r in waiting],
                                          purpose="Requests from teammates to run a command that needs a second "
                                                  "person."), picked)

    @work(thread=True, group="sync", exclusive=True, exit_on_error=False, name="journal sync")
    def sync_now(self) -> None:
        self.post_message(SyncFinished(self.controller.sync()))

    @work(thread=True, group="retry", exclusive=True, exit_on_error=False, name="retry queued updates")
    def retry_updates(self) -> None:
        """Queued updates go out again once their targets answer (every `retry_every` seconds)."""
        results = self.controller.retry_updates()
        sent = [r for r in results if r.sent]
        if sent:
            self.app.call_from_thread(self.app.notify, " ".join(r.sentence() for r in sent))
            self.app.call_from_thread(self.refresh_journal)
    @work(group="watch", exclusive=True, exit_on_error=False, name="shared journal watch")
    async def _watch_shared(self, shared: Path) -> None:
        """A pass as soon as the shared file changes; if the folder cannot be watched, poll it instead."""
        from tui.journal.watch import shared_file_changes

        try:
            async for _ in shared_file_changes(shared, self._stop_watch):
                self.sync_now()
        except (OSError, ImportError, RuntimeError):  # no folder yet, no inotify, no watchfiles
            if not self._stop_watch.is_set():
                self.set_interval(self.services.sync_every, self.sync_now)

    def on_sync_finished(self, message: SyncFinished) -> None:
        self.sync_status = message.status
        if message.status.ok:
            self.synced_at = time.monotonic()
        if not isinstance(self.services.settings.shared_journal, Path):  # a git remote: poll it again soon
            if self._poll_timer is not None:
                self._poll_timer.stop()
            self._poll_timer = self.set_timer(self._backoff.after(message.status.ok), self.sync_now)
        self.refresh_journal()
        self._journal_title()
        self._to(IncidentBar)(IncidentChanged(self.controller))

    def _journal_title(self) -> None:
        tell = self._to(JournalPane)
        status = self.sync_status
        if self.services.settings.shared_journal is None:
            tell(JournalStatus("JOURNAL  local only (no --shared)"))
            return
        if status is None:
            tell(JournalStatus("JOURNAL  syncing…"))
            return
        count = len(self.authors)  # people who wrote in this incident (the sync status counts the whole journal)
        who = f"{count} responder{'s' if count != 1 else ''}"
        if self.synced_at is None:
            tell(JournalStatus(f"JOURNAL  not synced · {who}", status.message))
            return
        ago = time.monotonic() - self.synced_at
        tell(JournalStatus(f"JOURNAL  synced {ago:.0f}s ago · {who}",
                           getattr(status, "warning", None) if status.ok else status.message))
