"""`oncall lint`: what review misses, on top of what `validate` checks.

Policy, each finding at the file, line and column it is about:

- a command that changes things (tui.runbook.mutating) not marked `danger: true` (nor `read_only: true`,
  a reviewer's statement that this one changes nothing, such as a probe that POSTs a question);
- a shell pipeline whose failure would read as success: `a | b || echo fine` runs the
  fallback when `a` fails (every `shell:` runs with pipefail, so the pipeline does fail;
  the `||` then hides it), and `set +o pipefail`, which turns the protection off;
- a runbook without `last_reviewed`, or reviewed more than MAX_AGE_DAYS before today.

Drill coverage and alert rules are checked by the command (tui.commands.runbooks_cmd),
which knows the drills; this module needs only the runbook files.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import yaml

from tui.runbook.loader import compose, pos
from tui.runbook.mutating import mutation
from tui.runbook.problem import Problem
from tui.runbook.readfile import read_text

MAX_AGE_DAYS = 180
SEPARATORS = {";", "&", "&&", "||", "|", "(", ")", "|&", ";;"}
_CONTINUES = ("\\", "|", "&&", "||")


@dataclass(frozen=True)
class ShellCommand:
    line: int  # 0-based line of the script where the command starts
    argv: list[str]
    before: str | None  # the separator before it ("|" inside a pipeline)
    after: str | None  # the separator after it


def logical_lines(script: str) -> Iterator[tuple[int, str]]:
    """(first line number, text) of each shell line, continuations joined."""
    start, parts = 0, list[str]()
    for number, raw in enumerate(script.splitlines()):
        if not parts:
            start = number
        stripped = raw.rstrip()
        if stripped.endswith("\\"):
            parts.append(stripped[:-1])
            continue
        parts.append(raw)
        if stripped.endswith(_CONTINUES[1:]) and not stripped.lstrip().startswith("#"):
            continue
        yield start, " ".join(parts)
        parts = []
    if parts:
        yield start, " ".join(parts)


def shell_commands(script: str) -> list[ShellCommand]:
    """The simple commands of a shell script with the separators around them (quotes honoured, comments
    dropped). A line the tokenizer cannot read (an open quote) is skipped: `validate` reports the script."""
    out: list[ShellCommand] = []
    for line, text in logical_lines(script):
        lexer = shlex.shlex(text, posix=True, punctuation_chars=";&|()<>")
        lexer.whitespace_split = True
        lexer.commenters = "#"
        try:
            tokens = list(lexer)
        except ValueError:
            continue
        words: list[str] = []
        before: str | None = None
        for token in [*tokens, ";"]:
            if token in SEPARATORS:
                if words:
                    out.append(ShellCommand(line, words, before, token))
                words, before = [], token
            elif token[0] in "<>":
                continue  # redirections (`2>/dev/null`) are not words of the command
            else:
                words.append(token)
    return out


def _fails(cmd: ShellCommand) -> bool:
    """A fallback that fails on its own (`exit 1`, `false`) passes the failure on instead of hiding it."""
    if cmd.argv == ["false"]:
        return True
    return cmd.argv[:1] in (["exit"], ["return"]) and len(cmd.argv) > 1 and cmd.argv[1] not in ("0", "")


def _hidden_failures(commands: list[ShellCommand]) -> Iterator[tuple[int, str]]:
    piped = 0
    for i, cmd in enumerate(commands):
        if cmd.argv[:1] == ["set"] and "+o" in cmd.argv and "pipefail" in cmd.argv:
            yield cmd.line, "`set +o pipefail` lets a failed command in a pipeline pass unnoticed; remove it"
        piped = piped + 1 if cmd.before == "|" else 1
        fallback = commands[i + 1] if i + 1 < len(commands) else None
        if cmd.after == "||" and piped >= 2 and not (fallback is not None and _fails(fallback)):
            yield cmd.line, ("a failure anywhere in this pipeline falls into the `||` fallback and reads as "
                             "success; test the command that can fail on its own (out=$(cmd) || exit 1)")


def _child(node: yaml.Node | None, key: str) -> yaml.Node | None:
    if not isinstance(node, yaml.MappingNode):
        return None
    for k, v in node.value:
        if isinstance(k, yaml.ScalarNode) and k.value == key:
            found: yaml.Node = v
            return found
    return None


def _key_node(node: yaml.Node | None, key: str) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for k, _ in node.value:
            if isinstance(k, yaml.ScalarNode) and k.value == key:
                return k
    return None


def _script_position(node: yaml.ScalarNode, offset: int, source: list[str]) -> tuple[int, int]:
    """1-based file position of line `offset` of a scalar's text (block scalars start on the next line)."""
    line = node.start_mark.line + (1 if node.style in ("|", ">") else 0) + offset
    if node.style in ("|", ">") and line < len(source):
        text = source[line]
        return line + 1, len(text) - len(text.lstrip()) + 1
    return (line + 1, node.start_mark.column + 1) if offset == 0 else (line + 1, 1)


def _is_true(node: yaml.Node | None) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.value.lower() in ("true", "yes", "on")


def _command_findings(path: str, root: yaml.Node, source: list[str]) -> Iterator[Problem]:
    commands = _child(root, "commands")
    if not isinstance(commands, yaml.MappingNode):
        return
    for key, cmd in commands.value:
        if not isinstance(key, yaml.ScalarNode) or not isinstance(cmd, yaml.MappingNode):
            continue
        # read_only: a reviewer has stated the command changes nothing though its form looks like a write
        name, danger = key.value, _is_true(_child(cmd, "danger")) or _is_true(_child(cmd, "read_only"))
        run, shell = _child(cmd, "run"), _child(cmd, "shell")
        if isinstance(run, yaml.SequenceNode):
            argv = [item.value for item in run.value if isinstance(item, yaml.ScalarNode)]
            what = mutation(argv)
            if what and not danger:
                yield Problem(path, *pos(run), f"command {name}: `{what}` changes things; mark it danger: true "
                                                "(or use a read-only form)")
        if isinstance(shell, yaml.ScalarNode):
            parsed = shell_commands(shell.value)
            if not danger:
                for cmd_ in parsed:
                    what = mutation(cmd_.argv)
                    if what:
                        yield Problem(path, *_script_position(shell, cmd_.line, source),
                                      f"command {name}: `{what}` changes things; mark it danger: true "
                                      "(or use a read-only form)")
            for line, message in _hidden_failures(parsed):
                yield Problem(path, *_script_position(shell, line, source), f"command {name}: {message}")


def _review_findings(path: str, root: yaml.Node, today: date) -> Iterator[Problem]:
    node = _child(root, "last_reviewed")
    if not isinstance(node, yaml.ScalarNode):
        at = _key_node(root, "id") or root
        yield Problem(path, *pos(at), "no last_reviewed date; review the runbook and add "
                                      f"last_reviewed: {today.isoformat()}")
        return
    try:
        reviewed = date.fromisoformat(node.value)
    except ValueError:
        yield Problem(path, *pos(node), f"last_reviewed {node.value!r} is not a date; write it as YYYY-MM-DD")
        return
    age = (today - reviewed).days
    if age > MAX_AGE_DAYS:
        yield Problem(path, *pos(node), f"last reviewed {reviewed.isoformat()}, {age} days before "
                                        f"{today.isoformat()} (the limit is {MAX_AGE_DAYS}); review it and "
                                        "update the date")


def lint_file(path: Path, today: date) -> list[Problem]:
    """The policy findings of one runbook file (none when it cannot be read: validate says why)."""
    text, _ = read_text(path)
    if text is None:
        return []
    root, _ = compose(text, str(path))
    if not isinstance(root, yaml.MappingNode):
        return []
    source = text.splitlines()
    found = [*_command_findings(str(path), root, source), *_review_findings(str(path), root, today)]
    return sorted(found, key=lambda p: (p.line, p.col))
