"""Start-up: the first frame lists the runbooks read while Textual imported, the theme is in place before
any CSS is parsed, and the garbage collector pauses while start-up builds what lasts, then collects again."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from tests.screenshots import settings_for, wait_for
from tui.app import collector
from tui.app.factory import make_app
from tui.app.screens.picker import PickerScreen


async def test_the_first_list_drawn_has_the_prefetched_runbooks(tmp_path: Path, monkeypatch) -> None:
    lists: list[list[str]] = []
    refresh = PickerScreen.refresh_items

    def recording(self: PickerScreen) -> None:
        refresh(self)
        lists.append(list(self.keys))

    monkeypatch.setattr(PickerScreen, "refresh_items", recording)
    app = make_app(settings_for(tmp_path), cursor_blink=False)
    app.services.load_library()  # the prefetch is done, as it is by the time Textual has imported

    def no_waiting() -> None:
        raise AssertionError("the app waited for runbooks it already had")

    monkeypatch.setattr(app.services, "load_library", no_waiting)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.loaded is not None and app.loaded.index is not None)
    assert lists and "loading" not in lists[0] and "refusal-spike" in lists[0]


async def test_the_collector_pauses_for_start_up_and_resumes_once_it_is_over(tmp_path: Path) -> None:
    assert gc.isenabled()
    app = make_app(settings_for(tmp_path), cursor_blink=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.loaded is not None and app.loaded.index is not None)
        assert gc.isenabled()
    assert gc.isenabled()


async def test_an_app_stopped_during_start_up_leaves_the_collector_on(tmp_path: Path) -> None:
    app = make_app(settings_for(tmp_path), cursor_blink=False)
    async with app.run_test(size=(120, 40)):
        pass  # quits at once, before the journal and the index have loaded
    assert gc.isenabled()


def test_a_collector_turned_off_by_the_caller_stays_off() -> None:
    gc.disable()
    try:
        collector.pause()
        collector.resume()
        assert not gc.isenabled()
    finally:
        gc.enable()
    collector.pause()
    assert not gc.isenabled()
    collector.resume()
    assert gc.isenabled()


@pytest.mark.parametrize("theme, dark", [("high-contrast", True), ("oncall-dark", True), ("textual-light", False)])
async def test_the_theme_is_in_place_from_the_first_frame(tmp_path: Path, theme: str, dark: bool) -> None:
    app = make_app(settings_for(tmp_path), theme=theme, cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.theme == theme and app.current_theme.name == theme
        assert app.has_class(f"-theme-{theme}") and app.has_class("-dark-mode") == dark
        assert app.theme_variables["background"].lower() == app.current_theme.background.lower()
        assert app.screen.styles.background.hex.lower() == app.current_theme.background.lower()


async def test_the_footer_rebuilds_once_for_a_burst_of_binding_changes(tmp_path: Path, monkeypatch) -> None:
    from textual.widgets._footer import FooterKey

    from tui.app.widgets.footer import Footer

    rebuilds: list[int] = []
    recompose = Footer.recompose

    async def counting(self: Footer) -> None:
        rebuilds.append(1)
        await recompose(self)

    app = make_app(settings_for(tmp_path), cursor_blink=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.loaded is not None and app.loaded.index is not None)
        await pilot.pause()
        footer = app.screen.query_one(Footer)
        monkeypatch.setattr(Footer, "recompose", counting)
        for _ in range(3):  # as Textual sends them: showing a screen, then focusing its field
            app.screen.bindings_updated_signal.publish(app.screen)
        await pilot.pause()
        await pilot.pause()
        assert len(rebuilds) == 1
        shown = {key.description for key in footer.query(FooterKey)}
        assert {"open", "search", "clear / back", "refresh alerts"} <= shown
        app.screen.bindings_updated_signal.publish(app.screen)  # a later change is not absorbed by the last rebuild
        await pilot.pause()
        await pilot.pause()
        assert len(rebuilds) == 2


@pytest.mark.parametrize("reading, listed_at_once", [(0.2, True), (1.5, False)])
async def test_the_first_frame_waits_a_moment_for_runbooks_still_being_read(
        tmp_path: Path, monkeypatch, reading: float, listed_at_once: bool) -> None:
    """Slower than STARTUP_WAIT (0.5 s), the list says "Loading…" until the runbooks are read."""
    import time

    from tui.app.services import Services

    lists: list[list[str]] = []
    refresh = PickerScreen.refresh_items

    def recording(self: PickerScreen) -> None:
        refresh(self)
        lists.append(list(self.keys))

    read = Services._read_library

    def slow_read(self: Services):
        time.sleep(reading)
        return read(self)

    monkeypatch.setattr(PickerScreen, "refresh_items", recording)
    monkeypatch.setattr(Services, "_read_library", slow_read)
    app = make_app(settings_for(tmp_path), cursor_blink=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.loaded is not None and app.loaded.index is not None)
    assert ("refusal-spike" in lists[0]) is listed_at_once and ("loading" in lists[0]) is not listed_at_once
    assert "refusal-spike" in lists[-1]


def test_an_app_that_cannot_be_built_leaves_the_collector_on(tmp_path: Path, monkeypatch) -> None:
    from tui.app.services import Services

    def broken(self: Services) -> None:
        raise RuntimeError("no threads today")

    monkeypatch.setattr(Services, "prefetch", broken)
    with pytest.raises(RuntimeError):
        make_app(settings_for(tmp_path), cursor_blink=False)
    assert gc.isenabled()
