"""Reading a runbook (or drill, or rules) file that may be anything: a FIFO, a device, a folder, a link
loop, a dangling link, an unreadable or huge file. Each becomes a Problem naming the path; nothing
blocks, nothing reads without bound. No YAML here, so the library can use it before YAML is imported."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from tui.runbook.problem import Problem

MAX_BYTES = 2**20  # 1 MiB: a runbook is a few kB; anything bigger is some other file, not worth parsing


def read_text(path: Path) -> tuple[str | None, list[Problem]]:
    """The file's text, or why it is not a runbook file. A FIFO, device or folder named *.yaml is never
    opened (a FIFO would block, /dev/zero never ends), and no more than MAX_BYTES are read."""
    where = str(path)
    try:
        mode = os.stat(path).st_mode
        if not stat.S_ISREG(mode):
            return None, [Problem(where, 1, 1, _not_a_file(path, mode))]
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)  # no blocking if it became a FIFO since
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):  # it changed between the two looks
                return None, [Problem(where, 1, 1, _not_a_file(path, st.st_mode))]
            os.set_blocking(fd, True)
            data = b"" if st.st_size > MAX_BYTES else _read_at_most(fd, MAX_BYTES + 1)  # it may grow meanwhile
        finally:
            os.close(fd)
    except OSError as exc:
        return None, [Problem(where, 1, 1, path_error(path, exc, "file"))]
    if st.st_size > MAX_BYTES or len(data) > MAX_BYTES:
        return None, [Problem(where, 1, 1, f"the file is over {MAX_BYTES // 2**20} MiB, too big for a runbook "
                                           "(they are a few kB); move it out of the runbook folder")]
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError as exc:
        return None, [Problem(where, 1, 1, f"not UTF-8 text (byte {exc.start}); save the file as UTF-8")]


def _read_at_most(fd: int, limit: int) -> bytes:
    chunks, size = [], 0
    while size < limit and (chunk := os.read(fd, min(1 << 16, limit - size))):
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def _not_a_file(path: Path, mode: int) -> str:
    kind = ("a folder" if stat.S_ISDIR(mode) else "a FIFO (named pipe)" if stat.S_ISFIFO(mode)
            else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "a socket" if stat.S_ISSOCK(mode)
            else "not a regular file")
    return f"{path.name} is {kind}, not a runbook file; remove it or rename it so it does not end in .yaml"


def path_error(path: Path, exc: OSError, what: str) -> str:
    """Why a runbook file or folder cannot be read, and what to do, in one sentence."""
    if exc.errno == errno.ELOOP:
        return f"the {what} is a symbolic link loop (it leads back to itself); fix or remove the link"
    if exc.errno == errno.ENOENT and os.path.islink(path):
        return f"the {what} is a link to {os.readlink(path)}, which does not exist; fix or remove the link"
    if exc.errno in (errno.EACCES, errno.EPERM):
        mode = "a+r" if what == "file" else "a+rx"
        return f"cannot read the {what}: permission denied; let your user read it (chmod {mode})"
    return f"cannot read the {what}: {exc.strerror or exc}"
