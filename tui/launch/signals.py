"""SIGHUP and SIGTERM to a long-lived oncall (the app) end every running command's tree first.

Without this the default action kills oncall on the spot and a running command, in a
session of its own, runs on with no timeout. The handler asks each launch to cancel
through its loop (safe from a signal handler), asks the caller to shut down from another
thread (the app's own thread is the one the handler interrupts), and on the way out
kills whatever tree is still there.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from tui.launch.process import cancel_running, kill_running

ENDING_SIGNALS = (signal.SIGHUP, signal.SIGTERM)
# Seconds the caller has to shut down after the signal before oncall ends itself: with its terminal
# gone, an app that cannot draw may never get to its own exit, and must not spin on alone.
GRACE_S = 10.0


@contextmanager
def commands_end_on_signals(shut_down: Callable[[], object]) -> Iterator[list[int]]:
    """Within the block, SIGHUP/SIGTERM cancel the running commands and call `shut_down` (in a thread).

    Yields the list of signals caught; exit with 128 + the first. Main thread only (else it does nothing
    but the final kill).
    """
    caught: list[int] = []
    done = threading.Event()

    def handler(signum: int, _frame: object) -> None:
        caught.append(signum)
        cancel_running()
        if len(caught) == 1:
            threading.Thread(target=_shut_down, args=(shut_down, done, signum), daemon=True).start()

    previous = {}
    if threading.current_thread() is threading.main_thread():
        for sig in ENDING_SIGNALS:
            previous[sig] = signal.signal(sig, handler)
    try:
        yield caught
    finally:
        done.set()
        kill_running()  # a command whose run was cut short with the loop still has its tree: end it now
        for sig, old in previous.items():
            signal.signal(sig, old)


def _shut_down(call: Callable[[], object], done: threading.Event, signum: int) -> None:
    """Ask the caller to stop (in a thread of its own: the ask itself may wait on a stuck loop); if it
    has not stopped within GRACE_S, end the command trees and the process. Every journal write is on
    disk when acknowledged, so ending here loses nothing written."""
    threading.Thread(target=_quietly, args=(call,), daemon=True).start()
    if not done.wait(GRACE_S):
        kill_running()
        os._exit(128 + signum)


def _quietly(call: Callable[[], object]) -> None:
    try:
        call()
    except Exception:  # the app already stopped or never started: nothing to shut down
        pass
