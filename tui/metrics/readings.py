"""What the metrics pane shows, whatever produced it: Prometheus or a drill's simulation.

A `Reading` is one metric evaluated once (every series, the state of each, the
worst one, and a short history for the sparkline); a `Snapshot` is every
reading of one poll plus the health of the source. Both are plain frozen data
so that the poller, a drill and the tests can all build them.

Several series: each keeps its labels and state; the metric's state and value
are those of the worst series (crit > warn > ok > NaN, then the value furthest
in the metric's bad direction), so a breach in one model is never averaged away.
A reading keeps at most MAX_SERIES series, the worst ones, and says so
("showing the worst 200 of 5,000 series"); everything here is linear in the
number of series (or n log n for the one sort), never quadratic.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Protocol, TypeVar, overload

from tui.metrics.thresholds import LIVE_STATES, classify, severity_key, state_label, state_word, worst
from tui.metrics.units import format_value
from tui.runbook.model import Metric

# A metric whose last good value is older than this many poll intervals is stale.
STALE_AFTER_INTERVALS = 3
# Series kept per reading (and per sparkline history): more is not readable on one screen.
MAX_SERIES = 200


class _HasLabels(Protocol):
    @property
    def labels(self) -> Mapping[str, str]: ...


_Labelled = TypeVar("_Labelled", bound=_HasLabels)


def labels_text(labels: Mapping[str, str]) -> str:
    """`{model="a",zone="b"}` (sorted, without __name__), or "" for no labels."""
    inner = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()) if k != "__name__")
    return "{" + inner + "}" if inner else ""


class Points(Sequence[tuple[float, float]]):
    """(unix time, value) pairs held in two arrays of doubles.

    Range data for 5,000 series is 600,000 points: as tuples, that many objects for
    the garbage collector to walk (100 ms pauses, measured); as arrays, two per series."""

    __slots__ = ("_times", "_values")

    def __init__(self, times: array[float], values: array[float]) -> None:
        self._times, self._values = times, values

    def __len__(self) -> int:
        return len(self._values)

    @overload
    def __getitem__(self, index: int) -> tuple[float, float]: ...
    @overload
    def __getitem__(self, index: slice) -> Points: ...
    def __getitem__(self, index: int | slice) -> tuple[float, float] | Points:
        if isinstance(index, slice):
            return Points(self._times[index], self._values[index])
        return self._times[index], self._values[index]

    def __iter__(self) -> Iterator[tuple[float, float]]:
        return zip(self._times, self._values)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and list(self) == list(other)

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __repr__(self) -> str:
        return f"Points({list(self)!r})"


@dataclass(frozen=True)
class Series:
    """One labelled time series: (unix time, value) points, oldest first."""

    labels: Mapping[str, str]
    points: Sequence[tuple[float, float]]  # a tuple, or `Points` for range data

    @property
    def last(self) -> float:
        return self.points[-1][1]


@dataclass(frozen=True)
class SeriesReading:
    labels: Mapping[str, str]
    value: float
    state: str

    @property
    def labels_text(self) -> str:
        return labels_text(self.labels)


@dataclass(frozen=True)
class Reading:
    metric: Metric
    query: str  # as sent, parameters substituted
    state: str  # ok | warn | crit | nodata | stale | down
    value: float | None = None  # the worst series' value; None when there never was one
    series: tuple[SeriesReading, ...] = ()  # worst first
    at: float = 0.0  # unix time this reading was made
    last_success: float | None = None  # unix time of the last good evaluation
    error: str | None = None  # why the last evaluation failed, one sentence
    history: tuple[Series, ...] = ()  # range data for the sparkline
    simulated: bool = False
    series_total: int = 0  # series the source returned, when more than were kept in `series`

    @property
    def name(self) -> str:
        return self.metric.name

    @property
    def title(self) -> str:
        return self.metric.title

    @property
    def unit(self) -> str:
        return self.metric.unit

    @property
    def word(self) -> str:
        """The state as a word: ok, WARN, CRIT, STALE, NO DATA, DOWN."""
        return state_word(self.state)

    @property
    def label(self) -> str:
        """The state with the line it crossed: "CRIT >5%"."""
        return state_label(self.state, self.metric)

    @property
    def display(self) -> str:
        """The value for people: "12.4%", "820ms"."""
        return format_value(self.value, self.metric.unit)

    @property
    def series_note(self) -> str | None:
        """"showing the worst 200 of 5,000 series" when series were left out, else None."""
        if self.series_total <= len(self.series):
            return None
        return f"showing the worst {len(self.series):,} of {self.series_total:,} series"

    @cached_property
    def _differing_keys(self) -> frozenset[str]:
        """Label names whose value is not the same in every series (absent counts as a value): one pass."""
        first: dict[str, str] = {}
        count: dict[str, int] = {}
        differ: set[str] = set()
        for s in self.series:
            for k, v in s.labels.items():
                if k in differ:
                    continue
                if k not in first:
                    first[k], count[k] = v, 1
                elif first[k] != v:
                    differ.add(k)
                else:
                    count[k] += 1
        n = len(self.series)
        return frozenset(differ | {k for k, c in count.items() if c < n})

    def series_label(self, series: SeriesReading) -> str:
        """The labels that tell this series from the others: `{model="a"}`, not instance and job too."""
        if len(self.series) < 2:
            return series.labels_text
        differ = self._differing_keys
        return labels_text({k: v for k, v in series.labels.items() if k in differ})

    @property
    def worst_series(self) -> SeriesReading | None:
        return self.series[0] if self.series else None

    def sparkline(self) -> list[float]:
        """History values of the worst series (or the only one), oldest first."""
        if not self.history:
            return []
        chosen = self.history[0]
        if self.series:
            want = dict(self.series[0].labels)
            chosen = next((s for s in self.history if dict(s.labels) == want), chosen)
        return [v for _, v in chosen.points]

    def aged(self, now: float, interval: float) -> Reading:
        """This reading as seen at `now`: stale once its last good value is too old."""
        if self.state not in LIVE_STATES:
            return self
        if self.last_success is not None and now - self.last_success <= STALE_AFTER_INTERVALS * interval:
            return self
        return replace(self, state="stale")


def reading_from_samples(metric: Metric, query: str, samples: Iterable[tuple[Mapping[str, str], float]],
                         at: float, *, history: tuple[Series, ...] = (), simulated: bool = False,
                         limit: int = MAX_SERIES, returned: int = 0) -> Reading:
    """A fresh reading from (labels, value) samples, the worst `limit` of them kept; no samples is `nodata`.

    `returned`: how many series the source sent, when a WorstSeries already left some out."""
    rated = [SeriesReading(labels, value, classify(value, metric)) for labels, value in samples]
    rated = _worst_first(rated, lambda s: severity_key(s.state, s.value, metric.direction))
    state = worst(s.state for s in rated)
    value = rated[0].value if rated else None
    count = max(returned, len(rated))
    total = count if count > limit else 0
    return Reading(metric, query, state, value, tuple(rated[:limit]), at=at, last_success=at,
                   history=history, simulated=simulated, series_total=total)


def worst_history(history: tuple[Series, ...], metric: Metric, limit: int = MAX_SERIES) -> tuple[Series, ...]:
    """The `limit` series of range data whose last value is worst: the ones a sparkline will be asked for."""
    if len(history) <= limit:
        return history
    return tuple(_worst_first(list(history), _badness(metric))[:limit])


class WorstSeries:
    """The worst `limit` series of a reply, kept while it is read (tui.metrics.shapes.SeriesReader), in
    the order reading_from_samples and worst_history give them: the others are dropped as they come."""

    def __init__(self, metric: Metric, limit: int = MAX_SERIES) -> None:
        self.limit = limit
        self.returned = 0  # series with a sample, as sent
        self._key = _badness(metric)
        self._series: list[Series] = []

    def offer(self, series: Series) -> None:
        if series.points:
            self.returned += 1
        self._series.append(series)
        if len(self._series) >= 2 * self.limit:  # ranked in batches: n log(limit), never all at once
            self._series = _worst_first(self._series, self._key)[: self.limit]

    def kept(self) -> tuple[Series, ...]:
        return tuple(_worst_first(self._series, self._key)[: self.limit])


def _badness(metric: Metric) -> Callable[[Series], tuple[int, float]]:
    def badness(s: Series) -> tuple[int, float]:
        last = s.last if s.points else math.nan
        return severity_key(classify(last, metric), last, metric.direction)
    return badness


def _worst_first(items: list[_Labelled], key: Callable[[_Labelled], tuple[int, float]]) -> list[_Labelled]:
    """Worst first; equally bad ones by their labels' text, so the order holds between polls."""
    ordered = sorted(items, key=lambda s: labels_text(s.labels))
    ordered.sort(key=key, reverse=True)
    return ordered


@dataclass(frozen=True)
class SourceStatus:
    """Health of where the readings come from, for the pane's title line."""

    name: str  # "prometheus", "simulated"
    up: bool = True
    message: str | None = None  # one sentence when something is wrong
    retry_at: float | None = None  # unix time of the next attempt while down
    failures: int = 0  # consecutive failed polls


@dataclass(frozen=True)
class Snapshot:
    readings: Mapping[str, Reading]  # by metric name, in the runbook's order
    at: float
    interval: float  # seconds between polls
    source: SourceStatus = field(default_factory=lambda: SourceStatus("prometheus"))
    simulated: bool = False

    def get(self, name: str) -> Reading | None:
        return self.readings.get(name)

    def aged(self, now: float) -> Snapshot:
        """Every reading as seen at `now` (for a pane that redraws between polls)."""
        return replace(self, readings={k: r.aged(now, self.interval) for k, r in self.readings.items()})


def finite_or_text(value: float | None) -> float | str | None:
    """A value for JSON: a number, or "NaN" / "+Inf" / "-Inf" as Prometheus writes them."""
    if value is None or math.isfinite(value):
        return value
    return format_value(value)
