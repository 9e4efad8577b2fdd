"""The runbook library: every runbook from several folders, broken ones kept with their problems.

With a cache, an unchanged file costs a stat and a small summary (what the list and the
library checks need); its `Runbook` is unpickled only when something asks for it (opening
it, linking an alert), and the validator (and YAML) are imported only for a changed file.
"""

from __future__ import annotations

import errno
import os
import pickle
import stat
import threading
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tui.errors import OncallError
from tui.runbook.problem import Problem
from tui.runbook.readfile import path_error

if TYPE_CHECKING:
    from tui.runbook.cache import IndexFile
    from tui.runbook.model import Runbook
    from tui.runbook.search import Doc, SearchIndex

SUFFIXES = (".yaml", ".yml")
_UNPICKLE = threading.Lock()  # the UI and a background thread may both ask for one runbook: build it once


@dataclass(frozen=True)
class Summary:
    """What the list and the library checks need from a valid runbook, without building it."""

    id: str
    title: str
    category: str
    severity_hint: str
    summary: str
    symptoms: tuple[str, ...]
    jumps: tuple[str, ...]  # runbook ids this one jumps into

    @classmethod
    def of(cls, rb: Runbook) -> Summary:
        return cls(rb.id, rb.title, rb.category, rb.severity_hint, rb.summary, tuple(rb.symptoms),
                   tuple(sorted(rb.jumps())))


class Entry:
    """One runbook file: its runbook when valid, and everything found wrong with it.

    From the cache, the runbook is kept pickled until `runbook` is first read.
    """

    def __init__(self, path: Path, runbook: Runbook | None, problems: Iterable[Problem] = (), *,
                 summary: Summary | None = None, pickled: bytes | None = None,
                 doc: tuple[str, str, str] | None = None) -> None:
        self.path = path
        self.problems: list[Problem] = list(problems)
        self._runbook = runbook
        self._pickled = pickled if runbook is None else None
        self.summary = summary if summary is not None or runbook is None else Summary.of(runbook)
        self._doc = doc  # the search index's (title, meta, body), when the cache has it

    def __repr__(self) -> str:
        return f"Entry({str(self.path)!r}, ok={self.ok}, problems={len(self.problems)})"

    @property
    def runbook(self) -> Runbook | None:
        if self._runbook is None and self._pickled is not None:
            with _UNPICKLE:
                if self._runbook is None and self._pickled is not None:
                    self._runbook = pickle.loads(self._pickled)
                    self._pickled = None
        return self._runbook

    @runbook.setter
    def runbook(self, runbook: Runbook | None) -> None:
        self._runbook, self._pickled, self._doc = runbook, None, None
        self.summary = Summary.of(runbook) if runbook is not None else None

    @property
    def has_runbook(self) -> bool:
        return self._runbook is not None or self._pickled is not None

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def ok(self) -> bool:
        return self.has_runbook and not any(p.is_error for p in self.problems)

    @property
    def id(self) -> str:
        return self.summary.id if self.summary else self.path.stem

    @property
    def first_error(self) -> str | None:
        errors = self.errors
        return str(errors[0]) if errors else None

    def search_doc(self) -> Doc:
        from tui.runbook.search import Doc, runbook_doc

        if self._doc is not None and self.summary is not None:
            return Doc(self.summary.id, *self._doc)
        runbook = self.runbook
        if runbook is None:  # callers ask only valid entries
            raise ValueError(f"{self.path}: no valid runbook to index")
        return runbook_doc(runbook)


class RunbookMap(Mapping[str, "Runbook"]):
    """Valid runbooks by id, in library order; each is unpickled only when it is looked up."""

    def __init__(self, entries: dict[str, Entry]) -> None:
        self._entries = entries

    def __getitem__(self, runbook_id: str) -> Runbook:
        runbook = self._entries[runbook_id].runbook
        assert runbook is not None  # only valid entries are here
        return runbook

    def __contains__(self, runbook_id: object) -> bool:
        return runbook_id in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"RunbookMap({list(self._entries)!r})"


@dataclass
class Library:
    """Entries are fixed once loaded: the views below are computed once."""

    entries: list[Entry]
    missing_dirs: list[Path] = field(default_factory=list)
    index_file: IndexFile | None = field(default=None, repr=False, compare=False)  # with a cache

    @cached_property
    def valid(self) -> dict[str, Entry]:
        """The entry of each valid runbook, by id (summaries only: nothing is unpickled)."""
        return {e.id: e for e in self.entries if e.ok}

    @cached_property
    def runbooks(self) -> Mapping[str, Runbook]:
        return RunbookMap(self.valid)

    @cached_property
    def broken(self) -> list[Entry]:
        return [e for e in self.entries if not e.ok]

    def get(self, runbook_id: str) -> Runbook:
        runbooks = self.runbooks
        if runbook_id in runbooks:
            return runbooks[runbook_id]
        for entry in self.broken:
            if entry.id == runbook_id:
                raise OncallError(f"Runbook {runbook_id} is broken ({entry.first_error}); "
                                  f"run `oncall validate {entry.path}` and fix it.")
        import difflib

        close = difflib.get_close_matches(runbook_id, list(runbooks), n=1)
        hint = f" Did you mean {close[0]}?" if close else ""
        raise OncallError(f"No runbook {runbook_id!r};{hint} `oncall list` shows them.")

    def search_docs(self) -> list[Doc]:
        """What the search index needs of each valid runbook, from the cache when it has it."""
        return [e.search_doc() for e in self.valid.values()]

    def search_index(self, extra: Iterable[Doc] = ()) -> SearchIndex:
        """The search index over the valid runbooks and `extra` (broken files, say); with a cache, the one
        saved the last time these same documents were indexed."""
        from tui.runbook.search import SearchIndex

        docs = [*self.search_docs(), *extra]
        if self.index_file is None:
            return SearchIndex(docs)
        digest = _digest(docs)
        index = self.index_file.load(digest)
        if not isinstance(index, SearchIndex):
            index = SearchIndex(docs)
            self.index_file.save(digest, index)
        return index


def _digest(docs: list[Doc]) -> str:
    import hashlib

    h = hashlib.sha1()
    for d in docs:
        h.update("\x1f".join((d.key, d.title, d.meta, d.body, "\x1e")).encode())
    return h.hexdigest()


def _suffix(name: str) -> str:
    i = name.rfind(".")  # the rule of Path.suffix: a leading dot alone is not a suffix
    return name[i:] if 0 < i < len(name) - 1 else ""


def _scan(paths: Iterable[Path]) -> tuple[list[tuple[Path, str]], list[Path], list[Entry]]:
    """(file, cache key) for the YAML files named directly or found at the top of each folder, the paths
    that do not exist, and an entry with its problem for each path that cannot be used (a link loop, a
    dangling link, a folder that cannot be read). A folder is resolved once, not each of its files.

    Every *.yaml name in a folder is a file here, whatever it is: reading it says what is wrong with a
    folder, FIFO or device of that name, a link loop or a dangling link (tui.runbook.readfile)."""
    files: list[tuple[Path, str]] = []
    missing: list[Path] = []
    unusable: list[Entry] = []
    for path in paths:
        try:
            is_dir = stat.S_ISDIR(os.stat(path).st_mode)
        except OSError as exc:
            if exc.errno == errno.ENOENT and not os.path.islink(path):
                missing.append(path)
            else:
                unusable.append(Entry(path, None, [Problem(str(path), 1, 1, path_error(path, exc, "runbook path"))]))
            continue
        if not is_dir:
            files.append((path, str(path.resolve())))
            continue
        try:
            with os.scandir(path) as it:
                names = sorted(d.name for d in it if _suffix(d.name) in SUFFIXES)
        except OSError as exc:
            unusable.append(Entry(path, None, [Problem(str(path), 1, 1, path_error(path, exc, "folder"))]))
            continue
        folder = os.path.realpath(path)
        files += [(path / name, os.path.join(folder, name)) for name in names]
    return files, missing, unusable


def runbook_files(paths: Iterable[Path]) -> tuple[list[Path], list[Path]]:
    """YAML files named directly or found at the top of each folder, and paths that do not exist
    (a path that cannot be used at all counts as missing here)."""
    files, missing, unusable = _scan(Path(p) for p in paths)
    return [f for f, _ in files], missing + [e.path for e in unusable]


def _validate(path: Path) -> tuple[Runbook | None, list[Problem]]:
    from tui.runbook.validate import load_runbook_file  # imports YAML: only for a file the cache lacks

    runbook, problems = load_runbook_file(path)
    return runbook, list(problems)


def _record(entry: Entry) -> tuple[Any, ...]:
    """What the cache keeps of a freshly validated file."""
    rb = entry.runbook
    if rb is None:
        return (None, None, None, list(entry.problems))
    doc = entry.search_doc()
    return (entry.summary, pickle.dumps(rb, protocol=pickle.HIGHEST_PROTOCOL), (doc.title, doc.meta, doc.body),
            list(entry.problems))


def load_library(paths: Iterable[Path], *, jumps_are_errors: bool = True,
                 context: Iterable[Runbook] = (), cache: Path | None = None) -> Library:
    """Every runbook file in `paths`; with `cache` (a folder), unchanged files are not parsed again."""
    paths = [Path(p) for p in paths]
    files, missing, entries = _scan(paths)
    store = None
    if cache is not None:
        from tui.runbook.cache import RunbookCache

        store = RunbookCache(cache, tuple(os.path.realpath(p) for p in paths))
    for path, key in files:
        if store is None:  # nothing to compare a stat with
            entries.append(Entry(path, *_validate(path)))
            continue
        try:
            st = os.stat(key)
        except OSError:  # gone since the scan: the validator says so
            entries.append(Entry(path, *_validate(path)))
            continue
        record = store.get(key, st.st_mtime_ns, st.st_size)
        if record is not None:
            summary, pickled, doc, problems = record
            entry = Entry(path, None, problems, summary=summary, pickled=pickled, doc=doc)
        else:
            entry = Entry(path, *_validate(path))
            store.put(key, st.st_mtime_ns, st.st_size, _record(entry))
        entries.append(entry)
    if store:
        store.save()
    _check_library(entries, jumps_are_errors, {rb.id for rb in context})
    return Library(entries, missing, store.index if store else None)


def _check_library(entries: list[Entry], jumps_are_errors: bool, known: set[str]) -> None:
    """Checks that need every runbook: duplicate ids and runbook:ID jumps (from summaries)."""
    first: dict[str, Entry] = {}
    for entry in entries:
        if not entry.has_runbook or entry.summary is None:
            continue
        rid = entry.summary.id
        if rid in first:
            other = first[rid]
            entry.problems.append(Problem(str(entry.path), 1, 1, f"duplicate id {rid!r}: {other.path} has it too; "
                                                                 "give each runbook its own id"))
            entry.runbook = None
        else:
            first[rid] = entry
    ids = set(first) | known
    for entry in entries:
        if not entry.has_runbook or entry.summary is None:
            continue
        for target in sorted(set(entry.summary.jumps) - ids):
            import difflib  # only for a jump that goes nowhere

            close = difflib.get_close_matches(target, list(ids), n=1)
            hint = f"; did you mean {close[0]}?" if close else "; add that runbook to the library or fix the id"
            severity = "error" if jumps_are_errors else "warning"
            entry.problems.append(Problem(str(entry.path), *_jump_position(entry.path, target),
                                          f"runbook:{target} jumps to a runbook that is not in the library{hint}",
                                          severity))
        entry.problems.sort(key=lambda p: (p.line, p.col))
        if jumps_are_errors and entry.errors:
            entry.runbook = None


def _jump_position(path: Path, target: str) -> tuple[int, int]:
    """Where the jump is written (found by text: positions of valid runbooks are not kept)."""
    try:
        for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            col = line.split("#", 1)[0].find(f"runbook:{target}")
            if col >= 0:
                return i, col + 1
    except OSError:
        pass
    return 1, 1
