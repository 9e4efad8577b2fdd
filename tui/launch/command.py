"""A runbook command made ready to run: parameters checked, argv rendered, log path chosen."""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from tui.errors import OncallError
from tui.launch.danger import check_danger
from tui.launch.process import Launch, LinesCallback, OutputCallback
from tui.runbook.model import Runbook
from tui.runbook.render import (
    check_leading_dash,
    check_params,
    display_command,
    placeholders,
    render_command,
    shell_params,
)

if TYPE_CHECKING:
    from tui.config import Settings

# Environment variables that carry oncall's own secrets; commands never inherit them.
_SECRET_ENV = re.compile(r"^ONCALL_.*(TOKEN|PASSWORD|SECRET)", re.IGNORECASE)


@dataclass(frozen=True)
class PreparedCommand:
    runbook_id: str
    name: str
    title: str
    argv: tuple[str, ...]  # exactly what will be executed
    display: str  # exactly what a person would type to run the same thing
    params: dict[str, str] = field(default_factory=dict)  # the values this command uses
    timeout: float = 60.0
    danger: bool = False
    approve: bool = False  # the runbook asks for another responder's approval (two-person rule)
    shell: bool = False  # a `shell:` command, run as bash -o pipefail -c SCRIPT
    env: dict[str, str] = field(default_factory=dict)  # a shell command's parameters, exported to it


def prepare_command(runbook: Runbook, name: str, values: Mapping[str, str]) -> PreparedCommand:
    """Check every parameter against its pattern and render the command; nothing runs yet."""
    command = runbook.commands.get(name)
    if command is None:
        known = ", ".join(runbook.commands) or "none"
        raise OncallError(f"Runbook {runbook.id} has no command {name!r} (its commands: {known}).")
    if command.run is not None:
        names = list(dict.fromkeys(n for arg in command.run for n in placeholders(arg)))
    else:
        names = shell_params(command, runbook)  # refuses a use that could make a value code
    merged = check_params(runbook, values, needed=names)
    used = {n: merged[n] for n in names if n in merged}
    check_leading_dash(runbook, used, used)
    env = used if command.run is None else {}
    return PreparedCommand(
        runbook_id=runbook.id, name=name, title=command.title,
        argv=tuple(render_command(command, merged)), display=display_command(command, merged, env),
        params=used, timeout=command.timeout, danger=command.danger, approve=command.approve, shell=command.run is None, env=dict(env),
    )


def child_env(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for a command: ours, minus oncall's secrets (a stray `env` must not print them)."""
    env = dict(os.environ if base is None else base)
    return {k: v for k, v in env.items() if not _SECRET_ENV.match(k)}


def new_log_path(runs_dir: Path, prepared: PreparedCommand, now: datetime | None = None) -> Path:
    """A fresh file name under runs_dir: time, runbook, command and a random suffix."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    return runs_dir / f"{stamp}-{prepared.runbook_id}-{prepared.name}-{secrets.token_hex(3)}.log"


def launch_for(prepared: PreparedCommand, settings: Settings, *, confirmed: bool = False,
               on_lines: LinesCallback | None = None, on_output: OutputCallback | None = None,
               **options: object) -> Launch:
    """A Launch for a prepared command, after the danger gate (raises DangerRefused).

    settings.read_only feeds the gate; the full log goes under settings.runs_dir.
    Extra options (grace, max_batch, buffer, cwd) go to Launch.
    """
    from tui.config import settings_secrets

    options.setdefault("log_secrets", settings_secrets(settings))  # oncall's own secrets never reach the log
    check_danger(prepared, read_only=settings.read_only, confirmed=confirmed)
    return Launch(prepared.argv, timeout=prepared.timeout, display=prepared.display,
                  on_lines=on_lines, on_output=on_output, log_path=new_log_path(settings.runs_dir, prepared),
                  env={**child_env(), **prepared.env}, **options)  # type: ignore[arg-type]
