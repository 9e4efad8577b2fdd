"""A query that returns 5,000 series: the worst 200 are kept and the cut is said, in linear work."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Mapping

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.screenshots import settings_for, wait_for
from tui.cli import main
from tui.metrics.poller import MetricQuery, Poller
from tui.metrics.prometheus import PrometheusClient
from tui.metrics.readings import MAX_SERIES, Series, WorstSeries, labels_text, reading_from_samples, worst_history
from tui.metrics.thresholds import classify
from tui.runbook.model import Metric

SERIES = 5000
ABOVE = Metric("refusals", "Refusal ratio", "ai_refusal_ratio", unit="percent-ratio", warn=0.5, crit=0.9)
BELOW = Metric("accuracy", "Accuracy", "ai_refusal_ratio", unit="percent-ratio", warn=0.5, crit=0.1,
               direction="below")


@pytest.fixture
def many(fault_server):
    fault_server.mode, fault_server.series = "many", SERIES
    return fault_server


async def test_the_worst_200_of_5000_are_kept_by_the_metric_direction(many):
    queries = [MetricQuery(ABOVE, ABOVE.query), MetricQuery(BELOW, BELOW.query)]
    async with PrometheusClient(many.url, timeout=10.0) as client:
        snap = await Poller(client, queries).poll_once(history=True)
    above, below = snap.readings["refusals"], snap.readings["accuracy"]
    for r in (above, below):
        assert len(r.series) == MAX_SERIES == 200 and r.series_total == SERIES
        assert r.series_note == "showing the worst 200 of 5,000 series"
        assert r.error is None and len(r.history) == MAX_SERIES
    # Values rise with the model number: high is bad for one, low for the other.
    assert [s.labels["model"] for s in above.series[:2]] == ["m04999", "m04998"]
    assert above.series[-1].labels["model"] == "m04800" and above.state == "crit"
    assert [s.labels["model"] for s in below.series[:2]] == ["m00000", "m00001"]
    assert below.series_label(below.series[0]) == '{model="m00000"}'
    assert {dict(h.labels)["model"] for h in above.history} == {s.labels["model"] for s in above.series}
    assert len(above.sparkline()) == 120


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 30), st.sampled_from([0.05, 0.6, 0.95, math.nan, None])), max_size=60),
       st.integers(1, 12))
def test_keeping_the_worst_while_reading_gives_what_ranking_everything_afterwards_gives(rows, limit):
    """WorstSeries drops series as they come; what it keeps, and in what order, is what ranking all of them
    would give (ties broken by labels, so the order holds between polls), and it counts what it saw."""
    every = tuple(Series({"model": f"m{n:02d}", "i": str(i)}, () if value is None else ((1.0, value),))
                  for i, (n, value) in enumerate(rows))
    for metric in (ABOVE, BELOW):
        keep = WorstSeries(metric, limit)
        for one in every:
            keep.offer(one)
        assert keep.kept() == _ranked(every, metric)[:limit]
        if len(every) > limit:
            assert keep.kept() == worst_history(every, metric, limit)
        assert keep.returned == sum(1 for one in every if one.points)


def _ranked(every: tuple[Series, ...], metric: Metric) -> tuple[Series, ...]:
    """The oracle: rate every series by its last value, worst first, ties by the labels' text."""
    def key(s: Series) -> tuple[int, float, list[int]]:
        last = s.last if s.points else math.nan
        state = classify(last, metric)
        rank = {"crit": 3, "warn": 2, "ok": 1}.get(state, 0)
        far = -math.inf if math.isnan(last) else (-last if metric.direction == "below" else last)
        return (rank, far, [-ord(c) for c in labels_text(s.labels)] + [1])  # labels ascending within a tie
    return tuple(sorted(every, key=key, reverse=True))


def test_no_cut_no_note():
    r = reading_from_samples(ABOVE, "q", [({"model": str(i)}, 0.1) for i in range(MAX_SERIES)], 0.0)
    assert (len(r.series), r.series_note) == (MAX_SERIES, None)


class CountingLabels(Mapping[str, str]):
    """Labels that count every look at them, and stop the test once the work stops being linear."""

    budget = 0

    def __init__(self, data: dict[str, str]) -> None:
        self._data = data

    def _spend(self) -> None:
        CountingLabels.budget -= 1
        if CountingLabels.budget < 0:
            raise AssertionError("label handling is not linear in the number of series")

    def __getitem__(self, key: str) -> str:
        self._spend()
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        for key in self._data:
            self._spend()
            yield key

    def __len__(self) -> int:
        return len(self._data)


def test_labelling_5000_series_is_linear():
    samples = [(CountingLabels({"job": "ai", "instance": f"h{i % 7}", "model": f"m{i:05d}", "zone": "eu"}),
                i / SERIES) for i in range(SERIES)]
    # 4 labels a series: sorting reads each a few times; a quadratic step reads them millions of times.
    CountingLabels.budget = 40 * 4 * SERIES
    reading = reading_from_samples(ABOVE, "q", samples, 0.0, limit=SERIES)
    labels = [reading.series_label(s) for s in reading.series]
    assert labels[0] == '{instance="h1",model="m04999"}'  # job and zone are the same everywhere: left out
    assert len(set(labels)) == SERIES


def test_cli_says_the_cut_in_the_table_and_on_stderr_with_json(many, metrics_runbooks, capsys):
    base = ["metrics", "llm-false-refusals", "--runbooks", str(metrics_runbooks), "--prometheus", many.url]
    assert main(base) == 0
    out = capsys.readouterr().out
    assert "refusal_rate: showing the worst 200 of 5,000 series.\n" in out
    assert out.count('{model="m0') == 6 * MAX_SERIES

    assert main([*base, "--json"]) == 0
    captured = capsys.readouterr()
    rows = json.loads(captured.out)
    assert all(len(r["series"]) == MAX_SERIES and r["series_total"] == SERIES for r in rows)
    assert captured.err.splitlines() == [f"{r['name']}: showing the worst 200 of 5,000 series." for r in rows]


async def test_the_metrics_pane_says_the_cut(tmp_path, many, metrics_runbooks):
    from tui.app.factory import make_app
    from tui.app.screens.incident import IncidentScreen

    settings = settings_for(tmp_path, runbook_dirs=(metrics_runbooks,), prometheus_url=many.url, poll_interval=1.0)
    app = make_app(settings, runbook="llm-false-refusals", cursor_blink=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, IncidentScreen) or
                       type(app.screen).__name__ == "ParamsScreen", tries=500)
        if not isinstance(app.screen, IncidentScreen):
            await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, IncidentScreen) and
                       "refusal_rate" in app.screen.controller.readings, tries=500)
        text = str(app.screen.query_one("#metrics").render())
    assert "showing the worst 200 of 5,000 series" in text
