"""Run subject and baseline interleaved, pair by pair, and report medians and their ratio.

Timings on shared machines drift from minute to minute; a ratio of medians taken
from interleaved pairs holds where absolute times do not.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

Timer = Callable[[], float]  # runs once and returns the seconds the measured part took


@dataclass
class Result:
    name: str
    subject_s: float
    baseline_s: float
    ratio: float
    goal: float
    runs: int
    note: str = ""
    skipped: bool = False

    @property
    def holds(self) -> bool:
        return not self.skipped and self.ratio <= self.goal


@dataclass
class Benchmark:
    name: str
    goal: float
    subject: Timer
    baseline: Timer | None = None  # None: the baseline is the fixed budget `budget_s`
    budget_s: float | None = None
    runs: int = 5
    quick_runs: int = 3
    setup: Callable[[], None] | None = None
    teardown: Callable[[], None] | None = None
    note: str = ""

    def run(self, quick: bool = False) -> Result:
        runs = self.quick_runs if quick else self.runs
        if self.setup:
            self.setup()
        try:
            subject, baseline = [], []
            for _ in range(runs):
                if self.baseline is not None:
                    baseline.append(self.baseline())
                subject.append(self.subject())
        finally:
            if self.teardown:
                self.teardown()
        s = statistics.median(subject)
        b = statistics.median(baseline) if baseline else float(self.budget_s or 0)
        return Result(self.name, s, b, s / b if b else float("inf"), self.goal, runs, self.note)


def skipped(name: str, goal: float, why: str) -> Result:
    return Result(name, 0.0, 0.0, 0.0, goal, 0, why, skipped=True)


def p99(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]


def print_table(results: list[Result]) -> None:
    print(f"{'name':<16} {'subject':>10} {'baseline':>10} {'ratio':>7} {'goal':>6}  holds")
    for r in results:
        if r.skipped:
            print(f"{r.name:<16} {'-':>10} {'-':>10} {'-':>7} {r.goal:>6.2f}  skipped: {r.note}")
            continue
        mark = "yes" if r.holds else "NO"
        note = f"  ({r.note})" if r.note else ""
        print(f"{r.name:<16} {r.subject_s * 1000:>8.1f}ms {r.baseline_s * 1000:>8.1f}ms {r.ratio:>7.2f} "
              f"{r.goal:>6.2f}  {mark}{note}")


def write_json(results: list[Result], path: Path) -> None:
    rows = [asdict(r) for r in results]
    path.write_text(json.dumps(rows, indent=2) + "\n")
