"""One incident, not four: finding the open one to resume, closing duplicates and abandoned tries,
keeping drills out of the shared file, and defaults that follow the alert's labels."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tui.clock import Clock
from tui.errors import OncallError
from tui.incident import IncidentRecord
from tui.incident.resume import age_text, open_incidents, position, resume_sentence
from tui.journal import Journal
from tui.runbook.render import check_params
from tui.runbook.validate import validate_text

RUNBOOK = """\
id: serving
title: Model serving errors
version: 1
summary: A model's predictor returns errors.
category: infrastructure
severity_hint: high
params:
  model: {prompt: Model, default: fraud-detector, pattern: '^[a-z0-9-]+$'}
  deployment: {prompt: Deployment, default: "${model}-predictor", pattern: '^[a-z0-9-]+$'}
  old_style: {prompt: Old-style deployment, default: fraud-detector-predictor}
  namespace: {prompt: Namespace, default: ml-prod}
start: look
steps:
  look:
    do: Look at ${deployment}.
    next: check
  check:
    do: Check ${namespace}.
    next: done
  done:
    outcome: resolved
    say: Done.
"""


@pytest.fixture
def runbook():
    rb, problems = validate_text(RUNBOOK)
    assert rb is not None and not [p for p in problems if p.is_error], problems
    return rb


def journal_at(tmp_path: Path, user: str = "alice", shared: Path | None = None) -> Journal:
    return Journal(tmp_path / f"{user}.json", shared, user=user, sync_on_write="off")


# -- derived defaults ------------------------------------------------------------------------------

def test_a_derived_default_follows_the_alerts_label(runbook) -> None:
    assert runbook.default_params()["deployment"] == "fraud-detector-predictor"
    filled = check_params(runbook, {"model": "credit-risk"}, needed=["deployment"])
    assert filled["deployment"] == "credit-risk-predictor"
    assert "old_style" not in filled  # a plain default naming the other model is left out, to be asked
    assert filled["namespace"] == "ml-prod"  # one that says nothing about the model stays
    with pytest.raises(OncallError, match="old_style has no default; pass it with --param"):
        check_params(runbook, {"model": "credit-risk"})
    assert check_params(runbook, {"model": "credit-risk", "deployment": "cr-v2"}, needed=[])["deployment"] == "cr-v2"


def test_the_validator_checks_what_a_derived_default_names(runbook) -> None:
    _, problems = validate_text(RUNBOOK.replace("${model}-predictor", "${modle}-predictor"))
    assert any("${modle}" in p.message for p in problems if p.is_error)
    # A default may read the environment; its fallback is checked against the pattern like a plain default.
    _, problems = validate_text(RUNBOOK.replace("${model}-predictor", "${env.namespace:-${model}}-predictor"))
    assert any("is plain text" in p.message for p in problems if p.is_error)
    text = RUNBOOK.replace("${model}-predictor", "${env.deployment:-fraud-detector-predictor}")
    assert not [p for p in validate_text(text)[1] if p.is_error]
    _, problems = validate_text(RUNBOOK.replace("${model}-predictor", "${env.deployment:-Not Valid}"))
    assert any("does not match its own pattern" in p.message for p in problems if p.is_error)


# -- resume, join, dedupe ----------------------------------------------------------------------------

def test_find_open_prefers_the_alerts_own_incident(tmp_path: Path, runbook) -> None:
    with journal_at(tmp_path) as journal:
        by_hand = IncidentRecord.open(journal, Clock(), runbook, {})
        by_alert = IncidentRecord.open(journal, Clock(), runbook, {}, alert="ServingErrors", alert_fingerprint="f1")
        assert [i.id for i in IncidentRecord.find_open(journal, runbook="serving", fingerprint="f1")] == [
            by_alert.incident_id]
        assert {i.id for i in IncidentRecord.find_open(journal, runbook="serving", fingerprint="other")} == {
            by_hand.incident_id, by_alert.incident_id}
        by_hand.set_status("abandoned")
        assert [i.id for i in IncidentRecord.find_open(journal, runbook="serving")] == [by_alert.incident_id]


def test_an_open_incident_says_where_it_stands(tmp_path: Path, runbook) -> None:
    from tui.incident import IncidentController

    with journal_at(tmp_path) as journal:
        record = IncidentRecord.open(journal, Clock(), runbook, {}, drill=True)
        [row] = open_incidents(journal, Clock())
        assert (row.runbook, row.step, row.lead) == ("serving", None, "alice")
        controller = IncidentController(journal, record.incident_id, Clock(), runbook=runbook, params={},
                                        resolver=None, user="alice")
        controller.done()
        assert position(journal, journal.incident(record.incident_id)) == ("serving", "check")
        [row] = open_incidents(journal, Clock())
        sentence = resume_sentence(row, "bob")
        assert "alice's" in sentence and "serving at step check" in sentence and "drill" in sentence
        assert "environment" not in sentence
        staged = IncidentRecord.open(journal, Clock(), runbook, {}, environment="staging")
        [row] = [r for r in open_incidents(journal, Clock()) if r.id == staged.incident_id]
        assert "serving at its first step in environment staging" in resume_sentence(row, "alice")
    assert [age_text(s) for s in (5, 125, 3 * 3600 + 300, 2 * 86400 + 3600)] == ["5s", "2m", "3h 05m", "2d 1h"]


def test_duplicate_needs_the_other_incident(tmp_path: Path, runbook) -> None:
    with journal_at(tmp_path) as journal:
        first = IncidentRecord.open(journal, Clock(), runbook, {})
        second = IncidentRecord.open(journal, Clock(), runbook, {})
        with pytest.raises(OncallError, match="--of"):
            second.set_status("duplicate")
        with pytest.raises(OncallError, match="itself"):
            second.set_status("duplicate", duplicate_of=second.incident_id)
        second.set_status("duplicate", duplicate_of=first.incident_id)
        assert second.incident.duplicate_of == first.incident_id and not second.incident.is_open


def test_journal_status_from_the_command_line(tmp_path: Path, runbook) -> None:
    with journal_at(tmp_path) as journal:
        first = IncidentRecord.open(journal, Clock(), runbook, {}).incident_id
        second = IncidentRecord.open(journal, Clock(), runbook, {}).incident_id

    def oncall(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "tui", "journal", "status", *args, "--journal",
                               str(tmp_path / "alice.json"), "--user", "alice"],
                              capture_output=True, text=True, timeout=60)

    done = oncall(second, "duplicate", "--of", first)
    assert done.returncode == 0 and done.stdout == f"{second} is duplicate of {first}.\n", done.stderr
    done = oncall(first, "contained")
    assert done.returncode == 0 and done.stdout == f"{first} is contained.\n"
    done = oncall(first, "finished")
    assert done.returncode == 1 and "use one of" in done.stderr and "Traceback" not in done.stderr
    with Journal(tmp_path / "alice.json", user="reader", sync_on_write="off") as journal:
        assert journal.incident(first).contained_at and journal.incident(second).status == "duplicate"


# -- shared scope --------------------------------------------------------------------------------------

def test_a_local_incident_never_reaches_the_shared_file(tmp_path: Path, runbook) -> None:
    shared = tmp_path / "shared.jsonl"
    with journal_at(tmp_path, shared=shared) as journal:
        drill = IncidentRecord.open(journal, Clock(), runbook, {}, drill=True, local=True)
        drill.note("practice")
        real = IncidentRecord.open(journal, Clock(), runbook, {})
        status = journal.sync()
        assert status.ok
    lines = [json.loads(line) for line in shared.read_text().splitlines()]
    ids = {d.get("id") for d in lines} | {d.get("incident_id") for d in lines}
    assert real.incident_id in ids and drill.incident_id not in ids
    head = lines[0]
    assert head["incidents"] == 1  # the counts match what was written
    with journal_at(tmp_path, "bob", shared=shared) as bob:
        assert bob.sync().ok and [i.id for i in bob.incidents()] == [real.incident_id]
