"""The app with a teammate's shared file that holds an entry of the wrong shape: it says so on the journal line."""

from __future__ import annotations

import json
from pathlib import Path

from tests.screenshots import settings_for, wait_for
from tests.test_app_screens import open_incident
from tui.app.factory import make_app
from tui.journal import Journal


async def test_a_poisoned_shared_file_is_one_sentence_on_the_journal_line(tmp_path: Path):
    shared = tmp_path / "team" / "shared.journal"
    shared.parent.mkdir()
    with Journal(tmp_path / "teammate.json", shared, "teammate", sync_on_write="inline") as mate:
        inc = mate.new_incident("Teammate's incident")
        mate.note(inc.id, "a good note")
    lines = shared.read_text().splitlines()
    head = json.loads(lines[0])
    bad = dict(json.loads(lines[-1]), id="0190b1d2c3f4a5b6c7d8e9f0a1b2", author=["mallory"])
    head["events"] += 1
    shared.write_text("\n".join([json.dumps(head), *lines[1:], json.dumps(bad)]) + "\n")

    app = make_app(settings_for(tmp_path, shared_journal=shared), cursor_blink=False, sync_every=0.2)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_incident(pilot)
        await wait_for(pilot, lambda: screen.sync_status is not None and screen.sync_status.ok)
        line = str(screen.query_one("#journal-sync").render())
        assert "1 journal entry did not fit" in line and "set aside" in line
        assert app.is_running
