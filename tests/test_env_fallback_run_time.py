"""What the validator accepts runs: an `${env.NAME:-text}` fallback or a shell-style `${x:-y}` that would fail
at run time is refused up front; and what is masked on screen still runs, and is approved, exactly (an
approval of one masked value never lets another run; the danger dialog hides no value that is not a secret)."""

from __future__ import annotations

import pytest

from tests.fixtures.journal import JournalPaths, run_oncall
from tui.errors import OncallError
from tui.launch import prepare_command
from tui.metrics.poller import metric_queries
from tui.runbook.render import check_params
from tui.runbook.validate import validate_text

TEMPLATE = """\
id: t
title: T
version: 1
summary: s
category: infrastructure
severity_hint: low
params:
{params}
metrics:
  errors:
    title: E
    query: {query}
    unit: percent-ratio
    warn: 0.1
    crit: 0.2
commands:
{commands}
start: end
steps:
  end:
    outcome: resolved
    say: Done.
"""


def errors(params: str, query: str = "up", commands: str = "  c: {title: C, run: [echo]}") -> list[str]:
    text = TEMPLATE.format(params=params, query=query, commands=commands)
    return [p.message for p in validate_text(text)[1] if p.is_error]


def test_a_default_whose_fallback_cannot_go_into_the_query_is_refused() -> None:
    params = "  window: {prompt: W, default: '${env.window:-5 minutes}'}"
    text = TEMPLATE.format(params=params, query="rate(x[${window}])", commands="  c: {title: C, run: [echo]}")
    rb, _ = validate_text(text)
    if rb is not None:  # what accepting it means: the metric fails at every poll
        [query] = metric_queries(rb, check_params(rb, {}))
        assert query.error and "5 minutes" in query.error
    found = errors(params, "rate(x[${window}])")
    assert len(found) == 1 and "params.window.default" in found[0] and "metrics.errors.query" in found[0]


def test_a_default_whose_fallback_starts_with_a_dash_is_refused() -> None:
    params = "  ns: {prompt: N, default: '${env.ns:--all}'}"
    commands = "  c: {title: C, run: [kubectl, get, pods, '${ns}']}"
    text = TEMPLATE.format(params=params, query="up", commands=commands)
    rb, _ = validate_text(text)
    if rb is not None:  # what accepting it means: the command is refused whenever it runs
        with pytest.raises(OncallError, match="starts with '-'"):
            prepare_command(rb, "c", rb.default_params())
    found = errors(params, commands=commands)
    assert len(found) == 1 and "params.ns.default" in found[0] and "starts with '-'" in found[0]


APPROVE = """\
id: two-person
title: Two-person rule
version: 1
summary: A command whose display masks a value.
category: infrastructure
severity_hint: low
params:
  code: {prompt: The new password, default: first-value-1}
commands:
  rotate:
    title: Rotate the password
    run: [printf, '%s\\n', "password=${code}"]
    approve: true
start: a
steps:
  a:
    do: Rotate it.
    commands: [rotate]
    next: b
  b:
    outcome: resolved
    say: Done.
"""


def test_an_approval_is_for_the_exact_value_even_where_the_display_masks_it(journal_paths: JournalPaths) -> None:
    folder = journal_paths.root / "runbooks"
    folder.mkdir()
    (folder / "two-person.yaml").write_text(APPROVE)

    def env(user: str) -> dict[str, str]:
        return {**journal_paths.env(user), "ONCALL_RUNBOOKS": str(folder)}

    inc = run_oncall(["journal", "new", "--title", "Rotate", "--severity", "high"], env("alice")).stdout.strip()
    run = ["run", "two-person", "rotate", "--incident", inc, "--param"]
    asked = run_oncall([*run, "code=first-value-1"], env("alice"))
    assert asked.returncode == 1 and "needs another responder's approval" in asked.stderr
    approved = run_oncall(["journal", "approve", inc, "rotate"], env("bob"))
    assert approved.returncode == 0 and "password=[REDACTED]" in approved.stdout  # bob cannot see the value
    other = run_oncall([*run, "code=other-value-2"], env("alice"))  # not what was asked for
    assert other.returncode == 1 and "other-value-2" not in other.stdout, other.stdout
    same = run_oncall([*run, "code=first-value-1"], env("alice"))
    assert same.returncode == 0 and "password=first-value-1" in same.stdout, same.stderr


@pytest.mark.parametrize("where", ["argv", "query"])
@pytest.mark.parametrize("token", ["${ns:-default}", "${env.kube_context-}", "${env.kube_context:=x}"])
def test_a_shell_style_default_where_oncall_fills_values_is_refused(where: str, token: str) -> None:
    """Outside a shell script only `${env.NAME:-text}` takes a fallback; `${ns:-default}` stayed in the argv or
    the query as those very characters (kubectl got a namespace named `${ns:-default}`)."""
    params = "  ns: {prompt: N, default: a}"
    if where == "argv":
        found = errors(params, commands=f"  c: {{title: C, run: [kubectl, get, pods, '-n={token}']}}")
    else:
        found = errors(params, query=f"'up{{namespace=\"{token}\"}}'")
    assert len(found) == 1 and token in found[0] and "${env.NAME:-text}" in found[0], found


def test_bash_own_defaults_and_the_escape_stay_accepted() -> None:
    params = "  ns: {prompt: N, default: a}"
    assert errors(params, commands="  c: {title: C, shell: 'echo \"${ns:-x}\" \"$${HOME:-y}\"'}") == []
    assert errors(params, query="'up{a=\"$${x:-y}\"}'", commands="  c: {title: C, run: [echo, '$${ns:-x}']}") == []


DIALOG = (APPROVE.replace("Rotate the password", "Turn the guardrail's auth off")
          .replace(APPROVE[APPROVE.index("run: [printf"):APPROVE.index("\n    approve")],
                   'run: [kubectl, set, env, deployment/guardrail, "GUARDRAIL_AUTH=${code}"]')
          .replace("approve: true", "danger: true").replace("default: first-value-1", "default: disabled"))


def test_the_danger_dialog_shows_a_value_that_is_no_secret() -> None:
    rb, problems = validate_text(DIALOG)
    assert rb is not None, problems
    prepared = prepare_command(rb, "rotate", rb.default_params())
    assert prepared.argv[-1] == "GUARDRAIL_AUTH=disabled"
    assert prepared.display.endswith("GUARDRAIL_AUTH=disabled")  # what the responder confirms


def test_an_environments_value_that_cannot_go_into_a_query_says_where_to_change_it() -> None:
    from tui.runbook.render import render_query

    with pytest.raises(OncallError) as caught:
        render_query("rate(x[${env.window}])", {"env.window": "5 minutes"})
    assert str(caught.value).startswith("${env.window}='5 minutes' is used in a PromQL query outside")
    assert str(caught.value).endswith("change the environment's value in config.yaml.")  # no --param can fix it
