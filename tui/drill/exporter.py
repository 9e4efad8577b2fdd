"""A scenario's simulated service in the Prometheus exposition format (prometheus-client).

Every runbook metric's value becomes the series its export describes: gauges
are the value; counters are real counters (integrated over wall time, so
`rate()` gives back the value); histograms get `_bucket` counters shaped so that
`histogram_quantile(q, ...)` is the value. History for queries that look into
the past (`offset 1d`, `[7d]`) is the same curves at earlier times, served as
OpenMetrics with timestamps for `promtool tsdb create-blocks-from openmetrics`;
the live counters continue from where the history ends.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import CollectorRegistry

from tui.drill.scenario import SIMULATED, Export
from tui.drill.sim import Simulation
from tui.promql import PromQLError, Shape, parse
from tui.runbook.render import check_params, render_query

LIVE_STEP = 1.0  # wall seconds per integration step between scrapes
FINE_STEP = 60.0  # history sample spacing near the windows queries read
COARSE_STEP = 6 * 3600.0  # elsewhere: long ranges (avg_over_time over 7d) need a few samples, and each 2h block costs promtool time
FINE_AROUND = 2 * 3600.0  # a fine window this wide either side of each look-back point
MARGIN = 3600.0


def bucket_shares(value: float, quantile: float, bounds: tuple[float, ...]) -> list[float]:
    """Cumulative share of observations at each bound (then +Inf = 1) whose `quantile` interpolates to `value`.

    Prometheus interpolates linearly inside the bucket the rank falls in; we put a
    slab of mass m = min(q, 1-q) across the bucket holding `value`, placed so the
    rank q lands exactly at `value`. (In the first bucket the lowest quantile that
    can be shown is q times its bound.)
    """
    n = len(bounds)
    i = next((k for k, b in enumerate(bounds) if value <= b), n - 1)
    value = min(max(value, 0.0), bounds[-1])
    lower = bounds[i - 1] if i > 0 else 0.0
    x = (value - lower) / (bounds[i] - lower) if bounds[i] > lower else 1.0
    m = min(quantile, 1 - quantile)
    c_lower = quantile - x * m
    c_upper = c_lower + m
    if i == 0:  # below the first bound Prometheus interpolates from 0 observations at 0
        c_lower, c_upper = 0.0, min(1.0, quantile * bounds[0] / value) if value > 0 else 1.0
    shares = []
    for j in range(n):
        if j < i:
            shares.append(c_lower * (j + 1) / i)
        elif j == i:
            shares.append(c_upper)
        else:
            shares.append(c_upper + (1 - c_upper) * (j - i) / (n - i))
    return shares + [1.0]


@dataclass(frozen=True)
class _Out:
    metric: str
    export: Export


# A series: its metric name and its sorted label pairs.
SeriesKey = tuple[str, tuple[tuple[str, str], ...]]


def _key(name: str, labels: dict[str, str]) -> SeriesKey:
    return name, tuple(sorted(labels.items()))


def _rates(export: Export, u: float) -> list[tuple[str, dict[str, str], float]]:
    """(sample name, labels, increase per second) of an export's counters at exported value `u`."""
    base = dict(export.labels)
    if export.kind == "counter":
        return [(export.name, base, max(0.0, u) / export.per)]
    if export.kind == "ratio" and not export.gauges:
        share = min(1.0, max(0.0, u))
        ps = export.per_second
        rest = (export.total, base, ps) if export.total else (export.name, {**base, **(export.rest or {})},
                                                              (1 - share) * ps)
        return [(export.name, {**base, **export.hit}, share * ps), rest]
    if export.kind == "histogram":
        ps = export.per_second
        shares = bucket_shares(u, export.quantile, export.buckets)
        les = [*(f"{b:g}" for b in export.buckets), "+Inf"]
        out = [(f"{export.name}_bucket", {**base, "le": le}, s * ps) for le, s in zip(les, shares)]
        return out + [(f"{export.name}_count", base, ps), (f"{export.name}_sum", base, max(0.0, u) * ps)]
    return []


def _gauges(export: Export, u: float, wall: float = 0.0) -> list[tuple[str, dict[str, str], float]]:
    base = dict(export.labels)
    if export.kind == "gauge":
        return [(export.name, base, wall - u if export.ago else u)]
    if export.kind == "ratio" and export.gauges:
        share = min(1.0, max(0.0, u))
        if export.total:
            return [(export.name, {**base, **export.hit}, share * export.per_second),
                    (export.total, base, export.per_second)]
        return [(export.name, {**base, **export.hit}, share * export.per_second),
                (export.name, {**base, **(export.rest or {})}, (1 - share) * export.per_second)]
    return []


def history_times(queries: list[str], start: float) -> list[float]:
    """Wall times to sample history at: coarse back to the furthest look-back, fine near each look-back point."""
    shapes = [s for s in map(_shape, queries) if s is not None]
    back = max([s.lookback_s for s in shapes] + [FINE_AROUND])
    first = start - back - MARGIN
    times = set()
    t = start - FINE_STEP
    while t >= first:  # a coarse grid aligned on the start, so it meets the fine one
        times.add(t)
        t -= COARSE_STEP
    points = [0.0] + sorted({r.offset for s in shapes for r in s.reads if r.offset > 0 and not r.pinned})
    for offset in points:
        lo, hi = start - offset - FINE_AROUND, min(start - FINE_STEP, start - offset + FINE_AROUND)
        k = round((start - hi) / FINE_STEP)
        t = start - k * FINE_STEP
        while t >= max(lo, first):
            times.add(t)
            t -= FINE_STEP
    return sorted(times)


def _shape(query: str) -> Shape | None:
    try:
        return parse(query)
    except PromQLError:  # the scenario's validator reports it; history for the other queries still helps
        return None


class SimulatedService:
    """The collector: registered in a prometheus-client registry, read at each scrape."""

    def __init__(self, sim: Simulation, *, history: bool = True) -> None:
        self.sim = sim
        self.outs = [_Out(name, ex) for name, curve in sim.scenario.curves.items() for ex in curve.exports]
        self._lock = threading.Lock()
        # every counter exists from the start (at 0), so each sample time has every series
        self._counters: dict[SeriesKey, float] = {_key(n, labels): 0.0 for out in self.outs
                                              for n, labels, _ in _rates(out.export, 0.5)}
        self._kinds = self._families()
        values = check_params(sim.runbook, {})
        self.queries = [render_query(m.query, values) for m in sim.runbook.metrics.values()]
        self._history: list[tuple[float, dict[SeriesKey, float]]] = []
        start = sim.origin
        if history:
            times = history_times(self.queries, start)
            last = times[0] if times else start
            for t in times:
                self._integrate(last, t, step=t - last)
                last = t
                self._history.append((t, {**self._counters, **self._gauge_values(t)}))
            self._integrate(last, start, step=start - last)
        self._at = start

    def _families(self) -> dict[str, tuple[str, list[str]]]:
        """Family name -> (type, label names), one type per name."""
        fams: dict[str, tuple[str, list[str]]] = {}
        for out in self.outs:
            ex = out.export
            if ex.kind == "histogram":
                entries = [(ex.name, "histogram", [*ex.labels])]
            elif ex.kind == "gauge" or (ex.kind == "ratio" and ex.gauges):
                entries = [(n, "gauge", [*labels]) for n, labels, _ in _gauges(ex, 0.5)]
            else:
                entries = [(n, "counter", [*labels]) for n, labels, _ in _rates(ex, 0.5)]
            for name, kind, labels in entries:
                _, known = fams.get(name, (kind, []))
                fams[name] = (kind, known + [label for label in labels if label not in known])
        return fams

    def _exported(self, out: _Out, wall: float) -> float:
        # the service's own signal, not a query's reading: the scraping Prometheus applies the windows
        return self.sim.export_value(out.metric, out.export, self.sim.sim_at(wall))

    def _integrate(self, w0: float, w1: float, step: float = LIVE_STEP) -> None:
        """Counters grow by each rate over [w0, w1], evaluated every `step` seconds."""
        t = w0
        while t < w1:
            dt = min(max(step, 1e-3), w1 - t)
            for out in self.outs:
                for name, labels, rate in _rates(out.export, self._exported(out, t)):
                    key = _key(name, labels)
                    self._counters[key] = self._counters.get(key, 0.0) + rate * dt
            t += dt

    def _gauge_values(self, wall: float) -> dict[SeriesKey, float]:
        return {_key(n, labels): v for out in self.outs
                for n, labels, v in _gauges(out.export, self._exported(out, wall), wall)}

    def advance(self, wall: float | None = None) -> None:
        wall = self.sim.wall() if wall is None else wall
        with self._lock:
            if wall > self._at:
                self._integrate(self._at, wall)
                self._at = wall

    # -- exposition -----------------------------------------------------------

    def _build(self, samples: list[tuple[float | None, dict[SeriesKey, float]]],
               extra: dict[str, str] | None = None) -> list[Metric]:
        doc = f"{SIMULATED} by oncall drill scenario {self.sim.scenario.id}"
        extra = extra or {}
        metrics: list[Metric] = []
        for fam, (kind, own_names) in self._kinds.items():
            label_names = own_names + [n for n in extra if n not in own_names]
            series = self._series_of(fam, kind)
            if kind == "histogram":
                metrics.append(self._histogram(fam, doc, label_names, series, samples, extra))
                continue
            family = (GaugeMetricFamily if kind == "gauge" else CounterMetricFamily)(fam, doc, labels=label_names)
            for key in series:
                values = _label_values(key, label_names, extra)
                for at, table in samples:
                    if key in table:
                        family.add_metric(values, table[key], timestamp=at)
            metrics.append(family)
        return metrics

    @staticmethod
    def _histogram(fam: str, doc: str, label_names: list[str], series: list[SeriesKey],
                   samples: list[tuple[float | None, dict[SeriesKey, float]]],
                   extra: dict[str, str]) -> HistogramMetricFamily:
        family = HistogramMetricFamily(fam, doc, labels=label_names)
        for key in series:
            values = _label_values(key, label_names, extra)
            for at, table in samples:
                buckets = sorted(((dict(k[1])["le"], v) for k, v in table.items()
                                  if k[0] == fam + "_bucket" and _same(k[1], key[1])),
                                 key=lambda b: float(b[0]))
                total = table.get(_key(fam + "_sum", dict(key[1])), 0.0)
                family.add_metric(values, buckets, total, timestamp=at)
        return family

    def _series_of(self, fam: str, kind: str) -> list[SeriesKey]:
        """Distinct label sets of a family (for histograms, without le)."""
        keys: dict[SeriesKey, None] = {}
        for out in self.outs:
            produced = _rates(out.export, 0.5) if kind != "gauge" else _gauges(out.export, 0.5)
            for name, labels, _ in produced:
                if (kind == "histogram" and name == fam + "_count") or (kind != "histogram" and name == fam):
                    keys[_key(fam, labels)] = None
        return list(keys)

    def collect(self) -> Iterator[Metric]:
        """What a scrape sees now (called by prometheus-client in the HTTP thread)."""
        now = self.sim.wall()
        self.advance(now)
        with self._lock:
            table = {**self._counters, **self._gauge_values(now)}
        yield from self._build([(None, table)])

    def history_metrics(self, extra: dict[str, str] | None = None) -> list[Metric]:
        with self._lock:
            return self._build(list(self._history), extra)

    def registry(self) -> CollectorRegistry:
        registry = CollectorRegistry(auto_describe=False)
        registry.register(self)
        return registry


def _label_values(key: SeriesKey, label_names: list[str], extra: dict[str, str]) -> list[str]:
    labels = dict(key[1])
    return [labels.get(n, extra.get(n, "")) for n in label_names]


def _same(with_le: tuple[tuple[str, str], ...], without: tuple[tuple[str, str], ...]) -> bool:
    return tuple(kv for kv in with_le if kv[0] != "le") == without


def history_text(service: SimulatedService, target_labels: dict[str, str] | None = None) -> bytes:
    """The history as OpenMetrics with timestamps, ending before the simulation started.

    `target_labels` are the labels Prometheus adds to what it scrapes (job, instance): the
    backfilled past must carry them too, or it is another series beside the live one.
    """
    from prometheus_client.openmetrics.exposition import generate_latest

    class _History:
        def collect(self) -> Iterator[Metric]:
            yield from service.history_metrics(target_labels)

    registry = CollectorRegistry(auto_describe=False)
    registry.register(_History())
    text: bytes = generate_latest(registry)  # type: ignore[no-untyped-call]
    return text
