"""The picker's key bar and detail are not set again with what they already show (each `Static.update`
lays the whole screen out again), and still change when what they show does."""

from __future__ import annotations

from pathlib import Path

from textual.content import Content
from textual.widgets import Static

from tests.screenshots import settings_for, wait_for
from tui.app.factory import make_app
from tui.app.screens.picker import PickerScreen
from tui.app.widgets.key_bar import KeyBar
from tui.app.widgets.same import update_if_changed


async def test_the_picker_keeps_what_it_shows_when_nothing_changed(tmp_path: Path) -> None:
    app = make_app(settings_for(tmp_path), cursor_blink=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.loaded is not None and app.loaded.journal_ready)
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, PickerScreen)
        bar, detail = screen.query_one(KeyBar), screen.query_one("#picker-detail", Static)
        shown_bar, shown_detail = bar.content, detail.content
        bar.refresh_keys()
        screen.refresh_items()
        assert bar.content is shown_bar and detail.content is shown_detail  # not replaced by an equal copy
        await pilot.press("down")
        await pilot.pause()
        assert detail.content is not shown_detail and str(detail.content) != str(shown_detail)


async def test_a_change_of_style_alone_is_a_change(tmp_path: Path) -> None:
    app = make_app(settings_for(tmp_path), cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        static = app.screen.query_one("#picker-status", Static)
        update_if_changed(static, Content.from_markup("[b]same words[/]"))
        update_if_changed(static, Content.from_markup("[dim]same words[/]"))  # == would call these equal
        assert isinstance(static.content, Content) and static.content.is_same(Content.from_markup("[dim]same words[/]"))
