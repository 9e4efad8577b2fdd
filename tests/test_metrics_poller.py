"""The poller against the real Prometheus, and against the fault server for backoff and recovery."""

from __future__ import annotations

import asyncio

import pytest

from tests.fixtures.servers import dead_url
from tui.config import Settings
from tui.metrics.poller import MetricQuery, Poller, metric_queries
from tui.metrics.prometheus import PrometheusClient
from tui.metrics.readings import Snapshot
from tui.runbook.library import load_library
from tui.runbook.model import Metric

RATIO = Metric("ratio", "A ratio", "up", unit="percent-ratio", warn=0.2, crit=0.4)


@pytest.fixture(scope="module")
def runbook(metrics_runbooks):
    return load_library([metrics_runbooks]).get("llm-false-refusals")


async def _poll(url: str, queries, **options) -> Snapshot:
    async with PrometheusClient(url, timeout=5.0) as client:
        return await Poller(client, queries, **options).poll_once()


@pytest.mark.prometheus
async def test_states_for_several_metrics_and_both_directions(servers, runbook):
    snap = await _poll(servers.prometheus_url, metric_queries(runbook, {"model": "search-ranker"}))
    r = snap.readings
    assert list(r) == ["refusal_rate", "refusal_all", "accuracy", "latency", "gpu_free", "missing"]
    assert snap.source.up and snap.source.message is None and not snap.simulated
    assert (r["refusal_rate"].value, r["refusal_rate"].state) == (0.008, "ok")
    assert (r["accuracy"].value, r["accuracy"].state, r["accuracy"].label) == (0.71, "crit", "CRIT <80%")
    assert (r["latency"].display, r["latency"].state) == ("2.4s", "crit")
    assert (r["gpu_free"].display, r["gpu_free"].state, r["gpu_free"].label) == ("3GiB", "warn", "WARN <4GiB")
    assert (r["missing"].state, r["missing"].value, r["missing"].word) == ("nodata", None, "NO DATA")
    every = r["refusal_all"]
    assert (every.state, every.display) == ("crit", "12.4%")
    assert [(s.labels["model"], s.state) for s in every.series] == [
        ("support-assistant", "crit"), ("summarizer", "warn"), ("search-ranker", "ok")]
    assert all(x.error is None and x.last_success == snap.at for x in r.values())


@pytest.mark.prometheus
async def test_params_change_the_query_and_the_state(servers, runbook):
    default = metric_queries(runbook, runbook.default_params())
    support = metric_queries(runbook, {"model": "support-assistant"})
    assert default[0].query == 'ai_refusal_ratio{model="summarizer"}'
    assert support[0].query == 'ai_refusal_ratio{model="support-assistant"}'
    a = await _poll(servers.prometheus_url, default)
    b = await _poll(servers.prometheus_url, support)
    assert (a.get("refusal_rate").display, a.get("refusal_rate").state) == ("3%", "warn")
    assert (b.get("refusal_rate").display, b.get("refusal_rate").state) == ("12.4%", "crit")
    # A value is data, never PromQL: quotes are escaped, so this selects nothing instead of everything.
    evil = metric_queries(runbook, {"model": 'x"} or vector(1) or {a="'})
    c = await _poll(servers.prometheus_url, evil[:1])
    assert c.get("refusal_rate").state == "nodata"


@pytest.mark.prometheus
async def test_history_for_sparklines(servers, runbook):
    async with PrometheusClient(servers.prometheus_url) as client:
        poller = Poller(client, metric_queries(runbook, {"model": "search-ranker"}), history_window=120)
        snap = await poller.poll_once(history=True)
        latency = snap.get("latency")
        assert latency.history and set(latency.sparkline()) == {2.4}
        every = snap.get("refusal_all")
        assert len(every.history) == 3 and set(every.sparkline()) == {0.124}  # the worst series' line
        later = await poller.poll_once()  # instant only: the history is kept
        assert later.get("latency").history == latency.history
        assert snap.get("missing").sparkline() == []


@pytest.mark.prometheus
async def test_loop_delivers_snapshots_and_stops(servers):
    got: list[Snapshot] = []
    two = asyncio.Event()

    def deliver(snap: Snapshot) -> None:
        got.append(snap)
        if len(got) >= 2:
            two.set()

    settings = Settings(prometheus_url=servers.prometheus_url, poll_interval=0.05)
    poller = Poller.from_settings(settings, [MetricQuery(RATIO, "scalar(ai_gpu_memory_free_bytes) / 1e10")], deliver)
    poller.start()
    try:
        await asyncio.wait_for(two.wait(), 20)
    finally:
        await poller.stop()
    assert not poller.running
    assert all(s.source.up and s.get("ratio").state == "warn" for s in got)
    assert got[0].get("ratio").history  # the first cycle fetches the sparkline too


async def test_backoff_while_down_then_recovery(fault_server):
    fault_server.mode = "error500"
    got: list[Snapshot] = []
    arrived = asyncio.Event()

    def deliver(snap: Snapshot) -> None:
        got.append(snap)
        arrived.set()

    async def next_snapshot() -> Snapshot:
        arrived.clear()
        await asyncio.wait_for(arrived.wait(), 20)
        return got[-1]

    async with PrometheusClient(fault_server.url, timeout=5.0) as client:
        poller = Poller(client, [MetricQuery(RATIO, "up")], deliver, interval=0.02, max_backoff=0.08)
        poller.start()
        try:
            downs = [await next_snapshot() for _ in range(5)]
            fault_server.mode = "ok"
            fault_server.value = "0.5"
            up = await next_snapshot()
        finally:
            await poller.stop()
    assert [s.source.failures for s in downs] == [1, 2, 3, 4, 5]
    delays = [round(s.source.retry_at - s.at, 3) for s in downs]
    assert delays == [0.02, 0.04, 0.08, 0.08, 0.08]  # doubling, capped
    first = downs[0]
    assert not first.source.up
    assert first.source.message.startswith(f"Prometheus at {fault_server.url} answered HTTP 500")
    assert first.source.message.endswith("; retrying in 20ms.")
    assert first.get("ratio").state == "down" and first.get("ratio").word == "DOWN"
    assert up.source.up and up.source.failures == 0 and up.source.message is None
    assert (up.get("ratio").state, up.get("ratio").display, up.get("ratio").error) == ("crit", "50%", None)
    assert poller.next_delay() == 0.02


async def test_down_keeps_the_last_value_for_display(fault_server):
    async with PrometheusClient(fault_server.url, timeout=5.0) as client:
        poller = Poller(client, [MetricQuery(RATIO, "up")], interval=5.0)
        fault_server.value = "0.3"
        good = await poller.poll_once()
        fault_server.mode = "error500"
        bad = await poller.poll_once()
    r = bad.get("ratio")
    assert (r.state, r.value, r.last_success) == ("down", 0.3, good.at)
    assert "HTTP 500" in r.error


async def test_query_error_goes_stale_after_three_intervals_without_backoff(fault_server):
    now = [1000.0]
    async with PrometheusClient(fault_server.url, timeout=5.0) as client:
        poller = Poller(client, [MetricQuery(RATIO, "up")], interval=5.0, clock=lambda: now[0])
        assert (await poller.poll_once()).get("ratio").state == "crit"  # value 0.5
        fault_server.mode = "baddata"
        now[0] += 10
        held = await poller.poll_once()
        now[0] += 10
        stale = await poller.poll_once()
    assert held.source.up and poller.next_delay() == 5.0  # the server is fine: no backoff
    assert (held.get("ratio").state, held.get("ratio").value) == ("crit", 0.5)
    assert "bad_data" in held.get("ratio").error
    assert (stale.get("ratio").state, stale.get("ratio").word, stale.get("ratio").value) == ("stale", "STALE", 0.5)


async def test_a_broken_query_alone_is_stale_and_others_still_live(fault_server):
    fault_server.mode = "baddata"
    snap = await _poll(fault_server.url, [MetricQuery(RATIO, "sum(")])
    assert snap.source.up and snap.get("ratio").state == "stale" and "parse error" in snap.get("ratio").error


async def test_hang_times_out_without_blocking_the_loop(fault_server):
    fault_server.mode = "hang"
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.01)

    task = asyncio.create_task(ticker())
    try:
        async with PrometheusClient(fault_server.url, timeout=0.3) as client:
            snap = await Poller(client, [MetricQuery(RATIO, "up")]).poll_once()
    finally:
        task.cancel()
    assert ticks > 3  # the caller's loop kept running while the poll waited
    assert snap.get("ratio").state == "down" and "did not answer within 0.3s" in snap.source.message


async def test_all_queries_in_flight_at_once_and_polls_never_overlap(fault_server):
    fault_server.mode = "slow"
    fault_server.delay = 0.2
    queries = [MetricQuery(Metric(f"m{i}", "m", "up"), f"up{i}") for i in range(5)]
    async with PrometheusClient(fault_server.url, timeout=5.0) as client:
        poller = Poller(client, queries)
        await poller.poll_once()
        assert fault_server.max_in_flight == 5
        await asyncio.gather(poller.poll_once(), poller.poll_once())
    assert fault_server.max_in_flight == 5
    assert len(fault_server.requests) == 15


async def test_dead_prometheus_is_down(fault_server):
    snap = await _poll(dead_url(), [MetricQuery(RATIO, "up")])
    assert not snap.source.up and snap.get("ratio").state == "down"
    assert snap.source.message.startswith("Cannot reach Prometheus at http://127.0.0.1:")


async def test_set_queries_drops_readings_of_changed_queries(fault_server):
    async with PrometheusClient(fault_server.url) as client:
        poller = Poller(client, [MetricQuery(RATIO, "up")])
        await poller.poll_once()
        poller.set_queries([MetricQuery(RATIO, 'up{job="other"}')])
        fault_server.mode = "baddata"
        snap = await poller.poll_once()
    # The old value belonged to another query: it must not show under the new one.
    assert snap.get("ratio").value is None and snap.get("ratio").state == "stale"


async def test_async_callback_and_a_failing_callback_do_not_stop_the_loop(fault_server):
    seen: list[Snapshot] = []
    enough = asyncio.Event()

    async def deliver(snap: Snapshot) -> None:
        seen.append(snap)
        if len(seen) == 3:
            enough.set()
        if len(seen) == 1:
            raise RuntimeError("a consumer bug")

    async with PrometheusClient(fault_server.url) as client:
        poller = Poller(client, [MetricQuery(RATIO, "up")], deliver, interval=0.01)
        poller.start()
        try:
            await asyncio.wait_for(enough.wait(), 20)
        finally:
            await poller.stop()
    assert all(s.get("ratio").state == "crit" for s in seen)


async def test_poll_now_cuts_a_backoff_wait_short(fault_server):
    fault_server.mode = "error500"
    seen: list[Snapshot] = []
    arrived = asyncio.Event()

    def deliver(snap: Snapshot) -> None:
        seen.append(snap)
        arrived.set()

    async with PrometheusClient(fault_server.url) as client:
        poller = Poller(client, [MetricQuery(RATIO, "up")], deliver, interval=600, max_backoff=600)
        poller.start()
        try:
            await asyncio.wait_for(arrived.wait(), 20)
            arrived.clear()
            fault_server.mode = "ok"
            poller.poll_now()  # without it the next poll would be ten minutes away
            await asyncio.wait_for(arrived.wait(), 20)
        finally:
            await poller.stop()
    assert [s.source.up for s in seen] == [False, True]


async def test_each_poll_adds_a_point_to_the_recent_history_so_the_trend_follows_between_range_fetches(fault_server):
    now = [1700000000.0]
    q = MetricQuery(Metric("ratio", "Ratio", "fault_ratio", unit="percent-ratio", warn=0.02, crit=0.05), "fault_ratio")
    async with PrometheusClient(fault_server.url, timeout=5.0) as client:
        poller = Poller(client, [q], interval=5.0, clock=lambda: now[0])
        first = await poller.poll_once(history=True)
        assert [r.path for r in fault_server.requests].count("/api/v1/query_range") == 2  # sparkline and recent
        assert first.get("ratio").trend == "flat"
        for value in ("0.4", "0.2", "0.1", "0.05", "0.025", "0.0125"):
            now[0] += 5.0
            fault_server.value = value
            reading = (await poller.poll_once()).get("ratio")
        assert [r.path for r in fault_server.requests].count("/api/v1/query_range") == 2  # no range fetch since
    assert reading.trend == "falling"
