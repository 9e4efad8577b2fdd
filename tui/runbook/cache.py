"""A cache of validated runbook files, so a start-up with 1,000 runbooks does not re-parse them all.

Each file's record (built by the library: a small summary, the runbook pickled on its
own, the problems) is kept with the file's size and mtime; a changed file, or a change
to the validator's own code, is validated again. The cache is a pickle in the user's
own cache folder (`$XDG_CACHE_HOME/oncall`), written atomically; anything wrong with
it only means a slower start. This module knows nothing of runbooks, so reading it
imports neither the YAML loader nor the model.
"""

from __future__ import annotations

import hashlib
import pickle
from pathlib import Path
from typing import Any

_CODE = Path(__file__).parent
KEEP_FILES = 16  # cache files kept in the folder (two per set of runbook folders): the most recently written


def cache_dir(env: dict[str, str] | None = None) -> Path:
    from tui.config import cache_dir as user_cache_dir

    return user_cache_dir(env)


Stamp = tuple[str, tuple[tuple[str, int], ...]]  # the version, and each code file's name and mtime


def _code_stamp() -> Stamp:
    """Changes whenever the code that validates, pickles or summarises runbooks changes."""
    from tui import __version__

    return (__version__, tuple(sorted((p.name, p.stat().st_mtime_ns) for p in _CODE.glob("*.py"))))


class RunbookCache:
    """One cache file per set of runbook folders; it holds only the files seen in the last load.

    Files are named by a key (their resolved path) and stamped with (mtime_ns, size); a record
    is whatever the library put there, returned as it was put.
    """

    def __init__(self, folder: Path, sources: tuple[str, ...] = ()) -> None:
        digest = hashlib.sha1("\0".join(sources).encode()).hexdigest()[:12]
        self.path = folder / f"runbooks-{digest}.pickle"
        self.index = IndexFile(folder / f"index-{digest}.pickle", _code_stamp())
        self._stamp = self.index.stamp
        self._files: dict[str, tuple[int, int, Any]] = {}
        self._seen: set[str] = set()
        self._dirty = False
        try:
            with self.path.open("rb") as f:
                data = pickle.load(f)
            if isinstance(data, dict) and data.get("stamp") == self._stamp:
                self._files = data["files"]
        except Exception:  # missing, truncated, from another version: start empty
            self._files = {}

    def get(self, key: str, mtime_ns: int, size: int) -> Any | None:
        self._seen.add(key)
        hit = self._files.get(key)
        if hit is None or hit[0] != mtime_ns or hit[1] != size:
            return None
        return hit[2]

    def put(self, key: str, mtime_ns: int, size: int, record: Any) -> None:
        self._seen.add(key)
        self._files[key] = (mtime_ns, size, record)
        self._dirty = True

    def save(self) -> None:
        gone = set(self._files) - self._seen  # deleted or moved files: a cache only ever holds this library
        for key in gone:
            del self._files[key]
        if not self._dirty and not gone:
            return
        if _write(self.path, {"stamp": self._stamp, "files": self._files}):
            self._dirty = False


class IndexFile:
    """The search index built over one library's documents, kept for the next start with those same
    documents (named by a digest of their text): loading it is a third of building it."""

    def __init__(self, path: Path, stamp: Stamp) -> None:
        self.path = path
        self.stamp = stamp

    def load(self, digest: str) -> Any | None:
        try:
            with self.path.open("rb") as f:
                data = pickle.load(f)
            if isinstance(data, dict) and data.get("stamp") == self.stamp and data.get("digest") == digest:
                return pickle.loads(data["index"])
        except Exception:  # missing, truncated, from another version: build it again
            pass
        return None

    def save(self, digest: str, index: Any) -> None:
        _write(self.path, {"stamp": self.stamp, "digest": digest,
                           "index": pickle.dumps(index, protocol=pickle.HIGHEST_PROTOCOL)})


def _write(path: Path, data: Any) -> bool:
    """Atomically (a reader sees the old file or the new one); False if it could not be written."""
    from tui.atomic import atomic_write

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL))
    except OSError:
        return False
    _prune(path.parent)
    return True


def _prune(folder: Path) -> None:
    """Only the most recently written files: every new set of runbook folders (a temporary one in a test
    or a benchmark) has its own files, which would otherwise pile up."""
    try:
        files = sorted((p.stat().st_mtime_ns, p) for p in folder.glob("*.pickle")
                       if p.name.startswith(("runbooks-", "index-")))
        for _, old in files[:-KEEP_FILES]:
            old.unlink(missing_ok=True)
    except OSError:
        pass
