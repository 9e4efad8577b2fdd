"""journal_append: one event appended at 10,000 events (p99) vs a plain write + fsync of one JSON line (p99);
journal_merge: two 10,000-event journals merged into the shared file, against a 0.5 s budget."""

from __future__ import annotations

import json
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from bench.harness import Result, p99

EVENTS = 10_000


def _journal_with_events(path: Path, user: str, count: int = EVENTS):
    from tui.journal import Journal

    journal = Journal(path, None, user, sync_on_write="off")
    incident = journal.new_incident(f"Refusal spike ({user})", severity="high")
    for i in range(count):
        journal.add_event(incident.id, "note", f"{user} checked dashboard panel {i}: refusal_rate 12.{i % 10}%")
    return journal, incident


def _append(quick: bool) -> Result:
    folder = Path(tempfile.mkdtemp(prefix="oncall-bench-journal-"))
    try:
        journal, incident = _journal_with_events(folder / "journal.json", "alice")
        line = json.dumps({"id": "x", "kind": "note", "text": "baseline line of about the same size " * 2}) + "\n"
        runs = 3 if quick else 5
        subject_p99, baseline_p99 = [], []
        with open(folder / "plain.jsonl", "a", encoding="utf-8") as plain:
            for _ in range(runs):
                s, b = [], []
                for i in range(200):  # one of each, in turn: both see the same disk at the same moment
                    t = time.perf_counter()
                    plain.write(line)
                    plain.flush()
                    os.fsync(plain.fileno())
                    b.append(time.perf_counter() - t)
                    t = time.perf_counter()
                    journal.add_event(incident.id, "note", f"appended note {i}")
                    s.append(time.perf_counter() - t)
                subject_p99.append(p99(s))
                baseline_p99.append(p99(b))
        journal.close()
        sm, bm = statistics.median(subject_p99), statistics.median(baseline_p99)
        return Result("journal_append", sm, bm, sm / bm, 3.0, runs, "p99 of 200 appends at 10,000 events")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _merge(quick: bool) -> Result:
    from tui.journal import Journal

    folder = Path(tempfile.mkdtemp(prefix="oncall-bench-journal-"))
    try:
        for user in ("alice", "bob"):
            journal, _ = _journal_with_events(folder / f"{user}.json", user)
            journal.close()
        runs = 3 if quick else 5
        samples = []
        for run in range(runs):
            work = folder / f"run{run}"
            (work / "share").mkdir(parents=True)
            for user in ("alice", "bob"):
                shutil.copy(folder / f"{user}.json", work / f"{user}.json")
            shared = work / "share" / "incident.jsonl"
            a = Journal(work / "alice.json", shared, "alice", sync_on_write="off")
            b = Journal(work / "bob.json", shared, "bob", sync_on_write="off")
            t = time.perf_counter()
            first, second = a.sync(), b.sync()
            samples.append(time.perf_counter() - t)
            assert first.ok and second.ok, (first.message, second.message)
            notes = sum(e.kind == "note" for inc in b.incidents() for e in b.events(inc.id))
            assert notes == 2 * EVENTS, f"bob sees {notes} notes after the merge, expected {2 * EVENTS}"
            a.close()
            b.close()
        median = statistics.median(samples)
        return Result("journal_merge", median, 0.5, median / 0.5, 1.0, runs,
                      "two 10,000-event journals into an empty shared file vs a 0.5 s budget")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def benchmark(name: str, quick: bool = False) -> Result:
    return {"journal_append": _append, "journal_merge": _merge}[name](quick)
