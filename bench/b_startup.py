"""startup: process start to first interactive screen (bundled library + 1,000 runbooks) vs a bare
Textual app; memory: peak RSS with 1,000 runbooks and a 10,000-event incident open vs 150 MB."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.data import make_runbooks
from bench.harness import Benchmark, Result

BUNDLED = Path(__file__).parent.parent / "runbooks"


# A start as a user has it: Python writes the bytecode of oncall's modules at the first start and reads it
# after. With PYTHONDONTWRITEBYTECODE set (some sandboxes and CI images set it) every start would compile
# oncall's ~40 start-up modules from source while the bare app's Textual comes compiled by pip: a cost no
# installed oncall pays, on one side of the ratio only.
_PROBE_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def _probe(*args: str) -> dict:
    t = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "bench.startup_probe", *args], capture_output=True, text=True,
                         timeout=120, cwd=Path(__file__).parent.parent, env=_PROBE_ENV)
    wall = time.perf_counter() - t
    if out.returncode != 0 or not out.stdout.strip():
        raise RuntimeError(f"startup probe failed: {out.stderr.strip()[-500:]}")
    line = json.loads(out.stdout.strip().splitlines()[-1])
    line["wall_s"] = wall
    return line


def _startup(quick: bool) -> Result:
    folder = Path(tempfile.mkdtemp(prefix="oncall-bench-startup-"))
    try:
        make_runbooks(folder / "extra")
        journal = str(folder / "journal.json")
        args = ["oncall", str(BUNDLED), str(folder / "extra"), "--journal", journal]
        _probe(*args)  # the first start validates and caches the library; later starts are the ones people wait for
        return Benchmark("startup", 1.5, lambda: _probe(*args)["wall_s"], lambda: _probe("bare")["wall_s"],
                         runs=5, quick_runs=3, note="wall time from process start to the first screen").run(quick)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _memory(quick: bool) -> Result:
    from bench.b_journal import _journal_with_events

    folder = Path(tempfile.mkdtemp(prefix="oncall-bench-memory-"))
    try:
        make_runbooks(folder / "extra")
        journal, _ = _journal_with_events(folder / "journal.json", "alice")
        journal.close()
        args = ["oncall", str(BUNDLED), str(folder / "extra"), "--journal", str(folder / "journal.json"),
                "--runbook", "llm-false-refusals"]
        peaks = [_probe(*args)["peak_rss_mb"] for _ in range(1 if quick else 3)]
        peak = max(peaks)
        return Result("memory", peak / 1000, 0.150, peak / 150, 1.0, len(peaks),
                      f"peak RSS {peak:.0f} MB vs 150 MB (shown in the table as seconds: MB/1000)")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def benchmark(name: str, quick: bool = False) -> Result:
    return {"startup": _startup, "memory": _memory}[name](quick)
