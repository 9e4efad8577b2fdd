"""A long incident in the journal pane: every row is there, only the rows on screen are rendered."""

from __future__ import annotations

from pathlib import Path

from tests.screenshots import settings_for, wait_for
from tui.app.factory import make_app
from tui.journal import Journal
from tui.journal.clock import encode, iso_utc
from tui.journal.schema import content_id

COUNT = 20_000


def _long_incident(path: Path) -> str:
    journal = Journal(path, None, "alice", sync_on_write="off")
    incident = journal.new_incident("A long night", runbook="refusal-spike", params={"model": "m1"})
    items = []
    for i in range(COUNT):
        ms = 1_795_000_000_000 + i * 1000
        doc = {"incident_id": incident.id, "time": iso_utc(ms), "hlc": encode(ms, 0), "author": "bob",
               "kind": "note", "text": f"note number {i}", "data": {}, "nonce": f"{i:016x}"}
        items.append((content_id(doc), {"id": content_id(doc), **doc}))
    journal.storage.put("events", items)
    journal.close()
    return incident.id


async def test_a_long_incident_renders_only_what_shows_and_scrolls_back(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    iid = _long_incident(settings.journal_path)
    app = make_app(settings, cursor_blink=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.journal is not None and app.library is not None)
        app.join_incident(iid)
        await wait_for(pilot, lambda: type(app.screen).__name__ == "IncidentScreen" and app.screen.query("#journal"))
        await pilot.pause()
        log = app.screen.query_one("#journal-log")
        assert len(log.events) == COUNT + 1  # the opening status and every note
        assert "note number 19999" in str(log.render_line(log.size.height - 1).text) or any(
            "note number 19999" in str(log.render_line(y).text) for y in range(log.size.height))
        assert log.rendered_rows <= 2 * log.size.height  # virtualised: a screenful of rows, not 20,001
        for _ in range(3):
            await pilot.press("shift+pageup")
        await pilot.pause()
        shown = " ".join(str(log.render_line(y).text) for y in range(log.size.height))
        assert "note number 19999" not in shown and "note number 199" in shown
