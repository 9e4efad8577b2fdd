"""The journal pane's rows, without a terminal: notes and decisions loud, a run one line by its title."""

from __future__ import annotations

from tui.journal.model import Event
from tui.journal.rows import QUIET_CHARS, journal_row

SCRIPT = "set -euo pipefail\n" + "\n".join(f"kubectl annotate pod p{i} checked=yes" for i in range(40))


def event(kind: str, text: str, **data: object) -> Event:
    return Event("e1", "inc-20261122-demo01", "2026-11-22T02:48:00Z", "1", "alice", kind, text, dict(data))


def test_a_run_is_its_title_exit_and_duration_never_its_script():
    row = journal_row(event("command", f"ran check: {SCRIPT} (exit 0, 1.2 s)", command="check",
                            title="Check every pod", display=SCRIPT, status="exit 0", duration=1.234,
                            output="p0 annotated\n" * 80))
    assert (row.label, row.text, row.weight) == ("ran", "Check every pod · exit 0 · 1.2s", "normal")


def test_a_run_journaled_before_titles_is_named_and_one_that_never_started_says_why():
    old = journal_row(event("command", "ran check: x", command="check", status="cancelled", duration=3))
    assert old.text == "check · cancelled · 3.0s"
    failed = journal_row(event("command", "could not run check: kubectl is not installed", command="check",
                               title="Check every pod", status="did not start"))
    assert failed.text == "Check every pod · did not start: kubectl is not installed"


def test_notes_and_decisions_are_strong_and_keep_their_words():
    paste = "kubectl get pods\npod-a  CrashLoopBackOff"
    assert journal_row(event("note", paste)) == journal_row(event("note", paste + "\n"))
    assert journal_row(event("note", paste)).text == paste and journal_row(event("note", paste)).weight == "strong"
    decision = journal_row(event("decision", "recent-change: Did a change ship? → Yes", action="answer"))
    assert decision.weight == "strong" and decision.label == "decision"
    declined = journal_row(event("decision", "did not run rollback (Roll back): the danger confirmation was cancelled",
                                 action="declined", command="rollback", title="Roll back"))
    assert (declined.label, declined.text, declined.weight) == ("declined", "Roll back · not run", "strong")


def test_the_rest_is_quiet_and_short():
    opened = journal_row(event("status", "Incident opened: " + "a long title " * 20))
    assert opened.weight == "quiet" and len(opened.text) <= QUIET_CHARS and opened.text.endswith("…")
    tick = journal_row(event("note", "Ticked: Tell the channel", action="tick"))
    assert (tick.label, tick.weight) == ("checklist", "quiet")
    assert journal_row(event("approval-request", "please approve")).text == "please approve"  # a later kind


def test_a_runs_time_under_a_second_is_said_as_such_not_as_load_noise():
    from tui.journal.rows import took

    assert [took(v) for v in (0.04, 0.96, 1.0, 12.345, None, "x")] == ["under 1s", "under 1s", "1.0s", "12.3s", "", ""]
