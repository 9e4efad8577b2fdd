"""Read every metric of an incident's runbooks over the report's span, with query_range.

A metric whose query fails is a `Curve` with the error; Prometheus itself being down
(or not configured) ends the reading with one sentence, and the report falls back to
the response window (tui.report.impact.measure).
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from tui import promql
from tui.config import Settings, environment_values, for_incident
from tui.errors import OncallError
from tui.journal.model import Incident
from tui.metrics.poller import metric_queries
from tui.metrics.prometheus import PrometheusClient, PrometheusError, range_step
from tui.metrics.readings import Series
from tui.report.impact import Curve, Impact, Span, measure, report_span
from tui.runbook.model import Runbook

POINTS = 240  # per chart: enough to see a decay, few enough to draw fast


def worst_points(series: Sequence[Series], direction: str) -> tuple[tuple[float, float], ...]:
    """At each timestamp, the worst value over every series (highest, or lowest for `direction: below`)."""
    pick = min if direction == "below" else max
    at: dict[float, float] = {}
    for s in series:
        for t, v in s.points:
            if math.isnan(v):
                at.setdefault(t, v)
            elif t not in at or math.isnan(at[t]):
                at[t] = v
            else:
                at[t] = pick(at[t], v)
    return tuple(sorted(at.items()))


async def read_curves(client: PrometheusClient, runbooks: Sequence[Runbook], params: Mapping[str, str],
                      span: Span, env: Mapping[str, str] | None = None) -> list[Curve]:
    """Every metric of `runbooks` over `span` (`env`: the `${env.NAME}` values of the incident's environment);
    raises PrometheusError when the server (not one query) failed."""
    step = range_step(span.end - span.start, POINTS)
    env = env or {}
    jobs: list[tuple[Runbook, Any]] = [(rb, q) for rb in runbooks
                                       for q in metric_queries(rb, {**env, **rb.default_params(env=env), **params})]

    async def one(runbook: Runbook, q: Any) -> Curve:
        if q.error:
            return Curve(q.metric, runbook.id, q.query, error=q.error)
        try:
            result = await client.query_range(q.query, span.start, span.end, step)
        except PrometheusError as exc:
            if exc.server_down:
                raise
            return Curve(q.metric, runbook.id, q.query, error=str(exc))
        return Curve(q.metric, runbook.id, q.query, worst_points(result.series, q.metric.direction))

    return list(await asyncio.gather(*(one(rb, q) for rb, q in jobs)))


def longest_window(runbooks: Sequence[Runbook]) -> float:
    longest = 0.0
    for rb in runbooks:
        for m in rb.metrics.values():
            try:
                longest = max(longest, promql.longest_window_s(m.query))
            except Exception:  # a query the parser cannot read still gets the default lead
                continue
    return longest


# Another source of the curves (a drill's simulation): (curves, span) for the incident at `now`, or None.
CurveSource = Callable[[Incident, float], "tuple[list[Curve], Span] | None"]


def measure_incident(settings: Any, incident: Incident, runbooks: Sequence[Runbook],
                     now: float | None = None, source: CurveSource | None = None) -> Impact:
    """The incident's impact: from the metrics when Prometheus answers, else the response window and why."""
    now = time.time() if now is None else now
    found = source(incident, now) if source is not None else None
    if found is not None:
        return measure(incident, found[0], found[1], now)
    span = report_span(incident, now, longest_window=longest_window(runbooks))
    if isinstance(settings, Settings):  # the incident's environment: its Prometheus and its ${env.NAME}
        settings = for_incident(settings, incident.environment)
    url = getattr(settings, "prometheus_url", None)
    if not url:
        return measure(incident, [], span, now, "no Prometheus URL is set (ONCALL_PROMETHEUS_URL or --prometheus)")
    if not any(rb.metrics for rb in runbooks):
        return measure(incident, [], span, now, "the incident's runbooks have no metrics" if runbooks
                       else "none of the incident's runbooks could be loaded")

    async def read() -> list[Curve]:
        async with PrometheusClient.from_settings(settings) as client:
            return await read_curves(client, runbooks, incident.params, span,
                                     environment_values(settings) if isinstance(settings, Settings) else None)

    try:
        curves = asyncio.run(read())
    except OncallError as exc:  # PrometheusError included: one sentence, kept without its advice
        reason = str(exc).split(";")[0].rstrip(".")
        return measure(incident, [], span, now, f"the metrics could not be read: {reason[:1].lower()}{reason[1:]}")
    return measure(incident, curves, span, now)
