"""The danger gate: one rule for the CLI and the app.

A `danger: true` command runs only after a confirmation (the CLI's --yes, the app's
typed command name; in a protected environment also its name: --confirm NAME, or the
name typed), never while oncall is read-only (--read-only, ONCALL_READ_ONLY=1 or the
environment's read_only), whatever was confirmed, and never from an incident whose
alert belongs to another environment than the one oncall is pinned to.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui.errors import OncallError

if TYPE_CHECKING:
    from tui.launch.command import PreparedCommand


class DangerRefused(OncallError):
    """A danger command was not run; `reason` is 'read-only' or 'unconfirmed'."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


def needs_confirmation(prepared: PreparedCommand) -> bool:
    return prepared.danger


def check_danger(prepared: PreparedCommand, *, read_only: bool, confirmed: bool,
                 confirmed_environment: str | None = None) -> None:
    """Raise DangerRefused unless this command may run now.

    In a protected environment the confirmation must also name it (`--confirm NAME`, the app's typed name);
    an incident whose alert belongs to another environment than oncall points at changes nothing.
    """
    if not prepared.danger:
        return
    where = f" in environment {prepared.environment}" if prepared.environment else ""
    if read_only:
        raise DangerRefused(
            f"Refused to run {prepared.name}{where}: it is a danger command and oncall is read-only "
            "(--read-only, ONCALL_READ_ONLY or the environment's read_only), so nothing ran; ask a responder "
            "with write access to run it.",
            "read-only")
    if prepared.conflict:
        raise DangerRefused(f"Refused to run {prepared.name}, so nothing ran: {prepared.conflict}.", "environment")
    if not confirmed:
        how = f"--yes --confirm {prepared.environment}" if prepared.protected else "--yes"
        raise DangerRefused(
            f"Refused to run {prepared.name}{where}: it is a danger command ({prepared.display}), "
            f"so nothing ran; confirm it with {how} to run it.",
            "unconfirmed")
    if prepared.protected and confirmed_environment != prepared.environment:
        raise DangerRefused(
            f"Refused to run {prepared.name}: environment {prepared.environment} is protected, so a danger "
            f"command needs its name too and nothing ran; add --confirm {prepared.environment} to run it.",
            "unconfirmed")


def confirmation_word(prepared: PreparedCommand) -> str:
    """What the person types to confirm: the command's name, so a stray key never confirms; in a protected
    environment the environment's name, so nobody changes prod-eu believing it is staging."""
    if prepared.protected and prepared.environment:
        return prepared.environment
    return prepared.name


def is_confirmed(prepared: PreparedCommand, typed: str) -> bool:
    return typed.strip() == confirmation_word(prepared)


def confirmation_prompt(prepared: PreparedCommand) -> str:
    """The text of the confirmation: what will run, where, with which parameters, and what to type."""
    lines = [f"DANGER: {prepared.title}", "", "This will run exactly:", f"  {prepared.display}"]
    if prepared.environment:
        lines += ["", f"Environment: {prepared.environment}" + (" (protected)" if prepared.protected else "")]
    if prepared.params:
        lines += ["", "Parameters:"] + [f"  {k} = {v}" for k, v in prepared.params.items()]
    lines += ["", f"Type {confirmation_word(prepared)} to run it, or press escape."]
    return "\n".join(lines)
