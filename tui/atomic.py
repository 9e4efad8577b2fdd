"""Durable file writes, the one way oncall replaces a file: it is either its old content or its new content,
never half of each, and the new content is on disk (fsync) when the call returns.

Used by the journal (its log's creation and compaction, the shared file), the report export (CLI and app)
and the runbook cache.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from pathlib import Path

TMP_SUFFIX = ".tmp"


_KINDS = ((stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISDIR, "a folder"), (stat.S_ISSOCK, "a socket"))


def not_a_file(mode: int) -> str | None:
    """What a path of this st_mode is when it is not a regular file ("a named pipe (FIFO)"), else None.

    Reading a FIFO blocks, reading /dev/zero never ends, and replacing a device node by a file breaks the
    system: every writer here checks this first.
    """
    if stat.S_ISREG(mode):
        return None
    return next((what for test, what in _KINDS if test(mode)), "not a regular file")


def fsync_dir(folder: Path) -> None:
    """Make a rename or a new file in `folder` survive a power cut (best effort where the FS refuses)."""
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):  # some network filesystems do not fsync folders
            os.fsync(fd)
    finally:
        os.close(fd)


def temp_name(path: Path) -> Path:
    """A temporary sibling of `path`: same folder (so os.replace is atomic), hidden, recognisable as ours."""
    return path.with_name(f".{path.name}.{os.getpid()}-{secrets.token_hex(4)}{TMP_SUFFIX}")


def stale_temps(path: Path) -> list[Path]:
    """Temporary siblings left by a writer that died before its rename."""
    try:
        return [p for p in path.parent.glob(f".{path.name}.*{TMP_SUFFIX}") if p.is_file()]
    except OSError:
        return []


def atomic_write(path: Path, data: bytes | str) -> None:
    """Replace `path` with `data` (str is written as UTF-8): temp file in the same folder, fsync, rename,
    fsync the folder. The new file keeps the old one's permission bits, so a shared file stays writable
    by the team. Raises OSError; the temp file never outlives a failure.
    """
    if isinstance(data, str):
        data = data.encode("utf-8")
    tmp = temp_name(path)
    try:
        mode = os.stat(path).st_mode & 0o7777
    except FileNotFoundError:
        mode = None
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        try:
            if mode is not None:
                with contextlib.suppress(OSError):
                    os.fchmod(fd, mode)
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    fsync_dir(path.parent)
