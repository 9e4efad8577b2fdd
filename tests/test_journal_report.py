"""The post-incident report: the skeleton, filled from the journal, or saying which key fills what is missing."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from tui.report.impact import Curve, measure
from tui.report.markdown import SECTIONS, format_duration, render_report
from tui.runbook.model import Command, Comms, Metric, Runbook

T0 = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
RUNBOOK = Runbook("llm-false-refusals", "Refusals", 1, "s", "unexpected-output", "high", "a", {},
                  commands={"rollback_prompt": Command("rollback_prompt", "Roll the prompt back", run=("echo",),
                                                       danger=True)},
                  comms={"internal": Comms("internal", 300.0, "t")})
ERRORS = Metric("refusal_rate", "Refusal rate", "ai_refusal_ratio", unit="percent-ratio", warn=0.02, crit=0.05)


def _sections(report: str) -> dict[str, str]:
    parts = re.split(r"^## (.+)$", report, flags=re.M)
    return {title: body.strip() for title, body in zip(parts[1::2], parts[2::2])}


def _iso(minutes: float) -> str:
    return (T0 + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _hms(minutes: float) -> str:
    return (T0 + timedelta(minutes=minutes)).strftime("%H:%M:%S")


def _full_incident(make_journal):
    """Detected at +4 min; the fix (a danger command) at +10; contained at +11; resolved at +21."""
    clock = {"m": 4.0}
    journal = make_journal("alice", shared=False,
                           now_ms=lambda: int((T0 + timedelta(minutes=clock["m"])).timestamp() * 1000))

    def at(minutes: float) -> None:
        clock["m"] = minutes

    inc = journal.new_incident("Refusal spike | support assistant", severity="high", category="unexpected-output",
                               runbook="llm-false-refusals", alert="RefusalRateHigh",
                               alert_started_at=_iso(2), detected_at=_iso(4))
    at(5)
    journal.set_fields(inc.id, roles={"communications lead": "bob"})
    at(6)
    journal.add_event(inc.id, "command", "ran prompt_history: python3 -c 'print(1)' (ok, 0.1 s)",
                      {"command": "prompt_history", "runbook": "llm-false-refusals", "status": "ok", "exit_code": 0,
                       "display": "python3 -c 'print(1)'", "output": "v41 02:11 deployed by ci\nv40 ```quoted```"})
    at(7)
    journal.add_event(inc.id, "decision", "recent-change: Yes, roll it back",
                      {"action": "answer", "runbook": "llm-false-refusals", "step": "recent-change",
                       "label": "Yes, roll it back", "reason": "refusal_rate is CRIT (metric suggestion)"})
    at(9)
    journal.add_event(inc.id, "command", "ran rollback_prompt: failed", {
        "command": "rollback_prompt", "runbook": "llm-false-refusals", "status": "exit 1", "exit_code": 1,
        "danger": True, "display": "echo " + "x" * 300, "output": "denied"})
    at(10)
    long = "echo " + "x" * 300
    journal.add_event(inc.id, "command", f"ran rollback_prompt: {long} (ok, 0.1 s)",
                      {"command": "rollback_prompt", "runbook": "llm-false-refusals", "status": "ok", "exit_code": 0,
                       "danger": True, "display": long, "output": "rolled back"})
    journal.add_event(inc.id, "decision", "roll-back: done; 1 checklist item(s) not ticked",
                      {"action": "done", "runbook": "llm-false-refusals", "step": "roll-back",
                       "unchecked": ["Watch refusal_rate for 5 minutes"]})
    at(11)
    journal.set_fields(inc.id, status="contained")
    at(12)
    journal.add_event(inc.id, "note", "refusal rate back to 0.8%")
    at(21)
    journal.set_fields(inc.id, status="resolved", impact="12% of support chats refused",
                       root_cause="prompt v41 made the safety preamble apply to billing questions",
                       trigger="prompt deploy v41 at 02:11", missed_signals="the eval suite had no billing cases",
                       what_worked="the refusal-rate alert fired within 2 minutes",
                       reached_users="no canary for prompt deploys",
                       five_whys="billing refused; preamble too broad; no billing evals; evals owned by nobody")
    journal.add_action_item(inc.id, "Add billing cases to the prompt eval suite", "bob", "2026-12-01")
    journal.add_action_item(inc.id, "Canary prompt deploys", None, None)
    return journal, journal.incident(inc.id)


def test_a_full_incident_fills_every_section_with_the_impact_from_the_metrics(make_journal) -> None:
    journal, inc = _full_incident(make_journal)
    # The refusal ratio was past warn from +1 (before the page at +4) and fell back inside at +18.
    values = [0.01, 0.03, 0.12, 0.12, 0.12, 0.12, 0.12, 0.12, 0.12, 0.12, 0.12, 0.10, 0.08, 0.06, 0.05, 0.04,
              0.03, 0.025, 0.015, 0.01]
    curve = Curve(ERRORS, RUNBOOK.id, "q", tuple(((T0 + timedelta(minutes=i)).timestamp(), v)
                                                   for i, v in enumerate(values)))
    now = (T0 + timedelta(minutes=30)).timestamp()
    impact = measure(inc, [curve], None, now)
    report = render_report(journal, inc.id, runbooks=[RUNBOOK], impact=impact, now=now,
                           charts={"llm-false-refusals.refusal_rate": "![Refusal rate](chart.svg)"})
    s = _sections(report)
    assert list(s) == list(SECTIONS)
    assert report.startswith("# Post-incident report: Refusal spike | support assistant\n")
    assert "| Title | Refusal spike \\| support assistant |" in s["Summary"]  # a pipe cannot break the table
    assert f"| Duration (impact) | 17 min ({_hms(1)} UTC → {_hms(18)} UTC, from the metrics) |" in s["Summary"]
    for row in ("| Time to notice (alert to page) | 2 min |", "| Time to acknowledge | 1 min |",
                "| Time to contain | 7 min |", "| Time to resolve | 17 min |"):
        assert row in s["Summary"], row
    assert f"crossed its warn line at {_hms(1)} UTC" in s["What happened"]
    assert "alice ran Roll the prompt back \\[rollback_prompt\\]" in s["What happened"]
    assert s["Impact"].startswith("12% of support chats refused")
    assert "![Refusal rate](chart.svg)" in s["Impact"] and "| 17 min |" in s["Impact"]
    assert s["Why it reached users"] == "no canary for prompt deploys"
    assert f"Missed signal: Refusal rate was past its warn line at {_hms(1)} UTC (3%), 3 min before" \
        in s["What slowed detection"]
    assert "the eval suite had no billing cases" in s["What slowed detection"]
    harm = s["What reduced harm"].splitlines()  # the failed run of the same fix is not among them
    assert len(harm) == 2 and "Roll the prompt back \\[rollback_prompt\\]" in harm[0] and "contained" in harm[1]
    assert "prompt_history" not in s["What reduced harm"] and "refusal rate back" not in s["What reduced harm"]
    # No decision in the findings: the path's choice, never the metric suggestion's reason.
    assert "**Decision:** rollback, chosen on the runbook path" in s["The decision and why"]
    assert "metric suggestion" not in report
    assert "1. billing refused" in s["Root cause and five whys"] and "4. evals owned by nobody" in s[
        "Root cause and five whys"]
    assert s["What worked"] == "the refusal-rate alert fired within 2 minutes"
    assert "| Add billing cases to the prompt eval suite | bob | 2026-12-01 | — | no |" in s["Corrective actions"]
    assert "| Canary prompt deploys | **no owner** | **no due date** | — | no |" in s["Corrective actions"]
    gaps = s["Gaps"]
    assert "Watch refusal_rate for 5 minutes" in gaps  # the unticked item by its text
    assert "Why that decision" in gaps and "press i" in gaps  # the key that fills it, not a field name
    assert "Updates owed: 3" in gaps and "press u" in gaps  # every 5 min over 17 min, none sent
    assert "Canary prompt deploys has no owner and no due date" in gaps
    assert "`decision_reason`" not in report and "set `" not in report
    timeline = s["Timeline"].splitlines()
    assert sum(line.startswith("- ") for line in timeline) == len(journal.events(inc.id))
    assert any("ran Roll the prompt back \\[rollback_prompt\\] (exit 0, changes production)" in line
               for line in timeline)
    assert report.count("x" * 300) == 1 and "x" * 300 in s["Appendix: commands"]  # full text once
    assert "````" in s["Appendix: commands"]  # output holding ``` is fenced with a longer fence


def test_an_empty_incident_says_which_key_fills_each_section(make_journal) -> None:
    journal = make_journal("alice", shared=False)
    inc = journal.new_incident("Something is off")
    report = render_report(journal, inc.id)
    s = _sections(report)
    assert list(s) == list(SECTIONS)
    expected = {
        "Impact": "fill 'Impact'", "Why it reached users": "fill 'Why it reached users'",
        "What slowed detection": "fill 'Missed signals'", "What reduced harm": "press t",
        "The decision and why": "fill 'Decision: rollback or fix-forward'", "Root cause and five whys": "fill 'Five whys'",
        "What worked": "fill 'What worked'", "Corrective actions": "press a",
    }
    for title, phrase in expected.items():
        assert phrase in s[title], title
        assert phrase in s["Gaps"], title
    assert "response window" in s["Impact"] and "without reading the metrics" in s["Impact"]
    assert "not resolved yet" in s["Summary"]
    assert s["Appendix: commands"] == "No command ran in this incident."


def test_outside_prose_cannot_fake_a_section(make_journal) -> None:
    journal = make_journal("alice", shared=False)
    inc = journal.new_incident("x")
    journal.set_fields(inc.id, impact="fine\n## Gaps\n---\n1. list", what_worked="- <b>x</b>")
    s = _sections(render_report(journal, inc.id))
    assert list(s) == list(SECTIONS)
    assert "\\## Gaps" in s["Impact"] and "\\---" in s["Impact"] and "1\\. list" in s["Impact"]
    assert s["What worked"] == "\\- \\<b\\>x\\</b\\>"


def test_a_fix_forward_jump_on_the_path_is_the_decision(make_journal) -> None:
    journal = make_journal("alice", shared=False)
    inc = journal.new_incident("x")
    journal.add_event(inc.id, "decision", "Not sure", {"action": "answer", "step": "recent-change",
                                                       "label": "Not sure", "to_runbook": "fix-forward"})
    assert "**Decision:** fix-forward, chosen on the runbook path" in render_report(journal, inc.id)


def test_a_drill_is_marked_as_such(make_journal) -> None:
    journal = make_journal("alice", shared=False)
    inc = journal.new_incident("Game day: data drift", drill=True)
    assert "**drill**" in render_report(journal, inc.id).splitlines()[2]


def test_durations_read_naturally() -> None:
    assert [format_duration(s) for s in (5, 59.6, 61, 3599, 3600, 5400 + 59, 90000, -120)] == [
        "5 s", "1 min", "1 min", "59 min", "1 h 00 min", "1 h 30 min", "1 d 1 h", "-2 min"]
