"""The post-incident report: every section, filled from the journal or saying plainly what is missing."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from tui.journal.report import SECTIONS, format_duration, render_report


def _sections(report: str) -> dict[str, str]:
    parts = re.split(r"^## (.+)$", report, flags=re.M)
    return {title: body.strip() for title, body in zip(parts[1::2], parts[2::2])}


def _iso(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def test_a_full_incident_fills_every_section(make_journal) -> None:
    journal = make_journal("alice", shared=False)
    now = datetime.now(UTC)
    inc = journal.new_incident("Refusal spike | support assistant", severity="high", category="unexpected-output",
                               runbook="llm-false-refusals", alert="RefusalRateHigh",
                               alert_started_at=_iso(now - timedelta(minutes=34)),
                               detected_at=_iso(now - timedelta(minutes=30)))
    journal.set_fields(inc.id, roles={"communications lead": "bob"})
    journal.add_event(inc.id, "metric", "refusal_rate 12.4% CRIT", {"metric": "refusal_rate", "value": 0.124})
    journal.add_event(inc.id, "command", "prompt_history: exit 0",
                      {"output": "v41 02:11 deployed by ci\nv40 yesterday ```quoted```", "exit": 0})
    journal.add_event(inc.id, "decision", "Roll back or fix forward? → Roll back",
                      {"decision": "rollback", "reason": "v40 is a clean rollback point"})
    journal.set_fields(inc.id, status="contained")
    journal.add_event(inc.id, "note", "refusal rate back to 0.8%")
    journal.set_fields(inc.id, status="resolved", impact="12% of support chats refused for 40 minutes",
                       root_cause="prompt v41 made the safety preamble apply to billing questions",
                       trigger="prompt deploy v41 at 02:11", missed_signals="the eval suite had no billing cases",
                       what_worked="the refusal-rate alert fired within 4 minutes")
    journal.add_action_item(inc.id, "Add billing cases to the prompt eval suite", "bob", "2026-12-01")
    journal.add_action_item(inc.id, "Canary prompt deploys", None, None)

    report = render_report(journal, inc.id)
    s = _sections(report)
    assert list(s) == list(SECTIONS)
    assert report.startswith("# Post-incident report: Refusal spike | support assistant\n")
    assert "| Title | Refusal spike \\| support assistant |" in s["Summary"]  # a pipe cannot break the table
    assert "SEV2 (high)" in s["Summary"] and "communications lead: bob; incident lead: alice" in s["Summary"]
    assert "| Duration | 3" in s["Summary"]  # 30 minutes and change, detected to resolved
    assert s["Impact"] == "12% of support chats refused for 40 minutes"
    timeline = s["Timeline"].splitlines()
    events = journal.events(inc.id)
    assert sum(line.startswith("- ") for line in timeline) == len(events)
    kinds = [line.split(" · ")[2].split(":")[0] for line in timeline if line.startswith("- ")]
    assert kinds == [e.kind for e in events]
    assert "**alice**" in timeline[0]
    assert "  ````" in timeline  # output holding ``` is fenced with a longer fence
    assert "`RefusalRateHigh`" in s["Detection"] and "**Time to notice:** 4 min" in s["Detection"]
    assert "after detection" in s["Containment"] and "prompt_history: exit 0" in s["Containment"]
    assert "refusal rate back" not in s["Containment"]  # after containment: not part of what contained it
    assert "**Decision:** rollback" in s[SECTIONS[5]] and "v40 is a clean rollback point" in s[SECTIONS[5]]
    assert "safety preamble" in s["Root cause and trigger"] and "prompt deploy v41" in s["Root cause and trigger"]
    assert s["Missed signals"] == "the eval suite had no billing cases"
    assert s["What worked"] == "the refusal-rate alert fired within 4 minutes"
    assert "| Add billing cases to the prompt eval suite | bob | 2026-12-01 | no |" in s["Corrective actions"]
    assert "| Canary prompt deploys | **no owner** | **no due date** | no |" in s["Corrective actions"]
    assert "not recorded" not in report.replace("Resolved", "")


def test_an_empty_incident_says_what_the_journal_cannot_tell(make_journal) -> None:
    journal = make_journal("alice", shared=False)
    inc = journal.new_incident("Something is off")
    s = _sections(render_report(journal, inc.id))
    assert list(s) == list(SECTIONS)
    expected_gaps = {
        "Impact": "does not record the impact",
        "Detection": "cannot be computed",
        "Containment": "not recorded in the journal",
        SECTIONS[5]: "set `decision` to rollback or fix-forward",
        "Root cause and trigger": "set `root_cause`",
        "Missed signals": "records no missed signals",
        "What worked": "does not record what worked",
        "Corrective actions": "records no corrective actions",
    }
    for title, phrase in expected_gaps.items():
        assert phrase in s[title], title
        assert s[title].strip(), title
    assert "ongoing" in s["Summary"]
    assert s["Timeline"].count("\n- ") == 0 and s["Timeline"].startswith("- ")  # the opening event alone


def test_a_drill_is_marked_as_such(make_journal) -> None:
    journal = make_journal("alice", shared=False)
    inc = journal.new_incident("Game day: data drift", drill=True)
    assert "**drill**" in render_report(journal, inc.id).splitlines()[2]


def test_durations_read_naturally() -> None:
    assert [format_duration(s) for s in (5, 59.6, 61, 3599, 3600, 5400 + 59, 90000, -120)] == [
        "5 s", "1 min", "1 min", "59 min", "1 h 00 min", "1 h 30 min", "1 d 1 h", "-2 min"]
