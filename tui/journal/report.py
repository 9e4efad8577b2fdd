"""The post-incident report, in Markdown, written from the journal alone.

Every section is always present. A section the journal cannot fill says so and
names the field or event that would fill it, so a reviewer sees the gap instead
of a silently missing heading.

Everything the journal holds is outside text (a teammate's note, a command's output, an
alert name): it goes in through `tui.text` (`md_text`, `md_lines`, `md_code`), so it shows
no control sequence and cannot open a link, an image or an HTML tag in whatever renders
the report; command output stays verbatim inside a fence longer than any backtick run in it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tui.journal.clock import iso_utc
from tui.journal.model import Event, Incident
from tui.text import md_cell, md_code, md_fence, md_lines, md_text, plain
from tui.times import parse_time

SECTIONS = (
    "Summary", "Impact", "Timeline", "Detection", "Containment", "Decision: roll back or fix forward",
    "Root cause and trigger", "Missed signals", "What worked", "Corrective actions",
)
_OUTPUT_LINES = 20


def render_report(journal: Any, incident_id: str) -> str:
    """The Markdown report of one incident (`journal` is a tui.journal.Journal)."""
    inc: Incident = journal.incident(incident_id)
    events: list[Event] = journal.events(inc.id)
    items = journal.action_items(inc.id)
    out: list[str] = [f"# Post-incident report: {_inline(inc.title)}", ""]
    drill = " This was a game-day **drill**, not a real incident." if inc.drill else ""
    out += [f"_Written by oncall from incident {md_code(inc.id)} at {_when(iso_utc())}.{drill}_", ""]
    out += _summary(inc, events)
    out += _section("Impact", [_text(inc.impact)] if inc.impact else [
        _gap("The journal does not record the impact",
             "set the incident's `impact` (who and what was affected, for how long)")])
    out += _section("Timeline", _timeline(events))
    out += _section("Detection", _detection(inc))
    out += _section("Containment", _containment(inc, events))
    out += _section(SECTIONS[5], _decision(inc, events))
    out += _section("Root cause and trigger", [
        f"- **Root cause:** {_inline(inc.root_cause)}" if inc.root_cause else
        "- **Root cause:** " + _gap("not recorded in the journal", "set `root_cause`"),
        f"- **Trigger:** {_inline(inc.trigger)}" if inc.trigger else
        "- **Trigger:** " + _gap("not recorded in the journal", "set `trigger` (the change or event that set it off)"),
    ])
    out += _section("Missed signals", [_text(inc.missed_signals)] if inc.missed_signals else [
        _gap("The journal records no missed signals", "set `missed_signals` (what could have warned earlier), "
             "or write that there were none")])
    out += _section("What worked", [_text(inc.what_worked)] if inc.what_worked else [
        _gap("The journal does not record what worked", "set `what_worked`")])
    out += _section("Corrective actions", _actions(items))
    return "\n".join(out).rstrip() + "\n"


# ---- sections ----------------------------------------------------------------------------

def _summary(inc: Incident, events: list[Event]) -> list[str]:
    roles = "; ".join(f"{role}: {name}" for role, name in sorted(inc.roles.items()))
    responders = sorted({e.author for e in events if e.author})
    rows = [
        ("Incident", md_code(inc.id, cell=True)),
        ("Title", _cell(inc.title)),
        ("Severity", _cell(f"{inc.severity_label} ({inc.severity})")),
        ("Category", _cell(inc.category) if inc.category else _gap("not recorded in the journal")),
        ("Status", _cell(inc.status)),
        ("Detected", _when(inc.detected_at)),
        ("Contained", _when(inc.contained_at)),
        ("Resolved", _when(inc.resolved_at)),
        ("Duration", _duration_text(inc)),
        ("Roles", _cell(roles) or _gap("none recorded in the journal")),
        ("Runbooks", ", ".join(md_code(r, cell=True) for r in inc.runbooks) or _gap("none recorded in the journal")),
        *([("Environment", _cell(", ".join(envs)))] if (envs := environments_of(inc, events)) else []),
        ("Responders", _cell(", ".join(responders)) or _gap("none recorded in the journal")),
    ]
    return ["## Summary", "", "| | |", "|---|---|", *(f"| {k} | {v} |" for k, v in rows), ""]


def environments_of(inc: Incident, events: list[Event]) -> list[str]:
    """Where the incident was worked: its own environment, then every other one a command ran in."""
    found = [inc.environment] + [e.data.get("environment") for e in events if e.kind == "command"]
    return list(dict.fromkeys(str(name) for name in found if isinstance(name, str) and name))


def _timeline(events: list[Event]) -> list[str]:
    if not events:
        return [_gap("The journal holds no events for this incident")]
    lines: list[str] = []
    for ev in events:
        text = md_lines(ev.text) or [""]
        head = f"- {_when(ev.time)} · **{_inline(ev.author)}** · {_inline(ev.kind)}: "
        # A note of several lines keeps them: hard line breaks (a trailing backslash), indented under the item.
        lines.extend(("  " if i else head) + line + ("\\" if i < len(text) - 1 else "")
                     for i, line in enumerate(text))
        output = ev.data.get("output") if ev.kind == "command" else None
        if isinstance(output, str) and output.strip():
            lines.extend("  " + line for line in _code_block(output))
    return lines


def _detection(inc: Incident) -> list[str]:
    signal = md_code(inc.alert) if inc.alert else _gap("not recorded in the journal",
                                                              "set `alert` to the signal that fired")
    started = _when(inc.alert_started_at) if inc.alert_started_at else _gap(
        "not recorded in the journal", "set `alert_started_at`")
    lines = [f"- **Signal that fired:** {signal}", f"- **It started firing:** {started}",
             f"- **Noticed (incident opened):** {_when(inc.detected_at)}"]
    gap = _between(inc.alert_started_at, inc.detected_at)
    lines.append("- **Time to notice:** " + (gap or _gap(
        "cannot be computed from the journal", "it needs both the alert's start and the detection time")))
    return lines


def _containment(inc: Incident, events: list[Event]) -> list[str]:
    lines: list[str] = []
    if inc.contained_at:
        after = _between(inc.detected_at, inc.contained_at)
        took = f" ({after} after detection)" if after else ""
        lines.append(f"- **Contained at:** {_when(inc.contained_at)}{took}")
    else:
        lines.append("- **Contained at:** " + _gap("not recorded in the journal",
                                                   "set the status to `contained` when the bleeding stops"))
    until = parse_time(inc.contained_at)
    done = [e for e in events if e.kind in ("command", "decision")
            and (until is None or (parse_time(e.time) or until) <= until)]
    if done:
        lines.append("- **What was done:**")
        lines.extend(f"  - {_when(e.time)} · {_inline(e.author)} · {_inline(e.kind)}: {_inline(_first_line(e.text))}"
                     for e in done)
    else:
        lines.append("- **What was done:** " + _gap("the journal records no command or decision before containment"))
    return lines


def _decision(inc: Incident, events: list[Event]) -> list[str]:
    decisions = [e for e in events if e.kind == "decision"]
    choice = inc.decision
    reason = inc.decision_reason
    for ev in decisions:  # the latest decision event that names one fills what the fields leave open
        if not choice and isinstance(ev.data.get("decision"), str):
            choice = ev.data["decision"]
        if not reason and isinstance(ev.data.get("reason"), str):
            reason = ev.data["reason"]
    lines = [f"- **Decision:** {_inline(choice)}" if choice else
             "- **Decision:** " + _gap("not recorded in the journal", "set `decision` to rollback or fix-forward"),
             f"- **Reasoning:** {_inline(reason)}" if reason else
             "- **Reasoning:** " + _gap("not recorded in the journal",
                                        "set `decision_reason`: why this and not the other")]
    if decisions:
        lines.append("- **Decisions taken during the incident:**")
        lines.extend(f"  - {_when(e.time)} · {_inline(e.author)}: {_inline(_first_line(e.text))}" for e in decisions)
    return lines


def _actions(items: list[Any]) -> list[str]:
    if not items:
        return [_gap("The journal records no corrective actions", "add action items with an owner and a due date")]
    tickets = any(getattr(it, "link", None) for it in items)  # a hook filed them (tui/integrations/hooks.py)
    rows = ["| Action | Owner | Due | Done |" + (" Ticket |" if tickets else ""),
            "|---|---|---|---|" + ("---|" if tickets else "")]
    for it in items:
        owner = _cell(it.owner) if it.owner else "**no owner**"
        due = _cell(it.due) if it.due else "**no due date**"
        link = (f" {_cell(it.link)} |" if it.link else " — |") if tickets else ""
        rows.append(f"| {_cell(it.text)} | {owner} | {due} | {'yes' if it.done else 'no'} |{link}")
    return rows


# ---- helpers -----------------------------------------------------------------------------

def _section(title: str, body: list[str]) -> list[str]:
    return [f"## {title}", "", *body, ""]


def _gap(what: str, how: str | None = None) -> str:
    return f"_{what}" + (f"; {how}" if how else "") + "._"


def _text(value: str) -> str:
    """Outside prose of several lines: each escaped, and each kept as its own line (hard breaks)."""
    return "\\\n".join(md_lines(value))


def _first_line(text: str) -> str:
    lines = plain(text).strip().splitlines()
    return lines[0] if lines else ""


def _inline(value: str | None) -> str:
    return md_text(value)


def _cell(value: str | None) -> str:
    return md_cell(value)  # `|` is escaped too: a table keeps its columns


def _when(value: str | None) -> str:
    dt = parse_time(value)
    if dt is None:
        return _gap("not recorded in the journal")
    return dt.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _between(start: str | None, end: str | None) -> str | None:
    a, b = parse_time(start), parse_time(end)
    if a is None or b is None:
        return None
    return format_duration((b - a).total_seconds())


def _duration_text(inc: Incident) -> str:
    if inc.resolved_at:
        return _between(inc.detected_at, inc.resolved_at) or _gap("cannot be computed from the journal")
    start = parse_time(inc.detected_at)
    if start is None:
        return _gap("cannot be computed from the journal")
    so_far = format_duration((datetime.now(UTC) - start).total_seconds())
    return f"ongoing, {so_far} so far (not resolved)"


def format_duration(seconds: float) -> str:
    """`45 s`, `12 min`, `2 h 05 min`, `1 d 3 h`; negative spans (clock skew) read as such."""
    if seconds < 0:
        return "-" + format_duration(-seconds)
    s = round(seconds)
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min"
    if s < 86400:
        return f"{s // 3600} h {s % 3600 // 60:02d} min"
    return f"{s // 86400} d {s % 86400 // 3600} h"


def _code_block(text: str) -> list[str]:
    lines = plain(text).rstrip("\n").splitlines()
    if len(lines) > _OUTPUT_LINES:
        lines = lines[:_OUTPUT_LINES] + [f"... ({len(lines) - _OUTPUT_LINES} more lines)"]
    return md_fence("\n".join(lines))
