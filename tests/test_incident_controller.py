"""The incident controller against a real journal, without Textual: what each action writes."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from tests.screenshots import NOW, fixed_clock, write_library
from tui.errors import OncallError
from tui.incident import FINDINGS, CommandOutcome, IncidentController
from tui.journal import Journal
from tui.metrics.readings import reading_from_samples


def start(journal: Journal, library, **params: str) -> IncidentController:
    runbook = library.get("refusal-spike")
    values = {**runbook.default_params(), **params}
    incident = journal.new_incident(runbook.title, severity=runbook.severity_hint, runbook=runbook.id, params=values)
    journal.set_fields(incident.id, detected_at=NOW.isoformat())
    return IncidentController(journal, incident.id, fixed_clock(), runbook=runbook, params=values, resolver=library.get,
                              user="alice")


def decisions(journal: Journal, session: IncidentController) -> list:
    return [e for e in journal.events(session.incident_id) if e.kind == "decision"]


def test_an_answer_is_journaled_with_the_metric_values_at_that_moment(journal, library):
    session = start(journal, library)
    metric = session.runbook.metrics["refusal_rate"]
    session.readings = {"refusal_rate": reading_from_samples(metric, "q", [({}, 0.124)], NOW.timestamp())}
    session.walker.suggest(0, "refusal_rate 12.4% is above the 5% critical line")
    session.answer(0)
    [event] = decisions(journal, session)
    assert "Is the refusal rate above 5% right now? → Yes, above 5%" in event.text
    assert "[refusal_rate 12.4% CRIT]" in event.text
    assert event.data["matched"] is True and event.data["suggested"] == 1
    assert event.data["metrics"]["refusal_rate"]["value"] == pytest.approx(0.124)
    assert event.data["metrics"]["refusal_rate"]["state"] == "crit"


def test_step_text_shows_parameters_and_live_values(journal, library):
    session = start(journal, library, prompt_version="v39")
    session.answer(0)
    session.answer(0)
    # The value is marked: spliced bare, "the prompt version previous holds" reads like a typo.
    assert session.text(session.step.text) == "Roll the prompt back to \u2018v39\u2019 and watch the refusal rate fall."
    [_, second] = decisions(journal, session)
    assert second.data["to_step"] == "roll-back"
    # A value the runbook quotes itself is not quoted twice; an unknown name stays visible.
    assert session.text('asks "${prompt_version}" of ${service}, then ${nope}') == \
        'asks "v39" of \u2018support-assistant\u2019, then ${nope}'


def test_back_is_journaled_and_nothing_is_erased(journal, library):
    session = start(journal, library)
    session.answer(0)
    session.back()
    session.answer(2)
    events = decisions(journal, session)
    assert [e.data["action"] for e in events] == ["answer", "back", "answer"]
    assert events[1].data == {"action": "back", "runbook": "refusal-spike", "step": "recent-change",
                              "to_runbook": "refusal-spike", "to_step": "confirm-impact"}


def test_a_status_step_sets_the_incident_status_and_its_time(journal, library):
    session = start(journal, library)
    session.answer(0)
    session.answer(0)
    session.toggle(0)
    move = session.done()  # roll-back is `status: contained` and leads to a resolved outcome
    assert move.statuses == ("contained", "resolved")
    incident = journal.incident(session.incident_id)
    assert incident.status == "resolved"
    assert incident.contained_at and incident.resolved_at
    notes = [e.text for e in journal.events(session.incident_id) if e.kind == "note"]
    assert notes == ["Ticked: Tell the channel you are rolling back"]


def test_a_jump_adds_the_runbook_to_the_incident_and_carries_parameters(journal, library):
    session = start(journal, library, service="billing-bot")
    session.answer(0)
    move = session.answer(2)
    assert move.jumped and session.current.id == "fix-forward"
    assert session.carry_params(session.current) == {"service": "billing-bot"}
    assert session.text(session.step.text) == "Ship the corrected prompt to \u2018billing-bot\u2019."
    assert journal.incident(session.incident_id).runbooks == ("refusal-spike", "fix-forward")


def test_comms_reminder_counts_from_detection_then_from_the_last_update(journal, library):
    session = start(journal, library)
    assert session.comms_due() == NOW + timedelta(minutes=10)
    assert not session.comms_overdue()
    session.clock.advance(11 * 60)
    assert session.comms_overdue()
    session.mark_comms_sent("update text")
    assert session.comms_due() == NOW + timedelta(minutes=21)
    assert not session.comms_overdue()
    [comms] = [e for e in journal.events(session.incident_id) if e.kind == "comms"]
    assert comms.text == "update text"


def test_comms_template_is_filled_from_the_incident(journal, library):
    session = start(journal, library)
    journal.set_fields(session.incident_id, impact="1 in 8 answers refused")
    text = session.comms_text()
    assert text == ("[SEV2] Refusal spike in the support assistant: investigating. Impact: 1 in 8 answers refused. "
                    "Lead: alice. Next update at 02:58.")


def test_severity_roles_and_notes_are_journaled(journal, library):
    session = start(journal, library)
    session.set_severity("critical")
    session.set_roles({"incident lead": "alice", "technical lead": "bob", "communications lead": " "})
    session.note("  paged the prompt owner ")
    incident = journal.incident(session.incident_id)
    assert incident.severity == "critical"
    assert incident.roles == {"incident lead": "alice", "technical lead": "bob"}
    assert session.my_roles() == ["incident lead"]
    kinds = [(e.kind, e.text) for e in journal.events(session.incident_id)]
    assert ("note", "paged the prompt owner") in kinds
    assert any(k == "role" and "bob is technical lead" in t for k, t in kinds)
    session.set_severity("critical")  # choosing it again is a decision too: journaled, so a drill scores it
    confirmed = [e for e in journal.events(session.incident_id) if e.data.get("confirmed")]
    assert [e.text for e in confirmed] == ["Severity confirmed: SEV1 (critical)."]
    assert confirmed[0].data["field"] == "severity"
    with pytest.raises(OncallError, match="empty"):
        session.note("   ")


def test_action_items_need_an_owner_and_a_real_date(journal, library):
    session = start(journal, library)
    with pytest.raises(OncallError, match="YYYY-MM-DD"):
        session.add_action_item("Add a prompt regression test", "bob", "next week")
    with pytest.raises(OncallError, match="owner"):
        session.add_action_item("Add a prompt regression test", " ", "2026-12-01")
    session.add_action_item("Add a prompt regression test", "bob", "2026-12-01")
    [item] = journal.action_items(session.incident_id)
    assert (item.text, item.owner, item.due) == ("Add a prompt regression test", "bob", "2026-12-01")


def test_command_result_is_kept_per_step_for_suggestions(journal, library):
    session = start(journal, library)
    session.answer(0)
    session.record_command(CommandOutcome("prompt_history", 0, "v41  02:11  deployed by ci", 1.2, "exit 0"))
    assert session.result_for_step().output.startswith("v41")
    assert session.result_for_step().status_text == "exit 0 · 1.2s"
    session.answer(1)
    assert session.result_for_step() is None


def test_replay_walks_the_journaled_decisions_again(journal, library):
    first = start(journal, library)
    first.answer(0)
    first.back()
    first.answer(0)
    first.answer(2)  # into fix-forward
    joined = IncidentController(journal, first.incident_id, fixed_clock(), runbook=first.runbook, params=first.params,
                                resolver=library.get, user="bob")
    assert joined.replay(joined.events()) == 4
    assert (joined.current.id, joined.step.id) == ("fix-forward", "ship")
    assert joined.walker.depth == 2


def test_findings_are_saved_as_fields_and_noted_in_the_timeline(journal, library):
    session = start(journal, library)
    values = session.findings()
    names = [name for name, _ in FINDINGS]
    assert values == [""] * len(names) and {"five_whys", "reached_users", "eta"} <= set(names)
    values[0] = "1 in 8 answers refused for 40 minutes"
    values[names.index("decision")] = "rollback"
    values[names.index("decision_reason")] = "v40 is a clean rollback point; the fix needs a prompt review"
    values[names.index("five_whys")] = "refusals; preamble too broad"
    assert session.set_findings(values) == ["impact", "five_whys", "decision", "decision_reason"]
    incident = journal.incident(session.incident_id)
    assert incident.impact == "1 in 8 answers refused for 40 minutes"
    assert incident.five_whys == "refusals; preamble too broad"
    assert (incident.decision, incident.decision_reason) == ("rollback", values[names.index("decision_reason")])
    [note] = [e for e in journal.events(session.incident_id) if e.kind == "note"]
    assert note.text.startswith("Findings: Impact: 1 in 8 answers refused")
    assert session.set_findings(values) == []  # nothing changed, nothing written
    values[0] = ""
    assert session.set_findings(values) == ["impact"]
    assert journal.incident(session.incident_id).impact is None


def test_status_set_by_hand_stamps_its_time(journal, library):
    session = start(journal, library)
    session.set_status("contained")
    incident = journal.incident(session.incident_id)
    assert incident.status == "contained" and incident.contained_at.startswith("2026-11-22T02:48")



def test_containing_again_keeps_the_first_containment_time(tmp_path: Path, library):
    now = [int(NOW.timestamp() * 1000)]
    journal = Journal(tmp_path / "j.json", user="alice", sync_on_write="off", now_ms=lambda: now[0])
    session = start(journal, library)
    session.set_status("contained")
    first = journal.incident(session.incident_id).contained_at
    now[0] += 600_000
    session.set_status("investigating")
    session.set_status("contained")
    assert journal.incident(session.incident_id).contained_at == first
    journal.close()


def test_new_readings_suggest_the_answer_and_go_into_the_next_decision(journal, library):
    from tui.metrics.readings import Snapshot

    session = start(journal, library)
    metric = session.runbook.metrics["refusal_rate"]
    reading = reading_from_samples(metric, "q", [({}, 0.124)], NOW.timestamp())
    assert session.take_snapshot(Snapshot({"refusal_rate": reading}, NOW.timestamp(), 5.0), NOW.timestamp()) == 0
    assert session.walker.suggestion is not None and "12.4%" in session.walker.suggestion.reason
    assert session.text("${refusal_rate}") == "12.4%"
    session.answer(0)
    [event] = decisions(journal, session)
    assert event.data["matched"] is True and "[refusal_rate 12.4% CRIT]" in event.text
    session.clear_readings()
    assert session.text("${refusal_rate}") == "—"


async def test_a_finished_command_is_kept_for_the_step_and_journaled_redacted(journal, library, tmp_path):
    from tui.config import Settings
    from tui.launch import launch_for, prepare_command
    from tui.runbook.library import load_library as load

    folder = write_library(tmp_path / "cmd", {"echo.yaml": ECHO_RUNBOOK})
    runbook = load([folder]).get("echo-check")
    incident = journal.new_incident(runbook.title, runbook=runbook.id)
    session = IncidentController(journal, incident.id, fixed_clock(), runbook=runbook,
                                 params=runbook.default_params(), resolver=None, user="alice")
    prepared = prepare_command(runbook, "say", session.values())
    result = await launch_for(prepared, Settings(journal_path=tmp_path / "j.json")).run()
    outcome = session.command_finished(prepared, result, secrets=["s3cret"])
    assert outcome.exit_code == 0 and session.result_for_step() == outcome
    assert session.walker.suggestion is not None  # exit 0 points to the first choice
    [event] = [e for e in journal.events(incident.id) if e.kind == "command"]
    assert event.data["command"] == "say" and "s3cret" not in event.data["output"] and "hello" in event.data["output"]
    session.command_failed(prepared, "no such program")
    assert session.result_for_step().status == "did not start"
    assert [e.text for e in journal.events(incident.id) if e.kind == "command"][-1] == \
        "could not run say: no such program"


ECHO_RUNBOOK = """\
id: echo-check
title: Echo check
version: 1
summary: A runbook whose one command prints a line.
category: infrastructure
severity_hint: low
owners: [team]
commands:
  say:
    title: Say hello
    run: [sh, -c, "echo hello s3cret"]
start: said
steps:
  said:
    ask: Did it say hello?
    command: say
    choices:
      - {label: "Yes", next: done, when: {exit: 0}}
      - {label: "No", next: done}
  done:
    outcome: resolved
"""


def test_opening_an_incident_from_an_alert_records_when_it_was_detected_and_what_fired(journal, library):
    from tui.incident import IncidentRecord

    runbook = library.get("refusal-spike")
    record = IncidentRecord.open(journal, fixed_clock(), runbook, {"model": "m"}, alert="LLMRefusalSpike",
                                 alert_started_at="2026-11-22T02:40:00Z")
    incident = record.incident
    assert incident.runbooks[0] == runbook.id and incident.params == {"model": "m"}
    assert incident.detected_at.startswith("2026-11-22T02:48") and incident.alert == "LLMRefusalSpike"
    assert incident.alert_started_at.startswith("2026-11-22T02:40")


def test_only_my_queued_updates_count_as_waiting(tmp_path: Path, library) -> None:
    shared = tmp_path / "shared.jsonl"
    with Journal(tmp_path / "alice.json", shared, user="alice", sync_on_write="inline") as alice:
        mine = start(alice, library)
        alice.add_event(mine.incident_id, "comms", "Rolled back.",  # asked to be sent, not yet delivered
                        {"audience": "internal", "send": True, "targets": ["json://127.0.0.1:9/"]})
        assert mine.queued_updates() == 1
    with Journal(tmp_path / "bob.json", shared, user="bob", sync_on_write="inline") as bob:
        bob.sync()
        runbook = library.get("refusal-spike")
        theirs = IncidentController(bob, mine.incident_id, fixed_clock(), runbook=runbook, params={},
                                    resolver=library.get, user="bob")
        assert theirs.queued_updates() == 0  # alice's to retry: bob's bar does not wait on it
