"""A new responder's first incident, end to end, and what the journal holds afterwards.

The keys are the ones a person presses: `/`, part of a title, Enter, Enter,
`1`, `r`, `b`, `2`, `n` + text + Enter, `q`, `y`. The assertions read the
journal file back with a fresh Journal, as the next responder would.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.screenshots import settings_for, wait_for
from tui.app.factory import make_app
from tui.app.screens.incident import IncidentScreen
from tui.journal import Journal


def reopen(path: Path) -> Journal:
    return Journal(path, user="reader", sync_on_write="off")


@pytest.mark.parametrize("size", [(120, 40), (80, 24)])
async def test_first_incident_end_to_end(tmp_path: Path, size: tuple[int, int]):
    settings = settings_for(tmp_path)
    app = make_app(settings, cursor_blink=False)
    async with app.run_test(size=size) as pilot:
        await wait_for(pilot, lambda: app.loaded is not None)
        await pilot.press("slash", *"refus", "enter")
        await pilot.pause()
        assert type(app.screen).__name__ == "ParamsScreen"
        await pilot.press("enter")  # the defaults
        await wait_for(pilot, lambda: isinstance(app.screen, IncidentScreen))
        screen = app.screen
        assert screen.controller.step.id == "confirm-impact"

        await pilot.press("1")
        assert screen.controller.step.id == "recent-change"
        await pilot.press("r")
        await wait_for(pilot, lambda: screen.controller.result_for_step() is not None and screen.running is None)
        assert screen.controller.result_for_step().exit_code == 0
        # The command's output pre-selects "Yes, roll it back", with the reason shown.
        assert screen.controller.walker.suggestion.index == 0
        assert screen.selected == 0

        await pilot.press("b")
        assert screen.controller.step.id == "confirm-impact"
        await pilot.press("2")
        assert screen.controller.step.id == "recent-change"

        await pilot.press("n", *"paged bob", "enter")
        await pilot.pause()
        await pilot.press("q")
        await pilot.pause()
        assert type(app.screen).__name__ == "QuitScreen"
        await pilot.press("y")
        await pilot.pause()
    assert app.return_value == 0

    journal = reopen(settings.journal_path)
    [incident] = journal.incidents()
    assert incident.title == "Refusal spike in the support assistant"
    assert incident.roles == {"incident lead": "alice"}
    assert incident.params == {"service": "support-assistant", "prompt_version": "v40"}
    events = journal.events(incident.id)
    answers = [e for e in events if e.kind == "decision"]
    assert [(e.data["action"], e.data.get("label")) for e in answers] == [
        ("answer", "Yes, above 5%"), ("back", None), ("answer", "Somewhat: between 2% and 5%")]
    [command] = [e for e in events if e.kind == "command"]
    assert command.data["command"] == "prompt_history" and command.data["exit_code"] == 0
    assert "v41  02:11  deployed by ci" in command.data["output"]
    assert [e.text for e in events if e.kind == "note"] == ["paged bob"]
    # Everything in the order it happened.
    kinds = [e.kind for e in events]
    assert kinds.index("command") < kinds.index("note")
    journal.close()


async def test_quit_can_be_refused_and_nothing_is_lost(tmp_path: Path):
    settings = settings_for(tmp_path)
    app = make_app(settings, runbook="fix-forward", cursor_blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, (IncidentScreen,)) or
                       type(app.screen).__name__ == "ParamsScreen")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, IncidentScreen))
        await pilot.press("enter")  # "Ship the corrected prompt" done
        await pilot.press("q", "n")
        await pilot.pause()
        assert isinstance(app.screen, IncidentScreen)
        assert app.screen.controller.step.id == "check"
    journal = reopen(settings.journal_path)
    [incident] = journal.incidents()
    [done] = [e for e in journal.events(incident.id) if e.kind == "decision"]
    assert done.data["action"] == "done" and done.data["step"] == "ship"
    journal.close()
