"""`u` and `L` in the app: every audience with its reminder, an update sent through Apprise to a real
receiver off the UI thread, the queue retried by the app, and a real Alertmanager silence."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.screenshots import settings_for, wait_for
from tests.test_app_screens import journal_of, open_incident
from tui.app.factory import make_app
from tui.app.screens.dialogs import ChoiceScreen
from tui.app.screens.incident import IncidentScreen


async def test_u_lists_every_audience_and_sends_the_chosen_one(tmp_path: Path, receiver) -> None:
    receiver.start()
    settings = settings_for(tmp_path, notify={"status_page": (receiver.target,)})
    app = make_app(settings, cursor_blink=False)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_incident(pilot)
        iid = screen.controller.incident_id
        await pilot.press("u")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "CommsScreen")
        comms = app.screen
        assert [d.name for d in comms.drafts] == ["internal", "status_page", "support", "executives"]
        listed = str(comms.query_one("#comms-audiences").render())
        assert "status page · once impact is confirmed · status page after impact" in listed
        assert not comms.can_send  # internal: no targets in the config, so it is copied and marked
        await pilot.press("2")
        assert comms.draft.name == "status_page" and comms.can_send
        assert "We are aware of a problem" in comms.current_text
        await pilot.press("s")
        await wait_for(pilot, lambda: isinstance(app.screen, IncidentScreen))
        await wait_for(pilot, lambda: receiver.received, tries=2000)
        assert receiver.messages()[0].startswith("We are aware of a problem affecting being assessed")
        journal = journal_of(app)
        try:
            await wait_for(pilot, lambda: any(e.kind == "send" for e in journal.events(iid)), tries=2000)
            [send] = [e for e in journal.events(iid) if e.kind == "send"]
            assert send.data["result"] == "sent" and send.data["audience"] == "status_page"
        finally:
            journal.close()


async def test_a_queued_update_is_on_the_bar_and_the_app_retries_it(tmp_path: Path, receiver) -> None:
    settings = settings_for(tmp_path, notify={"internal": (receiver.target,)})
    app = make_app(settings, cursor_blink=False)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_incident(pilot)
        await pilot.press("u")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "CommsScreen")
        await pilot.press("s")  # the receiver is down: queued
        await wait_for(pilot, lambda: screen.controller.queued_updates() == 1, tries=2000)
        screen.tick()
        await pilot.pause()
        assert "1 queued" in str(screen.query_one("#bar").render())
        receiver.start()
        screen.retry_updates()  # what the app's retry timer calls
        await wait_for(pilot, lambda: receiver.received and screen.controller.queued_updates() == 0, tries=2000)
        assert len(receiver.received) == 1


@pytest.mark.prometheus
async def test_L_silences_the_alert_and_the_bar_shows_it(tmp_path: Path, servers) -> None:
    settings = settings_for(tmp_path, alertmanager_url=servers.alertmanager_url)
    app = make_app(settings, cursor_blink=False)
    sid = None
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_incident(pilot)
        journal = app.journal
        journal.set_fields(screen.controller.incident_id, alert="ModelAccuracyDrop")
        screen.refresh_bindings()
        await pilot.press("L")
        assert isinstance(app.screen, ChoiceScreen)
        await pilot.press("1")  # 30 minutes
        try:
            await wait_for(pilot, lambda: screen.controller.silences(), tries=3000)
            [silence] = screen.controller.silences()
            sid = silence.id
            screen.tick()
            await pilot.pause()
            assert "silenced ModelAccuracyDrop" in str(screen.query_one("#bar").render())
            shown = httpx.get(f"{servers.alertmanager_url}/api/v2/silence/{sid}", timeout=10).json()
            assert screen.controller.incident_id in shown["comment"]
        finally:
            if sid:
                httpx.delete(f"{servers.alertmanager_url}/api/v2/silence/{sid}", timeout=10)
