"""One journal event as a row of the journal pane: a few words, and how loud they should be.

At 3am the pane is read for what people said and decided; a run of a command is one line (its
title, how it ended, how long it took), its whole output one key away (`v`), never its script.
Pure: no Textual, no Rich, no clock (the pane adds the time and the style of each weight), so the
rows are tested without a terminal, and a pane that draws only the rows in view (issue 14) calls
the same function for each.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

Weight = Literal["strong", "normal", "quiet"]
QUIET_CHARS = 90  # a quiet row (a status change, a role) is cut to about one line of a wide pane


@dataclass(frozen=True)
class JournalRow:
    label: str  # "note", "decision", "ran", "status", ... (the event's kind, or what it did)
    text: str  # outside text, to be shown through plain(); a note keeps its lines
    weight: Weight  # strong: notes and decisions; normal: runs and updates; quiet: the rest


def _shortened(text: str, limit: int = QUIET_CHARS) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def took(value: Any) -> str:
    """How long a run took, as a responder reads it: "under 1s" (tenths of a second below that are
    noise from the machine's load, not the command), "1.2s", or "" when not recorded."""
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return ""
    return "under 1s" if seconds < 1 else f"{seconds:.1f}s"


def run_summary(data: dict[str, Any], text: str = "") -> str:
    """"Show prompt deploys · exit 0 · 1.2s": the run's title (its name for runs journaled before
    titles were), how it ended and how long it took."""
    title = str(data.get("title") or data.get("command") or "a command")
    status = str(data.get("status") or "")
    if status == "did not start":
        why = text.split(": ", 1)[1] if ": " in text else ""
        return _shortened(f"{title} · did not start" + (f": {why}" if why else ""))
    parts = [title, status, took(data.get("duration"))]
    return " · ".join(p for p in parts if p)


def journal_row(event: Any) -> JournalRow:
    """The row for `event` (a tui.journal.Event, or anything with kind, text and data)."""
    kind = str(event.kind)
    data = event.data if isinstance(event.data, dict) else {}
    text = str(event.text or "")
    if kind == "command" and data.get("command"):
        return JournalRow("ran", run_summary(data, text), "normal")
    if kind == "note":
        if data.get("action") in ("tick", "untick"):  # a checklist tick: a note, but not news
            return JournalRow("checklist", _shortened(text), "quiet")
        return JournalRow("note", text.strip(), "strong")
    if kind == "decision":
        if data.get("action") == "declined":  # a danger command the person chose not to run
            title = str(data.get("title") or data.get("command") or "a command")
            return JournalRow("declined", f"{title} · not run", "strong")
        return JournalRow("decision", text.strip(), "strong")
    if kind == "comms":
        return JournalRow("update sent", _shortened(text), "normal")
    return JournalRow(kind, _shortened(text), "quiet")
