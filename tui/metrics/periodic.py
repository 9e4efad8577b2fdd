"""The task plumbing shared by every source of snapshots (the Prometheus poller, a drill's simulation).

A subclass writes `_run()` (fetch, deliver, wait for `_wake` or the interval, repeat);
this class starts it on the running loop, cuts a wait short, and stops it cleanly.
"""

from __future__ import annotations

import asyncio
import contextlib

from tui.metrics.readings import Snapshot


class Periodic:
    task_name = "oncall-periodic"

    def __init__(self) -> None:
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.last: Snapshot | None = None

    async def _run(self) -> None:
        raise NotImplementedError

    def poll_now(self) -> None:
        """Cut the current wait short (also a backoff wait)."""
        self._wake.set()

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> asyncio.Task[None]:
        """Start on the running event loop; returns the task."""
        if not self.running:
            self._task = asyncio.get_running_loop().create_task(self._run(), name=self.task_name)
        assert self._task is not None
        return self._task

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self._stopped()

    async def _stopped(self) -> None:
        """Release what the subclass holds, once the task has ended."""
