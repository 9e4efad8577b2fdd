"""The left side: one step at a time, in large plain words, with what to press next.

Every word of a step comes from a runbook file (or a parameter, a metric, a command's result):
it reaches the screen as `shown(...)` or as a `$value` of a template through `styled`, never as markup.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from tui.app.messages import StepChanged
from tui.app.shown import shown, styled
from tui.incident import IncidentController
from tui.runbook.kinds import KINDS, StepKind

OUTCOME_NEXT = {
    "resolved": "Validate that the metrics are back to baseline, then send the update (u) and export the report (x).",
    "escalate": "Page the people named above now, and note who you paged (n).",
    "handoff": "Hand over to the runbook or team named above; note the handover (n).",
}


class StepView(VerticalScroll, can_focus=False):
    """Shows `session.step`; the screen owns the keys and tells this view what is selected."""

    def compose(self) -> ComposeResult:
        # The question and its answers come first, so they stay on screen at 80x24; the detail follows.
        yield Static(id="step-kind")
        yield Static(id="step-text")
        yield Static(id="step-evidence")
        yield Static(id="step-choices")
        yield Static(id="step-detail")
        yield Static(id="step-checklist")
        yield Static(id="step-commands")
        yield Static(id="step-hint")

    def show(self, session: IncidentController, *, selected: int | None, cursor: int, running: bool = False) -> None:
        step = session.step
        walker = session.walker
        kind = KINDS[step.kind].banner
        if step.kind == StepKind.OUTCOME:
            kind += f": {step.outcome}"
        if walker.depth > 1:
            kind += f"  (inside {session.current.id}, from {walker.caller.runbook.id})" if walker.caller else ""
        self._set("#step-kind", shown(kind))
        self._set("#step-text", shown(session.text(step.text)))
        self._set("#step-detail", shown(session.text(step.detail)) if step.detail else None)
        self._set("#step-evidence", self._evidence(session))
        self._set("#step-choices", self._choices(session, selected))
        self._set("#step-checklist", self._checklist(session, cursor))
        self._set("#step-commands", self._commands(session, running))
        self._set("#step-hint", shown(self._hint(session, selected)))

    def _set(self, selector: str, content: Content | None) -> None:
        widget = self.query_one(selector, Static)
        widget.display = content is not None and bool(content.plain)
        widget.update(content if content is not None else "")

    @staticmethod
    def _evidence(session: IncidentController) -> Content | None:
        """The live value the step depends on, and the suggestion it leads to."""
        step = session.step
        lines: list[Content] = []
        if step.metric:
            reading = session.readings.get(step.metric)
            if reading is None:
                lines.append(styled("[dim]$name: no value (see the metrics pane)[/]", name=step.metric))
            else:
                now = session.clock.now().timestamp()
                lines.append(styled("$name  [b]$value[/]  $label",
                                                 name=step.metric, value=reading.display, label=reading.label_at(now)))
                hold = reading.hold_text(now)
                if hold:  # why nothing is suggested yet, and how long to wait
                    lines.append(styled("[$warning b]$hold.[/]", hold=hold[0].upper() + hold[1:]))
        result = session.result_for_step()
        if result is not None and step.command == result.name:
            lines.append(shown(f"{result.name}: {result.status_text}"))
        hint = session.walker.suggestion
        if hint is not None:
            label = step.choices[hint.index].label
            lines.append(styled("[$accent]Suggested: $n $label, because $reason.[/]",
                                             n=str(hint.index + 1), label=label, reason=hint.reason))
        return Content("\n").join(lines) if lines else None

    @staticmethod
    def _choices(session: IncidentController, selected: int | None) -> Content | None:
        step = session.step
        if step.kind != "ask":
            return None
        hint = session.walker.suggestion
        rows = []
        for i, choice in enumerate(step.choices):
            mark = "▶" if i == selected else " "
            tail = "  ← suggested" if hint and hint.index == i else ""
            jump = f"  (opens runbook {choice.jump})" if choice.jump else ""
            style = "reverse b" if i == selected else "b"
            rows.append(styled(f"$mark [{style}] $n [/] $label[dim]$jump[/][$accent]$tail[/]",
                                            mark=mark, n=str(i + 1), label=session.text(choice.label),
                                            jump=jump, tail=tail))
        return Content("\n").join(rows)

    @staticmethod
    def _checklist(session: IncidentController, cursor: int) -> Content | None:
        items = session.walker.checklist()
        if not items:
            return None
        rows = [Content("Checklist (space ticks, ↑↓ move):")]
        for i, (text, ticked) in enumerate(items):
            box = "[x]" if ticked else "[ ]"
            pointer = "▶" if i == cursor else " "
            style = "reverse" if i == cursor else ""
            rows.append(styled(f"$pointer [{style or 'none'}]$box $text[/]",
                                            pointer=pointer, box=box, text=session.text(text)))
        return Content("\n").join(rows)

    @staticmethod
    def _commands(session: IncidentController, running: bool) -> Content | None:
        names = session.step.offered_commands
        if not names:
            return None
        commands = session.current.commands
        parts = []
        for i, name in enumerate(names):
            cmd = commands.get(name)
            key = "r" if i == 0 else "R"
            danger = " DANGER" if cmd is not None and cmd.danger else ""
            title = f" ({cmd.title})" if cmd is not None else ""
            parts.append(styled("[b]$key[/] $name$title[$error b]$danger[/]",
                                             key=key, name=name, title=title, danger=danger))
        head = Content("Commands (running: ctrl+c cancels):" if running else "Commands:")
        return Content("\n").join([head, *parts])

    @staticmethod
    def _hint(session: IncidentController, selected: int | None) -> str:
        step = session.step
        walker = session.walker
        if step.kind == StepKind.ASK:
            n = len(step.choices)
            enter = f" · Enter takes {selected + 1}" if selected is not None else ""
            return f"Press 1-{n} to answer{enter} · b back"
        if step.kind == StepKind.DO:
            return "Enter when done · b back"
        text = OUTCOME_NEXT.get(step.outcome or "", "")
        if walker.can_resume and walker.caller is not None:
            text += f"\nEnter returns to {walker.caller.runbook.id} at {walker.caller.step_id}."
        return text + " · b back"

    def on_step_changed(self, message: StepChanged) -> None:
        self.show(message.controller, selected=message.selected, cursor=message.cursor, running=message.running)
