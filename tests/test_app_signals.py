"""The real app in a terminal (a pty): a command started with `r` whose children left its group,
then SIGHUP (the terminal closed) or SIGTERM: the command's whole tree ends and oncall exits
128 + the signal."""

from __future__ import annotations

import os
import pty
import select
import signal
import sys
from pathlib import Path

import pytest

from tests.test_launch_tree import DAEMONS, with_marker
from tests.test_run_signals import runbook

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the tree is read from /proc")
SAFETY = 60  # reads of the screen before the test gives up (not a timing assertion)


def exit_status(pid: int) -> int | None:
    """The app's wait status once it exits, or None if it is still running after SAFETY seconds
    (the test then fails instead of hanging the suite)."""
    for _ in range(SAFETY * 10):
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return status
        select.select([], [], [], 0.1)
    return None


def started(pids: Path) -> bool:
    return pids.exists() and len(pids.read_text().split()) >= DAEMONS


@pytest.mark.parametrize("sig", [signal.SIGHUP, signal.SIGTERM])
def test_a_signal_to_the_app_ends_the_running_command_tree(tmp_path: Path, sig: signal.Signals) -> None:
    marker = f"oncall-app-pty-{sig.name}-{os.getpid()}"
    folder = runbook(tmp_path, marker)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ONCALL_", "XDG_"))}
    env.update(XDG_CONFIG_HOME=str(tmp_path / "config"), XDG_DATA_HOME=str(tmp_path / "data"),
               ONCALL_RUNBOOKS=str(folder), TERM="xterm-256color")
    pid, fd = pty.fork()
    if pid == 0:  # the child: the app, on the pty
        os.execvpe(sys.executable, [sys.executable, "-m", "tui", "--runbook", "tree"], env)
    screen, pressed = b"", False
    try:
        for _ in range(SAFETY * 10):
            if started(tmp_path / "pids"):
                break
            if select.select([fd], [], [], 0.1)[0]:
                screen += os.read(fd, 1 << 16)
            if not pressed and b"Start the daemons" in screen:
                os.write(fd, b"r")  # run the step's command
                pressed = True
        assert started(tmp_path / "pids"), screen[-2000:]
        os.kill(pid, sig)
        if sig == signal.SIGHUP:
            os.close(fd)  # the terminal is gone too
            fd = -1
        else:
            try:  # read the screen until the app let go of the terminal
                while select.select([fd], [], [], 0.1)[0] and os.read(fd, 1 << 16):
                    pass
            except OSError:  # EIO: the app has exited
                pass
        status = exit_status(pid)
        if status is not None:
            pid = -1
    finally:
        if fd >= 0:
            os.close(fd)
        for left in with_marker(marker):
            os.kill(left, signal.SIGKILL)
        if pid > 0:  # still running (or the test failed before the signal)
            try:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
    assert status is not None, "the app did not exit after the signal"
    assert os.waitstatus_to_exitcode(status) == 128 + sig
    assert with_marker(marker) == []
