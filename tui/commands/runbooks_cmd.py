"""`oncall validate`, `list`, `print` and `schema`: the runbook library without the app."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from tui.config import Settings
from tui.errors import OncallError
from tui.runbook.library import load_library
from tui.text import json_text, plain_line


def run_validate(args: argparse.Namespace, settings: Settings) -> int:
    given = [Path(p) for p in args.paths]
    paths = given or list(settings.runbook_dirs)
    alone = bool(given) and all(p.is_file() for p in given)
    library = load_library(paths, jumps_are_errors=not alone)
    for missing in library.missing_dirs:
        print(f"{missing}: no such file or folder", file=sys.stderr)
    problems = [p for e in library.entries for p in e.problems]
    if args.rules:
        from tui.runbook.rules import uncovered_alerts

        problems += uncovered_alerts([Path(r) for r in args.rules], library)
    for problem in problems:
        print(problem)
    errors = sum(p.is_error for p in problems)
    count = len(library.entries)
    broken = len(library.broken)
    summary = f"{count} runbook{'s' if count != 1 else ''} checked, {broken} broken"
    if args.rules:
        summary += f", {sum(p.is_error and 'opens no runbook' in p.message for p in problems)} alerts without a runbook"
    print(summary, file=sys.stderr)
    if count == 0 and not args.rules:
        print("No runbook files (*.yaml) found; pass a file or folder.", file=sys.stderr)
        return 1
    return 1 if errors or library.missing_dirs else 0


def run_list(args: argparse.Namespace, settings: Settings) -> int:
    library = load_library(settings.runbook_dirs)
    rows = []
    for e in sorted(library.entries, key=lambda e: e.id):
        rb = e.runbook
        rows.append({"id": e.id, "title": rb.title if rb else "", "category": rb.category if rb else "",
                     "valid": e.ok, "error": e.first_error, "path": str(e.path)})
    if args.json:
        print(json_text(rows, indent=2))
        return 0
    rows = [{k: plain_line(v) if isinstance(v, str) else v for k, v in r.items()} for r in rows]  # one line each
    if not rows:
        dirs = ", ".join(str(d) for d in settings.runbook_dirs)
        print(f"No runbooks found in {dirs}; point --runbooks or ONCALL_RUNBOOKS at your runbook folder.",
              file=sys.stderr)
        return 1
    width = max(len(r["id"]) for r in rows)
    for r in rows:
        if r["valid"]:
            print(f"{r['id']:<{width}}  {r['category']:<17}  ok      {r['title']}")
        else:
            print(f"{r['id']:<{width}}  {'':<17}  BROKEN  {r['error']}")
    return 0


def run_print(args: argparse.Namespace, settings: Settings) -> int:
    from tui.runbook.markdown import runbook_markdown

    runbook = load_library(settings.runbook_dirs).get(args.id)
    sys.stdout.write(runbook_markdown(runbook))
    return 0


def run_schema(args: argparse.Namespace, settings: Settings) -> int:
    from tui.runbook.schema import runbook_schema

    print(json.dumps(runbook_schema(), indent=2))
    return 0


__all__ = ["run_validate", "run_list", "run_print", "run_schema", "OncallError"]
