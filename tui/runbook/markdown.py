"""A runbook as Markdown, for a wiki page or paper at 3am when the laptop is dead."""

from __future__ import annotations

import json

from tui.runbook.kinds import KINDS, StepKind
from tui.runbook.model import JUMP_PREFIX, Runbook, Step




def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _where(target: str, runbook: Runbook) -> str:
    if target.startswith(JUMP_PREFIX):
        return f"runbook `{target[len(JUMP_PREFIX):]}`"
    return f"[{target}](#step-{target})"


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
    out = [f'### {number}. {KINDS[step.kind].heading}: {step.id} <a id="step-{step.id}"></a>', ""]
    if step.kind == StepKind.OUTCOME:
        out.append(f"**Outcome: {step.outcome}.** {step.text}".rstrip())
    else:
        out.append(f"**{step.text}**")
    if step.detail:
        out += ["", step.detail]
    if step.metric:
        out += ["", f"Metric: `{step.metric}` ({_threshold(runbook, step.metric)})"]
    if step.offered_commands:
        out += ["", "Commands: " + ", ".join(f"`{c}`" for c in step.offered_commands)]
    if step.checklist:
        out += [""] + [f"- [ ] {item}" for item in step.checklist]
    if step.choices:
        out.append("")
        for i, choice in enumerate(step.choices, 1):
            when = ""
            if choice.when is not None:
                w = choice.when
                when = (f" (suggested when the metric is {w.state})" if w.state else
                        f" (suggested when the command exits {w.exit})" if w.exit is not None else
                        f" (suggested when the output matches `{w.output}`)")
            out.append(f"{i}. {choice.label} → {_where(choice.next, runbook)}{when}")
    if step.kind == StepKind.DO and step.next:
        out += ["", f"Then → {_where(step.next, runbook)}"]
    if step.status:
        out += ["", f"Marks the incident **{step.status}**."]
    return out + [""]


def runbook_markdown(runbook: Runbook) -> str:
    rb = runbook
    out = [f"# {rb.title}", "", rb.summary, "",
           f"- **Id:** `{rb.id}` (version {rb.version})",
           f"- **Category:** {rb.category}",
           f"- **Severity hint:** {rb.severity_hint}"]
    if rb.owners:
        out.append(f"- **Owners:** {', '.join(rb.owners)}")
    if rb.tags:
        out.append(f"- **Tags:** {', '.join(rb.tags)}")
    if rb.alerts:
        alerts = ", ".join(f"`{a.alertname}`" + (f" {a.labels}" if a.labels else "") for a in rb.alerts)
        out.append(f"- **Opened by alerts:** {alerts}")
    out.append("")
    if rb.symptoms:
        out += ["## Symptoms", ""] + [f"- {s}" for s in rb.symptoms] + [""]
    if rb.params:
        out += ["## Parameters", "", "| name | prompt | default | pattern |", "|---|---|---|---|"]
        out += [f"| `{p.name}` | {_cell(p.prompt)} | {('`' + p.default + '`') if p.default else ''} | "
                f"{('`' + _cell(p.pattern) + '`') if p.pattern else ''} |" for p in rb.params.values()]
        out.append("")
    if rb.metrics:
        out += ["## Metrics", ""]
        for metric in rb.metrics.values():
            out += [f"### `{metric.name}`: {metric.title}", "",
                    f"Unit {metric.unit}; {_threshold(rb, metric.name)}"
                    f" ({'lower' if metric.direction == 'below' else 'higher'} is worse).", "",
                    "```promql", metric.query, "```", ""]
    if rb.commands:
        out += ["## Commands", ""]
        for cmd in rb.commands.values():
            flags = [f"timeout {cmd.timeout:g}s"] + (["**DANGER: changes production, needs confirmation**"]
                                                    if cmd.danger else [])
            out += [f"### `{cmd.name}`: {cmd.title}", "", "; ".join(flags), ""]
            if cmd.run is not None:
                out += ["argv, run without a shell:", "", "```json", json.dumps(list(cmd.run)), "```", ""]
            else:
                out += ["Shell (bash with pipefail; parameters are its environment variables):", "", "```sh", cmd.shell or "", "```", ""]
    out += ["## Steps", "", f"Start at [{rb.start}](#step-{rb.start}).", ""]
    for number, step in enumerate(rb.walk_order(), 1):
        out += _step(step, rb, number)
    if rb.comms:
        out += ["## Communication", ""]
        for comm in rb.comms.values():
            every = f"every {comm.every // 60:g} min" if comm.every else "once"
            out += [f"- **{comm.name}** ({every}): {comm.template}"]
        out.append("")
    return "\n".join(out).rstrip() + "\n"
