"""Start-up: the first frame lists the runbooks read while Textual imported (it never waits for them),
the theme is in place from the first frame, nothing switches the garbage collector, and the search
index is read at the first search, not at start-up."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from tests.screenshots import settings_for, wait_for
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
        await wait_for(pilot, lambda: app.loaded is not None and app.loaded.journal_ready)
    assert lists and "loading" not in lists[0] and "refusal-spike" in lists[0]


async def test_building_and_running_the_app_leaves_the_garbage_collector_alone(tmp_path: Path) -> None:
    frozen = gc.get_freeze_count()
    app = make_app(settings_for(tmp_path), cursor_blink=False)
    assert gc.isenabled()  # building the app (Textual imported, runbooks being read) switched nothing off
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.loaded is not None and app.loaded.journal_ready)
        assert gc.isenabled()
    assert gc.isenabled() and gc.get_freeze_count() == frozen  # and froze nothing


@pytest.mark.parametrize("theme, dark", [("high-contrast", True), ("oncall-dark", True), ("textual-light", False)])
async def test_the_theme_is_in_place_from_the_first_frame(tmp_path: Path, theme: str, dark: bool) -> None:
    from textual import events

    first: list[tuple[str, bool, bool, str]] = []

    def at_first_frame(message: object) -> None:
        # The picker is shown (resumed) before its first frame is drawn: what it is styled with then is
        # what the first frame shows.
        if not first and isinstance(message, events.ScreenResume) and isinstance(app.screen, PickerScreen):
            first.append((app.current_theme.name, app.has_class(f"-theme-{theme}"), app.has_class("-dark-mode"),
                          app.screen.styles.background.hex.lower()))

    app = make_app(settings_for(tmp_path), theme=theme, cursor_blink=False)
    async with app.run_test(size=(80, 24), message_hook=at_first_frame) as pilot:
        await pilot.pause()
        assert app.theme == theme and app.current_theme.name == theme
        assert app.theme_variables["background"].lower() == app.current_theme.background.lower()
    assert first == [(theme, True, dark, app.current_theme.background.lower())]


async def test_the_key_bar_lists_the_screens_keys(tmp_path: Path) -> None:
    from tui.app.widgets.key_bar import KeyBar

    app = make_app(settings_for(tmp_path), cursor_blink=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.loaded is not None and app.loaded.journal_ready)
        await pilot.pause()
        shown = str(app.screen.query_one(KeyBar).render())
        for key in ("⏎ open", "/ search", "esc clear / back", "^r refresh alerts", "^p palette"):
            assert key in shown, (key, shown)


async def test_runbooks_still_being_read_after_a_moment_are_loading_then_listed(tmp_path: Path, monkeypatch) -> None:
    """Still reading after STARTUP_WAIT (awaited, not blocking the loop): the list says "Loading…", then shows them."""
    import threading

    from tui.app.services import Services

    lists: list[list[str]] = []
    refresh = PickerScreen.refresh_items
    release = threading.Event()

    def recording(self: PickerScreen) -> None:
        refresh(self)
        lists.append(list(self.keys))
        release.set()  # something is on screen: the read may finish now

    read = Services._read_library

    def slow_read(self: Services):
        release.wait(30)  # still reading until the first list is drawn
        return read(self)

    monkeypatch.setattr(PickerScreen, "refresh_items", recording)
    monkeypatch.setattr(Services, "_read_library", slow_read)
    app = make_app(settings_for(tmp_path), cursor_blink=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.loaded is not None and app.loaded.journal_ready)
    assert "loading" in lists[0] and "refusal-spike" not in lists[0]
    assert "refusal-spike" in lists[-1]


async def test_the_search_index_is_read_at_the_first_search_not_at_start_up(tmp_path: Path, monkeypatch) -> None:
    from tui.app.services import Services

    built: list[object] = []
    build = Services.build_index

    def recording(library):  # type: ignore[no-untyped-def]
        built.append(library)
        return build(library)

    monkeypatch.setattr(Services, "build_index", staticmethod(recording))
    app = make_app(settings_for(tmp_path), cursor_blink=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.loaded is not None and app.loaded.journal_ready)
        await app.workers.wait_for_complete()  # everything start-up does in the background is done
        await pilot.pause()
        assert built == [] and app.loaded is not None and app.loaded.index is None
        await pilot.press(*"refusal")
        await pilot.pause()
        assert len(built) == 1 and app.loaded.index is not None  # once, at the first letter
        screen = app.screen
        assert isinstance(screen, PickerScreen) and screen.keys and screen.keys[0] == "refusal-spike"


async def test_the_incident_screens_css_is_parsed_when_it_is_first_shown(tmp_path: Path) -> None:
    import inspect

    from tests.screenshots import params as to_params
    from tui.app.screens.incident import IncidentScreen
    from tui.app.screens.params import ParamsScreen

    def parsed(screen: type) -> bool:
        return app.stylesheet.has_source(inspect.getfile(screen), f"{screen.__name__}.DEFAULT_CSS")

    app = make_app(settings_for(tmp_path), cursor_blink=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.loaded is not None and app.loaded.journal_ready)
        assert not parsed(ParamsScreen) and not parsed(IncidentScreen)
        await to_params(pilot)
        assert parsed(ParamsScreen) and not parsed(IncidentScreen)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, IncidentScreen))
        assert parsed(IncidentScreen)
        assert app.screen.query_one("#step").styles.border_top[0] == "round"  # and it styles the screen
