"""`oncall lint`: validate plus policy, each finding at its line; read-only commands pass."""

from __future__ import annotations

from pathlib import Path

import pytest

from tui.cli import main
from tui.runbook.lint import shell_commands
from tui.runbook.mutating import mutation

RUNBOOK = """\
id: risky
title: Risky commands
version: 1
summary: Commands that change things, some marked and some not.
category: infrastructure
severity_hint: high
last_reviewed: {reviewed}
commands:
  pods:
    title: Pods
    run: [kubectl, get, pods, -n, prod]
  drop:
    title: Delete the deployment
    run: [kubectl, -n, prod, delete, deployment, api]
  shrink:
    title: Scale down
    shell: |
      echo scaling
      kubectl scale deployment/api --replicas=0 -n prod
  notify:
    title: Tell the status page
    run: [curl, -sS, -X, POST, 'https://status.example/api']
  chart:
    title: Roll the chart back
    shell: helm rollback api 3
  hidden:
    title: Pods not ready
    shell: kubectl get pods -n prod | grep -v Running || echo "every pod is Running"
  marked:
    title: Roll back (marked)
    run: [kubectl, rollout, undo, deployment/api]
    danger: true
  ask_model:
    title: Ask the model a question (a POST that changes nothing)
    run: [curl, -sS, --json, '{{"prompt": "hi"}}', 'http://127.0.0.1:8000/v1/completions']
    read_only: true
  status:
    title: Rollout status
    shell: kubectl rollout status deployment/api -n prod && kubectl set env deployment/api --list
start: done
steps:
  done:
    outcome: resolved
    say: Done.
"""


def write(folder: Path, reviewed: str = "2026-11-01") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "risky.yaml"
    path.write_text(RUNBOOK.format(reviewed=reviewed))
    return path


def line_of(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def test_each_unmarked_change_is_flagged_at_its_line_and_reads_are_not(tmp_path: Path, capsys) -> None:
    path = write(tmp_path / "rb")
    assert main(["lint", str(path), "--today", "2026-12-01"]) == 1
    out = capsys.readouterr().out.splitlines()
    expected = {
        line_of(path, "delete, deployment"): "command drop: `kubectl delete`",
        line_of(path, "kubectl scale"): "command shrink: `kubectl scale`",
        line_of(path, "POST"): "command notify: `curl POST`",
        line_of(path, "helm rollback"): "command chart: `helm rollback`",
        line_of(path, "grep -v Running"): "command hidden: a failure anywhere in this pipeline",
    }
    for line, text in expected.items():
        assert any(o.startswith(f"{path}:{line}:") and text in o for o in out), (line, text, out)
    assert len(out) == len(expected), out
    joined = "\n".join(out)
    for quiet in ("command pods", "command marked", "command status", "command ask_model"):
        assert quiet not in joined


def test_block_scalar_findings_point_at_the_script_line_and_column(tmp_path: Path, capsys) -> None:
    path = write(tmp_path / "rb")
    main(["lint", str(path), "--today", "2026-12-01"])
    line = line_of(path, "kubectl scale")
    col = path.read_text().splitlines()[line - 1].index("kubectl") + 1
    assert f"{path}:{line}:{col}: command shrink" in capsys.readouterr().out


@pytest.mark.parametrize(("reviewed", "finding"), [
    ("2026-06-03", None),  # exactly 180 days before 2026-11-30: still within the limit
    ("2026-06-01", "183 days before 2026-12-01"),
    ("2026-13-40", "is not a date"),
])
def test_review_age(tmp_path: Path, capsys, reviewed: str, finding: str | None) -> None:
    path = write(tmp_path / "rb", reviewed)
    main(["lint", str(path), "--today", "2026-11-30" if finding is None else "2026-12-01"])
    out = capsys.readouterr().out
    if finding is None:
        assert "last reviewed" not in out and "last_reviewed" not in out
    else:
        assert f"{path}:{line_of(path, 'last_reviewed')}:" in out and finding in out


def test_missing_review_date_is_a_finding(tmp_path: Path, capsys) -> None:
    path = tmp_path / "rb.yaml"
    path.write_text(RUNBOOK.replace("last_reviewed: {reviewed}\n", ""))
    main(["lint", str(path), "--today", "2026-12-01"])
    assert f"{path}:1:1: no last_reviewed date" in capsys.readouterr().out


def test_prometheus_rule_object_alerts_are_checked(tmp_path: Path, capsys) -> None:
    path = write(tmp_path / "rb")
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: other}\n---\n"
        "apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata: {name: ml}\nspec:\n"
        "  groups:\n  - name: ml\n    rules:\n    - alert: Orphaned\n      expr: up == 0\n")
    main(["lint", str(path), "--today", "2026-12-01", "--rules", str(rules)])
    out = capsys.readouterr().out
    assert f"{rules}:12:14: alert Orphaned opens no runbook" in out


def test_github_format_is_workflow_commands(tmp_path: Path, capsys) -> None:
    path = write(tmp_path / "rb")
    main(["lint", str(path), "--today", "2026-12-01", "--format", "github"])
    out = capsys.readouterr().out.splitlines()
    assert out and all(o.startswith("::error file=") for o in out)
    assert f"line={line_of(path, 'helm rollback')}," in "\n".join(out)


def test_require_drills_names_runbooks_without_one(tmp_path: Path, capsys) -> None:
    write(tmp_path / "rb")
    main(["lint", str(tmp_path / "rb"), "--today", "2026-12-01", "--require-drills"])
    assert "runbook risky has no drill" in capsys.readouterr().out


def test_bad_today_is_a_usage_error(tmp_path: Path) -> None:
    assert main(["lint", str(write(tmp_path / "rb")), "--today", "yesterday"]) == 2


@pytest.mark.parametrize(("argv", "what"), [
    (["kubectl", "--context", "prod", "-n", "ml", "patch", "deploy/x", "-p", "{}"], "kubectl patch"),
    (["sudo", "-E", "timeout", "30", "kubectl", "apply", "-f", "x.yaml"], "kubectl apply"),
    (["kubectl", "argo", "rollouts", "abort", "api"], "argo rollouts abort"),
    (["kubectl", "--context=eu-prod-2", "rollout", "undo", "deploy/x"], "kubectl rollout undo"),
    (["kubectl", "argo", "rollouts", "--context=", "abort", "api"], "argo rollouts abort"),
    (["argocd", "app", "rollback", "api", "3"], "argocd app rollback"),
    (["flux", "suspend", "kustomization", "apps"], "flux suspend"),
    (["http", "DELETE", "https://x/api/1"], "http DELETE"),
    (["curl", "--data-binary", "@f", "https://x"], "curl with a request body (a POST)"),
    (["python3", "-c", "c.set_registered_model_alias('m', 'champion', 3)"],
     "MLflow registry change (set_registered_model_alias)"),
    (["gh", "workflow", "disable", "deploy.yml", "-R", "o/r"], "gh workflow disable"),
    (["gh", "run", "list", "--workflow", "deploy.yml"], None),
    (["kubectl", "get", "pods"], None),
    (["kubectl", "rollout", "history", "deploy/x"], None),
    (["helm", "status", "api"], None),
    (["curl", "-sS", "https://x/metrics"], None),
    (["kubectl", "-n", "delete", "get", "pods"], None),  # a namespace called delete is not a delete
])
def test_mutation_table(argv: list[str], what: str | None) -> None:
    assert mutation(argv) == what


def test_shell_commands_honour_quotes_comments_and_continuations() -> None:
    script = 'echo "a | b || c" # kubectl delete x\nkubectl get pods \\\n  -n prod | grep x || true\n'
    cmds = shell_commands(script)
    assert [c.argv[0] for c in cmds] == ["echo", "kubectl", "grep", "true"]
    assert cmds[0].argv == ["echo", "a | b || c"]
    assert cmds[1].line == 1 and cmds[2].before == "|" and cmds[2].after == "||"


def test_read_only_is_a_reviewed_opt_out_that_still_checks_pipelines(tmp_path: Path, capsys) -> None:
    path = write(tmp_path / "rb")
    text = path.read_text().replace("    read_only: true\n", "")
    unmarked = tmp_path / "unmarked" / "risky.yaml"
    unmarked.parent.mkdir()
    unmarked.write_text(text)
    main(["lint", str(unmarked), "--today", "2026-12-01"])
    assert "command ask_model: `curl with a request body (a POST)`" in capsys.readouterr().out
    hiding = tmp_path / "hiding" / "risky.yaml"
    hiding.parent.mkdir()
    hiding.write_text(path.read_text().replace(
        "    shell: kubectl get pods -n prod | grep -v Running || echo \"every pod is Running\"\n",
        "    shell: kubectl get pods -n prod | grep -v Running || echo \"every pod is Running\"\n    read_only: true\n"))
    main(["lint", str(hiding), "--today", "2026-12-01"])
    assert "command hidden: a failure anywhere in this pipeline" in capsys.readouterr().out


def test_print_shows_the_review_date_and_read_only_commands(tmp_path: Path, capsys) -> None:
    path = write(tmp_path / "rb")
    assert main(["print", "risky", "--runbooks", str(path.parent)]) == 0
    md = capsys.readouterr().out
    assert "- **Last reviewed:** 2026-11-01" in md
    section = md[md.index("### `ask_model`"):]
    assert "read-only (reviewed: changes nothing)" in section.split("###")[1]


@pytest.mark.parametrize(("script", "hides"), [
    ("kubectl get pods | grep -v Running || echo fine", True),
    ("kubectl get pods | grep -v Running || true", True),
    ("kubectl get pods | grep -v Running || exit 0", True),
    ("kubectl get pods | grep -v Running || exit 1", False),  # the failure is passed on, not hidden
    ("kubectl get pods | grep -v Running || { echo failed; exit 1; }", True),  # not followable: flagged
    ("kubectl get pods | grep -v Running || false", False),
    ("out=$(kubectl get pods) || exit 1", False),
])
def test_a_fallback_that_fails_passes_the_failure_on(script: str, hides: bool) -> None:
    from tui.runbook.lint import _hidden_failures

    assert bool(list(_hidden_failures(shell_commands(script)))) is hides
