"""No input, however malformed, makes the validator raise or report an internal error."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tui.runbook.validate import validate_text

VALID = (Path(__file__).parent / "data" / "runbooks" / "serving-errors.yaml").read_text()
BASE = yaml.safe_load(VALID)
TAGS = ["!!python/object/apply:os.system ['true']", "!!python/name:os.system", "!custom x", "!!binary aGk=",
        "!!set {a: null}", "!!omap [a: 1]", "!!int notanint", "!!float 1.5"]
JUNK = st.one_of(st.none(), st.integers(), st.floats(allow_nan=True), st.booleans(), st.text(max_size=20),
                 st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=5), st.integers(), max_size=2))


def _paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    out = [prefix] if prefix else []
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, prefix + (i,))
    return out


PATHS = _paths(BASE)


def _mutate(doc: Any, path: tuple, action: str, junk: Any) -> Any:
    import copy

    doc = copy.deepcopy(doc)
    parent = doc
    for part in path[:-1]:
        parent = parent[part]
    last = path[-1]
    if action == "drop":
        del parent[last]
    else:
        parent[last] = junk
    return doc


def _assert_clean(text: str) -> None:
    runbook, problems = validate_text(text, "fuzz.yaml")
    assert not any("internal error" in p.message for p in problems), [str(p) for p in problems]
    if runbook is None:
        assert any(p.is_error for p in problems)
    for p in problems:
        assert p.line >= 1 and p.col >= 1 and p.message


common = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@common
@given(st.sampled_from(PATHS), st.sampled_from(["drop", "replace"]), JUNK)
def test_dropped_keys_and_changed_types(path: tuple, action: str, junk: Any) -> None:
    _assert_clean(yaml.safe_dump(_mutate(BASE, path, action, junk), allow_unicode=True))


@common
@given(st.integers(min_value=0, max_value=len(VALID)))
def test_truncated_files(cut: int) -> None:
    _assert_clean(VALID[:cut])


@common
@given(st.integers(min_value=0, max_value=VALID.count("\n") - 1), st.sampled_from(TAGS))
def test_tags_inserted_anywhere(line: int, tag: str) -> None:
    lines = VALID.splitlines()
    head, sep, tail = lines[line].partition(": ")
    lines[line] = f"{head}: {tag} {tail}" if sep else f"{lines[line]} {tag}"
    text = "\n".join(lines)
    runbook, _ = validate_text(text, "fuzz.yaml")
    _assert_clean(text)
    if runbook is not None:  # accepted: then no node may carry an unsafe tag
        assert not any("python" in tag for tag in _tags(text)), "a python tag was accepted"


def _tags(text: str) -> list[str]:
    try:
        root = yaml.compose(text, Loader=yaml.BaseLoader)
    except yaml.YAMLError:
        return []
    found, stack = [], [root]
    while stack:
        node = stack.pop()
        found.append(node.tag)
        if isinstance(node, yaml.SequenceNode):
            stack += node.value
        elif isinstance(node, yaml.MappingNode):
            stack += [n for pair in node.value for n in pair]
    return found


@common
@given(st.binary(max_size=300))
def test_arbitrary_bytes(data: bytes) -> None:
    _assert_clean(data.decode("utf-8", errors="replace"))


@common
@given(st.integers(min_value=0, max_value=len(VALID) - 1), st.text(min_size=1, max_size=5))
def test_random_insertions(at: int, junk: str) -> None:
    _assert_clean(VALID[:at] + junk + VALID[at:])
