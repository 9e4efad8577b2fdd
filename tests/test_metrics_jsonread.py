"""The sliced JSON reader agrees with `json.loads` on every input, and never raises RecursionError."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tui.metrics.jsonread import JSONTooDeep, loads

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=30)


@given(JSON, st.sampled_from([None, 0, 2]), st.integers(0, 5))
def test_same_value_as_json_loads(value, indent, split_depth):
    text = json.dumps(value, indent=indent)
    assert loads(text, split_depth) == json.loads(text)
    assert loads(text.encode(), split_depth) == json.loads(text)


@given(st.text(alphabet='[]{}",:01 a\n', max_size=30), st.integers(0, 4))
def test_refuses_what_json_loads_refuses(text, split_depth):
    try:
        expected = json.loads(text)
    except ValueError:
        with pytest.raises(ValueError):
            loads(text, split_depth)
    else:
        assert loads(text, split_depth) == expected


@pytest.mark.parametrize("text", ["[" * 200_000 + "]" * 200_000, '{"a":' * 200_000 + "1" + "}" * 200_000,
                                  '{"data": {"result": [' + "[" * 200_000])
def test_deep_nesting_is_a_value_error(text):
    with pytest.raises(JSONTooDeep):
        loads(text)
