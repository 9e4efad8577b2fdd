"""Substitute `${name}` placeholders into argv lists, shell strings, PromQL and text.

Every substituted value stays data: in an argv it is part of one element and no
shell sees it; in a shell string it is shell-quoted; in PromQL it is escaped as a
string literal's content. `$${` writes a literal `${`.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Mapping

from tui.errors import OncallError
from tui.runbook.model import Command, Runbook

PLACEHOLDER = re.compile(r"\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
NAME = re.compile(r"[a-z_][a-z0-9_]*\Z")


class RenderError(OncallError):
    pass


def placeholders(text: str) -> list[str]:
    """The names a template refers to, in order (escaped `$${` skipped)."""
    return [m.group(1) for m in PLACEHOLDER.finditer(text) if m.group(1)]


def substitute(text: str, values: Mapping[str, str], quote: Callable[[str], str] = str,
               missing: Callable[[str], str] | None = None) -> str:
    def repl(m: re.Match[str]) -> str:
        name = m.group(1)
        if name is None:
            return "${"
        if name in values:
            return quote(str(values[name]))
        if missing is not None:
            return missing(name)
        raise RenderError(f"No value for ${{{name}}}; pass it with --param {name}=VALUE.")

    return PLACEHOLDER.sub(repl, text)


def promql_quote(value: str) -> str:
    """Escape a value for use inside a PromQL double-quoted string."""
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def check_params(runbook: Runbook, values: Mapping[str, str]) -> dict[str, str]:
    """Defaults filled in, unknown names refused, every value checked against its pattern."""
    for name in values:
        if name not in runbook.params:
            known = ", ".join(runbook.params) or "none"
            raise RenderError(f"Runbook {runbook.id} has no parameter {name!r} (its parameters: {known}).")
    merged = {**runbook.default_params(), **values}
    for name, param in runbook.params.items():
        if name not in merged:
            raise RenderError(f"Parameter {name} has no default; pass it with --param {name}=VALUE.")
        if param.pattern and not re.search(param.pattern, merged[name]):
            raise RenderError(
                f"Parameter {name}={merged[name]!r} does not match its pattern {param.pattern}; pass a value that does."
            )
    return merged


def render_argv(command: Command, values: Mapping[str, str]) -> list[str]:
    if command.run is None:
        raise RenderError(f"Command {command.name} is a shell command; render it with render_shell.")
    return [substitute(arg, values) for arg in command.run]


def render_shell(command: Command, values: Mapping[str, str]) -> str:
    if command.shell is None:
        raise RenderError(f"Command {command.name} is an argv command; render it with render_argv.")
    return substitute(command.shell, values, quote=shlex.quote)


def render_command(command: Command, values: Mapping[str, str]) -> list[str]:
    """The exact argv that will be executed (a shell command becomes sh -c STRING)."""
    if command.run is not None:
        return render_argv(command, values)
    return ["/bin/sh", "-c", render_shell(command, values)]


def display_command(command: Command, values: Mapping[str, str]) -> str:
    """The command as a person would copy it into a terminal."""
    if command.run is not None:
        return shlex.join(render_argv(command, values))
    return render_shell(command, values)


def render_query(query: str, values: Mapping[str, str]) -> str:
    return substitute(query, values, quote=promql_quote)


def render_text(text: str, values: Mapping[str, str]) -> str:
    """Step text for people: unknown names stay visible as ${name} rather than failing."""
    return substitute(text, values, missing=lambda name: "${" + name + "}")
