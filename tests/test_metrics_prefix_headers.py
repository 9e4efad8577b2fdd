"""Engines behind a path prefix or needing a tenant header: URLs work as given, `prometheus_headers` reach the server.

Real engines where they serve a prefix (VictoriaMetrics answers under /prometheus; Prometheus under its
--web.route-prefix); the cluster path /select/0/prometheus and the headers are read back from the fault server.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
import pytest

from tests.fixtures.servers import REFUSAL_RATIO, RUNBOOK_YAML, Servers, _start, free_port, require_binaries, stop_process
from tui.cli import main
from tui.config import load_settings, parse_headers, settings_secrets
from tui.errors import UsageError
from tui.metrics.prometheus import PrometheusClient


def _value(capsys, url: str, folder: Path) -> dict:
    code = main(["metrics", "llm-false-refusals", "--runbooks", str(folder), "--prometheus", url,
                 "--param", "model=support-assistant", "--json"])
    out, err = capsys.readouterr()
    assert (code, err) == (0, ""), err
    return {r["name"]: r for r in json.loads(out)}["refusal_rate"]


@pytest.mark.prometheus
def test_an_engine_served_under_a_path_prefix_answers_at_the_url_as_given(servers: Servers, tmp_path: Path, capsys):
    (tmp_path / "llm-false-refusals.yaml").write_text(RUNBOOK_YAML)
    if servers.engine == "victoriametrics":
        row = _value(capsys, servers.prometheus_url + "/prometheus", tmp_path)  # VictoriaMetrics' own prefix
        assert (row["value"], row["state"]) == (REFUSAL_RATIO["support-assistant"], "crit")
        return
    require_binaries("prometheus")
    port = free_port()
    base = f"http://127.0.0.1:{port}/prometheus"
    (tmp_path / "prefixed.yml").write_text(
        "global: {scrape_interval: 1s}\nscrape_configs:\n  - job_name: ai-service\n"
        f"    static_configs: [{{targets: [\"{servers.exporter_url.split('//', 1)[1]}\"]}}]\n")
    proc = _start(["prometheus", f"--config.file={tmp_path / 'prefixed.yml'}", f"--storage.tsdb.path={tmp_path / 'data'}",
                   f"--web.listen-address=127.0.0.1:{port}", "--web.route-prefix=/prometheus",
                   f"--web.external-url={base}", "--log.level=warn"], tmp_path / "prefixed.log")
    try:
        deadline = time.monotonic() + 45
        with httpx.Client(timeout=2.0) as client:
            while time.monotonic() < deadline:
                try:
                    reply = client.get(f"{base}/api/v1/query", params={"query": "ai_refusal_ratio"}).json()
                    if len(reply["data"]["result"]) == len(REFUSAL_RATIO):
                        break
                except (httpx.HTTPError, ValueError, KeyError):
                    pass
                time.sleep(0.1)
        row = _value(capsys, base, tmp_path)
        assert (row["value"], row["state"]) == (REFUSAL_RATIO["support-assistant"], "crit")
        # Without its prefix the same server has no query API, and the sentence says what to pass.
        code = main(["metrics", "llm-false-refusals", "--runbooks", str(tmp_path), "--prometheus",
                     f"http://127.0.0.1:{port}", "--json"])
        assert code != 0 and "with the path prefix it is served under" in capsys.readouterr().err
    finally:
        stop_process(proc)


async def test_headers_and_a_cluster_prefix_reach_the_server(fault_server):
    url = fault_server.url + "/select/0/prometheus/"
    async with PrometheusClient(url, headers={"X-Scope-OrgID": "tenant-a"}, token="t0k", timeout=5.0) as client:
        await client.query("ai_refusal_ratio")
        await client.query_range("ai_refusal_ratio", 1.0, 61.0, 15.0)
    assert [r.path for r in fault_server.requests] == ["/select/0/prometheus/api/v1/query",
                                                       "/select/0/prometheus/api/v1/query_range"]
    for request in fault_server.requests:
        assert request.headers["x-scope-orgid"] == "tenant-a"
        assert request.headers["authorization"] == "Bearer t0k"


async def test_the_token_wins_over_a_configured_authorization_header(fault_server):
    async with PrometheusClient(fault_server.url, headers={"Authorization": "Basic old"}, token="t0k") as client:
        await client.query("up")
    assert fault_server.requests[-1].headers["authorization"] == "Bearer t0k"


def test_headers_come_from_config_yaml_or_the_environment(tmp_path: Path):
    config = tmp_path / "config.yaml"
    config.write_text("prometheus_headers:\n  X-Scope-OrgID: tenant-a\n  X-Api-Key: k3y-s3cret\n")
    settings = load_settings(env={}, config_path=config)
    assert settings.prometheus_headers == (("X-Scope-OrgID", "tenant-a"), ("X-Api-Key", "k3y-s3cret"))
    assert "k3y-s3cret" in settings_secrets(settings) and "tenant-a" not in settings_secrets(settings)
    env = {"ONCALL_PROMETHEUS_HEADERS": "X-Scope-OrgID: tenant-b\nX-Extra: 1"}
    assert load_settings(env=env, config_path=config).prometheus_headers == (("X-Scope-OrgID", "tenant-b"),
                                                                             ("X-Extra", "1"))


@pytest.mark.parametrize(("value", "words"), [
    ({"X Scope": "a"}, "is not a header name"),
    ({"X-Scope-OrgID": "a\r\nX-Evil: 1"}, "holds a control character"),
    ({"Host": "elsewhere"}, "oncall sets the Host header itself"),
    ({"X-Scope-OrgID": ["a"]}, "needs a text value"),
    ("X-Scope-OrgID tenant-a", "is not 'Name: value'"),
    (["X-Scope-OrgID"], "has the wrong type"),
])
def test_a_header_that_could_break_the_request_is_a_sentence(value, words):
    with pytest.raises(UsageError, match=words):
        parse_headers(value, "prometheus_headers")
