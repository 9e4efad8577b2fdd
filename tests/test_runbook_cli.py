"""`oncall validate`, `list`, `print`, `schema` as a user runs them, and the schema agreeing with the validator."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

from tui.cli import main

DATA = Path(__file__).parent / "data"
BUNDLED = Path(__file__).parent.parent / "runbooks"


def oncall(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tui", *args], capture_output=True, text=True, timeout=60,
                          env=env)


def test_validate_good_folder_exits_0(capsys) -> None:
    assert main(["validate", str(DATA / "runbooks")]) == 0
    assert "2 runbooks checked, 0 broken" in capsys.readouterr().err


def test_validate_broken_exits_1_with_file_line_col(capsys) -> None:
    path = DATA / "broken" / "bad-next.yaml"
    assert main(["validate", str(path), str(DATA / "runbooks")]) == 1
    out = capsys.readouterr().out
    assert f"{path}:13:" in out and "did you mean finish?" in out


def test_validate_missing_path_exits_1(capsys, tmp_path: Path) -> None:
    assert main(["validate", str(tmp_path / "nope")]) == 1
    assert "no such file or folder" in capsys.readouterr().err


def test_validate_rules_reports_alerts_without_runbook(tmp_path: Path, capsys) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        "groups:\n- name: ml\n  rules:\n"
        "  - alert: ModelServingErrors\n    expr: up == 0\n    labels: {team: ml}\n"
        "  - alert: ByUrl\n    expr: up == 0\n    annotations: {runbook_url: 'https://wiki/runbooks/fix-forward'}\n"
        "  - record: job:up:sum\n    expr: sum(up)\n"
        "  - alert: Orphan\n    expr: up == 0\n"
        "  - alert: WrongTeam\n    expr: up == 0\n    labels: {team: web}\n"
    )
    assert main(["validate", str(DATA / "runbooks"), "--rules", str(rules)]) == 1
    out = capsys.readouterr().out
    assert f"{rules}:12:12: alert Orphan opens no runbook" in out
    assert "alert WrongTeam opens no runbook" in out
    assert "ModelServingErrors" not in out and "ByUrl" not in out
    rules.write_text("groups:\n- name: ml\n  rules:\n  - alert: ModelServingErrors\n    expr: up\n"
                     "    labels: {team: ml}\n")
    assert main(["validate", str(DATA / "runbooks"), "--rules", str(rules)]) == 0


def test_list_shows_broken_with_first_error(tmp_path: Path, capsys) -> None:
    (tmp_path / "ok.yaml").write_text((DATA / "runbooks" / "fix-forward.yaml").read_text())
    (tmp_path / "bad.yaml").write_text((DATA / "broken" / "wrong-type.yaml").read_text())
    assert main(["list", "--runbooks", str(tmp_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert re.search(r"fix-forward\s+model-failure\s+ok\s+Fix forward", lines[1])
    assert "BROKEN" in lines[0] and "bad.yaml:4:10: version must be an integer" in lines[0]
    assert main(["list", "--json", "--runbooks", str(tmp_path)]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {r["id"]: r["valid"] for r in rows} == {"bad": False, "fix-forward": True}


def test_print_is_markdown_in_walk_order(capsys) -> None:
    assert main(["print", "serving-errors", "--runbooks", str(DATA / "runbooks")]) == 0
    md = capsys.readouterr().out
    assert md.startswith("# Serving errors after a model deploy\n")
    for section in ("## Symptoms", "## Parameters", "## Metrics", "## Commands", "## Steps"):
        assert section in md
    assert '["echo", "deployment/${model}", "-n", "${namespace}"]' in md
    assert "CRIT > 0.05" in md and "DANGER" in md
    order = [md.index(f"Question: {s}") for s in ("confirm-impact", "recent-deploy", "decide")]
    assert order == sorted(order)
    assert "Fix forward → runbook `fix-forward`" in md


def test_print_unknown_id_is_one_sentence() -> None:
    result = oncall("print", "serving-erors", "--runbooks", str(DATA / "runbooks"))
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0 and "Did you mean serving-errors?" in result.stderr
    assert "Traceback" not in result.stderr


def test_validate_does_not_import_textual_or_httpx() -> None:
    code = (f"import sys; from tui.cli import main; main(['validate', {str(DATA / 'runbooks')!r}]);"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'httpx', 'tinydb')))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip().splitlines()[-1] == "[]"


class _Yaml12Loader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 booleans and no timestamps, so `label: No` and `last_reviewed: 2026-12-01`
    stay text as oncall (and an editor's YAML 1.2 schema check) reads them."""


_Yaml12Loader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp")]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Yaml12Loader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|false)$"), list("tf"))


def _schema() -> dict:
    from tui.runbook.schema import runbook_schema

    return runbook_schema()


def test_schema_command_prints_json(capsys) -> None:
    assert main(["schema"]) == 0
    assert json.loads(capsys.readouterr().out)["title"] == "oncall runbook"


@pytest.mark.parametrize("path", sorted((DATA / "runbooks").glob("*.yaml")) + sorted(BUNDLED.glob("*.yaml")),
                         ids=lambda p: p.stem)
def test_schema_accepts_valid_runbooks(path: Path) -> None:
    jsonschema.validate(yaml.load(path.read_text(), Loader=_Yaml12Loader), _schema())


@pytest.mark.parametrize("name", ["typo-key", "wrong-type", "bad-enum", "missing-key", "two-kinds",
                                  "field-of-other-kind", "run-and-shell", "yes-bool", "bad-id", "bad-duration",
                                  "when-bad-hold", "when-exit-word",
                                  "too-many-choices"])
def test_schema_rejects_structural_errors(name: str) -> None:
    doc = yaml.load((DATA / "broken" / f"{name}.yaml").read_text(), Loader=_Yaml12Loader)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(doc, _schema())


def test_only_the_parameters_a_command_uses_need_a_value() -> None:
    from tui.errors import OncallError
    from tui.runbook.model import Command, Param, Runbook, Step
    from tui.runbook.render import check_params

    rb = Runbook("r", "R", 1, "S", "model-failure", "low", "done", {"done": Step("done", "outcome", "ok")},
                 params={"pod": Param("pod", "Pod", None, "^[a-z-]+$"), "ns": Param("ns", "NS", "prod")},
                 commands={"c": Command("c", "C", ("echo", "${ns}"))})
    assert check_params(rb, {}, needed=["ns"]) == {"ns": "prod"}
    with pytest.raises(OncallError, match="Parameter pod has no default"):
        check_params(rb, {})
    with pytest.raises(OncallError, match="does not match its pattern"):
        check_params(rb, {"pod": "Bad Pod"}, needed=["ns"])
