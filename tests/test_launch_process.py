"""The launcher's process handling with real subprocesses: streaming, exit status, timeouts,
cancel, process groups (no orphans, no zombies), the log file and bounded memory."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest

from tui.errors import OncallError
from tui.launch import Launch, OutputBuffer, launch
from tui.launch.group import group_alive
from tui.launch.process import CHUNK

PY = sys.executable
SAFETY = 60  # a hung test fails here instead of hanging the suite (not a timing assertion)


# --- who is left in a process group, as ps sees it (shared with the other launcher tests) ---

def ps_group(pgid: int) -> list[tuple[int, int, str]]:
    """(pid, ppid, state) of every process in the group."""
    out = subprocess.run(["ps", "-e", "-o", "pid=,ppid=,pgid=,stat="], capture_output=True, text=True,
                         check=True).stdout
    rows = []
    for line in out.splitlines():
        pid, ppid, group, stat = line.split(None, 3)
        if int(group) == pgid:
            rows.append((int(pid), int(ppid), stat))
    return rows


def live_in_group(pgid: int) -> list[int]:
    """Processes of the group still running (a zombie of init can do nothing and is not ours to reap)."""
    return [pid for pid, _, stat in ps_group(pgid) if not stat.startswith("Z")]


def our_zombies() -> list[int]:
    """Children of this test process that exited and were never reaped."""
    me = os.getpid()
    out = subprocess.run(["ps", "-e", "-o", "pid=,ppid=,stat="], capture_output=True, text=True).stdout
    rows = (line.split(None, 2) for line in out.splitlines())
    return [int(pid) for pid, ppid, stat in rows if int(ppid) == me and stat.startswith("Z")]


def reaped(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def assert_nothing_left(pid: int) -> None:
    assert reaped(pid), "the leader is still there (running or an unreaped zombie)"
    assert live_in_group(pid) == []
    assert not group_alive(pid)
    assert pid not in our_zombies()


async def run(argv, **kw):
    return await asyncio.wait_for(launch(argv, **kw), SAFETY)


# --- streaming and results ---

async def test_lines_stream_in_order_with_stderr_merged(tmp_path: Path) -> None:
    got: list[str] = []
    code = "import sys\nprint('out1', flush=True)\nprint('err1', file=sys.stderr, flush=True)\nprint('out2')"
    result = await run([PY, "-c", code], on_lines=got.extend, log_path=tmp_path / "run.log")
    assert got == ["out1", "err1", "out2"]
    assert result.exit_code == 0 and result.ok and result.status == "exit 0"
    assert result.head == ("out1", "err1", "out2") and result.tail == () and result.dropped_lines == 0
    assert (tmp_path / "run.log").read_text() == "out1\nerr1\nout2\n"
    assert result.log_path == tmp_path / "run.log"
    assert oct((tmp_path / "run.log").stat().st_mode & 0o777) == "0o600"
    assert result.started_at.tzinfo is not None and result.started_at.utcoffset().total_seconds() == 0
    assert result.duration > 0


async def test_raw_output_and_exit_code_and_last_line_without_newline() -> None:
    chunks: list[bytes] = []
    lines: list[str] = []
    result = await run(["sh", "-c", "printf 'a\\r\\nb\\nno newline'; exit 3"],
                       on_output=chunks.append, on_lines=lines.extend)
    assert b"".join(chunks) == b"a\r\nb\nno newline"
    assert lines == ["a", "b", "no newline"]
    assert result.exit_code == 3 and not result.ok and result.status == "exit 3"
    assert result.head == ("a", "b", "no newline") and result.total_lines == 3


async def test_lines_arrive_while_the_command_still_runs(tmp_path: Path) -> None:
    # The first line is seen before the command is told to go on, so nothing waits for the end.
    gate = asyncio.Event()

    async def on_lines(lines: list[str]) -> None:
        if "first" in lines:
            gate.set()

    async def release() -> None:
        await gate.wait()
        flag.write_text("go")

    flag = tmp_path / "go"
    code = f"import os,time\nprint('first', flush=True)\nwhile not os.path.exists({str(flag)!r}): time.sleep(0.01)\nprint('second')"
    job = Launch([PY, "-c", code], on_lines=on_lines)
    result, _ = await asyncio.wait_for(asyncio.gather(job.run(), release()), SAFETY)
    assert result.head == ("first", "second")


async def test_stdin_is_empty_so_a_prompt_never_hangs() -> None:
    result = await run(["sh", "-c", "read answer; echo \"got [$answer] $?\""])
    assert result.head == ("got [] 1",)


async def test_a_program_that_does_not_exist_is_one_sentence(tmp_path: Path) -> None:
    log = tmp_path / "run.log"
    with pytest.raises(OncallError, match=r"^Cannot run no-such-program-xyz: .*; install it or fix"):
        await run(["no-such-program-xyz", "--flag"], log_path=log)
    assert not log.exists()


async def test_an_unwritable_log_folder_does_not_stop_the_run(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    result = await run(["echo", "hi"], log_path=blocker / "runs" / "x.log")
    assert result.head == ("hi",) and result.log_path is None


async def test_killed_by_a_signal_reports_the_signal() -> None:
    result = await run(["sh", "-c", "kill -SEGV $$"])
    assert result.exit_code is None and result.signal == signal.SIGSEGV
    assert result.status == "killed by SIGSEGV" and not result.timed_out


# --- timeouts, cancel and process groups ---

async def test_timeout_on_sleep_stops_it_and_leaves_nothing() -> None:
    job = Launch(["sleep", "30"], timeout=2)
    result = await asyncio.wait_for(job.run(), SAFETY)
    assert result.timed_out and result.status == "timed out after 2 s"
    assert result.signal == signal.SIGTERM  # sleep honours SIGTERM: no SIGKILL was needed
    assert_nothing_left(job.pid)


async def test_timeout_on_a_pipeline_ignoring_sigterm_kills_the_whole_group() -> None:
    seen: list[list[int]] = []

    def on_lines(lines: list[str]) -> None:
        if "started" in lines:
            seen.append(live_in_group(job.pid))

    script = "trap '' TERM; sleep 30 | sleep 30 & sleep 30 & echo started; wait"
    job = Launch(["sh", "-c", script], timeout=1, grace=0.5, on_lines=on_lines)
    result = await asyncio.wait_for(job.run(), SAFETY)
    assert seen and len(seen[0]) >= 4, "the shell and its three sleeps were running"
    assert result.timed_out
    assert result.signal == signal.SIGKILL  # SIGTERM was ignored, SIGKILL ended it
    assert_nothing_left(job.pid)
    for pid in seen[0]:
        assert pid not in live_in_group(job.pid)


async def test_cancel_stops_the_group() -> None:
    job = Launch(["sh", "-c", "sleep 30 & sleep 30 & echo up; wait"], timeout=None, grace=0.5,
                 on_lines=lambda lines: job.cancel())
    result = await asyncio.wait_for(job.run(), SAFETY)
    assert result.cancelled and not result.timed_out and result.status == "cancelled"
    assert result.head == ("up",)
    assert_nothing_left(job.pid)


async def test_cancel_before_run_starts_nothing() -> None:
    job = Launch(["sh", "-c", "echo should-not-run"])
    job.cancel()
    result = await job.run()
    assert result.cancelled and job.pid is None and result.total_lines == 0


async def test_cancelling_the_awaiting_task_still_stops_the_group() -> None:
    # The app's worker may be cancelled (screen closed, app exiting): the command must not survive it.
    started = asyncio.Event()
    job = Launch(["sh", "-c", "trap '' TERM; sleep 30 & echo up; wait"], grace=0.3,
                 on_lines=lambda lines: started.set())
    task = asyncio.create_task(job.run())
    await asyncio.wait_for(started.wait(), SAFETY)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, SAFETY)
    assert_nothing_left(job.pid)


async def test_background_children_outliving_the_command_are_stopped() -> None:
    # One keeps the output open, one does not; both would be orphans otherwise.
    job = Launch(["sh", "-c", "sleep 30 & sleep 31 >/dev/null 2>&1 & echo done"], grace=0.3)
    result = await asyncio.wait_for(job.run(), SAFETY)
    assert result.exit_code == 0 and result.head == ("done",)
    assert result.leftovers_stopped
    assert_nothing_left(job.pid)


async def test_a_run_that_finishes_cleanly_reports_no_leftovers() -> None:
    job = Launch(["sh", "-c", "echo a | cat"])
    result = await job.run()
    assert result.head == ("a",) and not result.leftovers_stopped
    assert_nothing_left(job.pid)


async def test_a_failing_consumer_stops_the_command_and_raises() -> None:
    def on_lines(lines: list[str]) -> None:
        raise RuntimeError("widget gone")

    job = Launch(["sh", "-c", "echo x; sleep 30"], grace=0.3, on_lines=on_lines)
    with pytest.raises(RuntimeError, match="widget gone"):
        await asyncio.wait_for(job.run(), SAFETY)
    assert_nothing_left(job.pid)


async def test_a_launch_runs_once() -> None:
    job = Launch(["true"])
    await job.run()
    with pytest.raises(RuntimeError):
        await job.run()


# --- volume: 200,000 lines with bounded memory ---

LINE = "x" * 60


async def test_200k_lines_stream_in_bounded_memory(tmp_path: Path) -> None:
    count = 200_000
    code = f"import sys\nw=sys.stdout.write\nfor i in range({count}): w(f'{{i}} {LINE}\\n')"
    buffer = OutputBuffer()
    seen = {"lines": 0, "checksum": 0, "biggest_batch": 0, "max_kept": 0, "first": None, "last": None}

    def on_lines(lines: list[str]) -> None:
        seen["lines"] += len(lines)
        seen["biggest_batch"] = max(seen["biggest_batch"], len(lines))
        seen["max_kept"] = max(seen["max_kept"], buffer.kept_bytes)
        seen["first"] = seen["first"] or lines[0]
        seen["last"] = lines[-1]

    tracemalloc.start()
    try:
        result = await run([PY, "-c", code], on_lines=on_lines, buffer=buffer, max_batch=1000,
                           log_path=tmp_path / "big.log")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    total_bytes = count * (len(LINE) + 8)
    assert seen["lines"] == count and seen["first"] == f"0 {LINE}" and seen["last"] == f"{count - 1} {LINE}"
    assert seen["biggest_batch"] <= 1000
    # Memory: the buffer holds a bounded window, and the whole run never held the output at once.
    assert seen["max_kept"] <= buffer.tail_bytes + CHUNK + buffer.head_lines * (buffer.max_line_chars + 1)
    assert peak < total_bytes / 3, f"peak {peak} bytes for {total_bytes} bytes of output"
    assert len(result.head) == 200 and len(result.tail) == 800
    assert result.total_lines == count and result.dropped_lines == count - 1000
    assert result.head[0] == f"0 {LINE}" and result.head[-1] == f"199 {LINE}"
    assert result.tail[0] == f"{count - 800} {LINE}" and result.tail[-1] == f"{count - 1} {LINE}"
    with (tmp_path / "big.log").open() as f:
        assert sum(1 for _ in f) == count
    shown = result.lines(head=2, tail=2)
    assert shown[2].startswith(f"[… {count - 4} lines not shown; the full output is in ")


async def test_slow_async_consumer_applies_backpressure_not_memory() -> None:
    # An awaiting consumer makes reading wait; the pipe fills and the writer blocks.
    buffer = OutputBuffer()
    kept: list[int] = []

    async def on_lines(lines: list[str]) -> None:
        kept.append(buffer.kept_bytes)
        await asyncio.sleep(0)

    result = await run(["seq", "100000"], on_lines=on_lines, buffer=buffer, max_batch=500)
    assert result.total_lines == 100_000 and result.tail[-1] == "100000"
    assert max(kept) <= buffer.tail_bytes + CHUNK + buffer.head_lines * (buffer.max_line_chars + 1)


async def test_one_huge_line_is_delivered_in_pieces_and_clipped_in_memory() -> None:
    size = 3 * 1024 * 1024
    pieces: list[int] = []
    result = await run([PY, "-c", f"import sys; sys.stdout.write('y' * {size})"],
                       on_lines=lambda lines: pieces.extend(len(line) for line in lines))
    assert sum(pieces) == size and max(pieces) <= 2 * 1024 * 1024
    assert result.total_lines == 1 and len(result.head) == 1
    assert len(result.head[0]) <= 2001
