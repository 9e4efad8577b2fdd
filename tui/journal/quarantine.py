"""Entries refused by the journal's schema, set aside beside the local journal instead of merged or lost.

The quarantine is `<journal>.quarantine`, JSON lines, appended and fsynced:
    {"key": SHA256, "at": ISO TIME, "source": "shared" | "local", "kind": "event" | "incident" | "field",
     "reason": WHY, "entry": THE ENTRY AS READ}
Each entry is recorded once (by the hash of its content), however many sync
passes meet it again. The file stops growing at 64 MiB (`MAX_BYTES`): past that,
refused entries are still refused and counted, only no longer copied.
Nothing here is ever merged back automatically; a responder can read the file,
fix an entry and write it as a new note.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import threading
from pathlib import Path
from typing import Any

from tui.journal.clock import iso_utc

MAX_BYTES = 64 << 20
_encode = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=repr).encode


def entry_key(kind: str, entry: Any) -> str:
    return hashlib.sha256((kind + "\n" + _encode(entry)).encode()).hexdigest()


class Quarantine:
    """The refused entries of one local journal; thread-safe."""

    def __init__(self, journal_path: Path) -> None:
        self.path = journal_path.with_name(journal_path.name + ".quarantine")
        self._lock = threading.Lock()
        self._keys: set[str] | None = None  # read lazily: most journals never quarantine anything
        self.seen: dict[str, str] = {}  # key -> reason, for entries refused since this process started
        self.errors = 0  # entries that could not be copied (disk full, cap reached)

    def _known(self) -> set[str]:
        if self._keys is None:
            self._keys = set()
            try:
                with open(self.path, "rb") as fh:
                    for line in fh.read(MAX_BYTES).splitlines():
                        with contextlib.suppress(ValueError, AttributeError):
                            self._keys.add(json.loads(line)["key"])
            except (OSError, TypeError):
                pass
        return self._keys

    def add(self, source: str, kind: str, reason: str, entry: Any) -> bool:
        """Set `entry` aside (durable on return); False when it was already there."""
        key = entry_key(kind, entry)
        with self._lock:
            self.seen.setdefault(key, reason)
            known = self._known()
            if key in known:
                return False
            known.add(key)
            line = _encode({"key": key, "at": iso_utc(), "source": source, "kind": kind, "reason": reason,
                            "entry": entry}) + "\n"
            try:
                if self.path.exists() and self.path.stat().st_size + len(line) > MAX_BYTES:
                    raise OSError("the quarantine file is full")
                fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
                try:
                    os.write(fd, line.encode())
                    os.fsync(fd)
                finally:
                    os.close(fd)
            except OSError:
                self.errors += 1
            return True

    def notice(self) -> str | None:
        """One sentence about every entry refused since this process started, or None."""
        with self._lock:
            if not self.seen:
                return None
            n = len(self.seen)
            example = next(iter(self.seen.values()))
        entries = "entry" if n == 1 else "entries"
        where = f"set aside in {self.path}" if not self.errors else f"refused ({self.path} could not hold them all)"
        return (f"{n} journal {entries} did not fit the journal's format (e.g. {example}), so "
                f"{'it was' if n == 1 else 'they were'} {where} and not merged; your own entries are unaffected.")
