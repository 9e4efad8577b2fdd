"""The shape of a server's JSON, checked before it is used: a wrong type is a sentence, never a traceback.

Each check raises `Unreadable` with a short phrase naming what was wrong
("the labels of series 3 are not a mapping"); the client puts it into
"… sent a reply oncall cannot read: <phrase>; …". Everything is one linear pass.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Mapping
from typing import Any

from tui.metrics.readings import Points, Series

MAX_WARNINGS = 20  # the engine's warnings kept per reply (each is one line on screen)
_RESULT_TYPES = ("vector", "matrix", "scalar", "string")


class Unreadable(ValueError):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _type(value: Any) -> str:
    return {dict: "a mapping", list: "a list", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(value), "a number" if isinstance(value, (int, float)) else type(value).__name__)


def string_map(value: Any, what: str) -> Mapping[str, str]:
    """A JSON object of string values (None counts as empty); JSON keys are always strings."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise Unreadable(f"{what} are {_type(value)}, not a mapping")
    for key, item in value.items():
        if not isinstance(item, str):
            raise Unreadable(f"{what} have {key[:60]!r} as {_type(item)}, not a string")
    return value


def string_list(value: Any, what: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise Unreadable(f"{what} is {_type(value)}, not a list")
    for item in value:
        if not isinstance(item, str):
            raise Unreadable(f"{what} holds {_type(item)}, not only strings")
    return tuple(value)


def text(value: Any, what: str, default: str = "") -> str:
    if value is None:
        return default
    if not isinstance(value, str):
        raise Unreadable(f"{what} is {_type(value)}, not a string")
    return value


def mapping(value: Any, what: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise Unreadable(f"{what} is {_type(value)}, not a mapping")
    return value


def _point(pair: Any, what: str) -> tuple[float, float]:
    """[unix time, "value"]; float() reads "NaN", "+Inf", "-Inf" as Prometheus writes them."""
    if not isinstance(pair, list) or len(pair) != 2:
        raise Unreadable(f"{what} is {_type(pair)} of {len(pair)}, not a [time, value] pair"
                         if isinstance(pair, list) else f"{what} is {_type(pair)}, not a [time, value] pair")
    ts, value = pair
    if isinstance(ts, bool) or not isinstance(ts, (int, float)) or not math.isfinite(ts):
        raise Unreadable(f"the time of {what} is {_type(ts)}, not a number")
    if not isinstance(value, str):
        raise Unreadable(f"the value of {what} is {_type(value)}, not a string")
    try:
        return float(ts), float(value)
    except ValueError:
        raise Unreadable(f"the value of {what} is not a number ({value[:40]!r})") from None


def _series(item: Any, index: int, matrix: bool) -> Series:
    where = f"series {index + 1}"
    if not isinstance(item, dict):
        raise Unreadable(f"{where} is {_type(item)}, not a mapping")
    labels = string_map(item.get("metric"), f"the labels of {where}")
    key = "values" if matrix else "value"
    if key not in item:
        if "histogram" in item or "histograms" in item:
            raise Unreadable(f"{where} is a native histogram, not a number (query a histogram_quantile)")
        raise Unreadable(f"{where} has no {key}")
    if not matrix:
        return Series(labels, (_point(item["value"], f"the sample of {where}"),))
    values = item["values"]
    if isinstance(values, Points):  # compacted while the reply was read (compact_series), checked then
        return Series(labels, values)
    if not isinstance(values, list):
        raise Unreadable(f"the values of {where} are {_type(values)}, not a list")
    times, numbers = array("d"), array("d")
    what = f"a sample of {where}"
    for pair in values:
        ts, value = _point(pair, what)
        times.append(ts)
        numbers.append(value)
    return Series(labels, Points(times, numbers))


def compact_series(item: Any) -> Any:
    """A range series with its samples as Points, the moment it is read: the reply's 600,000 little
    [time, "value"] lists then die young, one series at a time, instead of all living until the reply is
    whole (their collection held the interpreter 100 ms and more). Anything malformed is left as it is,
    for `_series` to name."""
    if not isinstance(item, dict) or not isinstance(item.get("values"), list):
        return item
    times, numbers = array("d"), array("d")
    try:
        for pair in item["values"]:
            ts, value = _point(pair, "")
            times.append(ts)
            numbers.append(value)
    except Unreadable:
        return item
    item["values"] = Points(times, numbers)
    return item


def is_partial(body: dict[str, Any]) -> bool:
    """VictoriaMetrics' `isPartial: true` (its cluster answered without every storage node)."""
    flag = body.get("isPartial")
    if flag is not None and not isinstance(flag, bool):
        raise Unreadable(f"the isPartial field is {_type(flag)}, not a boolean")
    return flag is True


def prometheus_result(body: dict[str, Any]) -> tuple[str, tuple[Series, ...], tuple[str, ...]]:
    """(resultType, series, warnings) of a success reply whose `data` is a mapping."""
    # Prometheus 2.x and Thanos say "may be incomplete" in `warnings`; Prometheus 3 puts mere hints in `infos`.
    warnings = string_list(body.get("warnings"), "the warnings field")[:MAX_WARNINGS]
    data = body["data"]
    rtype = data.get("resultType")
    if rtype not in _RESULT_TYPES:
        shown = repr(rtype[:40]) if isinstance(rtype, str) else _type(rtype)
        raise Unreadable(f"the result type is {shown}, not vector, matrix or scalar")
    result = data.get("result")
    if rtype == "scalar":
        return rtype, (Series({}, (_point(result, "the scalar"),)),), warnings
    if rtype == "string":
        return rtype, (), warnings
    if not isinstance(result, list):
        raise Unreadable(f"the {rtype} result is {_type(result)}, not a list")
    matrix = rtype == "matrix"
    return rtype, tuple(_series(item, i, matrix) for i, item in enumerate(result)), warnings
