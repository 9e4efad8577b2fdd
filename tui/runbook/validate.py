"""Validate one runbook: structure (from spec.py), references, reachability.

Every problem is reported as `file:line:col: message`, with the fix where we can
guess it. No input, however malformed, raises: anything unexpected becomes a
problem on line 1.
"""

from __future__ import annotations

import difflib
import enum
import re
from collections.abc import Callable, Collection, Iterable, Mapping
from pathlib import Path
from typing import Any, Final, TypeAlias

import yaml

from tui.runbook import model as m
from tui.runbook import spec as s
from tui.runbook.kinds import KINDS, StepKind
from tui.runbook.loader import NULL_WORDS, SAFE_TAGS, compose, is_null, is_plain, pos
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
    stray_expansions,
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


_PLAIN_STYLES = (None, "")
_EXIT_CODE = re.compile(r"-?[0-9]+").fullmatch
# Specs the checker uses on its own (built once, not per value).
_ANY_TEXT, _ANY_INT = s.Text(), s.Int()
_WHEN_WORD = s.Enum(m.METRIC_STATES + m.TRENDS)
_HELD_STATE = s.Enum(m.METRIC_STATES)
_HELD_FOR = s.Text(pattern=s.DURATION_PATTERN, hint="write a duration such as 5m, 90s or 1h")
# The fields each kind of step may have, in the order of s.STEP.fields (error messages list them).
_STEP_ALLOWED = {kind: {k: v for k, v in s.STEP.fields.items() if k in s.STEP_FIELDS[kind]} for kind in s.STEP.one_of}
_FULLMATCH: dict[str, Callable[[str], re.Match[str] | None]] = {}
_STEP_KINDS = tuple(StepKind)  # iterating the enum class itself is slow


def _fullmatch(pattern: str, value: str) -> bool:
    """re.fullmatch with the spec's pattern compiled once (re's own cache costs a lookup per value)."""
    match = _FULLMATCH.get(pattern)
    if match is None:
        match = _FULLMATCH[pattern] = re.compile(pattern).fullmatch
    return match(value) is not None


def _label(kp: KeyPath | None) -> str:
    """How messages name the value at a key path: `steps.decide.choices[2].next` (the root is an Obj, whose
    keys are written bare)."""
    out = ""
    for part in kp or ():
        if isinstance(part, int):
            out += f"[{part + 1}]"
        elif out:
            out += "." + part
        else:
            out = part
    return out


def _at(kp: KeyPath | None, part: str | int) -> KeyPath | None:
    return None if kp is None else kp + (part,)


class _Retry(Exception):
    """The quick pass met a problem: the exact pass says what and where."""


class Checker:
    """The structural pass, in two speeds. `check_document` first runs it quickly: no key paths, no positions,
    stopping at the first problem. Only a document with a problem is checked again exactly (key paths, every
    problem with its message and position). The positions of a valid document (`where`) are recorded by an
    exact pass only when something asks for them: a later check that reports a problem."""

    def __init__(self, path: str, text: str = "", document: str = "the runbook") -> None:
        self.path = path
        self.text = text
        self.document = document  # what a problem at the top level names: "the runbook", "the drill"
        self.problems: list[Problem] = []
        self.budget = _NODE_BUDGET
        self._where: dict[KeyPath, yaml.Node] = {}
        self._quick = False
        self._unrecorded: tuple[yaml.Node, s.Spec] | None = None  # a valid document whose positions wait

    @property
    def where(self) -> dict[KeyPath, yaml.Node]:
        """The node of each checked value by key path, and of each key at (*path, key, "<key>")."""
        if self._unrecorded is not None:
            exact = Checker(self.path, self.text, self.document)
            exact.check(*self._unrecorded, ())
            self._where, self._unrecorded = exact._where, None
        return self._where

    def error(self, where: Where, message: str, severity: str = "error") -> None:
        if self._quick:
            raise _Retry
        self.problems.append(Problem(self.path, where[0], where[1], message, severity))

    def check_document(self, node: yaml.Node, spec: s.Spec) -> Checked:
        """The document's data as the spec describes it (BAD where a check failed); problems go to self.problems."""
        self._quick = True
        try:
            data = self.check(node, spec, None)
        except _Retry:
            self.budget = _NODE_BUDGET
        else:
            self._unrecorded = (node, spec)
            return data
        finally:
            self._quick = False
        return self.check(node, spec, ())

    # -- structure -------------------------------------------------------------------
    # kp is the value's key path, None in the quick pass (where nothing is reported or recorded).
    def check(self, node: yaml.Node, spec: s.Spec, kp: KeyPath | None) -> Checked:
        self.budget -= 1
        if self.budget < 0:
            if self.budget == -1:
                self.error(pos(node), "the document expands to too many values (anchors reused in a loop?)")
            return BAD
        if kp is not None:
            self._where[kp] = node  # positions are computed only for the few that an error needs
        if node.tag not in SAFE_TAGS:
            self.error(pos(node), f"{_pre(_label(kp))}the tag {node.tag.replace('tag:yaml.org,2002:', '!!')} is not "
                                  "allowed; runbooks are plain data, remove the tag")
            return BAD
        method = _CHECKS.get(spec.__class__)
        if method is None:
            raise TypeError(f"no check for {type(spec).__name__}")
        return method(self, node, spec, kp)

    def _scalar(self, node: yaml.Node, kp: KeyPath | None, expected: str) -> str | None:
        if not isinstance(node, yaml.ScalarNode) or is_null(node):
            self.error(pos(node), f"{_label(kp)} must be {expected}, not {_kind(node)}")
            return None
        value: str = node.value
        return value

    def _check_Text(self, node: yaml.Node, spec: s.Text, kp: KeyPath | None) -> str | Bad:
        if not isinstance(node, yaml.ScalarNode) or (node.style in _PLAIN_STYLES and node.value in NULL_WORDS):
            self._scalar(node, kp, "text")  # is_null, inline: most values are text
            return BAD
        value: str = node.value
        if spec.pattern and not _fullmatch(spec.pattern, value):
            hint = spec.hint or f"it must match {spec.pattern}"
            self.error(pos(node), f"{_label(kp)} {value!r} is not valid: {hint}")
            return BAD
        return value

    def _check_Int(self, node: yaml.Node, spec: s.Int, kp: KeyPath | None) -> int | Bad:
        value = self._scalar(node, kp, "an integer")
        if value is None:
            return BAD
        if not is_plain(node) or not _INT.match(value):
            self.error(pos(node), f"{_label(kp)} must be an integer such as 3, not {value!r}")
            return BAD
        number = int(value)
        if spec.minimum is not None and number < spec.minimum:
            self.error(pos(node), f"{_label(kp)} must be at least {spec.minimum}")
            return BAD
        return number

    def _check_Number(self, node: yaml.Node, spec: s.Number, kp: KeyPath | None) -> float | Bad:
        value = self._scalar(node, kp, "a number")
        if value is None:
            return BAD
        if not is_plain(node) or not _NUMBER.match(value):
            self.error(pos(node), f"{_label(kp)} must be a number such as 0.05, not {value!r}")
            return BAD
        number = float(value.replace("_", ""))
        if spec.positive and number <= 0:
            self.error(pos(node), f"{_label(kp)} must be greater than 0")
            return BAD
        return number

    def _check_Bool(self, node: yaml.Node, spec: s.Bool, kp: KeyPath | None) -> bool | Bad:
        value = self._scalar(node, kp, "true or false")
        if value is None:
            return BAD
        if is_plain(node) and value in _TRUE:
            return True
        if is_plain(node) and value in _FALSE:
            return False
        extra = " (YAML 1.1 words like yes/no are ambiguous)" if value in _YAML11_BOOLS else ""
        self.error(pos(node), f"{_label(kp)} must be true or false, not {value!r}{extra}")
        return BAD

    def _check_Enum(self, node: yaml.Node, spec: s.Enum, kp: KeyPath | None) -> str | Bad:
        if not isinstance(node, yaml.ScalarNode) or is_null(node):
            self._scalar(node, kp, "one of " + ", ".join(spec.values))
            return BAD
        value: str = node.value
        if value not in spec.values:
            self.error(pos(node), f"{_label(kp)} {value!r} must be one of {', '.join(spec.values)}"
                                  + _suggest(value, spec.values))
            return BAD
        return value

    def _check_ListOf(self, node: yaml.Node, spec: s.ListOf, kp: KeyPath | None) -> list[Checked] | Bad:
        if not isinstance(node, yaml.SequenceNode):
            self.error(pos(node), f"{_label(kp)} must be a list, not {_kind(node)}")
            return BAD
        if spec.nonempty and not node.value:
            self.error(pos(node), f"{_label(kp)} must not be empty")
            return BAD
        check, item = self.check, spec.item
        if kp is None:
            return [check(value, item, None) for value in node.value]
        return [check(value, item, kp + (i,)) for i, value in enumerate(node.value)]

    def _keys(self, node: yaml.MappingNode, kp: KeyPath | None) -> dict[str, tuple[yaml.Node, yaml.Node]]:
        """Each key as text, with its (key node, value node) pair, in document order; duplicates, merge keys
        and non-text keys are reported and skipped."""
        out: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        for pair in node.value:
            key_node = pair[0]
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag not in SAFE_TAGS:
                self.error(pos(key_node), f"{_pre(_label(kp))}keys must be plain words, not {_kind(key_node)}")
                continue
            key: str = key_node.value
            if key == "<<" and is_plain(key_node):
                self.error(pos(key_node), f"{_pre(_label(kp))}merge keys (<<) are not supported; write the keys out")
                continue
            if key in out:
                self.error(pos(key_node), f"{_pre(_label(kp))}duplicate key {key!r} (first at line "
                                          f"{pos(out[key][0])[0]}); YAML would silently keep only the last one, remove one")
                continue
            out[key] = pair
        return out

    def _check_MapOf(self, node: yaml.Node, spec: s.MapOf, kp: KeyPath | None) -> dict[str, Checked] | Bad:
        if not isinstance(node, yaml.MappingNode):
            self.error(pos(node), f"{_label(kp)} must be a mapping of names, not {_kind(node)}")
            return BAD
        if spec.nonempty and not node.value:
            self.error(pos(node), f"{_label(kp)} must not be empty")
            return BAD
        out: dict[str, Checked] = {}
        check, value_spec = self.check, spec.value
        for key, (key_node, value_node) in self._keys(node, kp).items():
            if kp is not None:
                self._where[kp + (key, "<key>")] = key_node
            if not _fullmatch(spec.key_pattern, key):
                self.error(pos(key_node), f"{_pre(_label(kp))}the name {key!r} is not valid: use lowercase letters, "
                                          "digits, _ " + ("" if spec.key_pattern == s.PARAM_PATTERN else "and - ")
                                          + "starting with a letter")
                continue
            out[key] = check(value_node, value_spec, None if kp is None else kp + (key,))
        return out

    def _check_TextMap(self, node: yaml.Node, spec: s.TextMap, kp: KeyPath | None) -> dict[str, Checked] | Bad:
        if not isinstance(node, yaml.MappingNode):
            self.error(pos(node), f"{_label(kp)} must be a mapping of label to value, not {_kind(node)}")
            return BAD
        out: dict[str, Checked] = {}
        for key, (_, value_node) in self._keys(node, kp).items():
            value = self.check(value_node, _ANY_TEXT, _at(kp, key))
            if value is not BAD:
                out[key] = value
        return out

    def _check_When(self, node: yaml.Node, spec: s.When, kp: KeyPath | None) -> m.When | Bad:
        if isinstance(node, yaml.ScalarNode):
            value = node.value.replace("-", "") if node.value == "no-data" else node.value
            if value in m.TRENDS:
                return m.When(trend=value)
            if value in m.METRIC_STATES:  # what the check below accepts, without its copy of the node
                return m.When(state=value)
            state = self._check_Enum(yaml.ScalarNode(node.tag, value, node.start_mark, node.end_mark, node.style),
                                     _WHEN_WORD, kp)
            return m.When(state=state) if isinstance(state, str) else BAD
        if isinstance(node, yaml.MappingNode):
            keys = self._keys(node, kp)
            names = sorted(keys)
            if names == ["exit"]:
                return self._when_exit(keys["exit"][1], kp)
            if names == ["output"]:
                regex = self.check(keys["output"][1], _ANY_TEXT, _at(kp, "output"))
                if not isinstance(regex, str):
                    return BAD
                try:
                    re.compile(regex)
                except re.error as exc:
                    self.error(pos(keys["output"][1]), f"{_label(kp)}.output is not a valid regular expression: {exc}")
                    return BAD
                return m.When(output=regex)
            if names in (["state"], ["for", "state"]):
                return self._when_held({k: v for k, (_, v) in keys.items()}, kp)
        self.error(pos(node), f"{_label(kp)} must be a metric state ({', '.join(m.METRIC_STATES)}), a trend "
                              f"({', '.join(m.TRENDS)}), {{state: STATE, for: 5m}}, {{exit: N}}, {{exit: nonzero}} "
                              "or {output: REGEX}")
        return BAD

    def _when_exit(self, node: yaml.Node, kp: KeyPath | None) -> m.When | Bad:
        if isinstance(node, yaml.ScalarNode) and node.value == "nonzero":
            return m.When(nonzero=True)
        if isinstance(node, yaml.ScalarNode) and not _EXIT_CODE(node.value):
            self.error(pos(node), f"{_label(kp)}.exit must be an exit code such as 3, or nonzero for any failure, "
                                  f"not {node.value[:40]!r}")
            return BAD
        code = self.check(node, _ANY_INT, _at(kp, "exit"))
        return m.When(exit=code) if isinstance(code, int) else BAD

    def _when_held(self, nodes: dict[str, yaml.Node], kp: KeyPath | None) -> m.When | Bad:
        state = self.check(nodes["state"], _HELD_STATE, _at(kp, "state"))
        hold: float | None = None
        if "for" in nodes:
            text = self.check(nodes["for"], _HELD_FOR, _at(kp, "for"))
            if not isinstance(text, str):
                return BAD
            hold = float(duration_s(text))
        return m.When(state=state, hold=hold) if isinstance(state, str) else BAD

    def _check_Obj(self, node: yaml.Node, spec: s.Obj, kp: KeyPath | None) -> dict[str, Checked] | Bad:
        if not isinstance(node, yaml.MappingNode):
            self.error(pos(node), f"{_label(kp) or 'a runbook'} must be a mapping, not {_kind(node)}")
            return BAD
        out: dict[str, Checked] = {}
        keys = self._keys(node, kp)
        allowed = spec.fields
        if spec is s.STEP:
            kinds = [k for k in spec.one_of if k in keys]
            if len(kinds) == 1:
                allowed = _STEP_ALLOWED[kinds[0]]
        check = self.check
        for key, (key_node, value_node) in keys.items():
            if kp is not None:
                self._where[kp + (key, "<key>")] = key_node
            field_spec = allowed.get(key)
            if field_spec is None:
                label = _label(kp)
                if key in spec.fields:  # a step field that does not belong to this kind of step
                    kind = next(k for k in spec.one_of if k in allowed)
                    self.error(pos(key_node), f"{_pre(label)}{KINDS[StepKind(kind)].article} {kind} step "
                                              f"has no {key!r} (allowed: {', '.join(sorted(allowed))})")
                else:
                    self.error(pos(key_node), f"{_pre(label)}unknown key {key!r}" + _suggest(key, allowed)
                               + ("" if _suggest(key, allowed) else f" (known keys: {_listing(allowed)})"))
                self._scan_tags(value_node, label)
                continue
            out[key] = check(value_node, field_spec, None if kp is None else kp + (key,))
        present = [k for k in spec.one_of if k in keys]
        if spec.one_of and len(present) != 1:
            what = " or ".join(spec.one_of)
            if not present:
                self.error(pos(node), f"{_label(kp) or self.document} needs one of {what}")
            else:
                self.error(pos(node), f"{_label(kp)} has both {' and '.join(present)}; keep exactly one of {what}")
        for key in spec.required:
            if key not in keys:
                self.error(pos(node), f"{_label(kp) or self.document}: missing required key {key!r}")
        if spec is s.STEP and len(present) == 1:
            for key in s.STEP_REQUIRED[present[0]]:
                if key not in keys:
                    self.error(pos(node), f"{_label(kp)}: {KINDS[StepKind(present[0])].article} "
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


# Each spec type's check (by exact type: the spec classes have no subclasses).
_CHECKS: dict[type[s.Spec], Callable[..., Checked]] = {
    s.Text: Checker._check_Text, s.Obj: Checker._check_Obj, s.MapOf: Checker._check_MapOf,
    s.ListOf: Checker._check_ListOf, s.Enum: Checker._check_Enum, s.Number: Checker._check_Number,
    s.Int: Checker._check_Int, s.Bool: Checker._check_Bool, s.When: Checker._check_When,
    s.TextMap: Checker._check_TextMap,
}


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

    def refs(text: Checked | None, allowed: Collection[str], kp: KeyPath, what: str) -> None:
        if not isinstance(text, str) or "${" not in text or not sections_ok["params"]:
            return  # every placeholder has a ${ in it
        for name in placeholders(text):
            if name not in allowed and not is_env_name(name):  # ${env.NAME}: config.yaml's, known when it runs
                known = set(allowed)
                c.error(at(*kp), f"${{{name}}} names no {what}" + _suggest(name, known)
                        + ("" if _suggest(name, known) else f" (known: {_listing(sorted(known))})"))
        if ":-" in text:
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

    bare = _bare_defaults(params)  # the defaults as they are with no environment
    for name, metric in metrics.items():
        if not isinstance(metric, dict):
            continue
        refs(metric.get("query"), params, ("metrics", name, "query"), "parameter")
        _stray(c, metric.get("query"), ("metrics", name, "query"), at)
        _query_defaults(c, name, metric.get("query"), bare, at)
        warn, crit = metric.get("warn"), metric.get("crit")
        if isinstance(warn, float) and isinstance(crit, float):
            below = metric.get("direction") == "below"
            if (warn < crit) if below else (warn > crit):
                c.error(at("metrics", name, "warn"),
                        f"metrics.{name}: warn {warn:g} is {'below' if below else 'above'} crit {crit:g}; "
                        f"with direction {'below' if below else 'above'} the warning line comes before the critical one")

    dashed = any(dv.startswith("-") for dv in bare.values())  # what _dash_defaults can report
    for name, cmd in commands.items():
        if not isinstance(cmd, dict):
            continue
        for i, arg in enumerate(items(cmd.get("run"))):
            if isinstance(arg, str) and "${" in arg:  # (refs says nothing of text without a placeholder)
                refs(arg, params, ("commands", name, "run", i), "parameter")
                _stray(c, arg, ("commands", name, "run", i), at)
        shell = cmd.get("shell")
        refs(shell, params, ("commands", name, "shell"), "parameter")
        if isinstance(shell, str) and sections_ok["params"]:
            _shell_uses(c, name, shell, params)
            if "$${env." in shell:  # bash would get ${env.…}, a name it cannot read ("bad substitution")
                c.error(at("commands", name, "shell"), f"commands.{name}.shell: $${{env.…}} hands bash "
                        "${env.…}, which it cannot read; write ${env.NAME} for the environment's var")
            for var, texts in env_fallbacks(shell).items():
                if len(set(texts)) > 1:  # the script reads one variable for it: one value when it has none
                    c.error(at("commands", name, "shell"),
                            f"commands.{name}.shell: ${{{var}:-…}} has different fallbacks "
                            f"({', '.join(repr(t) for t in dict.fromkeys(texts))}); give it one")
        if dashed:
            _dash_defaults(c, name, cmd, params, bare, at)
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

    def target(value: Checked | None, kp: KeyPath) -> None:
        if not isinstance(value, str):
            return
        if value.startswith(m.JUMP_PREFIX):
            if not _fullmatch(s.ID_PATTERN, value[len(m.JUMP_PREFIX):]):
                c.error(at(*kp), f"{_label(kp)} {value!r}: write runbook: followed by a runbook id")
        elif value not in step_names:
            c.error(at(*kp), f"{_label(kp)}: no step named {value!r}" + _suggest(value, step_names)
                    + ("" if _suggest(value, step_names) else f" (steps: {_listing(steps)})"))

    start = d.get("start")
    if isinstance(start, str) and start not in step_names:
        c.error(at("start"), f"start: no step named {start!r}" + _suggest(start, step_names))

    for sid, step in steps.items():
        if not isinstance(step, dict):
            continue
        label = f"steps.{sid}"  # in messages, as are the key paths below (_label)
        for key in ("ask", "do", "detail", "say"):
            text = step.get(key)
            if isinstance(text, str) and "${" in text:
                refs(text, text_names, ("steps", sid, key), "parameter or metric")
        for i, item in enumerate(items(step.get("checklist"))):
            if isinstance(item, str) and "${" in item:
                refs(item, text_names, ("steps", sid, "checklist", i), "parameter or metric")
        shown = step.get("metric")
        if isinstance(shown, str) and sections_ok["metrics"] and shown not in metrics:
            c.error(at("steps", sid, "metric"), f"{label}.metric: no metric named {shown!r}"
                    + _suggest(shown, metrics) + ("" if _suggest(shown, metrics) else f" (metrics: {_listing(metrics)})"))
        command_names: list[tuple[str, KeyPath]] = []
        command = step.get("command")
        if isinstance(command, str):
            command_names.append((command, ("steps", sid, "command")))
        command_names += [(n, ("steps", sid, "commands", i))
                          for i, n in enumerate(items(step.get("commands"))) if isinstance(n, str)]
        for name, kp in command_names:
            if sections_ok["commands"] and name not in commands:
                c.error(at(*kp), f"{_label(kp)}: no command named {name!r}" + _suggest(name, commands)
                        + ("" if _suggest(name, commands) else f" (commands: {_listing(commands)})"))
        target(step.get("next"), ("steps", sid, "next"))
        choices = items(step.get("choices"))
        if len(choices) > 9:
            c.error(at("steps", sid, "choices", 9), f"{label}: at most 9 choices (keys 1-9); split the question")
        for i, choice in enumerate(choices):
            if not isinstance(choice, dict):
                continue
            choice_label = choice.get("label")
            if isinstance(choice_label, str) and "${" in choice_label:
                refs(choice_label, text_names, ("steps", sid, "choices", i, "label"), "parameter or metric")
            target(choice.get("next"), ("steps", sid, "choices", i, "next"))
            when = choice.get("when")
            if isinstance(when, m.When):
                clabel = f"{label}.choices[{i + 1}]"
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


def _stray(c: Checker, text: Checked | None, kp: KeyPath, at: At) -> None:
    """Where oncall fills values itself (an argv, a query), a `${...}` it does not fill stays as written."""
    if not isinstance(text, str) or "${" not in text:
        return
    for token in stray_expansions(text):
        c.error(at(*kp), f"{_label(kp)}: {token} is not filled in here (it would stay as these characters); "
                "write ${name} for a parameter (its default is in params), ${env.NAME:-text} for an "
                "environment's var with a fallback, or $${ for a literal ${")


def _bare_defaults(params: Mapping[str, Checked]) -> dict[str, str]:
    """Each parameter's default as it is with no environment and nothing typed (Runbook.default_params()):
    a plain one as written, `${env.namespace:-ml-prod}` its fallback, `${model}-predictor` filled in."""
    plain = {n: d for n, p in params.items() if isinstance(d := mapping(p).get("default"), str) and "${" not in d}
    out = dict(plain)
    for n, p in params.items():
        default = mapping(p).get("default")
        if isinstance(default, str) and "${" in default and (value := derived_default(default, plain)):
            out[n] = value
    return out


def _shell_uses(c: Checker, name: str, template: str, params: Mapping[str, Checked]) -> None:
    """Each use of a parameter in a shell script that could turn its value into code, at its own line."""
    script = shell_text(template)
    for use in param_uses(script, [*params, *shell_env_names(template)]):
        if use.problem is None:
            continue
        node = c.where.get(("commands", name, "shell"))  # positions are recorded only when one is needed
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


def _query_defaults(c: Checker, name: str, query: Checked | None, defaults: Mapping[str, str], at: At) -> None:
    """A default (as _bare_defaults gives it) that could not go into the query where it is used would fail
    every poll: say so now."""
    if not isinstance(query, str):
        return
    for pname in dict.fromkeys(placeholders(query)):
        if pname not in defaults:
            continue
        try:
            render_query(query, {**dict.fromkeys(placeholders(query), "x"), pname: defaults[pname]})
        except RenderError as exc:
            c.error(at("params", pname, "default"), f"params.{pname}.default cannot go into metrics.{name}.query: {exc}")
    if ":-" in query and (fallbacks := env_fallbacks(query)):  # as with no environment: every fallback in place
        try:
            render_query(query, {n: "x" for n in placeholders(query) if n not in fallbacks})
        except RenderError as exc:
            c.error(at("metrics", name, "query"), f"metrics.{name}.query: a fallback cannot go where it stands "
                    f"(used when the environment sets no such var): {exc}")


def _dash_defaults(c: Checker, name: str, cmd: dict[str, Checked], params: Mapping[str, Checked],
                   bare: Mapping[str, str], at: At) -> None:
    """A default (as _bare_defaults gives it) that starts with '-' would be refused whenever the command runs:
    say so now."""
    run = cmd.get("run")
    texts = run if isinstance(run, list) else [cmd.get("shell")]
    used = {n for t in texts if isinstance(t, str) for n in placeholders(t)}
    for pname in sorted(used):
        p = mapping(params.get(pname))
        default, pattern = bare.get(pname), p.get("pattern")
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
        kind = next(k for k in _STEP_KINDS if k in st)
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
        data = checker.check_document(node, s.RUNBOOK)
        if isinstance(data, dict):
            _semantics(checker, data)
        problems = sorted(checker.problems, key=lambda p: (p.line, p.col))
        if any(p.is_error for p in problems) or not isinstance(data, dict):
            return None, problems
        where = path if isinstance(path, Path) else Path(path) if path != "<runbook>" else None
        return _build(data, where), problems
    except Exception as exc:  # a bug of ours must not stop the other runbooks from loading
        return None, [Problem(name, 1, 1, f"internal error while validating ({type(exc).__name__}: {exc}); "
                                          "please report it with this file")]


def load_runbook_file(path: Path) -> tuple[m.Runbook | None, list[Problem]]:
    text, problems = read_text(path)
    if text is None:
        return None, problems
    return validate_text(text, path)
