"""Run a command as its own process group, stream its output, and always stop it cleanly.

One `Launch` serves the CLI (raw bytes straight to stdout) and the app (decoded lines
for a Log widget, in capped batches with the event loop free between them). Output is
read in large chunks, never one await per line. A timeout or a cancel sends SIGTERM to
the whole group and SIGKILL after a grace period, so even a pipeline whose children
ignore SIGTERM leaves no process behind; the leader is reaped by asyncio, so no zombie.
"""

from __future__ import annotations

import asyncio
import inspect
import os
import shlex
import signal
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from tui.errors import OncallError
from tui.launch.buffer import OutputBuffer
from tui.launch.group import group_alive, signal_group
from tui.launch.result import RunResult
from tui.runbook.model import DEFAULT_TIMEOUT

CHUNK = 1 << 18  # bytes per read: the pipe transport hands over up to 256 KiB at once
DEFAULT_GRACE = 2.0  # seconds between SIGTERM and SIGKILL
DEFAULT_MAX_BATCH = 2000  # lines per on_lines call; the loop runs other tasks between batches
MAX_PENDING = 1 << 20  # a line longer than this (no newline yet) is delivered in pieces
_TICK = 0.1  # how often to notice a leader that exited while others hold its output open
_POLL = 0.02  # how often to look at the group during the grace period

LinesCallback = Callable[[list[str]], "Awaitable[object] | object"]
OutputCallback = Callable[[bytes], object]


class Launch:
    """One run of one command. Create it, `await run()`, call `cancel()` from anywhere in the loop.

    on_output: called with each raw chunk as it arrives (stdout and stderr merged).
    on_lines: called with complete decoded lines, at most `max_batch` a call; if it
    returns an awaitable, reading waits for it (so a slow consumer slows the command
    down instead of growing memory).
    """

    def __init__(self, argv: Sequence[str], *, timeout: float | None = DEFAULT_TIMEOUT,
                 grace: float = DEFAULT_GRACE, display: str | None = None,
                 on_lines: LinesCallback | None = None, on_output: OutputCallback | None = None,
                 max_batch: int = DEFAULT_MAX_BATCH, log_path: Path | None = None,
                 env: Mapping[str, str] | None = None, cwd: Path | str | None = None,
                 buffer: OutputBuffer | None = None) -> None:
        if not argv:
            raise ValueError("argv must name a program")
        self.argv = tuple(argv)
        self.display = display if display is not None else shlex.join(self.argv)
        self.timeout = timeout
        self.grace = grace
        self.on_lines = on_lines
        self.on_output = on_output
        self.max_batch = max(1, max_batch)
        self.log_path = log_path
        self.env = dict(env) if env is not None else None
        self.cwd = cwd
        self.buffer = buffer if buffer is not None else OutputBuffer()
        self.pid: int | None = None  # also the process group id, once started
        self._cancel_requested = False
        self._cancel_event: asyncio.Event | None = None
        self._started = False
        self._pending = b""
        self._log: BinaryIO | None = None

    def cancel(self) -> None:
        """Stop the command: SIGTERM to its group, SIGKILL after the grace period.

        Safe before, during and after the run; before it, `run()` starts nothing.
        """
        self._cancel_requested = True
        if self._cancel_event is not None:
            self._cancel_event.set()

    async def run(self) -> RunResult:
        if self._started:
            raise RuntimeError("a Launch runs only once; create a new one")
        self._started = True
        self._cancel_event = asyncio.Event()
        started_at = datetime.now(UTC)
        t0 = time.monotonic()
        if self._cancel_requested:
            return self._result(started_at, 0.0, None, "cancelled", False)
        self._log = self._open_log()
        try:
            proc = await asyncio.create_subprocess_exec(
                *self.argv, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT, start_new_session=True, env=self.env, cwd=self.cwd,
                limit=CHUNK)
        except OSError as exc:
            self._discard_log()
            what = exc.strerror or str(exc)
            raise OncallError(f"Cannot run {self.argv[0]}: {what}; install it or fix the command in the runbook.") from None
        self.pid = proc.pid
        pump = asyncio.create_task(self._pump(proc.stdout))
        finished = asyncio.create_task(proc.wait())  # done once the leader exited and the output closed
        try:
            reason, leftovers = await self._supervise(proc, pump, finished)
            if reason or leftovers:
                await self._stop_group(proc)
            await self._drain(proc, pump, finished)
            if reason is None and not leftovers and group_alive(proc.pid):
                leftovers = True  # background processes that let go of the output but kept running
                await self._stop_group(proc)
        except BaseException:
            # Cancelled from outside (the app closing, ctrl+c) or the consumer failed: stop the group anyway.
            stopper = asyncio.ensure_future(self._stop_group(proc))
            try:
                await asyncio.shield(stopper)
            except BaseException:
                pass
            pump.cancel()
            finished.cancel()
            raise
        finally:
            if proc.returncode is None:
                signal_group(proc.pid, signal.SIGKILL)  # last resort; asyncio still reaps it
            if self._log is not None:
                self._log.close()
        return self._result(started_at, time.monotonic() - t0, proc.returncode, reason, leftovers)

    async def _supervise(self, proc: asyncio.subprocess.Process, pump: asyncio.Task,
                         finished: asyncio.Task) -> tuple[str | None, bool]:
        """Wait for the end, a cancel or the timeout: (None | 'cancelled' | 'timed_out', leftovers)."""
        assert self._cancel_event is not None
        cancel = asyncio.create_task(self._cancel_event.wait())
        deadline = None if self.timeout is None else time.monotonic() + self.timeout
        orphan_deadline: float | None = None
        try:
            while True:
                waiting = {finished, cancel} if pump.done() else {finished, cancel, pump}
                wake = min((t for t in (deadline, orphan_deadline) if t is not None), default=None)
                step = _TICK if wake is None else max(0.0, min(_TICK, wake - time.monotonic()))
                await asyncio.wait(waiting, timeout=step, return_when=asyncio.FIRST_COMPLETED)
                if pump.done() and not pump.cancelled() and pump.exception() is not None:
                    raise pump.exception()  # type: ignore[misc]
                if finished.done():
                    return None, False
                if cancel.done():
                    return "cancelled", False
                now = time.monotonic()
                if deadline is not None and now >= deadline:
                    return "timed_out", False
                if proc.returncode is not None:
                    # The leader is gone but something it started still holds the output open.
                    if orphan_deadline is None:
                        orphan_deadline = now + self.grace
                    elif now >= orphan_deadline:
                        return None, True
        finally:
            cancel.cancel()

    async def _stop_group(self, proc: asyncio.subprocess.Process) -> None:
        pgid = proc.pid
        signal_group(pgid, signal.SIGTERM)
        end = time.monotonic() + self.grace
        while time.monotonic() < end:
            if proc.returncode is not None and not group_alive(pgid):
                return
            await asyncio.sleep(_POLL)
        signal_group(pgid, signal.SIGKILL)
        # SIGKILL cannot be ignored: wait (bounded, in case of a process stuck in the kernel)
        # until asyncio has reaped the leader and the group is gone.
        end = time.monotonic() + self.grace + 1.0
        while (proc.returncode is None or group_alive(pgid)) and time.monotonic() < end:
            await asyncio.sleep(_POLL)

    async def _drain(self, proc: asyncio.subprocess.Process, pump: asyncio.Task,
                     finished: asyncio.Task) -> None:
        """Collect the rest of the output and the exit status once the group is ending."""
        await asyncio.wait({finished}, timeout=self.grace + 1.0)
        if not finished.done():
            # A process that left the group (setsid) still holds the output: stop reading it.
            finished.cancel()
            pump.cancel()
            while proc.returncode is None:
                await asyncio.sleep(_POLL)
        try:
            await pump
        except asyncio.CancelledError:
            if not pump.cancelled():
                raise

    async def _pump(self, stream: asyncio.StreamReader) -> None:
        feed = self.buffer.feed
        while True:
            chunk = await stream.read(CHUNK)
            if not chunk:
                break
            self._write_log(chunk)
            feed(chunk)
            if self.on_output is not None:
                self.on_output(chunk)
            if self.on_lines is not None:
                await self._deliver(chunk)
        if self.on_lines is not None and self._pending:
            await self._emit([_decode(self._pending)])
            self._pending = b""

    async def _deliver(self, chunk: bytes) -> None:
        data = self._pending + chunk if self._pending else chunk
        cut = data.rfind(b"\n")
        if cut < 0:
            if len(data) < MAX_PENDING:
                self._pending = data
                return
            self._pending = b""
            await self._emit([_decode(data)])
            return
        self._pending = data[cut + 1:]
        text = data[:cut].decode("utf-8", "replace")
        if "\r" in text:
            text = text.replace("\r\n", "\n")
        await self._emit(text.split("\n"))

    async def _emit(self, lines: list[str]) -> None:
        assert self.on_lines is not None
        size = self.max_batch
        for start in range(0, len(lines), size):
            if start:
                await asyncio.sleep(0)  # let the app handle keys between two batches
            batch = lines if len(lines) <= size else lines[start:start + size]
            outcome = self.on_lines(batch)
            if inspect.isawaitable(outcome):
                await outcome

    def _open_log(self) -> BinaryIO | None:
        if self.log_path is None:
            return None
        try:
            self.log_path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(self.log_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            return os.fdopen(fd, "wb")
        except OSError:
            self.log_path = None  # the run matters more than its log: go on without one
            return None

    def _write_log(self, chunk: bytes) -> None:
        if self._log is None:
            return
        try:
            self._log.write(chunk)
        except OSError:  # disk full: keep the run, lose the log
            self._discard_log()

    def _discard_log(self) -> None:
        if self._log is not None:
            try:
                self._log.close()
            except OSError:
                pass
            self._log = None
        if self.log_path is not None:
            self.log_path.unlink(missing_ok=True)
            self.log_path = None

    def _result(self, started_at: datetime, duration: float, returncode: int | None,
                reason: str | None, leftovers: bool) -> RunResult:
        head, tail, total = self.buffer.finish()
        return RunResult(
            argv=self.argv, display=self.display, started_at=started_at, duration=duration,
            exit_code=returncode if returncode is not None and returncode >= 0 else None,
            signal=-returncode if returncode is not None and returncode < 0 else None,
            timed_out=reason == "timed_out", cancelled=reason == "cancelled", timeout=self.timeout,
            head=tuple(head), tail=tuple(tail), total_lines=total, log_path=self.log_path,
            leftovers_stopped=leftovers,
        )


def _decode(data: bytes) -> str:
    return data.decode("utf-8", "replace").removesuffix("\r")


async def launch(argv: Sequence[str], **options: object) -> RunResult:
    """Run argv to the end (see `Launch` for the options) and return its result."""
    return await Launch(argv, **options).run()  # type: ignore[arg-type]
