"""Every bundled drill can be won: its expected path walks headless to the expected outcome, the scripted
command outputs suggest the path's own answers, the fix runs on the way, and the score is full."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_drill_score import run, start
from tui.config import BUNDLED_RUNBOOKS
from tui.drill.catalog import load_catalog
from tui.journal import Journal
from tui.runbook.library import load_library

CATALOG = load_catalog([BUNDLED_RUNBOOKS])


@pytest.fixture
def journal(tmp_path: Path):
    j = Journal(tmp_path / "journal.json", user="alice", sync_on_write="off")
    yield j
    j.close()


def test_every_bundled_runbook_has_a_drill() -> None:
    library = load_library([BUNDLED_RUNBOOKS])
    assert not CATALOG.broken, [e.first_error for e in CATALOG.broken]
    assert set(library.runbooks) == {s.runbook for s in CATALOG.scenarios.values()}


@pytest.mark.parametrize("sid", sorted(CATALOG.scenarios))
async def test_the_expected_path_wins(journal, sid: str) -> None:
    scenario = CATALOG.get(sid)
    drills, session = start(CATALOG, journal, sid)
    session.note("Following the runbook; the reasoning is in each step.")
    other = "low" if scenario.expected.severity != "low" else "medium"
    session.set_severity(other)  # a first guess, then the considered one: the score wants a change it can see
    session.set_severity(scenario.expected.severity)
    path = list(scenario.expected.path)
    for here, there in zip(path, path[1:]):
        step = session.step
        assert step.id == here
        for name in step.offered_commands:
            if name in scenario.fix_commands or name == step.command:
                await run(drills, session, name)
        if step.kind == "ask":
            wanted = next(i for i, c in enumerate(step.choices) if c.next == there)
            if step.command:  # the scripted output must point where the drill expects, not elsewhere
                hint = session.suggest()
                assert hint in (None, wanted), (f"{sid}: at {here} the output of {step.command} suggests "
                                                f"{step.choices[hint].label!r}, the path goes to {there}")
            session.answer(wanted)
        else:
            session.done()
    session.mark_comms_sent(session.comms_text())
    assert session.walker.finished
    report = drills.finish(journal, session.incident_id)
    assert report.outcome == scenario.expected.outcome and report.fix_ran, report.markdown()
    assert report.taken_path == scenario.expected.path and report.detours == ()
    assert report.score == 100, report.markdown()
