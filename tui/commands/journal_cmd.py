"""`oncall journal new/list/show/note/export/sync/approve/approvals`: the incident journal without the app.

Writes are durable locally before the command reports success; the shared file
is synced inline, and a sync that fails is a warning on stderr, not a failure,
except for `journal sync` itself, which exists to report it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from tui.clock import Clock
from tui.errors import OncallError
from tui.incident.record import IncidentRecord
from tui.journal import Journal, open_journal
from tui.text import json_text, plain, plain_line


def run_journal(args: argparse.Namespace, settings: Any) -> int:
    action = args.journal_command
    journal = open_journal(settings, sync_on_write="inline")
    try:
        if action in ("update", "sync"):  # these also reach outside: updates through Apprise (tui/integrations)
            from tui.commands import comms_cmd

            return int(getattr(comms_cmd, f"journal_{action}")(args, journal, settings, _sync))
        if action == "status":
            return _status(args, journal, settings)
        if action == "new":
            return _new(args, journal, settings)
        if action == "export":
            return _export(args, journal, settings)
        return _ACTIONS[action](args, journal)
    finally:
        if journal.notice:  # entries set aside by the schema: said once, whatever the action
            print(f"oncall: warning: {journal.notice}", file=sys.stderr)
        journal.close()


def _warn_if_unsynced(journal: Journal) -> None:
    status = journal.last_sync
    if status is not None and not status.ok and status.message:
        print(f"oncall: warning: {status.message}", file=sys.stderr)


def _refresh(journal: Journal) -> None:
    """Before showing anything, take in what the other responders wrote (best effort)."""
    if journal.shared is not None:
        journal.sync()
        _warn_if_unsynced(journal)


def _new(args: argparse.Namespace, journal: Journal, settings: Any) -> int:
    """A new incident, opened as the app opens one: its `opened` hooks run and its audiences hear of it."""
    from tui.integrations.service import Integrations

    incident = journal.new_incident(args.title, severity=args.severity, category=args.category, runbook=args.runbook)
    Integrations(settings).incident_event(journal, incident.id, "opened")
    _warn_if_unsynced(journal)
    print(incident.id)
    return 0


def _note(args: argparse.Namespace, journal: Journal) -> int:
    event = IncidentRecord(journal, args.id, Clock()).note(args.text)
    _warn_if_unsynced(journal)
    print(f"Noted in {event.incident_id} at {event.time[11:19]} UTC.")
    return 0


def _status(args: argparse.Namespace, journal: Journal, settings: Any) -> int:
    """The status, as `t` sets it: resolving also expires the incident's silences and runs its hooks."""
    from tui.integrations.service import Integrations

    _refresh(journal)  # a teammate may have just changed it
    record = IncidentRecord(journal, journal.resolve_id(args.id), Clock(), integrations=Integrations(settings))
    record.set_status(args.status, duplicate_of=args.of)
    _warn_if_unsynced(journal)
    incident = record.incident
    of = f" of {incident.duplicate_of}" if incident.status == "duplicate" and incident.duplicate_of else ""
    print(f"{incident.id} is {plain_line(incident.status)}{of}.")
    return 0


def _list(args: argparse.Namespace, journal: Journal) -> int:
    _refresh(journal)
    incidents = journal.incidents()
    if args.json:
        print(json_text([i.to_dict() for i in incidents], indent=2))
        return 0
    if not incidents:
        print("No incidents in the journal; start one with `oncall journal new --title TITLE`.")
        return 0
    rows = [(plain_line(i.id), plain_line(i.severity_label), plain_line(i.status),
             plain_line((i.detected_at or "")[:16].replace("T", " ")),
             ("[drill] " if i.drill else "") + plain_line(i.title)) for i in incidents]
    widths = [max(len(r[c]) for r in rows) for c in range(4)]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row[:4], widths)) + "  " + row[4])
    return 0


def _show(args: argparse.Namespace, journal: Journal) -> int:
    _refresh(journal)
    incident = journal.incident(args.id)
    events = journal.events(incident.id)
    items = journal.action_items(incident.id)
    if args.json:
        out = incident.to_dict()
        out["events"] = [e.to_doc() for e in events]
        out["action_items"] = [vars(i) for i in items]
        out["responders"] = sorted(journal.responders(incident.id))
        print(json_text(out, indent=2))
        return 0
    # Outside text on one line where it is one field; a note keeps its lines, each indented under it.
    roles = ", ".join(f"{plain_line(name)} ({plain_line(role)})" for role, name in sorted(incident.roles.items()))
    print(f"{incident.id}  {incident.severity_label} ({incident.severity})  {plain_line(incident.status)}"
          + ("  [drill]" if incident.drill else ""))
    print(plain_line(incident.title))
    where = f" · environment {plain_line(incident.environment)}" if incident.environment else ""
    closed = f" · duplicate of {plain_line(incident.duplicate_of)}" if incident.duplicate_of else ""
    print(f"detected {plain_line(incident.detected_at or 'unknown')} · roles: {roles or 'none'}{where}{closed}")
    print()
    for ev in events:
        lines = plain(ev.text).splitlines() or [""]
        print(f"{plain_line(ev.time[11:19])}  {plain_line(ev.author)}  {plain_line(ev.kind)}: {lines[0]}")
        for line in lines[1:]:
            print(f"          {line}")
    if items:
        print()
        for it in items:
            mark = "x" if it.done else " "
            print(f"[{mark}] {plain_line(it.text)} · owner {plain_line(it.owner or 'none')} · "
                  f"due {plain_line(it.due or 'none')} · {it.id}")
    return 0


def _export(args: argparse.Namespace, journal: Journal, settings: Any) -> int:
    """The report, with the impact and charts from Prometheus when it is set and answers."""
    from tui.report.build import build_report, write_report

    _refresh(journal)
    report = build_report(journal, args.id, settings)
    if not args.out:
        sys.stdout.write(report.html() if args.format == "html" else report.markdown())
        if report.svgs and args.format == "md":
            print(f"oncall: {len(report.svgs)} chart(s) are drawn only with --out (SVG files beside the Markdown) "
                  "or --format html.", file=sys.stderr)
        return 0
    written = write_report(report, args.format, Path(args.out).expanduser())
    print(plain_line(written.sentence))
    return 0


def _sync(args: argparse.Namespace, journal: Journal) -> int:
    if journal.shared is None:
        raise OncallError("No shared journal is configured; give --shared PATH or set ONCALL_SHARED_JOURNAL.")
    status = journal.sync()
    if not status.ok:
        raise OncallError(status.message or "The sync failed; try again.")
    n = len(status.responders)
    print(f"Synced with {journal.shared_shown}: {status.pulled} new event{'s' if status.pulled != 1 else ''} "
          f"from others, {n} responder{'s' if n != 1 else ''}.")
    return 0


def _approve(args: argparse.Namespace, journal: Journal) -> int:
    _refresh(journal)  # the request arrives by sync
    record = IncidentRecord(journal, journal.incident(args.id).id, Clock())
    req = record.answer_approval(args.request, approve=not args.decline)
    _warn_if_unsynced(journal)
    if args.decline:
        print(f"Declined {req.id}: {plain_line(req.requester)} may not run {plain_line(req.command)}.")
    elif req.expires_at is not None:
        print(f"Approved {req.id}: {plain_line(req.requester)} may run {plain_line(req.display)} once, until "
              f"{req.expires_at:%H:%M} UTC.")
    return 0


def _approvals(args: argparse.Namespace, journal: Journal) -> int:
    _refresh(journal)
    record = IncidentRecord(journal, journal.incident(args.id).id, Clock())
    reqs = record.approvals()
    if not reqs:
        print("No approval requests in this incident.")
    for req in reqs:
        by = f" by {plain_line(req.answered_by)}" if req.answered_by else ""
        print(f"{req.id}  {req.status}{by}  {plain_line(req.requester)} asks to run {plain_line(req.command)}: "
              f"{plain_line(req.display)}")
    return 0


_ACTIONS = {"approve": _approve, "approvals": _approvals,
            "note": _note, "list": _list, "show": _show, "sync": _sync}
