"""The post-incident report in Markdown: the seeds' skeleton, filled from the journal and the metrics.

Every section is always present. A section nobody filled says so and names the key that
fills it (the incident screen's keys), and is listed again under "Gaps", so a reviewer sees
what is missing instead of a silently short report. The duration is the impact window from
the metrics (tui.report.impact); without them the response window stands in, and the report
says why.

Everything the journal holds is outside text (a teammate's note, a command's output, an
alert name): it goes in through `tui.text` (`md_text`, `md_lines`, `md_code`, `md_fence`),
so it shows no control sequence and cannot open a link, an image or an HTML tag in whatever
renders the report; a line of prose cannot start a heading or a list either.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tui.journal.clock import iso_utc
from tui.journal.model import ActionItem, Event, Incident
from tui.metrics.thresholds import limits_text
from tui.metrics.units import format_value
from tui.report.chart import Mark
from tui.report.impact import Curve, Impact, Response, measure, response_times
from tui.report.keys import report_keys
from tui.runbook.model import Runbook
from tui.text import md_cell, md_code, md_fence, md_lines, md_text, plain, plain_line
from tui.times import duration_text, parse_time

SECTIONS = (
    "Summary", "What happened", "Impact", "Why it reached users", "What slowed detection", "What reduced harm",
    "The decision and why", "Root cause and five whys", "What worked", "Corrective actions", "Gaps", "Timeline",
    "Appendix: commands",
)
_OUTPUT_LINES = 20
DEFAULT_COMMS_EVERY = 600.0
_ROLLBACK = re.compile(r"\broll(?:ing|ed)?(?:\s+\w+){0,2}?[\s-]*back\b|\brevert|restore the previous", re.IGNORECASE)
_FIX_FORWARD = re.compile(r"\bfix(?:ing|ed)?[\s-]*forward|\bhot ?fix|patch forward", re.IGNORECASE)
# A line of outside prose must not become a heading, a list, a quote, a rule or a fence.
_BLOCK_START = re.compile(r"^(\s*)(\d*)([#>=+*.)-]|~~~|```)")


@dataclass
class _Context:
    incident: Incident
    events: list[Event]
    items: list[ActionItem]
    runbooks: Mapping[str, Runbook]
    impact: Impact
    response: Response
    charts: Mapping[str, str]  # curve key -> the Markdown line that shows its chart
    now: float
    keys: Mapping[str, str] = field(default_factory=dict)  # binding id -> key, from the responder's keymap
    gaps: list[str] = field(default_factory=list)

    def key(self, binding: str) -> str:
        return md_text(self.keys.get(binding) or report_keys(None)[binding])  # a keymap's text, as text

    @property
    def findings(self) -> str:
        return f"press {self.key('incident.findings')} (findings) on the incident screen"

    def gap(self, section: str, what: str, how: str) -> str:
        """The sentence a section shows when empty; also listed under Gaps."""
        self.gaps.append(f"**{section}:** {how}.")
        return f"_{what}; {how}._"


def curve_key(curve: Curve) -> str:
    return f"{curve.runbook}.{curve.metric.name}"


def render_report(journal: Any, incident_id: str, *, runbooks: Sequence[Runbook] = (),
                  impact: Impact | None = None, charts: Mapping[str, str] | None = None,
                  now: float | None = None, keys: Mapping[str, str] | None = None) -> str:
    """The Markdown report of one incident (`journal` is a tui.journal.Journal).

    `impact` comes from tui.report.fetch (the metrics); without it the response window stands
    in. `charts` maps a curve's key to the Markdown line that shows its chart; `keys` the incident
    screen's keys a gap names (tui.report.keys.report_keys of the keymap; none: the defaults)."""
    inc: Incident = journal.incident(incident_id)
    events: list[Event] = journal.events(inc.id)
    now = datetime.now(UTC).timestamp() if now is None else now
    if impact is None:
        impact = measure(inc, [], None, now, "the report was written without reading the metrics")
    ctx = _Context(inc, events, journal.action_items(inc.id), {rb.id: rb for rb in runbooks}, impact,
                   response_times(inc, events), charts or {}, now, keys or {})
    out: list[str] = [f"# Post-incident report: {_inline(inc.title)}", ""]
    drill = " This was a game-day **drill**, not a real incident." if inc.drill else ""
    out += [f"_Written by oncall from incident {md_code(inc.id)} at {_when(iso_utc())}.{drill}_", ""]
    body: list[tuple[str, Callable[[_Context], list[str]]]] = [
        ("What happened", _what_happened), ("Impact", _impact), ("Why it reached users", _reached_users),
        ("What slowed detection", _detection), ("What reduced harm", _reduced_harm),
        ("The decision and why", _decision), ("Root cause and five whys", _root_cause),
        ("What worked", _what_worked), ("Corrective actions", _actions),
    ]
    sections = {title: fill(ctx) for title, fill in body}  # filled first: each adds its gaps
    out += _section("Summary", _summary(ctx))
    for title, _ in body:
        out += _section(title, sections[title])
    out += _approvals(events)
    out += _section("Gaps", _gaps(ctx))
    out += _section("Timeline", _timeline(ctx))
    out += _section("Appendix: commands", _appendix(ctx))
    return "\n".join(out).rstrip() + "\n"


def _approvals(events: list[Event]) -> list[str]:
    """The two-person rule's requests, answers and runs (tui/incident/approval.py), when there were any."""
    asked = [e for e in events if e.kind == "approval"]
    if not asked:
        return []
    return _section("Approvals", [f"- {_when(e.time)} · {_inline(e.author)}: {_inline(_first_line(e.text))}"
                                  for e in asked])


# ---- sections ----------------------------------------------------------------------------

def environments_of(inc: Incident, events: list[Event]) -> list[str]:
    """Where the incident was worked: its own environment, then every other one a command ran in."""
    found = [inc.environment] + [e.data.get("environment") for e in events if e.kind == "command"]
    return list(dict.fromkeys(str(name) for name in found if isinstance(name, str) and name))


def _summary(ctx: _Context) -> list[str]:
    inc = ctx.incident
    roles = "; ".join(f"{role}: {name}" for role, name in sorted(inc.roles.items()))
    responders = sorted({e.author for e in ctx.events if e.author})
    r = ctx.response
    rows = [
        ("Incident", md_code(inc.id, cell=True)),
        ("Title", _cell(inc.title)),
        ("Severity", _cell(f"{inc.severity_label} ({inc.severity})")),
        ("Category", _cell(inc.category) if inc.category else "not recorded"),
        ("Status", _cell(inc.status)),
        ("Duration (impact)", _impact_duration(ctx)),
        ("Detected", _when(inc.detected_at)),
        ("Time to notice (alert to page)", _secs(r.notice)),
        ("Time to acknowledge", _secs(r.acknowledge)),
        ("Time to contain", _secs(r.contain)),
        ("Time to resolve", _secs(r.resolve) if inc.resolved_at else "not resolved yet"),
        ("Roles", _cell(roles) or "none recorded"),
        ("Runbooks", ", ".join(md_code(rb, cell=True) for rb in inc.runbooks) or "none recorded"),
        *([("Environment", _cell(", ".join(envs)))] if (envs := environments_of(inc, ctx.events)) else []),
        ("Responders", _cell(", ".join(responders)) or "none recorded"),
    ]
    lines = ["| | |", "|---|---|", *(f"| {k} | {v} |" for k, v in rows)]
    lines.append("")
    lines.append("_Response times count from detection (the page); the duration is how long users were hurt._")
    return lines


def _impact_duration(ctx: _Context) -> str:
    w = ctx.impact.window
    if w is None:
        return "unknown"
    span = f"{_clock(w.start)} → {_clock(w.end) if w.end is not None else 'still going'}"
    took = format_duration(w.seconds(ctx.now)) + ("" if w.end is not None else " so far")
    how = "from the metrics" if ctx.impact.measured else "response window, not measured"
    return f"{took} ({span}, {how})"


def _what_happened(ctx: _Context) -> list[str]:
    inc, impact = ctx.incident, ctx.impact
    lines = [_text(inc.summary), ""] if inc.summary else []
    story = []
    if impact.measured and impact.window is not None:
        first = min((c for c, w in impact.per_metric if w is not None and w.start == impact.window.start),
                    key=lambda c: c.metric.name)
        story.append(f"{_inline(first.metric.title)} crossed its warn line at {_clock(impact.window.start)}.")
    if inc.alert:
        started = f" (firing since {_clock(_ts(inc.alert_started_at))})" if inc.alert_started_at else ""
        story.append(f"The alert {md_code(inc.alert)}{started} paged; the incident was opened at "
                     f"{_clock(_ts(inc.detected_at))}.")
    else:
        story.append(f"The incident was opened at {_clock(_ts(inc.detected_at))}.")
    if inc.trigger:
        story.append(f"Trigger: {_inline(inc.trigger)}.")
    fix = next((e for e in ctx.events if is_fix(e)), None)
    if fix is not None:
        story.append(f"{_inline(fix.author)} {_describe(ctx, fix)} at {_clock(_ts(fix.time))}.")
    if inc.contained_at:
        story.append(f"Contained at {_clock(_ts(inc.contained_at))}.")
    if inc.resolved_at:
        story.append(f"Resolved at {_clock(_ts(inc.resolved_at))}.")
    if impact.measured and impact.window is not None and impact.window.end is not None:
        story.append(f"The metrics were back inside their lines at {_clock(impact.window.end)}.")
    return lines + [" ".join(story)]


def _impact(ctx: _Context) -> list[str]:
    inc, impact = ctx.incident, ctx.impact
    lines = [_text(inc.impact)] if inc.impact else [ctx.gap(
        "Impact", "Nobody wrote down who and what was affected", f"{ctx.findings} and fill 'Impact'")]
    lines += ["", f"**Duration:** {_impact_duration(ctx)}."]
    if impact.why:
        lines += ["", f"_{md_text(impact.why)}_"]
    if impact.per_metric:
        lines += ["", "| Metric | Lines | Past the line from | Back inside at | For |", "|---|---|---|---|---|"]
        for curve, w in impact.per_metric:
            where = _cell(f"{curve.metric.title} ({curve.metric.name})")
            lines.append(f"| {where} | {_cell(limits_text(curve.metric)) or 'none'} | "
                         + (f"{_clock(w.start)} | {_clock(w.end) if w.end is not None else 'still past'} | "
                            f"{format_duration(w.seconds(ctx.now))} |" if w is not None else
                            ("could not be read | | |" if curve.error else "never crossed | | |")))
        for curve, _ in impact.per_metric:
            if curve.error:
                lines += ["", f"- {md_text(curve.metric.name)}: {md_text(curve.error)}"]
            if curve_key(curve) in ctx.charts:
                lines += ["", ctx.charts[curve_key(curve)]]
    return lines


def _reached_users(ctx: _Context) -> list[str]:
    if ctx.incident.reached_users:
        return [_text(ctx.incident.reached_users)]
    return [ctx.gap("Why it reached users", "Nobody wrote down why tests, canary or review did not stop it",
                    f"{ctx.findings} and fill 'Why it reached users'")]


def _detection(ctx: _Context) -> list[str]:
    inc, r = ctx.incident, ctx.response
    detected = _ts(inc.detected_at)
    lines: list[str] = []
    if inc.alert:
        started = f"started firing at {_clock(_ts(inc.alert_started_at))}" if inc.alert_started_at else "paged"
        lines.append(f"- The alert {md_code(inc.alert)} {started}; the incident was opened at {_clock(detected)}"
                     + (f" ({format_duration(r.notice)} later)." if r.notice is not None else "."))
    else:
        lines.append(f"- The incident was opened at {_clock(detected)} from no recorded alert.")
    for curve, w in ctx.impact.per_metric:  # the metrics knew before the page did: missed signals, with times
        if w is not None and detected is not None and ctx.impact.measured and w.start < detected:
            value = next((v for t, v in curve.points if t == w.start), None)
            shown = f" ({format_value(value, curve.metric.unit)})" if value is not None else ""
            lines.append(f"- Missed signal: {_inline(curve.metric.title)} was past its warn line at "
                         f"{_clock(w.start)}{shown}, {format_duration(detected - w.start)} before detection.")
    if inc.missed_signals:
        lines += ["- Noted by the responders:", "", _text(inc.missed_signals)]
    elif len(lines) == 1:
        lines.append("- " + ctx.gap("What slowed detection", "No missed signal is recorded",
                                    f"{ctx.findings} and fill 'Missed signals' (or write that there were none)"))
    return lines


def is_fix(ev: Event) -> bool:
    """A command marked danger (it changes production) that ran to exit 0: a remediation, not a diagnostic."""
    return (ev.kind == "command" and ev.data.get("danger") is True and ev.data.get("exit_code") == 0
            and not ev.data.get("timed_out") and not ev.data.get("cancelled"))


def _remediations(ctx: _Context) -> list[Event]:
    """What reduced harm: the fixes that ran and the move to contained (diagnostics and failed runs are not)."""
    return [e for e in ctx.events if is_fix(e)
            or (e.kind == "status" and e.data.get("field") == "status" and e.data.get("to") == "contained")]


def _reduced_harm(ctx: _Context) -> list[str]:
    fixes = _remediations(ctx)
    if not fixes:
        return [ctx.gap("What reduced harm", "The journal records no remediation (no command marked danger ran and "
                        "the status never became contained)",
                        f"press {ctx.key('incident.status')} and choose contained when the bleeding stops")]
    return [f"- {_when(e.time)} · {_inline(e.author)} · {_describe(ctx, e)}" for e in fixes]


def _path_decision(ctx: _Context) -> Event | None:
    """The latest answer on the runbook path that chose a rollback or a fix-forward."""
    found = None
    for ev in ctx.events:
        if ev.kind == "decision" and ev.data.get("action") == "answer" and _choice_of(ev):
            found = ev
    return found


def _choice_of(ev: Event) -> str | None:
    words = " ".join(str(ev.data.get(k) or "") for k in ("label", "to_runbook"))
    if _ROLLBACK.search(words):
        return "rollback"
    if _FIX_FORWARD.search(words):
        return "fix-forward"
    return None


def _decision(ctx: _Context) -> list[str]:
    inc = ctx.incident
    path = _path_decision(ctx)
    if inc.decision:
        lines = [f"- **Decision:** {_inline(inc.decision)}"]
    elif path is not None:
        lines = [f"- **Decision:** {_choice_of(path)}, chosen on the runbook path at {_when(path.time)} "
                 f"(step {md_code(path.data.get('step', '?'))}: \u201c{_inline(path.data.get('label'))}\u201d)"]
    else:
        lines = ["- **Decision:** " + ctx.gap("The decision and why", "not recorded",
                                              f"{ctx.findings} and fill 'Decision: rollback or fix-forward'")]
    if inc.decision_reason:
        lines.append(f"- **Why:** {_inline(inc.decision_reason)}")
    else:
        lines.append("- **Why:** " + ctx.gap("The decision and why", "nobody wrote down why this and not the other",
                                             f"{ctx.findings} and fill 'Why that decision'"))
    return lines


def _root_cause(ctx: _Context) -> list[str]:
    inc = ctx.incident
    lines = [f"- **Root cause:** {_inline(inc.root_cause)}" if inc.root_cause else
             "- **Root cause:** " + ctx.gap("Root cause and five whys", "not recorded",
                                            f"{ctx.findings} and fill 'Root cause'"),
             f"- **Trigger:** {_inline(inc.trigger)}" if inc.trigger else
             "- **Trigger:** " + ctx.gap("Root cause and five whys", "not recorded",
                                         f"{ctx.findings} and fill 'Trigger'")]
    whys = [w.strip() for w in re.split(r"[;\n]", plain(inc.five_whys or "")) if w.strip()]
    if whys:
        lines += ["- **Five whys:**", *(f"  {i}. {md_text(w)}" for i, w in enumerate(whys, 1))]
    else:
        lines.append("- **Five whys:** " + ctx.gap("Root cause and five whys", "not written",
                                                   f"{ctx.findings} and fill 'Five whys'"))
    return lines


def _what_worked(ctx: _Context) -> list[str]:
    if ctx.incident.what_worked:
        return [_text(ctx.incident.what_worked)]
    return [ctx.gap("What worked", "Nobody wrote down what worked", f"{ctx.findings} and fill 'What worked'")]


def _actions(ctx: _Context) -> list[str]:
    if not ctx.items:
        return [ctx.gap("Corrective actions", "The journal records no corrective actions",
                        f"press {ctx.key('incident.action_item')} on the incident screen to add one with an "
                        "owner and a due date")]
    rows = ["| Action | Owner | Due | Ticket | Done |", "|---|---|---|---|---|"]
    for it in ctx.items:
        owner = _cell(it.owner) if it.owner else "**no owner**"
        due = _cell(it.due) if it.due else "**no due date**"
        ticket = it.link or _ticket(ctx, it.id)  # the link a hook recorded (tui/integrations/hooks.py)
        rows.append(f"| {_cell(it.text)} | {owner} | {due} | {md_code(ticket, cell=True) if ticket else '—'} | "
                    f"{'yes' if it.done else 'no'} |")
        if not it.owner or not it.due:
            ctx.gaps.append(f"**Corrective actions:** {_cell(it.text)} has no "
                            + " and no ".join(w for w, v in (("owner", it.owner), ("due date", it.due)) if not v)
                            + f"; press {ctx.key('incident.action_item')} to add it again with them.")
    return rows


def _ticket(ctx: _Context, item: str) -> str | None:
    """The ticket a hook recorded on the action item (its URL), shown as code: outside text, never a link."""
    found = None
    for ev in ctx.events:
        if ev.kind == "action-item" and ev.data.get("item") == item:
            value = ev.data.get("ticket") or ev.data.get("url")
            if isinstance(value, str) and value.strip():
                found = value.strip()
    return found


def _gaps(ctx: _Context) -> list[str]:
    lines: list[str] = []
    for ev in ctx.events:
        unchecked = ev.data.get("unchecked") if ev.kind == "decision" else None
        if isinstance(unchecked, list):
            step = md_code(f"{ev.data.get('runbook', '?')}/{ev.data.get('step', '?')}")
            lines += [f"- Not ticked when {step} was done ({_when(ev.time)}): {md_text(item)}" for item in unchecked]
    owed = _updates_owed(ctx)
    if owed:
        lines.append(f"- {owed}")
    lines += [f"- {gap}" for gap in dict.fromkeys(ctx.gaps)]
    return lines or ["Nothing: every section is filled, every checklist item ticked and every update sent."]


def _updates_owed(ctx: _Context) -> str | None:
    detected = _ts(ctx.incident.detected_at)
    if detected is None:
        return None
    end = _ts(ctx.incident.resolved_at) or ctx.now
    every = DEFAULT_COMMS_EVERY
    for rid in ctx.incident.runbooks:
        rb = ctx.runbooks.get(rid)
        comms = rb and (rb.comms.get("internal") or next(iter(rb.comms.values()), None))
        if comms and comms.every:
            every = comms.every
            break
    owed = int((end - detected) // every)
    sent = sum(1 for e in ctx.events if e.kind == "comms")
    if sent >= owed:
        return None
    return (f"Updates owed: {owed} (one every {format_duration(every)} from detection to "
            f"{'resolution' if ctx.incident.resolved_at else 'now'}), {sent} sent; "
            f"press {ctx.key('incident.comms')} to send one.")


def _timeline(ctx: _Context) -> list[str]:
    lines: list[str] = []
    for ev in ctx.events:
        if ev.kind == "command":
            text = [_describe(ctx, ev)]
        else:
            text = md_lines(ev.text) or [""]
        head = f"- {_when(ev.time)} · **{_inline(ev.author)}** · {_inline(ev.kind)}: "
        # A note of several lines keeps them: hard line breaks (a trailing backslash), indented under the item.
        lines.extend(("  " if i else head) + line + ("\\" if i < len(text) - 1 else "")
                     for i, line in enumerate(text))
    return lines


def command_title(runbooks: Mapping[str, Runbook], ev: Event) -> tuple[str, str]:
    """(title, id) of a command event: the title it recorded, else its runbook's, else the id."""
    name = str(ev.data.get("command") or "?")
    title = ev.data.get("title")
    if not isinstance(title, str) or not title:
        rb = runbooks.get(str(ev.data.get("runbook")))
        title = rb.commands[name].title if rb and name in rb.commands else name
    return title, name


def describe(runbooks: Mapping[str, Runbook], ev: Event) -> str:
    """One plain line for an event in a list or on a chart: a command by its title and [id], never its full text."""
    if ev.kind == "command":
        title, name = command_title(runbooks, ev)
        code = ev.data.get("exit_code")
        how = f"exit {code}" if isinstance(code, int) else str(ev.data.get("status") or "")
        danger = "changes production" if ev.data.get("danger") is True else ""
        detail = ", ".join(p for p in (how, danger) if p)
        verb = "could not run" if ev.data.get("status") == "did not start" else "ran"
        return f"{verb} {plain_line(title)} [{plain_line(name)}]" + (f" ({plain_line(detail)})" if detail else "")
    return _first_line(ev.text)


def _describe(ctx: _Context, ev: Event) -> str:
    return md_text(describe(ctx.runbooks, ev))


def event_marks(incident: Incident, events: Sequence[Event], runbooks: Sequence[Runbook]) -> list[Mark]:
    """The moments a chart marks: the page, every command (the danger ones as the fix), status changes, the
    rollback/fix-forward decision."""
    by_id = {rb.id: rb for rb in runbooks}
    marks: list[Mark] = []
    detected = _ts(incident.detected_at)
    if detected is not None:
        marks.append(Mark(detected, "paged: the incident opened" + (f" ({incident.alert})" if incident.alert else ""),
                          "page"))
    for ev in events:
        t = _ts(ev.time)
        if t is None:
            continue
        if ev.kind == "command":
            marks.append(Mark(t, describe(by_id, ev), "fix" if is_fix(ev) else "command"))
        elif ev.kind == "status" and ev.data.get("field") == "status":
            marks.append(Mark(t, f"status {ev.data.get('from')} → {ev.data.get('to')}", "status"))
        elif ev.kind == "decision" and ev.data.get("action") == "answer" and (choice := _choice_of(ev)):
            marks.append(Mark(t, f"decision: {choice} ({plain_line(ev.data.get('label'))})", "decision"))
    return sorted(marks, key=lambda mk: mk.t)


def _appendix(ctx: _Context) -> list[str]:
    runs: dict[tuple[str, str], list[Event]] = {}
    for ev in ctx.events:
        if ev.kind == "command":
            runs.setdefault((str(ev.data.get("command") or "?"), str(ev.data.get("display") or "")), []).append(ev)
    if not runs:
        return ["No command ran in this incident."]
    lines: list[str] = []
    for (_, display), evs in runs.items():
        title, name = command_title(ctx.runbooks, evs[0])
        lines += [f"### {_inline(title)} \\[{md_text(name)}\\]", ""]
        lines += md_fence(display or _first_line(evs[0].text), "sh") + [""]
        for ev in evs:
            how = ev.data.get("status") or "ran"
            lines += [f"- {_when(ev.time)} · {_inline(ev.author)} · {md_text(how)}"]
            output = ev.data.get("output")
            if isinstance(output, str) and output.strip():
                lines += ["", *("  " + line for line in _code_block(output)), ""]
        lines.append("")
    return lines


# ---- helpers -----------------------------------------------------------------------------

def _section(title: str, body: list[str]) -> list[str]:
    return [f"## {title}", "", *body, ""]


def _text(value: str | None) -> str:
    """Outside prose of several lines: each escaped, kept as its own line (hard breaks), none a block start."""
    return "\\\n".join(_BLOCK_START.sub(r"\1\2\\\3", line) for line in md_lines(value))


def _first_line(text: str) -> str:
    lines = plain(text).strip().splitlines()
    return lines[0] if lines else ""


def _inline(value: object) -> str:
    return md_text(value)


def _cell(value: str | None) -> str:
    return md_cell(value)  # `|` is escaped too: a table keeps its columns


def _ts(value: str | None) -> float | None:
    dt = parse_time(value)
    return dt.timestamp() if dt is not None else None


def _when(value: str | None) -> str:
    dt = parse_time(value)
    if dt is None:
        return "not recorded"
    return dt.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _clock(t: float | None) -> str:
    if t is None:
        return "an unrecorded time"
    return datetime.fromtimestamp(t, UTC).strftime("%H:%M:%S UTC")


def _secs(seconds: float | None) -> str:
    return format_duration(seconds) if seconds is not None else "not recorded"


def format_duration(seconds: float) -> str:
    """`45 s`, `12 min`, `2 h 05 min`, `1 d 3 h` (tui.times.duration_text)."""
    return duration_text(seconds)


def _code_block(text: str) -> list[str]:
    lines = plain(text).rstrip("\n").splitlines()
    if len(lines) > _OUTPUT_LINES:
        lines = lines[:_OUTPUT_LINES] + [f"... ({len(lines) - _OUTPUT_LINES} more lines)"]
    return md_fence("\n".join(lines))


