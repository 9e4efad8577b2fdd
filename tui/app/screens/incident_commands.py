"""The split view's commands: r runs the step's first, R picks one, a danger command asks for its word,
ctrl+c cancels. Output goes to the output pane as messages; the controller keeps and journals the result."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from textual.app import App
from textual.message import Message

from tui.app.messages import CommandFinished, CommandOutput, CommandStarted
from tui.app.screens.dialogs import ChoiceScreen, DangerScreen
from tui.app.screens.output_view import RunOutput
from tui.config import Settings
from tui.errors import OncallError
from tui.incident import CommandOutcome, IncidentController
from tui.incident.approval import Request
from tui.incident.record import ApprovalPending
from tui.launch.command import PreparedCommand
from tui.launch.result import RunResult


class Running(Protocol):
    """A started command: tui.launch.Launch, or a drill's SimulatedLaunch."""

    async def run(self) -> RunResult: ...

    def cancel(self) -> None: ...


# (prepared, settings, *, confirmed, on_lines) -> Running: tui.launch.launch_for, or a drill's launcher
Launcher = Callable[..., Running]


@dataclass
class CommandRunner:
    app: App[Any]
    controller: IncidentController
    settings: Settings
    launcher: Launcher
    to_output: Callable[[Message], None]  # posts to the output pane
    start_worker: Callable[[PreparedCommand, Running], None]  # runs `finish` in a worker
    changed: Callable[[], None]  # the step and the keys show whether a command runs
    fail: Callable[[str], None]
    journal_changed: Callable[[], None] = lambda: None  # a request was journaled: show it
    launch: Running | None = None
    running: tuple[str, datetime] | None = None  # (command name, when it started)
    live: RunOutput | None = None  # this session's last run, as it streams: what v shows first

    def run_first(self) -> None:
        names = self.controller.step.offered_commands
        if not names:
            self.fail("This step offers no command; R lists every command of the runbook.")
            return
        self.run(names[0])

    def pick(self) -> None:
        runbook = self.controller.current
        names = list(dict.fromkeys([*self.controller.step.offered_commands, *runbook.commands]))
        if not names:
            self.fail("This runbook has no commands.")
            return
        labels = [f"{n}: {runbook.commands[n].title}" + ("  DANGER" if runbook.commands[n].danger else "")
                  for n in names]

        def picked(index: int | None) -> None:
            if index is not None:
                self.run(names[index])

        self.app.push_screen(ChoiceScreen("Run which command?", labels, purpose="Pick the command to run."), picked)

    def run(self, name: str) -> None:
        from tui.launch import (
            DangerRefused,
            check_danger,
            confirmation_word,
            prepare_command,
        )

        if self.running is not None:
            self.fail(f"{self.running[0]} is still running; ctrl+c cancels it first.")
            return
        try:
            prepared = prepare_command(self.controller.current, name, self.controller.values(), self.settings,
                                       self.controller.incident.environment)
        except OncallError as exc:
            self.fail(str(exc))
            return
        if prepared.danger:
            try:  # read-only, or another environment's incident, refuses before anyone types anything
                check_danger(prepared, read_only=self.settings.read_only, confirmed=True,
                             confirmed_environment=prepared.environment)
            except DangerRefused as exc:
                self.fail(str(exc))
                return
        try:
            approved = self.controller.approval_gate(prepared, self.settings.approval_severities, prepared.environment)
        except ApprovalPending as exc:  # the request is journaled: every responder sees it
            self.journal_changed()
            self.app.notify(str(exc), title="Waiting for approval", timeout=15)
            return
        except OncallError as exc:
            self.fail(str(exc))
            return
        if not prepared.danger:
            self._start(prepared, confirmed=False, approved=approved)
            return

        def confirmed(ok: bool | None) -> None:
            if ok:  # the dialog took only the word: the environment's name where it is protected
                self._start(prepared, confirmed=True, approved=approved)
                return
            error = self._journaled(lambda: self.controller.command_declined(prepared))
            if error:
                self.fail(error)
            else:
                self.app.notify(f"{name} was not run; the journal says you declined it.")
            self.changed()

        self.app.push_screen(DangerScreen(name, prepared.title, prepared.display, prepared.params,
                                          confirmation_word(prepared), self.controller.already_ran(prepared),
                                          environment=prepared.environment, protected=prepared.protected),
                             confirmed)

    def _start(self, prepared: PreparedCommand, *, confirmed: bool, approved: Request | None = None) -> None:
        record = RunOutput(prepared.name, prepared.display)

        def output(lines: list[str]) -> None:
            record.add(lines)
            self.to_output(CommandOutput(lines))

        try:
            if approved is not None:
                self.controller.approval_used(approved)  # before the run: one approval is one run
            launch = self.launcher(prepared, self.settings, confirmed=confirmed, on_lines=output,
                                   confirmed_environment=prepared.environment if confirmed else None)
        except OncallError as exc:
            self.fail(str(exc))
            return
        self.launch = launch
        self.live = record
        self.running = (prepared.name, self.controller.clock.now())
        self.to_output(CommandStarted(self.title(), prepared.display))
        self.changed()
        self.start_worker(prepared, launch)

    def title(self) -> str:
        if self.running is None:
            return "OUTPUT"
        name, started = self.running
        seconds = (self.controller.clock.now() - started).total_seconds()
        return f"OUTPUT  {name} · running {seconds:.0f}s · ctrl+c cancels"

    async def finish(self, prepared: PreparedCommand, launch: Running) -> CommandFinished:
        """Run to the end (in the screen's worker); the controller keeps and journals the result."""
        from tui.launch import settings_secrets

        record = self.live
        try:
            result = await launch.run()
        except OncallError as exc:
            why = str(exc)
            if record is not None:
                record.add([why])
                record.finish("did not start", None)
            error = self._journaled(lambda: self.controller.command_failed(prepared, why))
            return CommandFinished(prepared.name, f"OUTPUT  {prepared.name} · did not start", [why], error)
        finally:
            self.launch = None
            self.running = None
        error = self._journaled(lambda: self.controller.command_finished(prepared, result,
                                                                        settings_secrets(self.settings)))
        outcome = CommandOutcome.of(prepared.name, result)
        if record is not None:
            record.finish(outcome.status_text, result.log_path)
        notes = [f"full output: {result.log_path}"] if result.dropped_lines > 0 and result.log_path else []
        notes.append(f"{prepared.name}: {outcome.status_text}")
        return CommandFinished(prepared.name, f"OUTPUT  {prepared.name} · {outcome.status_text}", notes, error)

    def runs(self) -> list[RunOutput]:
        """Every run of this incident, oldest first (the journal's, a teammate's too), this session's
        last one as it streams in place of its journal copy."""
        try:
            events = [e for e in self.controller.events() if e.kind == "command" and (e.data or {}).get("command")]
        except OncallError:
            events = []
        runs = [RunOutput.from_event(e) for e in events]
        live = self.live
        if live is not None:
            if live.finished and runs and runs[-1].name == live.name:
                runs[-1] = live
            else:
                runs.append(live)
        return runs

    @staticmethod
    def _journaled(record: Callable[[], object]) -> str | None:
        """None, or why the journal refused the run (the controller kept its result all the same)."""
        try:
            record()
        except OncallError as exc:
            return str(exc)
        return None

    def cancel(self) -> bool:
        if self.launch is None:
            return False
        self.launch.cancel()
        return True
