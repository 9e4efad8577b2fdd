"""Sync through a git remote (a local bare repository): convergence, kill -9, a vanishing remote, garbage."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.fixtures.journal import run_oncall, start_worker
from tui.config import load_settings
from tui.errors import UsageError
from tui.journal import Journal
from tui.journal.gitsync import FORMAT, shown_remote

BRANCH = "oncall-journal"


def _git(repo: Path, *args: str, data: bytes | None = None) -> bytes:
    return subprocess.run(["git", "--git-dir", str(repo), *args], input=data, capture_output=True, check=True,
                          env={**os.environ, "LC_ALL": "C"}).stdout


@pytest.fixture
def remote(tmp_path: Path) -> Path:
    repo = tmp_path / "team" / "ir.git"
    subprocess.run(["git", "init", "-q", "--bare", str(repo)], check=True)
    return repo


def _url(repo: Path) -> str:
    return f"git+file://{repo}"


def _journal(tmp_path: Path, user: str, url: str, mode: str = "inline") -> Journal:
    return Journal(tmp_path / user / "journal.json", url, user, sync_on_write=mode)  # type: ignore[arg-type]


def _notes(journal: Journal, incident_id: str) -> set[str]:
    return {e.text for e in journal.events(incident_id) if e.kind == "note"}


def _files(repo: Path) -> dict[str, bytes]:
    """Every file on the journal branch, path -> content."""
    names = _git(repo, "ls-tree", "-r", "--name-only", "-z", BRANCH).decode().split("\0")
    return {n: _git(repo, "show", f"{BRANCH}:{n}") for n in names if n}


def _push_file(repo: Path, path: str, content: bytes) -> None:
    """Add a file to the remote's branch as a teammate's (or an attacker's) git would."""
    blob = _git(repo, "hash-object", "-w", "--stdin", data=content).decode().strip()
    index = repo / "scratch-index"
    env = {**os.environ, "GIT_INDEX_FILE": str(index)}
    subprocess.run(["git", "--git-dir", str(repo), "read-tree", BRANCH], env=env, check=True)
    subprocess.run(["git", "--git-dir", str(repo), "update-index", "--add", "--cacheinfo", f"100644,{blob},{path}"],
                   env=env, check=True)
    tree = subprocess.run(["git", "--git-dir", str(repo), "write-tree"], env=env, check=True,
                          capture_output=True).stdout.decode().strip()
    index.unlink()
    commit = subprocess.run(["git", "--git-dir", str(repo), "commit-tree", tree, "-p", BRANCH, "-m", "by hand"],
                            env={**env, "GIT_AUTHOR_NAME": "m", "GIT_AUTHOR_EMAIL": "m@x", "GIT_COMMITTER_NAME": "m",
                                 "GIT_COMMITTER_EMAIL": "m@x"}, check=True, capture_output=True).stdout.decode().strip()
    _git(repo, "update-ref", f"refs/heads/{BRANCH}", commit)


def test_four_responders_pushing_at_once_converge_through_a_bare_repository(tmp_path: Path, remote: Path) -> None:
    url = _url(remote)
    lead = _journal(tmp_path, "lead", url)
    inc = lead.new_incident("Four responders, one git remote")
    assert lead.last_sync is not None and lead.last_sync.ok, lead.last_sync
    count = 8
    gate = tmp_path / "go"
    workers = [start_worker(tmp_path / f"r{n}" / "journal.json", url, f"r{n}", inc.id, count, f"r{n}", gate=gate)
               for n in range(4)]
    gate.touch()
    for w in workers:
        out, err = w.communicate(timeout=240)
        assert w.returncode == 0, err
        assert out.count("ack ") == count
    expected = {f"r{n}-{i}" for n in range(4) for i in range(count)}
    # Every file was written by one responder only: git never merged text.
    files = _files(remote)
    authors = {json.loads(content.split(b"\n", 1)[0])["author"] for content in files.values()}
    assert authors == {"lead", "r0", "r1", "r2", "r3"} and len(files) == 5
    replicas = [lead] + [_journal(tmp_path, f"r{n}", url) for n in range(4)]
    for _ in range(2):  # a writer whose last push lost every race left it to its next pass: this one
        for r in replicas:
            assert r.sync().ok
    for r in replicas:
        assert _notes(r, inc.id) == expected
        assert r.events(inc.id) == lead.events(inc.id)
        assert r.incident(inc.id) == lead.incident(inc.id)
    for r in replicas:
        r.close()


def test_incident_fields_travel_as_registers_and_the_later_write_wins(tmp_path: Path, remote: Path) -> None:
    alice, bob = _journal(tmp_path, "alice", _url(remote)), _journal(tmp_path, "bob", _url(remote))
    inc = alice.new_incident("Registers over git", severity="high")
    bob.sync()
    bob.set_fields(inc.id, severity="critical")
    alice.set_fields(inc.id, status="identified")  # a different field at the same time: both keep theirs
    assert bob.sync().ok and alice.sync().ok
    for j in (alice, bob):
        seen = j.incident(inc.id)
        assert (seen.severity, seen.status) == ("critical", "identified")
    alice.close()
    bob.close()


_HANGING_HOOK = """#!/bin/sh
touch "{marker}"
while [ ! -e "{release}" ]; do sleep 0.05; done
exit 0
"""

_WRITER = r"""
import sys
from tui.journal import Journal
local, url, incident = sys.argv[1:4]
journal = Journal(local, url, "kim", sync_on_write="off")
for i in range(1000):
    journal.add_event(incident, "note", f"kim-{i}")
    print(f"ack kim-{i}", flush=True)  # durable locally: acknowledged
    journal.sync()
"""


def test_kill_9_in_the_middle_of_a_push_loses_no_acknowledged_note(tmp_path: Path, remote: Path) -> None:
    url = _url(remote)
    lead = _journal(tmp_path, "lead", url)
    inc = lead.new_incident("Killed mid-push")
    marker, release = tmp_path / "pushing", tmp_path / "release"
    hook = remote / "hooks" / "pre-receive"
    hook.write_text(_HANGING_HOOK.format(marker=marker, release=release))
    hook.chmod(0o755)
    local = tmp_path / "kim" / "journal.json"
    writer = subprocess.Popen([sys.executable, "-c", _WRITER, str(local), url, inc.id], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, start_new_session=True,
                              env={**os.environ, "PYTHONPATH": str(Path(__file__).parent.parent)})
    try:
        while not marker.exists():  # the hook runs while the push is in flight
            assert writer.poll() is None, writer.stderr.read() if writer.stderr else ""
            time.sleep(0.02)
        os.killpg(writer.pid, signal.SIGKILL)  # oncall, git push and git's receive side, all at once
        out, _ = writer.communicate(timeout=30)
    finally:
        release.touch()
        hook.unlink()
    acked = {line.split(" ", 1)[1] for line in out.splitlines() if line.startswith("ack ")}
    assert acked, "the writer was killed before it acknowledged anything"
    # The same responder opens oncall again: the next pass pushes what the killed one could not.
    again = Journal(local, url, "kim", sync_on_write="inline")
    status = again.sync()
    assert status.ok and status.pushed, status.message
    assert lead.sync().ok
    assert acked <= _notes(lead, inc.id)
    again.close()
    lead.close()


def test_a_remote_that_disappears_and_returns_is_caught_up(tmp_path: Path, remote: Path) -> None:
    url = _url(remote)
    alice, bob = _journal(tmp_path, "alice", url), _journal(tmp_path, "bob", url)
    inc = alice.new_incident("The remote goes away")
    away = remote.with_name("moved.git")
    remote.rename(away)
    alice.add_event(inc.id, "note", "written while the remote was gone")
    status = alice.last_sync
    assert status is not None and not status.ok and status.message
    assert "saved locally" in status.message and "pushed when it answers" in status.message
    assert status.message.endswith(".") and ". " not in status.message  # one sentence
    assert "written while the remote was gone" in _notes(alice, inc.id)
    away.rename(remote)
    assert alice.sync().ok
    assert bob.sync().ok
    assert "written while the remote was gone" in _notes(bob, inc.id)
    alice.close()
    bob.close()


def test_garbage_in_the_remote_is_quarantined_and_never_overwritten(tmp_path: Path, remote: Path) -> None:
    url = _url(remote)
    alice = _journal(tmp_path, "alice", url)
    inc = alice.new_incident("Someone pushed garbage")
    alice.add_event(inc.id, "note", "before the garbage")
    (mine,) = _files(remote)
    folder = mine.rsplit("/", 1)[0]
    good_event = next(line for line in _files(remote)[mine].split(b"\n") if b"before the garbage" in line)
    tampered = good_event.replace(b"before the garbage", b"rewritten by someone")
    garbage = {
        f"{folder}/mallory.jsonl": b"\xff\xfe not a journal at all",
        f"{folder}/eve.jsonl": (json.dumps({"format": FORMAT, "version": 1, "author": "eve", "incident": inc.id})
                                .encode() + b"\n{broken json\n" + tampered + b"\n"),
        mine: _files(remote)[mine] + b"\x00\x01 torn by a broken client\n",  # even our own file is not "repaired"
    }
    for path, content in garbage.items():
        _push_file(remote, path, content)
    assert alice.sync().ok
    alice.add_event(inc.id, "note", "after the garbage")
    assert alice.last_sync is not None and alice.last_sync.ok, alice.last_sync
    files = _files(remote)
    for path, content in garbage.items():
        assert files[path] == content  # left exactly as found
    assert _notes(alice, inc.id) == {"before the garbage", "after the garbage"}
    assert alice.notice is not None and "set aside" in alice.notice
    quarantine = [json.loads(line) for line in (tmp_path / "alice" / "journal.json.quarantine").read_text().splitlines()]
    assert {q["kind"] for q in quarantine} >= {"file", "line", "event"}
    # A teammate reads the remote and gets the same sound journal, nothing of the garbage.
    bob = _journal(tmp_path, "bob", url)
    assert bob.sync().ok
    assert _notes(bob, inc.id) == {"before the garbage", "after the garbage"}
    alice.close()
    bob.close()


def test_a_git_remote_setting_keeps_its_url_and_a_bad_one_is_a_sentence(tmp_path: Path) -> None:
    env = {"XDG_CONFIG_HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path)}
    url = "git+ssh://git@example.com/team/ir.git#incidents"
    assert load_settings({"shared": url}, env=env).shared_journal == url
    assert load_settings(env={**env, "ONCALL_SHARED_JOURNAL": "git+file:///srv/ir.git"}).shared_journal == \
        "git+file:///srv/ir.git"
    with pytest.raises(UsageError, match="not a git remote"):
        load_settings({"shared": "git+ftp://example.com/ir.git"}, env=env)
    assert shown_remote("git+https://bot:s3cret@example.com/ir.git") == "git+https://bot:***@example.com/ir.git"


def test_journal_sync_says_in_one_sentence_when_the_remote_is_unreachable(journal_paths, tmp_path: Path) -> None:
    env = journal_paths.env("alice", shared=False)
    env["ONCALL_SHARED_JOURNAL"] = f"git+file://{tmp_path}/nowhere.git"
    done = run_oncall(["journal", "sync"], env)
    assert done.returncode == 1
    assert "cannot be reached" in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
