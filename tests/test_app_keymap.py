"""config.yaml's `keymap:` moves keys by binding id; the key bar, help and palette show the keys as moved."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.screenshots import settings_for, wait_for
from tests.test_app_screens import open_incident
from tui.app.factory import make_app
from tui.app.screens.dialogs import NoteScreen
from tui.app.screens.help import HelpScreen, key_rows
from tui.config import load_settings
from tui.errors import UsageError


def test_keymap_is_read_from_config_yaml(tmp_path: Path) -> None:
    cfg = tmp_path / "config.yaml"
    cfg.write_text("keymap:\n  incident.note: N\n  step.back: 'backspace, b'\n")
    settings = load_settings({}, env={}, config_path=cfg)
    assert settings.keymap == {"incident.note": "N", "step.back": "backspace,b"}


@pytest.mark.parametrize("written", ["keymap: N", "keymap: [a, b]", "keymap: {incident.note: ''}"])
def test_a_keymap_that_is_not_ids_to_keys_is_one_sentence(tmp_path: Path, written: str) -> None:
    cfg = tmp_path / "config.yaml"
    cfg.write_text(written + "\n")
    with pytest.raises(UsageError, match="binding ids to keys"):
        load_settings({}, env={}, config_path=cfg)


async def test_a_remapped_key_works_and_shows_everywhere(tmp_path: Path) -> None:
    app = make_app(settings_for(tmp_path, keymap={"incident.note": "N"}), cursor_blink=False)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_incident(pilot)
        bar = str(screen.query_one("#keys").render())
        assert "N note" in bar and "n note" not in bar
        assert ("N", "note") in key_rows(screen) and ("n", "note") not in key_rows(screen)
        await pilot.press("n")
        await pilot.pause()
        assert not isinstance(app.screen, NoteScreen)  # the old key is free
        await pilot.press("N")
        await wait_for(pilot, lambda: isinstance(app.screen, NoteScreen))
        await pilot.press("escape")
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        help_text = str(app.screen.query_one("#help-keys").render())
        assert "N" in help_text.split("note")[0].splitlines()[-1]


async def test_the_palette_names_the_remapped_key(tmp_path: Path) -> None:
    from tui.app.palette import OncallCommands

    app = make_app(settings_for(tmp_path, keymap={"incident.note": "N"}), cursor_blink=False)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_incident(pilot)
        provider = OncallCommands(screen)
        actions = {name: help_text for name, help_text, _ in provider._actions()}
        assert actions["action: note"] == "key N"


async def test_an_unknown_binding_id_is_pointed_out(tmp_path: Path) -> None:
    app = make_app(settings_for(tmp_path, keymap={"incident.nope": "N"}), cursor_blink=False)
    said: list[str] = []
    original = app.notify

    def notify(message: str, **kwargs: object) -> None:
        said.append(message)
        original(message, **kwargs)  # type: ignore[arg-type]

    app.notify = notify  # type: ignore[method-assign]
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: any("incident.nope" in s for s in said))
