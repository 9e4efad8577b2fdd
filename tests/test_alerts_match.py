"""Linking alerts to runbooks: runbook_url first, then alerts: matchers by specificity; labels fill params."""

from __future__ import annotations

import pytest

from tui.metrics.alerts import Alert, link_alerts, runbooks_for
from tui.runbook.matching import url_runbook_id
from tui.runbook.model import AlertMatch, Param, Runbook, Step


def rb(rid: str, *matches: AlertMatch, params: tuple[str, ...] = ()) -> Runbook:
    return Runbook(rid, rid, 1, "s", "model-failure", "high", "end",
                   {"end": Step("end", "outcome", "done", outcome="resolved")},
                   alerts=matches, params={p: Param(p, p) for p in params})


RUNBOOKS = {r.id: r for r in (
    rb("generic-quality", AlertMatch("QualityDrop")),
    rb("ml-quality", AlertMatch("QualityDrop", {"team": "ml"}), params=("model", "namespace")),
    rb("ml-prod-quality", AlertMatch("QualityDrop", {"team": "ml", "env": "prod"})),
    rb("bad-model-deploy", params=("model",)),
)}


@pytest.mark.parametrize(("url", "rid"), [
    ("https://wiki.example.com/runbooks/bad-model-deploy", "bad-model-deploy"),
    ("https://wiki.example.com/runbooks/bad-model-deploy/", "bad-model-deploy"),
    ("https://git.example.com/ops/runbooks/bad-model-deploy.md?plain=1#top", "bad-model-deploy"),
    ("bad-model-deploy.yaml", "bad-model-deploy"),
    ("https://wiki.example.com/", None),
    (None, None),
])
def test_runbook_id_from_url(url, rid):
    assert url_runbook_id(url) == rid


def test_url_link_first_then_most_specific_matchers():
    alert = Alert({"alertname": "QualityDrop", "team": "ml", "env": "prod", "model": "ranker"},
                  {"runbook_url": "https://wiki/runbooks/bad-model-deploy"})
    assert runbooks_for(alert, RUNBOOKS) == ["bad-model-deploy", "ml-prod-quality", "ml-quality", "generic-quality"]
    (link,) = link_alerts([alert], RUNBOOKS)
    assert (link.runbook, dict(link.params)) == ("bad-model-deploy", {"model": "ranker"})


def test_label_matchers_must_all_hold():
    alert = Alert({"alertname": "QualityDrop", "team": "search", "namespace": "prod-1"})
    assert runbooks_for(alert, RUNBOOKS) == ["generic-quality"]
    ml = Alert({"alertname": "QualityDrop", "team": "ml", "namespace": "prod-1"})
    (link,) = link_alerts([ml], RUNBOOKS)
    assert (link.runbook, dict(link.params)) == ("ml-quality", {"namespace": "prod-1"})


def test_unknown_url_and_unmatched_alert_have_no_runbook():
    alert = Alert({"alertname": "DiskFull"}, {"runbook_url": "https://wiki/runbooks/disk-full"})
    (link,) = link_alerts([alert], RUNBOOKS)
    assert (link.runbook, link.runbooks, dict(link.params)) == (None, (), {})


def test_validate_rules_names_the_runbook_the_app_opens() -> None:
    """One rule for both: an alert whose runbook_url names one runbook and whose labels match another opens
    the URL's runbook in the app, and `validate --rules` judges the same one (it used to prefer the matcher)."""
    from tui.runbook.rules import RuleAlert, runbook_for

    rule = RuleAlert("QualityDrop", {"team": "ml"}, "https://wiki/runbooks/bad-model-deploy", "r.yaml", 1, 1)
    fired = Alert({"alertname": "QualityDrop", "team": "ml"},
                  {"runbook_url": "https://wiki/runbooks/bad-model-deploy"})
    assert link_alerts([fired], RUNBOOKS)[0].runbook == "bad-model-deploy"
    assert runbook_for(rule, RUNBOOKS) == "bad-model-deploy"
