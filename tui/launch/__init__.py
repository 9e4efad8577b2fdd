"""Diagnostic commands as processes: prepare, gate, run, stream, stop, record.

The app and the CLI share this API:

    prepared = prepare_command(runbook, "rollback", params)       # pattern check + rendering
    launch = launch_for(prepared, settings, confirmed=typed_ok,   # danger gate, log path, env
                        on_lines=write_lines)
    result = await launch.run()                                   # launch.cancel() stops it
    record_run(journal, incident_id, prepared, result, settings_secrets(settings))
"""

from tui.config import settings_secrets  # the one source of oncall's own secrets, for record_run
from tui.launch.buffer import OutputBuffer
from tui.launch.capture import command_event, record_run
from tui.launch.command import PreparedCommand, child_env, launch_for, new_log_path, prepare_command
from tui.launch.danger import (
    DangerRefused,
    check_danger,
    confirmation_prompt,
    confirmation_word,
    is_confirmed,
    needs_confirmation,
)
from tui.launch.process import DEFAULT_GRACE, DEFAULT_MAX_BATCH, Launch, launch
from tui.launch.result import RunResult

__all__ = [
    "DEFAULT_GRACE", "DEFAULT_MAX_BATCH", "DangerRefused", "Launch", "OutputBuffer", "PreparedCommand",
    "RunResult", "check_danger", "child_env", "command_event", "confirmation_prompt", "confirmation_word",
    "is_confirmed", "launch", "launch_for", "needs_confirmation", "new_log_path", "prepare_command",
    "record_run", "settings_secrets",
]
