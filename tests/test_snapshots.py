"""SVG snapshots of every screen (fixed size, fixed clock, no cursor blink, simulated metrics).

The scenes are the ones `make screenshots` draws (tests/screenshots.py). After a
deliberate change of the screens: `pytest tests/test_snapshots.py --snapshot-update`,
then review the report and the diff of tests/__snapshots__/.
"""

from __future__ import annotations

import pytest

from tests.screenshots import DIALOG_SCENES, SCENES, SIZE, demo_app, deterministic_journal, scene_dir


@pytest.mark.parametrize("name", list(SCENES))
def test_screen(name: str, snap_compare) -> None:
    with deterministic_journal():
        app = demo_app(scene_dir(name))
        assert snap_compare(app, terminal_size=SIZE, run_before=SCENES[name])


@pytest.mark.parametrize("name", ["question", "running-command"])
def test_screen_at_80x24(name: str, snap_compare) -> None:
    with deterministic_journal():
        app = demo_app(scene_dir(f"{name}-80x24"))
        assert snap_compare(app, terminal_size=(80, 24), run_before=SCENES[name])


# Every dialog at 80x24 (issue 19): the typing box and the way out inside the screen.
AT_80x24 = {**{n: SCENES[n] for n in ("params", "danger-confirmation", "help", "comms", "report")}, **DIALOG_SCENES}


@pytest.mark.parametrize("name", list(AT_80x24))
def test_dialog_at_80x24(name: str, snap_compare) -> None:
    with deterministic_journal():
        app = demo_app(scene_dir(f"dialog-{name}-80x24"))
        assert snap_compare(app, terminal_size=(80, 24), run_before=AT_80x24[name])
