"""Scoring a drill from its journal, without the app: a real journal, the app's own IncidentController, scripted commands."""

from __future__ import annotations

from pathlib import Path

import pytest

from tui.clock import Clock
from tui.config import BUNDLED_RUNBOOKS, Settings
from tui.drill.catalog import load_catalog
from tui.drill.hooks import Drills
from tui.drill.runner import drill_settings
from tui.drill.score import SCORE_KEY, score_drill
from tui.incident import IncidentController
from tui.journal import Journal
from tui.launch import prepare_command
from tui.report.markdown import render_report


@pytest.fixture(scope="module")
def catalog():
    return load_catalog([BUNDLED_RUNBOOKS])


@pytest.fixture
def journal(tmp_path: Path):
    j = Journal(tmp_path / "journal.json", user="alice", sync_on_write="off")
    yield j
    j.close()


def start(catalog, journal, sid: str, **kw) -> tuple[Drills, IncidentController]:
    """What `oncall drill SID` does up to the split view: the drill, its page, an incident, a session."""
    scenario = catalog.get(sid)
    drills = Drills([scenario], catalog.library.runbooks, speed=kw.pop("speed", 600), **kw)
    drills.journal = journal
    runbook = catalog.library.get(scenario.runbook)
    incident = journal.new_incident(runbook.title, severity=runbook.severity_hint, category=runbook.category,
                                    runbook=runbook.id, params=runbook.default_params(), drill=True,
                                    alert=drills.drills[0].page_alert)
    drills.observe()  # the drill finds its incident and journals its start and the firing alerts
    session = IncidentController(journal, incident.id, Clock(), runbook=runbook, params=runbook.default_params(),
                                 resolver=catalog.library.get, user="alice")
    return drills, session


async def run(drills: Drills, session: IncidentController, name: str) -> None:
    """Run a command as the app does: through the drill's launcher, recorded in the journal."""
    settings = drill_settings(Settings(journal_path=session.journal.path))  # as `oncall drill` gives the app
    prepared = prepare_command(session.current, name, session.values(), settings)
    launch = drills.launcher(prepared, settings, confirmed=True)
    result = await launch.run()
    session.command_finished(prepared, result)


async def walk_expected(drills: Drills, session: IncidentController, scenario) -> None:
    """Walk the scenario's expected path, running each step's commands and the fix on the way."""
    path = list(scenario.expected.path)
    for here, there in zip(path, path[1:]):
        step = session.step
        assert step.id == here
        for name in step.offered_commands:
            if name in scenario.fix_commands or name == step.command:
                await run(drills, session, name)
        if step.kind == "ask":
            session.answer(next(i for i, c in enumerate(step.choices) if c.next == there))
        else:
            session.done()


async def test_a_clean_drill_scores_full_marks(catalog, journal) -> None:
    scenario = catalog.get("refusal-spike")
    drills, session = start(catalog, journal, "refusal-spike")
    session.note("Refusals jumped right after prompt v42 went live; rolling the prompt back first.")
    session.set_severity("critical")
    session.set_severity("high")  # reconsidered: many users, not all
    await walk_expected(drills, session, scenario)
    session.mark_comms_sent(session.comms_text())
    assert session.walker.finished
    report = drills.finish(journal, session.incident_id)
    assert report.score == 100, report.markdown()
    assert report.missed == () and report.outcome == "resolved" and report.fix_ran
    assert report.taken_path == scenario.expected.path and report.detours == ()
    assert report.commands[:2] == ("probe", "rollback_prompt")
    assert report.contained_by == "ran rollback_prompt"  # before the step that marks it contained
    assert 0 <= report.acknowledged <= report.contained <= report.resolved
    md = report.markdown()
    assert "**Score: 100/100**" in md and "SIMULATED" in md and "rollback_prompt (the fix)" in md
    assert "Nothing: a clean run." in md


async def test_a_sloppy_drill_says_what_was_missed(catalog, journal) -> None:
    drills, session = start(catalog, journal, "refusal-spike")
    session.answer(0)  # confirm-refusals -> probe
    await run(drills, session, "sample_refusals")
    session.answer(1)  # "It answers normally": wrong, the probe would have said otherwise -> slice
    session.back()
    session.answer(2)  # -> runbook:model-serving-outage: a detour into another runbook
    session.back()
    report = drills.finish(journal, session.incident_id)
    assert report.outcome is None and not report.fix_ran and not report.severity_set
    assert report.taken_path == ("confirm-refusals", "probe", "slice", "probe", "model-serving-outage/confirm-impact",
                                 "probe")
    assert report.detours == ("slice", "model-serving-outage/confirm-impact")
    assert report.backs == 2 and report.commands == ("sample_refusals",)
    missed = "\n".join(report.missed)
    for expected in ("not walked to an outcome", "The fix never ran: rollback_prompt",
                     "No comms update was sent", "The severity was never set", "No note of the reasoning",
                     "Expected steps not visited: which-change, contain-prompt"):
        assert expected in missed
    assert report.points["outcome"] == 0 and report.points["fix"] == 0 and report.score < 20


async def test_the_score_is_kept_in_the_journal_and_exported(catalog, journal, tmp_path: Path) -> None:
    scenario = catalog.get("gpu-oom-loop")
    drills, session = start(catalog, journal, "gpu-oom-loop")
    await walk_expected(drills, session, scenario)
    report = drills.finish(journal, session.incident_id)
    reader = Journal(journal.path, user="bob", sync_on_write="off")
    try:
        incident = reader.incident(session.incident_id)
        assert incident.drill and incident.status == "resolved"
        events = reader.events(session.incident_id)
        [kept] = [e for e in events if SCORE_KEY in e.data]
        assert kept.data[SCORE_KEY]["score"] == report.score
        assert kept.text.startswith(f"Drill gpu-oom-loop scored {report.score}/100: outcome resolved")
        drill_notes = [e.text for e in events if "drill_event" in e.data]
        assert drill_notes[0].startswith("DRILL gpu-oom-loop:") and "SIMULATED" in drill_notes[0]
        assert any(t.startswith("SIMULATED alert KubePodCrashLooping firing") for t in drill_notes)
        [fix] = [e for e in events if e.kind == "command" and e.data["command"] == "rollback"]
        assert fix.text.startswith("ran rollback: [SIMULATED] kubectl --context= rollout undo")
        assert "[SIMULATED] rollback: drill gpu-oom-loop; nothing was run." in fix.data["output"]
        # Re-scored from the journal alone (as after an export), it says the same.
        again = score_drill(scenario, incident, events, start_step="symptom", paged_at=report.paged_at)
        assert again.points == report.points and again.taken_path == report.taken_path
        exported = render_report(reader, session.incident_id)
        assert "game-day **drill**" in exported and f"scored {report.score}/100" in exported
    finally:
        reader.close()
    # Missed: no severity change (critical was expected), no comms, no note.
    assert report.expected_severity == "critical" and not report.severity_set
    assert report.score == 100 - 10 - 10 - 10


async def test_alerts_resolve_in_the_journal_after_the_fix(catalog, journal) -> None:
    drills, session = start(catalog, journal, "stale-index", speed=100_000)
    await run(drills, session, "rerun_rebuild")
    import asyncio

    await asyncio.sleep(0.05)  # 0.05 s at x100,000 is well past the recovery
    drills.observe()
    texts = [e.text for e in journal.events(session.incident_id)]
    assert "SIMULATED alert RAGCitationFailuresHigh resolved." in texts
    assert "SIMULATED alert RetrievalIndexStale resolved." in texts


def test_finishing_an_unknown_incident_is_one_sentence(catalog, journal) -> None:
    drills = Drills([catalog.get("refusal-spike")], catalog.library.runbooks)
    other = journal.new_incident("Not a drill")
    with pytest.raises(Exception, match=f"Incident {other.id} is not one of this session's drills"):
        drills.finish(journal, other.id)


async def test_the_controller_scores_a_drill_once_its_walk_reaches_the_outcome(catalog, journal) -> None:
    scenario = catalog.get("refusal-spike")
    drills, session = start(catalog, journal, "refusal-spike")
    session.drill = drills  # as the app and `oncall drill` build it
    session.answer(0)
    assert session.take_drill_score() is None  # not finished: nothing scored
    session.back()
    await walk_expected(drills, session, scenario)
    assert session.walker.finished
    score = session.take_drill_score()
    assert score is not None and score.error is None and "**Score:" in (score.markdown or "")
    assert any(SCORE_KEY in e.data for e in journal.events(session.incident_id))  # the hook journaled it
    assert session.take_drill_score() is None  # handed over once


async def test_escalating_on_a_window_that_still_holds_the_time_before_the_fix_is_scored(catalog, journal) -> None:
    from tui.metrics.readings import Snapshot, reading_from_samples

    scenario = catalog.get("gpu-oom-loop")
    drills, session = start(catalog, journal, "gpu-oom-loop", speed=1)  # a real Prometheus's 15 minutes
    path = list(scenario.expected.path)
    for here, there in zip(path, path[1:]):
        if here == "validate":
            break
        step = session.step
        for name in step.offered_commands:
            if name in scenario.fix_commands or name == step.command:
                await run(drills, session, name)
        if step.kind == "ask":
            session.answer(next(i for i, c in enumerate(step.choices) if c.next == there))
        else:
            session.done()
    assert session.step.id == "validate" and session.remediation is not None
    metric = session.current.metrics["restarts_15m"]
    now = session.clock.now().timestamp()
    reading = reading_from_samples(metric, metric.query, [({}, 6.0)], now)
    assert session.take_snapshot(Snapshot({"restarts_15m": reading}, now, 1.0), now) is None  # settling: no pick
    session.answer(next(i for i, c in enumerate(session.step.choices) if c.next == "escalate"))
    report = drills.finish(journal, session.incident_id)
    assert report.outcome == "escalate"
    [hasty] = report.hasty
    assert hasty.startswith("At validate you answered 'Still restarting' (the answer its old value pointed to) "
                            "while restarts_15m was settling: its window still held samples from before the fix")
    assert any(m.startswith(hasty) for m in report.missed)
    share = len(report.followed) / len(report.expected_path) - 0.05 * min(len(report.detours), 4)
    clean_path = round(20 * max(0.0, share))
    assert report.points["path"] == max(0, clean_path - 5)
    assert "before the metric could be trusted" in report.markdown()
