"""The left side: one step at a time, in large plain words, with what to press next.

Every word of a step comes from a runbook file (or a parameter, a metric, a command's result):
it reaches the screen as `shown(...)` or as a `$value` of a template through `styled`, never as markup.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.css.query import NoMatches
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


class Row(Horizontal):
    """One choice or checklist item: its key column (pointer, number or box) and its text, which wraps
    under itself (a hanging indent), so a long label never reads as two choices."""

    def __init__(self, key: Content, text: Content) -> None:
        super().__init__(classes="step-row")
        self.key, self.text = key, text

    def compose(self) -> ComposeResult:
        yield Static(self.key, classes="row-key")
        yield Static(self.text, classes="row-text")

    def set(self, key: Content, text: Content) -> None:
        self.key, self.text = key, text
        try:
            self.query_one(".row-key", Static).update(key)
            self.query_one(".row-text", Static).update(text)
        except NoMatches:  # not composed yet: compose() shows the new content
            pass


class Rows(Vertical):
    """A list of Rows under an optional heading; the rows are reused while their number stays the same."""

    def __init__(self, head: str | None = None, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.head = head
        self.rows: list[Row] = []  # kept here: a removed row stays in the DOM until its removal is processed

    def compose(self) -> ComposeResult:
        if self.head:
            yield Static(Content(self.head), classes="rows-head")

    def set_head(self, head: str) -> None:
        if head != self.head:
            self.head = head
            for title in self.query(".rows-head").results(Static):
                title.update(Content(head))

    def show(self, rows: list[tuple[Content, Content]] | None) -> None:
        self.display = bool(rows)
        rows = rows or []
        if len(self.rows) != len(rows):
            for old in self.rows:
                old.remove()
            self.rows = [Row(key, text) for key, text in rows]
            self.mount_all(self.rows)
            return
        for row, (key, text) in zip(self.rows, rows):
            row.set(key, text)


class StepView(VerticalScroll, can_focus=False):
    """Shows `session.step`; the screen owns the keys and tells this view what is selected."""

    def compose(self) -> ComposeResult:
        # The question and its answers come first, so they stay on screen at 80x24; the detail follows.
        yield Static(id="step-kind")
        yield Static(id="step-text")
        yield Static(id="step-evidence")
        yield Rows(id="step-choices")
        yield Static(id="step-detail")
        yield Rows("Checklist: space ticks ▶, ↑↓ move", id="step-checklist")
        yield Rows("Commands:", id="step-commands")
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
        self.query_one("#step-choices", Rows).show(self._choices(session, selected))
        self.query_one("#step-checklist", Rows).show(self._checklist(session, cursor))
        commands = self.query_one("#step-commands", Rows)
        commands.show(self._commands(session))
        commands.set_head("Commands (running: ctrl+c cancels):" if running else "Commands:")
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
    def _choices(session: IncidentController, selected: int | None) -> list[tuple[Content, Content]] | None:
        step = session.step
        if step.kind != "ask":
            return None
        hint = session.walker.suggestion
        rows = []
        for i, choice in enumerate(step.choices):
            mark = "▶" if i == selected else " "
            style = "reverse b" if i == selected else "b"
            key = styled(f"$mark [{style}] $n [/]", mark=mark, n=str(i + 1))
            tail = "  ← suggested" if hint and hint.index == i else ""
            jump = f"  (opens runbook {choice.jump})" if choice.jump else ""
            rows.append((key, styled("$label[dim]$jump[/][$accent b]$tail[/]",
                                     label=session.text(choice.label), jump=jump, tail=tail)))
        return rows

    @staticmethod
    def _checklist(session: IncidentController, cursor: int) -> list[tuple[Content, Content]] | None:
        items = session.walker.checklist()
        if not items:
            return None
        rows = []
        for i, (text, ticked) in enumerate(items):
            box = "[x]" if ticked else "[ ]"
            pointer = "▶" if i == cursor else " "
            style = "reverse" if i == cursor else "none"
            rows.append((styled(f"$pointer [{style}]$box[/]", pointer=pointer, box=box),
                         styled(f"[{style}]$text[/]", text=session.text(text))))
        return rows

    @staticmethod
    def _commands(session: IncidentController) -> list[tuple[Content, Content]] | None:
        names = session.step.offered_commands
        if not names:
            return None
        commands = session.current.commands
        rows = []
        for i, name in enumerate(names):
            cmd = commands.get(name)
            danger = " DANGER" if cmd is not None and cmd.danger else ""
            title = f" ({cmd.title})" if cmd is not None else ""
            rows.append((styled("[b]$key[/]", key="r" if i == 0 else "R"),
                         styled("$name$title[$error b]$danger[/]", name=name, title=title, danger=danger)))
        return rows

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
        # While the app shuts down, Textual closes the remaining widgets in no fixed order: a step that
        # arrives then may find this view's children gone, and there is no screen left to show it on.
        if self.app.is_running:
            self.show(message.controller, selected=message.selected, cursor=message.cursor, running=message.running)
