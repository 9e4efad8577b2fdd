"""Environments (config.yaml's `environments:`): which cluster, namespace and Prometheus a command acts on.

Two environments are configured, as a team with a protected production and a staging would: commands
see their environment's vars and env, the protected one refuses a danger command without its name and
runs it with it, and the journal names the environment of every run. Real `oncall run` processes.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tui.config import (
    command_environment,
    environment_for_labels,
    environment_values,
    for_incident,
    load_settings,
    settings_secrets,
)
from tui.errors import UsageError
from tui.journal import open_journal
from tui.launch import DangerRefused, check_danger, confirmation_word, prepare_command
from tui.runbook.library import load_library
from tui.runbook.render import render_query

DATA = Path(__file__).parent / "data" / "environments"

CONFIG = """\
environments:
  prod-eu:
    match: {cluster: eu-prod-2}
    protected: true
    prometheus_url: http://127.0.0.1:9/prod
    prometheus_headers: {X-Scope-OrgID: ml}
    alertmanager_url: http://127.0.0.1:9/am-prod
    vars: {kube_context: eu-prod-2, namespace: ml-prod}
    env: {KUBECONFIG: /home/me/.kube/eu}
  staging:
    match: {cluster: staging-1}
    prometheus_url: http://127.0.0.1:9/staging
    vars: {kube_context: staging-1, namespace: ml-staging}
    env: {KUBECONFIG: /home/me/.kube/staging}
"""


@pytest.fixture
def home(tmp_path: Path) -> dict[str, str]:
    (tmp_path / "config" / "oncall").mkdir(parents=True)
    (tmp_path / "config" / "oncall" / "config.yaml").write_text(CONFIG)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ONCALL_", "XDG_"))}
    env.update(XDG_CONFIG_HOME=str(tmp_path / "config"), XDG_DATA_HOME=str(tmp_path / "data"),
               ONCALL_RUNBOOKS=str(DATA), ONCALL_USER="bob")
    return env


def oncall(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tui", *args], capture_output=True, text=True, env=env, timeout=60)


def settings_in(home: dict[str, str], **flags: object):
    return load_settings(flags, env=home)


def runbook():
    return load_library([DATA]).get("env-test")


# -- choosing one --------------------------------------------------------------------------------

def test_env_flag_and_variable_pick_the_environment_and_its_urls(home) -> None:
    plain = settings_in(home)
    assert plain.environment is None and plain.prometheus_url is None and set(plain.environments) == {"prod-eu", "staging"}
    prod = settings_in(home, env="prod-eu")
    assert (prod.environment, prod.prometheus_url, prod.alertmanager_url) == (
        "prod-eu", "http://127.0.0.1:9/prod", "http://127.0.0.1:9/am-prod")
    assert prod.env_pinned and prod.active_environment.protected
    staging = load_settings({}, env={**home, "ONCALL_ENV": "staging"})
    assert staging.environment == "staging" and staging.prometheus_url == "http://127.0.0.1:9/staging"
    # A flag still wins over the environment's own URL.
    assert settings_in(home, env="staging", prometheus="http://flag:9090").prometheus_url == "http://flag:9090"


def test_an_unknown_environment_or_key_is_one_sentence(home, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"no environment 'prod'.*prod-eu, staging"):
        settings_in(home, env="prod")
    bad = tmp_path / "bad.yaml"
    bad.write_text("environments:\n  prod: {protect: true}\n")
    with pytest.raises(UsageError, match="unknown key 'protect'"):
        load_settings({}, env=home, config_path=bad)
    bad.write_text("environments:\n  prod: {vars: {name: x}}\n")
    with pytest.raises(UsageError, match="set by oncall itself"):
        load_settings({}, env=home, config_path=bad)
    bad.write_text("environments:\n  prod: {protected: maybe}\n")
    with pytest.raises(UsageError, match="neither yes nor no"):
        load_settings({}, env=home, config_path=bad)


def test_alert_labels_pick_the_environment(home) -> None:
    settings = settings_in(home)
    assert environment_for_labels(settings, {"alertname": "X", "cluster": "eu-prod-2"}) == "prod-eu"
    assert environment_for_labels(settings, {"alertname": "X", "cluster": "staging-1"}) == "staging"
    assert environment_for_labels(settings, {"alertname": "X"}) is None
    # Not pinned: an incident works in its alert's environment; pinned (--env): in the one pointed at.
    assert for_incident(settings, "prod-eu").prometheus_url == "http://127.0.0.1:9/prod"
    assert for_incident(settings_in(home, env="staging"), "prod-eu").environment == "staging"


def test_headers_of_an_environment_override_the_global_ones_in_one_place(home, tmp_path: Path) -> None:
    cfg = tmp_path / "c.yaml"
    cfg.write_text("prometheus_headers: {X-Scope-OrgID: global, X-Api-Key: k-123456}\n"
                   "environments:\n  a: {prometheus_headers: {x-scope-orgid: ml}}\n  b: {}\n")
    a = load_settings({"env": "a"}, env=home, config_path=cfg)
    assert dict(a.prometheus_headers) == {"X-Api-Key": "k-123456", "x-scope-orgid": "ml"}  # name by name
    assert dict(load_settings({"env": "b"}, env=home, config_path=cfg).prometheus_headers) == {
        "X-Scope-OrgID": "global", "X-Api-Key": "k-123456"}
    cfg.write_text("environments:\n  a: {prometheus_headers: {Host: x}}\n")  # the one header reader's rules
    with pytest.raises(UsageError, match="sets the Host header itself"):
        load_settings({}, env=home, config_path=cfg)
    cfg.write_text("environments:\n  a: {prometheus_headers: {X-Api-Key: s3cr3t-value}}\n")
    assert "s3cr3t-value" in settings_secrets(load_settings({}, env=home, config_path=cfg))


def test_a_password_in_an_environment_url_is_a_secret(home, tmp_path: Path) -> None:
    cfg = tmp_path / "c.yaml"
    cfg.write_text("environments:\n  a: {prometheus_url: 'http://u:hunter22@127.0.0.1:9'}\n")
    assert "hunter22" in settings_secrets(load_settings({}, env=home, config_path=cfg))


# -- what commands and queries see -------------------------------------------------------------------

def test_commands_see_their_environments_vars_and_env(home) -> None:
    for name, context, kubeconfig in (("prod-eu", "eu-prod-2", "/home/me/.kube/eu"),
                                      ("staging", "staging-1", "/home/me/.kube/staging")):
        done = oncall(home, "run", "env-test", "where", "--env", name)
        namespace = "ml-prod" if name == "prod-eu" else "ml-staging"
        prom = "http://127.0.0.1:9/prod" if name == "prod-eu" else "http://127.0.0.1:9/staging"
        assert done.returncode == 0, done.stderr
        assert done.stdout == (f"context={context} namespace={namespace} kubeconfig={kubeconfig} "
                               f"prometheus={prom} env={name}\n")
        done = oncall(home, "run", "env-test", "where_argv", "--env", name)
        assert done.stdout == f"{context}|fraud-detector\n"


def test_no_environment_says_how_to_pick_one(home) -> None:
    done = oncall(home, "run", "env-test", "where_argv")
    assert done.returncode != 0 and "sets no vars.kube_context" in done.stderr and "--env NAME" in done.stderr
    assert "Traceback" not in done.stderr


def test_an_environments_value_stays_data(home, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    hostile = f'$(touch {marker})"; touch {marker}; echo "'
    cfg = tmp_path / "config" / "oncall" / "config.yaml"
    cfg.write_text(f"environments:\n  x:\n    vars: {{kube_context: '{hostile}', namespace: 'a\"b'}}\n")
    done = oncall(home, "run", "env-test", "where", "--env", "x")
    assert done.returncode == 0 and f"context={hostile} " in done.stdout and not marker.exists()
    settings = settings_in(home, env="x")
    query = runbook().metrics["errors"].query
    rendered = render_query(query, {"model": "m", **environment_values(settings)})
    assert 'namespace="a\\"b"' in rendered  # escaped by PromQL's rules
    # In an argv a leading '-' is refused (no pattern can allow it for an environment's value).
    cfg.write_text("environments:\n  x:\n    vars: {kube_context: --all}\n")
    with pytest.raises(Exception, match="starts with '-'"):
        prepare_command(runbook(), "where_argv", {}, settings_in(home, env="x"))


def test_the_shell_sees_env_vars_as_variables_not_text(home) -> None:
    prepared = prepare_command(runbook(), "where", {}, settings_in(home, env="staging"))
    script = prepared.argv[-1]
    assert "${ONCALL_ENV_kube_context}" in script and "staging-1" not in script
    assert prepared.env["ONCALL_ENV_kube_context"] == "staging-1"
    assert prepared.env["KUBECONFIG"] == "/home/me/.kube/staging"
    assert command_environment(settings_in(home, env="staging"))["ONCALL_PROMETHEUS_URL"] == "http://127.0.0.1:9/staging"


def test_the_validator_judges_env_vars_like_parameters(tmp_path: Path) -> None:
    from tui.runbook.validate import validate_text

    text = (DATA / "env-test.yaml").read_text()
    assert not [p for p in validate_text(text)[1] if p.is_error]
    _, problems = validate_text(text.replace('echo "context=${env.kube_context}', "echo 'context=${env.kube_context}"))
    errors = [p for p in problems if p.is_error]
    assert errors and "quote" in errors[0].message, errors


# -- danger in a protected environment -----------------------------------------------------------------

def test_the_protected_environment_needs_its_name(home, tmp_path: Path) -> None:
    marker = tmp_path / "rolled-back"
    args = ["run", "env-test", "rollback", "--param", f"marker={marker}", "--env", "prod-eu"]
    done = oncall(home, *args, "--yes")
    assert done.returncode != 0 and "--confirm prod-eu" in done.stderr and not marker.exists()
    done = oncall(home, *args, "--yes", "--confirm", "staging")
    assert done.returncode != 0 and "protected" in done.stderr and not marker.exists()
    done = oncall(home, *args, "--yes", "--confirm", "prod-eu")
    assert done.returncode == 0, done.stderr
    assert marker.exists()
    # Staging is not protected: --yes is enough.
    marker.unlink()
    done = oncall(home, "run", "env-test", "rollback", "--param", f"marker={marker}", "--env", "staging", "--yes")
    assert done.returncode == 0 and marker.exists()


def test_the_app_asks_for_the_environments_name() -> None:
    settings = load_settings({}, env={"XDG_CONFIG_HOME": "/nonexistent"})
    from dataclasses import replace

    from tui.config import Environment, with_environment

    settings = with_environment(replace(settings, environments={"prod-eu": Environment("prod-eu", protected=True)}),
                                "prod-eu", pinned=True)
    prepared = prepare_command(load_library([DATA]).get("env-test"), "rollback", {}, settings)
    assert confirmation_word(prepared) == "prod-eu"
    check_danger(prepared, read_only=False, confirmed=True, confirmed_environment="prod-eu")
    with pytest.raises(DangerRefused):
        check_danger(prepared, read_only=False, confirmed=True, confirmed_environment=None)


def test_an_environments_read_only_refuses_danger(home, tmp_path: Path) -> None:
    cfg = tmp_path / "config" / "oncall" / "config.yaml"
    cfg.write_text(CONFIG.replace("  staging:\n", "  staging:\n    read_only: true\n"))
    done = oncall(home, "run", "env-test", "rollback", "--param", f"marker={tmp_path / 'm'}", "--env", "staging",
                  "--yes")
    assert done.returncode != 0 and "read-only" in done.stderr and not (tmp_path / "m").exists()


# -- the journal names it; an incident of another environment changes nothing ------------------------------------

def test_the_journal_names_the_environment_and_an_incident_of_another_refuses_danger(home, tmp_path: Path) -> None:
    from tui.clock import Clock
    from tui.incident.record import IncidentRecord

    settings = settings_in(home)
    with open_journal(settings) as journal:
        record = IncidentRecord.open(journal, Clock(), runbook(), {}, alert="ModelErrors", environment="prod-eu")
        iid = record.incident_id
    done = oncall(home, "run", "env-test", "where_argv", "--incident", iid)  # not pinned: the incident's own
    assert done.returncode == 0 and done.stdout == "eu-prod-2|fraud-detector\n", done.stderr
    marker = tmp_path / "m"
    done = oncall(home, "run", "env-test", "rollback", "--param", f"marker={marker}", "--incident", iid,
                  "--env", "staging", "--yes")
    assert done.returncode != 0 and "belongs to environment prod-eu" in done.stderr and not marker.exists()
    with open_journal(settings) as journal:
        runs = [e for e in journal.events(iid) if e.kind == "command"]
        assert runs[0].data["environment"] == "prod-eu" and "in environment prod-eu" in runs[0].text
        assert journal.incident(iid).environment == "prod-eu"
        from tui.report.markdown import render_report

        summary = render_report(journal, iid).split("## Impact")[0]
        assert "| Environment | prod-eu |" in summary


def test_a_url_password_reaches_the_command_but_is_never_shown(home, tmp_path: Path) -> None:
    folder = tmp_path / "rb"
    folder.mkdir()
    (folder / "probe.yaml").write_text((DATA / "env-test.yaml").read_text().replace("id: env-test", "id: probe")
                                       .replace("run: [printf, '%s|%s\\n', \"${env.kube_context}\", \"${model}\"]",
                                                "run: [printf, '%s\\n', '${env.prometheus_url}/api/v1/query']"))
    cfg = tmp_path / "config" / "oncall" / "config.yaml"
    cfg.write_text("prometheus_url: http://u:hunter22@127.0.0.1:9\n")
    settings = load_settings({"runbooks": [str(folder)]}, env=home)
    prepared = prepare_command(load_library([folder]).get("probe"), "where_argv", {}, settings)
    assert prepared.argv[-1] == "http://u:hunter22@127.0.0.1:9/api/v1/query"  # the command still gets it
    assert "hunter22" not in prepared.display and "[REDACTED]" in prepared.display
    dry = oncall({**home, "ONCALL_RUNBOOKS": str(folder)}, "run", "probe", "where_argv", "--dry-run")
    assert dry.returncode == 0 and "127.0.0.1:9/api/v1/query" in dry.stdout and "hunter22" not in dry.stdout


def test_the_shown_command_masks_credentials_only() -> None:
    from tui.launch.command import shown_command

    shown = shown_command("curl https://u:pw@prom.example/api -H 'Authorization: Bearer tok-1234567890' -n ml-prod "
                          "GUARDRAIL_AUTH=disabled", ("tok-1234567890", "prod", "pw"))
    assert shown == ("curl https://u:[REDACTED]@prom.example/api -H 'Authorization: Bearer [REDACTED]' -n ml-prod "
                     "GUARDRAIL_AUTH=disabled")  # a short secret ("prod") would mask a namespace: left alone
