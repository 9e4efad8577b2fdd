"""Every drill scenario: the `drills/` folder of each runbook folder, checked against that library."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from tui.drill.scenario import Scenario
from tui.drill.validate import load_scenario_file
from tui.errors import OncallError
from tui.runbook.library import Library, load_library, runbook_files
from tui.runbook.problem import Problem

DRILLS_DIR = "drills"


@dataclass
class ScenarioEntry:
    path: Path
    scenario: Scenario | None
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.scenario is not None and not any(p.is_error for p in self.problems)

    @property
    def id(self) -> str:
        return self.scenario.id if self.scenario else self.path.stem

    @property
    def first_error(self) -> str | None:
        errors = [p for p in self.problems if p.is_error]
        return str(errors[0]) if errors else None


@dataclass
class Catalog:
    entries: list[ScenarioEntry]
    library: Library

    @property
    def scenarios(self) -> dict[str, Scenario]:
        return {e.scenario.id: e.scenario for e in self.entries if e.ok and e.scenario}

    @property
    def broken(self) -> list[ScenarioEntry]:
        return [e for e in self.entries if not e.ok]

    def get(self, scenario_id: str) -> Scenario:
        scenarios = self.scenarios
        if scenario_id in scenarios:
            return scenarios[scenario_id]
        for entry in self.broken:
            if entry.id == scenario_id:
                raise OncallError(f"Drill scenario {scenario_id} is broken ({entry.first_error}); fix the file.")
        close = difflib.get_close_matches(scenario_id, list(scenarios), n=1)
        hint = f" Did you mean {close[0]}?" if close else ""
        raise OncallError(f"No drill scenario {scenario_id!r};{hint} `oncall drill --list` shows them.")


def scenario_dirs(runbook_dirs: Iterable[Path]) -> list[Path]:
    return [Path(d) / DRILLS_DIR for d in runbook_dirs if (Path(d) / DRILLS_DIR).is_dir()]


def load_catalog(runbook_dirs: Iterable[Path], library: Library | None = None) -> Catalog:
    """Scenarios and the library they play on. A jump to a missing runbook is a warning here, not a break:
    a drill needs its own runbook whole, and the walker says so plainly if a missing one is jumped to."""
    dirs = [Path(d) for d in runbook_dirs]
    library = library if library is not None else load_library(dirs, jumps_are_errors=False)
    files, _ = runbook_files(scenario_dirs(dirs))
    runbooks = library.runbooks
    broken = {e.id: e.first_error or "" for e in library.broken}
    entries = []
    first: dict[str, ScenarioEntry] = {}
    for path in files:
        scenario, problems = load_scenario_file(path, runbooks, broken)
        entry = ScenarioEntry(path, scenario, problems)
        if scenario is not None and scenario.id in first:
            entry.problems.append(Problem(str(path), 1, 1, f"duplicate id {scenario.id!r}: "
                                                            f"{first[scenario.id].path} has it too; give each "
                                                            "scenario its own id"))
            entry.scenario = None
        elif scenario is not None:
            first[scenario.id] = entry
        entries.append(entry)
    return Catalog(entries, library)
