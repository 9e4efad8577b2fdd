"""Knowing when to sync: watch a shared file for changes; poll a git remote, backing off while it fails.

A teammate's entry should show within a second. A shared file on a local or
mounted disk says when it changes (inotify, FSEvents, ReadDirectoryChangesW
through watchfiles), so a pass runs right after a teammate's write instead of on
the next tick. The watch is on the file's folder, because the file is replaced by
rename (tui/atomic.py) and a watch on the file itself would follow the old one.
Network file systems do not always raise events for other machines' writes, so
the app keeps a slow poll beside the watch. A git remote raises nothing: it is
polled on a short interval that doubles while the remote fails, up to a minute.

watchfiles is imported only when a watch starts (it is not needed by the CLI).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

DEBOUNCE_MS = 100  # how long a burst of changes is gathered into one wake-up, at most
STEP_MS = 20  # quiet time that ends a burst


async def shared_file_changes(path: Path, stop: asyncio.Event) -> AsyncIterator[None]:
    """Yield whenever the shared file at `path` is written, replaced, created or removed, until `stop` is set.

    Raises OSError (or ImportError without watchfiles) when the folder cannot be watched: poll instead.
    """
    from watchfiles import awatch

    folder, name = path.parent, path.name

    def ours(_change: object, changed: str) -> bool:
        return Path(changed).name == name  # not the lock file or a writer's temp file beside it

    async for _ in awatch(folder, watch_filter=ours, debounce=DEBOUNCE_MS, step=STEP_MS, stop_event=stop,
                          recursive=False, rust_timeout=1000):
        yield


@dataclass
class Backoff:
    """Seconds until the next poll: `base` after a pass that worked, doubling after each failure up to `cap`."""

    base: float = 2.0
    cap: float = 60.0
    delay: float = 0.0

    def after(self, ok: bool) -> float:
        self.delay = self.base if ok else min(self.cap, max(self.base, self.delay) * 2)
        return self.delay
