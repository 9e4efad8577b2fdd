"""The incident's remediations make its windowed metrics settle: a danger command run, or the incident contained."""

from __future__ import annotations

from tests.screenshots import NOW, fixed_clock
from tui.config import Settings
from tui.incident import IncidentController
from tui.incident.remediation import CONTAINED, latest
from tui.journal import Journal
from tui.launch import launch_for, prepare_command
from tui.metrics.readings import Snapshot, reading_from_samples


def controller(journal: Journal, library, incident_id: str | None = None) -> IncidentController:
    runbook = library.get("refusal-spike")
    if incident_id is None:
        incident_id = journal.new_incident(runbook.title, runbook=runbook.id, params=runbook.default_params()).id
    return IncidentController(journal, incident_id, fixed_clock(), runbook=runbook, params=runbook.default_params(),
                              resolver=library.get, user="alice")


def snapshot(session: IncidentController, value: float, at: float) -> Snapshot:
    metric = session.runbook.metrics["refusal_rate"]  # sum(rate(...[5m])) / sum(rate(...[5m]))
    return Snapshot({"refusal_rate": reading_from_samples(metric, metric.query, [({}, value)], at)}, at, 5.0)


async def test_a_danger_command_run_makes_a_bad_windowed_metric_settle_and_the_answer_says_so(journal, library, tmp_path):
    session = controller(journal, library)
    now = NOW.timestamp()
    assert session.take_snapshot(snapshot(session, 0.124, now), now) == 0  # no fix yet: CRIT suggests "Yes"
    prepared = prepare_command(session.runbook, "rollback_prompt", session.values())
    assert prepared.danger
    session.command_finished(prepared, await launch_for(prepared, Settings(journal_path=tmp_path / "j.json"),
                                                        confirmed=True).run())
    assert session.remediation is not None and session.remediation.what == "rollback_prompt ran"
    assert session.take_snapshot(snapshot(session, 0.124, now + 60), now + 60) is None
    reading = session.readings["refusal_rate"]
    assert (reading.state, reading.settles_in(now + 60)) == ("settling", 240.0)
    assert session.snapshot is not None and session.snapshot.get("refusal_rate").state == "settling"

    session.take_snapshot(snapshot(session, 0.1, now + 65), now + 65)  # the next poll: no second note
    session.answer(0)  # the person answers anyway
    events = journal.events(session.incident_id)
    [note] = [e for e in events if e.kind == "metric"]
    assert note.text.startswith("refusal_rate 12.4% is settling: wait 4 min: the 5-minute window")
    [decision] = [e for e in events if e.kind == "decision"]
    assert decision.data["metrics"]["refusal_rate"]["state"] == "settling"
    assert decision.data["metrics"]["refusal_rate"]["settles_in_s"] == 235
    assert decision.data["unsettled"] == {"metric": "refusal_rate", "state": "settling", "base_state": "crit",
                                          "settles_in_s": 235, "choice_when": "crit"}


def test_a_responder_who_joins_later_sees_the_same_wait(journal, library):
    first = controller(journal, library)
    first.set_status("contained")
    assert first.remediation is not None and first.remediation.what == CONTAINED
    joined = controller(journal, library, first.incident_id)
    assert joined.remediation == first.remediation
    now = NOW.timestamp()
    joined.take_snapshot(snapshot(joined, 0.124, now + 100), now + 100)
    assert joined.readings["refusal_rate"].settles_in(now + 100) == 200.0
    joined.take_snapshot(snapshot(joined, 0.124, now + 300), now + 300)
    assert joined.readings["refusal_rate"].state == "crit"
    notes = [e.data.get("state") for e in journal.events(first.incident_id) if e.kind == "metric"]
    assert notes == ["settling", "crit"]


def test_the_latest_remediation_counts_and_a_command_that_never_started_is_none():
    class Ev:
        def __init__(self, kind: str, time: str, **data: object) -> None:
            self.kind, self.time, self.data = kind, time, data

    events = [Ev("command", "2026-11-22T02:00:00Z", command="rollback", danger=True, status="exit 1"),
              Ev("command", "2026-11-22T02:05:00Z", command="status", danger=False, status="exit 0"),
              Ev("command", "2026-11-22T02:09:00Z", command="rollback", danger=True, status="did not start")]
    found = latest(events)
    assert found is not None and (found.what, found.at) == ("rollback ran", 1795312800.0)
    later = latest(events, contained_at="2026-11-22T02:03:00Z")
    assert later is not None and later.what == CONTAINED


def test_a_stale_value_while_settling_is_no_end_of_the_wait(journal, library):
    from tui.metrics.readings import Reading

    session = controller(journal, library)
    session.set_status("contained")
    now = NOW.timestamp()
    session.take_snapshot(snapshot(session, 0.124, now + 10), now + 10)
    metric = session.runbook.metrics["refusal_rate"]
    down = Snapshot({"refusal_rate": Reading(metric, metric.query, "down", 0.124, at=now + 20)}, now + 20, 5.0)
    session.take_snapshot(down, now + 20)  # Prometheus went away for a moment
    session.take_snapshot(snapshot(session, 0.124, now + 30), now + 30)  # back, still inside the window
    session.take_snapshot(snapshot(session, 0.01, now + 400), now + 400)  # the window has passed
    notes = [e for e in journal.events(session.incident_id) if e.kind == "metric"]
    assert [e.data["state"] for e in notes] == ["settling", "ok"]
