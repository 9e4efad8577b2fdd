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
from tui.metrics.trend import TREND_WINDOW, held_since, merge_points, trend
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
    state: str  # ok | warn | crit | nodata | stale | down | settling | partial
    value: float | None = None  # the worst series' value; None when there never was one
    series: tuple[SeriesReading, ...] = ()  # worst first
    at: float = 0.0  # unix time this reading was made
    last_success: float | None = None  # unix time of the last good evaluation
    error: str | None = None  # why the last evaluation failed, one sentence
    history: tuple[Series, ...] = ()  # range data for the sparkline
    simulated: bool = False
    series_total: int = 0  # series the source returned, when more than were kept in `series`
    trend: str = "flat"  # rising | falling | flat over the last 5 minutes (tui.metrics.trend)
    held_since: float | None = None  # unix time from which the worst series has been in its threshold state
    base_state: str | None = None  # settling / partial: the threshold state underneath (crit, warn...)
    warnings: tuple[str, ...] = ()  # partial: what the engine said
    settles_at: float | None = None  # settling: unix time the window holds no sample from before the fix
    window_s: float = 0.0  # settling: the query's longest window
    settle_cause: str = ""  # settling: what the remediation was, "rollback ran"
    speed: float = 1.0  # the source's seconds per wall second (a drill at --speed 10 passes its windows 10x faster)

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
        """The state with the line it crossed: "CRIT >5%"; "SETTLING (CRIT >5%)" over the state underneath."""
        if self.base_state is not None:
            return f"{self.word} ({state_label(self.base_state, self.metric)})"
        return state_label(self.state, self.metric)

    def label_at(self, now: float, *, short: bool = False) -> str:
        """The label with a settling metric's live countdown: "SETTLING 10:58 (CRIT >3)"; `short`
        leaves out the state underneath ("SETTLING 10:58"), for a narrow pane."""
        left = self.settles_in(now)
        if short and self.base_state is not None:
            return self.word if left is None else f"{self.word} {countdown(left)}"
        if left is None:
            return self.label
        return f"{self.word} {countdown(left)} ({state_label(self.base_state or 'ok', self.metric)})"

    @property
    def threshold_state(self) -> str:
        """The state its value has against the lines, settling or partial aside."""
        return self.base_state or self.state

    def held_s(self) -> float | None:
        """Seconds the threshold state has held (None when not known)."""
        return None if self.held_since is None else max(0.0, self.at - self.held_since) * self.speed

    def settles_in(self, now: float) -> float | None:
        """Seconds until a settling metric's window is clean (None when it is not settling)."""
        if self.state != "settling" or self.settles_at is None:
            return None
        return max(0.0, self.settles_at - now)

    def hold_text(self, now: float) -> str | None:
        """Why this reading suggests nothing yet, for the pane and the step: None when it may suggest."""
        if self.state == "partial":
            said = f" ({self.warnings[0]})" if self.warnings else ""
            return f"the engine says this answer may be incomplete{said}; check its health before trusting it"
        left = self.settles_in(now)
        if left is None:
            return None
        return (f"wait {wait_words(left)}: the {window_words(self.window_s)} window still holds samples "
                f"from before {self.settle_cause or 'the fix'}; watch the sparkline")

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
        if self.threshold_state not in LIVE_STATES:
            return self
        if self.last_success is not None and now - self.last_success <= STALE_AFTER_INTERVALS * interval:
            return self
        return replace(self, state="stale", base_state=None, settles_at=None)


def wait_words(seconds: float) -> str:
    """"11 min" (rounded up: never promise too soon), "40 s" under a minute."""
    if seconds < 60:
        return f"{math.ceil(seconds)} s"
    return f"{math.ceil(seconds / 60)} min"


def countdown(seconds: float) -> str:
    """"10:58" for the live countdown."""
    whole = math.ceil(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


def window_words(seconds: float) -> str:
    """"15-minute" or "90-second", as in "the 15-minute window"."""
    if seconds >= 60 and seconds % 60 == 0:
        return f"{seconds / 60:g}-minute"
    return f"{seconds:g}-second"


def reading_from_samples(metric: Metric, query: str, samples: Iterable[tuple[Mapping[str, str], float]],
                         at: float, *, history: tuple[Series, ...] = (), simulated: bool = False,
                         limit: int = MAX_SERIES, recent: Mapping[str, Sequence[tuple[float, float]]] | None = None,
                         warnings: Sequence[str] = (), partial: bool = False, speed: float = 1.0,
                         returned: int = 0) -> Reading:
    """A fresh reading from (labels, value) samples, the worst `limit` of them kept; no samples is `nodata`.

    `recent` holds the last minutes of each series at a fine step (by `labels_text`): with the
    sparkline's history and this value, they give the worst series' trend and how long its state
    has held. An answer the engine called partial (or warned about) is `partial`. `speed` is a drill's
    --speed: its trend is judged over 5 simulated minutes, and a state held 30 s at x10 held 5 minutes.
    `returned`: how many series the source sent, when a WorstSeries already left some out."""
    rated = [SeriesReading(labels, value, classify(value, metric)) for labels, value in samples]
    rated = _worst_first(rated, lambda s: severity_key(s.state, s.value, metric.direction))
    state = worst(s.state for s in rated)
    value = rated[0].value if rated else None
    count = max(returned, len(rated))
    total = count if count > limit else 0
    reading = Reading(metric, query, state, value, tuple(rated[:limit]), at=at, last_success=at,
                      history=history, simulated=simulated, series_total=total, speed=speed)
    if rated:
        points = merge_points(_history_of(history, rated[0].labels),
                              (recent or {}).get(labels_text(rated[0].labels), ()), ((at, rated[0].value),))
        reading = replace(reading, trend=trend(points, at, TREND_WINDOW / speed),
                          held_since=held_since(points, metric, state) if state in LIVE_STATES else None)
    if partial or warnings:
        reading = replace(reading, state="partial", base_state=state, warnings=tuple(warnings))
    return reading


def _history_of(history: tuple[Series, ...], labels: Mapping[str, str]) -> Sequence[tuple[float, float]]:
    want = dict(labels)
    found = next((s for s in history if dict(s.labels) == want), None)
    if found is None and len(history) == 1 and not want:
        found = history[0]
    return found.points if found is not None else ()


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
