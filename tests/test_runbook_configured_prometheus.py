"""The bundled runbooks' diagnostic queries go to the Prometheus oncall is configured with
(`${env.prometheus_url}`), not to a parameter of their own; without one, a command says how to set it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tui.config import BUNDLED_RUNBOOKS, Settings
from tui.drill.runner import DRILL_PROMETHEUS_URL, drill_settings
from tui.launch import prepare_command
from tui.runbook.library import load_library
from tui.runbook.render import RenderError

LIBRARY = load_library([BUNDLED_RUNBOOKS])
QUERIES = [(rb.id, name) for rb in LIBRARY.runbooks.values() for name, c in rb.commands.items()
           if "/api/v1/query" in " ".join(c.run or [c.shell or ""])]


def test_no_bundled_runbook_has_a_prometheus_parameter_and_every_query_reads_the_configured_one() -> None:
    assert len(QUERIES) >= 34
    assert not [rb.id for rb in LIBRARY.runbooks.values() if "prometheus_url" in rb.params]
    for rb_id, name in QUERIES:
        command = LIBRARY.get(rb_id).commands[name]
        assert "${env.prometheus_url}" in (command.run or []), (rb_id, name)


@pytest.mark.parametrize(("rb_id", "name"), QUERIES[:3])
def test_a_query_goes_to_the_configured_prometheus(rb_id: str, name: str) -> None:
    rb = LIBRARY.get(rb_id)
    prepared = prepare_command(rb, name, {}, Settings(prometheus_url="https://thanos.eu.example"))
    assert "https://thanos.eu.example" in prepared.argv
    assert prepared.env["ONCALL_PROMETHEUS_URL"] == "https://thanos.eu.example"


def test_without_a_prometheus_url_a_query_says_how_to_set_one_in_one_sentence() -> None:
    rb_id, name = QUERIES[0]
    with pytest.raises(RenderError) as caught:
        prepare_command(LIBRARY.get(rb_id), name, {}, Settings())
    message = str(caught.value)
    assert "--prometheus URL" in message and "ONCALL_PROMETHEUS_URL" in message
    assert message.count(". ") == 0 and message.endswith(".") and "vars." not in message


def clean_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ONCALL_", "XDG_"))}
    env.update(XDG_CONFIG_HOME=str(tmp_path / "config"), XDG_DATA_HOME=str(tmp_path / "data"), ONCALL_USER="bob")
    return env


def oncall(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tui", *args], capture_output=True, text=True, env=env, timeout=60)


def test_oncall_run_queries_the_prometheus_it_is_given(tmp_path: Path, fault_server) -> None:
    done = oncall(clean_env(tmp_path), "run", "data-drift", "top_drifted", "--prometheus", fault_server.url)
    assert done.returncode == 0, done.stderr
    assert "job=fault" in done.stdout  # the series the server answered
    (request,) = [r for r in fault_server.requests if r.path == "/api/v1/query"]
    assert 'feature_psi{model="fraud-detector"}' in request.params["query"][0]


def test_oncall_run_without_a_prometheus_fails_with_the_sentence(tmp_path: Path) -> None:
    done = oncall(clean_env(tmp_path), "run", "data-drift", "top_drifted")
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.strip() == ("oncall: No Prometheus URL is set (${env.prometheus_url} needs one); "
                                   "pass --prometheus URL or set ONCALL_PROMETHEUS_URL.")


def test_a_drill_shows_a_stand_in_without_a_prometheus_and_the_configured_one_with_it() -> None:
    assert drill_settings(Settings()).prometheus_url == DRILL_PROMETHEUS_URL
    assert drill_settings(Settings(prometheus_url="http://prom:9090")).prometheus_url == "http://prom:9090"
