"""metrics_poll: one poll of 50 queries through the poller vs the same 50 fired concurrently with bare httpx.

Starts its own exporter (prometheus-client) and a real Prometheus on free 127.0.0.1 ports.
"""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import httpx

from bench.harness import Benchmark, Result, skipped

QUERIES = [f'sum(rate(bench_requests_total{{service="svc-{i % 10}",code="{200 + i // 10}"}}[1m]))'
           for i in range(50)]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Prometheus:
    def __init__(self) -> None:
        from prometheus_client import CollectorRegistry, Counter, start_http_server

        registry = CollectorRegistry()
        counter = Counter("bench_requests", "requests", ["service", "code"], registry=registry)
        for i in range(50):
            counter.labels(f"svc-{i % 10}", str(200 + i // 10)).inc(i + 1)
        exporter_port = _free_port()
        self.exporter, self.exporter_thread = start_http_server(exporter_port, "127.0.0.1", registry)
        self.dir = Path(tempfile.mkdtemp(prefix="oncall-bench-prom-"))
        (self.dir / "prometheus.yml").write_text(
            "global: {scrape_interval: 1s}\n"
            f"scrape_configs:\n- job_name: sim\n  static_configs: [{{targets: ['127.0.0.1:{exporter_port}']}}]\n")
        port = _free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.proc = subprocess.Popen(
            ["prometheus", f"--config.file={self.dir / 'prometheus.yml'}", f"--storage.tsdb.path={self.dir / 'data'}",
             f"--web.listen-address=127.0.0.1:{port}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
        self._wait_for_data(counter)

    def _wait_for_data(self, counter) -> None:
        deadline = time.monotonic() + 45
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"prometheus exited with {self.proc.returncode}")
            counter.labels("svc-0", "200").inc()  # rate() needs the counter to move between scrapes
            try:
                body = httpx.get(f"{self.url}/api/v1/query", params={"query": QUERIES[0]}, timeout=2).json()
                if body["data"]["result"]:
                    return
            except (httpx.HTTPError, ValueError, KeyError):
                pass
            time.sleep(0.5)
        raise RuntimeError("prometheus did not report data within 45 s")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.exporter.shutdown()
        shutil.rmtree(self.dir, ignore_errors=True)


def benchmark(name: str, quick: bool = False) -> Result:
    if name != "metrics_poll":
        raise KeyError(name)
    if not shutil.which("prometheus"):
        return skipped(name, 1.3, "the prometheus binary is not installed (apt-get install prometheus)")
    from tui.metrics.poller import MetricQuery, Poller
    from tui.metrics.prometheus import PrometheusClient
    from tui.runbook.model import Metric

    prom = _Prometheus()
    loop = asyncio.new_event_loop()
    try:
        client = PrometheusClient(prom.url)
        poller = Poller(client, [MetricQuery(Metric(f"m{i}", f"metric {i}", q), q) for i, q in enumerate(QUERIES)])
        bare = httpx.AsyncClient(base_url=prom.url, timeout=10)

        async def bare_poll() -> None:
            async def one(q: str) -> object:
                response = await bare.get("/api/v1/query", params={"query": q})
                response.raise_for_status()
                return response.json()["data"]["result"]

            results = await asyncio.gather(*(one(q) for q in QUERIES))
            assert all(results)

        async def subject_poll() -> None:
            snapshot = await poller.poll_once(history=False)
            assert all(r.value is not None for r in snapshot.readings.values()), "every query must return a value"

        def timed(coro_fn) -> float:
            t = time.perf_counter()
            loop.run_until_complete(coro_fn())
            return time.perf_counter() - t

        timed(bare_poll), timed(subject_poll)  # warm both connection pools
        result = Benchmark(name, 1.3, lambda: timed(subject_poll), lambda: timed(bare_poll),
                           runs=15, quick_runs=5, note="50 instant queries, real Prometheus").run(quick)
        loop.run_until_complete(bare.aclose())
        loop.run_until_complete(client.aclose())
        return result
    finally:
        loop.close()
        prom.stop()
