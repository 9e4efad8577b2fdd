"""The step at 80x24: each choice a row with a hanging indent, Space ticks where the ▶ is."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.screenshots import settings_for, write_library
from tests.test_app_screens import journal_of, open_incident
from tui.app.factory import make_app
from tui.app.widgets.step_view import Row

ROWS = """\
id: rows
title: Long choices
version: 1
summary: Choices long enough to wrap at 80 columns.
category: infrastructure
severity_hint: low
start: a
steps:
  a:
    ask: What do the logs say?
    choices:
      - {label: "Normal: the complaint is about wrong answers, not refusals, so this is another runbook", next: b}
      - {label: "No", next: b}
      - {label: "No refusal metric: probe the assistant directly with three harmless questions", next: b}
  b:
    do: Tidy up.
    checklist: [First thing, Second thing, Third thing]
    next: c
  c:
    outcome: resolved
    say: Done.
"""


def rows_app(tmp_path: Path) -> Any:
    folder = write_library(tmp_path / "rows", {"rows.yaml": ROWS})
    return make_app(settings_for(tmp_path, runbook_dirs=(folder,)), cursor_blink=False)


async def test_each_choice_is_a_row_whose_label_wraps_under_itself(tmp_path: Path):
    app = rows_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_incident(pilot, "rows")
        await pilot.pause()
        rows = list(screen.query_one("#step-choices").query(Row))
        assert len(rows) == 3
        keys = [row.query_one(".row-key") for row in rows]
        texts = [row.query_one(".row-text") for row in rows]
        assert len({k.region.x for k in keys}) == 1  # the numbers in one column
        assert len({t.region.x for t in texts}) == 1 and texts[0].region.x > keys[0].region.x
        assert texts[0].region.height >= 2  # the long label wrapped ...
        assert keys[0].region.x < texts[0].region.x  # ... under its own text, not under the number
        assert rows[1].region.y == rows[0].region.bottom  # and the next choice starts on its own row
        assert [str(k.render()).strip() for k in keys] == ["1", "2", "3"]
        await pilot.press("down", "down")
        assert "▶" in str(keys[1].render())
        await pilot.press("3")
        assert screen.controller.step.id == "b"


async def test_space_ticks_the_item_under_the_cursor_and_leaves_the_cursor_there(tmp_path: Path):
    app = rows_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_incident(pilot, "rows")
        await pilot.press("2", "down", "space")
        assert screen.cursor == 1
        await pilot.pause()
        rows = list(screen.query_one("#step-checklist").query(Row))
        assert "▶" in str(rows[1].query_one(".row-key").render()) and "[x]" in str(rows[1].query_one(".row-key").render())
        await pilot.press("space")  # again: unticks the same item
        assert screen.cursor == 1
        journal = journal_of(app)
        ticks = [e.text for e in journal.events(screen.controller.incident_id) if e.kind == "note"]
        assert ticks == ["Ticked: Second thing", "Unticked: Second thing"]
        journal.close()


async def test_a_long_option_of_a_dialog_wraps_under_its_text_not_under_its_number(tmp_path: Path):
    from tests.test_app_dialogs_fit import long_app
    from tui.app.screens.dialogs import ChoiceScreen

    app = long_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_incident(pilot, "long-danger")
        await pilot.press("1", "R")
        await pilot.pause()
        assert isinstance(app.screen, ChoiceScreen)
        options = app.screen.query_one("#choice-list")
        lines = ["".join(segment.text for segment in options.render_line(y)) for y in range(options.size.height)]
        first = next(i for i, line in enumerate(lines) if "1 " in line and "fix:" in line)
        column = lines[first].index("fix:")
        assert lines[first + 1][:column].strip() == "" and lines[first + 1][column:].strip()  # the hanging indent
