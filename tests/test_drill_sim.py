"""The simulated AI service: deterministic curves, speed, the fix, alerts, scripted commands, the exporter."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from tests.fixtures.servers import free_port
from tui.config import BUNDLED_RUNBOOKS
from tui.drill.catalog import load_catalog
from tui.drill.exporter import SimulatedService, bucket_shares, history_text, history_times
from tui.drill.hooks import Drill
from tui.drill.runner import launcher_for
from tui.drill.sim import Simulation
from tui.drill.source import SimulatedSource
from tui.launch import DangerRefused, prepare_command
from tui.metrics.poller import MetricQuery, metric_queries
from tui.runbook.model import Metric


class Wall:
    """A wall clock the test moves by hand (the simulation reads time only through it)."""

    def __init__(self, t: float = 1_900_000_000.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


@pytest.fixture(scope="module")
def catalog():
    return load_catalog([BUNDLED_RUNBOOKS])


def sim_of(catalog, sid: str, **kw) -> Simulation:
    scenario = catalog.get(sid)
    return Simulation(scenario, catalog.library.get(scenario.runbook), **kw)


def test_same_seed_same_values_other_seed_other_values(catalog) -> None:
    wall = Wall()
    a, b = sim_of(catalog, "refusal-spike", seed=7, wall=wall), sim_of(catalog, "refusal-spike", seed=7, wall=wall)
    c = sim_of(catalog, "refusal-spike", seed=8, wall=wall)
    times = [-3600.0, -600.0, -1.0, 0.0, 12.5, 300.0]
    assert [a.values(t) for t in times] == [b.values(t) for t in times]
    assert [a.values(t) for t in times] != [c.values(t) for t in times]


def test_values_are_the_same_in_another_process(tmp_path: Path, catalog) -> None:
    """Noise is a hash of the seed and the time, not Python's per-process hash or a random stream."""
    port = free_port()
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "c"),
           "PYTHONHASHSEED": "12345"}
    proc = subprocess.Popen([sys.executable, "-m", "tui", "simulate", "precision-drop", "--port", str(port),
                             "--seed", "3", "--speed", "10"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            env=env, text=True)
    try:
        banner = proc.stdout.readline() + proc.stdout.readline()
        assert "SIMULATED drill scenario precision-drop" in banner and f"127.0.0.1:{port}/metrics" in banner
        state = httpx.get(f"http://127.0.0.1:{port}/state", timeout=5).json()
        index = httpx.get(f"http://127.0.0.1:{port}/", timeout=5).text
        missing = httpx.get(f"http://127.0.0.1:{port}/nope", timeout=5)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert state["seed"] == 3 and state["speed"] == 10
    here = sim_of(catalog, "precision-drop", seed=3, speed=10, origin=state["origin"])
    assert here.values(state["now"]) == state["values"]
    assert "SIMULATED AI service" in index and "/history" in index
    assert missing.status_code == 404 and "GET / lists" in missing.text


def test_speed_runs_simulated_time_faster(catalog) -> None:
    wall = Wall()
    fast = sim_of(catalog, "refusal-spike", speed=10, wall=wall)
    slow = sim_of(catalog, "refusal-spike", speed=1, wall=wall, origin=fast.origin)
    wall.t += 30
    assert fast.now() == pytest.approx(300) and slow.now() == pytest.approx(30)
    assert fast.value("refusal_rate") == slow.value("refusal_rate", 300)
    assert fast.wall_at(300) == pytest.approx(wall.t)


def test_the_incident_has_happened_before_the_page(catalog) -> None:
    for sid in catalog.scenarios:
        sim = sim_of(catalog, sid)
        page = sim.scenario.alerts[0]
        assert page.alertname in {a.alertname for a in sim.alerts_at(0)}, sid
        assert page.alertname not in {a.alertname for a in sim.alerts_at(-6 * 3600)}, sid  # healthy hours before


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_alerts_do_not_flap_while_nothing_is_done(catalog, seed: int) -> None:
    """Noise must not resolve an alert on its own: the responder's fix does that."""
    for sid in catalog.scenarios:
        wall = Wall()
        drill = Drill(catalog.get(sid), catalog.library.get(catalog.get(sid).runbook), seed=seed, wall=wall)
        for _ in range(0, 15 * 60, 20):
            changes = drill.alert_changes()
            assert not [t for t, _ in changes if t.endswith("resolved.")], (sid, wall.t, changes)
            wall.t += 20


def test_the_fix_brings_back_the_baseline_and_resolves_the_alerts(catalog) -> None:
    wall = Wall()
    sim = sim_of(catalog, "refusal-spike", wall=wall)
    assert sim.state("refusal_rate") == "crit"
    reply = sim.run_command("prompt_aliases")  # not the fix
    assert not reply.fixed and not sim.fixed
    assert any("version 42" in line for line in reply.lines)
    wall.t += 60
    reply = sim.run_command("rollback_prompt")
    assert reply.fixed and sim.fixed_by == "rollback_prompt" and sim.fixed_at == pytest.approx(60)
    assert reply.lines[0].startswith("[SIMULATED] rollback_prompt") and "nothing was run" in reply.lines[0]
    assert "now points at version 41 (was 42)" in "\n".join(reply.lines)
    assert "return to baseline" in reply.lines[-1]
    again = sim.run_command("rollback_prompt")
    assert not again.fixed and "(was 41)" in "\n".join(again.lines)  # the after-fix output
    # The 10-minute rate still holds the refusals from before the fix: at first it barely moves, it is
    # about halfway when half the window is clean, and at the baseline once the whole window is.
    window = sim.window("refusal_rate")
    assert window == 600
    assert "refusal_rate reads a window of 10 minutes" in reply.lines[-1]
    assert sim.state("refusal_rate", 60 + sim.scenario.recovery / 2) == "crit"
    halfway = sim.value("refusal_rate", 60 + (sim.scenario.recovery + window) / 2)
    assert 0.04 < halfway < 0.09
    later = 60 + sim.scenario.recovery + 600
    assert sim.state("refusal_rate", later) == "ok" and sim.state("eval_pass_rate", later) == "ok"
    assert sim.alerts_at(later) == []
    after = "\n".join(sim.run_command("prompt_aliases").lines)
    assert "production   version 41" in after


def test_outputs_fill_in_parameters_and_times(catalog) -> None:
    wall = Wall(1_900_000_000.0)
    sim = sim_of(catalog, "refusal-spike", wall=wall)
    aliases = "\n".join(sim.run_command("prompt_aliases").lines)
    text = "\n".join(sim.run_command("rollback_prompt").lines)
    assert "support-assistant-system@production now points" in text
    assert "registered 2030-03-17 17:32 UTC" in aliases  # @{-14m:date}: 14 minutes before the page
    assert "@{" not in aliases and "${" not in aliases
    assert sim.render_times("@{-90s:ago} @{0s:epoch} @{-1h:time}") == "2 min ago 1900000000 16:46"


def test_alerts_fire_and_resolve_in_the_journal_order(catalog) -> None:
    wall = Wall()
    drill = Drill(catalog.get("refusal-spike"), catalog.library.get("llm-false-refusals"), wall=wall)
    first = drill.alert_changes()
    assert len(first) == 1 and first[0][0].startswith("SIMULATED alert LLMRefusalRateHigh firing: refusal_rate 1")
    assert first[0][1] == {"drill_event": {"alert": "LLMRefusalRateHigh", "state": "firing", "metric": "refusal_rate"}}
    assert drill.alert_changes() == []  # nothing new
    # Negative feedback keeps climbing: its 30-minute ratio crosses the line about 14 minutes after the
    # page, and its alert needs 10 minutes above it (a real Prometheus lags the same way).
    wall.t += 15 * 60
    assert not any("LLMNegativeFeedbackHigh" in t for t, _ in drill.alert_changes())
    wall.t += 10 * 60
    assert any("LLMNegativeFeedbackHigh firing" in t for t, _ in drill.alert_changes())
    drill.sim.run_command("rollback_prompt")
    wall.t += 60 * 60
    resolved = [t for t, _ in drill.alert_changes()]
    assert resolved == ["SIMULATED alert LLMNegativeFeedbackHigh resolved.",
                        "SIMULATED alert LLMRefusalRateHigh resolved."]


def _prometheus_quantile(q: float, buckets: list[tuple[float, float]]) -> float:
    """histogram_quantile as Prometheus computes it (linear inside the bucket the rank falls in)."""
    total = buckets[-1][1]
    rank = q * total
    prev_bound, prev_count = 0.0, 0.0
    for bound, count in buckets:
        if count >= rank:
            if bound == float("inf"):
                return prev_bound
            return prev_bound + (bound - prev_bound) * (rank - prev_count) / (count - prev_count)
        prev_bound, prev_count = bound, count
    raise AssertionError("unreachable")


@settings(max_examples=300, deadline=None)
@given(st.floats(min_value=0.0001, max_value=10.0), st.sampled_from([0.5, 0.9, 0.95, 0.99]))
def test_histogram_buckets_give_back_the_quantile(value: float, q: float) -> None:
    bounds = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
    shares = bucket_shares(value, q, bounds)
    assert shares == sorted(shares) and shares[-1] == 1.0 and shares[0] >= 0
    got = _prometheus_quantile(q, list(zip([*bounds, float("inf")], shares)))
    assert got == pytest.approx(max(value, q * bounds[0]), rel=1e-9)  # the first bucket's floor is q * bound


def _samples(service: SimulatedService) -> dict[tuple, float]:
    out = {}
    for family in text_string_to_metric_families(generate_latest(service.registry()).decode()):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def test_exporter_counters_are_real_counters_whose_rate_is_the_value(catalog) -> None:
    wall = Wall()
    sim = sim_of(catalog, "refusal-spike", wall=wall)
    service = SimulatedService(sim, history=False)
    key_ref = ("llm_refusals_total", (("service", "support-assistant"),))
    key_all = ("llm_requests_total", (("service", "support-assistant"),))
    before = _samples(service)
    seen = [before]
    for _ in range(12):
        wall.t += 5
        seen.append(_samples(service))
    assert all(a[key_ref] <= b[key_ref] and a[key_all] <= b[key_all] for a, b in zip(seen, seen[1:]))
    after = seen[-1]
    ratio = (after[key_ref] - before[key_ref]) / (after[key_all] - before[key_all])
    mean = sum(sim.signal("refusal_rate", t) for t in range(60)) / 60  # the service; Prometheus applies the window
    assert ratio == pytest.approx(mean, rel=0.02)
    assert after[key_all] - before[key_all] == pytest.approx(25 * 60, rel=1e-6)  # per_second 25
    gauge = after[("llm_eval_pass_ratio", (("service", "support-assistant"), ("suite", "golden")))]
    assert gauge == sim.value("eval_pass_rate")


def test_history_reaches_back_past_every_offset_and_carries_the_scrape_labels(catalog) -> None:
    sim = sim_of(catalog, "precision-drop", wall=Wall())
    service = SimulatedService(sim)
    times = history_times(service.queries, sim.origin)
    assert times == sorted(times) and times[-1] < sim.origin
    assert times[0] <= sim.origin - 8 * 86400  # [7d] offset 1d
    day = [t for t in times if abs(t - (sim.origin - 86400)) < 1800]  # rate(...[30m] offset 1d) needs fine samples
    assert len(day) >= 30
    text = history_text(service, {"job": "sim", "instance": "h:1"}).decode()
    assert text.rstrip().endswith("# EOF")
    line = next(x for x in text.splitlines() if x.startswith("prediction_psi{"))
    assert 'job="sim"' in line and 'instance="h:1"' in line and len(line.split()) == 3  # value and timestamp


def test_source_readings_are_simulated_and_other_runbooks_metrics_say_so(catalog) -> None:
    wall = Wall()
    sim = sim_of(catalog, "gpu-oom-loop", wall=wall)
    queries = metric_queries(sim.runbook, sim.runbook.default_params())
    foreign = MetricQuery(Metric("restarts_15m", "Restarts", "up"), "up")
    source = SimulatedSource(sim, [*queries[:2], foreign], history_points=30)
    snap = source.snapshot()
    assert snap.simulated and snap.source.name == "SIMULATED"
    gpu = snap.get("gpu_mem_used")
    assert gpu.simulated and gpu.value == sim.value("gpu_mem_used") and gpu.state == "crit"
    assert len(gpu.sparkline()) == 30
    other = snap.readings["restarts_15m"]
    assert other.state == "nodata" and "simulates only runbook gpu-oom-serving" in other.error


async def test_source_polls_on_its_own_and_stops(catalog) -> None:
    sim = sim_of(catalog, "stale-index")
    got: list = []
    polled: list = []
    source = SimulatedSource(sim, metric_queries(sim.runbook, sim.runbook.default_params()), got.append,
                             interval=0.05, on_poll=polled.append)
    source.start()
    for _ in range(100):
        if len(got) >= 3:
            break
        await asyncio.sleep(0.02)
    await source.stop()
    assert len(got) >= 3
    # each poll tells on_poll first, so a stop between the two callbacks leaves one poll without its snapshot
    assert len(got) <= len(polled) <= len(got) + 1
    assert not source.running
    assert got[-1].get("index_age").value > 4 * 86400


async def test_commands_are_answered_never_run_and_the_danger_gate_holds(catalog, tmp_path: Path) -> None:
    sim = sim_of(catalog, "gpu-oom-loop", speed=50)
    launch_for = launcher_for(sim)
    settings = type("S", (), {"read_only": False, "runs_dir": tmp_path})()
    rollback = prepare_command(sim.runbook, "rollback", {})
    with pytest.raises(DangerRefused):
        launch_for(rollback, settings)
    read_only = type("S", (), {"read_only": True, "runs_dir": tmp_path})()
    with pytest.raises(DangerRefused, match="read-only"):
        launch_for(rollback, read_only, confirmed=True)
    assert not sim.fixed
    lines: list[str] = []
    launch = launch_for(rollback, settings, confirmed=True, on_lines=lines.extend)
    result = await launch.run()
    assert result.ok and result.display.startswith("[SIMULATED] kubectl --context= rollout undo")
    assert lines == list(result.head) and "deployment.apps/support-llm-vllm rolled back" in lines
    # answered by the scenario: no process ran (no log, no run folder), yet the simulated service is fixed
    assert result.log_path is None and sim.fixed and not list(tmp_path.iterdir())
    slow = launch_for(prepare_command(sim.runbook, "rollout_status", {}), settings)
    slow.cancel()
    assert (await slow.run()).cancelled


def test_rules_are_valid_prometheus_rules(catalog, tmp_path: Path) -> None:
    import shutil

    from tui.drill.serve import alert_rules

    if shutil.which("promtool") is None:
        pytest.skip("promtool not installed")
    for sid in catalog.scenarios:
        path = tmp_path / f"{sid}.yml"
        path.write_text(alert_rules(sim_of(catalog, sid)))
        check = subprocess.run(["promtool", "check", "rules", str(path)], capture_output=True, text=True)
        assert check.returncode == 0, check.stdout + check.stderr
        assert "${" not in path.read_text()
