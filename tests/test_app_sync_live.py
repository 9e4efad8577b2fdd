"""The app learns of a teammate's entry by itself: a shared file is watched, a git remote polled."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

from tests.screenshots import settings_for, wait_for
from tests.test_app_screens import open_incident
from tui.app.factory import make_app
from tui.journal import Journal
from tui.journal.watch import Backoff


def _pane_text(screen: Any) -> str:
    return screen.query_one("#journal").text()


async def test_a_watched_shared_file_brings_a_teammates_note_without_polling(tmp_path: Path) -> None:
    shared = tmp_path / "team" / "shared.journal"
    shared.parent.mkdir()
    # Polls an hour apart: only the watch can bring bob's note in time.
    app = make_app(settings_for(tmp_path / "alice", shared_journal=shared), cursor_blink=False, sync_every=3600)
    app.services.fallback_every = 3600
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_incident(pilot)
        await wait_for(pilot, lambda: screen.synced_at is not None, tries=500)
        bob = Journal(tmp_path / "bob.json", shared, "bob", sync_on_write="inline")
        bob.sync()
        bob.add_event(screen.controller.incident_id, "note", "bob: the canary is clean")
        await wait_for(pilot, lambda: "bob: the canary is clean" in _pane_text(screen), tries=500)
        bob.close()


async def test_a_git_remote_is_polled_and_a_teammates_note_shows(tmp_path: Path) -> None:
    repo = tmp_path / "ir.git"
    subprocess.run(["git", "init", "-q", "--bare", str(repo)], check=True)
    url = f"git+file://{repo}"
    app = make_app(settings_for(tmp_path / "alice", shared_journal=url), cursor_blink=False, sync_every=0.1)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_incident(pilot)
        await wait_for(pilot, lambda: screen.synced_at is not None, tries=500)
        bob = Journal(tmp_path / "bob.json", url, "bob", sync_on_write="inline")
        bob.sync()
        bob.add_event(screen.controller.incident_id, "note", "bob over git")
        await wait_for(pilot, lambda: "bob over git" in _pane_text(screen), tries=1000)
        bob.close()


async def test_a_git_remote_that_fails_is_one_sentence_in_the_pane(tmp_path: Path) -> None:
    url = f"git+file://{tmp_path}/missing.git"
    app = make_app(settings_for(tmp_path / "alice", shared_journal=url), cursor_blink=False, sync_every=0.1)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_incident(pilot)
        await wait_for(pilot, lambda: screen.sync_status is not None, tries=500)
        problem = str(screen.query_one("#journal-sync").render())
        assert "cannot be reached" in problem and "saved locally" in problem and "Traceback" not in problem


def test_polling_backs_off_while_the_remote_fails_and_recovers_at_once() -> None:
    poll = Backoff(base=2.0, cap=60.0)
    assert [poll.after(False) for _ in range(7)] == [4.0, 8.0, 16.0, 32.0, 60.0, 60.0, 60.0]
    assert poll.after(True) == 2.0
