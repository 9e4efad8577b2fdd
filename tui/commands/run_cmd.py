"""`oncall run ID COMMAND`: run one runbook command without the app.

The output streams to stdout as it arrives, as text (see tui/text.py); the exit code is the command's own,
or 1 when it was refused, timed out or killed, with one sentence on stderr saying which.
SIGINT, SIGTERM and SIGHUP (the terminal closed) stop the command's whole tree first;
then oncall exits 128 + the signal's number (130, 143, 129).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys

from tui.clock import Clock
from tui.config import Settings
from tui.errors import OncallError
from tui.incident.record import IncidentRecord
from tui.launch import (
    Launch,
    RunResult,
    check_danger,
    launch_for,
    prepare_command,
    settings_secrets,
)
from tui.launch.group import signal_name
from tui.runbook.library import load_library
from tui.text import PlainStream


def run_command(args: argparse.Namespace, settings: Settings) -> int:
    from tui.config import for_incident

    runbook = load_library(settings.runbook_dirs).get(args.id)
    journal = record = None
    if args.incident:
        from tui.journal import open_journal

        journal = open_journal(settings, sync_on_write="inline")  # the shared file is current when we exit
    try:
        incident_env = None
        if journal is not None:  # an unknown id fails before anything runs
            if journal.shared is not None:
                journal.sync()  # a teammate's approval, or run, arrives by sync
            incident = journal.incident(args.incident)
            record = IncidentRecord(journal, incident.id, Clock())
            incident_env = incident.environment
            settings = for_incident(settings, incident_env)
        prepared = prepare_command(runbook, args.name, dict(args.param), settings, incident_env)
        if args.dry_run:
            print(prepared.display, flush=True)
            if prepared.danger:
                rule = ("read-only mode refuses it" if settings.read_only else
                        f"running it needs --yes --confirm {prepared.environment}" if prepared.protected else
                        "running it needs --yes")
                print(f"oncall: {prepared.name} is a danger command; {rule}.", file=sys.stderr)
            return 0
        check_danger(prepared, read_only=settings.read_only, confirmed=args.yes, confirmed_environment=args.confirm)
        if record is not None:
            if prepared.danger and (earlier := record.already_ran(prepared)):
                print(f"oncall: note: {earlier}", file=sys.stderr)
            approved = record.approval_gate(prepared, settings.approval_severities,
                                            prepared.environment)  # ApprovalPending: exit 1
            if approved is not None:
                record.approval_used(approved)  # before the run: one approval is one run, even after a crash
        elif prepared.approve:
            raise OncallError(f"{prepared.name} runs only after another responder approves it in an incident; "
                              "give --incident ID to ask for the approval.")
        sys.stdout.flush()
        sink = _StdoutSink()
        launch = launch_for(prepared, settings, confirmed=args.yes, on_output=sink,
                            confirmed_environment=args.confirm)
        caught: list[int] = []
        result = asyncio.run(_run(launch, caught))
        sink.finish()
        if journal is not None and record is not None:
            record.command_ran(prepared, result, settings_secrets(settings))
            journal.add_runbook(record.incident_id, runbook.id)  # its metrics go into the report
            synced = journal.last_sync
            if synced is not None and not synced.ok and synced.message:
                print(f"oncall: {synced.message}", file=sys.stderr)  # it says the run is saved locally
    finally:
        if journal is not None:
            journal.close()
    code = _exit_code(prepared.name, result, caught[0] if caught else None)
    return 128 + caught[0] if caught and result.cancelled else code


async def _run(launch: Launch, caught: list[int]) -> RunResult:
    """Run with ctrl+c, SIGTERM and SIGHUP stopping the command's whole tree, so nothing is orphaned."""
    loop = asyncio.get_running_loop()
    installed = []

    def stop(sig: int) -> None:
        caught.append(sig)
        launch.cancel()

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        try:
            loop.add_signal_handler(sig, stop, sig)
            installed.append(sig)
        except (NotImplementedError, RuntimeError, ValueError):  # not the main thread, or no signals here
            pass
    try:
        return await launch.run()
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)


class _StdoutSink:
    """The output to stdout as it comes, as text (`tui.text.plain`: a command's colours are dropped,
    its other control sequences shown, never obeyed); a closed pipe (`| head`) stops the copy, not the run."""

    def __init__(self) -> None:
        self.closed = False
        self.text = PlainStream()

    def __call__(self, chunk: bytes) -> None:
        self._write(self.text.feed(chunk))

    def finish(self) -> None:
        self._write(self.text.close())

    def _write(self, text: str) -> None:
        if self.closed or not text:
            return
        try:
            sys.stdout.write(text)
            sys.stdout.flush()
        except OSError:  # a closed pipe (`| head`), or a terminal that hung up (EIO)
            self.closed = True
            # Point stdout at /dev/null so the flush at exit does not fail again.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            os.close(devnull)


def _exit_code(name: str, result: RunResult, caught: int | None = None) -> int:
    def say(sentence: str) -> None:
        try:
            print(f"oncall: {sentence}", file=sys.stderr)
        except OSError:  # the terminal is gone (SIGHUP): nobody to tell
            pass

    if result.timed_out:
        say(f"{name} timed out after {result.timeout:g} s and was stopped, with everything it started.")
        return 1
    if result.cancelled:
        if caught in (None, signal.SIGINT):
            say(f"{name} was interrupted and stopped, with everything it started.")
        else:
            say(f"{name} was stopped, with everything it started, because oncall got {signal_name(caught)}.")
        return 130
    if result.signal is not None:
        say(f"{name} was killed by {signal_name(result.signal)}.")
        return 1
    if result.leftovers_stopped:
        say(f"{name} left processes running in the background; they were stopped.")
    return result.exit_code if result.exit_code is not None else 1
