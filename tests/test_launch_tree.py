"""A command's whole tree ends with it: `setsid` children, double-forked daemons, children
with a scrubbed environment, and ones that ignore SIGTERM, at timeout, on cancel and when the
command itself finished. oncall is their subreaper, so none is left as a zombie either."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_launch_process import SAFETY, our_zombies
from tui.launch import Launch

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the tree is read from /proc")

SLEEPER = """\
import os, signal, sys, time
if "stubborn" in sys.argv:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
with open(sys.argv[1], "a") as f:
    f.write(f"{os.getpid()}\\n")
time.sleep(300)
"""

DOUBLE_FORK = """\
import os, sys
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.execv(sys.executable, [sys.executable, *sys.argv[1:]])
    os._exit(0)
os.wait()
"""

DAEMONS = 6  # processes the script below starts, each writing its pid to the pid file


def script(tmp_path: Path, marker: str, then: str) -> list[str]:
    (tmp_path / "sleeper.py").write_text(SLEEPER)
    (tmp_path / "double.py").write_text(DOUBLE_FORK)
    py, sleeper, pids = sys.executable, tmp_path / "sleeper.py", tmp_path / "pids"
    args = f"{sleeper} {pids} {marker}"
    text = f"""
        setsid {py} {args} &
        (setsid {py} {args} stubborn &)
        {py} {tmp_path / 'double.py'} {args}
        (env -i setsid {py} {args} &)
        (setsid sh -c '{py} {args} stubborn; true' &)
        nohup {py} {args} >/dev/null 2>&1 &
        while [ "$(wc -l < {pids} 2>/dev/null || echo 0)" -lt {DAEMONS} ]; do sleep 0.02; done
        echo ready
        {then}
    """
    return ["sh", "-c", text]


def with_marker(marker: str) -> list[int]:
    """Live processes (not zombies) whose command line holds the marker."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if marker.encode() in cmdline and state not in ("Z", "X"):
            found.append(int(entry.name))
    return found


def assert_tree_gone(tmp_path: Path, marker: str, zombies_before: set[int]) -> None:
    pids = [int(p) for p in (tmp_path / "pids").read_text().split()]
    assert len(pids) == DAEMONS, "every daemon had started"
    assert with_marker(marker) == []
    # Only this launch's: once a launch made the test process a subreaper, orphans of other tests'
    # plain subprocesses (run in the same worker) come to it too, and are no part of this command.
    assert set(our_zombies()) - zombies_before == set()


@pytest.fixture
def bystander():
    """A child of the test process that is no part of any command: it must survive."""
    proc = subprocess.Popen(["sleep", "120"], start_new_session=True)
    yield proc
    proc.kill()
    proc.wait()


async def test_timeout_ends_setsid_and_double_forked_children(tmp_path: Path, bystander) -> None:
    marker = f"oncall-tree-timeout-{os.getpid()}"
    before = set(our_zombies())
    job = Launch(script(tmp_path, marker, "sleep 300"), timeout=3, grace=0.5)
    result = await asyncio.wait_for(job.run(), SAFETY)
    assert result.timed_out and result.head == ("ready",)
    assert_tree_gone(tmp_path, marker, before)
    assert bystander.poll() is None


async def test_cancel_ends_setsid_and_double_forked_children(tmp_path: Path, bystander) -> None:
    marker = f"oncall-tree-cancel-{os.getpid()}"
    before = set(our_zombies())
    job = Launch(script(tmp_path, marker, "sleep 300"), timeout=None, grace=0.5,
                 on_lines=lambda lines: job.cancel() if "ready" in lines else None)
    result = await asyncio.wait_for(job.run(), SAFETY)
    assert result.cancelled
    assert_tree_gone(tmp_path, marker, before)
    assert bystander.poll() is None


async def test_daemons_left_behind_by_a_finished_command_are_stopped(tmp_path: Path, bystander) -> None:
    marker = f"oncall-tree-done-{os.getpid()}"
    before = set(our_zombies())
    job = Launch(script(tmp_path, marker, "exit 0"), grace=0.5)
    result = await asyncio.wait_for(job.run(), SAFETY)
    assert result.exit_code == 0 and result.leftovers_stopped
    assert_tree_gone(tmp_path, marker, before)
    assert bystander.poll() is None


async def test_orphans_that_exit_on_their_own_are_reaped(tmp_path: Path) -> None:
    # Children re-parented to oncall become oncall's zombies when they end: they are collected.
    before = set(our_zombies())
    job = Launch(["sh", "-c", "(setsid sh -c 'exit 0' &); (sleep 0.1 &); sleep 0.5; echo done"])
    result = await asyncio.wait_for(job.run(), SAFETY)
    assert result.head == ("done",)
    assert set(our_zombies()) - before == set()


async def test_the_command_sees_its_launch_cookie_and_nothing_else_of_oncall(tmp_path: Path) -> None:
    job = Launch(["sh", "-c", "echo $ONCALL_LAUNCH"])
    result = await asyncio.wait_for(job.run(), SAFETY)
    assert result.head == (job.cookie,) and len(job.cookie) == 16


def test_oncall_is_a_subreaper_once_it_launched() -> None:
    from tui.launch.group import become_subreaper

    assert become_subreaper() is True
    status = Path("/proc/self/status").read_text()
    # An orphan of ours comes back to us rather than to init.
    child = subprocess.run(["sh", "-c", "(sleep 5 >/dev/null 2>&1 & echo $!)"], capture_output=True, text=True, check=True)
    orphan = int(child.stdout)
    try:
        ppid = int(Path(f"/proc/{orphan}/stat").read_text().rsplit(")", 1)[1].split()[1])
        assert ppid == os.getpid(), status
    finally:
        os.kill(orphan, signal.SIGKILL)
        os.waitpid(orphan, 0)
