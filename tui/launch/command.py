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
    check_env_values,
    check_leading_dash,
    check_params,
    display_command,
    env_fallbacks,
    is_env_name,
    no_value,
    placeholders,
    render_command,
    shell_params,
    shell_var,
)

if TYPE_CHECKING:
    from tui.config import Settings

# Environment variables that carry oncall's own secrets; commands never inherit them.
_SECRET_ENV = re.compile(r"^ONCALL_.*(TOKEN|PASSWORD|SECRET)", re.IGNORECASE)
_URL_PASSWORD = re.compile(r"(\b[A-Za-z][A-Za-z0-9+.-]*://[^\s/@:]*:)([^\s/@]+)(@)")
_MIN_SECRET = 8  # shorter known secrets are not masked: "prod" would turn -n ml-prod into a lie


def shown_command(display: str, secrets: tuple[str, ...] = ()) -> str:
    """The command as the screen, --dry-run and the danger dialog show it: a URL's password and oncall's own
    secrets (its token, header values) masked, nothing else, so what a person confirms is what runs.
    (The journal's redaction guesses at credential-shaped text too; here a guess would hide a real value.)"""
    from tui.journal.redact import MASK

    display = _URL_PASSWORD.sub(lambda m: m[1] + MASK + m[3], display)
    for secret in sorted(secrets, key=len, reverse=True):
        if len(secret) >= _MIN_SECRET:
            display = display.replace(secret, MASK)
    return display


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
    env: dict[str, str] = field(default_factory=dict)  # exported to it: a shell command's values, the environment's env
    environment: str | None = None  # the environment it acts in (config.yaml's `environments:`)
    protected: bool = False  # that environment asks for its name before a danger command
    conflict: str | None = None  # why this incident must not change that environment (its alert is another's)


def prepare_command(runbook: Runbook, name: str, values: Mapping[str, str], settings: Settings | None = None,
                    incident_environment: str | None = None) -> PreparedCommand:
    """Check every parameter against its pattern and render the command; nothing runs yet.

    `settings` gives the environment: its `${env.NAME}` values (data, like parameters: exported to a shell
    script, one argv element otherwise) and its `env:` map. `incident_environment` is the environment the
    incident's alert belongs to: a danger command is refused when oncall is pinned to another.
    """
    from tui.config import command_environment, environment_values, settings_secrets

    command = runbook.commands.get(name)
    if command is None:
        known = ", ".join(runbook.commands) or "none"
        raise OncallError(f"Runbook {runbook.id} has no command {name!r} (its commands: {known}).")
    if command.run is not None:
        names = list(dict.fromkeys(n for arg in command.run for n in placeholders(arg)))
    else:
        names = shell_params(command, runbook)  # refuses a use that could make a value code
    available = environment_values(settings) if settings is not None else {}
    templates = command.run if command.run is not None else [command.shell or ""]
    fallbacks = {n: f[0] for t in templates for n, f in env_fallbacks(t).items()}
    env_used: dict[str, str] = {}  # the environment's own values (checked like parameters)
    env_fallback: dict[str, str] = {}  # `${env.NAME:-text}` with no value: the runbook's text
    for n in names:
        if is_env_name(n):
            if available.get(n):
                env_used[n] = available[n]
            elif n in fallbacks:
                env_fallback[n] = fallbacks[n]
            elif n in available:
                env_used[n] = available[n]
            else:
                raise no_value(n)
    merged = check_params(runbook, values, needed=[n for n in names if not is_env_name(n)], env=available)
    used = {n: merged[n] for n in names if n in merged}
    check_leading_dash(runbook, used, used)
    check_env_values(env_used, argv=command.run is not None)
    shell_values = {**env_fallback, **env_used}  # a script reads one variable per name (validate checks its fallbacks agree)
    env = {**used, **{shell_var(n): v for n, v in shell_values.items()}} if command.run is None else {}
    # An argv's `${env.NAME:-text}` falls back where it stands; an empty value is kept for a bare `${env.NAME}`.
    rendered = {**merged, **{n: available[n] for n in names if is_env_name(n) and n in available}, **env_used}
    environment = settings.environment if settings is not None else None
    active = settings.active_environment if settings is not None else None
    conflict = None
    if settings is not None and settings.env_pinned and incident_environment and incident_environment != environment:
        conflict = (f"the incident belongs to environment {incident_environment} (its alert's) but oncall points "
                    f"at {environment}; run oncall with --env {incident_environment} to change it")
    return PreparedCommand(
        runbook_id=runbook.id, name=name, title=command.title,
        argv=tuple(render_command(command, rendered)),
        display=shown_command(display_command(command, rendered, env), settings_secrets(settings) if settings else ()),
        params=used, timeout=command.timeout, danger=command.danger, approve=command.approve,
        shell=command.run is None,
        env={**(command_environment(settings) if settings is not None else {}), **env},
        environment=environment, protected=bool(active and active.protected), conflict=conflict,
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
               confirmed_environment: str | None = None, **options: object) -> Launch:
    """A Launch for a prepared command, after the danger gate (raises DangerRefused).

    settings.read_only feeds the gate; the full log goes under settings.runs_dir.
    Extra options (grace, max_batch, buffer, cwd) go to Launch.
    """
    from tui.config import settings_secrets

    options.setdefault("log_secrets", settings_secrets(settings))  # oncall's own secrets never reach the log
    check_danger(prepared, read_only=settings.read_only, confirmed=confirmed,
                 confirmed_environment=confirmed_environment)
    return Launch(prepared.argv, timeout=prepared.timeout, display=prepared.display,
                  on_lines=on_lines, on_output=on_output, log_path=new_log_path(settings.runs_dir, prepared),
                  env={**child_env(), **prepared.env}, **options)  # type: ignore[arg-type]
