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
from tui.config import Settings
from tui.errors import OncallError
from tui.incident import CommandOutcome, IncidentController
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
    launch: Running | None = None
    running: tuple[str, datetime] | None = None  # (command name, when it started)

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
        if not prepared.danger:
            self._start(prepared, confirmed=False)
            return
        try:  # read-only, or another environment's incident, refuses before anyone types anything
            check_danger(prepared, read_only=self.settings.read_only, confirmed=True,
                         confirmed_environment=prepared.environment)
        except DangerRefused as exc:
            self.fail(str(exc))
            return

        def confirmed(ok: bool | None) -> None:
            if ok:  # the dialog took only the word: the environment's name where it is protected
                self._start(prepared, confirmed=True)
            else:
                self.app.notify(f"{name} was not run.")

        self.app.push_screen(DangerScreen(name, prepared.title, prepared.display, prepared.params,
                                          confirmation_word(prepared), environment=prepared.environment,
                                          protected=prepared.protected), confirmed)

    def _start(self, prepared: PreparedCommand, *, confirmed: bool) -> None:
        def output(lines: list[str]) -> None:
            self.to_output(CommandOutput(lines))

        try:
            launch = self.launcher(prepared, self.settings, confirmed=confirmed, on_lines=output,
                                   confirmed_environment=prepared.environment if confirmed else None)
        except OncallError as exc:
            self.fail(str(exc))
            return
        self.launch = launch
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

        try:
            result = await launch.run()
        except OncallError as exc:
            why = str(exc)
            error = self._journaled(lambda: self.controller.command_failed(prepared, why))
            return CommandFinished(prepared.name, f"OUTPUT  {prepared.name} · did not start", [why], error)
        finally:
            self.launch = None
            self.running = None
        error = self._journaled(lambda: self.controller.command_finished(prepared, result,
                                                                        settings_secrets(self.settings)))
        outcome = CommandOutcome.of(prepared.name, result)
        notes = [f"full output: {result.log_path}"] if result.dropped_lines > 0 and result.log_path else []
        notes.append(f"{prepared.name}: {outcome.status_text}")
        return CommandFinished(prepared.name, f"OUTPUT  {prepared.name} · {outcome.status_text}", notes, error)

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
