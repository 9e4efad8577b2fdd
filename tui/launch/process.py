"""Run a command as its own process group, stream its output, and always stop it cleanly.

One `Launch` serves the CLI (raw bytes straight to stdout) and the app (decoded lines
for a Log widget, in capped batches with the event loop free between them). Output is
read in large chunks, never one await per line. A timeout or a cancel sends SIGTERM to
the whole tree (the group, and what left it: see group.py) and SIGKILL after a grace
period, so even a pipeline whose children ignore SIGTERM, a `setsid` child or a
double-forked daemon leaves no process behind; the leader is reaped by asyncio and
adopted orphans by the tree, so no zombie.
"""

from __future__ import annotations

import asyncio
import inspect
import os
import secrets
import shlex
import signal
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

from tui.errors import OncallError
from tui.launch.buffer import OutputBuffer
from tui.launch.group import COOKIE, ProcessTree, become_subreaper
from tui.launch.result import RunResult
from tui.launch.runlog import RunLog
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
                 buffer: OutputBuffer | None = None, log_secrets: Iterable[str] = ()) -> None:
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
        self.log_secrets = tuple(log_secrets)  # known secrets to strike from the log, besides what looks like one
        self.env = dict(env) if env is not None else None
        self.cwd = cwd
        self.buffer = buffer if buffer is not None else OutputBuffer()
        self.pid: int | None = None  # also the process group id, once started
        self.cookie = secrets.token_hex(8)  # in the command's environment: finds what left the group
        self._tree: ProcessTree | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._cancel_requested = False
        self._cancel_event: asyncio.Event | None = None
        self._started = False
        self._pending = b""
        self._log: RunLog | None = None

    def cancel(self) -> None:
        """Stop the command: SIGTERM to its tree, SIGKILL after the grace period.

        Safe before, during and after the run; before it, `run()` starts nothing.
        Call it from the loop's thread; from a signal handler or another thread use `cancel_running()`.
        """
        self._cancel_requested = True
        if self._cancel_event is not None:
            self._cancel_event.set()

    def kill_now(self) -> None:
        """SIGKILL to the whole tree at once, without the loop (the process is about to exit)."""
        if self._tree is not None:
            self._tree.signal(signal.SIGKILL)

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
        become_subreaper()  # orphans of the command come to us, not to init
        env = dict(os.environ if self.env is None else self.env)
        env[COOKIE] = self.cookie
        tree = ProcessTree(self.cookie)
        try:
            proc = await asyncio.create_subprocess_exec(
                *self.argv, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT, start_new_session=True, env=env, cwd=self.cwd,
                limit=CHUNK)
        except OSError as exc:
            self._discard_log()
            what = exc.strerror or str(exc)
            raise OncallError(f"Cannot run {self.argv[0]}: {what}; install it or fix the command in the runbook.") from None
        self.pid = proc.pid
        tree.started(proc.pid)
        self._tree = tree
        self._loop = asyncio.get_running_loop()
        _running.add(self)
        assert proc.stdout is not None  # started with stdout=PIPE
        pump = asyncio.create_task(self._pump(proc.stdout))
        finished = asyncio.create_task(proc.wait())  # done once the leader exited and the output closed
        try:
            reason, leftovers = await self._supervise(proc, pump, finished)
            if reason or leftovers:
                await self._stop_group(proc)
            await self._drain(proc, pump, finished)
            if reason is None and not leftovers and tree.alive():
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
            _running.discard(self)
            if proc.returncode is None or tree.alive():
                tree.signal(signal.SIGKILL)  # last resort; asyncio still reaps the leader
            tree.reap()  # orphans that ended on their own
            tree.close()
            self._close_log()
        return self._result(started_at, time.monotonic() - t0, proc.returncode, reason, leftovers)

    async def _supervise(self, proc: asyncio.subprocess.Process, pump: asyncio.Task[None],
                         finished: asyncio.Task[int]) -> tuple[str | None, bool]:
        """Wait for the end, a cancel or the timeout: (None | 'cancelled' | 'timed_out', leftovers)."""
        assert self._cancel_event is not None
        cancel = asyncio.create_task(self._cancel_event.wait())
        deadline = None if self.timeout is None else time.monotonic() + self.timeout
        orphan_deadline: float | None = None
        try:
            while True:
                waiting = {t for t in (finished, cancel, pump) if not t.done()}
                wake = min((t for t in (deadline, orphan_deadline) if t is not None), default=None)
                step = _TICK if wake is None else max(0.0, min(_TICK, wake - time.monotonic()))
                await asyncio.wait(waiting, timeout=step, return_when=asyncio.FIRST_COMPLETED)
                if pump.done() and not pump.cancelled() and pump.exception() is not None:
                    raise pump.exception()  # type: ignore[misc]
                if finished.done() and pump.done():
                    # Both: asyncio's wait() returns at once if the leader exited before it was called,
                    # whoever still holds the output; the end of the output is the pump's.
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
        tree = self._tree
        assert tree is not None
        tree.signal(signal.SIGTERM)
        end = time.monotonic() + self.grace
        while time.monotonic() < end:
            if proc.returncode is not None and not tree.alive():
                tree.reap()
                return
            await asyncio.sleep(_POLL)
        # SIGKILL cannot be ignored: send it again each round, to what was forked meanwhile too, and
        # wait (bounded, in case of a process stuck in the kernel) until the leader is reaped and the tree gone.
        end = time.monotonic() + self.grace + 1.0
        while time.monotonic() < end:
            tree.signal(signal.SIGKILL)
            if proc.returncode is not None and not tree.alive():
                break
            await asyncio.sleep(_POLL)
        tree.reap()

    async def _drain(self, proc: asyncio.subprocess.Process, pump: asyncio.Task[None],
                     finished: asyncio.Task[int]) -> None:
        """Collect the rest of the output and the exit status once the group is ending."""
        await asyncio.wait({finished, pump}, timeout=self.grace + 1.0)
        if not finished.done() or not pump.done():
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
            writing = self._write_log(chunk)
            feed(chunk)
            if self.on_output is not None:
                self.on_output(chunk)
            if self.on_lines is not None:
                await self._deliver(chunk)
            if writing is not None:
                await writing  # one chunk in the writer at a time: memory stays bounded
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

    def _open_log(self) -> RunLog | None:
        if self.log_path is None:
            return None
        log = RunLog.open(self.log_path, secrets=self.log_secrets)
        if log is None:
            self.log_path = None  # the run matters more than its log: go on without one
        return log

    def _write_log(self, chunk: bytes) -> asyncio.Future[None] | None:
        """Redacting is slow (~0.1 s for 256 KiB): it runs in a thread so the app's loop stays free."""
        log = self._log
        if log is None:
            return None
        if log.full:
            log.write(chunk)  # only counted
            return None

        def write() -> None:
            log.write(chunk)
            if log.path is None and self._log is log:  # disk full: keep the run, lose the log
                self._log, self.log_path = None, None

        return asyncio.get_running_loop().run_in_executor(None, write)

    def _discard_log(self) -> None:
        if self._log is not None:
            self._log.discard()
            self._log = None
        self.log_path = None

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self.log_path = self._log.path
            self._log = None

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


_running: set[Launch] = set()  # launches between start and end, for cancel_running()


def cancel_running() -> None:
    """Cancel every running launch through its loop: safe from a signal handler or any thread."""
    for job in list(_running):
        if job._loop is not None and not job._loop.is_closed():
            job._loop.call_soon_threadsafe(job.cancel)


def kill_running() -> None:
    """SIGKILL every running launch's tree now: the last word before the process exits."""
    for job in list(_running):
        job.kill_now()


def _decode(data: bytes) -> str:
    return data.decode("utf-8", "replace").removesuffix("\r")


async def launch(argv: Sequence[str], **options: object) -> RunResult:
    """Run argv to the end (see `Launch` for the options) and return its result."""
    return await Launch(argv, **options).run()  # type: ignore[arg-type]
