"""A hybrid logical clock: orders journal writes across responders whose wall clocks disagree.

A stamp is the wall time in milliseconds plus a counter, encoded as a fixed-width
string ("0001732233600123.00004") so that comparing two stamps as strings
compares them as clock values. A stamp is always greater than every stamp the
clock has issued or observed, so a write made after reading another responder's
write sorts after it even when this machine's clock runs behind.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

_WALL_DIGITS = 16
_COUNT_DIGITS = 5
_COUNT_MAX = 10**_COUNT_DIGITS - 1
def encode(wall_ms: int, count: int) -> str:
    return f"{wall_ms:0{_WALL_DIGITS}d}.{count:0{_COUNT_DIGITS}d}"


ZERO = encode(0, 0)


def decode(stamp: str) -> tuple[int, int]:
    """(wall_ms, count) of a stamp; ValueError when it is not one."""
    wall, sep, count = stamp.partition(".")
    if not sep or len(wall) != _WALL_DIGITS or len(count) != _COUNT_DIGITS:
        raise ValueError(f"not a clock stamp: {stamp!r}")
    return int(wall), int(count)


def is_stamp(value: object) -> bool:
    if not isinstance(value, str):
        return False
    try:
        decode(value)
    except ValueError:
        return False
    return True


def wall_ms() -> int:
    return time.time_ns() // 1_000_000


def iso_utc(ms: int | None = None) -> str:
    """UTC ISO 8601 with milliseconds and a Z, e.g. 2026-11-22T03:12:05.123Z."""
    ms = wall_ms() if ms is None else ms
    dt = datetime.fromtimestamp(ms / 1000, tz=UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


class HybridClock:
    """Thread-safe; `now()` issues a new stamp, `observe()` folds in a stamp seen elsewhere."""

    def __init__(self, now_ms: Callable[[], int] = wall_ms) -> None:
        self._now_ms = now_ms
        self._wall = 0
        self._count = 0
        self._lock = threading.Lock()

    def wall(self) -> int:
        """This clock's wall time in milliseconds (the physical part of its stamps; injectable for tests)."""
        return self._now_ms()

    def now(self) -> str:
        with self._lock:
            physical = self._now_ms()
            if physical > self._wall:
                self._wall, self._count = physical, 0
            elif self._count < _COUNT_MAX:
                self._count += 1
            else:  # counter full: borrow a millisecond rather than wrap around
                self._wall, self._count = self._wall + 1, 0
            return encode(self._wall, self._count)

    def observe(self, stamp: str | None) -> None:
        """Never issue a stamp at or below `stamp` from now on (ignores None and non-stamps)."""
        if not stamp:
            return
        try:
            wall, count = decode(stamp)
        except ValueError:
            return
        with self._lock:
            if (wall, count) > (self._wall, self._count):
                self._wall, self._count = wall, count

    def peek(self) -> str:
        """The last stamp issued or observed (not a new one)."""
        with self._lock:
            return encode(self._wall, self._count)
