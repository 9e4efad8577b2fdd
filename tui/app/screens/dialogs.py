"""Small modal dialogs: quit, pick one of a list, fill in a form, write a note, confirm a dangerous command.

Every dialog fits 80x24: it is a `Dialog`, whose box scrolls its body between a title docked on
top and its controls (the input, the error line, the way out) docked at the bottom, so a long
command or form scrolls and the typing box and "Escape cancels" stay on screen.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import ClassVar, TypeVar

from rich.table import Table
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Footer, Label, OptionList, Static, TextArea
from textual.widgets.option_list import Option

from tui.app.shown import plain_line, shown, shown_line, styled
from tui.app.widgets.field import Field

Result = TypeVar("Result")
COMPACT_BELOW = 32  # rows: a shorter terminal (80x24) drops the blank lines around a dialog's title


class Dialog(ModalScreen[Result]):
    """The box (`.dialog`) is the scroller: `dialog_title` docks on top, `dialog_controls` at the bottom."""

    BINDINGS = [
        Binding("pageup", "scroll_body(-1)", show=False),
        Binding("pagedown", "scroll_body(1)", show=False),
    ]

    def on_resize(self) -> None:
        self.set_class(self.size.height < COMPACT_BELOW, "-compact")

    def on_mount(self) -> None:
        self.set_class(self.app.size.height < COMPACT_BELOW, "-compact")

    @staticmethod
    def box(*classes: str, id: str | None = None) -> VerticalScroll:
        box = VerticalScroll(classes=" ".join(("dialog", *classes)), id=id)
        box.can_focus = False  # the input has the keys; pgup/pgdn scroll the body
        return box

    @staticmethod
    def controls() -> Vertical:
        return Vertical(classes="dialog-controls")

    def action_scroll_body(self, direction: int) -> None:
        box = self.query_one(".dialog", VerticalScroll)
        if direction < 0:
            box.scroll_page_up(animate=False)
        else:
            box.scroll_page_down(animate=False)


def quit_sentence(status: str | None) -> str:
    """What quitting leaves behind, true to the incident's status (None: no incident in this window)."""
    if status is None:
        return "Everything is already saved in the journal."
    if status == "resolved":
        return "The incident is resolved; everything is saved in the journal."
    return (f"The incident stays open ({status}); everything is saved in the journal, and you or a "
            "teammate can join it again from the first screen.")


class QuitScreen(Dialog[bool]):
    """q then y: nothing is lost, every entry is already saved."""

    BINDINGS = [
        Binding("y", "answer(True)", "yes, quit", id="quit.yes"),
        Binding("n,escape", "answer(False)", "no, stay", key_display="n", id="quit.no"),
    ]
    PURPOSE = "Quit oncall? The journal already holds everything; an open incident can be joined again later."

    def __init__(self, status: str | None = None, *, typed: Callable[[str], None] | None = None) -> None:
        super().__init__()
        self.status = status  # the incident's status (from the journal), None when no incident is open here
        # Opened by q in an empty search box: any other letter means the person was typing a word
        # ("query"), so the dialog closes and "q" plus that letter go to the box; y in "query" never quits.
        self.typed = typed

    def on_key(self, event: events.Key) -> None:
        char = event.character
        if self.typed is None or not char or not char.isprintable() or char in "yn":
            return
        event.stop()
        event.prevent_default()
        typed = self.typed
        self.dismiss(False)
        typed("q" + char)

    def compose(self) -> ComposeResult:
        with self.box():
            yield Static("Quit oncall?", classes="dialog-title")
            yield Static(shown(quit_sentence(self.status)), id="quit-text")
            with self.controls():
                yield Static("Press y to quit, n or Escape to stay.", classes="dialog-hint")
        yield Footer()

    def action_answer(self, value: bool) -> None:
        self.dismiss(value)


def numbered(n: int, text: str) -> Table:
    """An option's prompt: its number in a column of its own, the text wrapping under itself."""
    row = Table.grid(padding=(0, 1))
    row.add_column(width=len(str(n)) + 1, no_wrap=True, justify="right")
    row.add_column(ratio=1)
    row.add_row(Text(str(n), style="bold"), Text(plain_line(text)))  # outside text: plain, never markup
    return row


class ChoiceScreen(Dialog[int | None]):
    """Numbered options: press the number, or move and press Enter; Escape cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "cancel", id="choice.cancel"),
        *(Binding(str(n), f"pick({n})", "pick", show=n == 1, key_display="1-9" if n == 1 else None)
          for n in range(1, 10)),
    ]

    def __init__(self, title: str, options: Sequence[str], *, current: int | None = None, purpose: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.options = list(options)
        self.current = current
        self.PURPOSE = purpose or title

    def compose(self) -> ComposeResult:
        with self.box():
            yield Static(shown_line(self.title_text), classes="dialog-title")
            yield OptionList(*[Option(numbered(i, text), id=str(i - 1)) for i, text in
                               enumerate(self.options, 1)], id="choice-list")
            with self.controls():
                yield Static("Press a number, or ↑↓ and Enter · Escape cancels", classes="dialog-hint")
        yield Footer()

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        if self.current is not None:
            options.highlighted = self.current
        options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(int(event.option.id or 0))

    def action_pick(self, n: int) -> None:
        if 1 <= n <= len(self.options):
            self.dismiss(n - 1)

    def action_cancel(self) -> None:
        self.dismiss(None)


class FormScreen(Dialog[list[str] | None]):
    """Labelled inputs; Enter on the last one (or ctrl+s) saves, Escape cancels."""

    BINDINGS = [
        Binding("ctrl+s", "save", "save", id="form.save"),
        Binding("escape", "cancel", "cancel", id="form.cancel"),
    ]

    def __init__(self, title: str, fields: Sequence[tuple[str, str]], *, hint: str = "",
                 placeholders: Sequence[str] = ()) -> None:
        super().__init__()
        self.title_text = title
        self.fields = list(fields)
        self.hint = hint
        self.placeholders = list(placeholders)
        self.PURPOSE = title

    def compose(self) -> ComposeResult:
        with self.box():
            yield Static(shown_line(self.title_text), classes="dialog-title")
            for i, (label, value) in enumerate(self.fields):
                yield Label(shown_line(label))
                placeholder = self.placeholders[i] if i < len(self.placeholders) else ""
                yield Field(value=value, placeholder=placeholder, id=f"field-{i}")
            with self.controls():
                yield Static("", id="form-error", classes="error-line")
                yield Static(shown(self.hint or "Enter moves on and saves after the last field · Escape cancels"),
                             classes="dialog-hint")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#field-0", Field).focus()

    def on_input_submitted(self, event: Field.Submitted) -> None:
        event.stop()
        index = int((event.input.id or "field-0").split("-")[1])
        if index + 1 < len(self.fields):
            self.query_one(f"#field-{index + 1}", Field).focus()
        else:
            self.action_save()

    def action_save(self) -> None:
        self.dismiss([self.query_one(f"#field-{i}", Field).value for i in range(len(self.fields))])

    def action_cancel(self) -> None:
        self.dismiss(None)

    def show_error(self, message: str) -> None:
        self.query_one("#form-error", Static).update(shown(message))


class NoteArea(TextArea):
    """The note's text. Enter and the new-line keys are handled here, in the order the keys arrive: as
    screen bindings they ran ahead of characters still queued for the area, so a fast typist's last
    letters (or a paste's end) could be cut off a saved note. This class's `on_key` runs before
    TextArea's own key handler; prevent_default() keeps that one from seeing these keys."""

    class Save(Message):
        pass

    def on_key(self, event: events.Key) -> None:
        if event.key == "enter":
            event.stop()
            event.prevent_default()
            self.post_message(self.Save())
        elif event.key in ("ctrl+j", "shift+enter"):
            event.stop()
            event.prevent_default()
            self.insert("\n")


class NoteScreen(Dialog[str | None]):
    """n : a note for the journal, of as many lines as it needs. A pasted block (a stack trace,
    `kubectl get pods`) is kept whole. Enter saves, as everywhere in oncall; shift+enter or
    ctrl+j starts a new line (terminals that cannot tell shift+enter from Enter still send ctrl+j)."""

    BINDINGS = [
        # Shown in the footer; the keys themselves are handled by NoteArea, in order with the typing.
        Binding("enter", "save", "save", key_display="⏎", id="note.save"),
        Binding("shift+enter,ctrl+j", "newline", "new line", key_display="shift+⏎/^j", id="note.newline"),
        Binding("escape", "cancel", "cancel", key_display="esc", id="note.cancel"),
    ]
    PURPOSE = "Add a note to the journal. Enter saves it; shift+enter or ctrl+j starts a new line; Escape cancels."

    def __init__(self, title: str = "Add a note to the journal") -> None:
        super().__init__()
        self.title_text = title

    def compose(self) -> ComposeResult:
        with self.box():
            yield Static(shown_line(self.title_text), classes="dialog-title")
            yield NoteArea(soft_wrap=True, show_line_numbers=False, tab_behavior="focus", id="note-text")
            with self.controls():
                yield Static("Enter saves · shift+enter or ctrl+j: new line (a paste keeps its lines) · "
                             "Escape cancels", classes="dialog-hint")
        yield Footer()

    def on_mount(self) -> None:
        area = self.query_one("#note-text", TextArea)
        area.cursor_blink = getattr(self.app, "cursor_blink", True)
        area.focus()

    def action_newline(self) -> None:
        self.query_one("#note-text", TextArea).insert("\n")

    def on_note_area_save(self, _: NoteArea.Save) -> None:
        self.action_save()

    def action_save(self) -> None:
        text = self.query_one("#note-text", TextArea).text.strip()
        self.dismiss(text or None)

    def action_cancel(self) -> None:
        self.dismiss(None)


class DangerScreen(Dialog[bool]):
    """A command that changes production: show exactly what runs, and ask for the word to be typed."""

    BINDINGS = [Binding("escape", "cancel", "cancel", id="danger.cancel")]
    PURPOSE = "This command changes production. Read it, then type the word shown to run it, or press Escape."

    def __init__(self, name: str, title: str, command: str, params: dict[str, str], word: str,
                 earlier: str | None = None, *, environment: str | None = None, protected: bool = False) -> None:
        super().__init__()
        self.earlier = earlier  # another responder already ran it in this incident: when, and how it ended
        self.name_text = name
        self.title_text = title
        self.command = command
        self.params = params
        self.word = word
        self.environment = environment
        self.protected = protected

    def compose(self) -> ComposeResult:
        from tui.app.widgets.env_badge import badge

        with self.box("danger"):
            yield Static(styled("[reverse $error b] DANGER [/] $title", title=plain_line(self.title_text)),
                         classes="dialog-title")
            if self.environment:
                yield Static(Content(" ").join([badge(self.environment, self.protected), styled(
                    "This changes environment [b]$env[/]" + (", which is protected" if self.protected else "")
                    + ". It will run exactly (pgup/pgdn scroll a long one):", env=self.environment)]),
                    id="danger-environment")
            else:
                yield Static("This changes production. It will run exactly (pgup/pgdn scroll a long one):")
            # Exactly what runs, every control in it visible: a hidden \r or bidi override could make
            # the command read as something else than it is.
            yield Static(shown(self.command), classes="command-line")
            if self.params:
                yield Static(shown("with " + ", ".join(f"{k}={v}" for k, v in self.params.items())))
            if self.earlier:
                yield Static(shown(self.earlier), id="danger-earlier", classes="error-line")
            with self.controls():
                yield Label(styled("Type the environment's name, [b]$word[/], and press Enter to run it:"
                                   if self.protected and self.environment else
                                   "Type [b]$word[/] and press Enter to run it:", word=self.word))
                yield Field(placeholder="type the word here", id="danger-word")
                yield Static("", id="danger-error", classes="error-line")
                yield Static("Escape cancels: nothing runs.", classes="dialog-hint")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#danger-word", Field).focus()

    def on_input_submitted(self, event: Field.Submitted) -> None:
        event.stop()
        if event.value.strip() == self.word:
            self.dismiss(True)
        else:
            self.query_one("#danger-error", Static).update(
                shown(f"That is not {self.word!r}; type it exactly, or press Escape to cancel."))

    def action_cancel(self) -> None:
        self.dismiss(False)
