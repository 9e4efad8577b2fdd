"""`oncall drill` in the app: a whole drill played with the keys a responder presses, to its outcome and score."""

from __future__ import annotations

from pathlib import Path

import pytest

from tui.app.screens.dialogs import ChoiceScreen, DangerScreen
from tui.app.screens.incident import IncidentScreen
from tui.app.screens.report import ReportScreen
from tui.app.widgets.metrics_pane import MetricsPane
from tui.app.widgets.output_pane import OutputPane
from tui.commands.drill_cmd import drill_app
from tui.config import BUNDLED_RUNBOOKS, Settings
from tui.drill.catalog import load_catalog
from tui.drill.score import SCORE_KEY
from tui.journal import Journal


@pytest.fixture(scope="module")
def catalog():
    return load_catalog([BUNDLED_RUNBOOKS])


async def wait_for(pilot, condition, seconds: float = 20.0) -> None:
    """Wait for the app to get there (generous: other test runs share these two cores); never a timing check."""
    for _ in range(int(seconds / 0.02)):
        if condition():
            return
        await pilot.pause(0.02)
    raise AssertionError("the app did not reach the expected state")


def settings_for(tmp_path: Path) -> Settings:
    return Settings(runbook_dirs=(BUNDLED_RUNBOOKS,), journal_path=tmp_path / "journal.json", user="alice")


def suggested(screen: IncidentScreen, index: int) -> bool:
    suggestion = screen.controller.walker.suggestion
    return suggestion is not None and suggestion.index == index and screen.selected == index


async def test_a_whole_drill_to_its_outcome_and_score(tmp_path: Path, catalog) -> None:
    settings = settings_for(tmp_path)
    journal = Journal(settings.journal_path, user="alice", sync_on_write="off")
    # x600: the two minutes the rollback takes to show pass in 0.2 s
    app, drills = drill_app(settings, catalog, "refusal-spike", speed=600, journal=journal, cursor_blink=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, IncidentScreen))  # the page opens the runbook
        screen = app.screen
        assert screen.controller.step.id == "confirm-refusals"
        await wait_for(pilot, lambda: suggested(screen, 0))  # refusal_rate CRIT pre-selects "Yes, 5% or more"
        pane = screen.query_one(MetricsPane)
        assert "SIMULATED" in str(pane.border_title)
        assert screen.controller.readings["refusal_rate"].simulated

        await pilot.press("n", *"prompt v42?", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, IncidentScreen))
        await pilot.press("s")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen))
        await pilot.press("1")  # SEV1 critical (the scenario expects high: half the severity points)
        await wait_for(pilot, lambda: isinstance(app.screen, IncidentScreen))

        await pilot.press("enter")
        assert screen.controller.step.id == "probe"
        await pilot.press("r")
        await wait_for(pilot, lambda: screen.controller.result_for_step() is not None and screen.running is None)
        assert "can't help" in screen.controller.result_for_step().output
        assert suggested(screen, 0)  # the scripted refusal pre-selects "Yes, it refuses"
        await pilot.press("enter")
        assert screen.controller.step.id == "which-change"
        await pilot.press("1")  # a new prompt version went live
        assert screen.controller.step.id == "contain-prompt"

        await pilot.press("R")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen))
        await pilot.press("2")  # rollback_prompt, the second command this step offers
        await wait_for(pilot, lambda: isinstance(app.screen, DangerScreen))
        await pilot.press(*"rollback_prompt", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, IncidentScreen))
        await wait_for(pilot, lambda: screen.running is None and drills.drills[0].sim.fixed)
        await pilot.press("enter")  # contained
        assert screen.controller.step.id == "validate"
        await wait_for(pilot, lambda: suggested(screen, 0))  # refusal_rate back under 3%
        await pilot.press("enter")
        await wait_for(pilot, lambda: suggested(screen, 0))  # the golden eval passes again
        await pilot.press("enter")
        assert screen.controller.step.id == "close-out"

        await pilot.press("u")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "CommsScreen")
        await pilot.press("m")
        await wait_for(pilot, lambda: isinstance(app.screen, IncidentScreen))
        await pilot.press("enter")  # resolved: the outcome scores the drill
        await wait_for(pilot, lambda: isinstance(app.screen, ReportScreen))
        report, score = app.screen.markdown, app.screen.aside  # the report, the score beside it
        assert report.startswith("# Post-incident report:") and "game-day **drill**" in report
        assert "## What reduced harm" in report and "rollback_prompt" in report
        assert "from the metrics" in report and "Missed signal:" in report  # the simulation, read like Prometheus
        assert "# Drill report:" in score and "**Score: 95/100**" in score
        assert "- severity: 5/10" in score and "The severity is critical; this incident is high." in score
        await pilot.press("escape")
        await pilot.press("q", "y")
        await pilot.pause()
    assert app.return_value == 0
    assert drills.unfinished(journal) == []  # scored once, at the outcome

    [incident] = journal.incidents()
    assert incident.drill and incident.status == "resolved" and incident.alert == "LLMRefusalRateHigh"
    events = journal.events(incident.id)
    [score] = [e for e in events if SCORE_KEY in e.data]
    kept = score.data[SCORE_KEY]
    assert kept["score"] == 95 and kept["outcome"] == "resolved" and kept["fix_ran"]
    assert kept["taken_path"] == list(catalog.get("refusal-spike").expected.path)
    assert kept["commands"] == ["probe", "rollback_prompt"]
    assert 0 < kept["acknowledged"] <= kept["contained"] <= kept["resolved"]
    commands = [e for e in events if e.kind == "command"]
    assert all(e.data["display"].startswith("[SIMULATED] ") for e in commands)
    journal.close()


async def test_without_a_scenario_every_page_waits_in_the_picker(tmp_path: Path, catalog) -> None:
    settings = settings_for(tmp_path)
    journal = Journal(settings.journal_path, user="alice", sync_on_write="off")
    app, drills = drill_app(settings, catalog, None, journal=journal, cursor_blink=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.alert_links is not None)
        pages = {link.alert.name: link for link in app.alert_links}
        assert {"LLMRefusalRateHigh", "ModelPrecisionBelowBaseline", "FeatureDriftHigh", "RAGCitationFailuresHigh",
                "KubePodCrashLooping"} <= set(pages)
        assert all(link.alert.summary.startswith("SIMULATED drill: ") for link in app.alert_links)
        assert pages["KubePodCrashLooping"].runbooks[0] == "gpu-oom-serving"  # the drill's own runbook first
        link = pages["ModelPrecisionBelowBaseline"]
        assert link.runbook == "quality-drop-after-deploy"
        app.open_runbook(link.runbook, dict(link.params), alert=link.alert)  # what Enter on that line does
        await wait_for(pilot, lambda: isinstance(app.screen, IncidentScreen))
        screen = app.screen
        await wait_for(pilot, lambda: "precision_vs_baseline" in screen.controller.readings)
        reading = screen.controller.readings["precision_vs_baseline"]
        precision = next(d for d in drills.drills if d.scenario.id == "precision-drop")
        assert reading.simulated and reading.state == "crit"
        assert abs(reading.value - precision.sim.value("precision_vs_baseline")) < 0.05
        await pilot.press("q", "y")
        await pilot.pause()
    # Quit before the outcome: the drill is still scored, and kept.
    [(incident_id, report)] = drills.unfinished(journal)
    assert report.scenario == "precision-drop" and report.outcome is None
    assert any(SCORE_KEY in e.data for e in journal.events(incident_id))
    journal.close()


async def test_commands_in_a_drill_say_simulated_at_80_columns(tmp_path: Path, catalog) -> None:
    settings = settings_for(tmp_path)
    journal = Journal(settings.journal_path, user="alice", sync_on_write="off")
    app, drills = drill_app(settings, catalog, "gpu-oom-loop", journal=journal, cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, IncidentScreen))
        screen = app.screen
        assert screen.controller.current.id == "gpu-oom-serving"  # not model-serving-outage, which lists it too
        await pilot.press("r")  # pods_status, the step's first command
        await wait_for(pilot, lambda: screen.controller.result_for_step() is not None and screen.running is None)
        log = screen.query_one(OutputPane).log_widget
        shown = "\n".join(str(line) for line in log.lines)
        assert "[SIMULATED] pods_status: drill gpu-oom-loop; nothing was run." in shown
        assert "CrashLoopBackOff" in shown
        assert not drills.drills[0].sim.fixed
        await pilot.press("q", "y")
        await pilot.pause()
    events = journal.events(journal.incidents()[0].id)
    assert [e.data["command"] for e in events if e.kind == "command"] == ["pods_status"]
    journal.close()


async def test_gpu_drill_after_the_rollback_waits_out_the_window_before_pre_selecting(tmp_path: Path, catalog) -> None:
    settings = settings_for(tmp_path)
    journal = Journal(settings.journal_path, user="alice", sync_on_write="off")
    # x120: the 15-minute restarts window takes 7.5 s of the test, as it takes 15 minutes on a real Prometheus
    app, drills = drill_app(settings, catalog, "gpu-oom-loop", speed=120, journal=journal, cursor_blink=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, IncidentScreen))
        screen = app.screen
        assert screen.controller.step.id == "symptom"
        await pilot.press("2")  # crashing with CUDA out of memory
        await pilot.press("enter")
        assert screen.controller.step.id == "recent-change"
        await pilot.press("1")  # yes: roll it back
        assert screen.controller.step.id == "rollback"
        await pilot.press("R")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen))
        await pilot.press(str(screen.controller.step.offered_commands.index("rollback") + 1))
        await wait_for(pilot, lambda: isinstance(app.screen, DangerScreen))
        await pilot.press(*"rollback", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, IncidentScreen))
        await wait_for(pilot, lambda: screen.running is None and drills.drills[0].sim.fixed)
        await pilot.press("enter")  # contained
        assert screen.controller.step.id == "validate"
        await wait_for(pilot, lambda: screen.controller.readings.get("restarts_15m") is not None
                       and screen.controller.readings["restarts_15m"].state == "settling")
        assert screen.selected is None  # "Still restarting → escalate" is not pre-selected on the old restarts
        assert "SETTLING" in str(screen.query_one("#step-evidence").render())
        await wait_for(pilot, lambda: suggested(screen, 0), seconds=40)  # the window is clean: "Yes, no restarts"
        assert screen.controller.readings["restarts_15m"].state == "ok"
    notes = [e.data.get("state") for e in journal.events(screen.controller.incident_id) if e.kind == "metric"
             and e.data.get("metric") == "restarts_15m"]
    assert notes == ["settling", "ok"]
    journal.close()


async def test_a_drill_runs_a_prometheus_query_with_no_prometheus_configured(tmp_path: Path, catalog) -> None:
    settings = settings_for(tmp_path)  # no Prometheus URL: the drill needs none
    assert settings.prometheus_url is None
    journal = Journal(settings.journal_path, user="alice", sync_on_write="off")
    app, _ = drill_app(settings, catalog, "feature-drift", journal=journal, cursor_blink=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, IncidentScreen))
        screen = app.screen
        assert screen.controller.step.offered_commands == ("top_drifted",)  # it reads ${env.prometheus_url}
        await pilot.press("r")
        await wait_for(pilot, lambda: screen.controller.result_for_step() is not None and screen.running is None)
        shown = "\n".join(str(line) for line in screen.query_one(OutputPane).log_widget.lines)
        assert "[SIMULATED] top_drifted" in shown and "merchant_country" in shown
        assert "No Prometheus URL" not in shown
        await pilot.press("q", "y")
        await pilot.pause()
    journal.close()
