"""The split view's commands: r runs the step's first, R picks one, a danger command asks for its word,
ctrl+c cancels. Output streams into the output pane; the run is journaled with its result."""

from __future__ import annotations

from typing import Any

from tui.app.screens.dialogs import ChoiceScreen, DangerScreen
from tui.incident import CommandOutcome
from tui.app.widgets.output_pane import OutputPane
from tui.errors import OncallError


class CommandActions:
    """Mixed into IncidentScreen: uses its session, services, panes and journal helpers."""

    controller: Any
    services: Any
    launch: Any
    running: Any

    def action_run_first(self) -> None:
        names = self.controller.step.offered_commands
        if not names:
            self.app.fail("This step offers no command; R lists every command of the runbook.")  # type: ignore[attr-defined]
            return
        self.run_command(names[0])

    def action_pick_command(self) -> None:
        runbook = self.controller.current
        names = list(dict.fromkeys([*self.controller.step.offered_commands, *runbook.commands]))
        if not names:
            self.app.fail("This runbook has no commands.")  # type: ignore[attr-defined]
            return
        labels = [f"{n}: {runbook.commands[n].title}" + ("  DANGER" if runbook.commands[n].danger else "")
                  for n in names]

        def picked(index: int | None) -> None:
            if index is not None:
                self.run_command(names[index])

        self.app.push_screen(ChoiceScreen("Run which command?", labels, purpose="Pick the command to run."), picked)

    def run_command(self, name: str) -> None:
        from tui.launch import DangerRefused, check_danger, confirmation_word, prepare_command

        if self.running is not None:
            self.app.fail(f"{self.running[0]} is still running; ctrl+c cancels it first.")  # type: ignore[attr-defined]
            return
        try:
            prepared = prepare_command(self.controller.current, name, self.controller.values())
        except OncallError as exc:
            self.app.fail(str(exc))  # type: ignore[attr-defined]
            return
        if not prepared.danger:
            self._start_command(prepared, confirmed=False)
            return
        try:  # read-only refuses before anyone types anything
            check_danger(prepared, read_only=self.services.settings.read_only, confirmed=True)
        except DangerRefused as exc:
            self.app.fail(str(exc))  # type: ignore[attr-defined]
            return

        def confirmed(ok: bool | None) -> None:
            if ok:
                self._start_command(prepared, confirmed=True)
            else:
                self.notify(f"{name} was not run.")

        self.app.push_screen(DangerScreen(name, prepared.title, prepared.display, prepared.params,
                                          confirmation_word(prepared)), confirmed)

    def _start_command(self, prepared: Any, *, confirmed: bool) -> None:
        from tui.launch import launch_for

        pane = self.query_one(OutputPane)
        try:
            hooks = self.services.drill_hooks  # a drill answers from its scenario; nothing runs
            launcher = hooks.launcher if hooks is not None else launch_for
            launch = launcher(prepared, self.services.settings, confirmed=confirmed, on_lines=pane.feed)
        except OncallError as exc:
            self.app.fail(str(exc))  # type: ignore[attr-defined]
            return
        self.launch = launch
        self.running = (prepared.name, self.controller.clock.now())
        pane.start(self._running_title(), prepared.display)
        self.render_step()
        self.refresh_bindings()
        self.run_worker(self._run(prepared, launch), name=f"command {prepared.name}", group="command",
                        exit_on_error=False)

    def _running_title(self) -> str:
        if self.running is None:
            return "OUTPUT"
        name, started = self.running
        seconds = (self.controller.clock.now() - started).total_seconds()
        return f"OUTPUT  {name} · running {seconds:.0f}s · ctrl+c cancels"

    async def _run(self, prepared: Any, launch: Any) -> None:
        from tui.launch import settings_secrets

        pane = self.query_one(OutputPane)
        controller = self.controller
        try:
            result = await launch.run()
        except OncallError as exc:
            why = str(exc)
            pane.note(why)
            pane.set_title(f"OUTPUT  {prepared.name} · did not start")
            self._journal(lambda: controller.command_failed(prepared, why))
            return
        finally:
            self.launch = None
            self.running = None
            self.refresh_bindings()
        outcome = CommandOutcome.of(prepared.name, result)
        if result.dropped_lines > 0 and result.log_path:
            pane.note(f"full output: {result.log_path}")
        pane.note(f"{prepared.name}: {outcome.status_text}")
        pane.set_title(f"OUTPUT  {prepared.name} · {outcome.status_text}")
        self._journal(lambda: controller.command_finished(prepared, result, settings_secrets(self.services.settings)))
        self._update_suggestion()
        self.render_step()

    def action_cancel_command(self) -> None:
        if self.launch is not None:
            self.launch.cancel()
            self.query_one(OutputPane).note("cancelling: stopping the command and everything it started…")
