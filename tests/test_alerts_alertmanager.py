"""Firing alerts from the real Alertmanager, linked to their runbooks with parameters filled."""

from __future__ import annotations

import json

import pytest

from tests.fixtures.servers import RUNBOOK_URL, dead_url
from tui.cli import main
from tui.metrics.alerts import AlertmanagerClient, AlertmanagerError, link_alerts
from tui.runbook.library import load_library

pytestmark = pytest.mark.prometheus


async def test_active_alerts_without_silenced_ones(servers):
    async with AlertmanagerClient(servers.alertmanager_url) as client:
        alerts = await client.alerts()
        everything = await client.alerts(include_suppressed=True)
    by_name = {a.name: a for a in alerts}
    assert set(by_name) == {"LLMRefusalSpike", "ModelAccuracyDrop"}
    spike = by_name["LLMRefusalSpike"]
    assert spike.labels["model"] == "support-assistant" and spike.runbook_url == RUNBOOK_URL
    assert spike.state == "active" and spike.starts_at and spike.fingerprint
    assert spike.summary == "Refusal ratio of support-assistant is 0.124"
    canary = [a for a in everything if a.name == "NoisyCanary"]
    assert len(canary) == 1 and canary[0].silenced_by == (servers.silence_id,) and canary[0].state == "suppressed"


async def test_alerts_linked_by_runbook_url_and_by_alert_matchers(servers, metrics_runbooks):
    async with AlertmanagerClient(servers.alertmanager_url) as client:
        links = {link.alert.name: link for link in link_alerts(await client.alerts(),
                                                                load_library([metrics_runbooks]).runbooks)}
    spike = links["LLMRefusalSpike"]
    assert (spike.runbook, dict(spike.params)) == ("llm-false-refusals", {"model": "support-assistant"})
    drop = links["ModelAccuracyDrop"]
    assert (drop.runbook, dict(drop.params)) == ("model-accuracy-drop", {"model": "search-ranker"})


def test_cli_json_lists_each_alert_with_runbook_and_params(servers, metrics_runbooks, capsys):
    code = main(["alerts", "--runbooks", str(metrics_runbooks), "--alertmanager", servers.alertmanager_url, "--json"])
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    rows = {r["alertname"]: r for r in json.loads(out)}
    assert set(rows) == {"LLMRefusalSpike", "ModelAccuracyDrop"}
    spike = rows["LLMRefusalSpike"]
    assert (spike["runbook"], spike["params"], spike["silenced"]) == (
        "llm-false-refusals", {"model": "support-assistant"}, False)
    assert spike["labels"]["severity"] == "page" and spike["annotations"]["runbook_url"] == RUNBOOK_URL

    code = main(["alerts", "--runbooks", str(metrics_runbooks), "--alertmanager", servers.alertmanager_url,
                 "--json", "--all"])
    rows = {r["alertname"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["NoisyCanary"]["silenced"] is True and rows["NoisyCanary"]["runbook"] is None


def test_cli_table(servers, metrics_runbooks, capsys):
    assert main(["alerts", "--runbooks", str(metrics_runbooks), "--alertmanager", servers.alertmanager_url]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["ALERT", "SINCE", "RUNBOOK", "PARAMS", "SUMMARY"]
    spike = next(line for line in lines if line.startswith("LLMRefusalSpike"))
    assert "llm-false-refusals" in spike and "model=support-assistant" in spike


def test_dead_alertmanager_is_one_sentence_exit_1(metrics_runbooks, capsys):
    url = dead_url()
    code = main(["alerts", "--runbooks", str(metrics_runbooks), "--alertmanager", url])
    err = capsys.readouterr().err
    assert code == 1 and err.count("\n") == 1
    assert err.startswith(f"oncall: Cannot reach Alertmanager at {url} (")
    assert err.rstrip().endswith("that Alertmanager is running.")


async def test_not_an_alert_list(fault_server):
    async with AlertmanagerClient(fault_server.url) as client:
        with pytest.raises(AlertmanagerError, match="not an alert list"):
            await client.alerts()  # the fault server answers Prometheus-shaped JSON
        fault_server.mode = "notfound"
        with pytest.raises(AlertmanagerError, match="answered HTTP 404"):
            await client.alerts()


ENVIRONMENTS = """\
environments:
  prod-eu:
    match: {cluster: eu-prod-2}
    protected: true
    vars: {kube_context: eu-prod-2}
  staging:
    match: {cluster: staging-1}
    vars: {kube_context: staging-1}
"""


async def test_an_alerts_cluster_label_picks_its_environment(servers, metrics_runbooks, tmp_path):
    """A real alert carrying `cluster: eu-prod-2` opens its incident in prod-eu: the incident records
    it, its commands act there, and the screen says so; an alert without one names none."""
    from tests.screenshots import wait_for
    from tui.app.factory import make_app
    from tui.app.screens.incident import IncidentScreen
    from tui.config import environment_for_labels, load_settings

    config = tmp_path / "config.yaml"  # only prod-eu knows a Prometheus: the incident's metrics must come from it
    config.write_text(ENVIRONMENTS.replace("    protected: true\n",
                                           f"    protected: true\n    prometheus_url: {servers.prometheus_url}\n"))
    settings = load_settings({"runbooks": [str(metrics_runbooks)], "alertmanager": servers.alertmanager_url,
                              "journal": str(tmp_path / "journal.json"), "user": "alice"},
                             env={}, config_path=config)
    async with AlertmanagerClient(servers.alertmanager_url) as client:
        alerts = {a.name: a for a in await client.alerts()}
    assert environment_for_labels(settings, alerts["LLMRefusalSpike"].labels) == "prod-eu"
    assert environment_for_labels(settings, alerts["ModelAccuracyDrop"].labels) is None

    app = make_app(settings, alert="LLMRefusalSpike", cursor_blink=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ParamsScreen", tries=3000)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, IncidentScreen), tries=3000)
        controller = app.screen.controller
        assert controller.incident.environment == "prod-eu" and controller.environment == "prod-eu"
        assert controller.env_values()["env.kube_context"] == "eu-prod-2"
        assert controller.incident.alert_fingerprint == alerts["LLMRefusalSpike"].fingerprint
        await wait_for(pilot, lambda: "refusal_rate" in controller.readings, tries=3000)  # the environment's Prometheus
        assert controller.readings["refusal_rate"].state == "crit"
        first = controller.incident_id
    # `oncall --alert` again joins the incident opened for that alert's fingerprint: no second one.
    again = make_app(settings, alert="LLMRefusalSpike", cursor_blink=False)
    async with again.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(again.screen, IncidentScreen), tries=3000)
        assert again.screen.controller.incident_id == first
    assert len(again.journal.incidents()) == 1


def test_metrics_read_the_environments_prometheus(servers, metrics_runbooks, tmp_path, capsys, monkeypatch):
    config = tmp_path / "oncall" / "config.yaml"
    config.parent.mkdir()
    config.write_text(f"environments:\n  prod-eu: {{prometheus_url: '{servers.prometheus_url}'}}\n")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))  # no --prometheus: only the environment names one
    code = main(["metrics", "llm-false-refusals", "--runbooks", str(metrics_runbooks), "--env", "prod-eu",
                 "--param", "model=support-assistant", "--json"])
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)}
    assert code == 0 and rows["refusal_rate"]["state"] == "crit"
