"""Substitute `${name}` placeholders into argv lists, shell strings, PromQL and text.

Every substituted value stays data: in an argv it is part of one element and no
shell sees it; in a shell string it is shell-quoted; in PromQL it is escaped as a
string literal's content. `$${` writes a literal `${`.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Iterable, Mapping

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


def check_params(runbook: Runbook, values: Mapping[str, str], needed: Iterable[str] | None = None) -> dict[str, str]:
    """Defaults filled in, unknown names refused, every value checked against its pattern.

    `needed`: the parameters the caller is about to use (a command's or a query's); only those
    must have a value. None means every parameter of the runbook.
    """
    for name in values:
        if name not in runbook.params:
            known = ", ".join(runbook.params) or "none"
            raise RenderError(f"Runbook {runbook.id} has no parameter {name!r} (its parameters: {known}).")
    merged = {**runbook.default_params(), **values}
    required = set(runbook.params if needed is None else needed)
    for name, param in runbook.params.items():
        if name not in merged:
            if name in required:
                raise RenderError(f"Parameter {name} has no default; pass it with --param {name}=VALUE.")
            continue
        if param.pattern and not re.search(param.pattern, merged[name]):
            raise RenderError(
                f"Parameter {name}={merged[name]!r} does not match its pattern {param.pattern}; pass a value that does."
            )
    return merged

def render_argv(command: Command, values: Mapping[str, str]) -> list[str]:
    if command.run is None:
        raise RenderError(f"Command {command.name} is a shell command; render it with render_shell.")
    return [substitute(arg, values) for arg in command.run]


def shell_contexts(template: str) -> dict[int, str]:
    """Where each `${name}` of a shell template sits: 'plain', 'double' (inside "..."),
    'single' (inside '...'), or 'unsafe'. Keys are the placeholders' offsets.

    A value is quoted for the context it lands in: shlex.quote alone would not protect a
    value the author already wrapped in double quotes ("x'$(cmd)'y" still runs cmd).
    'unsafe' covers backticks and here-documents (no quoting keeps a value inert there)
    and any template this small scanner cannot follow (unbalanced quotes or parentheses,
    e.g. a `case` pattern): refusing is safer than guessing.
    """
    found = {m.start() for m in PLACEHOLDER.finditer(template) if m.group(1)}
    contexts: dict[int, str] = {}
    stack: list[list] = [["plain", 0]]  # frames [kind, open parentheses]: plain, single, double, sub, tick
    heredoc = confused = False
    word_start = True
    i, n = 0, len(template)
    while i < n:
        kind = stack[-1][0]
        if i in found:
            unsafe = heredoc or any(f[0] == "tick" for f in stack)
            contexts[i] = "unsafe" if unsafe else {"sub": "plain", "tick": "plain"}.get(kind, kind)
            i = template.index("}", i) + 1
            word_start = False
            continue
        c = template[i]
        if kind == "single":
            if c == "'":
                stack.pop()
        elif c == "\\":
            i += 1  # the next character is escaped
        elif template.startswith("$(", i):
            stack.append(["sub", 0])
            i += 1
        elif c == "`":
            if kind == "tick":
                stack.pop()
            else:
                stack.append(["tick", 0])
        elif kind == "double":
            if c == '"':
                stack.pop()
        elif c == "'":
            stack.append(["single", 0])
        elif c == '"':
            stack.append(["double", 0])
        elif c == "#" and word_start:
            end = template.find("\n", i)
            i = n if end < 0 else end  # a comment runs to the end of the line
            continue
        elif template.startswith("<<<", i):
            i += 2  # a here-string is an ordinary word
        elif template.startswith("<<", i):
            heredoc = True
            i += 1
        elif c == "(":
            stack[-1][1] += 1
        elif c == ")":
            if stack[-1][1]:
                stack[-1][1] -= 1
            elif kind == "sub":
                stack.pop()
            else:
                confused = True
        word_start = c in " \t\n;&|()" and stack[-1][0] not in ("single", "double")
        i += 1
    if confused or len(stack) != 1:
        return dict.fromkeys(contexts, "unsafe")
    return contexts


def _quote_double(value: str) -> str:
    """Inside "...", only these four characters are special."""
    return "".join("\\" + ch if ch in '\\$`"' else ch for ch in value)


def _quote_single(value: str) -> str:
    """Inside '...', nothing is special but the closing quote: close, add an escaped quote, reopen."""
    return value.replace("'", "'\\''")


def render_shell(command: Command, values: Mapping[str, str]) -> str:
    if command.shell is None:
        raise RenderError(f"Command {command.name} is an argv command; render it with render_argv.")
    template = command.shell
    contexts = shell_contexts(template)
    quoters = {"plain": shlex.quote, "double": _quote_double, "single": _quote_single}

    def repl(m: re.Match[str]) -> str:
        name = m.group(1)
        if name is None:
            return "${"
        if name not in values:
            raise RenderError(f"No value for ${{{name}}}; pass it with --param {name}=VALUE.")
        context = contexts.get(m.start(), "plain")
        if context == "unsafe":
            raise RenderError(f"Command {command.name} puts ${{{name}}} where oncall cannot quote it safely "
                              "(inside backticks, a here-document, or unbalanced quotes or parentheses); "
                              "rewrite the shell line with $(...) and the value as a plain argument.")
        return quoters[context](str(values[name]))

    return PLACEHOLDER.sub(repl, template)


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
