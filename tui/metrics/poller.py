"""Poll a set of metric queries on a timer and hand each result to a callback.

Plain asyncio, no Textual. One cycle is fetch → deliver → re-arm, so polls never
overlap and a slow Prometheus slows the poll, never the caller's event loop.
All queries of a cycle are in flight at once. While Prometheus is down the
delay doubles (interval, 2x, 4x ... up to `max_backoff`) and the snapshot says
so and when it retries; the first good poll brings back the normal interval.
Range data for sparklines is fetched less often than the instant values.
Replies are parsed, and readings of many series built, in a thread, so a poll
of 5,000 series never stalls the screen's event loop (bench: poll_many_series).
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import time
from collections.abc import Callable, Coroutine, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from tui.metrics.offload import offload
from tui.metrics.periodic import Periodic
from tui.metrics.prometheus import PrometheusClient, PrometheusError, QueryResult, range_step
from tui.metrics.readings import (
    STALE_AFTER_INTERVALS,
    Reading,
    Series,
    Snapshot,
    SourceStatus,
    WorstSeries,
    labels_text,
    reading_from_samples,
    worst_history,
)
from tui.metrics.trend import TREND_STEP, TREND_WINDOW
from tui.metrics.units import format_value
from tui.runbook.model import Metric, Runbook
from tui.runbook.render import RenderError, render_query

log = logging.getLogger(__name__)

DEFAULT_HISTORY_WINDOW = 1800.0  # the sparkline covers the last 30 minutes
DEFAULT_HISTORY_POINTS = 120
# Above this many series in one poll, readings are built in a thread (a few ms of sorting otherwise).
OFFLOAD_SERIES = 500

# Per series (by labels_text): its last TREND_WINDOW seconds, for the trend and how long a state has held.
Recent = dict[str, list[tuple[float, float]]]


@dataclass(frozen=True)
class MetricQuery:
    """A runbook metric with its query rendered for the incident's parameters."""

    metric: Metric
    query: str
    error: str | None = None  # the values could not go into the query (said instead of polling)

    @property
    def name(self) -> str:
        return self.metric.name


def metric_queries(runbook: Runbook, params: Mapping[str, str]) -> list[MetricQuery]:
    """Every metric of `runbook`, in its order, with `params` substituted (PromQL-escaped).

    A value that cannot go into a query safely makes that metric an error, not a crash.
    """
    queries = []
    for m in runbook.metrics.values():
        try:
            queries.append(MetricQuery(m, render_query(m.query, params)))
        except RenderError as exc:
            queries.append(MetricQuery(m, m.query, error=str(exc)))
    return queries


def _recent_from(series: Sequence[Series]) -> Recent:
    return {labels_text(s.labels): list(s.points) for s in series}


def _with_poll(recent: Recent, reading: Reading, now: float) -> Recent:
    """The recent points with this poll's value of each kept series added, and none older than the window."""
    since = now - TREND_WINDOW
    out: Recent = {}
    for s in reading.series:
        key = s.labels_text
        out[key] = [p for p in recent.get(key, ()) if since <= p[0] < now] + [(now, s.value)]
    return out


async def _skipped() -> None:
    return None


async def _refused(message: str) -> QueryResult:
    raise PrometheusError(message, "query")


def _seconds(delay: float) -> str:
    return format_value(round(delay), "seconds") if delay >= 1 else format_value(delay, "seconds")


class Poller(Periodic):
    task_name = "oncall-metrics-poller"

    def __init__(self, client: PrometheusClient, queries: Iterable[MetricQuery],
                 on_snapshot: Callable[[Snapshot], Any] | None = None, *, interval: float = 5.0,
                 history_window: float = DEFAULT_HISTORY_WINDOW, history_points: int = DEFAULT_HISTORY_POINTS,
                 history_every: float | None = None, max_backoff: float | None = None,
                 clock: Callable[[], float] = time.time, owns_client: bool = False,
                 trend_step: float | None = None) -> None:
        if interval <= 0:
            raise ValueError("interval must be positive")
        super().__init__()
        self.client = client
        self.queries: tuple[MetricQuery, ...] = tuple(queries)
        self.on_snapshot = on_snapshot
        self.interval = interval
        self.history_window = history_window
        self.history_points = history_points
        # The sparkline moves slowly; refreshing it every few polls keeps polls cheap.
        self.history_every = history_every if history_every is not None else max(30.0, 6 * interval)
        self.max_backoff = max_backoff if max_backoff is not None else max(60.0, interval)
        # The recent range's step: each poll adds a point between fetches, so the poll interval is fine enough.
        self.trend_step = trend_step if trend_step is not None else min(TREND_STEP, max(1.0, float(round(interval))))
        self._clock = clock
        self._owns_client = owns_client
        self._readings: dict[str, Reading] = {}
        self._history: dict[str, tuple[Series, ...]] = {}
        self._history_at: float | None = None
        # The recent range (fetched with the history) plus every poll's value since: a trend as fresh as the poll.
        self._recent: dict[str, Recent] = {}
        self._failures = 0
        self._lock = asyncio.Lock()

    @classmethod
    def from_settings(cls, settings: Any, queries: Iterable[MetricQuery],
                      on_snapshot: Callable[[Snapshot], Any] | None = None, **options: Any) -> Poller:
        """A poller with its own client, closed by `stop()`."""
        timeout = options.pop("timeout", None)
        client = PrometheusClient.from_settings(
            settings, timeout=timeout if timeout is not None else min(10.0, max(2.0, 2 * settings.poll_interval)))
        return cls(client, queries, on_snapshot, interval=settings.poll_interval, owns_client=True, **options)

    # -- control ----------------------------------------------------------------

    def set_queries(self, queries: Iterable[MetricQuery]) -> None:
        """Poll these from the next cycle on (a new step or new parameters); polls at once."""
        self.queries = tuple(queries)
        keep = {q.name: q.query for q in self.queries}
        # A reading stays only while its query is unchanged: a new parameter is a new series.
        self._readings = {k: r for k, r in self._readings.items() if keep.get(k) == r.query}
        self._history = {k: h for k, h in self._history.items() if k in self._readings}
        self._recent = {k: r for k, r in self._recent.items() if k in self._readings}
        self._history_at = None
        self.poll_now()

    async def _stopped(self) -> None:
        """Close the client if this poller made it (then it cannot start again)."""
        if self._owns_client:
            await self.client.aclose()

    def next_delay(self) -> float:
        """Seconds until the next poll: the interval, or the backoff while Prometheus is down."""
        if self._failures == 0:
            return self.interval
        return float(min(self.interval * 2 ** (self._failures - 1), self.max_backoff))

    # -- polling ----------------------------------------------------------------

    async def _run(self) -> None:
        while True:
            self._wake.clear()  # before the poll: a poll_now() during it means "again, at once"
            now = self._clock()
            due = self._history_at is None or now - self._history_at >= self.history_every
            snapshot = await self.poll_once(history=due)
            await self._deliver(snapshot)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.next_delay())

    async def _deliver(self, snapshot: Snapshot) -> None:
        if self.on_snapshot is None:
            return
        try:
            result = self.on_snapshot(snapshot)
            if inspect.isawaitable(result):
                await result
        except Exception:  # a broken consumer must not stop the metrics
            log.exception("metrics snapshot callback failed")

    async def poll_once(self, *, history: bool = False) -> Snapshot:
        """One poll of every query at once (plus range data when `history`); never overlaps another."""
        async with self._lock:
            queries = self.queries
            # Only the worst series are kept as a reply is read: the rest never outlive their parse.
            calls: list[Coroutine[Any, Any, QueryResult | None]] = [
                self.client.query(q.query, keep=WorstSeries(q.metric)) if q.error is None else _refused(q.error)
                for q in queries]
            if history and self._failures == 0:
                end = self._clock()
                start, step = end - self.history_window, range_step(self.history_window, self.history_points)
                calls += [self.client.query_range(q.query, start, end, step, keep=WorstSeries(q.metric))
                          if q.error is None else _refused(q.error) for q in queries]
                # The trend's fine-grained minutes, except for a query known to return more series than
                # are kept: its thousands of series would double the poll's work, and its trend comes
                # from the sparkline's range plus each poll's value instead.
                wide = {name for name, r in self._readings.items() if r.series_total}
                calls += [_skipped() if q.name in wide else
                          self.client.query_range(q.query, end - TREND_WINDOW, end, self.trend_step,
                                                  keep=WorstSeries(q.metric))
                          if q.error is None else _refused(q.error) for q in queries]
            results = await asyncio.gather(*calls, return_exceptions=True)
            now = self._clock()
            n = len(queries)
            instant, ranges, recents = results[:n], results[n:2 * n], results[2 * n:]
            # Rating and sorting thousands of series is work for a thread, not for the screen's loop.
            size = sum(len(r.series) for r in results if isinstance(r, QueryResult))
            fresh, histories, recent = await offload(size > OFFLOAD_SERIES, self._fresh, queries, instant, ranges,
                                                     recents, now)
            current = {q.name: q.query for q in self.queries}  # set_queries() may have run meanwhile
            sent = {q.name: q.query for q in queries}
            self._recent.update({k: r for k, r in recent.items() if current.get(k) == sent[k]})
            if ranges:
                self._history_at = now
                self._history.update({k: h for k, h in histories.items() if current.get(k) == sent[k]})
            down = next((r for r in instant if isinstance(r, PrometheusError) and r.server_down), None)
            readings = {q.name: fresh[q.name] if q.name in fresh else self._failed(q, res, now, down is not None)
                        for q, res in zip(queries, instant)}
            self._readings = {k: r for k, r in readings.items() if current.get(k) == r.query}
            status = self._status(down, now)
            self.last = Snapshot(readings, now, self.interval, status)
            return self.last

    def _fresh(self, queries: tuple[MetricQuery, ...], instant: Sequence[object], ranges: Sequence[object],
               recents: Sequence[object], now: float
               ) -> tuple[dict[str, Reading], dict[str, tuple[Series, ...]], dict[str, Recent]]:
        """Readings for the queries that answered, their new range data (worst series only) and recent points.

        Pure (reads this poller, changes nothing), so it may run in a thread."""
        histories = {q.name: worst_history(res.series, q.metric)
                     for q, res in zip(queries, ranges) if isinstance(res, QueryResult)}
        fetched = {q.name: res for q, res in zip(queries, recents) if isinstance(res, QueryResult)}
        fresh: dict[str, Reading] = {}
        recent: dict[str, Recent] = {}
        for q, res in zip(queries, instant):
            if not isinstance(res, QueryResult):
                continue
            history = histories.get(q.name, self._history.get(q.name, ()))
            found = fetched.get(q.name)
            points = (_recent_from(worst_history(found.series, q.metric)) if found is not None
                      else self._recent.get(q.name, {}))
            reading = reading_from_samples(q.metric, q.query, res.samples(), now, history=history, recent=points,
                                           warnings=res.warnings, partial=res.partial, returned=res.returned)
            fresh[q.name] = reading
            recent[q.name] = _with_poll(points, reading, now)
        return fresh, histories, recent

    def _failed(self, q: MetricQuery, result: object, now: float, down: bool) -> Reading:
        """The reading of a query that did not answer: the last one, marked down or (in time) stale."""
        history = self._history.get(q.name, ())
        if isinstance(result, PrometheusError):
            message = str(result)
        else:  # a bug, not a fault of Prometheus: keep polling, and say so
            log.error("metrics query %s failed", q.name, exc_info=result if isinstance(result, BaseException) else None)
            message = f"Evaluating {q.name} failed unexpectedly ({type(result).__name__}); report this bug."
        prev = self._readings.get(q.name)
        base = prev if prev is not None and prev.query == q.query else Reading(q.metric, q.query, "stale")
        if down:
            state = "down"
        else:  # only this query failed: the old value stands until it is too old
            recent = base.last_success is not None and now - base.last_success <= STALE_AFTER_INTERVALS * self.interval
            state = base.state if recent and base.state not in ("down", "stale") else "stale"
        return replace(base, state=state, at=now, error=message, history=history)

    def _status(self, down: PrometheusError | None, now: float) -> SourceStatus:
        if down is None:
            self._failures = 0
            return SourceStatus("prometheus")
        self._failures += 1
        delay = self.next_delay()
        message = f"{str(down).rstrip('.')}; retrying in {_seconds(delay)}."
        return SourceStatus("prometheus", up=False, message=message, retry_at=now + delay, failures=self._failures)
