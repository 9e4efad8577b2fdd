"""The two-person rule, as responders meet it: real `oncall` processes, two journals, one shared file."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.fixtures.journal import JournalPaths, run_oncall
from tui.incident.approval import requests
from tui.journal.model import Event

RUNBOOK = """\
id: two-person
title: Two-person rule
version: 1
summary: Commands for the approval tests.
category: infrastructure
severity_hint: low
params:
  marker: {prompt: A file to create, default: /nonexistent/marker}
commands:
  flip:
    title: Flip the traffic switch
    run: [touch, "${marker}"]
    approve: true
  rollback:
    title: Roll back
    run: [touch, "${marker}"]
    danger: true
start: a
steps:
  a:
    do: Flip it.
    commands: [flip, rollback]
    next: b
  b:
    outcome: resolved
    say: Done.
"""


@pytest.fixture
def team(journal_paths: JournalPaths) -> JournalPaths:
    folder = journal_paths.root / "runbooks"
    folder.mkdir()
    (folder / "two-person.yaml").write_text(RUNBOOK)
    return journal_paths


def _env(team: JournalPaths, user: str) -> dict[str, str]:
    return {**team.env(user), "ONCALL_RUNBOOKS": str(team.root / "runbooks")}


def _incident(team: JournalPaths, severity: str = "high") -> str:
    done = run_oncall(["journal", "new", "--title", "Traffic", "--severity", severity], _env(team, "alice"))
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def _run(team: JournalPaths, user: str, inc: str, name: str, marker: Path, *more: str):
    return run_oncall(["run", "two-person", name, "--incident", inc, "--param", f"marker={marker}", *more],
                      _env(team, user))


def test_an_approve_command_waits_for_a_teammate_and_runs_once_after(team: JournalPaths) -> None:
    inc = _incident(team)
    marker = team.root / "flipped"
    first = _run(team, "alice", inc, "flip", marker)
    assert first.returncode == 1 and not marker.exists()
    assert "needs another responder's approval" in first.stderr and "nothing ran" in first.stderr
    rid = first.stderr.split("request ", 1)[1].split()[0]
    again = _run(team, "alice", inc, "flip", marker)  # asking again reuses the open request
    assert again.returncode == 1 and f"request {rid} " in again.stderr and not marker.exists()

    own = run_oncall(["journal", "approve", inc, rid], _env(team, "alice"))
    assert own.returncode == 1 and "another responder" in own.stderr and "Traceback" not in own.stderr
    listed = run_oncall(["journal", "approvals", inc], _env(team, "bob"))
    assert f"{rid}  open" in listed.stdout and "alice asks to run flip: touch" in listed.stdout

    bob = run_oncall(["journal", "approve", inc, "flip"], _env(team, "bob"))  # by command name
    assert bob.returncode == 0, bob.stderr
    assert f"Approved {rid}: alice may run touch" in bob.stdout
    stolen = _run(team, "bob", inc, "flip", marker)  # only the requester runs on it
    assert stolen.returncode == 1 and not marker.exists()

    ran = _run(team, "alice", inc, "flip", marker)
    assert ran.returncode == 0, ran.stderr
    assert marker.exists()
    marker.unlink()
    once = _run(team, "alice", inc, "flip", marker)  # the approval was for one run
    assert once.returncode == 1 and not marker.exists() and f"request {rid} " not in once.stderr

    shown = run_oncall(["journal", "show", inc], _env(team, "bob"))
    assert "Approval requested: alice wants to run flip: touch" in shown.stdout
    assert "Approved by bob" in shown.stdout and f"runs on approval {rid}" in shown.stdout


def test_a_declined_request_does_not_run(team: JournalPaths) -> None:
    inc = _incident(team)
    marker = team.root / "flipped"
    assert _run(team, "alice", inc, "flip", marker).returncode == 1
    declined = run_oncall(["journal", "approve", inc, "flip", "--decline"], _env(team, "bob"))
    assert declined.returncode == 0 and "Declined" in declined.stdout
    after = _run(team, "alice", inc, "flip", marker)
    assert after.returncode == 1 and not marker.exists()


def test_config_severities_put_danger_commands_of_those_incidents_under_the_rule(team: JournalPaths) -> None:
    config = team.root / "config" / "oncall"
    config.mkdir(parents=True)
    (config / "config.yaml").write_text("approval: {severities: [critical]}\n")
    marker = team.root / "rolled"
    low = _incident(team, "low")
    assert _run(team, "alice", low, "rollback", marker, "--yes").returncode == 0 and marker.exists()
    marker.unlink()
    critical = _incident(team, "critical")
    waiting = _run(team, "alice", critical, "rollback", marker, "--yes")
    assert waiting.returncode == 1 and "approval" in waiting.stderr and not marker.exists()
    assert run_oncall(["journal", "approve", critical, "rollback"], _env(team, "bob")).returncode == 0
    assert _run(team, "alice", critical, "rollback", marker, "--yes").returncode == 0 and marker.exists()


def test_before_a_danger_command_runs_oncall_says_who_already_ran_it(team: JournalPaths) -> None:
    inc = _incident(team)
    marker = team.root / "rolled"
    first = _run(team, "bob", inc, "rollback", marker, "--yes")
    assert first.returncode == 0 and "already ran" not in first.stderr
    second = _run(team, "alice", inc, "rollback", marker, "--yes")
    assert second.returncode == 0
    assert "bob already ran rollback in this incident at" in second.stderr and "exit 0" in second.stderr


def _event(author: str, minutes: int, data: dict) -> Event:
    when = datetime(2026, 12, 1, 3, 0, tzinfo=UTC) + timedelta(minutes=minutes)
    stamp = when.isoformat().replace("+00:00", "Z")
    return Event(id=f"e{minutes}{author}", incident_id="inc-1", time=stamp, hlc=f"{minutes:016d}.00000",
                 author=author, kind="approval", text="", data=data)


def test_an_approval_expires_after_30_minutes_and_a_self_approval_never_counts() -> None:
    ask = {"approval": "request", "request": "req-1", "runbook": "rb", "command": "flip", "display": "touch x"}
    events = [_event("alice", 0, ask), _event("alice", 1, {"approval": "approved", "request": "req-1"})]
    now = datetime(2026, 12, 1, 3, 5, tzinfo=UTC)
    assert requests(events, now)[0].status == "open"  # alice cannot approve her own, even by writing the event
    events.append(_event("bob", 2, {"approval": "approved", "request": "req-1"}))
    assert requests(events, now)[0].status == "approved"
    assert requests(events, now + timedelta(minutes=26))[0].status == "approved"
    assert requests(events, now + timedelta(minutes=28))[0].status == "expired"
    events.append(_event("carol", 3, {"approval": "declined", "request": "req-1"}))  # late answers change nothing
    assert requests(events, now)[0].answered_by == "bob"


def test_the_report_lists_requests_answers_and_runs(team: JournalPaths) -> None:
    inc = _incident(team)
    marker = team.root / "flipped"
    _run(team, "alice", inc, "flip", marker)
    run_oncall(["journal", "approve", inc, "flip"], _env(team, "bob"))
    assert _run(team, "alice", inc, "flip", marker).returncode == 0
    report = run_oncall(["journal", "export", inc], _env(team, "alice")).stdout
    section = report.split("## Approvals", 1)[1]
    assert "alice: Approval requested: alice wants to run flip" in section
    assert "bob: Approved by bob" in section and "flip runs on approval req-" in section
