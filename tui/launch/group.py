"""Process groups: signal a whole group, and tell whether any live process is left in it.

Every command runs as the leader of its own session (start_new_session=True), so its
process group id is its pid and a shell pipeline's children share it.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

_PROC = Path("/proc")


def signal_group(pgid: int, sig: int) -> None:
    """Send `sig` to every process in the group; an empty group is not an error."""
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def group_alive(pgid: int) -> bool:
    """True while some process of the group is still running (zombies do not count).

    Orphaned members that were killed become zombies of init until it reaps them;
    they can no longer do anything, so waiting for them would only waste the grace period.
    """
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    if not sys.platform.startswith("linux"):
        return True
    return any(True for _ in live_members(pgid))


def live_members(pgid: int) -> list[int]:
    """Pids of the group's processes that are not zombies (Linux: read from /proc)."""
    found = []
    for entry in _PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # it exited while we looked
            continue
        # "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses.
        fields = stat[stat.rfind(")") + 2:].split()
        if len(fields) >= 3 and int(fields[2]) == pgid and fields[0] not in ("Z", "X"):
            found.append(int(entry.name))
    return found


def signal_name(sig: int) -> str:
    try:
        return signal.Signals(sig).name
    except ValueError:
        return f"signal {sig}"
