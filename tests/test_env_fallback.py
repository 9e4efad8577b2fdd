"""`${env.NAME:-text}`: a runbook reads the environment's var, and says what to use when it sets none.

The bundled runbooks act in the environment's kube context and namespace this way and still run for
someone who has no environments configured (kubectl's `--context=` with nothing after it is the
current context)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tui.config import Settings, environment_values, load_settings
from tui.errors import OncallError
from tui.launch import prepare_command
from tui.runbook.library import load_library
from tui.runbook.render import check_params, render_query, render_text, substitute
from tui.runbook.validate import validate_text

DATA = Path(__file__).parent / "data" / "env-fallback"
BUNDLED = Path(__file__).parent.parent / "runbooks"
CONFIG = """\
environments:
  prod-eu:
    vars: {kube_context: eu-prod-2, namespace: ml-prod}
  staging:
    vars: {kube_context: staging-1, namespace: ml-staging, region: us-east-2}
  bare: {}
"""


@pytest.fixture
def settings(tmp_path: Path):
    config = tmp_path / "config.yaml"
    config.write_text(CONFIG)

    def make(env: str | None = None) -> Settings:
        flags = {"runbooks": [str(DATA)], "journal": str(tmp_path / "journal.json"), "user": "alice"}
        return load_settings({**flags, **({"env": env} if env else {})}, env={}, config_path=config)

    return make


def runbook():
    return load_library([DATA]).get("env-fallback")


def test_a_fallback_is_used_only_when_the_environment_has_no_value() -> None:
    text = "--context=${env.kube_context:-} -n ${env.namespace:-ml-prod} ${model} $${HOME}"
    assert substitute(text, {"model": "m"}) == "--context= -n ml-prod m ${HOME}"
    assert substitute(text, {"model": "m", "env.kube_context": "eu-prod-2", "env.namespace": "ml-staging"}) == \
        "--context=eu-prod-2 -n ml-staging m ${HOME}"
    # like the shell's `:-`, an empty value falls back too; without a fallback it stays empty
    assert substitute("${env.namespace:-ml-prod}|${env.namespace}", {"env.namespace": ""}) == "ml-prod|"
    with pytest.raises(OncallError, match=r"sets no vars\.kube_context"):
        substitute("--context=${env.kube_context}", {})
    assert render_text("Done in ${env.kube_context:-the current context}.", {}) == "Done in the current context."


def test_only_an_environment_var_takes_a_fallback() -> None:
    # `${model:-x}` is no placeholder of oncall's: in a shell script it stays bash's own expansion
    assert substitute("${model:-x} ${model}", {"model": "m"}) == "${model:-x} m"


def test_defaults_read_the_environment_and_fall_back(settings) -> None:
    rb = runbook()
    assert rb.default_params() == {"namespace": "ml-prod", "model": "fraud-detector"}  # context: asked
    staging = environment_values(settings("staging"))
    assert rb.default_params(env=staging) == {"namespace": "ml-staging", "context": "staging-1",
                                              "model": "fraud-detector"}
    assert check_params(rb, {}, needed=["namespace"], env=staging)["namespace"] == "ml-staging"
    with pytest.raises(OncallError, match="Parameter context has no default"):
        check_params(rb, {})
    # the environment's value is checked against the parameter's pattern like a typed one
    with pytest.raises(OncallError, match="does not match its pattern"):
        check_params(rb, {}, env={"env.namespace": "Not A Namespace"})


def test_argv_and_shell_commands_get_the_value_or_the_fallback(settings) -> None:
    rb = runbook()
    for env, context, namespace, region in ((None, "", "ml-prod", "eu-west-1"),
                                            ("bare", "", "ml-prod", "eu-west-1"),
                                            ("staging", "staging-1", "ml-staging", "us-east-2")):
        s = settings(env)
        values = rb.default_params(env=environment_values(s))
        argv = prepare_command(rb, "where_argv", values, s)
        assert argv.argv[-3:] == (f"--context={context}", namespace, region)
        shell = prepare_command(rb, "where_shell", values, s)
        assert shell.env["ONCALL_ENV_kube_context"] == context and shell.env["ONCALL_ENV_region"] == region
        out = subprocess.run(shell.argv, env={"PATH": "/usr/bin:/bin", **shell.env}, capture_output=True,
                             text=True, timeout=30, check=True).stdout
        assert out == f"context=[{context}] namespace={namespace} region={region}\n"


def test_promql_escapes_a_fallback_as_it_escapes_a_value() -> None:
    query = runbook().metrics["errors"].query
    assert render_query(query, {}) == 'sum(rate(errors_total{namespace="ml-prod", ctx="no\\"ne"}[5m]))'
    assert render_query(query, {"env.kube_context": 'a"b'}).endswith('ctx="a\\"b"}[5m]))')


def test_the_validator_checks_a_fallback_like_a_default() -> None:
    text = (DATA / "env-fallback.yaml").read_text()
    assert not [p for p in validate_text(text)[1] if p.is_error]
    bad = text.replace("'${env.namespace:-ml-prod}'", "'${env.namespace:-ML PROD}'")
    errors = [p.message for p in validate_text(bad)[1] if p.is_error]
    assert errors == ["params.namespace.default '${env.namespace:-ML PROD}' gives 'ML PROD' when the environment "
                      "sets no such var, which does not match its own pattern ^[a-z0-9-]+$"]
    two = text.replace("region=${env.region:-eu-west-1}", "region=${env.region:-eu-west-1}/${env.region:-us}")
    errors = [p.message for p in validate_text(two)[1] if p.is_error]
    assert len(errors) == 1 and "${env.region:-…} has different fallbacks ('eu-west-1', 'us')" in errors[0]


def test_the_bundled_runbooks_act_in_the_environments_context_and_namespace(settings, tmp_path) -> None:
    library = load_library([BUNDLED])
    rb = library.get("gpu-oom-serving")
    assert rb.params["namespace"].default == "${env.namespace:-ml-prod}"
    every = [(b, name) for b in library.runbooks.values() for name, c in b.commands.items()
             if (c.run or [""])[0] in ("kubectl", "flux", "argo") or "kubectl " in (c.shell or "")]
    assert len(every) > 60
    for b, name in every:  # every kube command names the context, in the argv or the script
        command = b.commands[name]
        text = " ".join(command.run) if command.run else command.shell or ""
        assert text.count("${env.kube_context:-}") >= max(1, text.count("kubectl ") if command.shell else 1), \
            (b.id, name)
    staging = settings("staging")
    values = rb.default_params(env=environment_values(staging))
    assert values["namespace"] == "ml-staging"
    rollback = prepare_command(rb, "rollback", {**values, "to_revision": "3"}, staging)
    assert rollback.argv[:2] == ("kubectl", "--context=staging-1") and "ml-staging" in rollback.argv
    pods = prepare_command(rb, "pods_status", values, staging)
    assert pods.env["ONCALL_ENV_kube_context"] == "staging-1" and pods.env["namespace"] == "ml-staging"
    # with no environment configured the same commands act in kubectl's current context
    plain = settings()
    values = rb.default_params(env=environment_values(plain))
    rollback = prepare_command(rb, "rollback", {**values, "to_revision": "3"}, plain)
    assert rollback.argv[:2] == ("kubectl", "--context=") and "ml-prod" in rollback.argv


async def test_the_params_form_offers_the_environments_namespace(settings) -> None:
    from tests.screenshots import wait_for
    from tui.app.factory import make_app
    from tui.app.screens.params import ParamsScreen
    from tui.app.widgets.field import Field

    for env, namespace, context in (("staging", "ml-staging", "staging-1"), (None, "ml-prod", "")):
        app = make_app(settings(env), runbook="env-fallback", cursor_blink=False)
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_for(pilot, lambda app=app: isinstance(app.screen, ParamsScreen)
                           and bool(app.screen.query(Field)), tries=3000)
            assert app.screen.query_one("#param-namespace", Field).value == namespace
            assert app.screen.query_one("#param-context", Field).value == context


KUBECONFIG = """\
apiVersion: v1
kind: Config
clusters:
- {name: one, cluster: {server: "http://127.0.0.1:%d"}}
- {name: two, cluster: {server: "http://127.0.0.1:%d"}}
contexts:
- {name: ctx-one, context: {cluster: one, user: u}}
- {name: ctx-two, context: {cluster: two, user: u}}
current-context: ctx-one
users:
- {name: u, user: {}}
"""


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed")
def test_kubectl_acts_in_the_environments_context_or_its_current_one(tmp_path: Path) -> None:
    """Real kubectl, two contexts on two dead ports: the port it tries tells which context it used."""
    from tests.fixtures.servers import free_port

    one, two = free_port(), free_port()
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(KUBECONFIG % (one, two))
    config = tmp_path / "config.yaml"
    config.write_text(f"environments:\n  two: {{vars: {{kube_context: ctx-two}}, env: {{KUBECONFIG: '{kubeconfig}'}}}}\n"
                      f"  bare: {{env: {{KUBECONFIG: '{kubeconfig}'}}}}\n")
    rb = load_library([BUNDLED]).get("gpu-oom-serving")
    for env, port in (("two", two), ("bare", one)):
        settings = load_settings({"env": env, "journal": str(tmp_path / "j.json")}, env={}, config_path=config)
        prepared = prepare_command(rb, "rollout_history", rb.default_params(env=environment_values(settings)),
                                   settings)
        done = subprocess.run([*prepared.argv, "--request-timeout=5s"], env={"PATH": os.environ["PATH"],
                              "HOME": str(tmp_path), **prepared.env}, capture_output=True, text=True, timeout=60)
        assert done.returncode != 0 and f"127.0.0.1:{port}" in done.stderr, done.stderr


def test_a_query_fallback_that_could_not_go_where_it_stands_is_refused() -> None:
    text = (DATA / "env-fallback.yaml").read_text()
    bad = text.replace('namespace="${env.namespace:-ml-prod}"', 'namespace="x"}[${env.window:-5 minutes}]')
    errors = [p.message for p in validate_text(bad)[1] if p.is_error]
    assert len(errors) == 1 and errors[0].startswith("metrics.errors.query: a fallback cannot go where it stands")
    assert "'5 minutes'" in errors[0]


def test_an_empty_var_falls_back_where_asked_and_stays_empty_elsewhere(tmp_path: Path) -> None:
    text = (DATA / "env-fallback.yaml").read_text().replace(
        "'--context=${env.kube_context:-}', '${namespace}', '${env.region:-eu-west-1}']",
        "'--context=${env.kube_context:-}', '${namespace}', '${env.region:-eu-west-1}', 'r=${env.region}']")
    (tmp_path / "rb").mkdir()
    (tmp_path / "rb" / "env-fallback.yaml").write_text(text)
    config = tmp_path / "config.yaml"
    config.write_text("environments:\n  blank: {vars: {region: ''}}\n")
    settings = load_settings({"runbooks": [str(tmp_path / "rb")], "env": "blank", "journal": str(tmp_path / "j")},
                             env={}, config_path=config)
    rb = load_library([tmp_path / "rb"]).get("env-fallback")
    prepared = prepare_command(rb, "where_argv", rb.default_params(env=environment_values(settings)), settings)
    assert prepared.argv[-2:] == ("eu-west-1", "r=")


def test_an_escaped_env_placeholder_in_a_script_is_refused() -> None:
    text = (DATA / "env-fallback.yaml").read_text().replace('region=${env.region:-eu-west-1}',
                                                            'region=$${env.region:-eu-west-1}')
    errors = [p.message for p in validate_text(text)[1] if p.is_error]
    assert len(errors) == 1 and "hands bash ${env.…}, which it cannot read" in errors[0], errors
