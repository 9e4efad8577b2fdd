"""`oncall journal update`, the queue retried by `oncall journal sync`, and `oncall silence`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

from tui.clock import Clock
from tui.errors import OncallError
from tui.integrations.service import Integrations
from tui.journal import Journal, open_journal
from tui.text import plain, plain_line
from tui.times import parse_time


def journal_update(args: argparse.Namespace, journal: Journal, settings: Any, _sync: object) -> int:
    from tui.integrations.audiences import audiences_for, draft, find

    if journal.shared is not None:
        journal.sync()
    incident = journal.incident(args.id)
    runbook = _runbook(settings, incident.runbooks[0] if incident.runbooks else None)
    audience = find(audiences_for(runbook), args.audience) if args.text is None else None
    text = args.text if args.text is not None else draft(
        audience, incident, journal.events(incident.id), Clock(), params=incident.params,  # type: ignore[arg-type]
        runbook=runbook.id if runbook else "", detected=parse_time(incident.detected_at) or Clock().now(),
        user=journal.user)
    if not args.send:
        print(plain(text))
        return 0
    integrations = Integrations(settings)
    _, result = integrations.give_update(journal, incident.id, args.audience, text, send=True)
    assert result is not None
    if result.sent:
        print(plain_line(result.sentence()))
        return 0
    print(f"oncall: warning: {plain_line(result.sentence())}", file=sys.stderr)
    return 0  # saved and queued: the write succeeded, like a journal write whose sync failed


def journal_sync(args: argparse.Namespace, journal: Journal, settings: Any, sync: Callable[..., int]) -> int:
    """The shared journal first (it may bring an update of mine queued on another machine), then every
    update of mine still queued (a teammate's is theirs to send)."""
    from tui.integrations.send import queued

    code = 0
    if journal.shared is not None:
        code = sync(args, journal)
    elif not queued(journal, mine=True):
        raise OncallError("No shared journal is configured; give --shared PATH or set ONCALL_SHARED_JOURNAL.")
    results = Integrations(settings).retry(journal)
    if not results:
        return code
    sent = sum(1 for r in results if r.sent)
    print(f"Sent {sent} of {len(results)} queued update{'s' if len(results) != 1 else ''}.")
    for r in results:
        if not r.sent:
            print(f"oncall: warning: {plain_line(r.sentence())}", file=sys.stderr)
    return code if sent == len(results) else 1


def run_silence(args: argparse.Namespace, settings: Any) -> int:
    from tui.integrations.silences import duration_seconds, silence_handled

    seconds = duration_seconds(args.duration)
    journal = open_journal(settings, sync_on_write="inline")
    try:
        incident = journal.incident(args.incident)
        silence = silence_handled(journal, incident.id, settings, seconds, user=journal.user,
                                  alertname=args.alertname)
    finally:
        journal.close()
    print(f"Silenced {plain_line(args.alertname)} until {silence.ends_at[:16].replace('T', ' ')} UTC "
          f"(silence {silence.id}); resolving {incident.id} expires it.")
    return 0


def _runbook(settings: Any, runbook_id: str | None) -> Any:
    if not runbook_id:
        return None
    from tui.runbook.library import load_library

    try:
        return load_library(list(settings.runbook_dirs)).runbooks.get(runbook_id)
    except OncallError:
        return None
