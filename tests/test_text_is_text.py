"""Text is text: outside strings never become markup or terminal control, on any screen or CLI output.

The same hostile string goes everywhere outside text can come from: runbook fields, alert labels
and annotations, command output, a teammate's journal entries, a sync message. Each screen must
come up (no MarkupError), show the visible form (`␛]0;pwned␇`), and send the terminal no OSC, no
clear-screen, no C1 control and no bidi override. Every CLI output must hold no ESC at all.
"""

from __future__ import annotations

import dataclasses
import html
import json
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.screenshots import settings_for, wait_for
from tests.test_app_screens import open_incident
from tui.app.factory import make_app
from tui.journal import Journal
from tui.metrics.alerts import Alert, AlertLink
from tui.text import md_cell, md_code, md_lines, md_text, plain, plain_in_place, plain_line

# Markup Rich and Textual would parse, and the controls a terminal would obey.
HOSTILE = "[/] [bold]b [link=x]l \x1b]0;pwned\x07 \x1b[2J \x9b2J \u202eevil \x00\x01\x08 \x1b[31mred\x1b[0m"
SHOWN = "[/] [bold]b [link=x]l ␛]0;pwned␇ ␛[2J ␛[2J ⟨U+202E⟩evil ␀␁␈ red"
# What must never reach a terminal from outside text: OSC, clear screen, 8-bit CSI/OSC, bidi override, BEL, NUL.
FORBIDDEN = ("\x1b]", "\x1b[2J", "\x9b", "\x9d", "\u202e", "\x07", "\x00", "pwned\x07")


def _y(text: str) -> str:
    """A YAML scalar holding exactly `text` (JSON strings are YAML double-quoted scalars)."""
    return json.dumps(text)


SPEW = ("import sys; sys.stdout.write('out ' + " + repr(HOSTILE) + " + '\\nprogress 10%\\rprogress 100%\\n')")

HOSTILE_RUNBOOK = f"""\
id: hostile
title: {_y("Hostile title " + HOSTILE)}
version: 1
summary: {_y("Summary " + HOSTILE)}
category: infrastructure
severity_hint: high
symptoms: [{_y("symptom " + HOSTILE)}]
params:
  model: {{prompt: {_y("Model " + HOSTILE)}, default: m1}}
metrics:
  rate:
    title: {_y("Rate " + HOSTILE)}
    query: up
commands:
  spew:
    title: {_y("Spew " + HOSTILE)}
    run: [python3, -c, {_y(SPEW)}]
  nuke:
    title: {_y("Nuke " + HOSTILE)}
    run: [echo, {_y("nuked " + HOSTILE)}]
    danger: true
start: a
steps:
  a:
    ask: {_y("Question " + HOSTILE)}
    detail: {_y("Detail " + HOSTILE)}
    metric: rate
    command: spew
    commands: [nuke]
    checklist: [{_y("Tick " + HOSTILE)}]
    choices:
      - {{label: {_y("Yes " + HOSTILE)}, next: b}}
      - {{label: "No", next: b}}
  b:
    outcome: resolved
    say: {_y("Done " + HOSTILE)}
comms:
  internal:
    every: 10m
    template: {_y("Update " + HOSTILE + " ${title}")}
"""


# ---- the sanitiser -------------------------------------------------------------------------------

@pytest.mark.parametrize("raw, shown", [
    ("[/] [bold]x[/bold] [link=http://e]y", "[/] [bold]x[/bold] [link=http://e]y"),  # markup is text already
    ("\x1b]0;pwned\x07", "␛]0;pwned␇"),  # OSC: set the terminal's title
    ("\x1b]52;c;cHduZWQ=\x1b\\", "␛]52;c;cHduZWQ=␛\\"),  # OSC 52: write the clipboard
    ("\x1b[2J\x1b[H", "␛[2J␛[H"),  # CSI: clear, home
    ("\x9b2J", "␛[2J"),  # 8-bit CSI
    ("\x9d0;t\x9c", "␛]0;t␛\\"),  # 8-bit OSC and ST
    ("\x1bP1$r\x1b\\", "␛P1$r␛\\"),  # DCS
    ("\x1b_apc\x1b\\ \x1b^pm\x1b\\ \x1bXsos\x1b\\", "␛_apc␛\\ ␛^pm␛\\ ␛Xsos␛\\"),
    ("\x1b[1;31mred\x1b[0m \x1b[38;2;1;2;3mrgb\x1b[m", "red rgb"),  # SGR colour: removed
    ("\x9b31mred\x9b0m", "red"),
    ("a\x00b\x07c\x08d\x0be\x0cf\x7fg", "a␀b␇c␈d␋e␌f␡g"),  # C0 and DEL
    ("tab\tand\nnewline", "tab\tand\nnewline"),  # kept
    ("one\r\ntwo", "one\ntwo"),
    ("10%\r50%\r100%", "10%\n50%\n100%"),  # a progress bar hides nothing
    ("rm -rf /\rls", "rm -rf /\nls"),
    ("admin\u202e\u2066txt.exe\u2069", "admin⟨U+202E⟩⟨U+2066⟩txt.exe⟨U+2069⟩"),  # Trojan Source
    ("a\u2028b", "a⟨U+2028⟩b"),
    ("lone \ud800 surrogate", "lone ⟨U+D800⟩ surrogate"),  # would not even print
    ("café ✓ 日本", "café ✓ 日本"),
    (None, ""),
    (42, "42"),
])
def test_plain_shows_what_the_text_holds_and_obeys_nothing(raw: Any, shown: str) -> None:
    assert plain(raw) == shown
    assert plain(plain(raw)) == plain(raw)  # what is shown is already plain


def test_plain_is_linear_on_huge_hostile_inputs() -> None:
    # Quadratic work would take minutes on these; linear work takes well under a second each.
    for text in ("\x1b[" * 500_000, "\x1b[" + "0;" * 500_000, "\x1b[0m" * 250_000, "\r" * 1_000_000,
                 "\u202e" * 250_000, "x" * 5_000_000):
        out = plain(text)
        assert "\x1b" not in out and "\r" not in out and "\u202e" not in out


def test_plain_in_place_keeps_every_position_for_an_input_field() -> None:
    raw = "a\x1b]0;t\x07\x9b2J\u202e\ud800\tb\nc"
    shown = plain_in_place(raw)
    assert shown == "a␛]0;t␇\ufffd2J\ufffd\ufffd b␊c" and len(shown) == len(raw)
    assert plain_in_place("plain text") == "plain text"


def test_plain_line_folds_onto_one_line() -> None:
    assert plain_line("a\nb\r\n  c \x1b]0;t\x07") == "a b c ␛]0;t␇"


def test_markdown_helpers_keep_outside_text_from_becoming_links_or_html() -> None:
    assert md_text("[ok](http://evil) <img src=x onerror=alert(1)> a|b") == \
        "\\[ok\\](http://evil) \\<img src=x onerror=alert(1)\\> a|b"
    assert md_cell("a|b [x]") == "a\\|b \\[x\\]"  # a table keeps its columns
    assert md_text("\\[x](y)") == "\\\\\\[x\\](y)"  # a backslash cannot undo the escape
    assert md_text("<http://evil>") == "\\<http://evil\\>"
    assert md_text("\x1b]0;t\x07\nnext") == "␛\\]0;t␇ next"
    assert md_text("run `kubectl get pods`") == "run `kubectl get pods`"  # authors' code spans stay
    assert md_lines("one [a](b)\ntwo <b>") == ["one \\[a\\](b)", "two \\<b\\>"]
    assert md_code("a`b") == "``a`b``" and md_code("`x") == "`` `x ``" and md_code("x") == "`x`"


# ---- the app ---------------------------------------------------------------------------------------

def terminal_view(app: Any) -> tuple[str, str]:
    """(the screen's text, everything drawn, unescaped), toasts and dialogs included, through Textual's
    public screenshot: a control character that reached a widget's text is in the drawing as it is."""
    svg = app.export_screenshot()
    rows: dict[float, list[tuple[float, str]]] = {}
    for m in re.finditer(r'<text class="[^"]*" x="([\d.]+)" y="([\d.]+)"[^>]*>(.*?)</text>', svg, re.S):
        rows.setdefault(float(m.group(2)), []).append((float(m.group(1)), html.unescape(m.group(3))))
    text = "\n".join("".join(t for _, t in sorted(row)).replace("\xa0", " ") for _, row in sorted(rows.items()))
    return text, html.unescape(svg)


def assert_safe(app: Any, *visible: str) -> str:
    text, raw = terminal_view(app)
    for bad in FORBIDDEN:
        assert bad not in raw, f"{bad!r} reaches the terminal"
    for expected in visible:
        assert expected in text, f"{expected!r} is not on screen:\n{text}"
    return text


def hostile_alerts() -> Any:
    async def fetch(runbooks: dict) -> list:
        alert = Alert(labels={"alertname": "Hostile" + HOSTILE, "model": "m1", "pod": "pod " + HOSTILE},
                      annotations={"summary": "Alert summary " + HOSTILE, "description": HOSTILE},
                      starts_at="2026-11-22T02:40:00Z")
        return [AlertLink(alert, ("hostile",), {"model": "m1 \x1b]0;pwned\x07 \x9b2J"})]  # a label fills it
    return fetch


def hostile_settings(tmp_path: Path, **changes: Any) -> Any:
    folder = tmp_path / "hostile"
    folder.mkdir()
    (folder / "hostile.yaml").write_text(HOSTILE_RUNBOOK, encoding="utf-8")
    settings = settings_for(tmp_path, **changes)
    return dataclasses.replace(settings, runbook_dirs=(*settings.runbook_dirs, folder))


def teammate_incident(settings: Any) -> str:
    """An open incident written by a teammate whose name and notes are hostile."""
    journal = Journal(settings.journal_path, user="bob " + HOSTILE, sync_on_write="off")
    try:
        incident = journal.new_incident("Teammate " + HOSTILE, runbook="hostile", params={"model": "m1"})
        journal.note(incident.id, "line one " + HOSTILE + "\nline two\nline three")
        return incident.id
    finally:
        journal.close()


async def test_the_picker_shows_hostile_alerts_runbooks_and_incidents_as_text(tmp_path: Path) -> None:
    settings = hostile_settings(tmp_path)
    teammate_incident(settings)
    app = make_app(settings, alerts=hostile_alerts(), cursor_blink=False)
    async with app.run_test(size=(160, 50), notifications=True) as pilot:
        await wait_for(pilot, lambda: app.alert_links is not None and app.journal is not None)
        await pilot.pause()
        picker = app.screen
        assert any(k.startswith("join:") for k in picker.keys) and "alert:0" in picker.keys
        assert_safe(app, "OPEN", "Teammate [/] [bold]b", "ALERT", "Hostile[/] [bold]b", "␛]0;pwned␇",
                    "Hostile title [/]")
        options = picker.query_one("#choices")
        options.highlighted = picker.keys.index("alert:0")
        await pilot.pause()
        assert_safe(app, "pod=pod [/] [bold]b [link=x]l ␛]0;pwned␇")
        options.highlighted = picker.keys.index("hostile")
        await pilot.pause()
        assert_safe(app, "Summary [/] [bold]b [link=x]l ␛]0;pwned␇ ␛[2J ␛[2J ⟨U+202E⟩evil", "symptom [/]")
        await pilot.press(*"[/] [bold]")  # the filter is outside text too: the "no match" line quotes it
        await pilot.pause()
        assert_safe(app, "[/] [bold]")
        await pilot.press("escape")
        await pilot.pause()
        options.highlighted = picker.keys.index("alert:0")
        await pilot.press("enter")  # the runbook has the teammate's open incident: the resume offer first
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ResumeScreen")
        await pilot.pause()
        assert_safe(app, "Teammate [/] [bold]b", "bob [/] [bold]b")
        await pilot.press("n")  # a new incident: the alert's label fills the parameter form, drawn visibly, kept exact
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ParamsScreen")
        await pilot.pause()
        assert_safe(app, "m1 ␛]0;pwned", "�2J")  # (Rich drops the BEL itself)
        assert app.screen.query_one("#param-model").value == "m1 \x1b]0;pwned\x07 \x9b2J"
        assert app.is_running


async def test_an_incident_on_a_hostile_runbook_shows_every_part_as_text(tmp_path: Path) -> None:
    app = make_app(hostile_settings(tmp_path), cursor_blink=False)
    async with app.run_test(size=(200, 60), notifications=True) as pilot:
        await wait_for(pilot, lambda: app.loaded is not None)
        app.open_runbook("hostile")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ParamsScreen")
        await pilot.pause()
        assert_safe(app, "Hostile title [/] [bold]b", "Summary [/]", "Model [/] [bold]b")
        await pilot.press("enter")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "IncidentScreen")
        screen = app.screen
        await pilot.pause()
        assert_safe(app, "Question " + SHOWN[:40], "Yes [/] [bold]b", "Tick [/]", "Spew [/] [bold]b",
                    "Detail [/]", "Hostile title [/]")

        await pilot.press("r")  # spew: its output is hostile
        await wait_for(pilot, lambda: screen.running is None and not screen.query_one("#output").queued,
                       tries=1000)
        await pilot.pause()
        text = assert_safe(app, "out " + SHOWN[:60], "progress 10%", "progress 100%")
        assert "out [/] [bold]b [link=x]l ␛]0;pwned␇ ␛[2J ␛[2J ⟨U+202E⟩evil ␀␁␈ red" in text
        log_lines = screen.query_one("#output-log").lines
        assert not any("\x1b" in line or "\x9b" in line for line in log_lines)
        await pilot.press("W")  # the pane's wrapping twin draws the same text
        await pilot.pause()
        assert_safe(app, "progress 100%")
        await pilot.press("W", "v")  # and so does the whole-output view, its title and its command
        await wait_for(pilot, lambda: type(app.screen).__name__ == "OutputViewScreen")
        await pilot.pause()
        assert "red" in assert_safe(app, "OUTPUT", "spew", "out [/] [bold]b [link=x]l ␛]0;pwned␇")
        await pilot.press("escape")
        await pilot.pause()

        await pilot.press("R")  # the command list quotes the titles
        await pilot.pause()
        assert_safe(app, "spew: Spew [/] [bold]b", "nuke: Nuke [/]")
        await pilot.press("2")  # nuke: a danger command shows exactly what runs
        await wait_for(pilot, lambda: type(app.screen).__name__ == "DangerScreen")
        assert_safe(app, "DANGER", "Nuke [/] [bold]b", "nuked [/] [bold]b [link=x]l ␛]0;pwned␇")
        await pilot.press("escape")
        await pilot.pause()
        assert_safe(app, "nuke was not run")

        await pilot.press("u")  # the update is filled from the runbook's template and the incident
        await wait_for(pilot, lambda: type(app.screen).__name__ == "CommsScreen")
        assert "\x1b" not in app.screen.current_text
        assert_safe(app, "Update [/] [bold]b")
        await pilot.press("escape", "x")  # the report preview quotes the command output
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ReportScreen")
        assert_safe(app, "Post-incident report")
        await pilot.press("escape")
        app.notify("Notified " + HOSTILE)  # a toast is outside text too
        app.fail("Failed " + HOSTILE)
        await pilot.pause()
        assert_safe(app, "Notified [/] [bold]b", "Failed [/] [bold]b")
        assert app.is_running


async def test_a_teammates_note_and_name_in_the_journal_pane_are_text(tmp_path: Path) -> None:
    settings = hostile_settings(tmp_path)
    iid = teammate_incident(settings)
    app = make_app(settings, cursor_blink=False)
    # Wide enough that the note's first line is one row: the pane wraps at its full width.
    async with app.run_test(size=(300, 60), notifications=True) as pilot:
        await wait_for(pilot, lambda: app.journal is not None and f"join:{iid}" in app.screen.keys)
        app.join_incident(iid)
        await wait_for(pilot, lambda: type(app.screen).__name__ == "IncidentScreen")
        await pilot.pause()
        assert_safe(app, "bob [/] [bold]b", "line one [/] [bold]b [link=x]l ␛]0;pwned␇", "line two",
                    "Teammate [/] [bold]b")


async def test_unknown_names_quoted_in_errors_are_text(tmp_path: Path) -> None:
    app = make_app(settings_for(tmp_path), cursor_blink=False)
    async with app.run_test(size=(160, 40), notifications=True) as pilot:
        await wait_for(pilot, lambda: app.loaded is not None)
        app.open_runbook("no-such " + HOSTILE)  # the error quotes the id it did not find
        app.open_alert("Gone " + HOSTILE)
        await pilot.pause()
        assert_safe(app, "no-such [/] [bold]b")
        assert app.is_running


# ---- notes -----------------------------------------------------------------------------------------

async def test_a_three_line_paste_is_one_note_with_its_newlines(tmp_path: Path) -> None:
    from textual import events
    from textual.widgets import TextArea

    app = make_app(settings_for(tmp_path), cursor_blink=False)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        screen = await open_incident(pilot)
        await pilot.press("n")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "NoteScreen")
        assert app.screen.query_one(TextArea).has_focus
        # As the terminal driver does: the app forwards the paste to the focused widget.
        app.post_message(events.Paste("kubectl get pods\npod-a  CrashLoopBackOff\npod-b  Running"))
        await pilot.pause()
        await pilot.press("enter")  # Enter saves, as it always did
        await wait_for(pilot, lambda: app.screen is screen)
        await pilot.pause()
        journal = Journal(settings_for(tmp_path).journal_path, user="reader", sync_on_write="off")
        try:
            notes = [e.text for e in journal.events(screen.controller.incident_id) if e.kind == "note"]
        finally:
            journal.close()
        assert notes == ["kubectl get pods\npod-a  CrashLoopBackOff\npod-b  Running"]
        assert_safe(app, "note: kubectl get pods", "pod-a  CrashLoopBackOff", "pod-b  Running")


async def test_the_note_dialog_takes_a_newline_on_shift_enter_and_saves_on_enter(tmp_path: Path) -> None:
    app = make_app(settings_for(tmp_path), cursor_blink=False)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        screen = await open_incident(pilot)
        await pilot.press("n", *"first?", "shift+enter", *"second q", "ctrl+j", *"third", "enter")
        await wait_for(pilot, lambda: app.screen is screen)
        journal = Journal(settings_for(tmp_path).journal_path, user="reader", sync_on_write="off")
        try:
            notes = [e.text for e in journal.events(screen.controller.incident_id) if e.kind == "note"]
        finally:
            journal.close()
        assert notes == ["first?\nsecond q\nthird"]  # ? and q are text here, not help and quit
        await pilot.press("n", "escape")  # Escape still cancels, and an empty note saves nothing
        await pilot.press("n", "enter")
        await pilot.pause()
        assert app.screen is screen


# ---- the command line ------------------------------------------------------------------------------

def oncall(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "tui", *args], env=env, capture_output=True, timeout=60, check=False)


def assert_clean(done: subprocess.CompletedProcess[bytes], *visible: str) -> str:
    for name, stream in (("stdout", done.stdout), ("stderr", done.stderr)):
        assert b"\x1b" not in stream, f"ESC on {name}: {stream[:2000]!r}"
        for bad in ("\x9b", "\x9d", "\u202e", "\x07", "\x00"):
            assert bad.encode() not in stream, f"{bad!r} on {name}"
        assert b"Traceback" not in stream
    out = done.stdout.decode() + done.stderr.decode()
    for expected in visible:
        assert expected in out, out
    return out


@pytest.fixture
def cli_env(tmp_path: Path) -> dict[str, str]:
    import os

    folder = tmp_path / "runbooks"
    folder.mkdir()
    (folder / "hostile.yaml").write_text(HOSTILE_RUNBOOK, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONCALL_")}
    env.update(ONCALL_RUNBOOKS=str(folder), ONCALL_JOURNAL=str(tmp_path / "journal.json"), ONCALL_USER="alice",
               PYTHONPATH=str(Path(__file__).resolve().parent.parent), PYTHONIOENCODING="utf-8")
    return env


def test_journal_list_show_and_export_print_no_control_bytes(cli_env: dict[str, str], tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal.json", user="bob " + HOSTILE, sync_on_write="off")
    try:
        inc = journal.new_incident("Title " + HOSTILE, runbook="hostile")
        journal.note(inc.id, "note " + HOSTILE + "\nsecond line [x](http://evil) <img src=x>")
        journal.add_event(inc.id, "command", "spew: exit 0", {"output": "out " + HOSTILE + "\n```\n<b>"})
        journal.set_fields(inc.id, impact="impact " + HOSTILE, root_cause="[click](http://evil)")
        journal.add_action_item(inc.id, "fix " + HOSTILE, "owner " + HOSTILE, "2026-12-01")
    finally:
        journal.close()
    assert_clean(oncall("journal", "list", env=cli_env), "Title [/] [bold]b [link=x]l ␛]0;pwned␇")
    shown = assert_clean(oncall("journal", "show", inc.id, env=cli_env), "note [/] [bold]b", "second line",
                         "bob [/] [bold]b", "fix [/]")
    assert "          line two" not in shown and "          second line [x](http://evil) <img src=x>" in shown
    report = assert_clean(oncall("journal", "export", inc.id, env=cli_env), "impact \\[/\\] \\[bold\\]b")
    assert "[click](http://evil)" not in report and "\\[click\\](http://evil)" in report  # no link survives
    assert "\\<img src=x\\>" in report and "<img" not in report.replace("\\<img", "")
    # The note's second line stays a line of its own (a hard break), under its list item.
    assert "\\\n  second line \\[x\\](http://evil) \\<img src=x\\>" in report
    for args in (("journal", "list", "--json"), ("journal", "show", inc.id, "--json")):
        done = oncall(*args, env=cli_env)
        assert_clean(done)
        parsed = json.loads(done.stdout)
        assert "Title " + HOSTILE in json.dumps(parsed, ensure_ascii=False) or parsed  # the data is kept whole


def test_list_print_validate_and_run_print_no_control_bytes(cli_env: dict[str, str], tmp_path: Path) -> None:
    assert_clean(oncall("list", env=cli_env), "Hostile title [/] [bold]b")
    printed = assert_clean(oncall("print", "hostile", env=cli_env),
                           "# Hostile title \\[/\\] \\[bold\\]b \\[link=x\\]l ␛\\]0;pwned␇ ␛\\[2J",
                           "Summary \\[/\\] \\[bold\\]b", "**Question \\[/\\]", "1. Yes \\[/\\]")
    outside_code = printed.split("```")[::2]  # code blocks show the command verbatim, and are inert
    assert not any("[link=x]" in part for part in outside_code)
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "bad.yaml").write_text(HOSTILE_RUNBOOK.replace("start: a", "start: " + _y("nowhere " + HOSTILE)))
    assert_clean(oncall("validate", str(broken), env=cli_env), "nowhere [/] [bold]b")
    assert_clean(oncall("run", "hostile", "spew", env=cli_env), "out [/] [bold]b [link=x]l ␛]0;pwned␇ ␛[2J",
                 "progress 10%\nprogress 100%")
    assert_clean(oncall("run", "hostile", "nuke", "--dry-run", env=cli_env), "nuked [/]")
    argv_hostile = HOSTILE.replace("\x00", "")  # an argument cannot hold NUL
    assert_clean(oncall("run", "hostile", "no-such " + argv_hostile, env=cli_env), "no-such [/] [bold]b")
    assert_clean(oncall("print", "no-such " + argv_hostile, env=cli_env), "no-such [/] [bold]b")
    assert_clean(oncall("journal", "show", "inc-" + argv_hostile, env=cli_env))
    assert_clean(oncall("journal", "new", "--title", "x", "--severity", argv_hostile, env=cli_env))  # usage error


class _JsonServer:
    """A real HTTP server on 127.0.0.1 answering every GET with one JSON body (a hostile Alertmanager)."""

    def __init__(self, body: Any) -> None:
        payload = json.dumps(body).encode()

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hostile_alertmanager() -> Iterator[str]:
    server = _JsonServer([{"labels": {"alertname": "Hostile" + HOSTILE, "model": "m1"},
                           "annotations": {"summary": "sum " + HOSTILE, "runbook_url": "http://x/hostile"},
                           "startsAt": "2026-11-22T02:40:00Z", "status": {"state": "active"}}])
    yield server.url
    server.close()


@pytest.fixture
def hostile_prometheus() -> Iterator[str]:
    server = _JsonServer({"status": "success", "data": {"resultType": "vector", "result": [
        {"metric": {"job": "a " + HOSTILE}, "value": [1700000000.0, "1"]},
        {"metric": {"job": "b " + HOSTILE}, "value": [1700000000.0, "2"]}]}})
    yield server.url
    server.close()


def test_alerts_and_metrics_print_no_control_bytes(cli_env: dict[str, str], hostile_alertmanager: str,
                                                   hostile_prometheus: str) -> None:
    assert_clean(oncall("alerts", "--alertmanager", hostile_alertmanager, env=cli_env),
                 "Hostile[/] [bold]b", "sum [/] [bold]b")
    done = oncall("alerts", "--json", "--alertmanager", hostile_alertmanager, env=cli_env)
    assert_clean(done)
    assert json.loads(done.stdout)[0]["alertname"] == "Hostile" + HOSTILE  # JSON keeps the data exact
    assert_clean(oncall("metrics", "hostile", "--prometheus", hostile_prometheus, env=cli_env),
                 "Rate [/] [bold]b", "a [/] [bold]b")


async def test_a_note_typed_fast_is_saved_whole(tmp_path: Path) -> None:
    """Keys arrive faster than the dialog handles them (a quick typist, a paste over tmux): Enter must save
    what was typed before it, every letter, not what the text box had handled so far."""
    from textual import events

    from tui.app.factory import make_app
    from tui.app.screens.dialogs import NoteScreen

    app = make_app(settings_for(tmp_path), cursor_blink=False)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_incident(pilot)
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, NoteScreen))
        for key in ["a", "l", "p", "h", "a", "ctrl+j", "b", "e", "t", "a", "enter"]:  # posted in one burst
            app.post_message(events.Key(key, key if len(key) == 1 else None))
        await wait_for(pilot, lambda: not isinstance(app.screen, NoteScreen))
        await pilot.pause()
        notes = [e.text for e in screen.controller.journal.events(screen.controller.incident_id) if e.kind == "note"]
        assert notes == ["alpha\nbeta"]
