"""`oncall validate`, `list`, `print` and `schema`: the runbook library without the app."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from tui.config import Settings
from tui.errors import OncallError
from tui.runbook.library import Library, load_library
from tui.runbook.problem import Problem
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


def run_lint(args: argparse.Namespace, settings: Settings) -> int:
    """`validate` plus policy (tui.runbook.lint): every finding as file:line:col, exit 1 when any."""
    from datetime import UTC, date, datetime

    from tui.runbook.lint import lint_file
    from tui.runbook.rules import uncovered_alerts

    given = [Path(p) for p in args.paths]
    paths = given or list(settings.runbook_dirs)
    try:
        today = date.fromisoformat(args.today) if args.today else datetime.now(UTC).date()
    except ValueError:
        print(f"--today {args.today!r} is not a date; write it as YYYY-MM-DD.", file=sys.stderr)
        return 2
    library = load_library(paths, jumps_are_errors=not (given and all(p.is_file() for p in given)))
    for missing in library.missing_dirs:
        print(f"{missing}: no such file or folder", file=sys.stderr)
    problems: list[Problem] = [p for e in library.entries for p in e.problems]
    for entry in library.entries:
        problems += lint_file(entry.path, today)
    if args.require_drills:
        problems += _undrilled(paths, library)
    if args.rules:
        problems += uncovered_alerts([Path(r) for r in args.rules], library)
    for problem in problems:
        print(_github(problem) if args.format == "github" else problem)
    count = len(library.entries)
    print(f"{count} runbook{'s' if count != 1 else ''} linted, {len(problems)} finding"
          f"{'s' if len(problems) != 1 else ''}", file=sys.stderr)
    if count == 0 and not args.rules:
        print("No runbook files (*.yaml) found; pass a file or folder.", file=sys.stderr)
        return 1
    return 1 if problems or library.missing_dirs else 0


def _undrilled(paths: list[Path], library: Library) -> list[Problem]:
    """A finding on each valid runbook that no drill scenario plays (the drills/ folders beside the runbooks)."""
    from tui.drill.catalog import load_catalog

    folders = [p if p.is_dir() else p.parent for p in paths]
    catalog = load_catalog(folders, library)
    drilled = {s.runbook for s in catalog.scenarios.values()}
    found = []
    for entry in library.entries:
        if entry.runbook is not None and entry.id not in drilled:
            found.append(Problem(str(entry.path), 1, 1, f"runbook {entry.id} has no drill; add a scenario for it "
                                                        "under drills/ (oncall drill --list shows the others)"))
    return found


def _github(problem: Problem) -> str:
    """A GitHub Actions workflow command: the finding shows as an annotation on the line."""
    kind = "warning" if problem.severity == "warning" else "error"
    message = problem.message.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    path = problem.path.replace("%", "%25").replace(",", "%2C").replace(":", "%3A")
    return f"::{kind} file={path},line={problem.line},col={problem.col}::{message}"


def run_list(args: argparse.Namespace, settings: Settings) -> int:
    library = load_library(settings.runbook_dirs)
    rows: list[dict[str, str | bool | None]] = []
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
    width = max(len(str(r["id"])) for r in rows)
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


__all__ = ["OncallError", "run_lint", "run_list", "run_print", "run_schema", "run_validate"]
