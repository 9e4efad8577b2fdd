"""Every dialog at 80x24: its input and its way out are on screen, whatever the length of its body.

A widget counts as visible when all of it lies inside the screen and inside what its containers
show (Textual's `find_widget` gives both its place and the clip of its parents).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.geometry import Region
from textual.widget import Widget

from tests.screenshots import settings_for, write_library
from tests.test_app_screens import journal_of, open_incident
from tui.app.factory import make_app
from tui.app.screens.dialogs import DangerScreen, QuitScreen

SCRIPT = "\n".join(f"      echo 'step {i}: changing production, one careful line after another'" for i in range(30))
LONG_DANGER = f"""\
id: long-danger
title: A runbook whose fix is a long script
version: 1
summary: The danger command is thirty lines long, with five parameters.
category: infrastructure
severity_hint: high
params:
  service: {{prompt: Service, default: support-assistant}}
  namespace: {{prompt: Namespace, default: assistants}}
  registry: {{prompt: Registry URL, default: 'http://mlflow.internal:5000'}}
  alias: {{prompt: Alias, default: production}}
  rollback_alias: {{prompt: Rollback alias, default: previous}}
commands:
  fix:
    title: Point the production alias back at the previous version, then restart every pod
    shell: |
{SCRIPT}
      echo "${{service}} ${{namespace}} ${{registry}} ${{alias}} ${{rollback_alias}}"
    danger: true
start: a
steps:
  a:
    ask: Roll back?
    choices:
      - {{label: "Yes", next: b}}
      - {{label: "No", next: c}}
  b:
    do: Run the fix.
    commands: [fix]
    next: c
  c:
    outcome: resolved
    say: Done.
"""

SCREEN = Region(0, 0, 80, 24)


def fully_visible(widget: Widget) -> bool:
    geometry = widget.screen.find_widget(widget)
    return SCREEN.contains_region(geometry.region) and geometry.clip.contains_region(geometry.region)


def escape_line(screen: Any) -> Widget:
    [hint] = screen.query(".dialog-hint")
    text = str(hint.render())
    assert "Esc" in text or "n or Escape" in text, text
    return hint


async def incident(pilot: Any, runbook: str = "refusal-spike") -> Any:
    return await open_incident(pilot, runbook)


def long_app(tmp_path: Path) -> Any:
    folder = write_library(tmp_path / "long", {"long-danger.yaml": LONG_DANGER})
    return make_app(settings_for(tmp_path, runbook_dirs=(folder,)), cursor_blink=False)


async def test_the_danger_dialog_of_a_30_line_command_keeps_its_typing_box_and_escape(tmp_path: Path):
    app = long_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await incident(pilot, "long-danger")
        await pilot.press("1", "r")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, DangerScreen)
        word = dialog.query_one("#danger-word")
        assert word.has_focus and fully_visible(word) and fully_visible(escape_line(dialog))
        body = dialog.query_one(".dialog")
        assert body.max_scroll_y > 0  # the command scrolls, the controls stay
        await pilot.press("pagedown", "pagedown", "pagedown")
        assert body.scroll_y > 0 and fully_visible(word)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen
        journal = journal_of(app)
        events = journal.events(screen.controller.incident_id)
        assert not [e for e in events if e.kind == "command"]
        [declined] = [e for e in events if e.kind == "decision" and e.data.get("action") == "declined"]
        assert declined.data["command"] == "fix" and "nothing ran" in declined.text
        journal.close()


# (keys from the first question, the widget the person types into or picks from, or None)
DIALOGS = {
    "quit": (["q"], None),
    "note": (["n"], "#note-text"),
    "findings": (["i"], "#field-6"),
    "severity": (["s"], "#choice-list"),
    "roles": (["o"], "#field-3"),
    "status": (["t"], "#choice-list"),
    "comms": (["u"], "#comms-text"),
    "action item": (["a"], "#field-2"),
    "help": (["question_mark"], "#help-scroll"),
    "report": (["x"], "#report-scroll"),
    "pick a command": (["1", "R"], "#choice-list"),
    "danger": (["1", "1", "r"], "#danger-word"),
}


@pytest.mark.parametrize("name", list(DIALOGS))
async def test_each_dialog_fits_80x24(tmp_path: Path, name: str):
    keys, field = DIALOGS[name]
    app = make_app(settings_for(tmp_path), cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await incident(pilot)
        await pilot.press(*keys)
        await pilot.pause()
        dialog = app.screen
        assert fully_visible(escape_line(dialog))
        if field is not None:
            widget = dialog.query_one(field)
            if name in ("findings", "roles", "action item"):  # the last field, reached as a person would
                for _ in range(int(field.rsplit("-", 1)[1])):
                    await pilot.press("enter")
                await pilot.pause()
            assert fully_visible(widget)


async def test_the_params_form_fits_80x24(tmp_path: Path):
    app = long_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.open_runbook("long-danger")
        await pilot.pause()
        form = app.screen
        assert type(form).__name__ == "ParamsScreen"
        fields = list(form.query("Field"))
        assert len(fields) == 5 and fully_visible(fields[0])
        assert fully_visible(form.query_one("#params-hint"))


@pytest.mark.parametrize("resolve", [False, True])
async def test_the_quit_dialog_tells_the_incident_status(tmp_path: Path, resolve: bool):
    app = make_app(settings_for(tmp_path), cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await incident(pilot)
        if resolve:
            await pilot.press("t", "5")
        await pilot.press("q")
        await pilot.pause()
        assert isinstance(app.screen, QuitScreen)
        text = str(app.screen.query_one("#quit-text").render())
        if resolve:
            assert "resolved" in text and "stays open" not in text
        else:
            assert "stays open (investigating)" in text


async def test_q_in_the_empty_picker_asks_to_quit_and_a_word_starting_with_q_is_still_typed(tmp_path: Path):
    from tui.app.screens.picker import PickerScreen

    app = make_app(settings_for(tmp_path), cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        picker = app.screen
        assert isinstance(picker, PickerScreen)
        await pilot.press("q")
        assert isinstance(app.screen, QuitScreen)
        assert "stays open" not in str(app.screen.query_one("#quit-text").render())  # no incident here
        await pilot.press("n")
        assert app.screen is picker and picker.query_one("#filter").value == ""
        await pilot.press(*"query")  # q, then u: the dialog closes and the word goes on into the box
        await pilot.pause()
        assert app.screen is picker and app.is_running
        assert picker.query_one("#filter").value == "query"
        await pilot.press("q")  # with text in the box, q is a letter
        assert picker.query_one("#filter").value == "queryq"
        await pilot.press("ctrl+u")
        await pilot.press("q", "y")
        await pilot.pause()
    assert app.return_code == 0
