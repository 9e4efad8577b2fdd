"""Each screen and key of the app, driven with Pilot; assertions read the journal, not only the screen."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.screenshots import (
    fixed_clock,
    settings_for,
    static_metrics,
    wait_for,
    write_library,
)
from tui.app.factory import make_app
from tui.app.screens.dialogs import ChoiceScreen, DangerScreen, NoteScreen
from tui.app.screens.incident import IncidentScreen
from tui.app.screens.picker import PickerScreen
from tui.app.screens.report import ReportScreen
from tui.journal import Journal
from tui.runbook.model import SEVERITIES

pytestmark = pytest.mark.usefixtures("recorded_notifications")

FLOOD = """\
id: flood
title: Flood the output pane
version: 1
summary: A command that prints far more than the pane keeps.
category: infrastructure
severity_hint: low
commands:
  flood:
    title: Print 200,000 lines slowly enough to be streaming for a while
    run: [python3, -c, "import sys, time\\nfor b in range(200):\\n  sys.stdout.write(''.join('line %d\\\\n' % (b * 1000 + i) for i in range(1000))); sys.stdout.flush(); time.sleep(0.01)"]
start: a
steps:
  a:
    do: Run the flood.
    commands: [flood]
    next: b
  b:
    outcome: resolved
    say: Done.
"""



def messages(app: Any) -> list[str]:
    return list(app.__dict__.get("notified", []))


def journal_of(app: Any) -> Journal:
    return Journal(app.services.settings.journal_path, user="reader", sync_on_write="off")


async def open_incident(pilot: Any, runbook: str = "refusal-spike") -> IncidentScreen:
    app = pilot.app
    # The journal too: opening a runbook first looks for an open incident to offer to resume.
    await wait_for(pilot, lambda: app.loaded is not None and app.loaded.journal_ready)
    app.open_runbook(runbook)
    await pilot.pause()
    if not isinstance(app.screen, IncidentScreen):
        await pilot.press("enter")  # accept the parameters
    await wait_for(pilot, lambda: isinstance(app.screen, IncidentScreen))
    return app.screen


async def finished(pilot: Any, screen: IncidentScreen) -> None:
    await wait_for(pilot, lambda: screen.running is None and not screen.query_one("#output").queued, tries=1000)
    await pilot.pause()


# ---- the picker -------------------------------------------------------------------------------


async def test_picker_lists_broken_runbooks_and_will_not_open_them(tmp_path: Path):
    app = make_app(settings_for(tmp_path), cursor_blink=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.loaded is not None)
        picker = app.screen
        assert isinstance(picker, PickerScreen)
        broken = [k for k in picker.keys if k.startswith("broken:")]
        assert len(broken) == 1
        option = picker.query_one("#choices").get_option(broken[0])
        assert "BROKEN" in option.prompt.plain and "no step named 'nowhere'" in option.prompt.plain
        await pilot.press(*"latency", "enter")
        await pilot.pause()
        assert isinstance(app.screen, PickerScreen)
        assert any("broken" in m and "oncall validate" in m for m in messages(app))


async def test_filter_finds_a_runbook_by_its_symptom(tmp_path: Path):
    app = make_app(settings_for(tmp_path), cursor_blink=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.loaded is not None)
        await pilot.press(*"harmless")
        picker = app.screen
        assert picker.keys[0] == "refusal-spike"
        assert "matched in symptoms" in picker.query_one("#choices").get_option_at_index(0).prompt.plain
        await pilot.press("escape")
        assert picker.query_one("#filter").value == ""


async def test_an_unknown_runbook_flag_is_one_sentence_and_the_picker_stays(tmp_path: Path):
    app = make_app(settings_for(tmp_path), runbook="refusal-spik", cursor_blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.loaded is not None)
        await pilot.pause()
        assert isinstance(app.screen, PickerScreen)
        assert any("No runbook 'refusal-spik'" in m and "refusal-spike" in m for m in messages(app))


async def test_params_form_refuses_a_value_that_breaks_the_pattern(tmp_path: Path):
    app = make_app(settings_for(tmp_path), runbook="refusal-spike", cursor_blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ParamsScreen" and bool(app.screen.query("#param-service")))
        field = app.screen.query_one("#param-service")
        field.value = "Bad Name; rm -rf /"
        await pilot.press("enter")
        assert type(app.screen).__name__ == "ParamsScreen"
        assert "does not match its pattern" in str(app.screen.query_one("#params-error").render())
        field.value = "billing-bot"
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, IncidentScreen))
        assert app.screen.controller.values()["service"] == "billing-bot"


# ---- commands --------------------------------------------------------------------------------


async def test_a_danger_command_runs_only_after_the_word_is_typed(tmp_path: Path):
    app = make_app(settings_for(tmp_path), cursor_blink=False)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_incident(pilot)
        await pilot.press("1", "1")
        assert screen.controller.step.id == "roll-back"
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, DangerScreen)
        assert "echo 'rolled support-assistant back to v40'" in str(app.screen.query_one(".command-line").render())
        await pilot.press(*"yes", "enter")
        assert isinstance(app.screen, DangerScreen)  # the wrong word runs nothing
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, IncidentScreen)
        journal = journal_of(app)
        assert not [e for e in journal.events(screen.controller.incident_id) if e.kind == "command"]

        await pilot.press("r")
        await pilot.pause()
        await pilot.press(*"rollback_prompt", "enter")
        await pilot.pause()
        await finished(pilot, screen)
        [command] = [e for e in journal.events(screen.controller.incident_id) if e.kind == "command"]
        assert command.data["danger"] is True and command.data["exit_code"] == 0
        assert "rolled support-assistant back to v40" in command.data["output"]
        journal.close()


async def test_read_only_refuses_a_danger_command_without_asking(tmp_path: Path):
    app = make_app(settings_for(tmp_path, read_only=True), cursor_blink=False)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_incident(pilot)
        await pilot.press("1", "1", "r")
        await pilot.pause()
        assert app.screen is screen
        assert any("read-only" in m and "nothing ran" in m for m in messages(app))


async def test_ctrl_c_cancels_a_running_command_and_the_journal_says_so(tmp_path: Path):
    app = make_app(settings_for(tmp_path), cursor_blink=False)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_incident(pilot)
        await pilot.press("1", "R")
        await pilot.pause()
        assert isinstance(app.screen, ChoiceScreen)
        await pilot.press("2")  # follow_logs: three lines, then a minute of sleep
        await wait_for(pilot, lambda: screen.query_one("#output").lines_shown >= 3)
        assert screen.running is not None
        await pilot.press("ctrl+c")
        await finished(pilot, screen)
        assert "cancelled" in screen.query_one("#output").border_title
        journal = journal_of(app)
        [command] = [e for e in journal.events(screen.controller.incident_id) if e.kind == "command"]
        assert command.data["cancelled"] is True and command.data["command"] == "follow_logs"
        assert "refusal 2: I cannot help with that" in command.data["output"]
        journal.close()


async def test_keys_still_work_while_200000_lines_stream(tmp_path: Path):
    folder = write_library(tmp_path / "flood", {"flood.yaml": FLOOD})
    app = make_app(settings_for(tmp_path, runbook_dirs=(folder,)), cursor_blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_incident(pilot, "flood")
        await pilot.press("r")
        await wait_for(pilot, lambda: screen.query_one("#output").lines_shown > 0)
        assert screen.running is not None
        await pilot.press("n")
        assert isinstance(app.screen, NoteScreen)  # the note dialog opened mid-stream
        await pilot.press(*"still here", "enter")
        await finished(pilot, screen)
        log = screen.query_one("#output-log")
        assert log.line_count <= 20_000  # bounded, whatever the command prints
        assert "line 199999" in log.lines
        assert log.lines[-1].endswith("exit 0 · " + log.lines[-1].rsplit("· ", 1)[1])
        journal = journal_of(app)
        events = journal.events(screen.controller.incident_id)
        assert [e.text for e in events if e.kind == "note"] == ["still here"]
        [command] = [e for e in events if e.kind == "command"]
        assert command.data["output_lines"] == 200_000
        journal.close()


# ---- the walk --------------------------------------------------------------------------------


async def test_a_jump_into_another_runbook_and_back(tmp_path: Path):
    app = make_app(settings_for(tmp_path), metrics=static_metrics, cursor_blink=False)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_incident(pilot)
        await pilot.press("1", "3")  # Not sure → runbook:fix-forward
        assert screen.controller.current.id == "fix-forward"
        crumbs = str(screen.query_one("#crumbs").render())
        assert "refusal-spike v4" in crumbs and "fix-forward v2 ▸ ship" in crumbs
        await pilot.press("enter", "1")  # shipped; back under 2%
        assert screen.controller.step.outcome == "resolved"
        await pilot.press("enter")  # return to the runbook that jumped
        assert (screen.controller.current.id, screen.controller.step.id) == ("refusal-spike", "recent-change")
        journal = journal_of(app)
        incident = journal.incident(screen.controller.incident_id)
        assert incident.runbooks == ("refusal-spike", "fix-forward")
        actions = [e.data.get("action") for e in journal.events(incident.id) if e.kind == "decision"]
        assert actions == ["answer", "answer", "done", "answer", "resume"]
        journal.close()


async def test_the_metric_pre_selects_and_enter_confirms_it(tmp_path: Path):
    # The simulated values are from the fixed clock's "now": with the real clock they would be STALE.
    app = make_app(settings_for(tmp_path), metrics=static_metrics, clock=fixed_clock(), cursor_blink=False)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_incident(pilot)
        await wait_for(pilot, lambda: screen.snapshot is not None)
        assert screen.selected == 0
        assert "SIMULATED" in screen.query_one("#metrics").border_title
        await pilot.press("down", "enter")  # the person picks 2 over the suggested 1
        journal = journal_of(app)
        [decision] = [e for e in journal.events(screen.controller.incident_id) if e.kind == "decision"]
        assert decision.data["choice"] == 2 and decision.data["suggested"] == 1
        assert decision.data["matched"] is False
        assert decision.data["metrics"]["refusal_rate"]["state"] == "crit"
        journal.close()


async def test_checklist_ticks_with_space_and_done_reports_the_rest(tmp_path: Path):
    app = make_app(settings_for(tmp_path), cursor_blink=False)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_incident(pilot)
        await pilot.press("1", "1", "space", "enter")
        assert screen.controller.step.id == "resolved"
        journal = journal_of(app)
        events = journal.events(screen.controller.incident_id)
        [tick] = [e for e in events if e.kind == "note"]
        assert tick.text == "Ticked: Tell the channel you are rolling back"
        done = [e for e in events if e.kind == "decision"][-1]
        assert done.data["unchecked"] == ["Watch refusal_rate for 5 minutes"]
        assert journal.incident(screen.controller.incident_id).status == "resolved"
        journal.close()


# ---- incident actions ------------------------------------------------------------------------


async def test_severity_roles_update_action_item_and_report(tmp_path: Path):
    app = make_app(settings_for(tmp_path), cursor_blink=False)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_incident(pilot)
        iid = screen.controller.incident_id

        await pilot.press("s")
        assert isinstance(app.screen, ChoiceScreen)
        await pilot.press("1")
        assert "SEV1" in str(screen.query_one("#bar").render())

        await pilot.press("o", "enter", *"bob", "enter", "enter", "enter")
        await pilot.press("a", *"add a test", "enter", "enter", "enter")
        await pilot.press("u")
        assert "[SEV1] Refusal spike" in app.screen.current_text
        await pilot.press("m")
        await pilot.press("x")
        await wait_for(pilot, lambda: isinstance(app.screen, ReportScreen))  # built in a thread
        assert "→ " + str(screen.forms.report_path()) in str(app.screen.query_one(".dialog-title").render())
        await pilot.press("w")
        await wait_for(pilot, lambda: screen.forms.report_path().with_suffix(".html").exists())

        journal = journal_of(app)
        incident = journal.incident(iid)
        assert incident.severity == "critical"
        assert incident.roles == {"incident lead": "alice", "technical lead": "bob"}
        [item] = journal.action_items(iid)
        assert (item.text, item.owner) == ("add a test", "alice")
        kinds = [e.kind for e in journal.events(iid)]
        assert "comms" in kinds and "role" in kinds and "action-item" in kinds
        report = screen.forms.report_path().read_text()
        assert report.startswith("# Post-incident report: Refusal spike in the support assistant")
        assert "add a test" in report
        said = messages(app)
        assert any(f"Wrote the report (Markdown) to {screen.forms.report_path()}" in m and "one HTML page" in m
                   for m in said), said
        journal.close()


async def test_help_shows_what_the_screen_is_for_and_its_keys(tmp_path: Path):
    app = make_app(settings_for(tmp_path), cursor_blink=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_incident(pilot)
        await pilot.press("question_mark")
        keys = str(app.screen.query_one("#help-keys").render())
        for expected in ("1-9", "back", "note", "severity", "update", "report", "quit", "ctrl+p"):
            assert expected in keys
        assert "one step at a time" in str(app.screen.query_one(".help-purpose").render())
        await pilot.press("escape")
        assert isinstance(app.screen, IncidentScreen)


async def test_the_palette_runs_an_action_of_the_current_screen(tmp_path: Path):
    app = make_app(settings_for(tmp_path), cursor_blink=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_incident(pilot)
        await pilot.press("ctrl+p", *"action: note")
        await wait_for(pilot, lambda: app.screen.query("CommandList") and
                       app.screen.query_one("CommandList").option_count > 0)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, NoteScreen))


# ---- faults ----------------------------------------------------------------------------------


async def test_a_dead_prometheus_shows_down_and_the_walk_goes_on(tmp_path: Path):
    import socket

    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = make_app(settings_for(tmp_path, prometheus_url=f"http://127.0.0.1:{port}"), cursor_blink=False)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_incident(pilot)
        await wait_for(pilot, lambda: screen.snapshot is not None, tries=500)
        pane = screen.query_one("#metrics")
        assert "DOWN" in pane.border_title
        text = str(pane.render())
        assert "retrying in" in text and "DOWN" in text
        await pilot.press("1")
        assert screen.controller.step.id == "recent-change"


async def test_an_unreadable_shared_journal_is_one_sentence_and_notes_are_kept(tmp_path: Path):
    shared = tmp_path / "shared.json"
    shared.write_bytes(b"this is not a journal\x00\xff")
    app = make_app(settings_for(tmp_path, shared_journal=shared), cursor_blink=False, sync_every=0.2)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_incident(pilot)
        await wait_for(pilot, lambda: screen.sync_status is not None)
        problem = str(screen.query_one("#journal-sync").render())
        assert problem and "Traceback" not in problem
        await pilot.press("n", *"kept", "enter")
        await pilot.pause()
    assert shared.read_bytes() == b"this is not a journal\x00\xff"
    journal = journal_of(app)
    [incident] = journal.incidents()
    assert [e.text for e in journal.events(incident.id) if e.kind == "note"] == ["kept"]
    journal.close()


async def test_a_failing_background_task_becomes_a_sentence_not_an_exit(tmp_path: Path):
    async def broken_alerts(runbooks: dict) -> list:
        raise RuntimeError("boom")

    app = make_app(settings_for(tmp_path), alerts=broken_alerts, cursor_blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: any("Something went wrong" in m for m in messages(app)))
        assert app.is_running
        assert any("alerts" in m and "boom" in m and "the rest goes on" in m for m in messages(app))
        await open_incident(pilot)  # and the rest does go on


@pytest.mark.parametrize("theme", ["high-contrast", "no-such-theme"])
async def test_themes(tmp_path: Path, theme: str):
    app = make_app(settings_for(tmp_path), theme=theme, cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        if theme == "high-contrast":
            assert app.theme == "high-contrast"
        else:
            assert app.theme == "oncall-dark"
            assert any("no theme 'no-such-theme'" in m for m in messages(app))


async def test_status_and_findings_keys(tmp_path: Path):
    app = make_app(settings_for(tmp_path), cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_incident(pilot)
        await pilot.press("t", "5")  # resolved
        await pilot.press("i", *"checkout down", "enter")
        await pilot.press("ctrl+s")
        await pilot.pause()
        journal = journal_of(app)
        incident = journal.incident(screen.controller.incident_id)
        assert incident.status == "resolved" and incident.resolved_at
        assert incident.impact == "checkout down"
        journal.close()


async def test_two_responders_see_each_other_through_the_shared_file(tmp_path: Path):
    shared = tmp_path / "shared.json"
    mine = make_app(settings_for(tmp_path / "alice", shared_journal=shared), cursor_blink=False, sync_every=0.2)
    async with mine.run_test(size=(120, 40)) as pilot:
        screen = await open_incident(pilot)
        iid = screen.controller.incident_id
        await pilot.press("n", *"alice here", "enter")
        await wait_for(pilot, lambda: screen.synced_at is not None, tries=500)
        # Bob, another process in real life: his own local journal, the same shared file.
        bob = Journal(tmp_path / "bob.json", shared, "bob", sync_on_write="inline")
        bob.sync()
        bob.add_event(iid, "note", "bob here: the canary is clean")
        # The pane draws what the screen learnt from a message of its own: wait for what the person reads.
        def log() -> str:
            return screen.query_one("#journal").text()

        await wait_for(pilot, lambda: "bob here: the canary is clean" in log(), tries=500)
        assert "bob" in screen.authors
        assert "2 responders" in screen.query_one("#journal").border_title
        bob.close()


async def test_alert_flag_without_alertmanager_says_what_to_do(tmp_path: Path):
    app = make_app(settings_for(tmp_path), alert="LLMRefusalSpike", cursor_blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.loaded is not None)
        await pilot.pause()
        assert isinstance(app.screen, PickerScreen)
        assert any("no Alertmanager URL" in m and "--alertmanager" in m for m in messages(app))


async def test_a_broken_metrics_source_is_a_sentence_and_the_walk_goes_on(tmp_path: Path):
    def broken_source(queries: list, on_snapshot: Any) -> Any:
        raise RuntimeError("no such exporter")

    app = make_app(settings_for(tmp_path), metrics=broken_source, cursor_blink=False)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_incident(pilot)
        pane = screen.query_one("#metrics")
        assert "failed" in pane.border_title
        assert "no such exporter" in str(pane.render()) and "the rest goes on" in str(pane.render())
        await pilot.press("1")
        assert screen.controller.step.id == "recent-change"


async def test_a_fault_no_handler_caught_stops_with_its_sentence_not_a_traceback(tmp_path: Path):
    from tui.errors import OncallError

    app = make_app(settings_for(tmp_path), cursor_blink=False)

    def fault() -> None:
        raise OncallError("The widget is unplugged; plug it in.")

    with pytest.raises(OncallError):
        async with app.run_test(size=(100, 30)) as pilot:
            await wait_for(pilot, lambda: app.loaded is not None)
            app.call_later(fault)
            await wait_for(pilot, lambda: app.return_code is not None)
    assert app.fault == "The widget is unplugged; plug it in." and app.crash_log is None
    assert app.return_code == 1


async def test_a_bug_stops_the_app_with_a_crash_log_and_the_journal_intact(tmp_path: Path):
    app = make_app(settings_for(tmp_path), cursor_blink=False)
    with pytest.raises(ZeroDivisionError):
        async with app.run_test(size=(100, 30)) as pilot:
            screen = await open_incident(pilot)
            await pilot.press("1")
            app.call_later(lambda: 1 / 0)
            await wait_for(pilot, lambda: app.return_code is not None)  # the bug stopped the app
    assert app.crash_log is not None and "ZeroDivisionError" in app.crash_log.read_text()
    journal = journal_of(app)  # what was done before the bug is all there
    [decision] = [e for e in journal.events(screen.controller.incident_id) if e.kind == "decision"]
    assert decision.data["label"] == "Yes, above 5%"
    journal.close()


async def test_choosing_the_current_severity_again_is_journaled(tmp_path: Path):
    app = make_app(settings_for(tmp_path), cursor_blink=False)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_incident(pilot)
        current = screen.controller.severity()
        await pilot.press("s")
        assert isinstance(app.screen, ChoiceScreen)
        await pilot.press(str(SEVERITIES.index(current) + 1))
        await pilot.pause()
        journal = journal_of(app)
        [event] = [e for e in journal.events(screen.controller.incident_id) if e.data.get("field") == "severity"]
        assert event.text.startswith("Severity confirmed:") and event.data["to"] == current
        journal.close()


async def test_g_draws_the_steps_metric_in_the_terminal_with_its_lines_and_the_page(tmp_path: Path):
    from textual_plotext import PlotextPlot

    from tui.app.screens.chart import ChartScreen

    app = make_app(settings_for(tmp_path), metrics=static_metrics, clock=fixed_clock(), cursor_blink=False)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_incident(pilot)
        await wait_for(pilot, lambda: screen.snapshot is not None)
        await pilot.press("g")
        await wait_for(pilot, lambda: isinstance(app.screen, ChartScreen))
        chart = app.screen
        assert chart.reading.metric.name == "refusal_rate"  # the step's metric
        assert "Share of answers that refuse (refusal_rate)" in str(chart.query_one(".dialog-title").render())
        assert "paged: the incident opened" in str(chart.query_one("#chart-legend").render())
        drawn = re.sub(r"\x1b\[[0-9;]*m", "", chart.query_one(PlotextPlot).plt.build())
        assert "12.4%" in drawn and "1.1%" in drawn  # the y axis in the metric's unit, lowest to latest value
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen)


async def test_g_without_metrics_says_why(tmp_path: Path):
    app = make_app(settings_for(tmp_path), cursor_blink=False)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_incident(pilot)
        await pilot.press("g")
        await pilot.pause()
        assert app.screen is screen
        assert any("No history of refusal_rate yet" in m for m in messages(app))


def test_the_chart_library_is_imported_only_when_a_chart_opens() -> None:
    import subprocess
    import sys

    code = ("import sys, tui.app.app, tui.app.screens.incident; "
            "sys.exit('textual_plotext' in sys.modules or 'plotext' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


async def test_the_findings_form_reaches_its_last_field_at_80x24(tmp_path: Path):
    from tui.app.screens.dialogs import FormScreen
    from tui.app.widgets.field import Field
    from tui.incident import FINDINGS

    app = make_app(settings_for(tmp_path), cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_incident(pilot)
        await pilot.press("i")
        await wait_for(pilot, lambda: isinstance(app.screen, FormScreen))
        fields = list(app.screen.query(Field))
        assert len(fields) == len(FINDINGS) == 10  # five whys, why it reached users and the ETA among them
        for _ in fields[:-1]:
            await pilot.press("enter")
        await pilot.pause()
        last = fields[-1]
        assert last.has_focus
        assert app.screen.region.contains_region(last.region) and last.region.height > 0  # scrolled into view
        await pilot.press(*"the alert", "enter")
        await wait_for(pilot, lambda: app.screen is screen)
        journal = journal_of(app)
        last_name = FINDINGS[-1][0]
        assert getattr(journal.incident(screen.controller.incident_id), last_name) == "the alert"
        journal.close()


async def test_the_chart_shows_outside_text_as_text() -> None:
    from textual.app import App
    from textual_plotext import PlotextPlot

    from tui.app.screens.chart import ChartScreen
    from tui.metrics.readings import Series, reading_from_samples
    from tui.report.chart import Mark
    from tui.runbook.model import Metric

    hostile = "[bold]b[/] \x1b[31mred\x1b]0;pwned\x07"
    metric = Metric("m", "Title " + hostile, "q", unit="percent-ratio", warn=0.02, crit=0.05)
    now = 1_800_000_000.0
    history = (Series({"model": hostile}, tuple((now - 60 * i, 0.01 * i) for i in range(10, 0, -1))),)
    reading = reading_from_samples(metric, "q", [({}, 0.1)], now, history=history)

    class One(App[None]):
        def on_mount(self) -> None:
            self.push_screen(ChartScreen(reading, [Mark(now - 120, "ran " + hostile, "fix")], now=now))

    app = One()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        chart = app.screen
        # Markup stays characters, colour codes are dropped, the OSC is made visible (tui/text.py's plain).
        assert "Title [bold]b[/] red␛]0;pwned␇" in str(chart.query_one(".dialog-title").render())
        assert "ran [bold]b[/] red␛]0;pwned␇" in str(chart.query_one("#chart-legend").render())
        drawn = chart.query_one(PlotextPlot).plt.build()
        assert "\x1b]0;" not in drawn and "\x1b[31mred" not in drawn
