"""Audiences: the runbook's and the seeds' defaults, each with its trigger and reminder; templates filled
from the incident; a closing update promises no other; the drill score counts what actually went."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tui.clock import Clock
from tui.config import BUNDLED_RUNBOOKS, Settings
from tui.drill.catalog import load_catalog
from tui.drill.score import score_drill
from tui.incident import IncidentController
from tui.integrations.audiences import CLOSING_LINE, DEFAULTS, draft
from tui.integrations.service import Integrations
from tui.journal import Journal

NOW = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def catalog():
    return load_catalog([BUNDLED_RUNBOOKS])


@pytest.fixture
def clock() -> Clock:
    return Clock(tz=UTC, fixed=NOW)


@pytest.fixture
def journal(tmp_path: Path, clock: Clock):
    j = Journal(tmp_path / "journal.json", user="alice", sync_on_write="off",
                now_ms=lambda: int(clock.now().timestamp() * 1000))  # one clock for the journal and the session
    yield j
    j.close()


def session(catalog, journal, clock, runbook_id="llm-false-refusals", settings=None) -> IncidentController:
    runbook = catalog.library.get(runbook_id)
    incident = journal.new_incident(runbook.title, severity=runbook.severity_hint, runbook=runbook.id,
                                    params=runbook.default_params())
    integrations = Integrations(settings) if settings is not None else None
    return IncidentController(journal, incident.id, clock, runbook=runbook, params=runbook.default_params(),
                              resolver=catalog.library.get, user="alice", integrations=integrations)


def reminders(s: IncidentController) -> dict[str, str]:
    return {st.audience.name: st.reminder(s.clock.hhmm(st.due) if st.due else None, s.clock.now())
            for st in s.audience_states()}


def test_every_audience_with_its_trigger_and_its_own_reminder(catalog, journal, clock) -> None:
    s = session(catalog, journal, clock)
    assert [(a.name, a.trigger, a.every) for a in s.audiences()] == [
        ("internal", "opened", 600.0), ("support", "mitigation", None),
        ("status_page", "impact", None), ("executives", "scope_eta", None)]
    assert [a.cadence() for a in s.audiences()] == [
        "every 10 min from the page", "once mitigation is chosen", "once impact is confirmed",
        "once scope and ETA are known"]
    assert reminders(s) == {"internal": "internal due 03:10", "support": "support after mitigation",
                            "status_page": "status page after impact", "executives": "executives after scope+ETA"}
    journal.set_fields(s.incident_id, impact="12% of support chats refused since 02:11")
    clock.advance(11 * 60)
    assert reminders(s)["internal"] == "internal OVERDUE" and reminders(s)["status_page"] == "status page due now"
    s.mark_comms_sent(s.comms_text("status_page"), "status_page")
    s.mark_comms_sent(s.comms_text())
    journal.set_fields(s.incident_id, decision="rollback", eta="03:40 UTC")
    assert reminders(s) == {"internal": "internal due 03:21", "support": "support due now",
                            "status_page": "status page sent", "executives": "executives due now"}


def test_templates_are_filled_from_the_incident(catalog, journal, clock) -> None:
    s = session(catalog, journal, clock)
    journal.set_fields(s.incident_id, impact="12% of chats refused", eta="03:40 UTC", decision="rollback")
    s.set_status("contained")
    clock.advance(5 * 60)
    internal = s.comms_text()
    assert internal.startswith("[SEV2] support-assistant refusing or answering wrongly — contained.")
    assert "Impact: 12% of chats refused. Lead: alice. Elapsed 00:05:00. Next update 03:15." in internal
    executives = s.comms_text("executives")
    assert "Expected fix: 03:40 UTC. Decision: rollback." in executives and "${" not in executives
    default_internal = draft(DEFAULTS[0], s.incident, s.events(), clock, params={}, runbook="r",
                             detected=NOW, user="alice")
    assert "What changed: Status: investigating → contained." in default_internal
    s.mark_comms_sent(default_internal)
    assert "What changed: nothing new since the last update." in draft(
        DEFAULTS[0], s.incident, s.events(), clock, params={}, runbook="r", detected=NOW, user="alice")


@pytest.mark.parametrize(("runbook_id", "audience"), [("llm-false-refusals", "internal"),
                                                      ("llm-false-refusals", "support"),
                                                      ("model-serving-outage", "stakeholder"),
                                                      ("llm-false-refusals", "executives")])
def test_a_closing_update_never_promises_another(catalog, journal, clock, runbook_id, audience) -> None:
    s = session(catalog, journal, clock, runbook_id)
    before = s.comms_text(audience)
    assert "Next update" in before or "update by" in before
    s.set_status("resolved")
    text = s.comms_text(audience)
    assert text.endswith(CLOSING_LINE)
    assert "Next update" not in text and "update by" not in text and "${" not in text
    assert not s.comms_overdue()


def test_the_drill_score_counts_updates_actually_sent_per_audience_on_cadence(catalog, journal, clock,
                                                                              receiver) -> None:
    receiver.start()
    settings = replace(Settings(), notify={"status_page": (receiver.target,),
                                           "support": (f"json://127.0.0.1:{receiver.port + 0}/down",)})
    scenario = catalog.get("refusal-spike")
    s = session(catalog, journal, clock, scenario.runbook, settings)
    clock.advance(5 * 60)
    s.mark_comms_sent(s.comms_text())  # +5 min: on time
    s.send_update("status_page", "We are aware of refused answers.")  # delivered to the receiver
    clock.advance(9 * 60)
    s.mark_comms_sent(s.comms_text())  # +14 min: 9 minutes after the first
    receiver.stop()
    s.send_update("support", "Route refused users to a human.")  # queued: it never went
    clock.advance(16 * 60)
    s.mark_comms_sent(s.comms_text())  # +30 min: 16 minutes after the last, late
    s.set_status("resolved")
    report = score_drill(scenario, journal.incident(s.incident_id), journal.events(s.incident_id))
    assert report.updates == {"internal": 3, "status_page": 1}
    assert report.comms_sent == 4 and report.late_updates == 1
    assert any("internal update was late 1 time(s)" in m for m in report.missed)
    assert "| Updates sent | 4 (internal 3, status_page 1), internal late 1 time(s) |" in report.markdown()
    assert receiver.messages() == ["We are aware of refused answers."]
