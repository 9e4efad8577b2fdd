"""The validator's two structural passes agree on every document.

`Checker.check_document` first runs a quick pass (no key paths, no positions, stopping at the
first problem) and runs the exact pass only when there is one; a valid document's positions
are recorded by an exact pass when something first asks. Whatever the document, the quick
route must give what the exact pass alone gives: the same data, problems and positions.
The loader's resolver, which skips PyYAML's own, must give the nodes PyYAML's Base loader gives.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tui.runbook import spec as s
from tui.runbook.loader import compose, compose_all
from tui.runbook.validate import Checker

DATA = Path(__file__).parent / "data"
FILES = sorted((DATA / "runbooks").glob("*.yaml")) + sorted((DATA / "broken").glob("*.yaml"))
BASE = yaml.safe_load((DATA / "runbooks" / "serving-errors.yaml").read_text())


def _passes(text: str) -> tuple[tuple[Any, ...], tuple[Any, ...]] | None:
    node, _ = compose(text, "t.yaml")
    if node is None:
        return None
    quick = Checker("t.yaml", text)
    quick_data = quick.check_document(node, s.RUNBOOK)
    exact = Checker("t.yaml", text)
    exact_data = exact.check(node, s.RUNBOOK, ())
    return (quick_data, quick.problems, quick.where), (exact_data, exact.problems, exact.where)


@pytest.mark.parametrize("path", [p for p in FILES if compose(p.read_text(), str(p))[0] is not None],
                         ids=lambda p: f"{p.parent.name}/{p.name}")
def test_quick_pass_agrees_with_the_exact_pass(path: Path) -> None:
    both = _passes(path.read_text())
    assert both is not None
    quick, exact = both
    assert quick[0] == exact[0]
    assert [str(p) for p in quick[1]] == [str(p) for p in exact[1]]
    assert quick[2] == exact[2] and exact[2]  # the same nodes at the same key paths


def test_a_valid_document_records_positions_only_when_asked() -> None:
    text = (DATA / "runbooks" / "serving-errors.yaml").read_text()
    node, _ = compose(text, "t.yaml")
    assert node is not None
    checker = Checker("t.yaml", text)
    checker.check_document(node, s.RUNBOOK)
    assert checker.problems == [] and checker._where == {}
    start = checker.where[("steps", "decide", "choices", 1, "next")].start_mark
    assert (start.line + 1, start.column + 1) == (55, 36)  # the quoted `"runbook:fix-forward"`


_JUNK = st.one_of(st.none(), st.integers(), st.booleans(), st.text(max_size=12),
                  st.lists(st.text(max_size=4), max_size=3), st.dictionaries(st.text(max_size=5), st.integers(), max_size=2))


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, (*prefix, i))
    return out


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(_paths(BASE)), st.sampled_from(["drop", "set"]), _JUNK), max_size=3))
def test_passes_agree_on_mutated_runbooks(changes: list[tuple[tuple[Any, ...], str, Any]]) -> None:
    doc = copy.deepcopy(BASE)
    for path, action, junk in changes:
        parent = doc
        try:
            for part in path[:-1]:
                parent = parent[part]
            if action == "drop":
                del parent[path[-1]]
            else:
                parent[path[-1]] = junk
        except (KeyError, IndexError, TypeError):
            continue  # an earlier change removed or replaced this place
    both = _passes(yaml.safe_dump(doc, sort_keys=False))
    assert both is not None
    quick, exact = both
    assert quick[0] == exact[0]
    assert [str(p) for p in quick[1]] == [str(p) for p in exact[1]]
    assert quick[2] == exact[2]


def _shape(node: yaml.Node) -> Any:
    mark = (node.start_mark.index, node.start_mark.line, node.start_mark.column, node.end_mark.index)
    if isinstance(node, yaml.ScalarNode):
        return ("scalar", node.tag, node.value, node.style, mark)
    if isinstance(node, yaml.SequenceNode):
        return ("seq", node.tag, node.flow_style, mark, [_shape(v) for v in node.value])
    return ("map", node.tag, node.flow_style, mark, [(_shape(k), _shape(v)) for k, v in node.value])


REFERENCE = getattr(yaml, "CBaseLoader", yaml.BaseLoader)  # the loader before: the same parser, PyYAML's resolver
TAGGED = """\
a: !!int 3
b: ! quoted
c: !custom x
d: &anchor {x: [1, "2", '3', null, ~]}
e: *anchor
f: !!python/name:os.system
g: |
  block
---
- !!str 1
- !!map {k: v}
- !!seq [1]
"""


@pytest.mark.parametrize("path", [*FILES, "tagged"], ids=lambda p: p if isinstance(p, str) else p.name)
def test_loader_nodes_are_pyyamls(path: Path | str) -> None:
    text = TAGGED if path == "tagged" else Path(path).read_text()
    ours, problems = compose_all(text, "t.yaml")
    try:
        reference = [n for n in yaml.compose_all(text, Loader=REFERENCE) if n is not None]
    except yaml.YAMLError:
        assert problems and not ours
        return
    assert not problems
    assert [_shape(n) for n in ours] == [_shape(n) for n in reference]
