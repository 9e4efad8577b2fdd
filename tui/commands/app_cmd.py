"""`oncall` with no command: the Textual app. The only command module that imports Textual, lazily."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from tui.config import Settings
from tui.errors import OncallError

if TYPE_CHECKING:
    from tui.app.app import OncallApp


def run_app(args: argparse.Namespace, settings: Settings) -> int:
    from tui.app.factory import make_app
    from tui.launch.signals import commands_end_on_signals

    app = make_app(settings, runbook=getattr(args, "runbook", None), alert=getattr(args, "alert", None),
                   theme=getattr(args, "theme", None))
    # SIGHUP (the terminal closed) or SIGTERM: the running command's tree ends, then the app, then 128 + signal.
    with commands_end_on_signals(lambda: app.call_from_thread(app.exit)) as caught:
        result = app.run()
    return 128 + caught[0] if caught else exit_code_of(app, result)


def exit_code_of(app: OncallApp, result: int | None) -> int:
    """The app's exit code, or the one sentence saying why it stopped (a fault, or a bug and its crash log)."""
    if app.fault is not None:
        raise OncallError(app.fault)
    if app.crash_log is not None or (app.return_code == 1 and result is None):
        where = f"; the details are in {app.crash_log}" if app.crash_log else ""
        raise OncallError(f"oncall hit a bug and stopped; everything you did is saved in the journal{where}. "
                          "Please report it.")
    return int(result or 0)
