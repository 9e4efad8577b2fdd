"""The bounded output buffer: head and tail exactly as a full split would give them, for any chunking."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tui.launch import OutputBuffer, RunResult
from tui.launch.buffer import MAX_LINE_CHARS


def reference(data: bytes, head: int, tail: int, clip: int) -> tuple[list[str], list[str], int]:
    lines = data.decode("utf-8", "replace").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    lines = [line.removesuffix("\r") for line in lines]
    lines = [line if len(line) <= clip else line[:clip] + "…" for line in lines]
    first = lines[:head]
    last = lines[len(first):][-tail:] if tail else []
    return first, last, len(lines)


def feed(data: bytes, cuts: list[int], **kw) -> OutputBuffer:
    buf = OutputBuffer(**kw)
    points = sorted({c % (len(data) + 1) for c in cuts} | {0, len(data)})
    for a, b in zip(points, points[1:]):
        buf.feed(data[a:b])
    return buf


line = st.text(alphabet=st.sampled_from("ab \r\té"), max_size=12)
output = st.lists(line, max_size=60).map(lambda ls: "\n".join(ls).encode()) | st.binary(max_size=300)


@settings(max_examples=300, deadline=None)
@given(output, st.lists(st.integers(min_value=0), max_size=12), st.integers(0, 6), st.integers(0, 6),
       st.integers(0, 40))
def test_head_and_tail_match_a_full_split(data: bytes, cuts: list[int], head: int, tail: int, tail_bytes: int) -> None:
    # A small tail_bytes forces old chunks out; the tail may then hold fewer lines, never wrong ones.
    buf = feed(data, cuts, head_lines=head, tail_lines=tail, max_line_chars=5, tail_bytes=tail_bytes)
    got_head, got_tail, total = buf.finish()
    want_head, want_tail, want_total = reference(data, head, tail, 5)
    assert total == want_total
    assert got_head == want_head
    assert len(got_tail) <= len(want_tail)
    assert got_tail == want_tail[len(want_tail) - len(got_tail):]
    if tail_bytes >= len(data):  # nothing evicted: the tail is complete
        assert got_tail == want_tail


@settings(max_examples=100, deadline=None)
@given(output, st.lists(st.integers(min_value=0), max_size=12))
def test_with_room_the_tail_is_complete(data: bytes, cuts: list[int]) -> None:
    buf = feed(data, cuts, head_lines=3, tail_lines=4)
    assert buf.finish() == reference(data, 3, 4, MAX_LINE_CHARS)


def test_memory_stays_bounded_however_much_is_fed() -> None:
    buf = OutputBuffer(head_lines=10, tail_lines=10, tail_bytes=4096)
    chunk = b"".join(b"%d some output line\n" % i for i in range(500))
    for _ in range(2000):
        buf.feed(chunk)
        assert buf.kept_bytes <= 4096 + len(chunk)
    head, tail, total = buf.finish()
    assert total == 1_000_000 and head[0] == "0 some output line" and tail[-1] == "499 some output line"
    assert len(head) == 10 and len(tail) == 10


def test_a_giant_line_is_kept_clipped() -> None:
    buf = OutputBuffer(head_lines=2, tail_lines=2, max_line_chars=100)
    for _ in range(100):
        buf.feed(b"z" * 10_000)
        assert len(buf._line) <= 404  # the head keeps only what the clipped line shows
    buf.feed(b"\nlast\n")
    head, tail, total = buf.finish()
    assert total == 2 and head == ["z" * 100 + "…", "last"] and tail == []
    assert buf.kept_bytes == 0


def result_with(head: tuple[str, ...], tail: tuple[str, ...], total: int) -> RunResult:
    from datetime import UTC, datetime
    from pathlib import Path

    return RunResult(argv=("x",), display="x", started_at=datetime.now(UTC), duration=0.1, exit_code=0,
                     signal=None, timed_out=False, cancelled=False, timeout=60, head=head, tail=tail,
                     total_lines=total, log_path=Path("/var/log/x.log"))


def test_result_lines_say_how_many_were_left_out() -> None:
    r = result_with(("h1", "h2", "h3"), ("t1", "t2"), 100)
    assert r.dropped_lines == 95
    assert r.lines() == ["h1", "h2", "h3", "[… 95 lines not shown; the full output is in /var/log/x.log …]",
                         "t1", "t2"]
    assert r.lines(head=1, tail=1) == ["h1", "[… 98 lines not shown; the full output is in /var/log/x.log …]",
                                       "t2"]
    assert result_with(("a", "b"), (), 2).lines() == ["a", "b"]
    assert result_with(("abcdef",), (), 1).lines(max_chars=3) == ["abc…"]
