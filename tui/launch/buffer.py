"""Bounded memory of a command's output: the first lines and the last lines, and a count.

The whole output goes to the log file; memory keeps only a head and a tail. Feeding a
chunk costs a newline count and a deque append (no per-line Python work), so keeping
the buffer does not slow a 200,000-line stream; lines are split once, at the end,
and only for the part that is kept.
"""

from __future__ import annotations

from collections import deque

HEAD_LINES = 200
TAIL_LINES = 800
MAX_LINE_CHARS = 2000
TAIL_BYTES = 256 * 1024  # bytes of recent output kept to find the tail lines in


def _clip(line: str, limit: int) -> str:
    return line if len(line) <= limit else line[:limit] + "…"


class OutputBuffer:
    """Feed it raw chunks; `finish()` returns (head, tail, total_lines) with no overlap."""

    def __init__(self, head_lines: int = HEAD_LINES, tail_lines: int = TAIL_LINES,
                 max_line_chars: int = MAX_LINE_CHARS, tail_bytes: int = TAIL_BYTES) -> None:
        self.head_lines = head_lines
        self.tail_lines = tail_lines
        self.max_line_chars = max_line_chars
        self.tail_bytes = tail_bytes
        # A UTF-8 character takes at most 4 bytes: this many bytes always hold a clipped line's text.
        self._line_cap = 4 * max_line_chars + 4
        self._head: list[str] = []
        self._head_done = head_lines <= 0
        self._line = bytearray()  # the head line being collected (at most _line_cap bytes)
        self._tail: deque[bytes] = deque()
        self._tail_size = 0
        self._tail_starts_line = True  # the oldest kept byte starts a line
        self._newlines = 0
        self._last_byte = b""
        self._finished: tuple[list[str], list[str], int] | None = None

    @property
    def kept_bytes(self) -> int:
        """Bytes held in memory right now (bounded by the head and tail limits)."""
        return len(self._line) + self._tail_size

    def feed(self, chunk: bytes) -> None:
        if not chunk:
            return
        self._newlines += chunk.count(b"\n")
        self._last_byte = chunk[-1:]
        if not self._head_done:
            self._feed_head(chunk)
        self._tail.append(chunk)
        self._tail_size += len(chunk)
        # Drop old chunks while the rest still holds at least tail_bytes.
        while self._tail and self._tail_size - len(self._tail[0]) >= self.tail_bytes:
            old = self._tail.popleft()
            self._tail_size -= len(old)
            self._tail_starts_line = old[-1:] == b"\n"

    def _feed_head(self, chunk: bytes) -> None:
        # One iteration per head line: at most head_lines in the whole run.
        pos = 0
        while pos < len(chunk):
            newline = chunk.find(b"\n", pos)
            end = len(chunk) if newline < 0 else newline
            room = self._line_cap - len(self._line)
            if room > 0:
                self._line += chunk[pos:min(end, pos + room)]
            if newline < 0:
                return  # the line goes on in the next chunk
            self._head.append(self._text(self._line))
            self._line = bytearray()
            pos = newline + 1
            if len(self._head) >= self.head_lines:
                self._head_done = True
                return

    def _text(self, raw: bytes | bytearray) -> str:
        line = raw.decode("utf-8", "replace").removesuffix("\r")
        return _clip(line, self.max_line_chars)

    @property
    def total_lines(self) -> int:
        partial = 1 if self._last_byte and self._last_byte != b"\n" else 0
        return self._newlines + partial

    def finish(self) -> tuple[list[str], list[str], int]:
        """(head lines, tail lines, total lines); the lines between them were dropped."""
        if self._finished is not None:
            return self._finished
        total = self.total_lines
        if not self._head_done and len(self._head) < total:
            self._head.append(self._text(self._line))  # the last line had no newline
        self._head_done = True
        self._line = bytearray()
        head = self._head
        room = max(0, min(self.tail_lines, total - len(head)))
        tail: list[str] = []
        data = b"".join(self._tail)
        if room and data:
            end = len(data) - 1 if data.endswith(b"\n") else len(data)
            start, found = end, 0
            while found < room:
                cut = data.rfind(b"\n", 0, start)
                if cut < 0:
                    break
                start, found = cut, found + 1
            if found < room and self._tail_starts_line:
                start, found = -1, found + 1  # the kept bytes begin with a whole line
            if found:
                tail = [self._text(line) for line in data[start + 1:end].split(b"\n")]
        self._tail.clear()
        self._tail_size = 0
        self._finished = (head, tail, total)
        return self._finished
