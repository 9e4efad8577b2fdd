"""A runbook as Markdown, for a wiki page or paper at 3am when the laptop is dead.

A runbook folder may sit on a share anyone can write: its text goes in through `tui.text`
(`md_text` for prose, `md_cell` in tables, `md_code` in code spans, `md_fence` for code),
so it shows no control sequence and opens no link, image or HTML tag in the renderer. Ids and
names are checked by the validator against plain patterns; they go into code spans all the same.
"""

from __future__ import annotations

import json

from tui.runbook.kinds import KINDS, StepKind
from tui.runbook.model import JUMP_PREFIX, Runbook, Step
from tui.text import md_cell, md_code, md_fence, md_lines, md_text


def _prose(text: str) -> list[str]:
    """Outside prose of several lines, each kept as its own line (hard breaks)."""
    lines = md_lines(text)
    return [line + ("\\" if i < len(lines) - 1 else "") for i, line in enumerate(lines)]


def _where(target: str, runbook: Runbook) -> str:
    if target.startswith(JUMP_PREFIX):
        return f"runbook {md_code(target[len(JUMP_PREFIX):])}"
    return f"[{md_text(target)}](#step-{target})"


def _threshold(runbook: Runbook, name: str) -> str:
    metric = runbook.metrics[name]
    sign = "<" if metric.direction == "below" else ">"
    parts = []
    if metric.warn is not None:
        parts.append(f"WARN {sign} {metric.warn:g}")
    if metric.crit is not None:
        parts.append(f"CRIT {sign} {metric.crit:g}")
    return ", ".join(parts) or "no thresholds"


def _step(step: Step, runbook: Runbook, number: int) -> list[str]:
    out = [f'### {number}. {KINDS[step.kind].heading}: {md_text(step.id)} <a id="step-{step.id}"></a>', ""]
    if step.kind == StepKind.OUTCOME:
        out.append(f"**Outcome: {md_text(step.outcome)}.** {md_text(step.text)}".rstrip())
    else:
        out.append(f"**{md_text(step.text)}**")
    if step.detail:
        out += ["", *_prose(step.detail)]
    if step.metric:
        out += ["", f"Metric: {md_code(step.metric)} ({_threshold(runbook, step.metric)})"]
    if step.offered_commands:
        out += ["", "Commands: " + ", ".join(md_code(c) for c in step.offered_commands)]
    if step.checklist:
        out += [""] + [f"- [ ] {md_text(item)}" for item in step.checklist]
    if step.choices:
        out.append("")
        for i, choice in enumerate(step.choices, 1):
            when = ""
            if choice.when is not None:
                w = choice.when
                held = f" for {md_text(_span(w.hold))}" if w.hold else ""
                when = (f" (suggested when the metric is {md_text(w.state)}{held})" if w.state else
                        f" (suggested when the metric is {md_text(w.trend)})" if w.trend else
                        " (suggested when the command fails)" if w.nonzero else
                        f" (suggested when the command exits {md_text(w.exit)})" if w.exit is not None else
                        f" (suggested when the output matches {md_code(w.output or '')})")
            out.append(f"{i}. {md_text(choice.label)} → {_where(choice.next, runbook)}{when}")
    if step.kind == StepKind.DO and step.next:
        out += ["", f"Then → {_where(step.next, runbook)}"]
    if step.status:
        out += ["", f"Marks the incident **{md_text(step.status)}**."]
    return out + [""]


def _span(seconds: float) -> str:
    return f"{seconds / 60:g} min" if seconds >= 60 else f"{seconds:g} s"


def runbook_markdown(runbook: Runbook) -> str:
    rb = runbook
    out = [f"# {md_text(rb.title)}", "", *_prose(rb.summary), "",
           f"- **Id:** {md_code(rb.id)} (version {md_text(rb.version)})",
           f"- **Category:** {md_text(rb.category)}",
           f"- **Severity hint:** {md_text(rb.severity_hint)}"]
    if rb.last_reviewed:
        out.append(f"- **Last reviewed:** {md_text(rb.last_reviewed)}")
    if rb.owners:
        out.append(f"- **Owners:** {', '.join(md_text(o) for o in rb.owners)}")
    if rb.tags:
        out.append(f"- **Tags:** {', '.join(md_text(t) for t in rb.tags)}")
    if rb.alerts:
        alerts = ", ".join(md_code(a.alertname) + (f" {md_text(a.labels)}" if a.labels else "") for a in rb.alerts)
        out.append(f"- **Opened by alerts:** {alerts}")
    out.append("")
    if rb.symptoms:
        out += ["## Symptoms", ""] + [f"- {md_text(s)}" for s in rb.symptoms] + [""]
    if rb.params:
        out += ["## Parameters", "", "| name | prompt | default | pattern |", "|---|---|---|---|"]
        out += [f"| {md_code(p.name, cell=True)} | {md_cell(p.prompt)} | "
                f"{md_code(p.default, cell=True) if p.default else ''} | "
                f"{md_code(p.pattern, cell=True) if p.pattern else ''} |" for p in rb.params.values()]
        out.append("")
    if rb.metrics:
        out += ["## Metrics", ""]
        for metric in rb.metrics.values():
            out += [f"### {md_code(metric.name)}: {md_text(metric.title)}", "",
                    f"Unit {md_text(metric.unit)}; {_threshold(rb, metric.name)}"
                    f" ({'lower' if metric.direction == 'below' else 'higher'} is worse).", "",
                    *md_fence(metric.query, "promql"), ""]
    if rb.commands:
        out += ["## Commands", ""]
        for cmd in rb.commands.values():
            flags = [f"timeout {cmd.timeout:g}s"] + (["**DANGER: changes production, needs confirmation**"]
                                                    if cmd.danger else [])
            flags += ["read-only (reviewed: changes nothing)"] if cmd.read_only else []
            out += [f"### {md_code(cmd.name)}: {md_text(cmd.title)}", "", "; ".join(flags), ""]
            if cmd.run is not None:
                out += ["argv, run without a shell:", "", *md_fence(json.dumps(list(cmd.run)), "json"), ""]
            else:
                out += ["Shell (bash with pipefail; parameters are its environment variables):", "",
                        *md_fence(cmd.shell or "", "sh"), ""]
    out += ["## Steps", "", f"Start at {_where(rb.start, rb)}.", ""]
    for number, step in enumerate(rb.walk_order(), 1):
        out += _step(step, rb, number)
    if rb.comms:
        out += ["## Communication", ""]
        for comm in rb.comms.values():
            every = f"every {comm.every // 60:g} min" if comm.every else "once"
            out += [f"- **{md_text(comm.name)}** ({every}): {md_text(comm.template)}"]
        out.append("")
    return "\n".join(out).rstrip() + "\n"
