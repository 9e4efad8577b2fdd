"""Parse YAML into position-carrying nodes, safely.

We compose nodes and never construct Python objects from tags, so `!!python/...`
can never run code. The Base resolver keeps every scalar as the text written
(`No` stays No, `0800` stays 0800); the validator decides types by the schema.
libyaml's parser is used when present (about 10x faster than pure Python).
"""

from __future__ import annotations

import yaml

from tui.runbook.problem import Problem  # also imported from here by older callers

STR_TAG = "tag:yaml.org,2002:str"
MAP_TAG = "tag:yaml.org,2002:map"
SEQ_TAG = "tag:yaml.org,2002:seq"
_DEFAULT_TAGS = {yaml.ScalarNode: STR_TAG, yaml.SequenceNode: SEQ_TAG, yaml.MappingNode: MAP_TAG}


class _PlainResolver:
    """The Base resolver's answers without its work: it has no implicit or path resolvers, so an untagged
    node is always str, seq or map. PyYAML calls these three for every node, from C when libyaml is used:
    a third of composing a runbook went to them."""

    def resolve(self, kind: type[yaml.Node], value: object, implicit: object) -> str:
        return _DEFAULT_TAGS[kind]

    def descend_resolver(self, current_node: object, current_index: object) -> None:
        pass

    def ascend_resolver(self) -> None:
        pass


# libyaml's parser when PyYAML was built with it (about 10x faster), the pure-Python one otherwise.
if hasattr(yaml, "CBaseLoader"):
    class _Loader(_PlainResolver, yaml.CBaseLoader):
        pass
else:  # pragma: no cover - PyYAML without libyaml
    class _Loader(_PlainResolver, yaml.BaseLoader):  # type: ignore[no-redef]
        pass


NULL_WORDS = frozenset({"", "~", "null", "Null", "NULL"})
# Explicit standard tags that keep a value plain data; anything else is refused.
SAFE_TAGS = frozenset({STR_TAG, MAP_TAG, SEQ_TAG} | {
    f"tag:yaml.org,2002:{t}" for t in ("int", "float", "bool", "null", "timestamp")
})


def compose(text: str, path: str) -> tuple[yaml.Node | None, list[Problem]]:
    """The document's root node, or None with the reason as a problem."""
    nodes, problems = _compose(text, path, every=False)
    if problems:
        return None, problems
    if not nodes:
        return None, [Problem(path, 1, 1, "the file is empty; a runbook needs at least id, title and steps")]
    return nodes[0], []


def compose_all(text: str, path: str) -> tuple[list[yaml.Node], list[Problem]]:
    """Every document's root node (Kubernetes manifests hold several, separated by ---)."""
    return _compose(text, path, every=True)


def _compose(text: str, path: str, *, every: bool) -> tuple[list[yaml.Node], list[Problem]]:
    try:
        if every:
            return [n for n in yaml.compose_all(text, Loader=_Loader) if n is not None], []
        node = yaml.compose(text, Loader=_Loader)
        return ([node] if node is not None else []), []
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        what = exc.problem or exc.context or "invalid YAML"
        return [], [Problem(path, line, col, f"YAML syntax error: {what}; fix the YAML at this position")]
    except yaml.reader.ReaderError as exc:
        return [], [Problem(path, 1, exc.position + 1, f"unreadable character: {exc.reason}; save the file as UTF-8")]
    except yaml.YAMLError as exc:
        return [], [Problem(path, 1, 1, f"YAML error: {str(exc).splitlines()[0]}")]
    except RecursionError:
        return [], [Problem(path, 1, 1, "YAML nests too deeply; a runbook is a few levels deep")]


def pos(node: yaml.Node) -> tuple[int, int]:
    mark = node.start_mark
    return mark.line + 1, mark.column + 1


def is_null(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.style in (None, "") and node.value in NULL_WORDS


def is_plain(node: yaml.Node) -> bool:
    """A scalar written without quotes (so `true` and `3` are words, not text)."""
    return isinstance(node, yaml.ScalarNode) and node.style in (None, "")
