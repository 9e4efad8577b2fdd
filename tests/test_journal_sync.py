"""Sync through one shared file: convergence of real processes, and a bad or absent share never costs a note."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from filelock import FileLock

from tests.fixtures.journal import start_worker
from tui.journal import Journal
from tui.journal.sync import parse_shared, read_shared


def _notes(journal: Journal, incident_id: str) -> set[str]:
    return {e.text for e in journal.events(incident_id) if e.kind == "note"}


def test_four_processes_writing_at_once_converge_on_every_note(journal_paths, make_journal) -> None:
    lead = make_journal("lead")
    inc = lead.new_incident("Four responders at once")
    count = 25
    gate = journal_paths.root / "go"
    workers = [start_worker(journal_paths.local(f"r{n}"), journal_paths.shared, f"r{n}", inc.id, count, f"r{n}",
                            gate=gate) for n in range(4)]
    time.sleep(0.3)  # let them start up; then all four write (and sync) at the same moment
    gate.touch()
    for w in workers:
        out, err = w.communicate(timeout=120)
        assert w.returncode == 0, err
        assert out.count("ack ") == count
    expected = {f"r{n}-{i}" for n in range(4) for i in range(count)}
    # Each writer synced after its last note, so the shared file already holds everything...
    shared = read_shared(journal_paths.shared)
    assert {e["text"] for e in shared.events.values() if e["kind"] == "note"} == expected
    # ...and one pass brings every replica to the same journal.
    replicas = [lead] + [make_journal(f"r{n}") for n in range(4)]
    for r in replicas:
        assert r.sync().ok
    for r in replicas:
        assert _notes(r, inc.id) == expected
        assert r.events(inc.id) == lead.events(inc.id)
    assert lead.sync().responders == {"lead", "r0", "r1", "r2", "r3"}


def test_a_corrupt_shared_file_stays_untouched_while_local_notes_go_on(journal_paths, make_journal) -> None:
    alice = make_journal("alice")
    inc = alice.new_incident("x")
    good = journal_paths.shared.read_bytes()
    damaged = good[: len(good) // 2]  # e.g. a sync client that delivered half the file
    journal_paths.shared.write_bytes(damaged)
    stat = journal_paths.shared.stat()

    alice.add_event(inc.id, "note", "still writing locally")
    status = alice.last_sync
    assert status is not None and not status.ok
    assert "cannot be parsed" in status.message and "left untouched" in status.message
    assert status.message.count(". ") == 0 and status.message.endswith(".")  # one sentence
    assert alice.sync().ok is False
    assert journal_paths.shared.read_bytes() == damaged
    assert journal_paths.shared.stat().st_mtime_ns == stat.st_mtime_ns
    assert "still writing locally" in _notes(alice, inc.id)

    journal_paths.shared.write_bytes(good)  # repaired: sync resumes and catches up
    assert alice.sync().ok
    assert "still writing locally" in {e["text"] for e in read_shared(journal_paths.shared).events.values()}


@pytest.mark.parametrize("content", [b"not json at all\n", b'{"format": "something-else"}\n', b"\xff\xfe\x00garbage",
                                     b'{"format":"oncall-shared-journal","version":1,"incidents":0,"events":2}\n{}\n'])
def test_anything_that_is_not_a_whole_shared_journal_is_never_overwritten(journal_paths, make_journal,
                                                                         content: bytes) -> None:
    journal_paths.shared.write_bytes(content)
    alice = make_journal("alice")
    inc = alice.new_incident("x")
    alice.add_event(inc.id, "note", "kept locally")
    assert not alice.last_sync.ok
    assert journal_paths.shared.read_bytes() == content
    assert "kept locally" in _notes(alice, inc.id)


def test_an_unreachable_shared_folder_is_caught_up_when_it_returns(journal_paths, make_journal) -> None:
    missing = journal_paths.root / "mnt" / "share" / "shared.journal"
    alice = make_journal("alice", shared=missing)
    inc = alice.new_incident("x")
    alice.add_event(inc.id, "note", "written while the share was away")
    assert not alice.last_sync.ok and "not reachable" in alice.last_sync.message
    assert not missing.parent.exists()  # we never create the mount point ourselves
    missing.parent.mkdir(parents=True)
    assert alice.sync().ok
    assert "written while the share was away" in {e["text"] for e in read_shared(missing).events.values()}


def test_a_shared_path_under_a_file_is_unreachable_not_a_crash(journal_paths, make_journal) -> None:
    blocker = journal_paths.root / "not-a-folder"
    blocker.write_text("x")
    alice = make_journal("alice", shared=blocker / "shared.journal")
    inc = alice.new_incident("x")
    assert not alice.last_sync.ok and alice.last_sync.message.endswith(".")
    assert _notes(alice, inc.id) == set()


_AS_NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] if os.geteuid() == 0 else []
_PERMISSION_SCRIPT = """
import sys
from tui.journal import Journal
journal = Journal(sys.argv[1], sys.argv[2], "nobody", sync_on_write="inline", lock_timeout=2)
inc = journal.new_incident("x")
print(journal.last_sync.message)
print(len(journal.events(inc.id)))
"""


@pytest.mark.skipif(bool(_AS_NOBODY) and shutil.which("setpriv") is None, reason="needs setpriv to drop root")
@pytest.mark.parametrize("case", ["folder", "file"])
def test_a_shared_journal_without_permission_is_reported(case: str) -> None:
    # Root ignores permissions, so the writer runs as nobody; its own journal lives where it may write.
    root = Path(tempfile.mkdtemp(prefix="oncall-perm-"))
    try:
        root.chmod(0o755)
        mine, team = root / "mine", root / "team"
        mine.mkdir()
        team.mkdir(mode=0o755)
        if _AS_NOBODY:
            os.chown(mine, 65534, 65534)
        else:
            mine.chmod(0o700)
        shared = team / "shared.journal"
        if case == "file":  # the lock can be taken, but the journal itself is unreadable
            shared.write_text("{}")
            shared.chmod(0o000)
            lock = Path(f"{shared}.lock")
            lock.touch()
            lock.chmod(0o666)
            team.chmod(0o755)
        else:
            team.chmod(0o555)
        done = subprocess.run([*_AS_NOBODY, sys.executable, "-c", _PERMISSION_SCRIPT, str(mine / "j.json"),
                               str(shared)], capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        message, events = done.stdout.splitlines()
        assert "(permission denied)" in message and message.endswith("fix the permissions to resume sync.")
        assert events == "1"  # the incident was opened and saved locally all the same
    finally:
        for path in root.rglob("*"):
            path.chmod(0o700)
        shutil.rmtree(root)


def test_a_shared_file_locked_too_long_is_a_retry_not_a_failure(journal_paths, make_journal) -> None:
    alice = make_journal("alice", lock_timeout=0.2)
    with FileLock(str(journal_paths.shared) + ".lock"):
        inc = alice.new_incident("x")
        assert not alice.last_sync.ok and "stayed locked" in alice.last_sync.message
    assert alice.sync().ok and inc.id in read_shared(journal_paths.shared).incidents


def test_a_pass_with_nothing_new_leaves_the_shared_file_alone(journal_paths, make_journal) -> None:
    alice, bob = make_journal("alice"), make_journal("bob")
    alice.new_incident("x")
    assert bob.sync().pushed is False  # bob only learned; the shared file already had everything
    before = journal_paths.shared.stat()
    assert alice.sync().pushed is False and bob.sync().pushed is False
    after = journal_paths.shared.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_temp_files_of_a_writer_killed_before_its_rename_are_cleared(journal_paths, make_journal) -> None:
    stale = journal_paths.shared.with_name(f".{journal_paths.shared.name}.4242-deadbeef.tmp")
    stale.write_text("half a journal")
    alice = make_journal("alice")
    alice.new_incident("x")
    assert alice.last_sync.ok and not stale.exists()


def test_the_shared_file_is_replaced_never_edited_in_place(journal_paths, make_journal) -> None:
    alice = make_journal("alice")
    inc = alice.new_incident("x")
    first = journal_paths.shared.stat().st_ino
    alice.add_event(inc.id, "note", "y")
    assert journal_paths.shared.stat().st_ino != first  # a new file renamed over the old one
    state = parse_shared(journal_paths.shared.read_bytes())
    assert len(state.events) == 2 and list(state.incidents) == [inc.id]


def test_shared_file_mode_is_kept_so_the_team_can_still_write_it(journal_paths, make_journal) -> None:
    alice = make_journal("alice")
    inc = alice.new_incident("x")
    journal_paths.shared.chmod(0o664)
    alice.add_event(inc.id, "note", "y")
    assert journal_paths.shared.stat().st_mode & 0o777 == 0o664


def test_sync_without_a_shared_file_is_local_only(tmp_path: Path) -> None:
    with Journal(tmp_path / "j.json", None, "alice") as journal:
        inc = journal.new_incident("x")
        status = journal.sync()
        assert status.ok and not status.shared and status.responders == {"alice"}
        assert journal.incident(inc.id).title == "x"
