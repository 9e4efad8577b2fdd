"""The two-person rule and 'someone already ran it' on the incident screen."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.screenshots import settings_for, wait_for
from tests.test_app_screens import open_incident
from tests.test_approvals import RUNBOOK
from tui.app.app import OncallApp
from tui.app.factory import make_app
from tui.app.screens.dialogs import ChoiceScreen, DangerScreen
from tui.clock import Clock
from tui.incident import IncidentRecord
from tui.journal import Journal

pytestmark = pytest.mark.usefixtures("recorded_notifications")


def _said(app: Any) -> str:
    return "\n".join(app.__dict__.get("notified", []))


def _app(tmp_path: Path, user: str, marker: Path) -> OncallApp:
    folder = tmp_path / "runbooks"
    folder.mkdir(exist_ok=True)
    (folder / "two-person.yaml").write_text(RUNBOOK.replace("/nonexistent/marker", str(marker)))
    settings = settings_for(tmp_path / user, runbook_dirs=(folder,), user=user,
                            shared_journal=tmp_path / "shared.journal")
    return make_app(settings, cursor_blink=False)


def _teammate(tmp_path: Path, user: str, incident_id: str) -> IncidentRecord:
    journal = Journal(tmp_path / f"{user}.json", tmp_path / "shared.journal", user, sync_on_write="inline")
    journal.sync()
    return IncidentRecord(journal, incident_id, Clock())


async def test_the_requester_waits_then_runs_after_a_teammates_approval(tmp_path: Path) -> None:
    marker = tmp_path / "flipped"
    app = _app(tmp_path, "alice", marker)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_incident(pilot, "two-person")
        await pilot.press("r")
        await wait_for(pilot, lambda: "needs another responder's approval" in _said(app))
        assert not marker.exists() and screen.running is None
        await wait_for(pilot, lambda: screen.synced_at is not None, tries=500)
        bob = _teammate(tmp_path, "bob", screen.controller.incident_id)
        bob.answer_approval("flip", approve=True)
        await wait_for(pilot, lambda: "bob approved your request to run flip" in _said(app), tries=500)
        await pilot.press("r")
        await wait_for(pilot, lambda: marker.exists(), tries=500)
        bob.journal.close()


async def test_a_teammates_request_is_announced_and_answered_with_A(tmp_path: Path) -> None:
    marker = tmp_path / "flipped"
    app = _app(tmp_path, "bob", marker)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_incident(pilot, "two-person")
        await wait_for(pilot, lambda: screen.synced_at is not None, tries=500)
        alice = _teammate(tmp_path, "alice", screen.controller.incident_id)
        from tui.incident.record import ApprovalPending
        from tui.launch import prepare_command

        prepared = prepare_command(screen.controller.current, "flip", screen.controller.values())
        with pytest.raises(ApprovalPending):
            alice.approval_gate(prepared, ())
        await wait_for(pilot, lambda: "alice asks to run flip: touch" in _said(app), tries=500)
        assert "Press A" in _said(app)
        await pilot.press("A")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen))
        await pilot.press("1")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen) and "asks to run" in app.screen.title_text)
        await pilot.press("1")  # approve
        await wait_for(pilot, lambda: not isinstance(app.screen, ChoiceScreen))
        [req] = screen.controller.approvals()
        assert (req.status, req.answered_by) == ("approved", "bob")
        alice.journal.close()


async def test_the_danger_dialog_says_who_already_ran_the_command(tmp_path: Path) -> None:
    marker = tmp_path / "rolled"
    app = _app(tmp_path, "alice", marker)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_incident(pilot, "two-person")
        await wait_for(pilot, lambda: screen.synced_at is not None, tries=500)
        bob = _teammate(tmp_path, "bob", screen.controller.incident_id)
        bob.journal.add_event(bob.incident_id, "command", "ran rollback: touch x (exit 0, 0.1 s)",
                              {"runbook": "two-person", "command": "rollback", "status": "exit 0", "exit_code": 0})
        screen.sync_now()
        await wait_for(pilot, lambda: "bob" in screen.authors, tries=500)
        await pilot.press("R")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen))
        await pilot.press("2")
        await wait_for(pilot, lambda: isinstance(app.screen, DangerScreen))
        earlier = str(app.screen.query_one("#danger-earlier").render())
        assert "bob already ran rollback in this incident at" in earlier and "exit 0" in earlier
        bob.journal.close()
