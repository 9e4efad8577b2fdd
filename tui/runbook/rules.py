"""Check Prometheus alerting-rule files: every alert should open a runbook."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

from tui.runbook.library import Library
from tui.runbook.loader import compose_all, pos
from tui.runbook.matching import runbooks_for_alert
from tui.runbook.model import Runbook
from tui.runbook.problem import Problem
from tui.runbook.readfile import read_text


@dataclass(frozen=True)
class RuleAlert:
    name: str
    labels: dict[str, str]
    runbook_url: str | None
    path: str
    line: int
    col: int


def _mapping(node: yaml.Node | None) -> dict[str, yaml.Node]:
    return {k.value: v for k, v in node.value if isinstance(k, yaml.ScalarNode)} if isinstance(node, yaml.MappingNode) else {}


def _text_map(node: yaml.Node | None) -> dict[str, str]:
    return {k: v.value for k, v in _mapping(node).items() if isinstance(v, yaml.ScalarNode)} if node else {}


def _groups(root: yaml.Node) -> yaml.SequenceNode | None:
    fields = _mapping(root)
    if fields.get("kind") is not None and isinstance(fields["kind"], yaml.ScalarNode):
        if fields["kind"].value != "PrometheusRule":
            return None
        fields = _mapping(fields.get("spec")) if fields.get("spec") is not None else {}
    groups = fields.get("groups")
    return groups if isinstance(groups, yaml.SequenceNode) else None


def read_rule_alerts(path: Path) -> tuple[list[RuleAlert], list[Problem]]:
    text, problems = read_text(path)
    if text is None:
        return [], problems
    roots, problems = compose_all(text, str(path))
    if problems:
        return [], problems
    # A plain rule file has groups: at its root; a PrometheusRule object (prometheus-operator) under spec:.
    # A manifest file may hold other objects beside them, which are skipped.
    found = [_groups(root) for root in roots]
    groups_list = [g for g in found if g is not None]
    if not groups_list:
        where = pos(roots[0]) if roots else (1, 1)
        return [], [Problem(str(path), *where, "not a Prometheus rule file: it needs a groups: list "
                                               "(or a PrometheusRule object with spec.groups)")]
    alerts = []
    for group in (g for groups in groups_list for g in groups.value):
        rules = _mapping(group).get("rules")
        for rule in rules.value if isinstance(rules, yaml.SequenceNode) else []:
            fields = _mapping(rule)
            name = fields.get("alert")
            if not isinstance(name, yaml.ScalarNode):
                continue  # a recording rule
            annotations = _text_map(fields.get("annotations"))
            alerts.append(RuleAlert(name.value, _text_map(fields.get("labels")), annotations.get("runbook_url"),
                                    str(path), *pos(name)))
    return alerts, []


def runbook_for(alert: RuleAlert, runbooks: Mapping[str, Runbook]) -> str | None:
    """The runbook the app would open for this alert when it fires (the same rule, tui.runbook.matching)."""
    found = runbooks_for_alert({**alert.labels, "alertname": alert.name}, alert.runbook_url, runbooks)
    return found[0] if found else None


def uncovered_alerts(paths: list[Path], library: Library) -> list[Problem]:
    """One problem per alert that opens no runbook, plus unreadable rule files."""
    problems = []
    for path in paths:
        alerts, read_problems = read_rule_alerts(path)
        problems += read_problems
        for alert in alerts:
            if runbook_for(alert, library.runbooks) is None:
                problems.append(Problem(alert.path, alert.line, alert.col,
                                        f"alert {alert.name} opens no runbook; list it under a runbook's alerts: "
                                        "or point its runbook_url annotation at a runbook id"))
    return problems
