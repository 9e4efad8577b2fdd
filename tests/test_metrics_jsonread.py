"""The sliced JSON reader agrees with `json.loads` on every input, and never raises RecursionError."""

from __future__ import annotations

import json
import math

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


def test_each_series_is_read_as_it_comes_and_the_first_bad_one_is_named_afterwards() -> None:
    from tui.metrics import jsonread
    from tui.metrics.readings import Points
    from tui.metrics.shapes import SeriesReader, Unreadable, prometheus_result

    good = '{"metric": {"a": "1"}, "values": [[1, "0.5"], [2, "NaN"]]}'
    bad = '{"metric": {"a": "2"}, "values": [[1, "0.5"], [2, 3]]}'
    text = '{"status": "success", "data": {"resultType": "matrix", "result": [' + good + ", " + bad + "]}}"
    reader = SeriesReader()
    body = jsonread.loads(text, each=reader, at=SeriesReader.AT)
    assert body["data"]["result"] == [None, None]  # nothing of a series stays in the parsed reply
    assert reader.count == 2 and reader.problem is not None
    with pytest.raises(Unreadable, match="the value of a sample of series 2 is a number"):
        prometheus_result(body, reader)

    reader = SeriesReader()
    body = jsonread.loads(text.replace(", " + bad, ""), each=reader, at=SeriesReader.AT)
    _, (series,), _ = prometheus_result(body, reader)
    assert isinstance(series.points, Points) and series.points[0] == (1.0, 0.5) and math.isnan(series.last)
    # Only the list at data.result is handed over; another list at the same depth is parsed as it is.
    other = SeriesReader()
    assert jsonread.loads('{"x": {"result": [{"values": [[1, "2"]]}]}}', each=other, at=SeriesReader.AT) == {
        "x": {"result": [{"values": [[1, "2"]]}]}}
    assert other.count == 0


def test_a_reply_that_names_its_type_after_its_result_is_read_the_same() -> None:
    from tui.metrics import jsonread
    from tui.metrics.shapes import SeriesReader, Unreadable, prometheus_result

    late = '{"status": "success", "data": {"result": [{"metric": {}, "value": [1, "2"]}], "resultType": "vector"}}'
    reader = SeriesReader()
    rtype, (series,), _ = prometheus_result(jsonread.loads(late, each=reader, at=SeriesReader.AT), reader)
    assert rtype == "vector" and series.last == 2.0
    twice = ('{"status": "success", "data": {"resultType": "vector", "result": [{"metric": {}, "value": [1, "2"]}],'
             ' "resultType": "matrix"}}')
    reader = SeriesReader()
    with pytest.raises(Unreadable, match="given twice"):
        prometheus_result(jsonread.loads(twice, each=reader, at=SeriesReader.AT), reader)

