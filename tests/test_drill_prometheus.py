"""Every scenario, served by `oncall simulate` and scraped by a real Prometheus, answers its runbook's own PromQL.

One `oncall simulate` process and one Prometheus per scenario (their series would
mix in one Prometheus), all started at once. The past that `offset` queries read
is backfilled from the simulator's /history with promtool before Prometheus
starts, as a user would. Each metric must give a finite value through the
runbook's query with its default parameters, close to the simulation's own value
averaged over the query's window.
"""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.fixtures.servers import free_port, require_binaries, stop_process
from tui import promql
from tui.config import BUNDLED_RUNBOOKS
from tui.drill.catalog import load_catalog
from tui.drill.curve import value_at
from tui.drill.scenario import NOISE_TICK
from tui.drill.sim import Simulation
from tui.runbook.render import check_params, render_query

pytestmark = pytest.mark.prometheus
DEADLINE = 45.0
SCRAPE_CONFIG = """\
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files: [%(rules)s]
scrape_configs:
  - job_name: simulated
    static_configs: [{targets: ["127.0.0.1:%(port)d"]}]
"""


def _wait(what: str, check, deadline: float, procs: list[subprocess.Popen], logs: list[Path]) -> None:
    last: Exception | None = None
    while time.monotonic() < deadline:
        for p in procs:
            if p.poll() is not None:
                raise AssertionError(f"{p.args[0]} exited with {p.returncode} while waiting for {what}: "
                                     + " ".join(log.read_text(errors="replace")[-2000:] for log in logs))
        try:
            if check():
                return
        except (httpx.HTTPError, ValueError, KeyError, IndexError) as exc:
            last = exc
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what} ({last!r})")


@pytest.fixture(scope="module")
def catalog():
    return load_catalog([BUNDLED_RUNBOOKS])


@pytest.fixture(scope="module")
def served(tmp_path_factory, catalog):
    """scenario id -> (Prometheus URL, simulator URL) for every bundled scenario."""
    require_binaries("prometheus", "promtool")
    work = tmp_path_factory.mktemp("drill-prometheus")
    procs: list[subprocess.Popen] = []
    logs: list[Path] = []
    out: dict[str, tuple[str, str]] = {}
    env = {**os.environ, "XDG_CONFIG_HOME": str(work / "config")}
    try:
        sim_logs = {}
        for sid in sorted(catalog.scenarios):  # port 0: each simulator takes a free port itself and says which
            log = work / f"{sid}-simulate.log"
            logs.append(log)
            with log.open("wb") as f:
                procs.append(subprocess.Popen([sys.executable, "-m", "tui", "simulate", sid, "--port", "0"],
                                              stdout=f, stderr=subprocess.STDOUT, env=env))
            sim_logs[sid] = log
        deadline = time.monotonic() + DEADLINE
        sims = {}
        for sid, log in sim_logs.items():
            _wait(f"oncall simulate {sid} to say its port", lambda log=log: "/metrics" in log.read_text(), deadline,
                  procs, logs)
            said = re.search(r"serving (http://127\.0\.0\.1:\d+)/metrics", log.read_text())
            assert said is not None, log.read_text()
            sims[sid] = said[1]
        with httpx.Client(timeout=5.0) as c:
            for sid, url in sims.items():
                _wait(f"oncall simulate {sid}", lambda url=url: c.get(f"{url}/state").status_code == 200, deadline, procs, logs)
            backfills = {}
            for sid, url in sims.items():  # the past, backfilled as a user would, all scenarios at once
                d = work / sid
                d.mkdir()
                (d / "history.om").write_bytes(c.get(f"{url}/history", params={"job": "simulated"}).content)
                (d / "rules.yml").write_text(c.get(f"{url}/rules").text)
                backfills[sid] = subprocess.Popen(["promtool", "tsdb", "create-blocks-from", "openmetrics", "-q",
                                                   str(d / "history.om"), str(d / "data")],
                                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            for sid, url in sims.items():
                d = work / sid
                output, _ = backfills[sid].communicate(timeout=60)
                assert backfills[sid].returncode == 0, output
                (d / "prometheus.yml").write_text(SCRAPE_CONFIG % {
                    "rules": json.dumps(str(d / "rules.yml")), "port": int(url.rsplit(":", 1)[1])})
                prom_port = free_port()
                log = d / "prometheus.log"
                logs.append(log)
                with log.open("wb") as f:
                    procs.append(subprocess.Popen(
                        ["prometheus", f"--config.file={d / 'prometheus.yml'}", f"--storage.tsdb.path={d / 'data'}",
                         f"--web.listen-address=127.0.0.1:{prom_port}", "--log.level=warn"],
                        stdout=f, stderr=subprocess.STDOUT))
                out[sid] = (f"http://127.0.0.1:{prom_port}", url)
            for sid, (prom, _) in out.items():
                _wait(f"Prometheus of {sid}", lambda prom=prom: c.get(f"{prom}/-/ready").status_code == 200,
                      deadline, procs, logs)
            for sid, (prom, _) in out.items():  # rate() needs two live samples: wait for the third scrape
                _wait(f"three scrapes for {sid}", lambda prom=prom: float(c.get(f"{prom}/api/v1/query", params={
                    "query": 'count_over_time(up{job="simulated"}[1m])'}).json()["data"]["result"][0]["value"][1]) >= 3,
                      deadline, procs, logs)
        yield out
    finally:
        for p in reversed(procs):
            stop_process(p)


def _expected(sim: Simulation, metric: str, query: str, at_wall: float) -> list[float]:
    """What the simulation says: averaged over the window rate()/increase() read, or, for an instant
    value, any value of the last scrape interval (Prometheus answers with the last scraped sample)."""
    curve = sim.scenario.curves[metric]

    def v(t: float) -> float:
        return value_at(curve, t, seed=sim.seed, salt=sim.scenario.id, recovery=sim.scenario.recovery)

    t = sim.sim_at(at_wall)
    window = promql.longest_window_s(query) * sim.speed
    if window <= 0:
        return [v(t - k * 0.25 * sim.speed) for k in range(9)]
    n = max(2, int(window / NOISE_TICK))
    return [sum(v(t - window + i * window / (n - 1)) for i in range(n)) / n]


def test_there_are_five_scenarios_covering_the_issue(catalog) -> None:
    runbooks = {s.runbook for s in catalog.scenarios.values()}
    assert {"llm-false-refusals", "quality-drop-after-deploy", "data-drift", "retrieval-grounding-failure",
            "gpu-oom-serving"} <= runbooks
    assert not catalog.broken, [e.first_error for e in catalog.broken]


@pytest.mark.parametrize("sid", ["feature-drift", "gpu-oom-loop", "precision-drop", "refusal-spike", "stale-index"])
def test_every_runbook_metric_has_a_value_through_its_own_query(served, catalog, sid) -> None:
    scenario = catalog.get(sid)
    runbook = catalog.library.get(scenario.runbook)
    prom, sim_url = served[sid]
    with httpx.Client(timeout=5.0) as c:
        state = c.get(f"{sim_url}/state").json()
        sim = Simulation(scenario, runbook, seed=state["seed"], speed=state["speed"], origin=state["origin"])
        values = check_params(runbook, {})
        assert runbook.metrics
        for name, metric in runbook.metrics.items():
            query = render_query(metric.query, values)
            body = c.get(f"{prom}/api/v1/query", params={"query": query}).json()
            assert body["status"] == "success", (name, body)
            result = body["data"]["result"]
            assert result, f"{sid}: {name} gave no value through {query}"
            at, got = result[0]["value"][0], float(result[0]["value"][1])
            assert math.isfinite(got), f"{sid}: {name} = {got} through {query}"
            wants = _expected(sim, name, query, at)
            assert any(abs(got - w) <= 0.15 * abs(w) + 0.01 * max(1.0, abs(w)) for w in wants), (
                f"{sid}: {name} is {got} in Prometheus, {wants} in the simulation ({query})")
            if sim.window(name) and sim.speed == 1:  # the drill's own reading windows the same way
                mine = sim.value(name, sim.sim_at(at))
                assert abs(got - mine) <= 0.15 * abs(mine) + 0.01 * max(1.0, abs(mine)), (
                    f"{sid}: {name} is {got} in Prometheus, {mine} in the drill's reading ({query})")


@pytest.mark.parametrize("sid", ["refusal-spike", "stale-index"])
def test_the_rules_it_serves_load_in_prometheus(served, catalog, sid) -> None:
    prom, _ = served[sid]
    groups = httpx.get(f"{prom}/api/v1/rules", timeout=5.0).json()["data"]["groups"]
    rules = [r for g in groups for r in g["rules"]]
    assert {r["name"] for r in rules} == {a.alertname for a in catalog.get(sid).alerts}
    assert all(r["health"] != "err" for r in rules), rules
    page = catalog.get(sid).alerts[0].alertname  # its condition holds on the served data: pending, then firing
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        result = httpx.get(f"{prom}/api/v1/query", params={"query": f'ALERTS{{alertname="{page}"}}'},
                           timeout=5.0).json()["data"]["result"]
        if result:
            break
        time.sleep(0.2)
    assert result and result[0]["metric"]["alertstate"] in ("pending", "firing"), f"{page} never became pending"


def test_running_the_fix_over_http_restores_the_baseline(served, catalog) -> None:
    _, sim_url = served["gpu-oom-loop"]
    with httpx.Client(timeout=5.0) as c:
        before = c.get(f"{sim_url}/state").json()
        assert before["fixed_at"] is None and before["values"]["restarts_15m"] >= 3
        reply = c.post(f"{sim_url}/run/rollback")
        assert reply.status_code == 200 and reply.headers["X-Exit-Code"] == "0"
        assert "SIMULATED" in reply.text and "rolled back" in reply.text
        unknown = c.post(f"{sim_url}/run/rm-rf")
        assert unknown.status_code == 404 and "has no command" in unknown.text
        after = c.get(f"{sim_url}/state").json()
    assert after["fixed_by"] == "rollback"
    scenario = catalog.get("gpu-oom-loop")
    sim = Simulation(scenario, catalog.library.get(scenario.runbook), origin=after["origin"])
    sim.fix(after["fixed_at"])
    # the service is back after the recovery; its 15-minute increase only once the window is clean too
    fixed = after["fixed_at"] + scenario.recovery
    assert sim.signal("restarts_15m", fixed) == 0 and sim.value("restarts_15m", fixed) >= 3
    assert sim.value("restarts_15m", fixed + sim.window("restarts_15m")) == 0
