"""A cache of validated runbook files, so a start-up with 1,000 runbooks does not re-parse them all.

Each file's result (its runbook, or its problems) is kept with the file's size and
mtime; a changed file, or a change to the validator's own code, is validated again.
The cache is a pickle in the user's own cache folder (`$XDG_CACHE_HOME/oncall`),
written atomically; anything wrong with it only means a slower start.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from pathlib import Path

from tui.runbook.loader import Problem
from tui.runbook.model import Runbook

FileResult = tuple[Runbook | None, list[Problem]]
_CODE = Path(__file__).parent


def cache_dir(env: dict[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    base = env.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "oncall"


def _code_stamp() -> tuple:
    """Changes whenever the code that validates runbooks changes."""
    from tui import __version__

    return (__version__, tuple(sorted((p.name, p.stat().st_mtime_ns) for p in _CODE.glob("*.py"))))


class RunbookCache:
    """One cache file per set of runbook folders; it holds only the files seen in the last load."""

    def __init__(self, folder: Path, sources: tuple[str, ...] = ()) -> None:
        digest = hashlib.sha1("\0".join(sources).encode()).hexdigest()[:12]
        self.path = folder / f"runbooks-{digest}.pickle"
        self._stamp = _code_stamp()
        self._files: dict[str, tuple[int, int, FileResult]] = {}
        self._seen: set[str] = set()
        self._dirty = False
        try:
            with self.path.open("rb") as f:
                data = pickle.load(f)
            if isinstance(data, dict) and data.get("stamp") == self._stamp:
                self._files = data["files"]
        except Exception:  # missing, truncated, from another version: start empty
            self._files = {}

    @staticmethod
    def _key(path: Path) -> tuple[str, int, int] | None:
        try:
            st = path.stat()
        except OSError:
            return None
        return str(path.resolve()), st.st_mtime_ns, st.st_size

    def get(self, path: Path) -> FileResult | None:
        key = self._key(path)
        if key is None:
            return None
        self._seen.add(key[0])
        hit = self._files.get(key[0])
        if hit is None or hit[:2] != key[1:]:
            return None
        runbook, problems = hit[2]
        return runbook, list(problems)

    def put(self, path: Path, result: FileResult) -> None:
        key = self._key(path)
        if key is not None:
            self._seen.add(key[0])
            self._files[key[0]] = (key[1], key[2], (result[0], list(result[1])))
            self._dirty = True

    def save(self) -> None:
        gone = set(self._files) - self._seen  # deleted or moved files: a cache only ever holds this library
        for path in gone:
            del self._files[path]
        if not self._dirty and not gone:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".runbooks-", suffix=".tmp")
            with os.fdopen(fd, "wb") as f:
                pickle.dump({"stamp": self._stamp, "files": self._files}, f, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, self.path)
            self._dirty = False
        except OSError:
            try:
                os.unlink(tmp)
            except (OSError, UnboundLocalError):
                pass
