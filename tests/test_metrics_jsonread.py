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


def test_each_series_is_compacted_as_it_is_read_and_a_bad_one_is_left_for_the_check() -> None:
    from tui.metrics import jsonread
    from tui.metrics.readings import Points
    from tui.metrics.shapes import Unreadable, compact_series, prometheus_result

    good = '{"metric": {"a": "1"}, "values": [[1, "0.5"], [2, "NaN"]]}'
    bad = '{"metric": {"a": "2"}, "values": [[1, "0.5"], [2, 3]]}'
    text = '{"status": "success", "data": {"resultType": "matrix", "result": [' + good + ", " + bad + "]}}"
    body = jsonread.loads(text, each=compact_series)
    first, second = body["data"]["result"]
    assert isinstance(first["values"], Points) and first["values"][0] == (1.0, 0.5)
    assert isinstance(second["values"], list)  # left as sent: the check names what is wrong
    with pytest.raises(Unreadable, match="the value of a sample of series 2 is a number"):
        prometheus_result(body)
    assert jsonread.loads('{"x": [{"values": [[1, "2"]]}]}', each=compact_series) == {"x": [{"values": [[1, "2"]]}]}
