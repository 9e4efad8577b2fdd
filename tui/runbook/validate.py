"""Validate one runbook: structure (from spec.py), references, reachability.

Every problem is reported as `file:line:col: message`, with the fix where we can
guess it. No input, however malformed, raises: anything unexpected becomes a
problem on line 1.
"""

from __future__ import annotations

import difflib
import enum
import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, Final, TypeAlias

import yaml

from tui.runbook import model as m
from tui.runbook import spec as s
from tui.runbook.kinds import KINDS, StepKind
from tui.runbook.loader import SAFE_TAGS, compose, is_null, is_plain, pos
from tui.runbook.problem import Problem
from tui.runbook.readfile import read_text
from tui.runbook.render import (
    RenderError,
    allows_leading_dash,
    derived_default,
    env_fallbacks,
    is_env_name,
    pattern_matches,
    placeholders,
    render_query,
    reserved_name,
    shell_env_names,
    shell_text,
)
from tui.runbook.shellscan import param_uses
from tui.times import duration_s


class Bad(enum.Enum):
    """The type of BAD: a value that failed its check (already reported)."""

    BAD = "bad"


BAD: Final = Bad.BAD
_INT = re.compile(r"[-+]?[0-9]+\Z")
_NUMBER = re.compile(r"[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9_]+)(?:[eE][-+]?[0-9]+)?\Z")
_TRUE, _FALSE = {"true", "True", "TRUE"}, {"false", "False", "FALSE"}
_YAML11_BOOLS = {"yes", "no", "on", "off", "y", "n", "Yes", "No", "On", "Off", "YES", "NO", "ON", "OFF"}
# An anchor reused inside itself could make the walk explode; no runbook needs this many values.
_NODE_BUDGET = 200_000

Where = tuple[int, int]
KeyPath = tuple[str | int, ...]  # where a value sits in the document: keys and list indexes
# What the checker makes of a node: plain data as the spec describes it, with BAD where a check failed.
Checked: TypeAlias = "str | int | float | bool | m.When | list[Checked] | dict[str, Checked] | Bad"
At = Callable[..., Where]  # a key path (as separate arguments) to its position in the file


def _kind(node: yaml.Node) -> str:
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    return "empty" if is_null(node) else f"the text {node.value[:40]!r}"


def _suggest(word: str, options: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f"; did you mean {close[0]}?" if close else ""


def _pre(label: str) -> str:
    return f"{label}: " if label else ""


def _listing(options: Iterable[str]) -> str:
    opts = list(options)
    return ", ".join(opts[:12]) + (", ..." if len(opts) > 12 else "") if opts else "none"


class Checker:
    def __init__(self, path: str, text: str = "") -> None:
        self.path = path
        self.text = text
        self.problems: list[Problem] = []
        self.where: dict[KeyPath, yaml.Node] = {}
        self.budget = _NODE_BUDGET

    def error(self, where: Where, message: str, severity: str = "error") -> None:
        self.problems.append(Problem(self.path, where[0], where[1], message, severity))

    # -- structure -------------------------------------------------------------------
    def check(self, node: yaml.Node, spec: s.Spec, kp: KeyPath, label: str) -> Checked:
        self.budget -= 1
        if self.budget < 0:
            if self.budget == -1:
                self.error(pos(node), "the document expands to too many values (anchors reused in a loop?)")
            return BAD
        self.where[kp] = node  # positions are computed only for the few that an error needs
        if node.tag not in SAFE_TAGS:
            self.error(pos(node), f"{_pre(label)}the tag {node.tag.replace('tag:yaml.org,2002:', '!!')} is not allowed; "
                              "runbooks are plain data, remove the tag")
            return BAD
        return self._dispatch(node, spec, kp, label)

    def _dispatch(self, node: yaml.Node, spec: s.Spec, kp: KeyPath, label: str) -> Checked:
        match spec:  # the commonest first: most values are text
            case s.Text():
                return self._check_Text(node, spec, label)
            case s.Obj():
                return self._check_Obj(node, spec, kp, label)
            case s.MapOf():
                return self._check_MapOf(node, spec, kp, label)
            case s.ListOf():
                return self._check_ListOf(node, spec, kp, label)
            case s.Enum():
                return self._check_Enum(node, spec, label)
            case s.Number():
                return self._check_Number(node, spec, label)
            case s.Int():
                return self._check_Int(node, spec, label)
            case s.Bool():
                return self._check_Bool(node, label)
            case s.When():
                return self._check_When(node, kp, label)
            case s.TextMap():
                return self._check_TextMap(node, kp, label)
        raise TypeError(f"no check for {type(spec).__name__}")

    def _scalar(self, node: yaml.Node, label: str, expected: str) -> str | None:
        if not isinstance(node, yaml.ScalarNode) or is_null(node):
            self.error(pos(node), f"{label} must be {expected}, not {_kind(node)}")
            return None
        value: str = node.value
        return value

    def _check_Text(self, node: yaml.Node, spec: s.Text, label: str) -> str | Bad:
        value = self._scalar(node, label, "text")
        if value is None:
            return BAD
        if spec.pattern and not re.fullmatch(spec.pattern, value):
            hint = spec.hint or f"it must match {spec.pattern}"
            self.error(pos(node), f"{label} {value!r} is not valid: {hint}")
            return BAD
        return value

    def _check_Int(self, node: yaml.Node, spec: s.Int, label: str) -> int | Bad:
        value = self._scalar(node, label, "an integer")
        if value is None:
            return BAD
        if not is_plain(node) or not _INT.match(value):
            self.error(pos(node), f"{label} must be an integer such as 3, not {value!r}")
            return BAD
        number = int(value)
        if spec.minimum is not None and number < spec.minimum:
            self.error(pos(node), f"{label} must be at least {spec.minimum}")
            return BAD
        return number

    def _check_Number(self, node: yaml.Node, spec: s.Number, label: str) -> float | Bad:
        value = self._scalar(node, label, "a number")
        if value is None:
            return BAD
        if not is_plain(node) or not _NUMBER.match(value):
            self.error(pos(node), f"{label} must be a number such as 0.05, not {value!r}")
            return BAD
        number = float(value.replace("_", ""))
        if spec.positive and number <= 0:
            self.error(pos(node), f"{label} must be greater than 0")
            return BAD
        return number

    def _check_Bool(self, node: yaml.Node, label: str) -> bool | Bad:
        value = self._scalar(node, label, "true or false")
        if value is None:
            return BAD
        if is_plain(node) and value in _TRUE:
            return True
        if is_plain(node) and value in _FALSE:
            return False
        extra = " (YAML 1.1 words like yes/no are ambiguous)" if value in _YAML11_BOOLS else ""
        self.error(pos(node), f"{label} must be true or false, not {value!r}{extra}")
        return BAD

    def _check_Enum(self, node: yaml.Node, spec: s.Enum, label: str) -> str | Bad:
        value = self._scalar(node, label, "one of " + ", ".join(spec.values))
        if value is None:
            return BAD
        if value not in spec.values:
            self.error(pos(node), f"{label} {value!r} must be one of {', '.join(spec.values)}"
                                  + _suggest(value, spec.values))
            return BAD
        return value

    def _check_ListOf(self, node: yaml.Node, spec: s.ListOf, kp: KeyPath, label: str) -> list[Checked] | Bad:
        if not isinstance(node, yaml.SequenceNode):
            self.error(pos(node), f"{label} must be a list, not {_kind(node)}")
            return BAD
        if spec.nonempty and not node.value:
            self.error(pos(node), f"{label} must not be empty")
            return BAD
        items: list[Checked] = []
        for i, item in enumerate(node.value):
            value = self.check(item, spec.item, kp + (i,), f"{label}[{i + 1}]")
            items.append(value)
        return items

    def _keys(self, node: yaml.MappingNode, label: str) -> list[tuple[str, yaml.Node, Where, yaml.ScalarNode]]:
        """Keys as text (with their value, position and key node); duplicates, merge keys and non-text keys
        are reported and skipped."""
        seen: dict[str, Where] = {}
        out: list[tuple[str, yaml.Node, Where, yaml.ScalarNode]] = []
        for key_node, value_node in node.value:
            where = pos(key_node)
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag not in SAFE_TAGS:
                self.error(where, f"{_pre(label)}keys must be plain words, not {_kind(key_node)}")
                continue
            key: str = key_node.value
            if key == "<<" and is_plain(key_node):
                self.error(where, f"{_pre(label)}merge keys (<<) are not supported; write the keys out")
                continue
            if key in seen:
                self.error(where, f"{_pre(label)}duplicate key {key!r} (first at line {seen[key][0]}); "
                                  "YAML would silently keep only the last one, remove one")
                continue
            seen[key] = where
            out.append((key, value_node, where, key_node))
        return out

    def _check_MapOf(self, node: yaml.Node, spec: s.MapOf, kp: KeyPath, label: str) -> dict[str, Checked] | Bad:
        if not isinstance(node, yaml.MappingNode):
            self.error(pos(node), f"{label} must be a mapping of names, not {_kind(node)}")
            return BAD
        if spec.nonempty and not node.value:
            self.error(pos(node), f"{label} must not be empty")
            return BAD
        out: dict[str, Checked] = {}
        for key, value_node, where, key_node in self._keys(node, label):
            self.where[kp + (key, "<key>")] = key_node
            if not re.fullmatch(spec.key_pattern, key):
                self.error(where, f"{_pre(label)}the name {key!r} is not valid: use lowercase letters, digits, _ "
                                  + ("" if spec.key_pattern == s.PARAM_PATTERN else "and - ")
                                  + "starting with a letter")
                continue
            out[key] = self.check(value_node, spec.value, kp + (key,), f"{label}.{key}")
        return out

    def _check_TextMap(self, node: yaml.Node, kp: KeyPath, label: str) -> dict[str, Checked] | Bad:
        if not isinstance(node, yaml.MappingNode):
            self.error(pos(node), f"{label} must be a mapping of label to value, not {_kind(node)}")
            return BAD
        out: dict[str, Checked] = {}
        for key, value_node, _, _ in self._keys(node, label):
            value = self.check(value_node, s.Text(), kp + (key,), f"{label}.{key}")
            if value is not BAD:
                out[key] = value
        return out

    def _check_When(self, node: yaml.Node, kp: KeyPath, label: str) -> m.When | Bad:
        if isinstance(node, yaml.ScalarNode):
            value = node.value.replace("-", "") if node.value == "no-data" else node.value
            if value in m.TRENDS:
                return m.When(trend=value)
            state = self._check_Enum(yaml.ScalarNode(node.tag, value, node.start_mark, node.end_mark, node.style),
                                     s.Enum(m.METRIC_STATES + m.TRENDS), label)
            return m.When(state=state) if isinstance(state, str) else BAD
        if isinstance(node, yaml.MappingNode):
            keys = self._keys(node, label)
            names = sorted(k[0] for k in keys)
            if names == ["exit"]:
                return self._when_exit(keys[0][1], kp, label)
            if names == ["output"]:
                regex = self.check(keys[0][1], s.Text(), kp + ("output",), f"{label}.output")
                if not isinstance(regex, str):
                    return BAD
                try:
                    re.compile(regex)
                except re.error as exc:
                    self.error(pos(keys[0][1]), f"{label}.output is not a valid regular expression: {exc}")
                    return BAD
                return m.When(output=regex)
            if names in (["state"], ["for", "state"]):
                return self._when_held({k: v for k, v, _, _ in keys}, kp, label)
        self.error(pos(node), f"{label} must be a metric state ({', '.join(m.METRIC_STATES)}), a trend "
                              f"({', '.join(m.TRENDS)}), {{state: STATE, for: 5m}}, {{exit: N}}, {{exit: nonzero}} "
                              "or {output: REGEX}")
        return BAD

    def _when_exit(self, node: yaml.Node, kp: KeyPath, label: str) -> m.When | Bad:
        if isinstance(node, yaml.ScalarNode) and node.value == "nonzero":
            return m.When(nonzero=True)
        if isinstance(node, yaml.ScalarNode) and not re.fullmatch(r"-?[0-9]+", node.value):
            self.error(pos(node), f"{label}.exit must be an exit code such as 3, or nonzero for any failure, "
                                  f"not {node.value[:40]!r}")
            return BAD
        code = self.check(node, s.Int(), kp + ("exit",), f"{label}.exit")
        return m.When(exit=code) if isinstance(code, int) else BAD

    def _when_held(self, nodes: dict[str, yaml.Node], kp: KeyPath, label: str) -> m.When | Bad:
        state = self.check(nodes["state"], s.Enum(m.METRIC_STATES), kp + ("state",), f"{label}.state")
        hold: float | None = None
        if "for" in nodes:
            text = self.check(nodes["for"], s.Text(pattern=s.DURATION_PATTERN, hint="write a duration such as "
                                                   "5m, 90s or 1h"), kp + ("for",), f"{label}.for")
            if not isinstance(text, str):
                return BAD
            hold = float(duration_s(text))
        return m.When(state=state, hold=hold) if isinstance(state, str) else BAD

    def _check_Obj(self, node: yaml.Node, spec: s.Obj, kp: KeyPath, label: str) -> dict[str, Checked] | Bad:
        if not isinstance(node, yaml.MappingNode):
            self.error(pos(node), f"{label or 'a runbook'} must be a mapping, not {_kind(node)}")
            return BAD
        out: dict[str, Checked] = {}
        keys = self._keys(node, label)
        allowed = spec.fields
        if spec is s.STEP:
            kinds = [k[0] for k in keys if k[0] in spec.one_of]
            if len(kinds) == 1:
                allowed = {k: v for k, v in spec.fields.items() if k in s.STEP_FIELDS[kinds[0]]}
        for key, value_node, where, key_node in keys:
            self.where[kp + (key, "<key>")] = key_node
            if key not in allowed:
                if key in spec.fields:  # a step field that does not belong to this kind of step
                    kind = next(k for k in spec.one_of if k in allowed)
                    self.error(where, f"{_pre(label)}{KINDS[StepKind(kind)].article} {kind} step "
                                      f"has no {key!r} (allowed: {', '.join(sorted(allowed))})")
                else:
                    self.error(where, f"{_pre(label)}unknown key {key!r}" + _suggest(key, allowed)
                               + ("" if _suggest(key, allowed) else f" (known keys: {_listing(allowed)})"))
                self._scan_tags(value_node, label)
                continue
            out[key] = self.check(value_node, allowed[key], kp + (key,), f"{label}.{key}" if label else key)
        present = [k for k in spec.one_of if k in out or any(k == kk[0] for kk in keys)]
        if spec.one_of and len(present) != 1:
            what = " or ".join(spec.one_of)
            if not present:
                self.error(pos(node), f"{label or 'the runbook'} needs one of {what}")
            else:
                self.error(pos(node), f"{label} has both {' and '.join(present)}; keep exactly one of {what}")
        for key in spec.required:
            if key not in out and not any(key == kk[0] for kk in keys):
                self.error(pos(node), f"{label or 'the runbook'}: missing required key {key!r}")
        if spec is s.STEP and len(present) == 1:
            for key in s.STEP_REQUIRED[present[0]]:
                if not any(key == kk[0] for kk in keys):
                    self.error(pos(node), f"{label}: {KINDS[StepKind(present[0])].article} "
                                          f"{present[0]} step needs {key!r}")
        return out

    def _scan_tags(self, node: yaml.Node, label: str, depth: int = 0) -> None:
        """Report unsafe tags even under keys we otherwise skip."""
        self.budget -= 1
        if depth > 50 or self.budget < 0:
            return
        if node.tag not in SAFE_TAGS:
            self.error(pos(node), f"{_pre(label)}the tag {node.tag.replace('tag:yaml.org,2002:', '!!')} is not allowed; "
                                  "runbooks are plain data, remove the tag")
        if isinstance(node, yaml.SequenceNode):
            for item in node.value:
                self._scan_tags(item, label, depth + 1)
        elif isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                self._scan_tags(k, label, depth + 1)
                self._scan_tags(v, label, depth + 1)


def mapping(value: Checked | None) -> dict[str, Checked]:
    """A checked mapping, or an empty one where the value is missing, BAD or not a mapping."""
    return value if isinstance(value, dict) else {}


def items(value: Checked | None) -> list[Checked]:
    """A checked list, or an empty one where the value is missing, BAD or not a list."""
    return value if isinstance(value, list) else []


def _semantics(c: Checker, d: dict[str, Checked]) -> None:
    params, metrics = mapping(d.get("params")), mapping(d.get("metrics"))
    commands, steps = mapping(d.get("commands")), mapping(d.get("steps"))
    sections_ok = {name: d.get(name) is not BAD for name in ("params", "metrics", "commands", "steps")}

    def at(*kp: str | int) -> Where:
        node = c.where.get(kp) or c.where.get(kp[:-1])
        return pos(node) if node is not None else (1, 1)

    def refs(text: Checked | None, allowed: Iterable[str], kp: KeyPath, what: str) -> None:
        if not isinstance(text, str) or not sections_ok["params"]:
            return
        allowed = set(allowed)
        for name in placeholders(text):
            if name not in allowed and not is_env_name(name):  # ${env.NAME}: config.yaml's, known when it runs
                c.error(at(*kp), f"${{{name}}} names no {what}" + _suggest(name, allowed)
                        + ("" if _suggest(name, allowed) else f" (known: {_listing(sorted(allowed))})"))
        for name, texts in env_fallbacks(text).items():
            if any("$" in t for t in texts):
                c.error(at(*kp), f"the fallback in ${{{name}:-…}} is plain text; it cannot hold a placeholder "
                        "or a $ (write the value itself)")

    for name, p in params.items():
        if reserved_name(name):
            c.error(at("params", name, "<key>"),
                    f"params.{name}: bash or the programs a command runs read a variable named {name} for "
                    "themselves (every parameter is exported to shell commands); rename the parameter")
        if not isinstance(p, dict):
            continue
        pattern = p.get("pattern")
        if isinstance(pattern, str):
            try:
                re.compile(pattern)
            except re.error as exc:
                c.error(at("params", name, "pattern"), f"params.{name}.pattern is not a valid regular expression: {exc}")
                continue
            default = p.get("default")
            if isinstance(default, str) and "${" not in default and not pattern_matches(pattern, default):
                c.error(at("params", name, "default"),
                        f"params.{name}.default {default!r} does not match its own pattern {pattern}")

    for name, p in params.items():  # a default derived from others (`${model}-predictor`) names plain ones
        default = mapping(p).get("default")
        if isinstance(default, str) and "${" in default:
            plain = [n for n, q in params.items() if n != name and "${" not in str(mapping(q).get("default") or "")]
            refs(default, plain, ("params", name, "default"), "parameter without a derived default")
            _fallback_default(c, name, default, mapping(p).get("pattern"), params, at)

    for name, metric in metrics.items():
        if not isinstance(metric, dict):
            continue
        refs(metric.get("query"), params, ("metrics", name, "query"), "parameter")
        _query_defaults(c, name, metric.get("query"), params, at)
        warn, crit = metric.get("warn"), metric.get("crit")
        if isinstance(warn, float) and isinstance(crit, float):
            below = metric.get("direction") == "below"
            if (warn < crit) if below else (warn > crit):
                c.error(at("metrics", name, "warn"),
                        f"metrics.{name}: warn {warn:g} is {'below' if below else 'above'} crit {crit:g}; "
                        f"with direction {'below' if below else 'above'} the warning line comes before the critical one")

    for name, cmd in commands.items():
        if not isinstance(cmd, dict):
            continue
        for i, arg in enumerate(items(cmd.get("run"))):
            refs(arg, params, ("commands", name, "run", i), "parameter")
        shell = cmd.get("shell")
        refs(shell, params, ("commands", name, "shell"), "parameter")
        if isinstance(shell, str) and sections_ok["params"]:
            _shell_uses(c, name, shell, params)
            for var, texts in env_fallbacks(shell).items():
                if len(set(texts)) > 1:  # the script reads one variable for it: one value when it has none
                    c.error(at("commands", name, "shell"),
                            f"commands.{name}.shell: ${{{var}:-…}} has different fallbacks "
                            f"({', '.join(repr(t) for t in dict.fromkeys(texts))}); give it one")
        _dash_defaults(c, name, cmd, params, at)
        if cmd.get("danger") is True and cmd.get("read_only") is True:
            c.error(at("commands", name, "read_only"),
                    f"commands.{name}: danger and read_only contradict each other; a command that changes "
                    "production is danger: true, one reviewed to change nothing is read_only: true")

    for name, comm in mapping(d.get("comms")).items():
        if isinstance(comm, dict):
            refs(comm.get("template"), set(params) | set(s.COMMS_FIELDS), ("comms", name, "template"),
                 "parameter or incident field")

    if not sections_ok["steps"]:
        return
    step_names = set(steps)
    text_names = set(params) | set(metrics)

    def target(value: Checked | None, kp: KeyPath, label: str) -> None:
        if not isinstance(value, str):
            return
        if value.startswith(m.JUMP_PREFIX):
            if not re.fullmatch(s.ID_PATTERN, value[len(m.JUMP_PREFIX):]):
                c.error(at(*kp), f"{label} {value!r}: write runbook: followed by a runbook id")
        elif value not in step_names:
            c.error(at(*kp), f"{label}: no step named {value!r}" + _suggest(value, step_names)
                    + ("" if _suggest(value, step_names) else f" (steps: {_listing(steps)})"))

    start = d.get("start")
    if isinstance(start, str) and start not in step_names:
        c.error(at("start"), f"start: no step named {start!r}" + _suggest(start, step_names))

    for sid, step in steps.items():
        if not isinstance(step, dict):
            continue
        label = f"steps.{sid}"
        for key in ("ask", "do", "detail", "say"):
            refs(step.get(key), text_names, ("steps", sid, key), "parameter or metric")
        for i, item in enumerate(items(step.get("checklist"))):
            refs(item, text_names, ("steps", sid, "checklist", i), "parameter or metric")
        shown = step.get("metric")
        if isinstance(shown, str) and sections_ok["metrics"] and shown not in metrics:
            c.error(at("steps", sid, "metric"), f"{label}.metric: no metric named {shown!r}"
                    + _suggest(shown, metrics) + ("" if _suggest(shown, metrics) else f" (metrics: {_listing(metrics)})"))
        command_names: list[tuple[str, KeyPath, str]] = []
        command = step.get("command")
        if isinstance(command, str):
            command_names.append((command, ("steps", sid, "command"), f"{label}.command"))
        command_names += [(n, ("steps", sid, "commands", i), f"{label}.commands[{i + 1}]")
                          for i, n in enumerate(items(step.get("commands"))) if isinstance(n, str)]
        for name, kp, lab in command_names:
            if sections_ok["commands"] and name not in commands:
                c.error(at(*kp), f"{lab}: no command named {name!r}" + _suggest(name, commands)
                        + ("" if _suggest(name, commands) else f" (commands: {_listing(commands)})"))
        target(step.get("next"), ("steps", sid, "next"), f"{label}.next")
        choices = items(step.get("choices"))
        if len(choices) > 9:
            c.error(at("steps", sid, "choices", 9), f"{label}: at most 9 choices (keys 1-9); split the question")
        for i, choice in enumerate(choices):
            if not isinstance(choice, dict):
                continue
            clabel = f"{label}.choices[{i + 1}]"
            refs(choice.get("label"), text_names, ("steps", sid, "choices", i, "label"), "parameter or metric")
            target(choice.get("next"), ("steps", sid, "choices", i, "next"), f"{clabel}.next")
            when = choice.get("when")
            if isinstance(when, m.When):
                if when.reads_metric and not step.get("metric"):
                    what, word = (when.trend, "trend") if when.trend else (when.state, "state")
                    c.error(at("steps", sid, "choices", i, "when"),
                            f"{clabel}.when {what!r} is a metric {word}, but the step has no metric; add metric:")
                if when.reads_command and not step.get("command"):
                    c.error(at("steps", sid, "choices", i, "when"),
                            f"{clabel}.when reads a command's result, but the step has no command; add command:")

    if not any(p.is_error for p in c.problems):  # on a broken graph this would only add noise
        _reachability(c, steps, start, at)


def _fallback_default(c: Checker, name: str, default: str, pattern: Checked | None,
                      params: Mapping[str, Checked], at: Callable[..., Where]) -> None:
    """A default read from the environment (`${env.namespace:-ml-prod}`) is, without one, its fallback:
    that text must match the parameter's own pattern, as a plain default must."""
    if not any(is_env_name(n) for n in placeholders(default)) or not isinstance(pattern, str):
        return
    plain = {n: str(q.get("default")) for n, q in params.items()
             if isinstance(q, dict) and isinstance(q.get("default"), str) and "${" not in str(q.get("default"))}
    value = derived_default(default, plain)
    try:
        wrong = bool(value) and not pattern_matches(pattern, value or "")
    except re.error:
        return  # reported with the pattern
    if wrong:
        c.error(at("params", name, "default"), f"params.{name}.default {default!r} gives {value!r} when the "
                f"environment sets no such var, which does not match its own pattern {pattern}")


def _shell_uses(c: Checker, name: str, template: str, params: Mapping[str, Checked]) -> None:
    """Each use of a parameter in a shell script that could turn its value into code, at its own line."""
    script = shell_text(template)
    node = c.where.get(("commands", name, "shell"))
    for use in param_uses(script, [*params, *shell_env_names(template)]):
        if use.problem is None:
            continue
        where = pos(node) if node is not None else (1, 1)
        if node is not None:
            k = script.count(use.token, 0, use.offset) if use.offset >= 0 else 0
            where = _token_position(c.text, node, use.token, k) or where
        what = use.token if use.name in params else f"{use.token} (set from a parameter)"
        c.error(where, f"commands.{name}.shell: {what} {use.problem}")


def _token_position(text: str, node: yaml.Node, token: str, k: int) -> Where | None:
    """Where the k-th occurrence of token sits in the file, inside the node's source text."""
    start, end = node.start_mark.index, node.end_mark.index
    at = start - 1
    for _ in range(k + 1):
        at = text.find(token, at + 1, end)
        if at < 0:
            return None
    line = text.count("\n", 0, at) + 1
    return line, at - (text.rfind("\n", 0, at) + 1) + 1


def _query_defaults(c: Checker, name: str, query: Checked | None, params: Mapping[str, Checked], at: At) -> None:
    """A default that could not go into the query where it is used would fail every poll: say so now."""
    if not isinstance(query, str):
        return
    defaults = {n: default for n, p in params.items()
                if isinstance(default := mapping(p).get("default"), str) and "${" not in default}
    for pname in dict.fromkeys(placeholders(query)):
        if pname not in defaults:
            continue
        try:
            render_query(query, {**dict.fromkeys(placeholders(query), "x"), pname: defaults[pname]})
        except RenderError as exc:
            c.error(at("params", pname, "default"), f"params.{pname}.default cannot go into metrics.{name}.query: {exc}")


def _dash_defaults(c: Checker, name: str, cmd: dict[str, Checked], params: Mapping[str, Checked], at: At) -> None:
    """A default that starts with '-' would be refused whenever the command runs: say so now."""
    run = cmd.get("run")
    texts = run if isinstance(run, list) else [cmd.get("shell")]
    used = {n for t in texts if isinstance(t, str) for n in placeholders(t)}
    for pname in sorted(used):
        p = mapping(params.get(pname))
        default, pattern = p.get("default"), p.get("pattern")
        if (isinstance(default, str) and default.startswith("-")
                and not allows_leading_dash(pattern if isinstance(pattern, str) else None, default)):
            c.error(at("params", pname, "default"),
                    f"params.{pname}.default {default!r} starts with '-', which commands.{name} would read as "
                    "an option; change it, or give the parameter a pattern that allows a leading '-'")


def _reachability(c: Checker, steps: dict[str, Checked], start: Checked | None, at: At) -> None:
    edges: dict[str, list[str]] = {}
    terminal: set[str] = set()
    for sid, step in steps.items():
        if not isinstance(step, dict):
            return  # a broken step already reported; the graph would only add noise
        outs = [n for n in [step.get("next")] + [mapping(ch).get("next") for ch in items(step.get("choices"))]
                if isinstance(n, str)]
        if "outcome" in step or any(o.startswith(m.JUMP_PREFIX) for o in outs):
            terminal.add(sid)
        edges[sid] = [o for o in outs if o in steps]
    if not isinstance(start, str) or start not in steps:
        return
    seen, stack = {start}, [start]
    while stack:
        for nxt in edges[stack.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    for sid in steps:
        if sid not in seen:
            c.error(at("steps", sid, "<key>"), f"steps.{sid} cannot be reached from start {start!r}; "
                                               "link it from a step or remove it")
    reverse: dict[str, list[str]] = {sid: [] for sid in steps}
    for sid, outs in edges.items():
        for o in outs:
            reverse[o].append(sid)
    done, stack = set(terminal), list(terminal)
    while stack:
        for prev in reverse[stack.pop()]:
            if prev not in done:
                done.add(prev)
                stack.append(prev)
    for sid in steps:
        if sid in seen and sid not in done:
            c.error(at("steps", sid, "<key>"), f"steps.{sid}: no outcome can be reached from here (a loop?); "
                                               "add a choice that leads to an outcome step")


def _build(d: dict[str, Any], path: Path | None) -> m.Runbook:
    def when(v: Any) -> m.When | None:
        if v is None:
            return None
        return v if isinstance(v, m.When) else m.When(state=v)

    steps = {}
    for sid, st in d["steps"].items():
        kind = next(k for k in StepKind if k in st)
        steps[sid] = m.Step(
            id=sid, kind=kind,
            text=st.get("say", "") if kind == StepKind.OUTCOME else st[kind],
            detail=st.get("detail"), metric=st.get("metric"), command=st.get("command"),
            commands=tuple(st.get("commands", ())),
            choices=tuple(m.Choice(ch["label"], ch["next"], when(ch.get("when"))) for ch in st.get("choices", ())),
            checklist=tuple(st.get("checklist", ())), next=st.get("next"),
            outcome=st.get("outcome"), status=st.get("status"),
        )
    comms = {}
    for name, cm in d.get("comms", {}).items():
        every = cm.get("every")
        seconds = None if every is None else duration_s(every)
        comms[name] = m.Comms(name, seconds, cm["template"], cm.get("trigger"))
    return m.Runbook(
        id=d["id"], title=d["title"], version=d["version"], summary=d["summary"], category=d["category"],
        severity_hint=d["severity_hint"], start=d["start"], steps=steps,
        owners=tuple(d.get("owners", ())), tags=tuple(d.get("tags", ())), symptoms=tuple(d.get("symptoms", ())),
        alerts=tuple(m.AlertMatch(a["alertname"], dict(a.get("labels", {}))) for a in d.get("alerts", ())),
        params={n: m.Param(n, p["prompt"], p.get("default"), p.get("pattern")) for n, p in d.get("params", {}).items()},
        metrics={n: m.Metric(n, x["title"], x["query"], x.get("unit", "none"), x.get("warn"), x.get("crit"),
                             x.get("direction", "above")) for n, x in d.get("metrics", {}).items()},
        commands={n: m.Command(n, x["title"], tuple(x["run"]) if "run" in x else None, x.get("shell"),
                               x.get("timeout", m.DEFAULT_TIMEOUT), x.get("danger", False),
                               x.get("read_only", False), x.get("approve", False))
                  for n, x in d.get("commands", {}).items()},
        comms=comms, path=path, last_reviewed=d.get("last_reviewed"),
    )


def validate_text(text: str, path: str | Path = "<runbook>") -> tuple[m.Runbook | None, list[Problem]]:
    """The runbook (None when any error was found) and every problem, in file order."""
    name = str(path)
    try:
        node, problems = compose(text, name)
        if node is None:
            return None, problems
        checker = Checker(name, text)
        data = checker.check(node, s.RUNBOOK, (), "")
        if isinstance(data, dict):
            _semantics(checker, data)
        problems = sorted(checker.problems, key=lambda p: (p.line, p.col))
        if any(p.is_error for p in problems) or not isinstance(data, dict):
            return None, problems
        return _build(data, Path(path) if path != "<runbook>" else None), problems
    except Exception as exc:  # a bug of ours must not stop the other runbooks from loading
        return None, [Problem(name, 1, 1, f"internal error while validating ({type(exc).__name__}: {exc}); "
                                          "please report it with this file")]


def load_runbook_file(path: Path) -> tuple[m.Runbook | None, list[Problem]]:
    text, problems = read_text(path)
    if text is None:
        return None, problems
    return validate_text(text, path)
