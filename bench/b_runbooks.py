"""runbook_load: load + validate 1,000 runbooks vs libyaml alone; filter: one keystroke over 1,000."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import yaml

from bench.data import make_runbooks
from bench.harness import Benchmark, Result, p99


def _load_benchmark(quick: bool) -> Result:
    from tui.runbook.library import load_library

    folder = Path(tempfile.mkdtemp(prefix="oncall-bench-"))
    files = make_runbooks(folder)

    def subject() -> float:
        t = time.perf_counter()
        library = load_library([folder])
        elapsed = time.perf_counter() - t
        assert len(library.runbooks) == len(files), "every generated runbook must be valid"
        return elapsed

    def baseline() -> float:
        t = time.perf_counter()
        for f in files:
            yaml.load(f.read_text(), Loader=yaml.CSafeLoader)
        return time.perf_counter() - t

    return Benchmark("runbook_load", 1.5, subject, baseline).run(quick)


def _filter_benchmark(quick: bool) -> Result:
    from tui.runbook.library import load_library
    from tui.runbook.search import SearchIndex

    folder = Path(tempfile.mkdtemp(prefix="oncall-bench-"))
    make_runbooks(folder)
    index = SearchIndex.of_runbooks(load_library([folder]).runbooks.values())
    typed = ["refusal spike after prompt deploy", "gpu out of memory", "citations stale index", "latncy p95"]
    rounds = iter(range(10**6))

    def subject() -> float:
        samples = []
        for text in typed:
            text = f"{text} {next(rounds)}"  # a new query each round: no cached term from earlier rounds
            for i in range(1, len(text) + 1):
                t = time.perf_counter()
                index.search(text[:i])
                samples.append(time.perf_counter() - t)
        return p99(samples)

    return Benchmark("filter", 1.0, subject, budget_s=0.010, note="p99 per keystroke vs a 10 ms budget").run(quick)


def benchmark(name: str, quick: bool = False) -> Result:
    return {"runbook_load": _load_benchmark, "filter": _filter_benchmark}[name](quick)
