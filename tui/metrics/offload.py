"""Heavy work on a reply (parsing, rating thousands of series) in a thread.

Parsing 20 MB of range data in the event loop would hold it for a third of a second; in
a thread, the loop gets the interpreter back between series (tui.metrics.jsonread). The
parse also keeps the collector's work small: each series is checked and ranked as it is
read and only the worst few are kept (tui.metrics.shapes.SeriesReader), so no surge of
objects lives long enough to set off full collections (60-100 ms of a held interpreter each).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


async def offload(heavy: bool, fn: Callable[..., T], *args: Any) -> T:
    """`fn(*args)` in a thread when `heavy`, else here (cheaper than a hand-over)."""
    if heavy:
        return await asyncio.to_thread(fn, *args)
    return fn(*args)
