"""Every process a command started: its group, its session, and those that left both.

Every command runs as the leader of its own session (start_new_session=True), so its
process group id is its pid and a shell pipeline's children share it. A `setsid` child
or a double-forked daemon leaves the group, so a command's tree is found by more than
the group (Linux, from /proc):

- the leader's process group and session;
- every process whose environment carries the launch's cookie (`ONCALL_LAUNCH=…`,
  inherited by every descendant that does not scrub its environment);
- oncall's own children that appeared during the launch in another session: oncall is
  a child subreaper (PR_SET_CHILD_SUBREAPER), so an orphan is re-parented to oncall,
  not to init, and is oncall's to stop and to reap;
- the descendants of all of these, and every process seen in an earlier look.

Zombies among them that are oncall's children are reaped here (never with a wait on
"any child": asyncio waits for the leaders, and other code may own other children).
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
from dataclasses import dataclass
from pathlib import Path

_PROC = Path("/proc")
_LINUX = sys.platform.startswith("linux")
COOKIE = "ONCALL_LAUNCH"
PR_SET_CHILD_SUBREAPER = 36

_subreaper: bool | None = None
_leaders: set[int] = set()  # leaders of the trees in use: never another tree's orphan, never reaped here


def become_subreaper() -> bool:
    """Make this process adopt its orphaned descendants (Linux; once per process). False elsewhere."""
    global _subreaper
    if _subreaper is None:
        _subreaper = False
        if _LINUX:
            try:
                libc = ctypes.CDLL(None, use_errno=True)
                _subreaper = libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
            except (OSError, AttributeError):
                pass
    return _subreaper


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
    if not _LINUX:
        return True
    return any(True for _ in live_members(pgid))


@dataclass(frozen=True)
class Proc:
    pid: int
    state: str
    ppid: int
    pgid: int
    sid: int
    start: int  # clock ticks after boot: with the pid, names one process even if the pid is reused

    @property
    def zombie(self) -> bool:
        return self.state in ("Z", "X")


def _read_stat(pid: str) -> Proc | None:
    try:
        stat = (_PROC / pid / "stat").read_text()
    except OSError:  # it exited while we looked
        return None
    # "pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime
    #  cutime cstime priority nice threads itrealvalue starttime ...": comm may hold spaces and ")".
    fields = stat[stat.rfind(")") + 2:].split()
    try:
        return Proc(int(pid), fields[0], int(fields[1]), int(fields[2]), int(fields[3]), int(fields[19]))
    except (IndexError, ValueError):
        return None


def processes() -> list[Proc]:
    """Every process /proc shows (Linux)."""
    found = []
    for entry in os.listdir(_PROC):
        if entry.isdigit():
            proc = _read_stat(entry)
            if proc is not None:
                found.append(proc)
    return found


def live_members(pgid: int) -> list[int]:
    """Pids of the group's processes that are not zombies (Linux: read from /proc)."""
    return [p.pid for p in processes() if p.pgid == pgid and not p.zombie]


def _cookie_of(pid: int) -> bytes | None:
    """The launch cookie in the process's environment; None when it has none or it cannot be read."""
    try:
        environ = (_PROC / str(pid) / "environ").read_bytes()
    except OSError:
        return None
    key = COOKIE.encode() + b"="
    for item in environ.split(b"\0"):
        if item.startswith(key):
            return item[len(key):]
    return None


def _children_of(pid: int) -> set[int]:
    """Direct children of a process, from /proc/PID/task/*/children (Linux 3.5+)."""
    found: set[int] = set()
    try:
        tasks = os.listdir(_PROC / str(pid) / "task")
    except OSError:
        return found
    for task in tasks:
        try:
            found.update(int(c) for c in (_PROC / str(pid) / "task" / task / "children").read_text().split())
        except OSError:
            pass
    return found


class ProcessTree:
    """The processes one launch started, looked up afresh on each call (Linux; the group elsewhere)."""

    def __init__(self, cookie: str) -> None:
        """Make it just before the command starts, then call `started()`."""
        self.leader = 0
        self.cookie = cookie.encode()
        self._me = os.getpid()
        self._my_sid = os.getsid(0)
        self._seen: dict[int, int] = {}  # pid -> start of every member found so far
        # Children we had before the launch (servers, other tools) are never its orphans. Taken before
        # the start: the command's first orphans may be ours before the launcher hears of its pid.
        self._foreign = _children_of(self._me) if _LINUX else set()
        self._since = 0

    def started(self, leader: int) -> None:
        self.leader = leader
        first = _read_stat(str(leader)) if _LINUX else None
        self._since = first.start if first is not None else 0  # nothing of the tree started before the leader
        _leaders.add(leader)

    def close(self) -> None:
        _leaders.discard(self.leader)

    def members(self) -> list[Proc]:
        """Every process of the tree, zombies included, the leader too."""
        if not _LINUX:
            return []
        table = processes()
        found: dict[int, Proc] = {}
        for p in table:
            if self._is_member(p):
                found[p.pid] = p
        children: dict[int, list[Proc]] = {}
        for p in table:
            children.setdefault(p.ppid, []).append(p)
        todo = list(found)
        while todo:  # descendants of members, even with a scrubbed environment
            for child in children.get(todo.pop(), ()):
                if child.pid not in found and child.start >= self._since:
                    found[child.pid] = child
                    todo.append(child.pid)
        for p in found.values():
            self._seen[p.pid] = p.start
        return list(found.values())

    def _is_member(self, p: Proc) -> bool:
        if p.pid == self.leader or p.pgid == self.leader or p.sid == self.leader:
            return True
        if p.start < self._since or p.pid in _leaders or p.pid in self._foreign:
            return False
        if self._seen.get(p.pid) == p.start:
            return True
        if p.zombie:  # a zombie's environment cannot be read: an adopted orphan in another session
            return p.ppid == self._me and p.sid != self._my_sid
        cookie = _cookie_of(p.pid)
        if cookie is not None:
            return cookie == self.cookie
        # An orphan oncall adopted that scrubbed its environment (env -i setsid ...).
        return p.ppid == self._me and p.sid != self._my_sid

    def alive(self) -> bool:
        """True while a member other than a zombie is left."""
        if not _LINUX:
            return group_alive(self.leader)
        return any(not p.zombie for p in self.members())

    def signal(self, sig: int) -> None:
        """Send `sig` to the group and to every member; then reap the members that are our zombies."""
        signal_group(self.leader, sig)
        for p in self.members():
            if not p.zombie and p.pid != self.leader:
                try:
                    os.kill(p.pid, sig)
                except (ProcessLookupError, PermissionError):
                    pass
        self.reap()

    def reap(self) -> None:
        """Collect the exit status of members that are our zombies (the leader is asyncio's to wait for)."""
        for p in self.members():
            if p.zombie and p.ppid == self._me and p.pid != self.leader:
                try:
                    os.waitpid(p.pid, os.WNOHANG)
                except ChildProcessError:
                    pass


def signal_name(sig: int) -> str:
    try:
        return signal.Signals(sig).name
    except ValueError:
        return f"signal {sig}"
