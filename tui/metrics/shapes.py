"""The shape of a server's JSON, checked before it is used: a wrong type is a sentence, never a traceback.

Each check raises `Unreadable` with a short phrase naming what was wrong
("the labels of series 3 are not a mapping"); the client puts it into
"… sent a reply oncall cannot read: <phrase>; …". Everything is one linear pass.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Mapping
from typing import Any, Protocol

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
    if not isinstance(values, list):
        raise Unreadable(f"the values of {where} are {_type(values)}, not a list")
    times, numbers = array("d"), array("d")
    what = f"a sample of {where}"
    for pair in values:
        ts, value = _point(pair, what)
        times.append(ts)
        numbers.append(value)
    return Series(labels, Points(times, numbers))


class Keep(Protocol):
    """Where a reader puts each series it has checked (tui.metrics.readings.WorstSeries keeps the worst)."""

    returned: int  # series with a sample offered so far

    def offer(self, series: Series) -> None: ...

    def kept(self) -> tuple[Series, ...]: ...


class _All:
    def __init__(self) -> None:
        self.returned = 0
        self._series: list[Series] = []

    def offer(self, series: Series) -> None:
        self.returned += bool(series.points)
        self._series.append(series)

    def kept(self) -> tuple[Series, ...]:
        return tuple(self._series)


class SeriesReader:
    """jsonread's `each` for a Prometheus reply: every series is checked and handed to `keep` the moment
    it is read, and nothing of it stays in the parsed reply. With a keeper that keeps the worst 200 of
    5,000 series, the rest die young, one at a time, instead of all living until the reply is whole and
    being walked by a full collection of the collector (60 ms of a held interpreter per poll, measured).
    The first malformed series is remembered and named by `prometheus_result`, as if read afterwards."""

    AT = ("data", "result")

    def __init__(self, keep: Keep | None = None) -> None:
        self.keep: Keep = keep if keep is not None else _All()
        self.count = 0  # series taken while the reply was read
        self.result_type: str | None = None  # as the reply said it before its result
        self.problem: Unreadable | None = None

    def __call__(self, item: Any, holder: dict[str, Any]) -> Any:
        rtype = holder.get("resultType")
        if rtype not in ("vector", "matrix"):  # a scalar's pair, or a type not said yet: left in place
            return item
        self.result_type = rtype
        if self.problem is None:
            try:
                self.keep.offer(_series(item, self.count, rtype == "matrix"))
            except Unreadable as exc:
                self.problem = exc
        self.count += 1
        return None

    def series(self, rtype: str, result: list[Any]) -> tuple[Series, ...]:
        """The kept series of a reply of type `rtype`; raises the first problem met."""
        if self.result_type not in (None, rtype):
            raise Unreadable(f"the result type is given twice ({self.result_type} and {rtype})")
        if self.problem is not None:
            raise self.problem
        if self.result_type is None:  # the type came after the result (no server does that)
            for item in result:
                self(item, {"resultType": rtype})
            if self.problem is not None:
                raise self.problem
        return self.keep.kept()


def is_partial(body: dict[str, Any]) -> bool:
    """VictoriaMetrics' `isPartial: true` (its cluster answered without every storage node)."""
    flag = body.get("isPartial")
    if flag is not None and not isinstance(flag, bool):
        raise Unreadable(f"the isPartial field is {_type(flag)}, not a boolean")
    return flag is True


def prometheus_result(body: dict[str, Any], reader: SeriesReader | None = None,
                      ) -> tuple[str, tuple[Series, ...], tuple[str, ...]]:
    """(resultType, series, warnings) of a success reply whose `data` is a mapping.

    `reader`: the SeriesReader the reply was parsed with (its series are then already read)."""
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
    return rtype, (reader or SeriesReader()).series(rtype, result), warnings
