"""stream: 200,000 lines through the launcher vs a bare asyncio subprocess read loop doing the same
decode-and-split; key_latency: keys handled while the output pane streams 200,000 lines."""

from __future__ import annotations

import asyncio
import sys
import time

from bench.harness import Benchmark, Result

LINES = 200_000
# A Python producer: its output looks like real command output (not just digits).
PRODUCER = [sys.executable, "-c",
            f"import sys\nw=sys.stdout.write\nfor i in range({LINES}): w(f'line {{i}} status=ok latency_ms={{i % 997}}\\n')"]


async def _bare() -> int:
    proc = await asyncio.create_subprocess_exec(*PRODUCER, stdout=asyncio.subprocess.PIPE,
                                                stderr=asyncio.subprocess.STDOUT, start_new_session=True)
    assert proc.stdout is not None
    count, pending = 0, b""
    while chunk := await proc.stdout.read(1 << 18):
        data = pending + chunk
        cut = data.rfind(b"\n") + 1
        pending = data[cut:]
        count += len(data[:cut].decode("utf-8", "replace").splitlines())
    await proc.wait()
    return count


async def _through_launcher() -> int:
    from tui.launch import launch

    count = 0

    def sink(lines: list[str]) -> None:
        nonlocal count
        count += len(lines)

    result = await launch(PRODUCER, on_lines=sink, timeout=120)
    assert result.exit_code == 0
    return count


def _timed(coro_fn) -> float:
    t = time.perf_counter()
    count = asyncio.run(coro_fn())
    elapsed = time.perf_counter() - t
    assert count == LINES, f"expected {LINES} lines, got {count}"
    return elapsed


def _stream(quick: bool) -> Result:
    return Benchmark("stream", 1.5, lambda: _timed(_through_launcher), lambda: _timed(_bare),
                     runs=7, note="python producer, lines decoded and split in both").run(quick)


def benchmark(name: str, quick: bool = False) -> Result:
    if name == "stream":
        return _stream(quick)
    if name == "key_latency":
        from bench.b_keys import key_latency

        return key_latency(quick)
    raise KeyError(name)
