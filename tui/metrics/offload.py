"""Heavy work on a reply (parsing, rating thousands of series) in a thread, with the collector paused.

A thread alone is not enough: parsing 20 MB of range data creates about a
million container objects, and each full collection the surge triggers walks
the whole heap while holding the GIL (10 to 105 ms each, growing with the heap,
measured with 5,000 series). The work makes no reference cycles, so collection
is paused while any such job runs and resumed when the last one ends, if it was
on before the first one began.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import threading
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

T = TypeVar("T")

_lock = threading.Lock()
_running = 0
_resume = False


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    global _running, _resume
    with _lock:
        if _running == 0:
            _resume = gc.isenabled()
            gc.disable()
        _running += 1
    try:
        yield
    finally:
        with _lock:
            _running -= 1
            if _running == 0 and _resume:
                gc.enable()


def _paused_call(fn: Callable[..., T], *args: Any) -> T:
    with collector_paused():
        return fn(*args)


async def offload(heavy: bool, fn: Callable[..., T], *args: Any) -> T:
    """`fn(*args)` in a thread with the collector paused when `heavy`, else here (cheaper than a hand-over)."""
    if heavy:
        return await asyncio.to_thread(_paused_call, fn, *args)
    return fn(*args)
