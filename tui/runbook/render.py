"""Fill `${name}` placeholders in argv lists, PromQL and text; give shell commands their values.

Every value stays data. In an argv it is part of one element and no shell sees it. A `shell:`
script gets nothing substituted: each parameter is exported as an environment variable of the
same name and bash expands `"${name}"` itself (tui/runbook/shellscan.py refuses the places where
bash would evaluate it again). In PromQL a value inside a string literal is escaped by that
literal's rules; anywhere else it must be a number, a duration or a name. `$${` writes a
literal `${` (in a shell script that is bash's own `${...}`).
"""
from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Iterable, Mapping

from tui.errors import OncallError
from tui.runbook.model import Command, Runbook

# `${name}` is a parameter, `${env.name}` a variable of the environment oncall works in (config.yaml), and
# `${env.name:-text}` the same with the text to use when the environment sets no such var (or none is
# chosen). Only `${env.…}` takes a fallback: a parameter has its default, and in a shell script
# `${name:-text}` stays bash's own.
PLACEHOLDER = re.compile(r"\$\$\{|\$\{(?:(env\.[A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?|([A-Za-z_][A-Za-z0-9_]*))\}")
NAME = re.compile(r"[a-z_][a-z0-9_]*\Z")
ENV_PREFIX = "env."
SHELL_ENV_PREFIX = "ONCALL_ENV_"  # `${env.kube_context}` reaches a shell script as "${ONCALL_ENV_kube_context}"


class RenderError(OncallError):
    pass


def is_env_name(name: str) -> bool:
    return name.startswith(ENV_PREFIX)


def shell_var(name: str) -> str:
    """The variable a shell script reads an environment's `${env.NAME}` from."""
    return SHELL_ENV_PREFIX + name[len(ENV_PREFIX):]


# What to set when oncall's own `${env.NAME}` has no value: these come from its settings, not an environment's vars.
_BUILTIN_MISSING = {
    "env.prometheus_url": "No Prometheus URL is set (${env.prometheus_url} needs one); "
                          "pass --prometheus URL or set ONCALL_PROMETHEUS_URL.",
    "env.alertmanager_url": "No Alertmanager URL is set (${env.alertmanager_url} needs one); "
                            "pass --alertmanager URL or set ONCALL_ALERTMANAGER_URL.",
    "env.name": "No environment is chosen (${env.name} needs one); pick one with --env NAME or set ONCALL_ENV.",
}


def no_value(name: str) -> RenderError:
    if name in _BUILTIN_MISSING:
        return RenderError(_BUILTIN_MISSING[name])
    if is_env_name(name):
        var = name[len(ENV_PREFIX):]
        return RenderError(f"No value for ${{{name}}}: the environment oncall works in sets no vars.{var}; "
                           f"add it to the environment in config.yaml, or pick one that has it with --env NAME.")
    return RenderError(f"No value for ${{{name}}}; pass it with --param {name}=VALUE.")


def placeholder_name(m: re.Match[str]) -> str | None:
    """The name a PLACEHOLDER match refers to; None for an escaped `$${`."""
    return m.group(1) or m.group(3)


def fallback(m: re.Match[str]) -> str | None:
    """The text after `:-` in `${env.NAME:-text}`; None without one."""
    return m.group(2)


def placeholders(text: str) -> list[str]:
    """The names a template refers to, in order (escaped `$${` skipped)."""
    return [name for m in PLACEHOLDER.finditer(text) if (name := placeholder_name(m))]


def env_fallbacks(text: str) -> dict[str, list[str]]:
    """The fallbacks each `${env.NAME:-text}` of a template gives: {`env.NAME`: [text, ...]}."""
    found: dict[str, list[str]] = {}
    for m in PLACEHOLDER.finditer(text):
        if (name := placeholder_name(m)) and (text_ := fallback(m)) is not None:
            found.setdefault(name, []).append(text_)
    return found


_BRACED = re.compile(r"\$\{[^}\n]*\}?")


def stray_expansions(text: str) -> list[str]:
    """Each `${...}` of a template that is neither a placeholder nor escaped (`${ns:-default}`, `${env.x-y}`):
    oncall leaves those characters as they are, which outside a shell script is never what was meant."""
    taken = {m.start() + (1 if m.group(0) == "$${" else 0) for m in PLACEHOLDER.finditer(text)}
    return [m.group(0) for m in _BRACED.finditer(text) if m.start() not in taken]


def value_of(m: re.Match[str], values: Mapping[str, str]) -> str | None:
    """The value a placeholder stands for: its name's, else (like the shell's `:-`, when that is unset or
    empty) its fallback, else None."""
    name = placeholder_name(m)
    if name is None:
        return None
    value = values.get(name)
    if value is not None and (value != "" or fallback(m) is None):
        return str(value)
    return fallback(m)


def substitute(text: str, values: Mapping[str, str], quote: Callable[[str], str] = str,
               missing: Callable[[str], str] | None = None, pattern: re.Pattern[str] = PLACEHOLDER) -> str:
    def repl(m: re.Match[str]) -> str:
        name = m.group(1) if pattern is not PLACEHOLDER else placeholder_name(m)
        if name is None:
            return "${"
        value = values.get(name) if pattern is not PLACEHOLDER else value_of(m, values)
        if value is not None:
            return quote(str(value))
        if missing is not None:
            return missing(name)
        raise no_value(name)

    return pattern.sub(repl, text)


# Bash reads these lowercase variables itself, and curl, wget, kubectl and pip read the *_proxy
# ones: a parameter of that name would change how the command runs, not what it is given.
# (Parameter names are lowercase, so PATH, IFS, LD_PRELOAD, BASH_ENV, PS4 ... cannot be named.)
RESERVED_NAMES = re.compile(r"_|auto_resume|histchars|[a-z0-9_]*_proxy\Z")
SHELL = ("/bin/bash", "-o", "pipefail", "-c")  # bash for pipefail: /bin/sh (dash) has none


def reserved_name(name: str) -> bool:
    return RESERVED_NAMES.fullmatch(name) is not None


def derived_default(template: str, values: Mapping[str, str]) -> str | None:
    """A default written from other parameters (`${model}-predictor`) or the environment's vars
    (`${env.namespace:-ml-prod}`) filled in; None when one has no value (nor a fallback)."""
    try:
        return substitute(template, values)
    except RenderError:
        return None


def pattern_matches(pattern: str, value: str) -> bool:
    """A parameter's pattern is a whole-value match: no trailing newline slips past `$`."""
    return re.fullmatch(pattern, value) is not None


# A pattern allows a leading '-' only by naming it first: `^-?[0-9]+$`, `^[-+]?[0-9.]+$`, `^(-|x)`.
# `^[a-z0-9-]+$` or `^[-a-z]+$` (a dash among name characters, for fraud-detector) does not: `--all`
# must not pass.
_DASH_FIRST = re.compile(r"(?:\^|\\A)?(?:\(\?:|\()?(?:\\?-|\[(?:\\?-\+?|\+\\?-)\])")


def allows_leading_dash(pattern: str | None, value: str) -> bool:
    """True when a value starting with '-' may be passed: the pattern accepts it and starts by naming '-'."""
    if not pattern or not pattern_matches(pattern, value):
        return False
    return _DASH_FIRST.match(pattern) is not None


def check_params(runbook: Runbook, values: Mapping[str, str], needed: Iterable[str] | None = None,
                 env: Mapping[str, str] | None = None) -> dict[str, str]:
    """Defaults filled in, unknown names refused, every value checked against its pattern.

    `needed`: the parameters the caller is about to use (a command's or a query's); only those
    must have a value. None means every parameter of the runbook. `env`: the `${env.NAME}` values
    that defaults such as `${env.namespace:-ml-prod}` read (none: their fallbacks).
    """
    for name in values:
        if name not in runbook.params:
            known = ", ".join(runbook.params) or "none"
            raise RenderError(f"Runbook {runbook.id} has no parameter {name!r} (its parameters: {known}).")
    merged = {**runbook.default_params(values, env), **values}
    required = set(runbook.params if needed is None else needed)
    for name, param in runbook.params.items():
        if name not in merged:
            if name in required:
                raise RenderError(f"Parameter {name} has no default; pass it with --param {name}=VALUE.")
            continue
        _check_text(name, merged[name])
        if param.pattern and not pattern_matches(param.pattern, merged[name]):
            raise RenderError(
                f"Parameter {name}={merged[name]!r} does not match its pattern {param.pattern}; pass a value that does."
            )
    return merged


def _check_text(name: str, value: str) -> None:
    """A value must be text a program can receive: no NUL byte (argv and the environment end there)."""
    if "\x00" in value:
        raise RenderError(f"Parameter {name} holds a NUL byte, which no command can receive; pass a value without it.")
    try:
        value.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        raise RenderError(f"Parameter {name} is not valid text; pass a plain value.") from None


def check_leading_dash(runbook: Runbook, names: Iterable[str], values: Mapping[str, str]) -> None:
    """A value that starts with '-' would be read as an option; refuse it unless its pattern allows that."""
    for name in names:
        value = values.get(name)
        if value is None or not value.startswith("-"):
            continue
        param = runbook.params.get(name)
        if not allows_leading_dash(param.pattern if param else None, value):
            raise RenderError(f"Parameter {name}={value!r} starts with '-', so the command would read it as an "
                              "option; pass a value without the leading '-', or give the parameter a pattern "
                              "that starts by allowing one (such as '^-?[0-9]+$').")


def check_env_values(values: Mapping[str, str], *, argv: bool) -> None:
    """An environment's variables follow the parameters' rules: text a program can receive, and in an argv
    no leading '-' (an environment has no pattern that could allow one)."""
    for name, value in values.items():
        _check_text(name, value)
        if argv and value.startswith("-"):
            raise RenderError(f"${{{name}}}={value!r} starts with '-', so the command would read it as an option; "
                              "change the environment's value in config.yaml.")


def render_argv(command: Command, values: Mapping[str, str]) -> list[str]:
    if command.run is None:
        raise RenderError(f"Command {command.name} is a shell command; render it with render_command.")
    return [substitute(arg, values) for arg in command.run]


def shell_text(template: str) -> str:
    """A `shell:` template as bash runs it: `$${` becomes bash's `${`, `${env.NAME}` the variable
    `${ONCALL_ENV_NAME}` (exported to it, like the parameters); nothing else is touched."""
    def repl(m: re.Match[str]) -> str:
        name = placeholder_name(m)
        if name is None:
            return "${"
        return "${" + shell_var(name) + "}" if is_env_name(name) else m.group(0)

    return PLACEHOLDER.sub(repl, template)


def shell_env_names(template: str) -> dict[str, str]:
    """The environment variables a `shell:` template reads: {shell variable: `env.NAME`}."""
    return {shell_var(n): n for n in placeholders(template) if is_env_name(n)}


def shell_script(command: Command) -> str:
    """The script bash runs (see shell_text)."""
    if command.shell is None:
        raise RenderError(f"Command {command.name} is an argv command; it has no shell script.")
    return shell_text(command.shell)


def shell_params(command: Command, runbook: Runbook) -> list[str]:
    """The parameters (and `env.NAME` variables) a shell command reads; refuses any use that could make a
    value code."""
    from tui.runbook.shellscan import param_uses

    script = shell_script(command)
    env_names = shell_env_names(command.shell or "")
    try:
        uses = param_uses(script, [*runbook.params, *env_names])
    except Exception as exc:  # a bug of ours: refuse to run what could not be checked
        raise RenderError(f"Command {command.name}: oncall could not check its script ({type(exc).__name__}); "
                          "please report it with the runbook.") from None
    for use in uses:
        if use.problem is not None:
            line = f" (line {use.line(script)} of its script)" if use.offset >= 0 else ""
            raise RenderError(f"Command {command.name}: {use.token} {use.problem}{line}; "
                              "fix the runbook (oncall validate shows every such place).")
    for name in dict.fromkeys(u.name for u in uses):
        if reserved_name(name):
            raise RenderError(f"Command {command.name} uses a parameter named {name}, which bash or the "
                              "programs it runs read for themselves; rename the parameter.")
    return list(dict.fromkeys(env_names.get(u.name, u.name) for u in uses))


def render_command(command: Command, values: Mapping[str, str]) -> list[str]:
    """The exact argv that will be executed (a shell command becomes bash -o pipefail -c SCRIPT)."""
    if command.run is not None:
        return render_argv(command, values)
    return [*SHELL, shell_script(command)]


def display_command(command: Command, values: Mapping[str, str], env: Mapping[str, str] | None = None) -> str:
    """The command as a person would copy it into a terminal (a shell command's values as assignments;
    `env` keys are the variable names the script reads)."""
    if command.run is not None:
        return shlex.join(render_argv(command, values))
    assignments = [f"{name}={shlex.quote(value)}" for name, value in (env or {}).items()]
    return " ".join([*assignments, shlex.join([*SHELL, shell_script(command)])])


# -- PromQL ------------------------------------------------------------------------------------
_PROMQL_BARE = re.compile(
    r"[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?"  # a number
    r"|0[xX][0-9a-fA-F]+"
    r"|(?:[0-9]+(?:ms|[smhdwy]))+"  # a duration
    r"|[a-zA-Z_][a-zA-Z0-9_]*")  # a label-safe name
_PROMQL_ESCAPES = {"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_PROMQL_ESCAPED = re.compile(r"[\x00-\x1f\x7f\\]")  # what _promql_escape changes, besides the quote


def _promql_escape(value: str, quote: str) -> str:
    """Inside "..." or '...', by Go's (PromQL's) rules: only the literal's own quote is escaped."""
    if quote not in value and not _PROMQL_ESCAPED.search(value):
        return value  # nothing to escape (most values)
    out = []
    for ch in value:
        if ch in _PROMQL_ESCAPES:
            out.append(_PROMQL_ESCAPES[ch])
        elif ch == quote:
            out.append("\\" + ch)
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\x{ord(ch):02x}")
        else:
            out.append(ch)
    return "".join(out)


def promql_quote(value: str) -> str:
    """Escape a value for use inside a PromQL double-quoted string."""
    return _promql_escape(value, '"')


def _promql_value(name: str, value: str, context: str) -> str:
    # An environment's var is no parameter: nobody can pass it, its value is changed in config.yaml.
    who = f"${{{name}}}" if is_env_name(name) else f"Parameter {name}"
    fix = "change the environment's value in config.yaml" if is_env_name(name) else "pass such a value"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise RenderError(f"{who} is not valid text (it holds bytes that are not UTF-8); "
                          + ("change the environment's value in config.yaml." if is_env_name(name)
                             else "pass a plain value.")) from None
    if context in ('"', "'"):
        return _promql_escape(value, context)
    if context == "`":
        # Prometheus reads a raw string up to the next backtick; some PromQL parsers take a backslash
        # as an escape there, so a value that holds one could end the string early for them.
        if any(ch in value for ch in "`\\\r"):
            raise RenderError(f"{who}={value!r} is used inside a PromQL `raw string`, which cannot "
                              "hold a backtick, a backslash or a carriage return; "
                              + ("change the environment's value in config.yaml" if is_env_name(name)
                                 else "pass a value without them") + ", or quote it with \"...\" in the runbook.")
        return value
    if not _PROMQL_BARE.fullmatch(value):
        raise RenderError(f"{who}={value!r} is used in a PromQL query outside a quoted string, where "
                          f"it must be a number, a duration (5m) or a name of letters, digits and _; {fix}.")
    return value


_PROMQL_STOPS = re.compile(r"""[$"'`\\#]""")  # a placeholder starts at $; quotes, escapes and comments change context


def promql_contexts(query: str) -> dict[int, str]:
    """Where each placeholder of a PromQL template sits: '"', "'", '`' (inside that string literal)
    or '' (outside any literal, comments included). Keys are the placeholders' offsets."""
    found = {m.start(): m.end() for m in PLACEHOLDER.finditer(query)}
    contexts: dict[int, str] = {}
    if not found:
        return contexts
    quote = ""
    i, n = 0, len(query)
    while i < n:
        stop = _PROMQL_STOPS.search(query, i)  # any other character changes nothing below
        if stop is None:
            break
        i = stop.start()
        if i in found:
            contexts[i] = quote
            # `$${` is just that; `${name}` and `${env.NAME:-text}` end at their brace (a fallback's quote is its text)
            i = i + 3 if query.startswith("$${", i) else found[i]
            continue
        c = query[i]
        if quote:
            if c == "\\" and quote != "`":
                i += 1
            elif c == quote:
                quote = ""
        elif c in "\"'`":
            quote = c
        elif c == "#":
            while i < n and query[i] != "\n":
                i += 1  # a comment: no literal starts inside it
            continue
        i += 1
    return contexts


def render_query(query: str, values: Mapping[str, str]) -> str:
    """A PromQL template with each value escaped for, or checked against, the place it lands."""
    contexts = promql_contexts(query)

    def repl(m: re.Match[str]) -> str:
        name = placeholder_name(m)
        if name is None:
            return "${"
        value = value_of(m, values)
        if value is None:
            raise no_value(name)
        return _promql_value(name, value, contexts.get(m.start(), ""))

    return PLACEHOLDER.sub(repl, query)


def render_text(text: str, values: Mapping[str, str]) -> str:
    """Step text for people: unknown names stay visible as ${name} rather than failing."""
    return substitute(text, values, missing=lambda name: "${" + name + "}")
