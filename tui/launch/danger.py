"""The danger gate: one rule for the CLI and the app.

A `danger: true` command runs only after a confirmation (the CLI's --yes, the app's
typed command name), and never while oncall is read-only (--read-only or
ONCALL_READ_ONLY=1), whatever was confirmed.
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


def check_danger(prepared: PreparedCommand, *, read_only: bool, confirmed: bool) -> None:
    """Raise DangerRefused unless this command may run now."""
    if not prepared.danger:
        return
    if read_only:
        raise DangerRefused(
            f"Refused to run {prepared.name}: it is a danger command and oncall is read-only "
            "(--read-only or ONCALL_READ_ONLY), so nothing ran; ask a responder with write access to run it.",
            "read-only")
    if not confirmed:
        raise DangerRefused(
            f"Refused to run {prepared.name}: it is a danger command ({prepared.display}), "
            "so nothing ran; confirm it with --yes to run it.",
            "unconfirmed")


def confirmation_word(prepared: PreparedCommand) -> str:
    """What the person types to confirm: the command's name, so a stray key never confirms."""
    return prepared.name


def is_confirmed(prepared: PreparedCommand, typed: str) -> bool:
    return typed.strip() == confirmation_word(prepared)


def confirmation_prompt(prepared: PreparedCommand) -> str:
    """The text of the confirmation: what will run, with which parameters, and what to type."""
    lines = [f"DANGER: {prepared.title}", "", "This will run exactly:", f"  {prepared.display}"]
    if prepared.params:
        lines += ["", "Parameters:"] + [f"  {k} = {v}" for k, v in prepared.params.items()]
    lines += ["", f"Type {confirmation_word(prepared)} to run it, or press escape."]
    return "\n".join(lines)
