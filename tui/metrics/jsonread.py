"""JSON from a server, parsed in slices: linear time, no stack exhaustion, and the GIL let go often.

The outer containers (down to `split_depth`) are walked here with an explicit
stack; every value below them (a Prometheus series, a label value) is decoded
by the C decoder in one call. So a thread parsing a 20 MB reply returns to the
interpreter between values, and the event loop gets the GIL back every few
milliseconds instead of waiting out one 300 ms `json.loads` call. Nesting deep
enough to exhaust the C decoder's recursion limit (a reply nested 200,000
levels) is a `JSONTooDeep`, a ValueError like every other malformed input.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

_SKIP = re.compile(r"[ \t\n\r]*")
_DECODE = json.JSONDecoder().raw_decode
# Prometheus: {…"data": {…"result": [ series… ]}}: each series is one C call.
DEFAULT_SPLIT_DEPTH = 3


class JSONTooDeep(ValueError):
    pass


# each(element, holder): what to store in place of one element of the list at a key path; `holder`
# is the mapping that list belongs to, as read so far (keys written before the list are in it).
Each = Callable[[Any, dict[str, Any]], Any]


def loads(text: str | bytes, split_depth: int = DEFAULT_SPLIT_DEPTH, *,
          each: Each | None = None, at: tuple[str, ...] = ()) -> Any:
    """`json.loads`, walking containers above `split_depth` in Python; raises ValueError on bad input.

    `each` sees every element of the list at key path `at` (("data", "result"): each Prometheus
    series) the moment it is decoded, and what it returns is stored instead, so a reader can keep
    what it needs of each element before the next one is read. `at` must end above `split_depth`."""
    if each is not None and len(at) + 1 != split_depth:
        raise ValueError("jsonread: `at` must name the containers down to split_depth")
    if isinstance(text, (bytes, bytearray)):
        text = bytes(text).decode("utf-8")  # UnicodeDecodeError is a ValueError
    try:
        return _walk(text, split_depth, each, at)
    except RecursionError:
        raise JSONTooDeep("nested too deeply") from None


def _key(text: str, i: int) -> tuple[str, int]:
    if text[i:i + 1] != '"':
        raise ValueError(f"expected a key at {i}")
    key, i = _DECODE(text, i)
    i = _SKIP.match(text, i).end()  # type: ignore[union-attr]
    if text[i:i + 1] != ":":
        raise ValueError(f"expected ':' at {i}")
    return key, _SKIP.match(text, i + 1).end()  # type: ignore[union-attr]


def _walk(text: str, split_depth: int, each: Each | None, at: tuple[str, ...]) -> Any:
    skip = _SKIP.match
    stack: list[tuple[Any, str | None]] = []  # (open container, the key its next value goes to)
    key: str | None
    i = skip(text, 0).end()  # type: ignore[union-attr]
    while True:
        # A value starts at i.
        opener = text[i:i + 1]
        if opener in ("{", "[") and len(stack) < split_depth:
            i = skip(text, i + 1).end()  # type: ignore[union-attr]
            if opener == "{":
                if text[i:i + 1] != "}":
                    first, i = _key(text, i)
                    stack.append(({}, first))
                    continue
                value: Any = {}
            else:
                if text[i:i + 1] != "]":
                    stack.append(([], None))
                    continue
                value = []
            i += 1
        else:
            value, i = _DECODE(text, i)
        # Put the value in its container; close every container that ends here.
        while True:
            i = skip(text, i).end()  # type: ignore[union-attr]
            if not stack:
                if i != len(text):
                    raise ValueError(f"extra data at {i}")
                return value
            container, key = stack[-1]
            if key is None:
                if each is not None and len(stack) == split_depth and _on_path(stack, at):
                    value = each(value, stack[-2][0])
                container.append(value)
            else:
                container[key] = value
            sep = text[i:i + 1]
            if sep == ",":
                i = skip(text, i + 1).end()  # type: ignore[union-attr]
                if key is not None:
                    following, i = _key(text, i)
                    stack[-1] = (container, following)
                break
            if sep != ("]" if key is None else "}"):
                raise ValueError(f"expected ',' or a closing bracket at {i}")
            stack.pop()
            value = container
            i += 1


def _on_path(stack: list[tuple[Any, str | None]], at: tuple[str, ...]) -> bool:
    """True when the list on top of `stack` is the one at key path `at` (a mapping holds each step)."""
    return all(isinstance(stack[i][0], dict) and stack[i][1] == key for i, key in enumerate(at))
