"""v and W: a command's whole output read in the app at 80x24, long lines to their end, searched, streamed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.screenshots import settings_for, wait_for, write_library
from tests.test_app_screens import finished, journal_of, open_incident
from tui.app.factory import make_app
from tui.app.screens.output_view import OutputViewScreen
from tui.app.widgets.journal_pane import JournalPane

LONG = "START " + "wide-column " * 24 + "THE-END"  # 300 characters: `kubectl get pods -o wide` at its worst

WIDE = f"""\
id: wide
title: Wide output
version: 1
summary: A command whose lines are wider than any pane.
category: infrastructure
severity_hint: low
commands:
  pods:
    title: List the pods, wide
    run: [python3, -c, "print('NAME READY STATUS'); print({LONG!r}); print('last line')"]
  slow:
    title: Print a line, then wait to be cancelled
    run: [python3, -c, "import time\\nprint('first line', flush=True)\\ntime.sleep(60)"]
    timeout: 120
start: a
steps:
  a:
    do: Look at the pods.
    commands: [pods, slow]
    next: b
  b:
    outcome: resolved
    say: Done.
"""


def wide_app(tmp_path: Path) -> Any:
    folder = write_library(tmp_path / "wide", {"wide.yaml": WIDE})
    return make_app(settings_for(tmp_path, runbook_dirs=(folder,)), cursor_blink=False)


def visible_rows(view: OutputViewScreen) -> list[str]:
    """The rows of the output as drawn on screen now."""
    area = view.area
    return [area.render_line(y).text for y in range(area.scrollable_content_region.height)]


async def test_a_300_character_line_reads_to_its_end_at_80x24(tmp_path: Path):
    app = wide_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_incident(pilot, "wide")
        await pilot.press("r")
        await finished(pilot, screen)
        await pilot.press("v")
        await wait_for(pilot, lambda: isinstance(app.screen, OutputViewScreen))
        view = app.screen
        await wait_for(pilot, lambda: "THE-END" in view.area.text)
        await pilot.pause()
        area = view.area
        assert area.region.right <= 80 and area.region.bottom <= 24
        rows = visible_rows(view)
        assert all(len(row) <= area.scrollable_content_region.width for row in rows)
        assert any(row.rstrip().endswith("THE-END") for row in rows)  # the end of the long line is on screen
        assert "".join(r for r in rows).replace(" ", "").count("wide-column") == 24
        title = str(view.query_one("#output-view-title").render())
        assert "pods" in title and "exit 0" in title
        info = str(view.query_one("#output-view-info").render())
        assert "run log:" in info and ".log" in info

        await pilot.press("slash", *"last", "enter")
        assert "match 1 of 1" in str(view.query_one("#output-view-status").render())
        line, start, end = area.match
        assert area.lines[line][start:end] == "last"
        assert any("last line" in row for row in visible_rows(view))

        await pilot.press("w")  # one row a line: the long one is cut at the edge, ← → scroll it
        assert not any(row.rstrip().endswith("THE-END") for row in visible_rows(view))
        await pilot.press("end")
        await pilot.press(*["ctrl+pagedown"] * 5)  # a page to the right each
        assert any("THE-END" in row for row in visible_rows(view))

        await pilot.press("escape")
        assert app.screen is screen


async def test_v_follows_a_running_command_and_picks_an_earlier_one(tmp_path: Path):
    app = wide_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_incident(pilot, "wide")
        await pilot.press("r")
        await finished(pilot, screen)
        await pilot.press("R", "2")  # slow: prints a line, then runs until cancelled
        await wait_for(pilot, lambda: screen.query_one("#output").lines_shown >= 1)
        await pilot.press("v")
        view = app.screen
        assert isinstance(view, OutputViewScreen)
        await wait_for(pilot, lambda: "first line" in view.area.text)
        assert "running" in str(view.query_one("#output-view-title").render())
        await pilot.press("v", "2")  # the chooser lists the newest first: 2 is the earlier run
        await wait_for(pilot, lambda: "THE-END" in view.area.text)
        assert "first line" not in view.area.text
        await pilot.press("escape")
        await pilot.press("ctrl+c")
        await finished(pilot, screen)
        journal = journal_of(app)
        assert [e.data["command"] for e in journal.events(screen.controller.incident_id)
                if e.kind == "command"] == ["pods", "slow"]
        journal.close()


async def test_W_wraps_long_lines_in_the_output_pane(tmp_path: Path):
    app = wide_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_incident(pilot, "wide")
        await pilot.press("r")
        await finished(pilot, screen)
        journal = " ".join(screen.query_one(JournalPane).text().split())
        assert "ran: List the pods, wide · exit 0 · " in journal  # one line by its title ...
        assert "python3" not in journal and "THE-END" not in journal  # ... not its script, not its output
        pane = screen.query_one("#output")
        assert not pane.wraps
        await pilot.press("W")
        await pilot.pause()
        wrapped = pane.wrapped_widget
        assert pane.wraps and wrapped.display and not pane.log_widget.display
        await pilot.pause()
        assert wrapped.scroll_y == wrapped.max_scroll_y > 0  # shown at the end, where the run ended
        text = [wrapped.render_line(y).text for y in range(wrapped.scrollable_content_region.height)]
        assert all(len(row) <= wrapped.scrollable_content_region.width for row in text)
        assert any(row.rstrip().endswith("THE-END") for row in text)
        await pilot.press("W")
        assert not pane.wraps and pane.log_widget.display


async def test_the_wrapped_view_cuts_rows_by_cells_and_recounts_on_resize():
    from textual.app import App, ComposeResult

    from tui.app.widgets.wrapped_log import WrappedLog

    class One(App[None]):
        def compose(self) -> ComposeResult:
            yield WrappedLog(id="log")

    app = One()
    async with app.run_test(size=(41, 10)) as pilot:  # an odd width: a wide character would straddle rows
        log = app.query_one(WrappedLog)
        log.add(["short", "表" * 30, "x" * 100, "last"])  # 60 cells of wide characters, then 100 narrow
        await pilot.pause()
        width = log.scrollable_content_region.width
        wide = -(-30 // (width // 2))  # rows of 30 wide characters, width // 2 a row
        assert log.starts == [0, 1, 1 + wide, 1 + wide + -(-100 // width), 2 + wide + -(-100 // width)]
        rows = [log.render_line(y).text for y in range(log.starts[-1])]
        assert "".join(rows[1:log.starts[2]]).replace(" ", "") == "表" * 30  # no wide character split
        assert rows[-1].rstrip() == "last"
        await pilot.resize_terminal(80, 10)
        await pilot.pause()
        width = log.scrollable_content_region.width
        assert log.starts[-1] == 2 + -(-30 // (width // 2)) + -(-100 // width)
