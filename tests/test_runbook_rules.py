"""The library's Prometheus rules (runbooks/rules/): valid for both engines, every alert opens a runbook,
every alert the runbooks answer has a rule, and the exporter mappings turn real server metrics into the
names the runbooks query."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import httpx
import pytest
import yaml

from tests.fixtures.servers import free_port, require_binaries, stop_process
from tui.cli import main
from tui.config import BUNDLED_RUNBOOKS
from tui.runbook.library import load_library

RULES = sorted((BUNDLED_RUNBOOKS / "rules").glob("*.yaml"))
UNIT_TESTS = Path(__file__).parent / "data" / "rules" / "exporters_test.yaml"
# Alerts the runbooks answer that this library does not define: the kubernetes-mixin's, and one a person declares.
ELSEWHERE = {"KubePodCrashLooping", "KubeDeploymentReplicasMismatch", "KubeJobFailed", "CPUThrottlingHigh",
             "AIIncidentDeclared"}


def _alert_names() -> set[str]:
    doc = yaml.safe_load((BUNDLED_RUNBOOKS / "rules" / "alerts.yaml").read_text())
    return {r["alert"] for g in doc["groups"] for r in g["rules"] if "alert" in r}


def test_there_are_alert_and_exporter_rules() -> None:
    assert [p.name for p in RULES] == ["alerts.yaml", "exporters.yaml"]


@pytest.mark.prometheus
def test_promtool_checks_the_rules_and_their_unit_tests() -> None:
    require_binaries("promtool")
    check = subprocess.run(["promtool", "check", "rules", *map(str, RULES)], capture_output=True, text=True,
                           timeout=60)
    assert check.returncode == 0, check.stdout + check.stderr
    unit = subprocess.run(["promtool", "test", "rules", UNIT_TESTS.name], cwd=UNIT_TESTS.parent,
                          capture_output=True, text=True, timeout=60)
    assert unit.returncode == 0 and "SUCCESS" in unit.stdout, unit.stdout + unit.stderr


@pytest.mark.prometheus
def test_vmalert_accepts_the_rules() -> None:
    require_binaries("vmalert")
    for path in RULES:
        check = subprocess.run(["vmalert", "-dryRun", f"-rule={path}", "-loggerLevel=ERROR"], capture_output=True,
                               text=True, timeout=60)
        assert check.returncode == 0, check.stdout + check.stderr


def test_every_alert_in_the_rules_opens_a_runbook(capsys) -> None:
    code = main(["lint", str(BUNDLED_RUNBOOKS), "--today", "2026-12-01", *[f"--rules={p}" for p in RULES]])
    out, _ = capsys.readouterr()
    assert code == 0 and out == "", out


def test_an_alert_the_rules_add_without_a_runbook_is_flagged(tmp_path: Path, capsys) -> None:
    rules = tmp_path / "alerts.yaml"
    rules.write_text((BUNDLED_RUNBOOKS / "rules" / "alerts.yaml").read_text()
                     .replace("- alert: GPUXidErrors", "- alert: GPUXidErrorz"))
    assert main(["lint", str(BUNDLED_RUNBOOKS), "--today", "2026-12-01", "--rules", str(rules)]) == 1
    assert "alert GPUXidErrorz opens no runbook" in capsys.readouterr().out


def test_every_alert_the_runbooks_answer_has_a_rule() -> None:
    library = load_library([BUNDLED_RUNBOOKS])
    answered = {a.alertname for rb in library.runbooks.values() for a in rb.alerts}
    assert answered >= ELSEWHERE, ELSEWHERE - answered
    assert _alert_names() == answered - ELSEWHERE


VLLM_OLD = "vllm:gpu_cache_usage_perc"
EXPOSITION = """\
# TYPE vllm:gpu_cache_usage_perc gauge
vllm:gpu_cache_usage_perc{model_name="support-llm",namespace="ml-prod",pod="support-llm-vllm-0"} 0.42
# TYPE vllm:num_requests_waiting gauge
vllm:num_requests_waiting{model_name="support-llm",namespace="ml-prod",pod="support-llm-vllm-0"} 3
# TYPE tgi_queue_size gauge
tgi_queue_size{namespace="ml-prod",pod="support-llm-vllm-1"} 4
"""


@pytest.mark.prometheus
def test_a_real_prometheus_records_the_conventional_names_from_an_old_vllm(tmp_path: Path) -> None:
    """An older vLLM (gpu_cache_usage_perc) and a TGI scraped by a real Prometheus: the gpu-oom runbook's
    KV-cache and queue queries answer through the recorded names."""
    require_binaries("prometheus")
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from threading import Thread

    class Exporter(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = EXPOSITION.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; version=0.0.4")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    exporter = ThreadingHTTPServer(("127.0.0.1", 0), Exporter)
    Thread(target=exporter.serve_forever, daemon=True).start()
    port = free_port()
    config = tmp_path / "prometheus.yml"
    config.write_text(
        "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
        f"rule_files: [{', '.join(str(p) for p in RULES)}]\n"
        "scrape_configs:\n  - job_name: servers\n    honor_labels: true\n"
        f"    static_configs: [{{targets: ['127.0.0.1:{exporter.server_port}']}}]\n")
    with (tmp_path / "prometheus.log").open("wb") as log:
        proc = subprocess.Popen(["prometheus", f"--config.file={config}", f"--storage.tsdb.path={tmp_path / 'data'}",
                                 f"--web.listen-address=127.0.0.1:{port}", "--log.level=warn"],
                                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    library = load_library([BUNDLED_RUNBOOKS])
    runbook = library.get("gpu-oom-serving")
    from tui.runbook.render import check_params, render_query

    values = check_params(runbook, {})
    queries = {name: render_query(runbook.metrics[name].query, values) for name in ("kv_cache_usage", "requests_waiting")}
    got: dict[str, float] = {}
    try:
        with httpx.Client(timeout=5.0) as client:
            deadline = time.monotonic() + 45
            while time.monotonic() < deadline and len(got) < len(queries):
                assert proc.poll() is None, (tmp_path / "prometheus.log").read_text()
                for name, query in queries.items():
                    try:
                        result = client.get(f"http://127.0.0.1:{port}/api/v1/query",
                                            params={"query": query}).json()["data"]["result"]
                    except (httpx.HTTPError, ValueError, KeyError):
                        result = []
                    if result:
                        got[name] = float(result[0]["value"][1])
                time.sleep(0.2)
            health = client.get(f"http://127.0.0.1:{port}/api/v1/rules").json()["data"]["groups"]
    finally:
        stop_process(proc)
        exporter.shutdown()
    assert got == {"kv_cache_usage": 0.42, "requests_waiting": 7.0}, (got, queries)
    assert all(r["health"] != "err" for g in health for r in g["rules"]), health
    assert VLLM_OLD not in queries["kv_cache_usage"]  # the runbook reads the conventional name only
