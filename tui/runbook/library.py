"""The runbook library: every runbook from several folders, broken ones kept with their problems."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from tui.errors import OncallError
from tui.runbook.loader import Problem
from tui.runbook.model import Runbook
from tui.runbook.validate import load_runbook_file

SUFFIXES = (".yaml", ".yml")


@dataclass
class Entry:
    """One runbook file: its runbook when valid, and everything found wrong with it."""

    path: Path
    runbook: Runbook | None
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def ok(self) -> bool:
        return self.runbook is not None and not self.errors

    @property
    def id(self) -> str:
        return self.runbook.id if self.runbook else self.path.stem

    @property
    def first_error(self) -> str | None:
        return str(self.errors[0]) if self.errors else None


@dataclass
class Library:
    entries: list[Entry]
    missing_dirs: list[Path] = field(default_factory=list)

    @property
    def runbooks(self) -> dict[str, Runbook]:
        return {e.runbook.id: e.runbook for e in self.entries if e.ok and e.runbook}

    @property
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
        close = difflib.get_close_matches(runbook_id, list(runbooks), n=1)
        hint = f" Did you mean {close[0]}?" if close else ""
        raise OncallError(f"No runbook {runbook_id!r};{hint} `oncall list` shows them.")

    def for_alert(self, labels: dict[str, str]) -> list[Runbook]:
        """Runbooks whose `alerts:` match these alert labels."""
        return [rb for rb in self.runbooks.values() if any(a.matches(labels) for a in rb.alerts)]


def runbook_files(paths: Iterable[Path]) -> tuple[list[Path], list[Path]]:
    """YAML files named directly or found at the top of each folder, and paths that do not exist."""
    files, missing = [], []
    for path in paths:
        if path.is_dir():
            files += sorted(p for p in path.iterdir() if p.suffix in SUFFIXES and p.is_file())
        elif path.is_file():
            files.append(path)
        else:
            missing.append(path)
    return files, missing


def load_library(paths: Iterable[Path], *, jumps_are_errors: bool = True,
                 context: Iterable[Runbook] = (), cache: Path | None = None) -> Library:
    """Every runbook file in `paths`; with `cache` (a folder), unchanged files are not parsed again."""
    paths = [Path(p) for p in paths]
    files, missing = runbook_files(paths)
    store = None
    if cache is not None:
        from tui.runbook.cache import RunbookCache

        store = RunbookCache(cache, tuple(str(Path(p).resolve()) for p in paths))
    entries = []
    for f in files:
        result = store.get(f) if store else None
        if result is None:
            result = load_runbook_file(f)
            if store:
                store.put(f, result)
        entries.append(Entry(f, result[0], list(result[1])))
    if store:
        store.save()
    _check_library(entries, jumps_are_errors, {rb.id for rb in context})
    return Library(entries, missing)


def _check_library(entries: list[Entry], jumps_are_errors: bool, known: set[str]) -> None:
    """Checks that need every runbook: duplicate ids and runbook:ID jumps."""
    first: dict[str, Entry] = {}
    for entry in entries:
        rb = entry.runbook
        if rb is None:
            continue
        if rb.id in first:
            other = first[rb.id]
            entry.problems.append(Problem(str(entry.path), 1, 1, f"duplicate id {rb.id!r}: {other.path} has it too; "
                                                                 "give each runbook its own id"))
            entry.runbook = None
        else:
            first[rb.id] = entry
    ids = set(first) | known
    for entry in entries:
        rb = entry.runbook
        if rb is None:
            continue
        for target in sorted(rb.jumps() - ids):
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
