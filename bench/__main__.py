"""`python -m bench [--quick] [NAME...]`: every performance goal as a ratio, in one run."""

from __future__ import annotations

import argparse
import importlib
import sys
import traceback
from pathlib import Path

from bench.harness import Result, print_table, skipped, write_json

# module -> the benchmark names it provides, in the order of the table
MODULES = {
    "bench.b_runbooks": ["runbook_load", "filter"],
    "bench.b_startup": ["startup", "memory"],
    "bench.b_journal": ["journal_append", "journal_merge"],
    "bench.b_metrics": ["metrics_poll"],
    "bench.b_many_series": ["poll_many_series"],
    "bench.b_stream": ["stream", "key_latency"],
    "bench.b_sync": ["sync_latency", "big_incident"],
}
GOALS = {"runbook_load": 1.5, "startup": 1.5, "filter": 1.0, "journal_append": 3.0, "journal_merge": 1.0,
         "metrics_poll": 1.3, "poll_many_series": 1.0, "stream": 1.5, "key_latency": 1.0, "memory": 1.0,
         "sync_latency": 1.0, "big_incident": 1.0}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--quick", action="store_true", help="fewer runs, for a smoke check")
    parser.add_argument("names", nargs="*", help="only these benchmarks")
    args = parser.parse_args(argv)
    results: list[Result] = []
    for module_name, names in MODULES.items():
        wanted = [n for n in names if not args.names or n in args.names]
        if not wanted:
            continue
        try:
            module = importlib.import_module(module_name)
            for name in wanted:
                print(f"running {name} ...", file=sys.stderr, flush=True)
                try:
                    results.append(module.benchmark(name, quick=args.quick))
                except Exception as exc:  # one broken benchmark must not hide the others
                    traceback.print_exc()
                    results.append(skipped(name, GOALS[name], f"failed: {type(exc).__name__}: {exc}"))
        except ImportError as exc:
            results += [skipped(n, GOALS[n], f"not available: {exc}") for n in wanted]
    print_table(results)
    out = Path(__file__).parent / "results.json"
    write_json(results, out)
    print(f"wrote {out}", file=sys.stderr)
    return 0 if all(r.holds or r.skipped for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
