"""A command's full output on disk (`runs/*.log`): redacted like the journal, and capped in size.

Redaction runs on whole lines, so a credential split between two reads is still seen
whole: a partial line waits for its end, and an open private key block for its END
line, up to HOLD_MAX bytes. Once LOG_CAP bytes are written the rest is left out, and
the log says so: a line where it stops, and a last line with how much was left out.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import BinaryIO

LOG_CAP = 16 << 20  # bytes of output a run log keeps
HOLD_MAX = 64 << 10  # a line (or key block) longer than this is redacted in pieces
_BEGIN = b"-----BEGIN "
_END = b"-----END "


def _amount(size: int) -> str:
    """1,234 bytes, or 8.0 MiB (8,388,608 bytes)."""
    exact = f"{size:,} bytes"
    return f"{size / (1 << 20):.1f} MiB ({exact})" if size >= 1 << 20 else exact


def _cap(size: int) -> str:
    return f"{size >> 20} MiB" if size and size % (1 << 20) == 0 else f"{size:,} bytes"


class RunLog:
    """Write-only, for one run. Any OSError (disk full) closes and deletes the log: the run matters more."""

    def __init__(self, path: Path, file: BinaryIO, *, cap: int = LOG_CAP,
                 redact: Callable[[str], str] | None = None) -> None:
        self.path: Path | None = path
        self.cap = cap
        self.written = 0
        self.dropped = 0
        self._file: BinaryIO | None = file
        self._redact = redact
        self._held = b""  # a partial line, or an open private key block, waiting for its end
        self._capped = False
        self._lock = threading.Lock()  # writes run in a worker thread; close may come from the loop meanwhile

    @classmethod
    def open(cls, path: Path, *, secrets: Iterable[str] = (), cap: int = LOG_CAP) -> RunLog | None:
        """A new log at `path` (mode 0600, folder 0700), or None when it cannot be made."""
        from tui.journal.redact import redact

        literals = tuple(s for s in secrets if s)
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        except OSError:
            return None
        return cls(path, os.fdopen(fd, "wb"), cap=cap, redact=lambda text: redact(text, literals))

    @property
    def full(self) -> bool:
        """True once the cap is reached: what comes next is only counted."""
        return self.written >= self.cap

    def write(self, chunk: bytes) -> None:
        with self._lock:
            self._write(chunk)

    def _write(self, chunk: bytes) -> None:
        if self._file is None:
            return
        if self.written >= self.cap:
            self._drop(len(chunk))
            return
        data = self._held + chunk if self._held else chunk
        end = data.rfind(b"\n") + 1  # complete lines end here
        begin = data.rfind(_BEGIN, 0, end)
        if begin >= 0 and b"PRIVATE KEY" in data[begin:begin + 80] and data.find(_END, begin) < 0:
            end = data.rfind(b"\n", 0, begin) + 1  # a key block still open: wait for the rest of it
        if len(data) - end > HOLD_MAX:  # too long to wait for
            end = len(data)
        self._held = data[end:]
        if end:
            self._out(data[:end])

    def close(self) -> None:
        """Write what is pending and the note on what the cap left out, then close."""
        with self._lock:
            self._close()

    def _close(self) -> None:
        if self._file is None:
            return
        if self._held:
            self._out(self._held)
            self._held = b""
        if self.dropped:
            self._raw(f"--- oncall: {_amount(self.dropped)} of output were left out "
                      f"of this log after its cap of {_cap(self.cap)} ---\n".encode())
        if self._file is not None:
            try:
                self._file.close()
            except OSError:
                self.discard()
            self._file = None

    def discard(self) -> None:
        """Close and delete the log."""
        if self._file is not None:
            try:
                self._file.close()
            except OSError:
                pass
            self._file = None
        if self.path is not None:
            self.path.unlink(missing_ok=True)
            self.path = None

    def _out(self, data: bytes) -> None:
        if self.written >= self.cap:
            self._drop(len(data))
            return
        if self._redact is not None:
            data = self._redact(data.decode("utf-8", "surrogateescape")).encode("utf-8", "surrogateescape")
        room = self.cap - self.written
        if len(data) > room:
            cut = data.rfind(b"\n", 0, room) + 1  # whole lines up to the cap, so no secret is cut in half
            self._raw(data[:cut])
            self.written = self.cap
            self._drop(len(data) - cut)
            return
        self.written += len(data)
        self._raw(data)

    def _drop(self, size: int) -> None:
        if not self._capped:
            self._capped = True
            self._raw(f"--- oncall: this log stops at its cap of {_cap(self.cap)}; "
                      "the rest of the output is left out ---\n".encode())
        self.dropped += size

    def _raw(self, data: bytes) -> None:
        if self._file is None or not data:
            return
        try:
            self._file.write(data)
        except OSError:  # disk full: keep the run, lose the log
            self.discard()
